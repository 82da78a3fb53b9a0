// The self-care portal's one-time sign-in codes and its limits per customer and per client address
// (issue 24; docs/selfcare.md; ADR 0043).
//
// Contract:
//  - issue() draws a 6-digit code from the kernel CSPRNG for an account ("tenant/username"); only its
//    SHA-256 is kept. A new code replaces the account's previous one. It expires kCodeSeconds after
//    issue, is used at most once, and is void after kMaxWrongCodes wrong tries.
//  - Codes are rate-limited: at most kCodesPerAccount per account and kCodesPerAddress per client
//    address within kWindowSeconds (kResourceExhausted naming the wait). Failed sign-ins (password or
//    code) are limited per client address the same way (kFailuresPerAddress), so a password or a
//    code cannot be guessed from one address, and per login (kFailuresPerLogin), so it cannot be
//    guessed from many addresses either (a login so attacked waits out the window: the price of it).
//  - Codes and the limits per account and per login live in mgmt's storage (tables selfcare_codes
//    and selfcare_attempts, ADR 0051): a code mailed by one mgmtd replica is accepted by any other,
//    once (the row is deleted in the unit of work that accepts it), and the limits count every
//    replica's codes and failures. The limits per client address stay in each replica's memory
//    (bounded: at most kMaxEntries addresses; the oldest pushed out): with N replicas an address gets
//    up to N times its allowance. Behind HAProxy in TCP mode every visitor's address is HAProxy's, so
//    those limits then count all visitors of a replica together (see ADR 0051).
//  - purge() deletes expired codes and attempts older than the window (the portal's tick, under the
//    singleton lock "selfcare-sign-in").
//  - Thread-safe; times come from the caller (unix seconds).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::selfcare {

// SQL for selfcare_codes and selfcare_attempts (the only place it is written).
class SignInStore {
 public:
  explicit SignInStore(store::Transaction& tx) : tx_(tx) {}
  // How many attempts of `kind` ("code", "failure") `subject` made at or after `since`, and the
  // earliest of them (0 when none).
  core::Result<std::pair<int64_t, int64_t>> attempts(const std::string& kind, const std::string& subject, int64_t since);
  core::Status addAttempt(const std::string& kind, const std::string& subject, int64_t at);
  // Sets the account's code (replacing one it had).
  core::Status putCode(const std::string& account, const std::string& digest, int64_t expiresAt);
  struct Code {
    std::string digest;
    int64_t expiresAt = 0, wrong = 0;
  };
  core::Result<std::optional<Code>> code(const std::string& account);
  // Deletes the account's code when its digest is still `digest`; whether it did.
  core::Result<bool> takeCode(const std::string& account, const std::string& digest);
  core::Status countWrong(const std::string& account);
  core::Status purge(int64_t now, int64_t attemptsBefore);

 private:
  store::Transaction& tx_;
};

class SignInLimits {
 public:
  static constexpr int64_t kCodeSeconds = 10 * 60;
  static constexpr int kMaxWrongCodes = 5;
  static constexpr int64_t kWindowSeconds = 15 * 60;
  static constexpr size_t kCodesPerAccount = 3;
  static constexpr size_t kCodesPerAddress = 10;
  static constexpr size_t kFailuresPerAddress = 20;
  static constexpr size_t kFailuresPerLogin = 10;
  static constexpr size_t kMaxEntries = 100000;

  explicit SignInLimits(store::Storage& storage) : storage_(storage) {}

  // A new code for `account` asked from `address`, or kResourceExhausted.
  core::Result<std::string> issue(const std::string& account, const std::string& address, int64_t now);
  // Whether `code` is the live code of `account`; a right code is used up, a wrong one counts.
  core::Result<bool> verify(const std::string& account, const std::string& code, int64_t now);
  // kResourceExhausted when `address` or `login` ("tenant/login", as typed, lower-case) failed too
  // often lately; ok otherwise.
  core::Status admitAttempt(const std::string& address, const std::string& login, int64_t now);
  core::Status recordFailure(const std::string& address, const std::string& login, int64_t now);
  // Deletes expired codes and attempts past the window (one replica at a time).
  core::Status purge(int64_t now);

 private:
  // Drops times older than the window; whether fewer than `limit` remain.
  static bool underLimit(std::deque<int64_t>& times, size_t limit, int64_t now);
  static void bound(std::map<std::string, std::deque<int64_t>>& m);

  store::Storage& storage_;
  std::mutex mu_;  // the per-address limits below
  std::map<std::string, std::deque<int64_t>> issuedPerAddress_, failuresPerAddress_;
};

}  // namespace mgmt::selfcare
