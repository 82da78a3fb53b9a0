#include "edge/webui/webui_schema.h"

namespace edge::webui {

const std::vector<core::Migration>& webuiMigrations() {
  static const std::vector<core::Migration> migrations = {
      {6, "technician UI accounts",
       // People who sign in to the technician UI on the box (edgectl user add). The password is an
       // argon2id PHC string (edge/webui/password.h), never the password; the role is a rung of edged's
       // ladder (edge/commands). Sessions and lockouts live in memory only.
       "CREATE TABLE ui_accounts ("
       "  username TEXT PRIMARY KEY,"
       "  role TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'admin')),"
       "  password_hash TEXT NOT NULL,"
       "  created_at INTEGER NOT NULL,"  // unix seconds
       "  changed_at INTEGER NOT NULL"
       ");"},
      {7, "technician UI sign-in codes",
       // Optional TOTP (RFC 6238) per account: the secret (raw bytes, hex; '' = no code asked) and the
       // last time step a code was accepted for, so the same code is not taken twice.
       "ALTER TABLE ui_accounts ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE ui_accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;"},
      {10, "central technicians",
       // ADR 0046: accounts of the tenant's people that mgmt sends at each check-in (central = 1; not
       // editable here, replaced as a whole when mgmt's version of the list changes), and that version.
       "ALTER TABLE ui_accounts ADD COLUMN central INTEGER NOT NULL DEFAULT 0;"
       "CREATE TABLE ui_central_version ("
       "  id INTEGER PRIMARY KEY CHECK (id = 1),"
       "  version TEXT NOT NULL"
       ");"},
      {11, "technician UI last sign-in",
       // When and from which address each account last signed in (the Accounts page): one write per
       // successful sign-in only (a failed one stays in memory, ADR 0018's lockout).
       "ALTER TABLE ui_accounts ADD COLUMN last_login_at INTEGER NOT NULL DEFAULT 0;"
       "ALTER TABLE ui_accounts ADD COLUMN last_login_from TEXT NOT NULL DEFAULT '';"},
  };
  return migrations;
}

}  // namespace edge::webui
