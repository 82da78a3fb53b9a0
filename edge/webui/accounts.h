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
// - The box keeps at least one admin: deleting the last account with the admin role (local or
//   central), or giving it another role, is refused (kFailedPrecondition), from the UI and from root's
//   edgectl alike (root can always add one, but a UI admin must not lock every admin out by mistake).
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
#include "core/sync_wire.h"
#include "core/identity/lockout.h"
#include "core/identity/password.h"

namespace edge::webui {

// The shared sign-in pieces (core/identity) under the names this area has always used.
using core::identity::Lockout;
using core::identity::LockoutPolicy;
using core::identity::PasswordCost;

struct Account {
  std::string username;
  std::string role;  // viewer, technician, admin
  int64_t createdAt = 0;
  int64_t changedAt = 0;
  bool totp = false;  // sign-in asks for a TOTP code after the password (totp.h)
  bool central = false;  // a person of the tenant on mgmt, sent at check-in (ADR 0046): not editable here
  int64_t lastLoginAt = 0;    // the last completed sign-in (unix seconds; 0 = never)
  std::string lastLoginFrom = {};  // its source address
  int64_t lockedUntil = 0;    // list() only: the account's sign-in lockout ends then (0 = not locked)
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
  // Every account, with its lockout state now (lockedUntil).
  std::vector<Account> list() const;
  // A completed sign-in (the password, and the code when the account has TOTP): when and from where,
  // stored (one write per sign-in; failures stay in memory).
  core::Status signedIn(const std::string& username, const std::string& source);
  // Lifts the account's lockout (kNotFound for no such account). A source address's lockout stays.
  core::Status unlock(const std::string& username);

  core::Status add(const std::string& username, const std::string& role, const std::string& password);
  // Role and/or password ("" keeps it).
  core::Status set(const std::string& username, const std::string& role, const std::string& password);
  core::Status remove(const std::string& username);

  // Second step of a sign-in whose account has TOTP: the code of this step or one either side, not
  // used before (replay), with the same lockout as a password: a locked name or source is refused
  // first (kResourceExhausted), a wrong or reused code counts against both (kPermissionDenied).
  core::Status checkCode(const std::string& username, const std::string& code, const std::string& source);
  // A person's own password change: the old password must match (a wrong one counts against the
  // account's lockout), then as set().
  core::Status changePassword(const std::string& username, const std::string& oldPassword,
                              const std::string& newPassword);
  // Turns TOTP on with `secret` (raw bytes) once `code` is a valid code of it: enrollment proves the
  // app has it. The accepted step counts as used.
  core::Status enableTotp(const std::string& username, const std::string& secret, const std::string& code);
  // Turns TOTP on with a new secret at once (root's `edgectl user set --totp enable`): the secret.
  core::Result<std::string> resetTotp(const std::string& username);
  core::Status disableTotp(const std::string& username);
  // A person's own TOTP off: their password must match (a wrong one counts, as above).
  core::Status disableOwnTotp(const std::string& username, const std::string& password);

  // The tenant's central technicians from a check-in answer (ADR 0046): when `version` differs from
  // the stored one, every central account is replaced by `accounts` (stored first, then memory); a
  // central account that went away or changed role or password is reported to onChanged (its UI
  // sessions end). A name that is a local account, or not an account name, is skipped. "" = mgmt
  // sent none (an older mgmt): nothing changes.
  core::Status replaceCentral(const std::string& version, const std::vector<core::sync::CentralAccount>& accounts);
  std::string centralVersion() const;

  // Set while the sync agent may already report central accounts: held under the service's lock.
  void onChanged(std::function<void(const std::string& username)> f);

 private:
  AccountService(core::Writer& writer, AccountOptions options);
  int64_t now() const;
  core::Status checkRole(const std::string& role) const;
  // kFailedPrecondition for a central account: it is changed on mgmt only.
  core::Status checkLocal(const std::string& username) const;
  // kFailedPrecondition when `username` is the only account with the admin role (mu_ not held).
  core::Status keepsAnAdmin(const std::string& username) const;
  core::Status storeTotp(const std::string& username, const std::string& secret, int64_t lastStep);
  // The person's own password, before a change to their own account: counted toward the account's
  // lockout like a sign-in; `wrong` is the refusal's text.
  core::Status confirmPassword(const std::string& username, const std::string& password, const std::string& wrong);
  // The lockout's refusal when `username` or `source` is locked now, else ok.
  core::Status lockedOut(const std::string& username, const std::string& source, int64_t now);
  // Counts a failure against both; the refusal to return.
  core::Status failed(const std::string& username, const std::string& source, int64_t now, const std::string& message);
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
    std::string totpSecret;  // raw bytes; "" = none
    int64_t totpLastStep = 0;
  };
  std::map<std::string, Stored> accounts_;
  std::string centralVersion_;
  std::function<void(const std::string&)> onChanged_;
};

// Account names: 1 to 64 of letters, digits and "._-@", starting with a letter or digit.
bool isAccountName(const std::string& name);

}  // namespace edge::webui
