#include "edge/webui/accounts.h"

#include <cctype>

#include "core/clock.h"
#include "core/command/reply.h"
#include "core/command_args.h"
#include "core/pki.h"
#include "edge/commands/edge_commands.h"
#include "edge/webui/account_store.h"

namespace edge::webui {

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
  EDGE_ASSIGN_OR_RETURN(s->dummyHash_, hashPassword(core::pki::randomHex(16), s->options_.cost));
  std::vector<AccountRow> rows;
  EDGE_RETURN_IF_ERROR(writer
                           .submit([&rows](core::Database& db) -> core::Status {
                             EDGE_ASSIGN_OR_RETURN(rows, loadAccounts(db));
                             return core::Status::ok();
                           })
                           .get()
                           .withContext("reading the UI accounts"));
  for (AccountRow& r : rows)
    s->accounts_[r.username] = {{r.username, r.role, r.createdAt, r.changedAt}, std::move(r.passwordHash)};
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

void AccountService::changed(const std::string& username) const {
  if (onChanged_) onChanged_(username);
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
  bool ok = verifyPassword(stored ? stored->passwordHash : dummyHash_, password) && stored.has_value();
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
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Account> out;
  for (const auto& [name, s] : accounts_) out.push_back(s.account);
  return out;
}

core::Status AccountService::add(const std::string& username, const std::string& role, const std::string& password) {
  if (!isAccountName(username))
    return core::invalidArgument("an account name is 1 to 64 letters, digits and . _ - @, starting with a letter or digit");
  EDGE_RETURN_IF_ERROR(checkRole(role));
  EDGE_RETURN_IF_ERROR(checkPasswordRules(password));
  EDGE_ASSIGN_OR_RETURN(std::string hash, hashPassword(password, options_.cost));
  const int64_t t = now();
  AccountRow row{username, role, hash, t, t};
  core::Status s = writer_.submit([row](core::Database& db) { return insertAccount(db, row); }).get();
  if (s.code() == core::Code::kAlreadyExists) return core::alreadyExists("an account named '" + username + "' exists already");
  EDGE_RETURN_IF_ERROR(s);
  std::lock_guard<std::mutex> lock(mu_);
  accounts_[username] = {{username, role, t, t}, hash};
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
  if (role.empty() && password.empty()) return core::invalidArgument("nothing to change: give --role and/or --password");
  if (!role.empty()) EDGE_RETURN_IF_ERROR(checkRole(role));
  AccountRow row{username, role.empty() ? current->account.role : role, current->passwordHash,
                 current->account.createdAt, now()};
  if (!password.empty()) {
    EDGE_RETURN_IF_ERROR(checkPasswordRules(password));
    EDGE_ASSIGN_OR_RETURN(row.passwordHash, hashPassword(password, options_.cost));
  }
  EDGE_RETURN_IF_ERROR(writer_.submit([row](core::Database& db) { return updateAccount(db, row); }).get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    accounts_[username] = {{username, row.role, row.createdAt, row.changedAt}, row.passwordHash};
  }
  byAccount_.success("account " + username);  // an admin's reset also lifts a lockout
  changed(username);
  return core::Status::ok();
}

core::Status AccountService::remove(const std::string& username) {
  EDGE_RETURN_IF_ERROR(writer_.submit([username](core::Database& db) { return deleteAccount(db, username); }).get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    accounts_.erase(username);
  }
  changed(username);
  return core::Status::ok();
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
    EDGE_RETURN_IF_ERROR(set(username, role.value_or(""), password.value_or("")));
    return core::ControlReply::success("account " + username + " changed; its open sessions ended");
  });
  table.bind("user-del", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
    EDGE_RETURN_IF_ERROR(remove(username));
    return core::ControlReply::success("account " + username + " deleted; its open sessions ended");
  });
  table.bind("user-list", [this](const core::Json&, const core::command::Caller&) -> core::ControlReply {
    core::Json rows = core::Json::array();
    for (const Account& a : list())
      rows.push_back({{"username", a.username},
                      {"role", a.role},
                      {"created-at", core::formatRfc3339(core::WallTime(std::chrono::seconds(a.createdAt)))},
                      {"changed-at", core::formatRfc3339(core::WallTime(std::chrono::seconds(a.changedAt)))}});
    return core::ControlReply::success(std::to_string(rows.size()) + " accounts", rows);
  });
}

}  // namespace edge::webui
