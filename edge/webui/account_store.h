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
};

core::Result<std::vector<AccountRow>> loadAccounts(core::Database& db);
// kAlreadyExists when the name is taken.
core::Status insertAccount(core::Database& db, const AccountRow& row);
// Writes role and password hash (and changed_at) of an existing row; kNotFound when there is none.
core::Status updateAccount(core::Database& db, const AccountRow& row);
// Writes the TOTP secret and last accepted step of an existing row; kNotFound when there is none.
core::Status updateAccountTotp(core::Database& db, const std::string& username, const std::string& totpSecret,
                               int64_t totpLastStep);
// Writes the last accepted TOTP step alone (a sign-in with a code); kNotFound when there is no row.
core::Status updateAccountTotpStep(core::Database& db, const std::string& username, int64_t totpLastStep);
// kNotFound when there is none.
core::Status deleteAccount(core::Database& db, const std::string& username);

}  // namespace edge::webui
