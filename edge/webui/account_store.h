// The rows of ui_accounts (migration 6). The SQL of accounts.cpp, nothing else. Run in Writer jobs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace edge::webui {

struct AccountRow {
  std::string username;
  std::string role;
  std::string passwordHash;
  int64_t createdAt = 0;
  int64_t changedAt = 0;
  std::string totpSecret;  // hex of the raw secret; "" = no sign-in code
  int64_t totpLastStep = 0;
  bool central = false;  // sent by mgmt (ADR 0046), not editable on the box
  int64_t lastLoginAt = 0;    // the last completed sign-in (unix seconds; 0 = never)
  std::string lastLoginFrom = {};  // and its source address
};

core::Result<std::vector<AccountRow>> loadAccounts(core::Database& db);
// kAlreadyExists when the name is taken.
core::Status insertAccount(core::Database& db, const AccountRow& row);
// Writes role and password hash (and changed_at) of an existing row; kNotFound when there is none.
core::Status updateAccount(core::Database& db, const AccountRow& row);
// Writes the TOTP secret and last accepted step of an existing row; kNotFound when there is none.
core::Status updateAccountTotp(core::Database& db, const std::string& username, const std::string& totpSecret,
                               int64_t totpLastStep);
// Records a completed sign-in (migration 11); kNotFound when there is no row.
core::Status updateAccountLastLogin(core::Database& db, const std::string& username, int64_t at, const std::string& from);
// Writes the last accepted TOTP step alone (a sign-in with a code); kNotFound when there is no row.
core::Status updateAccountTotpStep(core::Database& db, const std::string& username, int64_t totpLastStep);
// The version of the central accounts last stored ("" = none yet).
core::Result<std::string> loadCentralVersion(core::Database& db);
// Replaces every central account with `rows` and stores `version`, in one transaction. A local
// account of the same name is kept and that central row skipped (kAlreadyExists is not an error here).
core::Status replaceCentralAccounts(core::Database& db, const std::vector<AccountRow>& rows, const std::string& version);
// kNotFound when there is none.
core::Status deleteAccount(core::Database& db, const std::string& username);

}  // namespace edge::webui
