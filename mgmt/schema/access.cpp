// The management plane's migrations of people, sign-in sessions, the audit log; web sessions shared by every mgmtd.
// Shipped texts: never edited (see mgmt/mgmt_schema.cpp for the rules of both dialects).
#include "mgmt/schema/schema_parts.h"

namespace mgmt::schema {

store::Migration v3() {
  return {3, "people, their sign-in sessions, recovery codes and reset links; token roles; the audit log",
          // mgmt/access (ADR 0028). A person is one email with one role at one level (platform, one
          // tenant, one partner); only hashes of passwords (argon2id), session tokens, recovery codes
          // and reset links are stored. Lockout lives on the person's row, so every mgmtd sees it.
          // The audit log is written by the command layer for every mutating command.
          // SQLite
          "CREATE TABLE people ("
          "  id TEXT PRIMARY KEY,"
          "  email TEXT NOT NULL UNIQUE,"            // lower-cased
          "  name TEXT NOT NULL DEFAULT '',"
          "  level TEXT NOT NULL CHECK (level IN ('platform','tenant','partner')),"
          "  role TEXT NOT NULL,"
          "  tenant_id TEXT REFERENCES tenants(id),"
          "  partner_id TEXT,"
          "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),"
          "  password_hash TEXT NOT NULL DEFAULT '',"  // '' until an invitation is accepted
          "  totp_secret TEXT NOT NULL DEFAULT '',"    // base32; '' = no TOTP
          "  totp_last_step INTEGER NOT NULL DEFAULT 0,"
          "  failed_logins INTEGER NOT NULL DEFAULT 0,"
          "  last_failure_at INTEGER NOT NULL DEFAULT 0,"
          "  locked_until INTEGER NOT NULL DEFAULT 0,"
          "  created_at INTEGER NOT NULL,"
          "  changed_at INTEGER NOT NULL,"
          "  last_login_at INTEGER NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX people_tenant ON people(tenant_id);"
          "CREATE TABLE recovery_codes ("
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  code_sha256 TEXT NOT NULL,"
          "  used_at INTEGER NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (person_id, code_sha256)"
          ");"
          "CREATE TABLE auth_sessions ("
          "  id TEXT PRIMARY KEY,"
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  access_sha256 TEXT NOT NULL UNIQUE,"
          "  access_expires_at INTEGER NOT NULL,"
          "  refresh_sha256 TEXT NOT NULL UNIQUE,"
          "  refresh_expires_at INTEGER NOT NULL,"
          "  mfa INTEGER NOT NULL DEFAULT 0,"        // a second factor was given at sign-in
          "  origin TEXT NOT NULL DEFAULT '',"
          "  created_at INTEGER NOT NULL,"
          "  refreshed_at INTEGER NOT NULL,"
          "  revoked_at INTEGER NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX auth_sessions_person ON auth_sessions(person_id);"
          "CREATE TABLE password_links ("
          "  token_sha256 TEXT PRIMARY KEY,"
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  purpose TEXT NOT NULL CHECK (purpose IN ('reset','invite')),"
          "  created_at INTEGER NOT NULL,"
          "  expires_at INTEGER NOT NULL,"
          "  used_at INTEGER NOT NULL DEFAULT 0"
          ");"
          "ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT '';"  // '' = made before roles: admin
          "ALTER TABLE tokens ADD COLUMN person_id TEXT;"                 // a person's own token
          "CREATE TABLE audit_log ("
          "  id INTEGER PRIMARY KEY,"
          "  at INTEGER NOT NULL,"
          "  actor TEXT NOT NULL,"                   // an email, a token id, 'control socket'
          "  role TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"    // the tenant whose data it touched; '' = platform
          "  origin TEXT NOT NULL DEFAULT '',"       // the caller's address
          "  command TEXT NOT NULL,"
          "  arguments TEXT NOT NULL,"               // JSON, secrets replaced by \"***\"
          "  outcome TEXT NOT NULL,"                 // 'ok' or the public error code
          "  before_state TEXT NOT NULL DEFAULT '',"       // JSON of the record before, when the service said
          "  after_state TEXT NOT NULL DEFAULT ''"         // the reply (JSON, secrets replaced)
          ");"
          "CREATE INDEX audit_tenant_at ON audit_log(tenant_id, at);"
          "CREATE INDEX audit_actor_at ON audit_log(actor, at);"
          "CREATE INDEX audit_command_at ON audit_log(command, at);",
          // PostgreSQL
          "CREATE TABLE people ("
          "  id TEXT PRIMARY KEY,"
          "  email TEXT NOT NULL UNIQUE,"
          "  name TEXT NOT NULL DEFAULT '',"
          "  level TEXT NOT NULL CHECK (level IN ('platform','tenant','partner')),"
          "  role TEXT NOT NULL,"
          "  tenant_id TEXT REFERENCES tenants(id),"
          "  partner_id TEXT,"
          "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),"
          "  password_hash TEXT NOT NULL DEFAULT '',"
          "  totp_secret TEXT NOT NULL DEFAULT '',"
          "  totp_last_step BIGINT NOT NULL DEFAULT 0,"
          "  failed_logins BIGINT NOT NULL DEFAULT 0,"
          "  last_failure_at BIGINT NOT NULL DEFAULT 0,"
          "  locked_until BIGINT NOT NULL DEFAULT 0,"
          "  created_at BIGINT NOT NULL,"
          "  changed_at BIGINT NOT NULL,"
          "  last_login_at BIGINT NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX people_tenant ON people(tenant_id);"
          "CREATE TABLE recovery_codes ("
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  code_sha256 TEXT NOT NULL,"
          "  used_at BIGINT NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (person_id, code_sha256)"
          ");"
          "CREATE TABLE auth_sessions ("
          "  id TEXT PRIMARY KEY,"
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  access_sha256 TEXT NOT NULL UNIQUE,"
          "  access_expires_at BIGINT NOT NULL,"
          "  refresh_sha256 TEXT NOT NULL UNIQUE,"
          "  refresh_expires_at BIGINT NOT NULL,"
          "  mfa BIGINT NOT NULL DEFAULT 0,"
          "  origin TEXT NOT NULL DEFAULT '',"
          "  created_at BIGINT NOT NULL,"
          "  refreshed_at BIGINT NOT NULL,"
          "  revoked_at BIGINT NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX auth_sessions_person ON auth_sessions(person_id);"
          "CREATE TABLE password_links ("
          "  token_sha256 TEXT PRIMARY KEY,"
          "  person_id TEXT NOT NULL REFERENCES people(id),"
          "  purpose TEXT NOT NULL CHECK (purpose IN ('reset','invite')),"
          "  created_at BIGINT NOT NULL,"
          "  expires_at BIGINT NOT NULL,"
          "  used_at BIGINT NOT NULL DEFAULT 0"
          ");"
          "ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE tokens ADD COLUMN person_id TEXT;"
          "CREATE TABLE audit_log ("
          "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
          "  at BIGINT NOT NULL,"
          "  actor TEXT NOT NULL,"
          "  role TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"
          "  origin TEXT NOT NULL DEFAULT '',"
          "  command TEXT NOT NULL,"
          "  arguments TEXT NOT NULL,"
          "  outcome TEXT NOT NULL,"
          "  before_state TEXT NOT NULL DEFAULT '',"
          "  after_state TEXT NOT NULL DEFAULT ''"
          ");"
          "CREATE INDEX audit_tenant_at ON audit_log(tenant_id, at);"
          "CREATE INDEX audit_actor_at ON audit_log(actor, at);"
          "CREATE INDEX audit_command_at ON audit_log(command, at);"};
}

store::Migration v15() {
  return {15, "web sessions of the console and the self-care portal, their shared keys, self-care sign-in codes",
          // mgmt/access/web_sessions (ADR 0051): what the console and the self-care portal kept in one
          // mgmtd's memory, so that any replica serves any visitor. web_sessions: a signed-in visitor,
          // keyed by the SHA-256 of the cookie's id (the id itself is never stored), its data sealed
          // (AES-256-GCM) under a key derived from the id, so the table alone signs no one in and shows
          // no bearer; last_seen written at most once a minute. web_keys: the CSRF keys every replica
          // shares (made once by whichever comes first). selfcare_codes: the emailed sign-in codes (their
          // SHA-256), used once by whichever replica; selfcare_attempts: codes asked and failures per
          // account and login, counted by every replica.
          // SQLite
          "CREATE TABLE web_sessions ("
          "  id_sha256 TEXT PRIMARY KEY,"
          "  surface TEXT NOT NULL,"
          "  principal TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"
          "  data BLOB NOT NULL,"
          "  created_at INTEGER NOT NULL,"
          "  last_seen INTEGER NOT NULL,"
          "  version INTEGER NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX web_sessions_principal ON web_sessions(surface, principal, last_seen);"
          "CREATE INDEX web_sessions_tenant ON web_sessions(surface, tenant_id);"
          "CREATE INDEX web_sessions_seen ON web_sessions(surface, last_seen);"
          "CREATE INDEX web_sessions_created ON web_sessions(surface, created_at);"
          "CREATE TABLE web_keys ("
          "  name TEXT PRIMARY KEY,"
          "  secret BLOB NOT NULL,"
          "  created_at INTEGER NOT NULL"
          ");"
          "CREATE TABLE selfcare_codes ("
          "  account TEXT PRIMARY KEY,"
          "  digest TEXT NOT NULL,"
          "  expires_at INTEGER NOT NULL,"
          "  wrong INTEGER NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX selfcare_codes_expires ON selfcare_codes(expires_at);"
          "CREATE TABLE selfcare_attempts ("
          "  kind TEXT NOT NULL,"
          "  subject TEXT NOT NULL,"
          "  at INTEGER NOT NULL"
          ");"
          "CREATE INDEX selfcare_attempts_subject ON selfcare_attempts(kind, subject, at);"
          "CREATE INDEX selfcare_attempts_at ON selfcare_attempts(at);",
          // PostgreSQL
          "CREATE TABLE web_sessions ("
          "  id_sha256 TEXT PRIMARY KEY,"
          "  surface TEXT NOT NULL,"
          "  principal TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"
          "  data BYTEA NOT NULL,"
          "  created_at BIGINT NOT NULL,"
          "  last_seen BIGINT NOT NULL,"
          "  version BIGINT NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX web_sessions_principal ON web_sessions(surface, principal, last_seen);"
          "CREATE INDEX web_sessions_tenant ON web_sessions(surface, tenant_id);"
          "CREATE INDEX web_sessions_seen ON web_sessions(surface, last_seen);"
          "CREATE INDEX web_sessions_created ON web_sessions(surface, created_at);"
          "CREATE TABLE web_keys ("
          "  name TEXT PRIMARY KEY,"
          "  secret BYTEA NOT NULL,"
          "  created_at BIGINT NOT NULL"
          ");"
          "CREATE TABLE selfcare_codes ("
          "  account TEXT PRIMARY KEY,"
          "  digest TEXT NOT NULL,"
          "  expires_at BIGINT NOT NULL,"
          "  wrong BIGINT NOT NULL DEFAULT 0"
          ");"
          "CREATE INDEX selfcare_codes_expires ON selfcare_codes(expires_at);"
          "CREATE TABLE selfcare_attempts ("
          "  kind TEXT NOT NULL,"
          "  subject TEXT NOT NULL,"
          "  at BIGINT NOT NULL"
          ");"
          "CREATE INDEX selfcare_attempts_subject ON selfcare_attempts(kind, subject, at);"
          "CREATE INDEX selfcare_attempts_at ON selfcare_attempts(at);"};
}

}  // namespace mgmt::schema
