#include "edge/webui/accounts.h"

#include <cctype>

#include "core/clock.h"
#include "core/command/reply.h"
#include "core/command_args.h"
#include "core/pki.h"
#include "edge/commands/edge_commands.h"
#include "edge/webui/account_store.h"
#include "core/identity/totp.h"

namespace edge::webui {

namespace {

std::string toHex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string fromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

bool isAccountName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  return true;
}

AccountService::AccountService(core::Writer& writer, AccountOptions options)
    : writer_(writer), options_(std::move(options)), byAccount_(options_.perAccount), bySource_(options_.perSource) {}

core::Result<std::unique_ptr<AccountService>> AccountService::open(core::Writer& writer, AccountOptions options) {
  std::unique_ptr<AccountService> s(new AccountService(writer, std::move(options)));
  EDGE_ASSIGN_OR_RETURN(s->dummyHash_, core::identity::hashPassword(core::pki::randomHex(16), s->options_.cost));
  std::vector<AccountRow> rows;
  EDGE_RETURN_IF_ERROR(writer
                           .submit([&rows, &s](core::Database& db) -> core::Status {
                             EDGE_ASSIGN_OR_RETURN(rows, loadAccounts(db));
                             EDGE_ASSIGN_OR_RETURN(s->centralVersion_, loadCentralVersion(db));
                             return core::Status::ok();
                           })
                           .get()
                           .withContext("reading the UI accounts"));
  for (AccountRow& r : rows)
    s->accounts_[r.username] = {{r.username, r.role, r.createdAt, r.changedAt, !r.totpSecret.empty(), r.central,
                                 r.lastLoginAt, r.lastLoginFrom},
                                std::move(r.passwordHash), fromHex(r.totpSecret), r.totpLastStep};
  return s;
}

int64_t AccountService::now() const {
  return options_.now ? options_.now() : core::SystemClock::instance().unixSeconds();
}

core::Status AccountService::checkRole(const std::string& role) const {
  for (const std::string& r : edgeRoles())
    if (r == role) return core::Status::ok();
  return core::invalidArgument("role must be viewer, technician or admin, not '" + role + "'");
}

core::Status AccountService::keepsAnAdmin(const std::string& username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(username);
  if (it == accounts_.end() || it->second.account.role != "admin") return core::Status::ok();
  for (const auto& [name, s] : accounts_)
    if (name != username && s.account.role == "admin") return core::Status::ok();
  return core::failedPrecondition("account '" + username +
                                  "' is the last admin: make another account admin first, or nobody could manage "
                                  "accounts and NAS clients from the UI");
}

core::Status AccountService::checkLocal(const std::string& username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(username);
  if (it != accounts_.end() && it->second.account.central)
    return core::failedPrecondition("account '" + username + "' is a central technician of the tenant: change it on mgmt");
  return core::Status::ok();
}

std::string AccountService::centralVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return centralVersion_;
}

core::Status AccountService::replaceCentral(const std::string& version,
                                            const std::vector<core::sync::CentralAccount>& accounts) {
  if (version.empty() || version == centralVersion()) return core::Status::ok();
  const int64_t t = now();
  std::vector<AccountRow> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const core::sync::CentralAccount& a : accounts) {
      if (!isAccountName(a.email) || checkRole(a.role).code() != core::Code::kOk) continue;
      auto it = accounts_.find(a.email);
      if (it != accounts_.end() && !it->second.account.central) continue;  // the box's own account wins
      int64_t created = it != accounts_.end() ? it->second.account.createdAt : t;
      bool same = it != accounts_.end() && it->second.account.role == a.role && it->second.passwordHash == a.passwordHash;
      rows.push_back({a.email, a.role, a.passwordHash, created, same ? it->second.account.changedAt : t, "", 0, true,
                      it != accounts_.end() ? it->second.account.lastLoginAt : 0,
                      it != accounts_.end() ? it->second.account.lastLoginFrom : ""});
    }
  }
  EDGE_RETURN_IF_ERROR(
      writer_.submit([rows, version](core::Database& db) { return replaceCentralAccounts(db, rows, version); }).get());
  std::vector<std::string> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, const AccountRow*> next;
    for (const AccountRow& r : rows) next[r.username] = &r;
    for (auto it = accounts_.begin(); it != accounts_.end();) {
      if (!it->second.account.central) { ++it; continue; }
      auto n = next.find(it->first);
      if (n == next.end() || n->second->role != it->second.account.role ||
          n->second->passwordHash != it->second.passwordHash)
        ended.push_back(it->first);
      if (n == next.end()) it = accounts_.erase(it);
      else ++it;
    }
    for (const AccountRow& r : rows)
      accounts_[r.username] = {{r.username, r.role, r.createdAt, r.changedAt, false, true, r.lastLoginAt, r.lastLoginFrom},
                               r.passwordHash, "", 0};
    centralVersion_ = version;
  }
  for (const std::string& name : ended) changed(name);
  return core::Status::ok();
}

void AccountService::onChanged(std::function<void(const std::string& username)> f) {
  std::lock_guard<std::mutex> lock(mu_);
  onChanged_ = std::move(f);
}

void AccountService::changed(const std::string& username) const {
  std::function<void(const std::string&)> f;
  {
    std::lock_guard<std::mutex> lock(mu_);
    f = onChanged_;
  }
  if (f) f(username);  // outside the lock: the UI ends that person's sessions
}

core::Result<Account> AccountService::login(const std::string& username, const std::string& password,
                                            const std::string& source) {
  const int64_t t = now();
  const std::string sourceKey = "source " + source;
  const std::string accountKey = "account " + username;
  if (int64_t wait = bySource_.lockedFor(sourceKey, t))
    return core::resourceExhausted("too many failed sign-ins from this address: try again in " + std::to_string(wait) + " s");
  if (int64_t wait = byAccount_.lockedFor(accountKey, t))
    return core::resourceExhausted("this account is locked after failed sign-ins: try again in " + std::to_string(wait) + " s");
  std::optional<Stored> stored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(username);
    if (it != accounts_.end()) stored = it->second;
  }
  // The same argon2 work whether or not the name exists.
  bool ok = core::identity::verifyPassword(stored ? stored->passwordHash : dummyHash_, password) && stored.has_value();
  if (!ok) {
    int64_t lockedA = byAccount_.failure(accountKey, t);
    int64_t lockedS = bySource_.failure(sourceKey, t);
    if (lockedA > 0 || lockedS > 0)
      return core::resourceExhausted("too many failed sign-ins: locked for " + std::to_string(std::max(lockedA, lockedS)) + " s");
    return core::permissionDenied("wrong name or password");
  }
  byAccount_.success(accountKey);
  bySource_.success(sourceKey);
  return stored->account;
}

std::optional<Account> AccountService::find(const std::string& username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(username);
  if (it == accounts_.end()) return std::nullopt;
  return it->second.account;
}

std::vector<Account> AccountService::list() const {
  const int64_t t = now();
  std::vector<Account> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, s] : accounts_) out.push_back(s.account);
  }
  for (Account& a : out)
    if (int64_t wait = byAccount_.lockedFor("account " + a.username, t)) a.lockedUntil = t + wait;
  return out;
}

core::Status AccountService::signedIn(const std::string& username, const std::string& source) {
  const int64_t t = now();
  EDGE_RETURN_IF_ERROR(
      writer_.submit([username, t, source](core::Database& db) { return updateAccountLastLogin(db, username, t, source); })
          .get());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(username);
  if (it != accounts_.end()) {
    it->second.account.lastLoginAt = t;
    it->second.account.lastLoginFrom = source;
  }
  return core::Status::ok();
}

core::Status AccountService::unlock(const std::string& username) {
  if (!find(username)) return core::notFound("no account named '" + username + "'");
  byAccount_.success("account " + username);
  return core::Status::ok();
}

core::Status AccountService::add(const std::string& username, const std::string& role, const std::string& password) {
  if (!isAccountName(username))
    return core::invalidArgument("an account name is 1 to 64 letters, digits and . _ - @, starting with a letter or digit");
  EDGE_RETURN_IF_ERROR(checkRole(role));
  EDGE_RETURN_IF_ERROR(core::identity::checkPasswordRules(password));
  EDGE_ASSIGN_OR_RETURN(std::string hash, core::identity::hashPassword(password, options_.cost));
  const int64_t t = now();
  AccountRow row{username, role, hash, t, t, "", 0};
  core::Status s = writer_.submit([row](core::Database& db) { return insertAccount(db, row); }).get();
  if (s.code() == core::Code::kAlreadyExists) return core::alreadyExists("an account named '" + username + "' exists already");
  EDGE_RETURN_IF_ERROR(s);
  std::lock_guard<std::mutex> lock(mu_);
  accounts_[username] = {{username, role, t, t, false}, hash, "", 0};
  return core::Status::ok();
}

core::Status AccountService::set(const std::string& username, const std::string& role, const std::string& password) {
  std::optional<Stored> current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(username);
    if (it != accounts_.end()) current = it->second;
  }
  if (!current) return core::notFound("no account named '" + username + "'");
  EDGE_RETURN_IF_ERROR(checkLocal(username));
  if (role.empty() && password.empty()) return core::invalidArgument("nothing to change: give --role and/or --password");
  if (!role.empty()) EDGE_RETURN_IF_ERROR(checkRole(role));
  if (!role.empty() && role != "admin") EDGE_RETURN_IF_ERROR(keepsAnAdmin(username));
  AccountRow row{username, role.empty() ? current->account.role : role, current->passwordHash,
                 current->account.createdAt, now(), "", 0};
  if (!password.empty()) {
    EDGE_RETURN_IF_ERROR(core::identity::checkPasswordRules(password));
    EDGE_ASSIGN_OR_RETURN(row.passwordHash, core::identity::hashPassword(password, options_.cost));
  }
  EDGE_RETURN_IF_ERROR(writer_.submit([row](core::Database& db) { return updateAccount(db, row); }).get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    Stored& s = accounts_[username];
    s.account.role = row.role;
    s.account.changedAt = row.changedAt;
    s.passwordHash = row.passwordHash;
  }
  byAccount_.success("account " + username);  // an admin's reset also lifts a lockout
  changed(username);
  return core::Status::ok();
}

core::Status AccountService::remove(const std::string& username) {
  EDGE_RETURN_IF_ERROR(checkLocal(username));
  EDGE_RETURN_IF_ERROR(keepsAnAdmin(username));
  EDGE_RETURN_IF_ERROR(writer_.submit([username](core::Database& db) { return deleteAccount(db, username); }).get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    accounts_.erase(username);
  }
  changed(username);
  return core::Status::ok();
}

core::Status AccountService::lockedOut(const std::string& username, const std::string& source, int64_t t) {
  if (int64_t wait = bySource_.lockedFor("source " + source, t))
    return core::resourceExhausted("too many failed sign-ins from this address: try again in " + std::to_string(wait) + " s");
  if (int64_t wait = byAccount_.lockedFor("account " + username, t))
    return core::resourceExhausted("this account is locked after failed sign-ins: try again in " + std::to_string(wait) + " s");
  return core::Status::ok();
}

core::Status AccountService::failed(const std::string& username, const std::string& source, int64_t t,
                                    const std::string& message) {
  int64_t lockedA = byAccount_.failure("account " + username, t);
  int64_t lockedS = bySource_.failure("source " + source, t);
  if (lockedA > 0 || lockedS > 0)
    return core::resourceExhausted("too many failed sign-ins: locked for " + std::to_string(std::max(lockedA, lockedS)) + " s");
  return core::permissionDenied(message);
}

core::Status AccountService::checkCode(const std::string& username, const std::string& code, const std::string& source) {
  const int64_t t = now();
  EDGE_RETURN_IF_ERROR(lockedOut(username, source, t));
  int64_t step = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(username);
    if (it == accounts_.end() || it->second.totpSecret.empty()) return failed(username, source, t, "wrong code");
    std::optional<int64_t> s = core::identity::totpStep(it->second.totpSecret, code, t);
    // A code of a step already used (this one, or an earlier one still in the window) is a replay.
    if (!s || *s <= it->second.totpLastStep) return failed(username, source, t, "wrong code");
    step = *s;
    it->second.totpLastStep = step;  // taken now, under the lock: a second request with it loses
  }
  byAccount_.success("account " + username);
  bySource_.success("source " + source);
  return writer_
      .submit([username, step](core::Database& db) { return updateAccountTotpStep(db, username, step); })
      .get();
}

core::Status AccountService::confirmPassword(const std::string& username, const std::string& password,
                                             const std::string& wrong) {
  const int64_t t = now();
  if (int64_t wait = byAccount_.lockedFor("account " + username, t))
    return core::resourceExhausted("this account is locked after failed attempts: try again in " + std::to_string(wait) + " s");
  std::optional<Stored> stored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = accounts_.find(username);
    if (it != accounts_.end()) stored = it->second;
  }
  if (!stored) return core::notFound("no account named '" + username + "'");
  if (!core::identity::verifyPassword(stored->passwordHash, password)) {
    if (int64_t locked = byAccount_.failure("account " + username, t))
      return core::resourceExhausted("too many wrong passwords: locked for " + std::to_string(locked) + " s");
    return core::permissionDenied(wrong);
  }
  return core::Status::ok();
}

core::Status AccountService::changePassword(const std::string& username, const std::string& oldPassword,
                                            const std::string& newPassword) {
  EDGE_RETURN_IF_ERROR(checkLocal(username));
  EDGE_RETURN_IF_ERROR(confirmPassword(username, oldPassword, "the current password is not right"));
  if (oldPassword == newPassword) return core::invalidArgument("the new password is the current one");
  return set(username, "", newPassword);
}

core::Status AccountService::storeTotp(const std::string& username, const std::string& secret, int64_t lastStep) {
  EDGE_RETURN_IF_ERROR(checkLocal(username));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accounts_.count(username)) return core::notFound("no account named '" + username + "'");
  }
  std::string hex = toHex(secret);
  EDGE_RETURN_IF_ERROR(
      writer_.submit([username, hex, lastStep](core::Database& db) { return updateAccountTotp(db, username, hex, lastStep); })
          .get());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(username);
  if (it == accounts_.end()) return core::notFound("no account named '" + username + "'");
  it->second.totpSecret = secret;
  it->second.totpLastStep = lastStep;
  it->second.account.totp = !secret.empty();
  return core::Status::ok();
}

core::Status AccountService::enableTotp(const std::string& username, const std::string& secret, const std::string& code) {
  if (secret.size() < 10) return core::invalidArgument("the secret must be at least 80 bits (RFC 4226 4)");
  std::optional<int64_t> step = core::identity::totpStep(secret, code, now());
  if (!step) return core::invalidArgument("that code does not match: check the time on your phone and type the code shown now");
  return storeTotp(username, secret, *step);
}

core::Result<std::string> AccountService::resetTotp(const std::string& username) {
  std::string secret = core::identity::newTotpSecret();
  EDGE_RETURN_IF_ERROR(storeTotp(username, secret, 0));
  return secret;
}

core::Status AccountService::disableTotp(const std::string& username) { return storeTotp(username, "", 0); }

core::Status AccountService::disableOwnTotp(const std::string& username, const std::string& password) {
  EDGE_RETURN_IF_ERROR(confirmPassword(username, password, "the password is not right"));
  return disableTotp(username);
}

void AccountService::registerCommands(core::command::Table& table) {
  table.bind("user-add", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
    EDGE_ASSIGN_OR_RETURN(std::string password, a.required("password"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> role, a.text("role"));
    EDGE_RETURN_IF_ERROR(add(username, role.value_or("viewer"), password));
    return core::ControlReply::success("account " + username + " added (" + role.value_or("viewer") + ")");
  });
  table.bind("user-set", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> role, a.text("role"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> password, a.text("password"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> totp, a.text("totp"));
    if (totp && *totp != "enable" && *totp != "disable")
      return core::ControlReply(core::invalidArgument("totp must be enable or disable, not '" + *totp + "'"));
    if (!find(username)) return core::ControlReply(core::notFound("no account named '" + username + "'"));
    if (role || password) EDGE_RETURN_IF_ERROR(set(username, role.value_or(""), password.value_or("")));
    if (!totp) return core::ControlReply::success("account " + username + " changed; its open sessions ended");
    if (*totp == "disable") {
      EDGE_RETURN_IF_ERROR(disableTotp(username));
      return core::ControlReply::success("account " + username + ": sign-in codes are off");
    }
    // Shown this once: the secret is not printed again (the person can enroll anew from My account).
    EDGE_ASSIGN_OR_RETURN(std::string secret, resetTotp(username));
    return core::ControlReply::success(
        "account " + username + ": sign-in codes are on; add this secret to the person's authenticator app now "
        "(it is not shown again)",
        core::Json{{"username", username}, {"totp-secret", core::identity::toBase32(secret)},
                   {"otpauth-uri", core::identity::otpauthUri("edged", username, secret)}});
  });
  table.bind("user-del", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
    EDGE_RETURN_IF_ERROR(remove(username));
    return core::ControlReply::success("account " + username + " deleted; its open sessions ended");
  });
  // The caller's own account: a UI caller's label is their account name; local root has none.
  auto own = [this](const core::command::Caller& caller) -> core::Result<std::string> {
    if (caller.role.empty() || !find(caller.label))
      return core::failedPrecondition("this is for a signed-in UI account; root uses `edgectl user set`");
    return caller.label;
  };
  table.bind("account-password", [this, own](const core::Json& args, const core::command::Caller& caller) -> core::ControlReply {
    EDGE_ASSIGN_OR_RETURN(std::string username, own(caller));
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string oldPassword, a.required("old-password"));
    EDGE_ASSIGN_OR_RETURN(std::string newPassword, a.required("new-password"));
    EDGE_RETURN_IF_ERROR(changePassword(username, oldPassword, newPassword));
    return core::ControlReply::success("your password is changed; your other sessions ended");
  });
  table.bind("account-totp", [this, own](const core::Json& args, const core::command::Caller& caller) -> core::ControlReply {
    EDGE_ASSIGN_OR_RETURN(std::string username, own(caller));
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string action, a.required("action"));
    if (action == "disable") {
      EDGE_ASSIGN_OR_RETURN(std::string password, a.required("password"));
      EDGE_RETURN_IF_ERROR(disableOwnTotp(username, password));
      return core::ControlReply::success("sign-in codes are off for your account");
    }
    if (action != "enable") return core::ControlReply(core::invalidArgument("action must be enable or disable"));
    EDGE_ASSIGN_OR_RETURN(std::string secretText, a.required("secret"));
    EDGE_ASSIGN_OR_RETURN(std::string code, a.required("code"));
    EDGE_ASSIGN_OR_RETURN(std::string secret, core::identity::fromBase32(secretText));
    EDGE_RETURN_IF_ERROR(enableTotp(username, secret, code));
    return core::ControlReply::success("sign-in codes are on: from now on, sign-in asks for the code of your app");
  });
  table.bind("user-unlock", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
    EDGE_ASSIGN_OR_RETURN(std::string username, core::CommandArgs(args).required("username"));
    EDGE_RETURN_IF_ERROR(unlock(username));
    return core::ControlReply::success("account " + username + " may sign in again");
  });
  table.bind("user-list", [this](const core::Json&, const core::command::Caller&) -> core::ControlReply {
    auto at = [](int64_t t) -> core::Json {
      if (t == 0) return nullptr;
      return core::formatRfc3339(core::WallTime(std::chrono::seconds(t)));
    };
    core::Json rows = core::Json::array();
    for (const Account& a : list())
      rows.push_back({{"username", a.username},
                      {"role", a.role},
                      {"totp", a.totp ? "on" : "off"},
                      {"central", a.central},
                      {"locked-until", at(a.lockedUntil)},
                      {"last-login-at", at(a.lastLoginAt)},
                      {"last-login-from", a.lastLoginFrom},
                      {"created-at", at(a.createdAt)},
                      {"changed-at", at(a.changedAt)}});
    return core::ControlReply::success(std::to_string(rows.size()) + " accounts", rows);
  });
}

}  // namespace edge::webui
