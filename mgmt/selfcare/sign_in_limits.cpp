#include "mgmt/selfcare/sign_in_limits.h"

#include <cstdio>

#include "core/ids.h"
#include "core/pki.h"
#include "core/web/csrf.h"

namespace mgmt::selfcare {

namespace {

constexpr const char* kCodeKind = "code";
constexpr const char* kFailureKind = "failure";

std::string waitText(int64_t seconds) {
  const int64_t minutes = (seconds + 59) / 60;
  return std::to_string(minutes < 1 ? 1 : minutes) + " minute(s)";
}

}  // namespace

// ---- SignInStore ----

core::Result<std::pair<int64_t, int64_t>> SignInStore::attempts(const std::string& kind, const std::string& subject,
                                                                int64_t since) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne("SELECT count(*), min(at) FROM selfcare_attempts "
                                     "WHERE kind = $1 AND subject = $2 AND at >= $3",
                                     {kind, subject, since}));
  if (!r) return std::make_pair(int64_t{0}, int64_t{0});
  return std::make_pair(r->int64(0), r->isNull(1) ? int64_t{0} : r->int64(1));
}

core::Status SignInStore::addAttempt(const std::string& kind, const std::string& subject, int64_t at) {
  return tx_.exec("INSERT INTO selfcare_attempts (kind, subject, at) VALUES ($1, $2, $3)", {kind, subject, at})
      .status();
}

core::Status SignInStore::putCode(const std::string& account, const std::string& digest, int64_t expiresAt) {
  return tx_
      .exec("INSERT INTO selfcare_codes (account, digest, expires_at, wrong) VALUES ($1, $2, $3, 0) "
            "ON CONFLICT (account) DO UPDATE SET digest = excluded.digest, expires_at = excluded.expires_at, wrong = 0",
            {account, digest, expiresAt})
      .status();
}

core::Result<std::optional<SignInStore::Code>> SignInStore::code(const std::string& account) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne("SELECT digest, expires_at, wrong FROM selfcare_codes WHERE account = $1", {account}));
  if (!r) return std::optional<Code>();
  return std::optional<Code>(Code{r->text(0), r->int64(1), r->int64(2)});
}

core::Result<bool> SignInStore::takeCode(const std::string& account, const std::string& digest) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("DELETE FROM selfcare_codes WHERE account = $1 AND digest = $2", {account, digest}));
  return n > 0;
}

core::Status SignInStore::countWrong(const std::string& account) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec("UPDATE selfcare_codes SET wrong = wrong + 1 WHERE account = $1", {account}).status());
  return tx_
      .exec("DELETE FROM selfcare_codes WHERE account = $1 AND wrong >= $2",
            {account, int64_t{SignInLimits::kMaxWrongCodes}})
      .status();
}

core::Status SignInStore::purge(int64_t now, int64_t attemptsBefore) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM selfcare_codes WHERE expires_at <= $1", {now}).status());
  return tx_.exec("DELETE FROM selfcare_attempts WHERE at < $1", {attemptsBefore}).status();
}

// ---- SignInLimits ----

bool SignInLimits::underLimit(std::deque<int64_t>& times, size_t limit, int64_t now) {
  while (!times.empty() && times.front() <= now - kWindowSeconds) times.pop_front();
  return times.size() < limit;
}

void SignInLimits::bound(std::map<std::string, std::deque<int64_t>>& m) {
  // Past the bound the first keys go (not strictly the oldest, but a flood of addresses cannot grow
  // memory, and a person asking again gets a new entry).
  while (m.size() > kMaxEntries) m.erase(m.begin());
}

core::Result<std::string> SignInLimits::issue(const std::string& account, const std::string& address, int64_t now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::deque<int64_t>& perAddress = issuedPerAddress_[address];
    if (!underLimit(perAddress, kCodesPerAddress, now))
      return core::resourceExhausted("too many codes asked from your address: try again in " +
                                     waitText(perAddress.front() + kWindowSeconds - now));
  }
  uint8_t bytes[4];
  core::secureRandom(bytes, sizeof bytes);
  const uint32_t n = (uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3]) % 1000000;
  char code[8];
  std::snprintf(code, sizeof code, "%06u", n);
  const std::string digest = core::pki::sha256Hex(code);
  std::string refused;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    refused.clear();
    SignInStore store(tx);
    EDGE_ASSIGN_OR_RETURN(auto issued, store.attempts(kCodeKind, account, now - kWindowSeconds + 1));
    if (static_cast<size_t>(issued.first) >= kCodesPerAccount) {
      refused = "too many codes asked for this account: try again in " +
                waitText(issued.second + kWindowSeconds - now);
      return core::Status::ok();
    }
    EDGE_RETURN_IF_ERROR(store.addAttempt(kCodeKind, account, now));
    return store.putCode(account, digest, now + kCodeSeconds);
  }));
  if (!refused.empty()) return core::resourceExhausted(refused);
  std::lock_guard<std::mutex> lock(mu_);
  issuedPerAddress_[address].push_back(now);
  bound(issuedPerAddress_);
  return std::string(code);
}

core::Result<bool> SignInLimits::verify(const std::string& account, const std::string& code, int64_t now) {
  bool ok = false;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    ok = false;
    SignInStore store(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<SignInStore::Code> live, store.code(account));
    if (!live) return core::Status::ok();
    if (live->expiresAt <= now) return store.takeCode(account, live->digest).status();
    if (core::web::constantTimeEqual(live->digest, core::pki::sha256Hex(code))) {
      // Single use on every replica: only the unit of work that deletes the row signs in.
      EDGE_ASSIGN_OR_RETURN(ok, store.takeCode(account, live->digest));
      return core::Status::ok();
    }
    return store.countWrong(account);
  }));
  return ok;
}

core::Status SignInLimits::admitAttempt(const std::string& address, const std::string& login, int64_t now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = failuresPerAddress_.find(address);
    if (it != failuresPerAddress_.end() && !underLimit(it->second, kFailuresPerAddress, now))
      return core::resourceExhausted("too many failed sign-ins from your address: try again in " +
                                     waitText(it->second.front() + kWindowSeconds - now));
  }
  std::pair<int64_t, int64_t> failures;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(failures, SignInStore(tx).attempts(kFailureKind, login, now - kWindowSeconds + 1));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (static_cast<size_t>(failures.first) >= kFailuresPerLogin)
    return core::resourceExhausted("too many failed sign-ins for this account: try again in " +
                                   waitText(failures.second + kWindowSeconds - now));
  return core::Status::ok();
}

core::Status SignInLimits::recordFailure(const std::string& address, const std::string& login, int64_t now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    failuresPerAddress_[address].push_back(now);
    bound(failuresPerAddress_);
  }
  return storage_.transact(
      [&](store::Transaction& tx) -> core::Status { return SignInStore(tx).addAttempt(kFailureKind, login, now); });
}

core::Status SignInLimits::purge(int64_t now) {
  return storage_
      .withSingletonLock("selfcare-sign-in",
                         [&]() -> core::Status {
                           return storage_.transact([&](store::Transaction& tx) -> core::Status {
                             return SignInStore(tx).purge(now, now - kWindowSeconds + 1);
                           });
                         })
      .status();
}

}  // namespace mgmt::selfcare
