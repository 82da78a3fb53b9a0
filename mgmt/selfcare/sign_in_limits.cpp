#include "mgmt/selfcare/sign_in_limits.h"

#include <cstdio>

#include "core/ids.h"
#include "core/pki.h"
#include "core/web/csrf.h"

namespace mgmt::selfcare {

namespace {

std::string waitText(int64_t seconds) {
  const int64_t minutes = (seconds + 59) / 60;
  return std::to_string(minutes < 1 ? 1 : minutes) + " minute(s)";
}

}  // namespace

bool SignInLimits::underLimit(std::deque<int64_t>& times, size_t limit, int64_t now) {
  while (!times.empty() && times.front() <= now - kWindowSeconds) times.pop_front();
  return times.size() < limit;
}

template <typename Map>
void SignInLimits::bound(Map& m) {
  // Past the bound the first keys go (not strictly the oldest, but a flood of addresses cannot grow
  // memory, and a person asking again gets a new entry).
  while (m.size() > kMaxEntries) m.erase(m.begin());
}

core::Result<std::string> SignInLimits::issue(const std::string& account, const std::string& address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<int64_t>& perAccount = issuedPerAccount_[account];
  std::deque<int64_t>& perAddress = issuedPerAddress_[address];
  if (!underLimit(perAccount, kCodesPerAccount, now))
    return core::resourceExhausted("too many codes asked for this account: try again in " +
                                   waitText(perAccount.front() + kWindowSeconds - now));
  if (!underLimit(perAddress, kCodesPerAddress, now))
    return core::resourceExhausted("too many codes asked from your address: try again in " +
                                   waitText(perAddress.front() + kWindowSeconds - now));
  perAccount.push_back(now);
  perAddress.push_back(now);
  uint8_t bytes[4];
  core::secureRandom(bytes, sizeof bytes);
  const uint32_t n = (uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3]) % 1000000;
  char code[8];
  std::snprintf(code, sizeof code, "%06u", n);
  codes_[account] = Code{core::pki::sha256Hex(code), now + kCodeSeconds, 0};
  bound(codes_);
  bound(issuedPerAccount_);
  bound(issuedPerAddress_);
  return std::string(code);
}

bool SignInLimits::verify(const std::string& account, const std::string& code, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find(account);
  if (it == codes_.end()) return false;
  if (it->second.expires <= now) {
    codes_.erase(it);
    return false;
  }
  if (core::web::constantTimeEqual(it->second.digest, core::pki::sha256Hex(code))) {
    codes_.erase(it);  // single use
    return true;
  }
  if (++it->second.wrong >= kMaxWrongCodes) codes_.erase(it);
  return false;
}

core::Status SignInLimits::admitAttempt(const std::string& address, const std::string& login, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failuresPerAddress_.find(address);
  if (it != failuresPerAddress_.end() && !underLimit(it->second, kFailuresPerAddress, now))
    return core::resourceExhausted("too many failed sign-ins from your address: try again in " +
                                   waitText(it->second.front() + kWindowSeconds - now));
  it = failuresPerLogin_.find(login);
  if (it != failuresPerLogin_.end() && !underLimit(it->second, kFailuresPerLogin, now))
    return core::resourceExhausted("too many failed sign-ins for this account: try again in " +
                                   waitText(it->second.front() + kWindowSeconds - now));
  return core::Status::ok();
}

void SignInLimits::recordFailure(const std::string& address, const std::string& login, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  failuresPerAddress_[address].push_back(now);
  failuresPerLogin_[login].push_back(now);
  bound(failuresPerAddress_);
  bound(failuresPerLogin_);
}

}  // namespace mgmt::selfcare
