#include "aaa/policy/store.h"

#include <cstring>

#include "aaa/auth/mac.h"

namespace aaa::policy {

namespace {

std::string macText(const std::optional<MacAddress>& mac) { return mac ? auth::formatMac(*mac) : std::string(); }

std::string ipText(const std::optional<IpAddress>& ip) { return ip ? formatIp(*ip) : std::string(); }

bool isUniqueViolation(const core::Status& s) { return s.message().find("UNIQUE constraint failed") != std::string::npos; }

Subscriber readSubscriber(core::Statement& st) {
  Subscriber s;
  s.id = st.columnInt64(0);
  s.username = st.columnText(1);
  if (!st.columnIsNull(2)) {
    std::vector<uint8_t> h = st.columnBlob(2);
    if (h.size() == 16) {
      NtHash nt;
      std::memcpy(nt.data(), h.data(), 16);
      s.ntHash = nt;
    }
  }
  s.cleartext = st.columnText(3);
  s.planId = st.columnInt64(4);
  s.status = parseSubscriberStatus(st.columnText(5)).value_or(SubscriberStatus::kDisabled);
  s.expiresAt = st.columnInt64(6);
  std::string mac = st.columnText(7);
  if (!mac.empty()) s.mac = auth::parseMac(mac);
  std::string ip = st.columnText(8);
  if (!ip.empty()) s.staticIp = parseIp(ip);
  s.createdAt = st.columnInt64(9);
  s.firstLogin = st.columnInt64(10);
  s.validitySeconds = static_cast<uint64_t>(st.columnInt64(11));
  s.voucherBatch = st.columnInt64(12);
  s.papHash = st.columnText(13);
  s.dunning = catalog::parseDunning(st.columnText(14)).value_or(catalog::Dunning::kNone);
  std::string rate = st.columnText(15);
  if (!rate.empty()) {
    core::Result<billing::Rate> r = billing::parseRatePair(rate);
    if (r.isOk()) s.dunningRate = *r;
  }
  s.dunningUrl = st.columnText(16);
  return s;
}

constexpr const char* kSubscriberColumns =
    "SELECT id, username, nt_hash, cleartext, plan_id, status, expires_at, mac, static_ip, created_at, first_login, "
    "validity_seconds, voucher_batch, pap_hash, dunning, dunning_rate, dunning_url FROM subscribers";

void bindSubscriber(core::Statement& st, const Subscriber& s, int64_t now) {
  st.bindText(1, s.username);
  if (s.ntHash) st.bindBlob(2, s.ntHash->data(), 16);
  else st.bindNull(2);
  st.bindText(3, s.cleartext)
      .bindInt64(4, s.planId)
      .bindText(5, subscriberStatusName(s.status))
      .bindInt64(6, s.expiresAt)
      .bindText(7, macText(s.mac))
      .bindText(8, ipText(s.staticIp))
      .bindInt64(9, now)
      .bindInt64(11, static_cast<int64_t>(s.validitySeconds))
      .bindInt64(12, s.voucherBatch)
      .bindInt64(13, s.firstLogin)
      .bindText(14, s.papHash)
      .bindText(15, catalog::dunningName(s.dunning))
      .bindText(16, s.dunningRate.downBps != 0 ? billing::formatRatePair(s.dunningRate) : std::string())
      .bindText(17, s.dunningUrl);
}

}  // namespace

core::Result<std::vector<NasClient>> loadNas(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT id, name, prefix, secret, vendor, coa_port, nas_identifier, require_message_authenticator, "
      "radsec_identity FROM nas ORDER BY name"));
  std::vector<NasClient> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    NasClient n;
    n.id = st.columnInt64(0);
    n.name = st.columnText(1);
    std::string error;
    std::optional<IpPrefix> prefix = parsePrefix(st.columnText(2), &error);
    if (!prefix) return core::corrupt("nas '" + n.name + "': stored prefix " + error);
    n.prefix = *prefix;
    n.secret = st.columnText(3);
    n.vendor = parseVendorProfile(st.columnText(4)).value_or(VendorProfile::kGeneric);
    n.coaPort = static_cast<uint16_t>(st.columnInt64(5));
    n.nasIdentifier = st.columnText(6);
    if (!st.columnIsNull(7)) n.requireMessageAuthenticator = st.columnInt64(7) != 0;
    n.radsecIdentity = st.columnText(8);
    out.push_back(std::move(n));
  }
  return out;
}

core::Result<std::vector<Plan>> loadPlans(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT id, name, down_bps, up_bps, burst_down_bps, burst_up_bps, burst_threshold_percent, burst_time, "
      "session_timeout, idle_timeout, interim_interval, max_sessions, ip_pool, billing FROM plans ORDER BY name"));
  std::vector<Plan> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    Plan p;
    p.id = st.columnInt64(0);
    p.name = st.columnText(1);
    p.downBps = static_cast<uint64_t>(st.columnInt64(2));
    p.upBps = static_cast<uint64_t>(st.columnInt64(3));
    p.burstDownBps = static_cast<uint64_t>(st.columnInt64(4));
    p.burstUpBps = static_cast<uint64_t>(st.columnInt64(5));
    p.burstThresholdPercent = static_cast<uint32_t>(st.columnInt64(6));
    p.burstTimeSeconds = static_cast<uint32_t>(st.columnInt64(7));
    p.sessionTimeout = static_cast<uint32_t>(st.columnInt64(8));
    p.idleTimeout = static_cast<uint32_t>(st.columnInt64(9));
    p.interimInterval = static_cast<uint32_t>(st.columnInt64(10));
    p.maxSessions = static_cast<uint32_t>(st.columnInt64(11));
    p.ipPool = st.columnText(12);
    core::Result<core::Json> billingJson = core::parseJsonWithComments(st.columnText(13), "plan billing");
    if (!billingJson.isOk()) return core::corrupt("plan '" + p.name + "': " + billingJson.status().message());
    core::Result<billing::BillingRules> rules = billing::rulesFromJson(*billingJson);
    if (!rules.isOk()) return core::corrupt("plan '" + p.name + "': stored " + rules.status().message());
    p.billing = *rules;
    out.push_back(std::move(p));
  }
  return out;
}

core::Result<std::vector<Subscriber>> loadSubscribers(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(int64_t count, db.queryInt64("SELECT count(*) FROM subscribers"));
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(kSubscriberColumns));
  std::vector<Subscriber> out;
  out.reserve(static_cast<size_t>(count));
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(readSubscriber(st));
  }
  return out;
}

core::Result<Subscriber> loadSubscriber(core::Database& db, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string(kSubscriberColumns) + " WHERE username = ?"));
  st.bindText(1, username);
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return core::notFound("no subscriber '" + username + "'");
  return readSubscriber(st);
}

core::Result<int64_t> insertNas(core::Database& db, const NasClient& n, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO nas(name, prefix, secret, vendor, coa_port, nas_identifier, require_message_authenticator, "
      "created_at, radsec_identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(name) DO UPDATE SET prefix = excluded.prefix, secret = excluded.secret, vendor = excluded.vendor, "
      "coa_port = excluded.coa_port, nas_identifier = excluded.nas_identifier, "
      "require_message_authenticator = excluded.require_message_authenticator, "
      "radsec_identity = excluded.radsec_identity"));
  st.bindText(1, n.name)
      .bindText(2, formatPrefix(n.prefix))
      .bindText(3, n.secret)
      .bindText(4, vendorProfileName(n.vendor))
      .bindInt64(5, n.coaPort)
      .bindText(6, n.nasIdentifier);
  if (n.requireMessageAuthenticator) st.bindInt64(7, *n.requireMessageAuthenticator ? 1 : 0);
  else st.bindNull(7);
  st.bindInt64(8, now);
  st.bindText(9, n.radsecIdentity);
  core::Status s = st.run();
  if (!s.isOk()) {
    if (isUniqueViolation(s)) return core::alreadyExists("another NAS already has the address " + formatPrefix(n.prefix));
    return s;
  }
  return db.lastInsertRowId();
}

core::Status deleteNas(core::Database& db, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("DELETE FROM nas WHERE name = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, name).run());
  if (db.changes() == 0) return core::notFound("no NAS named '" + name + "'");
  return core::Status::ok();
}

namespace {
void bindPlan(core::Statement& st, const Plan& p) {
  st.bindText(1, p.name)
      .bindInt64(2, static_cast<int64_t>(p.downBps))
      .bindInt64(3, static_cast<int64_t>(p.upBps))
      .bindInt64(4, static_cast<int64_t>(p.burstDownBps))
      .bindInt64(5, static_cast<int64_t>(p.burstUpBps))
      .bindInt64(6, p.burstThresholdPercent)
      .bindInt64(7, p.burstTimeSeconds)
      .bindInt64(8, p.sessionTimeout)
      .bindInt64(9, p.idleTimeout)
      .bindInt64(10, p.interimInterval)
      .bindInt64(11, p.maxSessions)
      .bindText(12, p.ipPool)
      .bindText(15, billing::rulesToJson(p.billing).dump());
}
}  // namespace

core::Result<int64_t> insertPlan(core::Database& db, const Plan& p, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO plans(name, down_bps, up_bps, burst_down_bps, burst_up_bps, burst_threshold_percent, burst_time, "
      "session_timeout, idle_timeout, interim_interval, max_sessions, ip_pool, created_at, updated_at, billing) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
  bindPlan(st, p);
  st.bindInt64(13, now).bindInt64(14, now);
  core::Status s = st.run();
  if (!s.isOk()) {
    if (isUniqueViolation(s)) return core::alreadyExists("a plan named '" + p.name + "' already exists");
    return s;
  }
  return db.lastInsertRowId();
}

core::Status updatePlan(core::Database& db, const Plan& p, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "UPDATE plans SET name = ?, down_bps = ?, up_bps = ?, burst_down_bps = ?, burst_up_bps = ?, "
      "burst_threshold_percent = ?, burst_time = ?, session_timeout = ?, idle_timeout = ?, interim_interval = ?, "
      "max_sessions = ?, ip_pool = ?, updated_at = ?13, billing = ?15, import_batch = '' WHERE id = ?14"));
  bindPlan(st, p);
  st.bindInt64(13, now).bindInt64(14, p.id);
  core::Status s = st.run();
  if (!s.isOk() && isUniqueViolation(s)) return core::alreadyExists("a plan named '" + p.name + "' already exists");
  EDGE_RETURN_IF_ERROR(s);
  if (db.changes() == 0) return core::notFound("no plan with id " + std::to_string(p.id));
  return core::Status::ok();
}

core::Status deletePlan(core::Database& db, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(core::Statement users, db.prepare(
      "SELECT count(*) FROM subscribers WHERE plan_id = (SELECT id FROM plans WHERE name = ?)"));
  users.bindText(1, name);
  EDGE_RETURN_IF_ERROR(users.step().status());
  int64_t n = users.columnInt64(0);
  if (n > 0)
    return core::failedPrecondition("plan '" + name + "' is used by " + std::to_string(n) +
                                    " subscriber(s); move them to another plan first");
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("DELETE FROM plans WHERE name = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, name).run());
  if (db.changes() == 0) return core::notFound("no plan named '" + name + "'");
  return core::Status::ok();
}

core::Result<int64_t> insertSubscriber(core::Database& db, const Subscriber& s, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO subscribers(username, nt_hash, cleartext, plan_id, status, expires_at, mac, static_ip, created_at, "
      "updated_at, validity_seconds, voucher_batch, first_login, pap_hash, dunning, dunning_rate, dunning_url) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"));
  bindSubscriber(st, s, now);
  core::Status r = st.run();
  if (!r.isOk()) {
    if (isUniqueViolation(r)) return core::alreadyExists("subscriber '" + s.username + "' already exists");
    return r;
  }
  return db.lastInsertRowId();
}

core::Status updateSubscriber(core::Database& db, const Subscriber& s, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "UPDATE subscribers SET username = ?1, nt_hash = ?2, cleartext = ?3, plan_id = ?4, status = ?5, "
      "expires_at = ?6, mac = ?7, static_ip = ?8, updated_at = ?9, validity_seconds = ?11, voucher_batch = ?12, "
      "first_login = ?13, pap_hash = ?14, dunning = ?15, dunning_rate = ?16, dunning_url = ?17, import_batch = '' "
      "WHERE id = ?10"));
  bindSubscriber(st, s, now);
  st.bindInt64(10, s.id);
  EDGE_RETURN_IF_ERROR(st.run());
  if (db.changes() == 0) return core::notFound("no subscriber with id " + std::to_string(s.id));
  return core::Status::ok();
}

core::Status deleteSubscriber(core::Database& db, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("DELETE FROM subscribers WHERE username = ?"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, username).run());
  if (db.changes() == 0) return core::notFound("no subscriber '" + username + "'");
  return core::Status::ok();
}

core::Status openImportBatch(core::Database& db, const std::string& batch, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("INSERT INTO import_batches(id, created_at) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, batch).bindInt64(2, now).run());
  EDGE_ASSIGN_OR_RETURN(core::Statement state, db.prepare("SELECT state FROM import_batches WHERE id = ?"));
  state.bindText(1, batch);
  EDGE_ASSIGN_OR_RETURN(bool row, state.step());
  if (row && state.columnText(0) != "applied")
    return core::failedPrecondition("batch: '" + batch + "' was rolled back; import again as a new batch");
  return core::Status::ok();
}

core::Status markImported(core::Database& db, const std::string& table, int64_t id, const std::string& batch) {
  if (table != "plans" && table != "subscribers") return core::internalError("markImported: table " + table);
  EDGE_ASSIGN_OR_RETURN(core::Statement mark, db.prepare("UPDATE " + table + " SET import_batch = ?1 WHERE id = ?2"));
  EDGE_RETURN_IF_ERROR(mark.bindText(1, batch).bindInt64(2, id).run());
  EDGE_ASSIGN_OR_RETURN(core::Statement count,
                        db.prepare("UPDATE import_batches SET " + table + " = " + table + " + 1 WHERE id = ?"));
  return count.bindText(1, batch).run();
}

core::Result<std::vector<ImportBatch>> loadImportBatches(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT id, state, plans, subscribers, created_at, rolled_back_at FROM import_batches ORDER BY created_at, id"));
  std::vector<ImportBatch> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back({st.columnText(0), st.columnText(1), st.columnInt64(2), st.columnInt64(3), st.columnInt64(4),
                   st.columnInt64(5)});
  }
  return out;
}

core::Result<std::vector<std::string>> importedSubscribers(core::Database& db, const std::string& batch) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT username FROM subscribers WHERE import_batch = ? ORDER BY username"));
  st.bindText(1, batch);
  std::vector<std::string> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(st.columnText(0));
  }
  return out;
}

core::Result<std::vector<std::pair<std::string, int64_t>>> importedPlans(core::Database& db, const std::string& batch) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT p.name, (SELECT count(*) FROM subscribers s WHERE s.plan_id = p.id) FROM plans p "
      "WHERE p.import_batch = ? ORDER BY p.name"));
  st.bindText(1, batch);
  std::vector<std::pair<std::string, int64_t>> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.emplace_back(st.columnText(0), st.columnInt64(1));
  }
  return out;
}

core::Status unmarkPlan(core::Database& db, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("UPDATE plans SET import_batch = '' WHERE name = ?"));
  return st.bindText(1, name).run();
}

core::Status closeImportBatch(core::Database& db, const std::string& batch, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE import_batches SET state = 'rolled-back', rolled_back_at = ?2 WHERE id = ?1"));
  return st.bindText(1, batch).bindInt64(2, now).run();
}

}  // namespace aaa::policy
