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
//  - In memory, like the sessions (ADR 0043): a restart voids open codes (the person asks again).
//    Bounded: at most kMaxEntries accounts and addresses each; the oldest are pushed out.
//  - Thread-safe; times come from the caller (unix seconds).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/status.h"

namespace mgmt::selfcare {

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

  // A new code for `account` asked from `address`, or kResourceExhausted.
  core::Result<std::string> issue(const std::string& account, const std::string& address, int64_t now);
  // Whether `code` is the live code of `account`; a right code is used up, a wrong one counts.
  bool verify(const std::string& account, const std::string& code, int64_t now);
  // kResourceExhausted when `address` or `login` ("tenant/login", as typed, lower-case) failed too
  // often lately; ok otherwise.
  core::Status admitAttempt(const std::string& address, const std::string& login, int64_t now);
  void recordFailure(const std::string& address, const std::string& login, int64_t now);

 private:
  struct Code {
    std::string digest;  // SHA-256 of the code
    int64_t expires = 0;
    int wrong = 0;
  };
  // Drops times older than the window; whether fewer than `limit` remain.
  static bool underLimit(std::deque<int64_t>& times, size_t limit, int64_t now);
  template <typename Map>
  static void bound(Map& m);

  std::mutex mu_;
  std::map<std::string, Code> codes_;
  std::map<std::string, std::deque<int64_t>> issuedPerAccount_, issuedPerAddress_, failuresPerAddress_,
      failuresPerLogin_;
};

}  // namespace mgmt::selfcare
