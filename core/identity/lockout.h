// Sign-in lockout with backoff (OWASP Authentication Cheat Sheet, "Account lockout"): after a number
// of free failures a key (an account name, a source address) is locked for a while, the lock doubling
// with each further failure up to a ceiling; a success clears the key, and a key with no failure for
// `forgetSeconds` starts over. A locked key is refused before its password is even checked, so
// guessing costs the attacker time and costs the server no argon2 work.
//
// In memory (the box's technician UI: a restart forgets, which needs root on the box anyway; mgmt
// keeps its lockout on the person's row with lockSeconds() below, so every mgmtd sees it); bounded: beyond maxKeys the
// entry whose last failure is oldest is dropped. Thread-safe. Times are the caller's (unix seconds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace core::identity {

struct LockoutPolicy {
  int freeFailures = 5;           // failures before the first lock
  int64_t firstLockSeconds = 30;  // the first lock; each further failure doubles it
  int64_t maxLockSeconds = 900;
  int64_t forgetSeconds = 3600;   // a key without failures this long starts over
  size_t maxKeys = 4096;
};

// The lock (seconds) that the `failures`-th failure in a row starts: 0 while they are free, then
// firstLockSeconds doubling up to maxLockSeconds. What Lockout applies in memory and mgmt on a row.
int64_t lockSeconds(const LockoutPolicy& policy, int64_t failures);

class Lockout {
 public:
  explicit Lockout(LockoutPolicy policy = {}) : policy_(policy) {}

  // Seconds until `key` may try again; 0 when it may now.
  int64_t lockedFor(const std::string& key, int64_t now) const;
  // Records a failure; the lock (seconds) it starts, 0 when it is still a free one.
  int64_t failure(const std::string& key, int64_t now);
  // Clears the key (a successful sign-in).
  void success(const std::string& key);
  int failures(const std::string& key) const;
  const LockoutPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    int failures = 0;
    int64_t lastFailure = 0;
    int64_t lockedUntil = 0;
  };
  LockoutPolicy policy_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace core::identity
