#include "mgmt/platform.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <set>

#include "billing/rating/rules.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "core/clock.h"
#include "core/command_args.h"
#include "core/license.h"
#include "core/pki.h"
#include "mgmt/tiers.h"

namespace mgmt {

using core::CommandArgs;
using core::ControlReply;
using core::Json;

namespace {

int64_t nowSeconds() { return core::SystemClock::instance().unixSeconds(); }

std::string iso(int64_t unix) {
  if (unix == 0) return "";
  return core::formatRfc3339(core::WallTime{std::chrono::milliseconds(unix * 1000)});
}

ControlReply fail(const core::Status& s) { return ControlReply::error(s); }

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(core::Database& db) : db_(db) { status_ = db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (status_.isOk() && !done_) (void)db_.exec("ROLLBACK");
  }
  const core::Status& status() const { return status_; }
  core::Status commit() {
    done_ = true;
    return db_.exec("COMMIT");
  }

 private:
  core::Database& db_;
  core::Status status_;
  bool done_ = false;
};

struct TenantRow {
  std::string id, name, tier, status;
  bool demo = false;
  int64_t createdAt = 0, expiresAt = 0, version = 0, licenseIssuedAt = 0;
  std::string licenseId, license;
};

constexpr const char* kTenantColumns =
    "id, name, tier, status, demo, created_at, expires_at, version, license_id, license, license_issued_at";

TenantRow tenantFrom(core::Statement& st) {
  TenantRow t;
  t.id = st.columnText(0);
  t.name = st.columnText(1);
  t.tier = st.columnText(2);
  t.status = st.columnText(3);
  t.demo = st.columnInt64(4) != 0;
  t.createdAt = st.columnInt64(5);
  t.expiresAt = st.columnInt64(6);
  t.version = st.columnInt64(7);
  t.licenseId = st.columnText(8);
  t.license = st.columnText(9);
  t.licenseIssuedAt = st.columnInt64(10);
  return t;
}

core::Result<TenantRow> loadTenantById(core::Database& db, const std::string& id) {
  core::Result<core::Statement> st = db.prepare(std::string("SELECT ") + kTenantColumns + " FROM tenants WHERE id = ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, id);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return core::notFound("no tenant '" + id + "'");
  return tenantFrom(*st);
}

// `key` is a tenant's name or id. A tenant caller reaches only its own tenant; any other answer is
// the same "no tenant" as for a name that does not exist.
core::Result<TenantRow> resolveTenant(core::Database& db, const std::string& key, const Caller& caller) {
  core::Result<core::Statement> st =
      db.prepare(std::string("SELECT ") + kTenantColumns + " FROM tenants WHERE id = ?1 OR name = ?1");
  if (!st.isOk()) return st.status();
  st->bindText(1, key);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return core::notFound("tenant: no tenant '" + key + "' (see tenant list)");
  TenantRow t = tenantFrom(*st);
  if (!caller.platform() && caller.tenantId != t.id) return core::notFound("tenant: no tenant '" + key + "' (see tenant list)");
  return t;
}

// The tenant named by the "tenant" argument; a tenant caller may leave it out.
core::Result<TenantRow> tenantArg(core::Database& db, const CommandArgs& a, const Caller& caller) {
  core::Result<std::optional<std::string>> key = a.text("tenant");
  if (!key.isOk()) return key.status();
  if (!*key) {
    if (!caller.platform()) return loadTenantById(db, caller.tenantId);
    return core::invalidArgument("tenant is required (--tenant NAME or ID)");
  }
  return resolveTenant(db, **key, caller);
}

core::Result<int64_t> countOf(core::Database& db, const std::string& sql, const std::string& arg) {
  core::Result<core::Statement> st = db.prepare(sql);
  if (!st.isOk()) return st.status();
  st->bindText(1, arg);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  return *row ? st->columnInt64(0) : 0;
}

// Takes the tenant's next version number (inside the caller's transaction).
core::Result<int64_t> nextVersion(core::Database& db, const std::string& tenantId) {
  core::Result<core::Statement> st = db.prepare("UPDATE tenants SET version = version + 1 WHERE id = ? RETURNING version");
  if (!st.isOk()) return st.status();
  st->bindText(1, tenantId);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return core::notFound("no tenant '" + tenantId + "'");
  int64_t v = st->columnInt64(0);
  st->reset();
  return v;
}

// Issues (or re-issues) the tenant's license from its tier and expiry; stored with the tenant and
// delivered to its boxes at their next check-in.
core::Status issueLicense(core::Database& db, const Authority& authority, TenantRow& t, int64_t graceDays, int64_t now) {
  const Tier* tier = findTier(t.tier);
  if (tier == nullptr) return core::internalError("tenant '" + t.name + "' has unknown tier '" + t.tier + "'");
  core::License l;
  l.id = "lic-" + core::pki::randomHex(8);
  l.tenant = t.id;
  l.tier = t.tier;
  l.subscriberCap = tier->subscriberCap;
  l.features = tier->features;
  // Boxes refuse a license not newer than theirs: issued-at strictly increases per tenant.
  l.issuedAt = std::max(now, t.licenseIssuedAt + 1);
  // Valid from a day back (boxes with a slow clock), and always before its expiry (an expiry set in
  // the past, to end a tenant, still makes a well-formed license).
  l.notBefore = std::min(now - 86400, t.expiresAt - 86400);
  l.expiresAt = t.expiresAt;
  l.graceDays = graceDays;
  core::Result<std::string> doc = authority.signLicense(l);
  if (!doc.isOk()) return doc.status();
  core::Result<core::Statement> st =
      db.prepare("UPDATE tenants SET license_id = ?, license = ?, license_issued_at = ? WHERE id = ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, l.id).bindText(2, *doc).bindInt64(3, l.issuedAt).bindText(4, t.id);
  EDGE_RETURN_IF_ERROR(st->run());
  t.licenseId = l.id;
  t.license = *doc;
  t.licenseIssuedAt = l.issuedAt;
  return core::Status::ok();
}

Json tenantJson(core::Database& db, const TenantRow& t, int64_t now) {
  const Tier* tier = findTier(t.tier);
  Json features = Json::array();
  if (tier != nullptr)
    for (const std::string& f : tier->features) features.push_back(f);
  int64_t subs = countOf(db, "SELECT count(*) FROM subscribers WHERE tenant_id = ? AND deleted = 0", t.id).valueOr(0);
  int64_t plans = countOf(db, "SELECT count(*) FROM plans WHERE tenant_id = ? AND deleted = 0", t.id).valueOr(0);
  int64_t devices = countOf(db, "SELECT count(*) FROM devices WHERE tenant_id = ? AND status = 'active'", t.id).valueOr(0);
  return Json{{"id", t.id},
              {"name", t.name},
              {"tier", t.tier},
              {"status", t.status},
              {"demo", t.demo},
              {"subscriber-cap", tier != nullptr ? tier->subscriberCap : 0},
              {"features", features},
              {"subscribers", subs},
              {"plans", plans},
              {"devices", devices},
              {"created-at", iso(t.createdAt)},
              {"expires-at", iso(t.expiresAt)},
              {"expired", t.expiresAt != 0 && now >= t.expiresAt},
              {"license-id", t.licenseId},
              {"version", t.version}};
}

core::Result<int64_t> parseTtl(const std::string& text) {
  core::Result<uint64_t> d = billing::parseDuration(text);
  if (!d.isOk()) return core::invalidArgument("ttl: " + d.status().message());
  if (*d == 0) return core::invalidArgument("ttl: must be more than 0");
  return static_cast<int64_t>(*d);
}

// The stored spec of a plan or subscriber with `args` applied on top ("" clears an optional field).
Json merged(const Json& spec, const Json& args) {
  Json out = spec;
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (it.key() == "tenant") continue;
    out[it.key()] = it.value();
  }
  return out;
}

// A plan spec as every box will read it: validated with the boxes' own rules (catalog/plan.h).
core::Status validatePlan(const Json& spec) {
  catalog::Plan p;
  return catalog::applyPlanArgs(CommandArgs(spec), p);
}

struct SubscriberSpecCheck {
  core::Database& db;
  std::string tenantId;
  // A subscriber spec as every box will read it: validated with the boxes' own rules
  // (catalog/subscriber.h), the plan looked up among the tenant's.
  core::Status operator()(const Json& spec) const {
    core::Result<catalog::SubscriberFields> fields = catalog::parseSubscriberFields(CommandArgs(spec));
    if (!fields.isOk()) return fields.status();
    EDGE_RETURN_IF_ERROR(catalog::validateSubscriber(*fields, catalog::SubscriberChange::kAdd));
    catalog::Subscriber s;
    std::string tenant = tenantId;
    core::Database& d = db;
    return catalog::applySubscriberFields(
        *fields,
        [&d, tenant](const std::string& name) -> std::optional<int64_t> {
          int64_t n = 0;
          core::Result<core::Statement> st =
              d.prepare("SELECT count(*) FROM plans WHERE tenant_id = ? AND name = ? AND deleted = 0");
          if (!st.isOk()) return std::nullopt;
          st->bindText(1, tenant).bindText(2, name);
          core::Result<bool> row = st->step();
          if (row.isOk() && *row) n = st->columnInt64(0);
          if (n == 0) return std::nullopt;
          return 1;
        },
        false, s);
  }
};

// The spec without secrets, for listings.
Json publicSpec(Json spec) {
  if (spec.contains("password")) spec["password"] = "(set)";
  return spec;
}

}  // namespace

// The operator commands, one function each (called under the platform's mutex).
struct Commands {
  static ControlReply tenantAdd(Platform& p, const Json& args, const Caller&) {
    CommandArgs a(args);
    core::Status s = a.only({"name", "tier", "demo", "expires"});
    if (!s.isOk()) return fail(s);
    core::Result<std::optional<bool>> demo = a.boolean("demo");
    if (!demo.isOk()) return fail(demo.status());
    bool isDemo = demo->value_or(false);
    core::Result<std::optional<std::string>> name = a.text("name");
    if (!name.isOk()) return fail(name.status());
    std::string tenantName = name->value_or("");
    if (tenantName.empty()) {
      if (!isDemo) return ControlReply::error("name is required (--name NAME)");
      tenantName = "demo-" + core::pki::randomHex(3);
    }
    if (tenantName.size() > 64) return ControlReply::error("name: at most 64 characters");
    core::Result<std::optional<std::string>> tierName = a.text("tier");
    if (!tierName.isOk()) return fail(tierName.status());
    std::string tier = tierName->value_or(isDemo ? "premium" : "");
    if (tier.empty()) return ControlReply::error("tier is required (--tier " + tierNames() + ")");
    if (findTier(tier) == nullptr) return ControlReply::error("tier: '" + tier + "' is not one of: " + tierNames());
    int64_t now = nowSeconds();
    int64_t expires = now + (isDemo ? 7 * 86400 : p.config_.licenseDays * 86400);
    core::Result<std::optional<std::string>> expiresText = a.text("expires");
    if (!expiresText.isOk()) return fail(expiresText.status());
    if (*expiresText) {
      core::Result<int64_t> t = core::parseIso8601(**expiresText);
      if (!t.isOk()) return fail(t.status().withContext("expires"));
      expires = *t;
    }
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    TenantRow t;
    t.id = "t-" + core::pki::randomHex(4);
    t.name = tenantName;
    t.tier = tier;
    t.status = "active";
    t.demo = isDemo;
    t.createdAt = now;
    t.expiresAt = expires;
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO tenants(id, name, tier, demo, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t.id).bindText(2, t.name).bindText(3, t.tier).bindInt64(4, isDemo).bindInt64(5, now).bindInt64(6, expires);
    s = st->run();
    if (!s.isOk()) {
      if (s.code() == core::Code::kAlreadyExists)  // the store names a UNIQUE violation so
        return ControlReply::error(core::alreadyExists("name: a tenant named '" + t.name + "' exists already"));
      return fail(s);
    }
    s = issueLicense(p.db_, p.authority_, t, p.config_.graceDays, now);
    if (!s.isOk()) return fail(s);
    if (isDemo) {
      s = sampleData(p, t, now);
      if (!s.isOk()) return fail(s.withContext("creating the demo data"));
    }
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    std::string text = "tenant '" + t.name + "' added (" + t.tier + ")" +
                       (isDemo ? ", a demo expiring " + iso(expires) + " with 3 plans, 50 subscribers and a month of usage" : "");
    return ControlReply::success(text, tenantJson(p.db_, t, now));
  }

  // 3 plans, 50 subscribers and 30 days of usage: what a prospect sees in a demo tenant.
  static core::Status sampleData(Platform& p, TenantRow& t, int64_t now) {
    const Json plans[] = {
        Json{{"name", "demo-home-10"}, {"down", "10M"}, {"up", "2M"}, {"price", "9.99"}, {"currency", "USD"}},
        Json{{"name", "demo-home-50"}, {"down", "50M"}, {"up", "10M"}, {"price", "24.99"}, {"currency", "USD"},
             {"data-quota", "500GB"}},
        Json{{"name", "demo-business-100"}, {"down", "100M"}, {"up", "50M"}, {"price", "79.00"}, {"currency", "USD"}}};
    for (const Json& plan : plans) EDGE_RETURN_IF_ERROR(putPlan(p, t, plan, now));
    core::Result<core::Statement> use = p.db_.prepare(
        "INSERT INTO usage(device_id, seq, tenant_id, username, session, at, input_octets, output_octets, session_time) "
        "VALUES ('sample', ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!use.isOk()) return use.status();
    int64_t seq = 0;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    auto rnd = [&seed](uint64_t n) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      return seed % n;
    };
    for (int i = 1; i <= 50; ++i) {
      char user[32];
      std::snprintf(user, sizeof user, "demo%03d", i);
      const Json& plan = plans[i % 3];
      Json spec{{"username", user}, {"password", core::pki::randomHex(6)}, {"plan", plan["name"]}};
      EDGE_RETURN_IF_ERROR(putSubscriber(p, t, spec, "mgmt", now));
      for (int day = 30; day >= 1; --day) {
        int64_t in = static_cast<int64_t>(200e6 + rnd(800000000));
        int64_t out = static_cast<int64_t>(1e9 + rnd(4000000000));
        use->reset(true);
        ++seq;
        use->bindInt64(1, seq).bindText(2, t.id).bindText(3, user).bindText(4, "sample-" + std::to_string(seq))
            .bindInt64(5, now - day * 86400).bindInt64(6, in).bindInt64(7, out).bindInt64(8, 3600 + static_cast<int64_t>(rnd(20000)));
        EDGE_RETURN_IF_ERROR(use->run());
      }
    }
    return p.db_.exec(
        "INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, records, last_at) "
        "SELECT tenant_id, username, sum(input_octets), sum(output_octets), sum(session_time), count(*), max(at) "
        "FROM usage WHERE device_id = 'sample' AND tenant_id = '" + t.id + "' GROUP BY tenant_id, username "
        "ON CONFLICT DO NOTHING");
  }

  static ControlReply tenantList(Platform& p, const Json& args, const Caller& caller) {
    core::Status s = CommandArgs(args).only({});
    if (!s.isOk()) return fail(s);
    core::Result<core::Statement> st = p.db_.prepare(std::string("SELECT ") + kTenantColumns +
                                                     " FROM tenants WHERE ?1 = '' OR id = ?1 ORDER BY name");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, caller.tenantId);
    std::vector<TenantRow> rows;
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      rows.push_back(tenantFrom(*st));
    }
    Json list = Json::array();
    int64_t now = nowSeconds();
    for (const TenantRow& t : rows) list.push_back(tenantJson(p.db_, t, now));
    return ControlReply::success(std::to_string(list.size()) + " tenants", list);
  }

  static ControlReply tenantShow(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    Json j = tenantJson(p.db_, *t, nowSeconds());
    return ControlReply::success("tenant '" + t->name + "'", j);
  }

  static ControlReply tenantSet(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "name", "tier", "expires"});
    if (!s.isOk()) return fail(s);
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::optional<std::string>> name = a.text("name");
    core::Result<std::optional<std::string>> tier = a.text("tier");
    core::Result<std::optional<std::string>> expires = a.text("expires");
    if (!name.isOk() || !tier.isOk() || !expires.isOk())
      return fail(!name.isOk() ? name.status() : !tier.isOk() ? tier.status() : expires.status());
    if (*tier) {
      const Tier* found = findTier(**tier);
      if (found == nullptr) return ControlReply::error("tier: '" + **tier + "' is not one of: " + tierNames());
      if (found->subscriberCap != 0) {
        int64_t subs = countOf(p.db_, "SELECT count(*) FROM subscribers WHERE tenant_id = ? AND deleted = 0", t->id).valueOr(0);
        if (static_cast<uint64_t>(subs) > found->subscriberCap)
          return ControlReply::error("tier: '" + **tier + "' allows " + std::to_string(found->subscriberCap) +
                                     " subscribers and tenant '" + t->name + "' has " + std::to_string(subs));
      }
      t->tier = **tier;
    }
    if (*name) t->name = **name;
    if (*expires) {
      core::Result<int64_t> at = core::parseIso8601(**expires);
      if (!at.isOk()) return fail(at.status().withContext("expires"));
      t->expiresAt = *at;
    }
    core::Result<core::Statement> st = p.db_.prepare("UPDATE tenants SET name = ?, tier = ?, expires_at = ? WHERE id = ?");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->name).bindText(2, t->tier).bindInt64(3, t->expiresAt).bindText(4, t->id);
    s = st->run();
    if (!s.isOk()) return fail(s);
    int64_t now = nowSeconds();
    if (*tier || *expires) {
      s = issueLicense(p.db_, p.authority_, *t, p.config_.graceDays, now);
      if (!s.isOk()) return fail(s);
    }
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("tenant '" + t->name + "' changed" + (*tier || *expires ? "; its boxes get the new license at their next check-in" : ""),
                                 tenantJson(p.db_, *t, now));
  }

  static ControlReply tenantStatus(Platform& p, const Json& args, const Caller& caller, const char* status) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<core::Statement> st = p.db_.prepare("UPDATE tenants SET status = ? WHERE id = ?");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, status).bindText(2, t->id);
    s = st->run();
    if (!s.isOk()) return fail(s);
    t->status = status;
    return ControlReply::success(std::string("tenant '") + t->name + "' " + status +
                                     (std::string(status) == "suspended"
                                          ? ": its boxes are refused by the device API and keep serving subscribers offline"
                                          : ""),
                                 tenantJson(p.db_, *t, nowSeconds()));
  }

  static ControlReply licenseShow(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<core::License> l = core::verifySignedLicense(t->license, p.authority_.licensePublicKeyPem());
    if (!l.isOk()) return fail(l.status());
    Json j = core::licenseToJson(*l);
    j["document"] = t->license;
    return ControlReply::success("license " + l->id + " of tenant '" + t->name + "'", j);
  }

  static ControlReply claimCreate(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "ttl", "uses"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    if (t->status != "active") return ControlReply::error(core::failedPrecondition("tenant '" + t->name + "' is suspended: no new appliances"));
    core::Result<std::optional<std::string>> ttlText = a.text("ttl");
    if (!ttlText.isOk()) return fail(ttlText.status());
    core::Result<int64_t> ttl = parseTtl(ttlText->value_or("24h"));
    if (!ttl.isOk()) return fail(ttl.status());
    core::Result<std::optional<int64_t>> uses = a.integer("uses", 1, 100000);
    if (!uses.isOk()) return fail(uses.status());
    int64_t now = nowSeconds();
    core::sync::ClaimToken token;
    token.url = p.config_.effectivePublicUrl();
    token.caFingerprint = p.authority_.caFingerprint();
    token.secret = core::pki::randomHex(24);
    std::string id = "c-" + core::pki::randomHex(4);
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO claims(id, tenant_id, secret_sha256, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, id).bindText(2, t->id).bindText(3, core::pki::sha256Hex(token.secret)).bindInt64(4, uses->value_or(1))
        .bindInt64(5, now + *ttl).bindInt64(6, now);
    s = st->run();
    if (!s.isOk()) return fail(s);
    std::string encoded = core::sync::encodeClaimToken(token);
    return ControlReply::success("claim " + id + " for tenant '" + t->name + "'",
                                 Json{{"id", id}, {"token", encoded}, {"tenant", t->id}, {"uses", uses->value_or(1)},
                                      {"expires-at", iso(now + *ttl)}, {"url", token.url}});
  }

  static Json deviceJson(core::Statement& st, int64_t now) {
    Json reported = Json::parse(st.columnText(9), nullptr, false);
    int64_t last = st.columnInt64(8);
    return Json{{"id", st.columnText(0)},
                {"tenant", st.columnText(1)},
                {"hostname", st.columnText(2)},
                {"status", st.columnText(3)},
                {"enrolled-at", iso(st.columnInt64(4))},
                {"certificate-serial", st.columnText(5)},
                {"certificate-expires-at", iso(st.columnInt64(6))},
                {"certificate-fingerprint", st.columnText(7)},
                {"last-checkin", iso(last)},
                {"seconds-since-checkin", last == 0 ? Json(nullptr) : Json(now - last)},
                {"reported", reported.is_discarded() ? Json::object() : reported},
                {"usage-watermark", st.columnInt64(10)},
                {"event-watermark", st.columnInt64(11)}};
  }

  static constexpr const char* kDeviceColumns =
      "id, tenant_id, hostname, status, enrolled_at, cert_serial, cert_not_after, cert_fingerprint, last_checkin, "
      "reported, usage_watermark, event_watermark";

  static ControlReply deviceList(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    std::string tenantId = caller.tenantId;
    if (a.has("tenant")) {
      core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
      if (!t.isOk()) return fail(t.status());
      tenantId = t->id;
    }
    core::Result<core::Statement> st = p.db_.prepare(std::string("SELECT ") + kDeviceColumns +
                                                     " FROM devices WHERE ?1 = '' OR tenant_id = ?1 ORDER BY enrolled_at");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, tenantId);
    Json list = Json::array();
    int64_t now = nowSeconds();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      list.push_back(deviceJson(*st, now));
    }
    return ControlReply::success(std::to_string(list.size()) + " devices", list);
  }

  static core::Result<Json> findDevice(Platform& p, const CommandArgs& a, const Caller& caller) {
    core::Result<std::string> id = a.required("device");
    if (!id.isOk()) return id.status();
    core::Result<core::Statement> st = p.db_.prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE id = ?");
    if (!st.isOk()) return st.status();
    st->bindText(1, *id);
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row || (!caller.platform() && st->columnText(1) != caller.tenantId))
      return core::notFound("device: no device '" + *id + "' (see device list)");
    return deviceJson(*st, nowSeconds());
  }

  // The device a command names by its only argument, `device`, as the caller may see it.
  static core::Result<Json> deviceArgument(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    EDGE_RETURN_IF_ERROR(a.only({"device"}));
    return findDevice(p, a, caller);
  }

  static ControlReply deviceShow(Platform& p, const Json& args, const Caller& caller) {
    core::Result<Json> d = deviceArgument(p, args, caller);
    if (!d.isOk()) return fail(d.status());
    return ControlReply::success("device " + (*d)["id"].get<std::string>(), *d);
  }

  static ControlReply deviceRevoke(Platform& p, const Json& args, const Caller& caller) {
    core::Result<Json> d = deviceArgument(p, args, caller);
    if (!d.isOk()) return fail(d.status());
    core::Result<core::Statement> st =
        p.db_.prepare("UPDATE devices SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'");
    if (!st.isOk()) return fail(st.status());
    st->bindInt64(1, nowSeconds()).bindText(2, (*d)["id"].get<std::string>());
    core::Status s = st->run();
    if (!s.isOk()) return fail(s);
    (*d)["status"] = "revoked";
    return ControlReply::success("device " + (*d)["id"].get<std::string>() +
                                     " revoked: its certificate is refused from now on (the box keeps serving offline)",
                                 *d);
  }

  // A suspected leak of a box's key: the box makes a new key and certificate at its next check-in,
  // and from its first call with them every earlier certificate is refused (ADR 0012).
  static ControlReply deviceRekey(Platform& p, const Json& args, const Caller& caller) {
    core::Result<Json> d = deviceArgument(p, args, caller);
    if (!d.isOk()) return fail(d.status());
    if ((*d)["status"] != "active") return ControlReply::error(core::failedPrecondition("device is revoked: enroll the box again instead"));
    core::Result<core::Statement> st = p.db_.prepare("UPDATE devices SET rekey_requested = 1 WHERE id = ?");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, (*d)["id"].get<std::string>());
    core::Status s = st->run();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("device " + (*d)["id"].get<std::string>() +
                                     ": a new key at its next check-in; its current certificate is refused once the "
                                     "new one is in use",
                                 *d);
  }

  // Inserts or replaces a plan (validated) and gives it the tenant's next version.
  static core::Status putPlan(Platform& p, const TenantRow& t, const Json& spec, int64_t now) {
    EDGE_RETURN_IF_ERROR(validatePlan(spec));
    core::Result<int64_t> v = nextVersion(p.db_, t.id);
    if (!v.isOk()) return v.status();
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO plans(tenant_id, name, spec, version, deleted, updated_at) VALUES (?, ?, ?, ?, 0, ?) "
        "ON CONFLICT(tenant_id, name) DO UPDATE SET spec = excluded.spec, version = excluded.version, deleted = 0, "
        "updated_at = excluded.updated_at");
    if (!st.isOk()) return st.status();
    st->bindText(1, t.id).bindText(2, spec["name"].get<std::string>()).bindText(3, spec.dump()).bindInt64(4, *v).bindInt64(5, now);
    return st->run();
  }

  static core::Result<Json> loadSpec(Platform& p, const char* table, const char* key, const std::string& tenantId,
                                     const std::string& name) {
    core::Result<core::Statement> st = p.db_.prepare(std::string("SELECT spec FROM ") + table + " WHERE tenant_id = ? AND " +
                                                     key + " = ? AND deleted = 0");
    if (!st.isOk()) return st.status();
    st->bindText(1, tenantId).bindText(2, name);
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) return core::notFound("");
    return Json::parse(st->columnText(0));
  }

  static ControlReply planAdd(Platform& p, const Json& args, const Caller& caller, bool replace) {
    CommandArgs a(args);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::string> name = a.required("name");
    if (!name.isOk()) return fail(name.status());
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    core::Result<Json> existing = loadSpec(p, "plans", "name", t->id, *name);
    if (replace && !existing.isOk()) return ControlReply::error(core::notFound("no plan named '" + *name + "' in tenant '" + t->name + "'"));
    if (!replace && existing.isOk())
      return ControlReply::error(core::alreadyExists("name: a plan named '" + *name + "' exists already in tenant '" + t->name + "' (plan set changes it)"));
    Json spec = merged(replace ? *existing : Json::object(), args);
    int64_t now = nowSeconds();
    core::Status s = putPlan(p, *t, spec, now);
    if (!s.isOk()) return fail(s);
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("plan '" + *name + "' " + (replace ? "changed" : "added") + " in tenant '" + t->name +
                                     "'; its boxes get it at their next check-in",
                                 spec);
  }

  static ControlReply planList(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<core::Statement> st =
        p.db_.prepare("SELECT spec, version FROM plans WHERE tenant_id = ? AND deleted = 0 ORDER BY name");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->id);
    Json list = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      Json j = Json::parse(st->columnText(0));
      j["version"] = st->columnInt64(1);
      list.push_back(j);
    }
    return ControlReply::success(std::to_string(list.size()) + " plans", list);
  }

  static ControlReply planDel(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "name"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::string> name = a.required("name");
    if (!name.isOk()) return fail(name.status());
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    if (!loadSpec(p, "plans", "name", t->id, *name).isOk()) return ControlReply::error(core::notFound("no plan named '" + *name + "'"));
    int64_t users = 0;
    {
      core::Result<core::Statement> st =
          p.db_.prepare("SELECT count(*) FROM subscribers WHERE tenant_id = ? AND plan = ? AND deleted = 0");
      if (!st.isOk()) return fail(st.status());
      st->bindText(1, t->id).bindText(2, *name);
      core::Result<bool> row = st->step();
      if (row.isOk() && *row) users = st->columnInt64(0);
    }
    if (users > 0)
      return ControlReply::error("plan '" + *name + "' is used by " + std::to_string(users) + " subscribers");
    s = tombstone(p, "plans", "name", *t, *name);
    if (!s.isOk()) return fail(s);
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("plan '" + *name + "' deleted");
  }

  static core::Status tombstone(Platform& p, const char* table, const char* key, const TenantRow& t,
                                const std::string& name) {
    core::Result<int64_t> v = nextVersion(p.db_, t.id);
    if (!v.isOk()) return v.status();
    core::Result<core::Statement> st = p.db_.prepare(std::string("UPDATE ") + table +
                                                     " SET deleted = 1, version = ?, updated_at = ? WHERE tenant_id = ? AND " +
                                                     key + " = ?");
    if (!st.isOk()) return st.status();
    st->bindInt64(1, *v).bindInt64(2, nowSeconds()).bindText(3, t.id).bindText(4, name);
    return st->run();
  }

  // Inserts or replaces a subscriber (validated; the tier's cap checked for new ones).
  static core::Status putSubscriber(Platform& p, const TenantRow& t, const Json& spec, const std::string& origin,
                                    int64_t now) {
    EDGE_RETURN_IF_ERROR((SubscriberSpecCheck{p.db_, t.id})(spec));
    std::string username = spec["username"].get<std::string>();
    bool exists = loadSpec(p, "subscribers", "username", t.id, username).isOk();
    const Tier* tier = findTier(t.tier);
    if (!exists && tier != nullptr && tier->subscriberCap != 0) {
      int64_t subs = countOf(p.db_, "SELECT count(*) FROM subscribers WHERE tenant_id = ? AND deleted = 0", t.id).valueOr(0);
      if (static_cast<uint64_t>(subs) >= tier->subscriberCap)
        return core::resourceExhausted("the " + t.tier + " tier's subscriber cap of " + std::to_string(tier->subscriberCap) +
                                       " is reached for tenant '" + t.name + "': upgrade the tier to add more");
    }
    core::Result<int64_t> v = nextVersion(p.db_, t.id);
    if (!v.isOk()) return v.status();
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO subscribers(tenant_id, username, plan, spec, version, deleted, origin, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) "
        "ON CONFLICT(tenant_id, username) DO UPDATE SET plan = excluded.plan, spec = excluded.spec, "
        "version = excluded.version, deleted = 0, updated_at = excluded.updated_at");
    if (!st.isOk()) return st.status();
    st->bindText(1, t.id).bindText(2, username).bindText(3, spec["plan"].get<std::string>()).bindText(4, spec.dump())
        .bindInt64(5, *v).bindText(6, origin).bindInt64(7, now).bindInt64(8, now);
    return st->run();
  }

  static ControlReply subscriberAdd(Platform& p, const Json& args, const Caller& caller, bool replace) {
    CommandArgs a(args);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::string> username = a.required("username");
    if (!username.isOk()) return fail(username.status());
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    core::Result<Json> existing = loadSpec(p, "subscribers", "username", t->id, *username);
    if (replace && !existing.isOk()) return ControlReply::error(core::notFound("no subscriber '" + *username + "' in tenant '" + t->name + "'"));
    if (!replace && existing.isOk())
      return ControlReply::error(core::alreadyExists("username: subscriber '" + *username + "' exists already in tenant '" + t->name + "'"));
    Json spec = merged(replace ? *existing : Json::object(), args);
    int64_t now = nowSeconds();
    core::Status s = putSubscriber(p, *t, spec, "mgmt", now);
    if (!s.isOk()) return fail(s);
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("subscriber '" + *username + "' " + (replace ? "changed" : "added") + " in tenant '" +
                                     t->name + "'; its boxes get it at their next check-in",
                                 publicSpec(spec));
  }

  static ControlReply subscriberDel(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "username"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::string> username = a.required("username");
    if (!username.isOk()) return fail(username.status());
    Transaction tx(p.db_);
    if (!tx.status().isOk()) return fail(tx.status());
    if (!loadSpec(p, "subscribers", "username", t->id, *username).isOk())
      return ControlReply::error(core::notFound("no subscriber '" + *username + "' in tenant '" + t->name + "'"));
    s = tombstone(p, "subscribers", "username", *t, *username);
    if (!s.isOk()) return fail(s);
    s = tx.commit();
    if (!s.isOk()) return fail(s);
    return ControlReply::success("subscriber '" + *username + "' deleted");
  }

  static ControlReply subscriberList(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "plan", "limit", "offset"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::optional<std::string>> plan = a.text("plan");
    core::Result<std::optional<int64_t>> limit = a.integer("limit", 1, 100000);
    core::Result<std::optional<int64_t>> offset = a.integer("offset", 0, INT64_MAX);
    if (!plan.isOk() || !limit.isOk() || !offset.isOk())
      return fail(!plan.isOk() ? plan.status() : !limit.isOk() ? limit.status() : offset.status());
    core::Result<core::Statement> st = p.db_.prepare(
        "SELECT spec, version, origin FROM subscribers WHERE tenant_id = ? AND deleted = 0 AND (?2 = '' OR plan = ?2) "
        "ORDER BY username LIMIT ? OFFSET ?");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->id).bindText(2, plan->value_or("")).bindInt64(3, limit->value_or(1000)).bindInt64(4, offset->value_or(0));
    Json list = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      Json j = publicSpec(Json::parse(st->columnText(0)));
      j["version"] = st->columnInt64(1);
      j["origin"] = st->columnText(2);
      list.push_back(j);
    }
    return ControlReply::success(std::to_string(list.size()) + " subscribers", list);
  }

  static ControlReply usageQuery(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "user"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::optional<std::string>> user = a.text("user");
    if (!user.isOk()) return fail(user.status());
    core::Result<core::Statement> st = p.db_.prepare(
        "SELECT username, input_octets, output_octets, session_time, records, last_at FROM usage_totals "
        "WHERE tenant_id = ? AND (?2 = '' OR username = ?2) ORDER BY username");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->id).bindText(2, user->value_or(""));
    Json list = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      list.push_back(Json{{"username", st->columnText(0)},
                          {"input-octets", st->columnInt64(1)},
                          {"output-octets", st->columnInt64(2)},
                          {"session-time", st->columnInt64(3)},
                          {"records", st->columnInt64(4)},
                          {"last-record", iso(st->columnInt64(5))}});
    }
    if (*user && list.empty())
      list.push_back(Json{{"username", **user}, {"input-octets", 0}, {"output-octets", 0}, {"session-time", 0},
                          {"records", 0}, {"last-record", ""}});
    return ControlReply::success(std::to_string(list.size()) + " subscribers with usage", list);
  }

  static ControlReply sessionList(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "user", "limit"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::optional<std::string>> user = a.text("user");
    core::Result<std::optional<int64_t>> limit = a.integer("limit", 1, 100000);
    if (!user.isOk() || !limit.isOk()) return fail(!user.isOk() ? user.status() : limit.status());
    core::Result<core::Statement> st = p.db_.prepare(
        "SELECT device_id, session, username, nas, started, stopped, input_octets, output_octets, session_time, "
        "close_reason FROM sessions WHERE tenant_id = ? AND (?2 = '' OR username = ?2) ORDER BY stopped DESC LIMIT ?");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->id).bindText(2, user->value_or("")).bindInt64(3, limit->value_or(100));
    Json list = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      list.push_back(Json{{"device", st->columnText(0)}, {"session", st->columnText(1)}, {"username", st->columnText(2)},
                          {"nas", st->columnText(3)}, {"started", iso(st->columnInt64(4))},
                          {"stopped", iso(st->columnInt64(5))}, {"input-octets", st->columnInt64(6)},
                          {"output-octets", st->columnInt64(7)}, {"session-time", st->columnInt64(8)},
                          {"close-reason", st->columnText(9)}});
    }
    return ControlReply::success(std::to_string(list.size()) + " closed sessions", list);
  }

  static ControlReply sessionDisconnect(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "user"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<std::string> user = a.required("user");
    if (!user.isOk()) return fail(user.status());
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO commands(tenant_id, device_id, kind, arguments, created_at) "
        "SELECT tenant_id, id, 'disconnect', ?, ? FROM devices WHERE tenant_id = ? AND status = 'active' RETURNING id");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, Json{{"user", *user}}.dump()).bindInt64(2, nowSeconds()).bindText(3, t->id);
    Json ids = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      ids.push_back(st->columnInt64(0));
    }
    if (ids.empty()) return ControlReply::error("tenant '" + t->name + "' has no active devices");
    return ControlReply::success("disconnect of '" + *user + "' queued for " + std::to_string(ids.size()) +
                                     " devices; they run it at their next check-in (see command list)",
                                 Json{{"commands", ids}});
  }

  static ControlReply commandList(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant"});
    if (!s.isOk()) return fail(s);
    core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
    if (!t.isOk()) return fail(t.status());
    core::Result<core::Statement> st = p.db_.prepare(
        "SELECT id, device_id, kind, arguments, state, result, created_at, done_at FROM commands WHERE tenant_id = ? "
        "ORDER BY id DESC LIMIT 200");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, t->id);
    Json list = Json::array();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      list.push_back(Json{{"id", st->columnInt64(0)}, {"device", st->columnText(1)}, {"kind", st->columnText(2)},
                          {"arguments", Json::parse(st->columnText(3))}, {"state", st->columnText(4)},
                          {"result", st->columnText(5)}, {"created-at", iso(st->columnInt64(6))},
                          {"done-at", iso(st->columnInt64(7))}});
    }
    return ControlReply::success(std::to_string(list.size()) + " commands", list);
  }

  static ControlReply tokenCreate(Platform& p, const Json& args, const Caller& caller) {
    CommandArgs a(args);
    core::Status s = a.only({"tenant", "name", "ttl"});
    if (!s.isOk()) return fail(s);
    core::Result<std::optional<std::string>> ttlText = a.text("ttl");
    if (!ttlText.isOk()) return fail(ttlText.status());
    int64_t expiresAt = 0;
    if (*ttlText) {
      core::Result<int64_t> ttl = parseTtl(**ttlText);
      if (!ttl.isOk()) return fail(ttl.status());
      expiresAt = nowSeconds() + *ttl;
    }
    std::optional<std::string> tenantId;
    if (a.has("tenant")) {
      core::Result<TenantRow> t = tenantArg(p.db_, a, caller);
      if (!t.isOk()) return fail(t.status());
      tenantId = t->id;
    }
    core::Result<std::optional<std::string>> name = a.text("name");
    if (!name.isOk()) return fail(name.status());
    std::string id = "k-" + core::pki::randomHex(4);
    std::string secret = id + "." + core::pki::randomHex(24);
    core::Result<core::Statement> st = p.db_.prepare(
        "INSERT INTO tokens(id, tenant_id, name, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st.isOk()) return fail(st.status());
    st->bindText(1, id);
    if (tenantId) st->bindText(2, *tenantId);
    else st->bindNull(2);
    st->bindText(3, name->value_or("")).bindText(4, core::pki::sha256Hex(secret)).bindInt64(5, nowSeconds())
        .bindInt64(6, expiresAt);
    s = st->run();
    if (!s.isOk()) return fail(s);
    return ControlReply::success(std::string("token ") + id + (tenantId ? " for tenant " + *tenantId : " for the platform") +
                                     (expiresAt != 0 ? ", valid until " + iso(expiresAt) : std::string()) +
                                     " (shown once; keep it secret)",
                                 Json{{"id", id}, {"token", secret}, {"tenant", tenantId ? Json(*tenantId) : Json(nullptr)},
                                      {"expires-at", iso(expiresAt)}});
  }

  // Tokens without their secrets (only a hash is stored): who, since when, until when, last use.
  static ControlReply tokenList(Platform& p, const Json& args, const Caller&) {
    CommandArgs a(args);
    core::Status s = a.only({});
    if (!s.isOk()) return fail(s);
    core::Result<core::Statement> st = p.db_.prepare(
        "SELECT k.id, k.tenant_id, t.name, k.name, k.created_at, k.expires_at, k.revoked_at, k.last_used_at "
        "FROM tokens k LEFT JOIN tenants t ON t.id = k.tenant_id ORDER BY k.created_at, k.id");
    if (!st.isOk()) return fail(st.status());
    Json list = Json::array();
    int64_t now = nowSeconds();
    for (;;) {
      core::Result<bool> row = st->step();
      if (!row.isOk()) return fail(row.status());
      if (!*row) break;
      int64_t expires = st->columnInt64(5), revoked = st->columnInt64(6);
      std::string state = revoked != 0 ? "revoked" : (expires != 0 && expires <= now ? "expired" : "active");
      list.push_back(Json{{"id", st->columnText(0)},
                          {"tenant", st->columnIsNull(1) ? Json(nullptr) : Json(st->columnText(1))},
                          {"tenant-name", st->columnIsNull(1) ? Json(nullptr) : Json(st->columnText(2))},
                          {"name", st->columnText(3)}, {"created-at", iso(st->columnInt64(4))},
                          {"expires-at", iso(expires)}, {"revoked-at", iso(revoked)},
                          {"last-used-at", iso(st->columnInt64(7))}, {"state", state}});
    }
    return ControlReply::success(std::to_string(list.size()) + " tokens", list);
  }

  static ControlReply tokenRevoke(Platform& p, const Json& args, const Caller&) {
    CommandArgs a(args);
    core::Status s = a.only({"id"});
    if (!s.isOk()) return fail(s);
    core::Result<std::string> id = a.required("id");
    if (!id.isOk()) return fail(id.status());
    core::Result<core::Statement> st =
        p.db_.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
    if (!st.isOk()) return fail(st.status());
    st->bindInt64(1, nowSeconds()).bindText(2, *id);
    s = st->run();
    if (!s.isOk()) return fail(s);
    if (p.db_.changes() == 0) return fail(core::notFound("no active token '" + *id + "'"));
    return ControlReply::success("token " + *id + " revoked: it is refused from now on");
  }
};

const std::vector<Platform::CommandInfo>& Platform::commands() {
  using C = Commands;
  static const std::vector<CommandInfo> list = {
      {"tenant-add", "Add a tenant. Arguments: name, tier (free|basic|premium|enterprise), expires; demo (true: a 7-day demo with sample data).",
       false, false, &C::tenantAdd},
      {"tenant-list", "List tenants with tier, status, counts and license.", true, true, &C::tenantList},
      {"tenant-show", "One tenant. Arguments: tenant (name or id).", true, true, &C::tenantShow},
      {"tenant-set", "Change a tenant's name, tier or expiry (a new license is issued). Arguments: tenant, name, tier, expires.",
       false, false, &C::tenantSet},
      {"tenant-suspend", "Suspend a tenant: its boxes are refused by the device API. Arguments: tenant.", false, false,
       [](Platform& p, const Json& a, const Caller& c) { return C::tenantStatus(p, a, c, "suspended"); }},
      {"tenant-resume", "Resume a suspended tenant. Arguments: tenant.", false, false,
       [](Platform& p, const Json& a, const Caller& c) { return C::tenantStatus(p, a, c, "active"); }},
      {"license-show", "The tenant's current signed license. Arguments: tenant.", true, true, &C::licenseShow},
      {"claim-create", "A claim token for enrolling an appliance. Arguments: tenant, ttl (default 24h), uses (default 1).",
       true, false, &C::claimCreate},
      {"device-list", "Enrolled appliances. Arguments: tenant (optional).", true, true, &C::deviceList},
      {"device-show", "One appliance with its last reported state. Arguments: device.", true, true, &C::deviceShow},
      {"device-revoke", "Revoke an appliance's certificate at once. Arguments: device.", true, false, &C::deviceRevoke},
      {"device-rekey",
       "Make an appliance replace its key and certificate at its next check-in (a suspected key leak); the old "
       "certificate is refused once the new one is used. Arguments: device.",
       true, false, &C::deviceRekey},
      {"plan-add", "Add a plan for every box of the tenant. Arguments: tenant, then edgectl plan add's.", true, false,
       [](Platform& p, const Json& a, const Caller& c) { return C::planAdd(p, a, c, false); }},
      {"plan-set", "Change a plan. Arguments: tenant, name, then any plan-add argument.", true, false,
       [](Platform& p, const Json& a, const Caller& c) { return C::planAdd(p, a, c, true); }},
      {"plan-list", "The tenant's plans. Arguments: tenant.", true, true, &C::planList},
      {"plan-del", "Delete a plan no subscriber uses. Arguments: tenant, name.", true, false, &C::planDel},
      {"subscriber-add", "Add a subscriber on every box of the tenant. Arguments: tenant, then edgectl subscriber add's.",
       true, false, [](Platform& p, const Json& a, const Caller& c) { return C::subscriberAdd(p, a, c, false); }},
      {"subscriber-set", "Change a subscriber. Arguments: tenant, username, then any subscriber-add argument.", true, false,
       [](Platform& p, const Json& a, const Caller& c) { return C::subscriberAdd(p, a, c, true); }},
      {"subscriber-del", "Delete a subscriber. Arguments: tenant, username.", true, false, &C::subscriberDel},
      {"subscriber-list", "The tenant's subscribers (passwords are never shown). Arguments: tenant, plan, limit, offset.",
       true, true, &C::subscriberList},
      {"usage", "Usage totals per subscriber as received from the boxes. Arguments: tenant, user.", true, true,
       &C::usageQuery},
      {"session-list", "Closed sessions as the boxes summed them up, newest first. Arguments: tenant, user, limit.",
       true, true, &C::sessionList},
      {"session-disconnect", "Disconnect a subscriber's sessions on every box of the tenant. Arguments: tenant, user.",
       true, false, &C::sessionDisconnect},
      {"command-list", "Commands sent to the tenant's boxes and their results. Arguments: tenant.", true, true,
       &C::commandList},
      {"token-create",
       "An admin API token, for the platform or one tenant. Arguments: tenant (optional), name, ttl (optional, e.g. 90d).",
       false, false, &C::tokenCreate},
      {"token-list", "Admin API tokens (never their secrets): tenant, state, expiry, last use.", false, true,
       &C::tokenList},
      {"token-revoke", "Revoke an admin API token at once. Arguments: id.", false, false, &C::tokenRevoke},
  };
  return list;
}

Platform::Platform(const MgmtConfig& config, const Authority& authority, core::Database& db)
    : config_(config), authority_(authority), db_(db) {}

ControlReply Platform::call(const std::string& command, const Json& args, const Caller& caller) {
  for (const CommandInfo& c : commands()) {
    if (c.name != command) continue;
    if (!caller.platform() && !c.tenantAllowed) return ControlReply::error(core::permissionDenied("not allowed with a tenant's token"));
    Json a = args.is_null() ? Json::object() : args;
    if (!a.is_object()) return ControlReply::error("arguments must be an object");
    std::lock_guard<std::mutex> lock(mu_);
    return c.handler(*this, a, caller);
  }
  return ControlReply{core::kControlUnsupported, "unknown command '" + command + "'", nullptr};
}

// ---- device API -----------------------------------------------------------------------------------

ApiResult<core::sync::EnrollResponse> Platform::enroll(const core::sync::EnrollRequest& request, int64_t now) {
  using R = ApiResult<core::sync::EnrollResponse>;
  // The proof of possession first: a CSR whose signature does not match its key is refused before
  // the claim is looked at (and not used up).
  core::Result<core::pki::CsrInfo> csr = core::pki::verifyCsr(request.csr);
  if (!csr.isOk()) return R::fail(400, "csr: " + csr.status().message());
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.status().isOk()) return R::fail(503, tx.status().message());
  core::Result<core::Statement> st = db_.prepare(
      "SELECT c.id, c.tenant_id, c.uses_left, c.expires_at, t.status FROM claims c JOIN tenants t ON t.id = c.tenant_id "
      "WHERE c.secret_sha256 = ?");
  if (!st.isOk()) return R::fail(500, st.status().message());
  st->bindText(1, core::pki::sha256Hex(request.secret));
  core::Result<bool> row = st->step();
  if (!row.isOk()) return R::fail(500, row.status().message());
  if (!*row) return R::fail(403, "unknown claim token");
  std::string claimId = st->columnText(0), tenantId = st->columnText(1);
  int64_t usesLeft = st->columnInt64(2), expiresAt = st->columnInt64(3);
  std::string tenantStatus = st->columnText(4);
  st->reset();
  if (now >= expiresAt) return R::fail(403, "the claim token expired at " + iso(expiresAt) + ": create a new one");
  if (usesLeft <= 0) return R::fail(403, "the claim token has been used already: create a new one");
  if (tenantStatus != "active") return R::fail(403, "the tenant is suspended");
  core::Result<TenantRow> tenant = loadTenantById(db_, tenantId);
  if (!tenant.isOk()) return R::fail(500, tenant.status().message());

  std::string deviceId = "d-" + core::pki::randomHex(6);
  core::Result<std::string> cert = authority_.issueDevice(request.csr, deviceId, tenantId, now, config_.certificateDays);
  if (!cert.isOk()) return R::fail(400, "csr: " + cert.status().message());
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
  if (!info.isOk()) return R::fail(500, info.status().message());
  core::Result<core::Statement> use = db_.prepare("UPDATE claims SET uses_left = uses_left - 1 WHERE id = ?");
  if (!use.isOk()) return R::fail(500, use.status().message());
  use->bindText(1, claimId);
  core::Status s = use->run();
  core::Result<core::Statement> ins = db_.prepare(
      "INSERT INTO devices(id, tenant_id, hostname, claim_id, enrolled_at, cert_serial, cert_fingerprint, cert_not_before, "
      "cert_not_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s.isOk() || !ins.isOk()) return R::fail(500, (!s.isOk() ? s : ins.status()).message());
  ins->bindText(1, deviceId).bindText(2, tenantId).bindText(3, request.hostname.substr(0, 253)).bindText(4, claimId)
      .bindInt64(5, now).bindText(6, info->serialHex).bindText(7, info->fingerprint).bindInt64(8, info->notBefore)
      .bindInt64(9, info->notAfter);
  s = ins->run();
  if (s.isOk()) s = tx.commit();
  if (!s.isOk()) return R::fail(500, s.message());
  R r;
  r.value.deviceId = deviceId;
  r.value.tenantId = tenantId;
  r.value.tenantName = tenant->name;
  r.value.certificate = *cert;
  r.value.caCertificate = authority_.caCertPem();
  r.value.license = tenant->license;
  r.value.licenseKey = authority_.licensePublicKeyPem();
  r.value.pollInterval = config_.devicePollInterval;
  return r;
}

ApiResult<Device> Platform::authenticate(const std::string& certificateDer) {
  using R = ApiResult<Device>;
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(certificateDer);
  if (!info.isOk()) return R::fail(403, "the client certificate cannot be read");
  std::lock_guard<std::mutex> lock(mu_);
  core::Result<core::Statement> st = db_.prepare(
      "SELECT d.tenant_id, d.status, t.status, d.cert_fingerprint, d.cert_previous_fingerprint FROM devices d "
      "JOIN tenants t ON t.id = d.tenant_id WHERE d.id = ?");
  if (!st.isOk()) return R::fail(500, st.status().message());
  st->bindText(1, info->commonName);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return R::fail(500, row.status().message());
  if (!*row) return R::fail(403, "unknown device");
  R r;
  r.value.id = info->commonName;
  r.value.tenantId = st->columnText(0);
  if (st->columnText(1) != "active") return R::fail(403, "this device has been revoked");
  // The certificate names its tenant too; both must agree (a certificate is never re-homed).
  if (info->organizationalUnit != r.value.tenantId) return R::fail(403, "the certificate's tenant does not match");
  if (st->columnText(2) != "active") return R::fail(403, "the tenant is suspended");
  // The certificate must be the device's own: the current one, or the one it had before a renewal
  // until the renewed one is first used. Any other certificate the CA once issued for this device
  // (a leaked key, a superseded renewal) is refused.
  const std::string current = st->columnText(3), previous = st->columnText(4);
  r.value.certificateFingerprint = info->fingerprint;
  if (info->fingerprint != current && (previous.empty() || info->fingerprint != previous))
    return R::fail(403, "this certificate has been replaced by a newer one for the device");
  if (info->fingerprint == current && !previous.empty()) {
    core::Result<core::Statement> done =
        db_.prepare("UPDATE devices SET cert_previous_fingerprint = '' WHERE id = ? AND cert_fingerprint = ?");
    if (!done.isOk()) return R::fail(500, done.status().message());
    done->bindText(1, r.value.id).bindText(2, current);
    core::Status s = done->run();
    if (!s.isOk()) return R::fail(500, s.message());
  }
  return r;
}

ApiResult<core::sync::RenewResponse> Platform::renew(const Device& device, const core::sync::RenewRequest& request,
                                                     int64_t now) {
  using R = ApiResult<core::sync::RenewResponse>;
  core::Result<std::string> cert = authority_.issueDevice(request.csr, device.id, device.tenantId, now, config_.certificateDays);
  if (!cert.isOk()) return R::fail(400, "csr: " + cert.status().message());
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
  if (!info.isOk()) return R::fail(500, info.status().message());
  std::lock_guard<std::mutex> lock(mu_);
  // Renewing with the current certificate keeps it good until the new one is used; renewing again
  // with the previous one (the answer was lost) keeps that previous one and drops the lost one.
  core::Result<core::Statement> st = db_.prepare(
      "UPDATE devices SET cert_previous_fingerprint = CASE WHEN cert_fingerprint = ? THEN cert_fingerprint "
      "ELSE cert_previous_fingerprint END, cert_serial = ?, cert_fingerprint = ?, cert_not_before = ?, "
      "cert_not_after = ?, rekey_requested = 0 WHERE id = ?");
  if (!st.isOk()) return R::fail(500, st.status().message());
  st->bindText(1, device.certificateFingerprint).bindText(2, info->serialHex).bindText(3, info->fingerprint)
      .bindInt64(4, info->notBefore).bindInt64(5, info->notAfter).bindText(6, device.id);
  core::Status s = st->run();
  if (!s.isOk()) return R::fail(500, s.message());
  R r;
  r.value.certificate = *cert;
  return r;
}

ApiResult<core::sync::CheckinResponse> Platform::checkin(const Device& device, const core::sync::CheckinRequest& request,
                                                         int64_t now) {
  using R = ApiResult<core::sync::CheckinResponse>;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.status().isOk()) return R::fail(503, tx.status().message());
  core::Result<core::Statement> up = db_.prepare(
      "UPDATE devices SET last_checkin = ?, reported = ? WHERE id = ? RETURNING cert_not_before, cert_not_after, "
      "rekey_requested");
  if (!up.isOk()) return R::fail(500, up.status().message());
  up->bindInt64(1, now).bindText(2, core::sync::toJson(request).dump()).bindText(3, device.id);
  core::Result<bool> row = up->step();
  if (!row.isOk() || !*row) return R::fail(500, "device row missing");
  int64_t notBefore = up->columnInt64(0), notAfter = up->columnInt64(1);
  const bool rekey = up->columnInt64(2) != 0;
  up->reset();
  core::Result<TenantRow> tenant = loadTenantById(db_, device.tenantId);
  if (!tenant.isOk()) return R::fail(500, tenant.status().message());
  R r;
  r.value.pollInterval = config_.devicePollInterval;
  r.value.serverTime = now;
  r.value.cursor = tenant->version;
  if (request.licenseId != tenant->licenseId) r.value.license = tenant->license;
  // Renewal at two thirds of the certificate's life, or at once when an operator asked for a new key.
  r.value.renewCertificate = rekey || now >= notBefore + (notAfter - notBefore) * 2 / 3;
  core::Result<core::Statement> cmds = db_.prepare(
      "UPDATE commands SET state = 'sent' WHERE device_id = ? AND state IN ('pending', 'sent') RETURNING id, kind, arguments");
  if (!cmds.isOk()) return R::fail(500, cmds.status().message());
  cmds->bindText(1, device.id);
  for (;;) {
    core::Result<bool> c = cmds->step();
    if (!c.isOk()) return R::fail(500, c.status().message());
    if (!*c) break;
    core::sync::Command cmd;
    cmd.id = cmds->columnInt64(0);
    cmd.kind = cmds->columnText(1);
    cmd.arguments = Json::parse(cmds->columnText(2));
    r.value.commands.push_back(cmd);
  }
  core::Status s = tx.commit();
  if (!s.isOk()) return R::fail(503, s.message());
  std::sort(r.value.commands.begin(), r.value.commands.end(),
            [](const core::sync::Command& a, const core::sync::Command& b) { return a.id < b.id; });
  return r;
}

ApiResult<core::sync::ChangePage> Platform::changes(const Device& device, int64_t cursor, int64_t limit) {
  using R = ApiResult<core::sync::ChangePage>;
  std::lock_guard<std::mutex> lock(mu_);
  core::Result<TenantRow> tenant = loadTenantById(db_, device.tenantId);
  if (!tenant.isOk()) return R::fail(500, tenant.status().message());
  R r;
  // A cursor beyond the tenant's newest version (mgmt restored from an older backup): the box's
  // view cannot be patched, so it gets everything.
  bool full = cursor < 0 || cursor > tenant->version;
  r.value.full = full;
  // Plans before subscribers in a full page (subscribers name their plan); by version otherwise,
  // which is the order the changes were made in.
  core::Result<core::Statement> st = db_.prepare(
      full ? "SELECT 'plan', name, version, deleted, spec FROM plans WHERE tenant_id = ?1 AND deleted = 0 "
             "UNION ALL SELECT 'subscriber', username, version, deleted, spec FROM subscribers WHERE tenant_id = ?1 "
             "AND deleted = 0 ORDER BY 1, 3"
           : "SELECT * FROM (SELECT 'plan', name, version, deleted, spec FROM plans WHERE tenant_id = ?1 AND version > ?2 "
             "UNION ALL SELECT 'subscriber', username, version, deleted, spec FROM subscribers WHERE tenant_id = ?1 "
             "AND version > ?2) ORDER BY 3 LIMIT ?3");
  if (!st.isOk()) return R::fail(500, st.status().message());
  st->bindText(1, device.tenantId);
  if (!full) st->bindInt64(2, cursor).bindInt64(3, limit + 1);
  int64_t last = cursor;
  for (;;) {
    core::Result<bool> row = st->step();
    if (!row.isOk()) return R::fail(500, row.status().message());
    if (!*row) break;
    if (!full && static_cast<int64_t>(r.value.changes.size()) == limit) {
      r.value.more = true;
      break;
    }
    core::sync::Change c;
    c.kind = st->columnText(0);
    c.name = st->columnText(1);
    c.version = st->columnInt64(2);
    c.deleted = st->columnInt64(3) != 0;
    if (!c.deleted) c.spec = Json::parse(st->columnText(4));
    last = std::max(last, c.version);
    r.value.changes.push_back(std::move(c));
  }
  r.value.cursor = full ? tenant->version : last;
  return r;
}

ApiResult<core::sync::UsageAck> Platform::usage(const Device& device, const core::sync::UsageBatch& batch) {
  using R = ApiResult<core::sync::UsageAck>;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.status().isOk()) return R::fail(503, tx.status().message());
  core::Result<core::Statement> ins = db_.prepare(
      "INSERT INTO usage(device_id, seq, tenant_id, username, session, at, input_octets, output_octets, session_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  core::Result<core::Statement> total = db_.prepare(
      "INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, records, last_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) ON CONFLICT(tenant_id, username) DO UPDATE SET "
      "input_octets = input_octets + ?3, output_octets = output_octets + ?4, session_time = session_time + ?5, "
      "records = records + 1, last_at = max(last_at, ?6)");
  if (!ins.isOk() || !total.isOk()) return R::fail(500, (!ins.isOk() ? ins.status() : total.status()).message());
  R r;
  int64_t maxSeq = 0;
  for (const core::sync::UsageRow& u : batch.rows) {
    ins->reset(true);
    ins->bindText(1, device.id).bindInt64(2, u.seq).bindText(3, device.tenantId).bindText(4, u.username)
        .bindText(5, u.session).bindInt64(6, u.at).bindInt64(7, u.inputOctets).bindInt64(8, u.outputOctets)
        .bindInt64(9, u.sessionTime);
    core::Status s = ins->run();
    if (!s.isOk()) return R::fail(500, s.message());
    maxSeq = std::max(maxSeq, u.seq);
    if (db_.changes() == 0) {
      ++r.value.duplicates;
      continue;
    }
    ++r.value.accepted;
    total->reset(true);
    total->bindText(1, device.tenantId).bindText(2, u.username).bindInt64(3, u.inputOctets).bindInt64(4, u.outputOctets)
        .bindInt64(5, u.sessionTime).bindInt64(6, u.at);
    s = total->run();
    if (!s.isOk()) return R::fail(500, s.message());
  }
  int64_t maxSession = 0;
  core::Result<core::Statement> sess = db_.prepare(
      "INSERT INTO sessions(device_id, id, tenant_id, session, username, nas, started, stopped, input_octets, "
      "output_octets, session_time, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  if (!sess.isOk()) return R::fail(500, sess.status().message());
  for (const core::sync::SessionSummary& x : batch.sessions) {
    sess->reset(true);
    sess->bindText(1, device.id).bindInt64(2, x.id).bindText(3, device.tenantId).bindText(4, x.session)
        .bindText(5, x.username).bindText(6, x.nas).bindInt64(7, x.started).bindInt64(8, x.stopped)
        .bindInt64(9, x.inputOctets).bindInt64(10, x.outputOctets).bindInt64(11, x.sessionTime).bindText(12, x.closeReason);
    core::Status s = sess->run();
    if (!s.isOk()) return R::fail(500, s.message());
    maxSession = std::max(maxSession, x.id);
  }
  core::Result<core::Statement> wm = db_.prepare(
      "UPDATE devices SET usage_watermark = max(usage_watermark, ?), session_watermark = max(session_watermark, ?) "
      "WHERE id = ? RETURNING usage_watermark, session_watermark");
  if (!wm.isOk()) return R::fail(500, wm.status().message());
  wm->bindInt64(1, maxSeq).bindInt64(2, maxSession).bindText(3, device.id);
  core::Result<bool> row = wm->step();
  if (!row.isOk() || !*row) return R::fail(500, "device row missing");
  r.value.watermark = wm->columnInt64(0);
  r.value.sessionWatermark = wm->columnInt64(1);
  wm->reset();
  core::Status s = tx.commit();
  if (!s.isOk()) return R::fail(503, s.message());
  return r;
}

ApiResult<core::sync::EventAck> Platform::events(const Device& device, const core::sync::EventBatch& batch, int64_t now) {
  using R = ApiResult<core::sync::EventAck>;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.status().isOk()) return R::fail(503, tx.status().message());
  core::Result<TenantRow> tenant = loadTenantById(db_, device.tenantId);
  if (!tenant.isOk()) return R::fail(500, tenant.status().message());
  int64_t maxSeq = 0;
  for (const core::sync::Event& e : batch.events) {
    maxSeq = std::max(maxSeq, e.seq);
    core::Result<core::Statement> ins = db_.prepare(
        "INSERT INTO device_events(device_id, seq, tenant_id, at, kind, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (!ins.isOk()) return R::fail(500, ins.status().message());
    Json data = e.data;
    if (data.contains("password")) data["password"] = "(set)";  // the audit copy holds no secret
    ins->bindText(1, device.id).bindInt64(2, e.seq).bindText(3, device.tenantId).bindInt64(4, e.at).bindText(5, e.kind)
        .bindText(6, data.dump());
    core::Status s = ins->run();
    if (!s.isOk()) return R::fail(500, s.message());
    if (db_.changes() == 0) continue;  // a replay
    // A subscriber made on the box (a tech in the field) becomes a central one; from then on mgmt
    // owns it like any other, and it reaches the tenant's other boxes.
    std::string outcome = "recorded";
    if (e.kind == "subscriber-added" && e.data.contains("username") && e.data["username"].is_string() &&
        !Commands::loadSpec(*this, "subscribers", "username", device.tenantId, e.data["username"].get<std::string>()).isOk()) {
      core::Status put = Commands::putSubscriber(*this, *tenant, e.data, device.id, now);
      outcome = put.isOk() ? "subscriber created centrally" : "refused: " + put.message();
    }
    core::Result<core::Statement> out = db_.prepare("UPDATE device_events SET outcome = ? WHERE device_id = ? AND seq = ?");
    if (!out.isOk()) return R::fail(500, out.status().message());
    out->bindText(1, outcome).bindText(2, device.id).bindInt64(3, e.seq);
    s = out->run();
    if (!s.isOk()) return R::fail(500, s.message());
  }
  core::Result<core::Statement> wm = db_.prepare(
      "UPDATE devices SET event_watermark = max(event_watermark, ?) WHERE id = ? RETURNING event_watermark");
  if (!wm.isOk()) return R::fail(500, wm.status().message());
  wm->bindInt64(1, maxSeq).bindText(2, device.id);
  core::Result<bool> row = wm->step();
  if (!row.isOk() || !*row) return R::fail(500, "device row missing");
  R r;
  r.value.watermark = wm->columnInt64(0);
  wm->reset();
  core::Status s = tx.commit();
  if (!s.isOk()) return R::fail(503, s.message());
  return r;
}

ApiResult<bool> Platform::commandResult(const Device& device, const core::sync::CommandResult& result, int64_t now) {
  using R = ApiResult<bool>;
  std::lock_guard<std::mutex> lock(mu_);
  core::Result<core::Statement> st = db_.prepare(
      "UPDATE commands SET state = ?, result = ?, done_at = ? WHERE id = ? AND device_id = ?");
  if (!st.isOk()) return R::fail(500, st.status().message());
  st->bindText(1, result.ok ? "done" : "failed").bindText(2, result.text).bindInt64(3, now).bindInt64(4, result.id)
      .bindText(5, device.id);
  core::Status s = st->run();
  if (!s.isOk()) return R::fail(500, s.message());
  if (db_.changes() == 0) return R::fail(404, "no command " + std::to_string(result.id) + " for this device");
  R r;
  r.value = true;
  return r;
}

std::optional<Caller> Platform::tokenCaller(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  // A revoked or expired token is refused, and so is a tenant's token while the tenant is suspended.
  core::Result<core::Statement> st = db_.prepare(
      "SELECT k.id, k.tenant_id FROM tokens k LEFT JOIN tenants t ON t.id = k.tenant_id WHERE k.secret_sha256 = ? "
      "AND k.revoked_at = 0 AND (k.expires_at = 0 OR k.expires_at > ?) "
      "AND (k.tenant_id IS NULL OR t.status = 'active')");
  if (!st.isOk()) return std::nullopt;
  int64_t now = nowSeconds();
  st->bindText(1, core::pki::sha256Hex(token)).bindInt64(2, now);
  core::Result<bool> row = st->step();
  if (!row.isOk() || !*row) return std::nullopt;
  Caller caller{st->columnIsNull(1) ? "" : st->columnText(1)};
  std::string id = st->columnText(0);
  core::Result<core::Statement> used = db_.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?");
  if (used.isOk()) {
    // Once a minute is enough to tell a live token from a forgotten one.
    used->bindInt64(1, now).bindText(2, id).bindInt64(3, now - 60);
    (void)used->run();
  }
  return caller;
}

core::Status Platform::ensureAdminToken(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    core::Result<int64_t> n = db_.queryInt64("SELECT count(*) FROM tokens WHERE tenant_id IS NULL");
    if (!n.isOk()) return n.status();
    if (*n > 0) return core::Status::ok();
  }
  ControlReply r = call("token-create", Json{{"name", "first platform token"}}, Caller{});
  if (r.result != core::kControlSuccess) return core::internalError(r.text);
  std::string token = r.arguments["token"].get<std::string>() + "\n";
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return core::errnoStatus("writing " + path, errno);
  ::fchmod(fileno(f), 0600);
  bool ok = std::fwrite(token.data(), 1, token.size(), f) == token.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return core::ioError("writing " + path);
  return core::Status::ok();
}

Json Platform::statusJson() {
  std::lock_guard<std::mutex> lock(mu_);
  auto count = [this](const char* sql) { return db_.queryInt64(sql).valueOr(0); };
  return Json{{"tenants", count("SELECT count(*) FROM tenants")},
              {"devices", count("SELECT count(*) FROM devices WHERE status = 'active'")},
              {"devices-revoked", count("SELECT count(*) FROM devices WHERE status = 'revoked'")},
              {"subscribers", count("SELECT count(*) FROM subscribers WHERE deleted = 0")},
              {"usage-records", count("SELECT count(*) FROM usage")},
              {"ca-fingerprint", authority_.caFingerprint()}};
}

}  // namespace mgmt
