// Copying a platform (mgmt/transfer) from a SQLite source to the storage of this run (SQLite, or
// PostgreSQL in mgmt_transfer_tests_pg: the migration mgmtctl migrate does), verifying it, and the
// snapshot a copy or a backup starts from (mgmt/store/sqlite/sqlite_snapshot.h).
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <set>
#include <thread>

#include "mgmt/store/sqlite/sqlite_snapshot.h"
#include "mgmt/transfer/location.h"
#include "mgmt/transfer/platform_copy.h"
#include "mgmt/transfer/transfer_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;
using mgmt::store::Storage;
using mgmt::store::StorageConfig;
using mgmt::store::Transaction;

namespace {

// platformTables() is a lazy static: built before the leak checker looks.
const bool kWarm = mgmt::testing::warm() && !mgmt::transfer::platformTables().empty();

// A folder of the test's own, removed at the end.
struct TempFolder {
  std::string path;
  TempFolder() {
    char tmpl[] = "/tmp/mgmt-transfer-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    path = made != nullptr ? made : "/tmp/mgmt-transfer-failed";
  }
  ~TempFolder() { std::system(("rm -rf " + path).c_str()); }
};

StorageConfig sqliteAt(const std::string& path) {
  StorageConfig c;
  c.backend = mgmt::store::Backend::kSqlite;
  c.path = path;
  c.connections = 2;
  return c;
}

core::sync::UsageBatch usageRows(int64_t first, int64_t last, const std::string& who) {
  core::sync::UsageBatch b;
  b.idempotencyKey = "usage:" + std::to_string(first) + "-" + std::to_string(last);
  for (int64_t s = first; s <= last; ++s) {
    b.rows.push_back({s, 1000 + s, who + "-s" + std::to_string(s / 10), who + std::to_string(s % 5), 1000 * s + 7,
                      3 * s + 1, s % 60});
  }
  b.sessions.push_back({last, who + "-s", who + "0", "bras", 1000, 2000, 11, 22, 33, "user-request"});
  return b;
}

// Two tenants and a third that has nothing yet, plans and subscribers, three enrolled boxes with
// usage, sessions and an event, a claim left over, commands to the boxes, and admin tokens: a row in
// every table. Returns the devices' certificates by device id.
std::map<std::string, std::string> populate(Fixture& f) {
  const std::string acme = f.tenant("acme", "basic");
  f.tenant("globex", "free");
  f.tenant("initech", "premium");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "home"}, {"down", "10M"}, {"up", "2M"}}).result);
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "globex"}, {"name", "lite"}, {"down", "1M"}, {"up", "1M"}}).result);
  for (int i = 0; i < 30; ++i) {
    CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "a" + std::to_string(i)},
                                                 {"password", "pw"}, {"plan", "home"}})
                       .result);
  }
  std::map<std::string, std::string> certificates;
  const char* owners[] = {"acme", "acme", "globex"};
  int64_t last = 300;
  for (const char* owner : owners) {
    std::string certificate;
    mgmt::fleet::Device d = f.enroll(owner, &certificate);
    certificates[d.id] = certificate;
    // Two batches per box, of different lengths: the copy pages through (device, seq) keys.
    CHECK_TRUE(f.platform->usage.upload(d, usageRows(1, last, owner)).isOk());
    CHECK_TRUE(f.platform->usage.upload(d, usageRows(last + 1, last + 17, owner)).isOk());
    core::sync::EventBatch events;
    events.events.push_back({1, 1000, "tech-action", Json{{"action", "reboot"}}});
    CHECK_TRUE(f.platform->usage.events(d, events, f.now()).isOk());
    last += 111;
  }
  (void)f.claimSecret("initech");
  CHECK_EQUAL(0, f.call("session-disconnect", Json{{"tenant", "acme"}, {"user", "a1"}}).result);
  CHECK_EQUAL(0, f.call("token-create", Json{{"name", "ops"}}).result);
  CHECK_EQUAL(0, f.call("token-create", Json{{"tenant", "acme"}, {"name", "acme-ops"}}).result);
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Ana Silva"}, {"email", "ana@example.com"},
                                             {"tags", "vip"}, {"username", "a1"}})
                     .result);
  // The newer areas' rows (people and sign-in, audit, mail, onboarding, billing), written as rows:
  // what is tested here is that the copy carries them, not how their services make them.
  for (const std::string& sql : std::vector<std::string>{
           "INSERT INTO people (id, email, level, role, tenant_id, created_at, changed_at) "
           "VALUES ('p-1', 'owner@acme.example', 'tenant', 'owner', '" + acme + "', 1, 1)",
           "INSERT INTO recovery_codes (person_id, code_sha256) VALUES ('p-1', 'c0de')",
           "INSERT INTO auth_sessions (id, person_id, access_sha256, access_expires_at, refresh_sha256, "
           "refresh_expires_at, created_at, refreshed_at) VALUES ('s-1', 'p-1', 'a1', 2, 'r1', 3, 1, 1)",
           "INSERT INTO password_links (token_sha256, person_id, purpose, created_at, expires_at) "
           "VALUES ('l1', 'p-1', 'reset', 1, 2)",
           "INSERT INTO audit_log (at, actor, role, tenant_id, command, arguments, outcome) "
           "VALUES (1, 'owner@acme.example', 'owner', '" + acme + "', 'plan-add', '{}', 'ok')",
           "INSERT INTO tenant_branding (tenant_id, display_name, updated_at) VALUES ('" + acme + "', 'Acme', 1)",
           "INSERT INTO mail_templates (tenant_id, name, subject, body_text, body_html, updated_at) "
           "VALUES ('" + acme + "', 'reset', 's', 't', 'h', 1)",
           "INSERT INTO mail_outbox (tenant_id, recipient, template, subject, body_text, body_html, next_attempt_at, "
           "created_at) VALUES ('" + acme + "', 'owner@acme.example', 'reset', 's', 't', 'h', 1, 1)",
           "INSERT INTO signups (id, email, details, tier, scenario, verify_sha256, verify_expires_at, created_at) "
           "VALUES ('su-1', 'isp@example.com', '{}', 'basic', 'small', 'v1', 2, 1)",
           "INSERT INTO jobs (id, kind, created_at, updated_at) VALUES ('j-1', 'provision', 1, 1)",
           "INSERT INTO signup_funnel (week, started, verified) VALUES ('2026-01-05', 2, 1)",
           "INSERT INTO billing_settings (tenant_id, currency) VALUES ('" + acme + "', 'USD')",
           "INSERT INTO tax_rates (tenant_id, region, rate_bp) VALUES ('" + acme + "', '', 1600)",
           "INSERT INTO billing_customers (tenant_id, username) VALUES ('" + acme + "', 'a1')",
           "INSERT INTO subscriptions (id, tenant_id, username, period_months, anchor_day, prepaid, start_day, "
           "billed_until, created_at) VALUES ('sub-1', '" + acme + "', 'a1', 1, 1, 1, 20454, 20485, 1)",
           "INSERT INTO subscription_segments (subscription_id, from_day, plan, plan_version, price) "
           "VALUES ('sub-1', 20454, 'home', 1, 3000)",
           "INSERT INTO billed_periods (subscription_id, period_start, invoice_id) VALUES ('sub-1', 20454, 'inv-1')",
           "INSERT INTO charges (id, tenant_id, username, description, amount, day, invoice_id) "
           "VALUES ('ch-1', '" + acme + "', 'a1', 'installation', 5000, 20454, 'inv-1')",
           "INSERT INTO invoices (id, tenant_id, username, kind, status, number, currency, net, tax, total, created_at) "
           "VALUES ('inv-1', '" + acme + "', 'a1', 'invoice', 'issued', 1, 'USD', 8000, 1280, 9280, 1)",
           "INSERT INTO invoice_lines (invoice_id, line, description, amount) VALUES ('inv-1', 1, 'home', 3000)",
           "INSERT INTO ledger_entries (tenant_id, id, at, kind, ref) VALUES ('" + acme + "', 1, 1, 'invoice', 'inv-1')",
           "INSERT INTO ledger_lines (tenant_id, entry_id, account, amount) VALUES ('" + acme + "', 1, 'receivable', 9280)",
           "INSERT INTO ledger_balances (tenant_id, account, balance) VALUES ('" + acme + "', 'receivable', 9280)",
           "INSERT INTO payments (id, tenant_id, username, method, amount, currency, idempotency_key, day, created_at) "
           "VALUES ('pay-1', '" + acme + "', 'a1', 'cash', 1000, 'USD', 'k1', 20455, 1)",
           "INSERT INTO payment_allocations (payment_id, invoice_id, amount) VALUES ('pay-1', 'inv-1', 1000)",
           "INSERT INTO invoice_mailing (tenant_id, mailed_through, updated_at) VALUES ('" + acme + "', 1, 1)",
           // Payments that arrive by themselves (migration 11).
           "INSERT INTO payment_providers (tenant_id, secret_key, webhook_secret, updated_at) "
           "VALUES ('" + acme + "', 'sk_test_0123456789abcdef', 'whsec_0123456789abcdef', 1)",
           "INSERT INTO checkout_sessions (tenant_id, id, invoice_id, amount, currency, url, idempotency_key, created_at) "
           "VALUES ('" + acme + "', 'cs_1', 'inv-1', 8280, 'USD', 'https://pay/cs_1', 'checkout-inv-1-8280', 1)",
           "INSERT INTO webhook_events (tenant_id, event_id, type, payment_id, received_at) "
           "VALUES ('" + acme + "', 'evt_1', 'checkout.session.completed', 'pay-1', 1)",
           "INSERT INTO webhook_signatures (tenant_id, signature, signed_at) VALUES ('" + acme + "', 'ab12', 1)",
           "INSERT INTO bank_statements (tenant_id, id, format, statement_id, lines, imported_at) "
           "VALUES ('" + acme + "', 'imp-1', 'camt053', 'S1', 1, 1)",
           "INSERT INTO bank_lines (tenant_id, ref, import_id, day, amount, currency, state) "
           "VALUES ('" + acme + "', 'BANK-1', 'imp-1', 20455, 500, 'USD', 'review')",
           // Import batches (migration 13).
           "INSERT INTO import_batches (tenant_id, id, source, state, created_at, rows_done, rows_total, updated_at) "
           "VALUES ('" + acme + "', 'ib-1', 'freeradius-users', 'applied', 1, 3, 3, 2)",  // progress: migration 27
           // Dunning (migration 14).
           "INSERT INTO dunning_policies (tenant_id, steps, updated_at) "
           "VALUES ('" + acme + "', '[{\"after-days\": 3, \"action\": \"remind\", \"mail\": \"dunning-reminder\"}]', 1)",
           "INSERT INTO dunning_state (tenant_id, subscription_id, username, step, action, past_due_since, updated_at) "
           "VALUES ('" + acme + "', 'sub-1', 'a1', 1, 'remind', 20460, 1)",
           "INSERT INTO dunning_log (tenant_id, subscription_id, username, from_step, from_action, to_step, to_action, "
           "day, at, reason) VALUES ('" + acme + "', 'sub-1', 'a1', 0, '', 1, 'remind', 20463, 1, '3 days past due')",
           // Partners and the commission ledger (migration 9).
           "INSERT INTO partners (id, scope, name, type, tier, currency, referral_code, created_at) "
           "VALUES ('pa-1', '', 'Resell', 'distributor', 'gold', 'USD', 'R1', 1)",
           "INSERT INTO partner_tiers (partner_id, from_day, tier) VALUES ('pa-1', 20454, 'gold')",
           "INSERT INTO commission_plans (scope, name, spec, created_at) VALUES ('', 'std', '{}', 1)",
           "INSERT INTO partner_plans (partner_id, from_day, plan, spec) VALUES ('pa-1', 20454, 'std', '{}')",
           "INSERT INTO attributions (tenant_id, username, from_day, partner_id, source, created_at) "
           "VALUES ('" + acme + "', 'a1', 20454, 'pa-1', 'hand', 1)",
           "INSERT INTO commission_state (partner_id, next_seq, exact_total) VALUES ('pa-1', 2, 800000)",
           "INSERT INTO commission_entries (partner_id, seq, kind, amount, exact, day, period, release_day, tenant_id, "
           "username, invoice_id, payment_id, base, note, ref, created_at) VALUES ('pa-1', 1, 'accrual', 80, 800000, "
           "20455, 202601, 20485, '" + acme + "', 'a1', 'inv-1', 'pay-1', 862, 'percent', 'pay:pay-1:inv-1:percent', 1)",
           "INSERT INTO commission_invoices (partner_id, invoice_id, paid, base) VALUES ('pa-1', 'inv-1', 1000, 862)",
           "INSERT INTO commission_volumes (partner_id, period, volume) VALUES ('pa-1', 202601, 862)",
           "INSERT INTO commission_progress (tenant_id, last_entry) VALUES ('" + acme + "', 1)",
           "INSERT INTO commission_payouts (id, partner_id, amount, currency, status, end_to_end_id, approved_day, "
           "created_at) VALUES ('po-1', 'pa-1', 80, 'USD', 'approved', 'E2E-1', 20500, 1)",
           "INSERT INTO commission_statements (partner_id, period, opening, accrued, clawed_back, bonus, paid_out, "
           "closing, on_hold, payable, created_at) VALUES ('pa-1', 202601, 0, 80, 0, 0, 0, 80, 80, 0, 1)",
           "INSERT INTO payout_accounts (scope, name, iban, bic, updated_at) "
           "VALUES ('', 'Platform Ltd', 'DE89370400440532013000', 'COBADEFFXXX', 1)",
           // Firmware catalog and rollouts (migration 16).
           "INSERT INTO firmware_releases (version, channel, hardware, security_floor, size, sha256, path, created_at) "
           "VALUES ('1.2.0', 'stable', '[\"x86-64\"]', '1.0.0', 4096, 'ab', '/var/lib/mgmtd/firmware/1.2.0', 1)",
           "INSERT INTO maintenance_windows (tenant_id, spec, updated_at) VALUES ('" + acme + "', 'Mon-Fri 01:00-05:00 UTC', 1)",
           "INSERT INTO rollouts (id, tenant_id, version, state, rings, failure_percent, report_seconds, created_at, "
           "updated_at) VALUES ('ro-1', '" + acme + "', '1.2.0', 'running', '[{\"percent\":100}]', 20, 3600, 1, 1)",
           "INSERT INTO rollout_devices (rollout_id, device_id, tenant_id, ring, state, updated_at) "
           "VALUES ('ro-1', 'd-1', '" + acme + "', 0, 'offered', 1)",
           // Monitoring and notifications (migration 17).
           "INSERT INTO fleet_alerts (id, tenant_id, device_id, kind, state, affected, opened_at) "
           "VALUES (1, '" + acme + "', 'd-1', 'offline', 'open', 1, 1)",
           "INSERT INTO alert_customers (alert_id, tenant_id, customer_id, username) VALUES (1, '" + acme + "', 'c-1', 'a1')",
           "INSERT INTO notification_settings (tenant_id, settings, updated_at) VALUES ('" + acme + "', '{}', 1)",
           "INSERT INTO notification_prefs (tenant_id, customer_id, channel, updated_at) VALUES ('" + acme + "', 'c-1', 'sms', 1)",
           "INSERT INTO planned_maintenance (id, tenant_id, starts_at, ends_at, devices, state, created_at) "
           "VALUES (1, '" + acme + "', 10, 20, '[\"d-1\"]', 'scheduled', 1)",
           "INSERT INTO notifications (id, tenant_id, source, source_id, event, customer_id, channel, recipient, body, "
           "state, next_attempt_at, created_at) VALUES (1, '" + acme + "', 'alert', 1, 'opened', 'c-1', 'sms', "
           "'+15550100', 'down', 'sent', 1, 1)",
           // Top-ups bought in self-care and the provider's refunds and chargebacks (migration 22).
           "INSERT INTO topup_products (tenant_id, name, description, bytes, price, updated_at) "
           "VALUES ('" + acme + "', '1gb', 'one gigabyte', 1000000000, 500, 1)",
           "INSERT INTO topup_orders (tenant_id, id, username, product, bytes, amount, currency, state, created_at) "
           "VALUES ('" + acme + "', 'to-1', 'a1', '1gb', 1000000000, 600, 'EUR', 'paid', 1)",
           "INSERT INTO payment_reversals (tenant_id, id, payment_id, kind, provider_ref, amount, created_at) "
           "VALUES ('" + acme + "', 'rv-1', 'pay-1', 'refund', 're_1', 600, 1)",
           // The partner programme (migration 21).
           "INSERT INTO partner_territories (id, partner_id, scope, country, region, exclusive, created_at) "
           "VALUES (1, 'pa-1', '', 'DE', 'Bavaria', 1, 1)",
           "INSERT INTO partner_applications (id, scope, name, company, email, type, country, status, created_at) "
           "VALUES ('app-1', '', 'Ana', 'Ana GmbH', 'ana@example.com', 'referral', 'DE', 'pending', 1)",
           "INSERT INTO partner_agreements (version, title, body, created_at) VALUES (1, 'Terms', 'text', 1)",
           "INSERT INTO partner_acceptances (partner_id, version, person, accepted_at) VALUES ('pa-1', 1, 'p-1', 1)",
           "INSERT INTO partner_tier_rules (scope, rules, updated_at) VALUES ('', '[]', 1)",
           "INSERT INTO partner_referral_visits (partner_id, day, visitor, visited_at) VALUES ('pa-1', 20000, 'v-1', 1)",
           // A reseller's brand (migration 25); its logo's bytes are filled with the tenant's below.
           "INSERT INTO partner_branding (partner_id, display_name, primary_colour, accent_colour, updated_at) "
           "VALUES ('pa-1', 'Resell Net', '#102030', '#405060', 1)",
           // The boxes' network devices (migration 23).
           "INSERT INTO network_devices (box_id, name, tenant_id, nas, kind, reachable, since, uptime, interfaces_down, "
           "updated_at) VALUES ('d-1', 'sw1', '" + acme + "', 'bras', 'switch', 0, 5, 100, '[\"ge-0/0/1\"]', 6)",
           // Sites and links of network devices (migration 26).
           "INSERT INTO network_inventory (box_id, name, tenant_id, site, upstream, note, updated_at, updated_by) "
           "VALUES ('d-1', 'sw1', '" + acme + "', 'Hill Road', 'r1', 'rack 2', 7, 'ops')",
           "INSERT INTO box_sites (box_id, tenant_id, site, updated_at) VALUES ('d-1', '" + acme + "', 'Hill Road', 8)",
           // The sessions open on a box (migration 28) and the daily insight run (migration 29).
           "INSERT INTO box_live_sessions (box_id, tenant_id, sessions, omitted, live, changed_at) VALUES ('d-1', '" + acme +
               "', 1, 0, '[{\"nas\":\"bras\",\"users\":[\"carol\"]}]', 9)",
           "INSERT INTO insight_runs (day, started_at, finished_at, attempts, outcome, detail) "
           "VALUES (20454, 10, 11, 1, 'ok', 'collected')",
           // A refund started from mgmt, by its key (migration 30).
           "INSERT INTO refund_requests (tenant_id, request_key, payment_id, refund_id, amount, created_at) VALUES ('" + acme +
               "', 'form-1', 'pay-1', 're_1', 500, 12)"}) {
    core::Status s = f.storage->transact([&sql](Transaction& tx) { return tx.exec(sql).status(); });
    CHECK_TRUE_TEXT(s.isOk(), (sql + ": " + s.toString()).c_str());
  }
  // Insight (migration 7): the days' features are bytes, bound as such on both backends.
  core::Status insight = f.storage->transact([&acme](Transaction& tx) -> core::Status {
    const mgmt::store::Value features{mgmt::store::Value::Bytes{std::string("\x01\x00\x80\x7f", 4)}};
    for (const auto& [sql, params] : std::vector<std::pair<std::string, mgmt::store::Params>>{
             {"INSERT INTO insight_customer_days (tenant_id, customer_id, day, features) VALUES ($1, 'c-1', 20454, $2)",
              {acme, features}},
             {"INSERT INTO insight_tenant_days (tenant_id, day, features) VALUES ($1, 20454, $2)", {acme, features}},
             {"INSERT INTO insight_models (tenant_id, trained_at, examples, model) VALUES ($1, 1, 10, 'm')", {acme}},
             {"INSERT INTO insight_scores (tenant_id, customer_id, score, factors, scored_at) "
              "VALUES ($1, 'c-1', 80, 'usage down', 1)",
              {acme}},
             // A tenant's uploaded logo (migration 18): its bytes too.
             {"INSERT INTO tenant_logos (tenant_id, content_type, width, height, sha256, bytes, updated_at) "
              "VALUES ($1, 'image/png', 1, 1, 'ab', $2, 1)",
              {acme, features}},
             // A reseller's logo (migration 25).
             {"INSERT INTO partner_logos (partner_id, content_type, width, height, sha256, bytes, updated_at) "
              "VALUES ('pa-1', 'image/png', 1, 1, 'cd', $1, 1)",
              {features}}}) {
      core::Result<int64_t> n = tx.exec(sql, params);
      if (!n.isOk()) return n.status();
    }
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(insight.isOk(), insight.toString().c_str());
  return certificates;
}

int64_t rowsOf(const mgmt::transfer::VerifyReport& report, const std::string& table) {
  for (const auto& t : report.tables)
    if (t.table == table) return t.target;
  return -1;
}

core::Status execOn(Storage& storage, const std::string& sql) {
  return storage.transact([&sql](Transaction& tx) { return tx.exec(sql).status(); });
}

}  // namespace

TEST_GROUP(PlatformCopy){};

TEST(PlatformCopy, CopiesAPopulatedPlatformThatAnswersAsBeforeOnTheTarget) {
  TempFolder tmp;
  const StorageConfig sourceConfig = sqliteAt(tmp.path + "/source.db");
  Fixture source(&sourceConfig);
  std::map<std::string, std::string> certificates = populate(source);
  mgmt::store::testing::TestStorage targetStorage;
  std::unique_ptr<Storage> target = targetStorage.open(mgmt::mgmtStorageMigrations()).value();

  std::vector<mgmt::transfer::Progress> progress;
  mgmt::transfer::CopyOptions options;
  options.batchRows = 64;  // several batches for usage: the (device, seq) key pages across devices
  core::Result<mgmt::transfer::CopyReport> copied = mgmt::transfer::copyPlatform(
      *source.storage, *target, options, [&progress](const mgmt::transfer::Progress& p) { progress.push_back(p); });
  CHECK_TRUE_TEXT(copied.isOk(), copied.status().toString().c_str());
  CHECK_EQUAL(mgmt::transfer::platformTables().size(), copied->tables.size());
  // PostgreSQL identity columns set past the copied ids: commands, audit_log, mail_outbox, dunning_log,
  // fleet_alerts, planned_maintenance and notifications.
  CHECK_EQUAL(targetStorage.config().backend == mgmt::store::Backend::kPostgres ? 8 : 0, copied->identities);
  CHECK_EQUAL(0, copied->deleted);
  // Usage: 317 + 428 + 539 rows, reported batch by batch up to the total.
  int64_t usageDone = 0, usageTotal = 0, usageReports = 0;
  for (const auto& p : progress) {
    if (p.table != "usage") continue;
    CHECK_TRUE(p.done >= usageDone);
    usageDone = p.done;
    usageTotal = p.total;
    ++usageReports;
  }
  CHECK_EQUAL(317 + 428 + 539, usageTotal);
  CHECK_EQUAL(usageTotal, usageDone);
  CHECK_TRUE(usageReports > 20);

  core::Result<mgmt::transfer::VerifyReport> verified = mgmt::transfer::verifyPlatform(*source.storage, *target);
  CHECK_TRUE_TEXT(verified.isOk(), verified.status().toString().c_str());
  CHECK_TRUE_TEXT(verified->ok(), verified->status().toString().c_str());
  CHECK_EQUAL(3, verified->devices);
  CHECK_EQUAL(2, verified->tenants);
  for (const auto& t : verified->tables) {
    CHECK_TRUE_TEXT(t.source > 0, ("nothing in " + t.table + ": the test should fill every table").c_str());
    CHECK_EQUAL(t.source, t.target);
  }
  CHECK_EQUAL(317 + 428 + 539, rowsOf(*verified, "usage"));

  // A platform on the copy, with the same CA and keys, answers as the source does.
  const StorageConfig again = sourceConfig;
  Fixture before(&again, source.dir);
  Fixture after(&targetStorage.config(), source.dir);
  before.clock.setWall(source.now() * 1000);  // answers that say "seconds ago" ask at the same time
  after.clock.setWall(source.now() * 1000);
  for (const char* command : {"tenant-list", "device-list", "token-list"}) {
    STRCMP_EQUAL(before.call(command, Json::object()).arguments.dump().c_str(),
                 after.call(command, Json::object()).arguments.dump().c_str());
  }
  for (const char* tenant : {"acme", "globex", "initech"}) {
    for (const char* command : {"usage", "plan-list", "subscriber-list", "session-list", "command-list", "license-show"}) {
      core::ControlReply a = before.call(command, Json{{"tenant", tenant}});
      core::ControlReply b = after.call(command, Json{{"tenant", tenant}});
      CHECK_EQUAL(a.result, b.result);
      STRCMP_EQUAL(a.arguments.dump().c_str(), b.arguments.dump().c_str());
    }
  }
  // The boxes' certificates still name their devices; their watermarks came along.
  for (const auto& [id, certificate] : certificates) {
    core::Result<mgmt::fleet::Device> d = after.platform->fleet.authenticate(core::pki::certificateInfo(certificate)->pem);
    CHECK_TRUE_TEXT(d.isOk(), d.status().toString().c_str());
    STRCMP_EQUAL(id.c_str(), d->id.c_str());
    core::Result<core::sync::UsageAck> replay = after.platform->usage.upload(*d, usageRows(1, 10, "x"));
    CHECK_EQUAL(0, replay->accepted);
    CHECK_EQUAL(10, replay->duplicates);
  }
  // New rows with an identity take ids after the copied ones (PostgreSQL's sequence was moved).
  core::ControlReply listed = after.call("command-list", Json{{"tenant", "acme"}});
  std::set<int64_t> ids;
  for (const Json& c : listed.arguments) ids.insert(c["id"].get<int64_t>());
  CHECK_EQUAL(0, after.call("session-disconnect", Json{{"tenant", "acme"}, {"user", "a2"}}).result);
  for (const Json& c : after.call("command-list", Json{{"tenant", "acme"}}).arguments) {
    if (ids.count(c["id"].get<int64_t>()) == 0) CHECK_TRUE(c["id"].get<int64_t>() > *ids.rbegin());
  }
  CHECK_EQUAL(ids.size() * 2, after.call("command-list", Json{{"tenant", "acme"}}).arguments.size());
}

TEST(PlatformCopy, ANonEmptyTargetIsRefusedUnlessItsContentIsReplaced) {
  TempFolder tmp;
  const StorageConfig sourceConfig = sqliteAt(tmp.path + "/source.db");
  Fixture source(&sourceConfig);
  populate(source);
  mgmt::store::testing::TestStorage targetStorage;
  std::unique_ptr<Storage> target = targetStorage.open(mgmt::mgmtStorageMigrations()).value();
  CHECK_TRUE(mgmt::transfer::copyPlatform(*source.storage, *target, {}).isOk());
  // One more row in the source: the second copy must bring the source's state, not add to the first.
  source.tenant("hooli", "free");

  core::Result<mgmt::transfer::CopyReport> again = mgmt::transfer::copyPlatform(*source.storage, *target, {});
  CHECK_TRUE(again.status().code() == core::Code::kFailedPrecondition);
  // Rows of tenants: the three tenants and the platform's biller row (ADR 0071: tenants are billed).
  CHECK_TRUE_TEXT(again.status().message().find("tenants 4") != std::string::npos, again.status().message().c_str());
  CHECK_FALSE(mgmt::transfer::verifyPlatform(*source.storage, *target)->ok());

  mgmt::transfer::CopyOptions replace;
  replace.replace = true;
  core::Result<mgmt::transfer::CopyReport> replaced = mgmt::transfer::copyPlatform(*source.storage, *target, replace);
  CHECK_TRUE_TEXT(replaced.isOk(), replaced.status().toString().c_str());
  CHECK_TRUE(replaced->deleted > 1000);
  core::Result<mgmt::transfer::VerifyReport> verified = mgmt::transfer::verifyPlatform(*source.storage, *target);
  CHECK_TRUE_TEXT(verified->ok(), verified->status().toString().c_str());
  CHECK_EQUAL(5, rowsOf(*verified, "tenants"));  // four tenants and the platform's biller row
}

TEST(PlatformCopy, VerificationNamesTheTableDeviceAndTenantThatDiffer) {
  TempFolder tmp;
  const StorageConfig sourceConfig = sqliteAt(tmp.path + "/source.db");
  Fixture source(&sourceConfig);
  std::map<std::string, std::string> certificates = populate(source);
  mgmt::store::testing::TestStorage targetStorage;
  std::unique_ptr<Storage> target = targetStorage.open(mgmt::mgmtStorageMigrations()).value();
  CHECK_TRUE(mgmt::transfer::copyPlatform(*source.storage, *target, {}).isOk());
  const std::string device = certificates.begin()->first;

  // One byte more in one usage row: same row counts, different sums for that device and its tenant.
  CHECK_TRUE(execOn(*target, "UPDATE usage SET output_octets = output_octets + 1 WHERE device_id = '" + device +
                                 "' AND seq = 5")
                 .isOk());
  core::Result<mgmt::transfer::VerifyReport> report = mgmt::transfer::verifyPlatform(*source.storage, *target);
  CHECK_TRUE(report.isOk());
  CHECK_FALSE(report->ok());
  CHECK_TRUE(report->status().code() == core::Code::kCorrupt);
  CHECK_EQUAL(2u, report->mismatches.size());
  CHECK_TRUE_TEXT(report->mismatches[0].find("usage of device " + device) == 0, report->mismatches[0].c_str());
  CHECK_TRUE_TEXT(report->mismatches[1].find("usage of tenant ") == 0, report->mismatches[1].c_str());

  // A session gone: its table's count differs.
  CHECK_TRUE(execOn(*target, "UPDATE usage SET output_octets = output_octets - 1 WHERE device_id = '" + device +
                                 "' AND seq = 5")
                 .isOk());
  CHECK_TRUE(execOn(*target, "DELETE FROM sessions WHERE device_id = '" + device + "'").isOk());
  report = mgmt::transfer::verifyPlatform(*source.storage, *target);
  CHECK_EQUAL(1u, report->mismatches.size());
  STRCMP_EQUAL("table sessions: 6 rows in the source, 4 in the target", report->mismatches[0].c_str());
}

TEST(PlatformCopy, ATableTheCopyDoesNotKnowStopsItBeforeAnyRowIsWritten) {
  TempFolder tmp;
  const StorageConfig sourceConfig = sqliteAt(tmp.path + "/source.db");
  Fixture source(&sourceConfig);
  source.tenant("acme", "basic");
  CHECK_TRUE(execOn(*source.storage, "CREATE TABLE not_a_mgmt_table (id TEXT PRIMARY KEY)").isOk());
  mgmt::store::testing::TestStorage targetStorage;
  std::unique_ptr<Storage> target = targetStorage.open(mgmt::mgmtStorageMigrations()).value();
  core::Result<mgmt::transfer::CopyReport> copied = mgmt::transfer::copyPlatform(*source.storage, *target, {});
  CHECK_TRUE(copied.status().code() == core::Code::kFailedPrecondition);
  CHECK_TRUE_TEXT(copied.status().message().find("'not_a_mgmt_table'") != std::string::npos, copied.status().message().c_str());
  CHECK_EQUAL(0, rowsOf(*mgmt::transfer::verifyPlatform(*target, *target), "tenants"));
}

TEST_GROUP(SqliteSnapshot){};

// The snapshot is one point in time: a transaction open in the source while it is taken is not in it,
// and the writer is not held up (it commits after the snapshot while the snapshot's reader is done).
TEST(SqliteSnapshot, HoldsWhatWasCommittedAndNothingOfAnOpenTransaction) {
  TempFolder tmp;
  const StorageConfig sourceConfig = sqliteAt(tmp.path + "/mgmt.db");
  Fixture source(&sourceConfig);
  populate(source);
  std::promise<void> writing, snapshotTaken;
  std::thread writer([&] {
    core::Status s = source.storage->transact([&](Transaction& tx) -> core::Status {
      EDGE_RETURN_IF_ERROR(tx.exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) "
                                   "VALUES ('t-open', 'open', 'free', 1, 2)")
                               .status());
      writing.set_value();
      snapshotTaken.get_future().wait();
      return core::Status::ok();
    });
    CHECK_TRUE(s.isOk());
  });
  writing.get_future().wait();
  const std::string file = tmp.path + "/backup.db";
  core::Result<int64_t> size = mgmt::store::sqlite::snapshotSqlite(sourceConfig.path, file, mgmt::mgmtStorageMigrations());
  snapshotTaken.set_value();
  writer.join();
  CHECK_TRUE_TEXT(size.isOk(), size.status().toString().c_str());
  CHECK_TRUE(*size > 0);
  CHECK_EQUAL(-1, ::access((file + ".tmp").c_str(), F_OK));
  struct stat st {};
  CHECK_EQUAL(0, ::stat(file.c_str(), &st));
  CHECK_EQUAL(0600, st.st_mode & 0777);  // it holds what mgmt.db holds

  const StorageConfig copyConfig = sqliteAt(file);
  std::unique_ptr<Storage> copy = Storage::open(copyConfig, mgmt::mgmtStorageMigrations()).value();
  core::Result<mgmt::transfer::VerifyReport> report = mgmt::transfer::verifyPlatform(*source.storage, *copy);
  CHECK_EQUAL(1u, report->mismatches.size());  // the tenant committed after the snapshot
  // (three tenants and the platform's biller row, ADR 0071, then the one committed after)
  STRCMP_EQUAL("table tenants: 5 rows in the source, 4 in the target", report->mismatches[0].c_str());
  CHECK_TRUE(execOn(*source.storage, "DELETE FROM tenants WHERE id = 't-open'").isOk());
  CHECK_TRUE(mgmt::transfer::verifyPlatform(*source.storage, *copy)->ok());

  // A backup never overwrites a file.
  core::Result<int64_t> again = mgmt::store::sqlite::snapshotSqlite(sourceConfig.path, file, mgmt::mgmtStorageMigrations());
  CHECK_TRUE(again.status().code() == core::Code::kAlreadyExists);
  core::Result<int64_t> missing =
      mgmt::store::sqlite::snapshotSqlite(tmp.path + "/none.db", tmp.path + "/x.db", mgmt::mgmtStorageMigrations());
  CHECK_TRUE(missing.status().code() == core::Code::kNotFound);
}

TEST_GROUP(Location){};

TEST(Location, SqliteAndPostgresLocationsAndNothingElse) {
  core::Result<StorageConfig> s = mgmt::transfer::parseLocation("sqlite:/var/lib/mgmtd/mgmt.db");
  CHECK_TRUE(s.isOk());
  CHECK_TRUE(s->backend == mgmt::store::Backend::kSqlite);
  STRCMP_EQUAL("/var/lib/mgmtd/mgmt.db", s->path.c_str());
  core::Result<StorageConfig> k = mgmt::transfer::parseLocation("postgres:host=/tmp dbname=mgmt password=s3cret");
  CHECK_TRUE(k->backend == mgmt::store::Backend::kPostgres);
  STRCMP_EQUAL("host=/tmp dbname=mgmt password=s3cret", k->dsn.c_str());
  STRCMP_EQUAL("postgres:host=/tmp dbname=mgmt password=***", mgmt::transfer::describeLocation(*k).c_str());
  core::Result<StorageConfig> uri = mgmt::transfer::parseLocation("postgresql://mgmt:s3cret@db.example/mgmt");
  STRCMP_EQUAL("postgresql://mgmt:s3cret@db.example/mgmt", uri->dsn.c_str());
  STRCMP_EQUAL("postgres:postgresql://mgmt:***@db.example/mgmt", mgmt::transfer::describeLocation(*uri).c_str());
  STRCMP_EQUAL("postgres://db/mgmt", mgmt::transfer::parseLocation("postgres://db/mgmt")->dsn.c_str());
  for (const char* bad : {"", "sqlite:", "postgres:", "mysql:db", "/var/lib/mgmtd/mgmt.db", "sqlite:/a\nb"}) {
    CHECK_TRUE_TEXT(mgmt::transfer::parseLocation(bad).status().code() == core::Code::kInvalidArgument, bad);
  }
}
