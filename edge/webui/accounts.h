// The technician UI's local accounts: who may sign in, with which role, and the sign-in check with
// its lockout. Serves the user-add/set/del/list commands (edge/commands; admin role) and the UI's
// login form.
//
// Contract
// - The accounts are read from edge.db once at open() and kept in memory (there are a handful; a
//   sign-in needs no SQL); every change goes to edge.db first, through the writer, and only then to
//   memory, so memory never shows what is not stored.
// - login() refuses, in this order: a source address that is locked out, an account name that is
//   locked out (both kResourceExhausted, with the seconds to wait), then a wrong name or password
//   (kPermissionDenied, one message for both, so names cannot be probed); an unknown name costs the
//   same argon2 work as a known one. Each refusal counts against both the name and the source.
// - A changed role or password, or a deleted account, is reported to `onChanged` (the UI ends that
//   person's sessions).
// - Thread-safe: login() from the HTTP threads, the commands from the command table.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/status.h"
#include "core/store.h"
#include "edge/webui/lockout.h"
#include "edge/webui/password.h"

namespace edge::webui {

struct Account {
  std::string username;
  std::string role;  // viewer, technician, admin
  int64_t createdAt = 0;
  int64_t changedAt = 0;
};

struct AccountOptions {
  PasswordCost cost;
  LockoutPolicy perAccount;                                  // 5 free failures, then 30 s doubling
  LockoutPolicy perSource{20, 30, 900, 3600, 4096};          // a whole address gets more room (NAT)
  std::function<int64_t()> now;                              // unix seconds; absent: the system clock
};

class AccountService {
 public:
  // Reads the accounts (ui_accounts must exist: migration 6).
  static core::Result<std::unique_ptr<AccountService>> open(core::Writer& writer, AccountOptions options = {});

  // Binds user-add, user-set, user-del and user-list.
  void registerCommands(core::command::Table& table);

  // The account when name and password match and neither is locked out (see the contract).
  core::Result<Account> login(const std::string& username, const std::string& password, const std::string& source);
  std::optional<Account> find(const std::string& username) const;
  std::vector<Account> list() const;

  core::Status add(const std::string& username, const std::string& role, const std::string& password);
  // Role and/or password ("" keeps it).
  core::Status set(const std::string& username, const std::string& role, const std::string& password);
  core::Status remove(const std::string& username);

  void onChanged(std::function<void(const std::string& username)> f) { onChanged_ = std::move(f); }

 private:
  AccountService(core::Writer& writer, AccountOptions options);
  int64_t now() const;
  core::Status checkRole(const std::string& role) const;
  void changed(const std::string& username) const;

  core::Writer& writer_;
  AccountOptions options_;
  Lockout byAccount_;
  Lockout bySource_;
  std::string dummyHash_;  // verified against for unknown names
  mutable std::mutex mu_;
  struct Stored {
    Account account;
    std::string passwordHash;
  };
  std::map<std::string, Stored> accounts_;
  std::function<void(const std::string&)> onChanged_;
};

// Account names: 1 to 64 of letters, digits and "._-@", starting with a letter or digit.
bool isAccountName(const std::string& name);

}  // namespace edge::webui
