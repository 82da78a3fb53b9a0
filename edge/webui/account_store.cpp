#include "edge/webui/account_store.h"

namespace edge::webui {

core::Result<std::vector<AccountRow>> loadAccounts(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT username, role, password_hash, created_at, changed_at, totp_secret, totp_last_step, "
                                   "central, last_login_at, last_login_from FROM ui_accounts "
                                   "ORDER BY username"));
  std::vector<AccountRow> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back({st.columnText(0), st.columnText(1), st.columnText(2), st.columnInt64(3), st.columnInt64(4),
                   st.columnText(5), st.columnInt64(6), st.columnInt64(7) != 0, st.columnInt64(8), st.columnText(9)});
  }
}

core::Status insertAccount(core::Database& db, const AccountRow& a) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("INSERT INTO ui_accounts(username, role, password_hash, created_at, changed_at) "
                                   "VALUES (?, ?, ?, ?, ?)"));
  return st.bindText(1, a.username)
      .bindText(2, a.role)
      .bindText(3, a.passwordHash)
      .bindInt64(4, a.createdAt)
      .bindInt64(5, a.changedAt)
      .run();
}

core::Status updateAccount(core::Database& db, const AccountRow& a) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE ui_accounts SET role = ?, password_hash = ?, changed_at = ? WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, a.role).bindText(2, a.passwordHash).bindInt64(3, a.changedAt).bindText(4, a.username).run());
  if (db.changes() == 0) return core::notFound("no account named '" + a.username + "'");
  return core::Status::ok();
}

core::Status updateAccountTotp(core::Database& db, const std::string& username, const std::string& totpSecret,
                               int64_t totpLastStep) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE ui_accounts SET totp_secret = ?, totp_last_step = ? WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, totpSecret).bindInt64(2, totpLastStep).bindText(3, username).run());
  if (db.changes() == 0) return core::notFound("no account named '" + username + "'");
  return core::Status::ok();
}

core::Status updateAccountTotpStep(core::Database& db, const std::string& username, int64_t totpLastStep) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("UPDATE ui_accounts SET totp_last_step = ? WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindInt64(1, totpLastStep).bindText(2, username).run());
  if (db.changes() == 0) return core::notFound("no account named '" + username + "'");
  return core::Status::ok();
}

core::Status updateAccountLastLogin(core::Database& db, const std::string& username, int64_t at, const std::string& from) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE ui_accounts SET last_login_at = ?, last_login_from = ? WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindInt64(1, at).bindText(2, from).bindText(3, username).run());
  if (db.changes() == 0) return core::notFound("no account named '" + username + "'");
  return core::Status::ok();
}

core::Result<std::string> loadCentralVersion(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT version FROM ui_central_version WHERE id = 1"));
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.columnText(0) : std::string();
}

core::Status replaceCentralAccounts(core::Database& db, const std::vector<AccountRow>& rows, const std::string& version) {
  // A Writer job: all of it or nothing (its own savepoint).
  EDGE_RETURN_IF_ERROR(db.exec("DELETE FROM ui_accounts WHERE central = 1"));
  EDGE_ASSIGN_OR_RETURN(core::Statement ins,
                        db.prepare("INSERT OR IGNORE INTO ui_accounts(username, role, password_hash, created_at, "
                                   "changed_at, central, last_login_at, last_login_from) VALUES (?, ?, ?, ?, ?, 1, ?, ?)"));
  for (const AccountRow& a : rows) {
    ins.reset();
    EDGE_RETURN_IF_ERROR(ins.bindText(1, a.username)
                             .bindText(2, a.role)
                             .bindText(3, a.passwordHash)
                             .bindInt64(4, a.createdAt)
                             .bindInt64(5, a.changedAt)
                             .bindInt64(6, a.lastLoginAt)
                             .bindText(7, a.lastLoginFrom)
                             .run());
  }
  EDGE_ASSIGN_OR_RETURN(core::Statement v,
                        db.prepare("INSERT INTO ui_central_version(id, version) VALUES (1, ?) "
                                   "ON CONFLICT(id) DO UPDATE SET version = excluded.version"));
  return v.bindText(1, version).run();
}

core::Status deleteAccount(core::Database& db, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("DELETE FROM ui_accounts WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, username).run());
  if (db.changes() == 0) return core::notFound("no account named '" + username + "'");
  return core::Status::ok();
}

}  // namespace edge::webui
