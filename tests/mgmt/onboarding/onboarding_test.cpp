// ISP self-registration and demo tenants on the storage of this run (ADR 0029): the signup body's
// checks, verification by the emailed link (once, expiring), provisioning as a job with steps and the
// scenario's counts, conversion to paid dropping exactly the samples, and the demo lifecycle with a
// manual clock (activity, reminder, lock, purge).
#include <map>

#include "mgmt/api/rate_limit.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/onboarding/onboarding_service.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/onboarding/signup_request.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::mail::OutboxMessage;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

Json body(const std::string& email = "Owner@Harbour.example", const std::string& scenario = "small") {
  return Json{{"business-name", "Harbour Net"},  {"registration-id", "CPR/2019/1234"}, {"tax-id", "P051234567X"},
              {"contact-name", "Amina Otieno"},  {"email", email},                     {"phone", "+254 700 000000"},
              {"country", "ke"},                 {"region", "Mombasa"},                {"service-area", "Nyali, Bamburi"},
              {"expected-customers", 40},        {"tier", "basic"},                    {"scenario", scenario}};
}

std::vector<OutboxMessage> outbox(Fixture& f, const std::string& tenant = "*") {
  std::vector<OutboxMessage> out;
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(out, mgmt::mail::recent(tx, tenant, 1000));
                   return core::Status::ok();
                 })
                 .isOk());
  return out;
}

// The secret of the newest verification link in the outbox.
std::string linkSecret(Fixture& f) {
  for (const OutboxMessage& m : outbox(f, "")) {
    if (m.templateName != "signup-verify") continue;
    size_t at = m.bodyText.find("token=");
    CHECK_TRUE(at != std::string::npos);
    size_t end = m.bodyText.find_first_of(" \n", at);
    return m.bodyText.substr(at + 6, end - at - 6);
  }
  FAIL("no verification mail");
  return "";
}

// Signs up, follows the link, runs the job to its end; the tenant's id.
std::string provisioned(Fixture& f, const std::string& scenario, const std::string& email) {
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  core::Result<mgmt::onboarding::SignupRequest> r = mgmt::onboarding::parseSignup(body(email, scenario).dump());
  CHECK_TRUE(r.isOk());
  CHECK_TRUE(o.signup(*r).isOk());
  core::Result<Json> v = o.verify(linkSecret(f));
  CHECK_TRUE_TEXT(v.isOk(), v.status().toString().c_str());
  core::Result<int> steps = o.runJobs();
  CHECK_TRUE(steps.isOk());
  core::Result<Json> job = o.job((*v)["job"].get<std::string>());
  STRCMP_EQUAL("done", (*job)["state"].get<std::string>().c_str());
  return (*v)["tenant-id"].get<std::string>();
}

Json tenantView(Fixture& f, const std::string& id) {
  core::ControlReply r = f.call("tenant-show", Json{{"tenant", id}});
  CHECK_EQUAL_TEXT(0, r.result, r.text.c_str());
  return r.arguments;
}

int64_t count(Fixture& f, const std::string& sql, const std::string& tenantId) {
  int64_t n = -1;
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(n, tx.queryInt64(sql, {tenantId}));
                   return core::Status::ok();
                 })
                 .isOk());
  return n;
}
}  // namespace

TEST_GROUP(Signup){};

TEST(Signup, TheBodyIsCheckedFieldByField) {
  core::Result<mgmt::onboarding::SignupRequest> ok = mgmt::onboarding::parseSignup(body().dump());
  CHECK_TRUE_TEXT(ok.isOk(), ok.status().toString().c_str());
  STRCMP_EQUAL("owner@harbour.example", ok->email.c_str());
  STRCMP_EQUAL("KE", ok->country.c_str());
  CHECK_EQUAL(40, ok->expectedCustomers);
  // Without a scenario: the one that fits the expected size.
  Json big = body();
  big.erase("scenario");
  big["expected-customers"] = "2500";
  STRCMP_EQUAL("enterprise", mgmt::onboarding::parseSignup(big.dump())->scenario.c_str());
  struct Case {
    const char* key;
    Json value;
  };
  const Case bad[] = {{"email", "not-an-address"},   {"email", "a@b.example\r\nBcc: x@y.example"},
                      {"country", "Kenya"},          {"tier", "gold"},
                      {"scenario", "huge"},          {"expected-customers", 0},
                      {"expected-customers", "1e9"}, {"business-name", std::string(101, 'x')},
                      {"business-name", ""},         {"phone", "call me"},
                      {"region", "a\nb"},            {"tax-id", Json::array({"x"})}};
  for (const Case& c : bad) {
    Json b = body();
    b[c.key] = c.value;
    core::Result<mgmt::onboarding::SignupRequest> r = mgmt::onboarding::parseSignup(b.dump());
    CHECK_TEXT(core::Code::kInvalidArgument == r.status().code(), c.key);
    CHECK_TEXT(r.status().message().rfind(std::string(c.key) + ":", 0) == 0, r.status().message().c_str());
  }
  Json missing = body();
  missing.erase("tax-id");
  STRCMP_EQUAL("tax-id: is required", mgmt::onboarding::parseSignup(missing.dump()).status().message().c_str());
  Json extra = body();
  extra["admin"] = true;
  CHECK_TRUE(mgmt::onboarding::parseSignup(extra.dump()).status().message().rfind("admin:", 0) == 0);
  CHECK_TRUE(core::Code::kInvalidArgument == mgmt::onboarding::parseSignup("[[[[1]]]]").status().code());
  CHECK_TRUE(core::Code::kInvalidArgument ==
             mgmt::onboarding::parseSignup(std::string(mgmt::onboarding::kMaxSignupBytes + 1, ' ')).status().code());
}

TEST(Signup, TheEmailedLinkProvisionsADemoOnceWithStepsAndProgress) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  core::Result<Json> made = o.signup(*mgmt::onboarding::parseSignup(body().dump()));
  CHECK_TRUE(made.isOk());
  std::vector<OutboxMessage> mail = outbox(f, "");
  CHECK_EQUAL(1u, mail.size());
  STRCMP_EQUAL("owner@harbour.example", mail[0].recipient.c_str());
  STRCMP_EQUAL("Confirm your email for Harbour Net", mail[0].subject.c_str());
  const std::string secret = linkSecret(f);
  CHECK_EQUAL(40u, secret.size());
  std::string wrong = secret;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  CHECK_TRUE(core::Code::kNotFound == o.verify(wrong).status().code());

  core::Result<Json> v = o.verify(secret);
  CHECK_TRUE(v.isOk());
  const std::string job = (*v)["job"].get<std::string>();
  const std::string tenant = (*v)["tenant-id"].get<std::string>();
  STRCMP_EQUAL("Harbour Net", (*v)["tenant"].get<std::string>().c_str());
  // The same link again: the same job, never a second tenant.
  core::Result<Json> again = o.verify(secret);
  STRCMP_EQUAL(job.c_str(), (*again)["job"].get<std::string>().c_str());
  CHECK_TRUE((*again)["again"].get<bool>());

  core::Result<Json> before = o.job(job);
  STRCMP_EQUAL("queued", (*before)["state"].get<std::string>().c_str());
  CHECK_EQUAL(0, (*before)["percent"].get<int64_t>());
  CHECK_EQUAL(4, (*before)["steps-total"].get<int64_t>());  // plans, devices, customers 1-50, ready
  // Nothing yet: the tenant exists, its samples do not.
  CHECK_EQUAL(0, tenantView(f, tenant)["subscribers"].get<int64_t>());
  core::Result<int> steps = o.runJobs();
  CHECK_EQUAL(4, *steps);
  core::Result<Json> after = o.job(job);
  STRCMP_EQUAL("done", (*after)["state"].get<std::string>().c_str());
  CHECK_EQUAL(100, (*after)["percent"].get<int64_t>());
  CHECK_EQUAL(4u, (*after)["log"].size());
  STRCMP_EQUAL("customers 1-50", (*after)["log"][2]["step"].get<std::string>().c_str());
  // The small scenario.
  Json t = tenantView(f, tenant);
  CHECK_TRUE(t["demo"].get<bool>());
  CHECK_EQUAL(50, t["subscribers"].get<int64_t>());
  CHECK_EQUAL(3, t["plans"].get<int64_t>());
  CHECK_EQUAL(10, t["devices"].get<int64_t>());
  core::ControlReply usage = f.call("usage", Json{{"tenant", tenant}});
  CHECK_EQUAL(50u, usage.arguments.size());
  CHECK_EQUAL(12, usage.arguments[0]["records"].get<int64_t>());  // 3 months, weekly
  // The demo-ready mail and the owner's invitation (a link to choose a password on the console) went
  // to the signup's address, in the tenant's outbox; the owner is a person of the tenant.
  std::vector<OutboxMessage> theirs = outbox(f, tenant);
  CHECK_EQUAL(2u, theirs.size());
  std::map<std::string, std::string> byTemplate;
  for (const OutboxMessage& m : theirs) byTemplate[m.templateName] = m.recipient;
  STRCMP_EQUAL("owner@harbour.example", byTemplate["demo-ready"].c_str());
  STRCMP_EQUAL("owner@harbour.example", byTemplate["invitation"].c_str());
  for (const OutboxMessage& m : theirs)
    if (m.templateName == "invitation") CHECK_TRUE(m.bodyText.find("/reset?token=") != std::string::npos && m.bodyText.find("within 7 days") != std::string::npos);
  CHECK_EQUAL(1, count(f, "SELECT count(*) FROM people WHERE tenant_id = $1 AND role = 'tenant-owner' AND "
                          "email = 'owner@harbour.example' AND password_hash = ''",
                   tenant));
  CHECK_EQUAL(0, *o.runJobs());
  // On the platform's funnel.
  core::ControlReply list = f.call("signup-list", Json::object());
  CHECK_EQUAL_TEXT(0, list.result, list.text.c_str());
  STRCMP_EQUAL("verified", list.arguments[0]["state"].get<std::string>().c_str());
  CHECK_EQUAL(100, list.arguments[0]["provisioning"]["percent"].get<int64_t>());
  // Which a tenant may not read.
  CHECK_TRUE(f.call("signup-list", Json::object(), Caller{tenant}).result != 0);
}

TEST(Signup, ALinkExpiresAndOneAddressCannotFloodTheOutbox) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  mgmt::onboarding::SignupRequest r = *mgmt::onboarding::parseSignup(body().dump());
  CHECK_TRUE(o.signup(r).isOk());
  const std::string secret = linkSecret(f);
  CHECK_TRUE(o.signup(r).isOk());
  CHECK_TRUE(o.signup(r).isOk());
  core::Result<Json> fourth = o.signup(r);
  CHECK_TRUE(core::Code::kResourceExhausted == fourth.status().code());
  CHECK_EQUAL(3u, outbox(f, "").size());
  f.clock.advance(std::chrono::hours(25));
  CHECK_TRUE(core::Code::kFailedPrecondition == o.verify(secret).status().code());
  CHECK_TRUE(o.signup(r).isOk());  // an hour later, again
}

TEST(Signup, TheMediumScenarioHasItsCounts) {
  Fixture f;
  std::string tenant = provisioned(f, "medium", "ops@medium.example");
  Json t = tenantView(f, tenant);
  CHECK_EQUAL(500, t["subscribers"].get<int64_t>());
  CHECK_EQUAL(5, t["plans"].get<int64_t>());
  CHECK_EQUAL(12, t["devices"].get<int64_t>());
  CHECK_EQUAL(500 * 51, count(f, "SELECT count(*) FROM usage WHERE tenant_id = $1", tenant));  // 12 months, weekly
}

TEST_GROUP(Demo){};

TEST(Demo, ConversionKeepsTheTenantsOwnDataAndDropsTheSamples) {
  Fixture f;
  std::string tenant = provisioned(f, "small", "owner@harbour.example");
  Caller owner{tenant};
  // The prospect's own data: a plan of its own, one customer on it and one on a sample plan.
  CHECK_EQUAL(0, f.call("plan-add", Json{{"name", "own-20"}, {"down", "20M"}, {"up", "5M"}}, owner).result);
  CHECK_EQUAL(0, f.call("subscriber-add", Json{{"username", "alice"}, {"password", "pw-alice-1"}, {"plan", "own-20"}}, owner).result);
  CHECK_EQUAL(0, f.call("subscriber-add", Json{{"username", "bob"}, {"password", "pw-bob-12"}, {"plan", "demo-home-50"}}, owner).result);
  // Another tenant cannot convert it.
  std::string other = f.tenant("other", "basic");
  Json convert{{"tenant", tenant}, {"tier", "basic"}, {"billing-name", "Harbour Net Ltd"},
               {"billing-email", "billing@harbour.example"}, {"billing-address", "1 Beach Rd, Mombasa"}};
  core::ControlReply refused = f.call("demo-convert", convert, Caller{other});
  CHECK_TRUE(refused.result != 0);
  CHECK_TRUE(tenantView(f, tenant)["demo"].get<bool>());
  Json bad = convert;
  bad["billing-email"] = "nope";
  core::ControlReply badReply = f.call("demo-convert", bad, owner);
  CHECK_TRUE(badReply.text.find("billing-email") != std::string::npos);

  core::ControlReply r = f.call("demo-convert", convert, owner);
  CHECK_EQUAL_TEXT(0, r.result, r.text.c_str());
  CHECK_EQUAL(50, r.arguments["dropped"]["subscribers"].get<int64_t>());
  CHECK_EQUAL(2, r.arguments["dropped"]["plans"].get<int64_t>());
  CHECK_EQUAL(10, r.arguments["dropped"]["devices"].get<int64_t>());
  CHECK_EQUAL(1, r.arguments["kept-plans"].get<int64_t>());
  Json t = tenantView(f, tenant);
  CHECK_FALSE(t["demo"].get<bool>());
  STRCMP_EQUAL("basic", t["tier"].get<std::string>().c_str());
  CHECK_EQUAL(2, t["subscribers"].get<int64_t>());
  CHECK_EQUAL(2, t["plans"].get<int64_t>());  // own-20 and demo-home-50 (bob is on it)
  CHECK_EQUAL(0, t["devices"].get<int64_t>());
  CHECK_EQUAL(0, count(f, "SELECT count(*) FROM usage WHERE tenant_id = $1", tenant));
  CHECK_EQUAL(0, count(f, "SELECT count(*) FROM usage_totals WHERE tenant_id = $1", tenant));
  CHECK_EQUAL(0, count(f, "SELECT count(*) FROM subscribers WHERE tenant_id = $1 AND sample = 1 AND deleted = 0", tenant));
  // The boxes hear of it: the samples are tombstones, versioned after the tenant's own changes.
  CHECK_EQUAL(50, count(f, "SELECT count(*) FROM subscribers WHERE tenant_id = $1 AND deleted = 1", tenant));
  bool welcome = false;
  for (const OutboxMessage& m : outbox(f, tenant)) welcome = welcome || (m.templateName == "welcome-paid" && m.recipient == "billing@harbour.example");
  CHECK_TRUE(welcome);
  // Once.
  CHECK_TRUE(f.call("demo-convert", convert, owner).text.find("not a demo") != std::string::npos);
}

TEST(Demo, ActivityExtendsThenRemindersLockAndPurgeFollowTheClock) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  std::string tenant = provisioned(f, "small", "owner@harbour.example");
  const int64_t firstExpiry = count(f, "SELECT expires_at FROM tenants WHERE id = $1", tenant);
  CHECK_EQUAL(f.now() + 7 * 86400, firstExpiry);
  // Activity within the first day changes nothing (one license a day at most); after it, 7 more days.
  f.clock.advance(std::chrono::hours(12));
  CHECK_TRUE(o.touch(tenant).isOk());
  CHECK_EQUAL(firstExpiry, count(f, "SELECT expires_at FROM tenants WHERE id = $1", tenant));
  f.clock.advance(std::chrono::hours(24));
  CHECK_TRUE(o.touch(tenant).isOk());
  const int64_t expiry = count(f, "SELECT expires_at FROM tenants WHERE id = $1", tenant);
  CHECK_EQUAL(f.now() + 7 * 86400, expiry);
  // Quiet days: nothing until two days before the end, then one reminder.
  f.clock.advance(std::chrono::hours(24 * 4));
  CHECK_EQUAL(0u, o.lifecycle()->reminded.size());
  f.clock.advance(std::chrono::hours(24) + std::chrono::minutes(1));
  CHECK_EQUAL(1u, o.lifecycle()->reminded.size());
  CHECK_EQUAL(0u, o.lifecycle()->reminded.size());
  // Past the end: locked (suspended), a mail; its boxes are refused, a touch does not bring it back.
  f.clock.advance(std::chrono::hours(48));
  mgmt::onboarding::OnboardingService::LifecycleReport locked = *o.lifecycle();
  CHECK_EQUAL(1u, locked.locked.size());
  STRCMP_EQUAL("suspended", tenantView(f, tenant)["status"].get<std::string>().c_str());
  CHECK_TRUE(o.touch(tenant).isOk());
  STRCMP_EQUAL("suspended", tenantView(f, tenant)["status"].get<std::string>().c_str());
  int reminders = 0, expired = 0;
  for (const OutboxMessage& m : outbox(f, tenant)) {
    reminders += m.templateName == "demo-reminder";
    expired += m.templateName == "demo-expired";
  }
  CHECK_EQUAL(1, reminders);
  CHECK_EQUAL(1, expired);
  // The platform may bring it back (a new expiry, then resume): the lock is forgotten, no purge.
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", tenant}, {"expires", mgmt::iso(f.now() + 86400)}}).result);
  CHECK_EQUAL(0, f.call("tenant-resume", Json{{"tenant", tenant}}).result);
  CHECK_EQUAL(0u, o.lifecycle()->locked.size());
  CHECK_EQUAL(0, count(f, "SELECT locked_at FROM tenants WHERE id = $1", tenant));
  // Until it expires again: locked anew, and the grace starts there.
  f.clock.advance(std::chrono::hours(25));
  CHECK_EQUAL(1u, o.lifecycle()->locked.size());
  // The grace (14 days), then every row of the tenant goes.
  f.clock.advance(std::chrono::hours(24 * 14 - 1));
  CHECK_EQUAL(0u, o.lifecycle()->purged.size());
  f.clock.advance(std::chrono::hours(2));
  CHECK_EQUAL(1u, o.lifecycle()->purged.size());
  CHECK_EQUAL(0, count(f, "SELECT count(*) FROM tenants WHERE id = $1", tenant));
  for (const char* table : {"plans", "subscribers", "devices", "usage", "usage_totals", "mail_outbox", "jobs", "signups"})
    CHECK_EQUAL_TEXT(0, count(f, std::string("SELECT count(*) FROM ") + table + " WHERE tenant_id = $1", tenant), table);
  CHECK_EQUAL(0u, o.lifecycle()->purged.size());
}

// One row (at least) of the tenant in every table of every area; ids carry the prefix `p`.
static void fillEveryArea(Fixture& f, const std::string& tenant, const std::string& p) {
  const std::vector<std::string> inserts = {
      "INSERT INTO people(id, email, level, role, tenant_id, created_at, changed_at) VALUES ('" + p +
          "-person', '" + p + "@people.example', 'tenant', 'tenant-owner', $1, 1, 1)",
      "INSERT INTO recovery_codes(person_id, code_sha256) VALUES ('" + p + "-person', 'c')",
      "INSERT INTO auth_sessions(id, person_id, access_sha256, access_expires_at, refresh_sha256, refresh_expires_at, "
      "created_at, refreshed_at) VALUES ('" + p + "-session', '" + p + "-person', '" + p + "-a', 9, '" + p + "-r', 9, 1, 1)",
      "INSERT INTO password_links(token_sha256, person_id, purpose, created_at, expires_at) VALUES ('" + p +
          "-link', '" + p + "-person', 'reset', 1, 9)",
      "INSERT INTO tokens(id, tenant_id, secret_sha256, created_at) VALUES ('" + p + "-token', $1, '" + p + "-s', 1)",
      "INSERT INTO tokens(id, tenant_id, secret_sha256, created_at, person_id) VALUES ('" + p + "-own', $1, '" + p +
          "-s2', 1, '" + p + "-person')",
      "INSERT INTO audit_log(at, actor, role, tenant_id, command, arguments, outcome) VALUES (1, 'x', 'y', $1, "
      "'plan-add', '{}', 'ok')",
      "INSERT INTO customers(tenant_id, id, name, created_at, updated_at) VALUES ($1, 'c1', 'Wanjiru', 1, 1)",
      "INSERT INTO customer_keys(tenant_id, term, customer_id) VALUES ($1, 'wanjiru', 'c1')",
      "INSERT INTO billing_settings(tenant_id, currency) VALUES ($1, 'KES')",
      "INSERT INTO tax_rates(tenant_id, region, rate_bp) VALUES ($1, 'ke', 1600)",
      "INSERT INTO billing_customers(tenant_id, username) VALUES ($1, 'wanjiru')",
      "INSERT INTO subscriptions(id, tenant_id, username, period_months, anchor_day, prepaid, start_day, billed_until, "
      "created_at) VALUES ('" + p + "-sub', $1, 'wanjiru', 1, 1, 1, 1, 30, 1)",
      "INSERT INTO subscription_segments(subscription_id, from_day, plan, plan_version, price) VALUES ('" + p +
          "-sub', 1, 'home', 1, 1000)",
      "INSERT INTO billed_periods(subscription_id, period_start, invoice_id) VALUES ('" + p + "-sub', 1, '" + p + "-inv')",
      "INSERT INTO charges(id, tenant_id, username, description, amount, day) VALUES ('" + p +
          "-charge', $1, 'wanjiru', 'install', 500, 1)",
      "INSERT INTO invoices(id, tenant_id, username, kind, status, currency, net, tax, total, created_at) VALUES ('" + p +
          "-inv', $1, 'wanjiru', 'invoice', 'draft', 'KES', 1000, 160, 1160, 1)",
      "INSERT INTO invoice_lines(invoice_id, line, description, amount) VALUES ('" + p + "-inv', 1, 'home', 1000)",
      "INSERT INTO ledger_entries(tenant_id, id, at, kind, ref) VALUES ($1, 1, 1, 'payment', 'x')",
      "INSERT INTO ledger_lines(tenant_id, entry_id, account, amount) VALUES ($1, 1, 'cash', 100)",
      "INSERT INTO ledger_balances(tenant_id, account, balance) VALUES ($1, 'cash', 100)",
      "INSERT INTO payments(id, tenant_id, username, method, amount, currency, idempotency_key, day, created_at) "
      "VALUES ('" + p + "-pay', $1, 'wanjiru', 'cash', 100, 'KES', 'k', 1, 1)",
      "INSERT INTO payment_allocations(payment_id, invoice_id, amount) VALUES ('" + p + "-pay', '" + p + "-inv', 100)",
  };
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    for (const std::string& sql : inserts) {
      mgmt::store::Params params;
      if (sql.find("$1") != std::string::npos) params.push_back(tenant);
      EDGE_RETURN_IF_ERROR(tx.exec(sql, params).status().withContext(sql));
    }
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
}

// The tenant's rows per table, in every area (children counted through their parents).
static std::map<std::string, int64_t> rowsOf(Fixture& f, const std::string& tenant) {
  std::map<std::string, int64_t> out;
  for (const char* table :
       {"tenants", "plans", "subscribers", "claims", "devices", "usage", "usage_totals", "sessions", "device_events",
        "commands", "tokens", "people", "audit_log", "billing_settings", "tax_rates", "billing_customers",
        "subscriptions", "charges", "invoices", "ledger_entries", "ledger_lines", "ledger_balances", "payments",
        "mail_outbox", "mail_templates", "tenant_branding", "signups", "jobs", "customers", "customer_keys"}) {
    std::string column = std::string(table) == "tenants" ? "id" : "tenant_id";
    out[table] = count(f, std::string("SELECT count(*) FROM ") + table + " WHERE " + column + " = $1", tenant);
  }
  const std::pair<const char*, const char*> children[] = {
      {"recovery_codes", "person_id IN (SELECT id FROM people WHERE tenant_id = $1)"},
      {"auth_sessions", "person_id IN (SELECT id FROM people WHERE tenant_id = $1)"},
      {"password_links", "person_id IN (SELECT id FROM people WHERE tenant_id = $1)"},
      {"subscription_segments", "subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = $1)"},
      {"billed_periods", "subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = $1)"},
      {"invoice_lines", "invoice_id IN (SELECT id FROM invoices WHERE tenant_id = $1)"},
      {"payment_allocations", "payment_id IN (SELECT id FROM payments WHERE tenant_id = $1)"}};
  for (const auto& [table, where] : children)
    out[table] = count(f, std::string("SELECT count(*) FROM ") + table + " WHERE " + where, tenant);
  return out;
}

TEST(Demo, APurgeLeavesNoRowOfTheTenantInAnyAreaAndOneAuditRowSaysSo) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  std::string demo = provisioned(f, "small", "owner@harbour.example");
  std::string other = f.tenant("other", "basic");
  fillEveryArea(f, demo, "d");
  fillEveryArea(f, other, "o");
  // Orphans would hide a purge that missed them: every child row must have been counted here.
  std::map<std::string, int64_t> before = rowsOf(f, demo);
  for (const char* table : {"people", "recovery_codes", "auth_sessions", "password_links", "tokens", "audit_log",
                            "customers", "customer_keys", "subscriptions", "subscription_segments", "billed_periods",
                            "invoices", "invoice_lines", "ledger_lines", "payments", "payment_allocations", "plans",
                            "subscribers", "jobs", "signups"})
    CHECK_TEXT(before[table] > 0, table);
  const std::map<std::string, int64_t> othersBefore = rowsOf(f, other);
  // Locked at its expiry, purged after the grace.
  f.clock.advance(std::chrono::hours(24 * 7 + 1));
  CHECK_EQUAL(1u, o.lifecycle()->locked.size());
  f.clock.advance(std::chrono::hours(24 * 14 + 1));
  core::Result<mgmt::onboarding::OnboardingService::LifecycleReport> purged = o.lifecycle();
  CHECK_TRUE_TEXT(purged.isOk(), purged.status().toString().c_str());
  CHECK_EQUAL(1u, purged->purged.size());
  for (const auto& [table, n] : rowsOf(f, demo)) CHECK_EQUAL_TEXT(0, n, table.c_str());
  for (const auto& [table, n] : rowsOf(f, other)) CHECK_EQUAL_TEXT(othersBefore.at(table), n, table.c_str());
  // What stays: the platform's own row that the tenant (by id, nothing of its data) was purged.
  CHECK_EQUAL(1, count(f,
                       "SELECT count(*) FROM audit_log WHERE tenant_id = '' AND command = 'demo-purge' AND "
                       "actor = 'demo-lifecycle' AND arguments = $1",
                       Json{{"tenant-id", demo}}.dump()));
  CHECK_EQUAL(0u, o.lifecycle()->purged.size());
}

TEST_GROUP(Tiers){};

// The seeds' tiers: each adds plugins to the one below; a command naming a plugin is refused for a
// tenant whose tier lacks it, by the command table, naming the plugin and the tier that has it.
TEST(Tiers, APluginIsRefusedBelowItsTierAndTheRefusalSaysWhichTierHasIt) {
  CHECK_TRUE(mgmt::findTier("free")->hasPlugin(mgmt::kPluginManualInvoicing));
  CHECK_FALSE(mgmt::findTier("free")->hasPlugin(mgmt::kPluginCustomBranding));
  CHECK_TRUE(mgmt::findTier("basic")->hasPlugin(mgmt::kPluginEmailNotifications));
  CHECK_FALSE(mgmt::findTier("basic")->hasPlugin(mgmt::kPluginWhiteLabel));
  CHECK_TRUE(mgmt::findTier("premium")->hasPlugin(mgmt::kPluginSnmpMonitoring));
  CHECK_FALSE(mgmt::findTier("premium")->hasPlugin(mgmt::kPluginSla));
  CHECK_TRUE(mgmt::findTier("enterprise")->hasPlugin(mgmt::kPluginCustomIntegrations));
  for (size_t i = 1; i < mgmt::tiers().size(); ++i)
    for (const std::string& p : mgmt::tiers()[i - 1].plugins) CHECK_TRUE(mgmt::tiers()[i].hasPlugin(p));
  // Rates per token grow with the tier.
  for (size_t i = 1; i < mgmt::tiers().size(); ++i)
    CHECK_TRUE(mgmt::tiers()[i].apiPerSecond > mgmt::tiers()[i - 1].apiPerSecond);
  STRCMP_EQUAL("x needs the sla plugin, which the enterprise tier has (this tenant is on premium)",
               mgmt::pluginRefusal("premium", "x", "sla")->c_str());

  Fixture f;
  std::string free = f.tenant("corner-cafe", "free");
  std::string basic = f.tenant("harbour", "basic");
  Json branding{{"display-name", "Corner Cafe"}, {"primary-colour", "#112233"}};
  core::ControlReply refused = f.call("branding-set", branding, Caller{free});
  CHECK_TRUE(core::Code::kPermissionDenied == refused.code);
  STRCMP_EQUAL("branding-set needs the custom-branding plugin, which the basic tier and above have (this tenant is on free)",
               refused.text.c_str());
  core::ControlReply ok = f.call("branding-set", branding, Caller{basic});
  CHECK_EQUAL_TEXT(0, ok.result, ok.text.c_str());
  STRCMP_EQUAL("Corner Cafe", ok.arguments["display-name"].get<std::string>().c_str());
  // The platform may (for a tenant on any tier); a move up the tiers lifts the refusal.
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", "corner-cafe"}, {"tier", "basic"}}).result);
  CHECK_EQUAL(0, f.call("branding-set", branding, Caller{free}).result);
  // A bad colour names its field.
  core::ControlReply bad = f.call("branding-set", Json{{"primary-colour", "red"}}, Caller{basic});
  CHECK_TRUE(bad.text.find("primary-colour") != std::string::npos);
}

// The admin API's rate per token: a bucket of the tier's burst, refilled at its rate; an empty bucket
// answers 429 with Retry-After; each token has its own; the platform is not limited here.
TEST(Tiers, EachTokenHasABucketOfItsTiersSize) {
  core::ManualClock clock;
  std::map<std::string, std::string> tierOf = {{"t-basic", "basic"}, {"t-free", "free"}};
  int asked = 0;
  mgmt::api::ApiRateLimiter limiter(clock, [&](const std::string& t) {
    ++asked;
    return tierOf.count(t) ? tierOf[t] : std::string();
  });
  const mgmt::Tier& basic = *mgmt::findTier("basic");
  for (int i = 0; i < static_cast<int>(basic.apiBurst); ++i) CHECK_FALSE(limiter.admit("k-1", "t-basic").has_value());
  std::optional<core::HttpResponse> limited = limiter.admit("k-1", "t-basic");
  CHECK_TRUE(limited.has_value());
  CHECK_EQUAL(429, limited->status);
  bool retryAfter = false;
  for (const auto& [name, value] : limited->headers) retryAfter = retryAfter || (name == "Retry-After" && value == "1");
  CHECK_TRUE(retryAfter);
  CHECK_TRUE(limited->body.find("basic tier allows 5 a second") != std::string::npos);
  // Another token of the same tenant has its own bucket; the platform is not limited.
  CHECK_FALSE(limiter.admit("k-2", "t-basic").has_value());
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(limiter.admit("k-platform", "").has_value());
  // A fifth of a second later one request fits (5 a second).
  clock.advance(std::chrono::milliseconds(200));
  CHECK_FALSE(limiter.admit("k-1", "t-basic").has_value());
  CHECK_TRUE(limiter.admit("k-1", "t-basic").has_value());
  // A free tenant's bucket is smaller and slower.
  const mgmt::Tier& free = *mgmt::findTier("free");
  for (int i = 0; i < static_cast<int>(free.apiBurst); ++i) CHECK_FALSE(limiter.admit("k-3", "t-free").has_value());
  CHECK_TRUE(limiter.admit("k-3", "t-free").has_value());
  CHECK_EQUAL(1, limiter.retryAfterSeconds("k-3", "t-free"));
  // The tier is asked once a minute per tenant, not per request.
  CHECK_EQUAL(2, asked);
  tierOf["t-free"] = "premium";
  clock.advance(std::chrono::seconds(61));
  for (int i = 0; i < static_cast<int>(mgmt::findTier("premium")->apiBurst); ++i)
    CHECK_FALSE(limiter.admit("k-3", "t-free").has_value());
}

// Abuse limits (ADR 0037): unverified signups are capped per client address and in all, in the
// signup's unit of work; a pending signup whose link expired stops counting and the lifecycle job
// deletes it; a verified link stops working when it expires too.
TEST(Signup, PendingSignupsAreCappedPerAddressAndInAllAndExpiredOnesAreDeleted) {
  Fixture f;
  f.config.signup.pendingPerAddress = 2;
  f.config.signup.pendingMax = 3;
  f.platform = std::make_unique<mgmt::Platform>(f.config, f.authority, *f.storage, f.clock);
  f.table = std::make_unique<core::command::Table>(mgmt::mgmtRoles(), mgmt::testing::commandSpecs());
  f.platform->bind(*f.table);
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  auto request = [](const std::string& email) { return *mgmt::onboarding::parseSignup(body(email).dump()); };
  const std::string here = "v4:203.0.113.7", there = "v6:2001:db8:1:2::/64", elsewhere = "v4:198.51.100.9";
  CHECK_TRUE(o.signup(request("a@one.example"), here).isOk());
  const std::string first = linkSecret(f);
  CHECK_TRUE(o.signup(request("b@one.example"), here).isOk());
  core::Result<Json> third = o.signup(request("c@one.example"), here);
  CHECK_TRUE(core::Code::kResourceExhausted == third.status().code());
  CHECK_TRUE(third.status().message().find("waiting for their email link") != std::string::npos);
  CHECK_EQUAL(2u, outbox(f, "").size());  // the refused one mailed nobody
  // Another address has its own cap; the platform's cap (3) is reached with it.
  CHECK_TRUE(o.signup(request("d@two.example"), there).isOk());
  core::Result<Json> paused = o.signup(request("e@three.example"), elsewhere);
  CHECK_TRUE(core::Code::kResourceExhausted == paused.status().code());
  CHECK_TRUE(paused.status().message().find("signups are paused") != std::string::npos);
  CHECK_EQUAL(3, count(f, "SELECT count(*) FROM signups WHERE state = 'pending' AND email <> $1", ""));
  // A verified signup no longer waits: its address may sign up again.
  CHECK_TRUE(o.verify(first).isOk());
  CHECK_TRUE(o.signup(request("f@one.example"), here).isOk());
  CHECK_EQUAL(3, count(f, "SELECT count(*) FROM signups WHERE origin = $1", here));
  // A day later the pending links have expired: they count for nothing, and the lifecycle job deletes
  // them (the verified one stays).
  f.clock.advance(std::chrono::hours(24) + std::chrono::seconds(1));
  CHECK_TRUE(o.signup(request("g@three.example"), elsewhere).isOk());
  core::Result<mgmt::onboarding::OnboardingService::LifecycleReport> report = o.lifecycle();
  CHECK_TRUE_TEXT(report.isOk(), report.status().toString().c_str());
  CHECK_EQUAL(3, report->expiredSignups);
  CHECK_EQUAL(0, count(f, "SELECT count(*) FROM signups WHERE email IN ('b@one.example', 'd@two.example', "
                          "'f@one.example') AND email <> $1", ""));
  CHECK_EQUAL(2, count(f, "SELECT count(*) FROM signups WHERE email <> $1", ""));  // a (verified) and g (pending)
}

TEST(Signup, AVerifiedLinkAnswersWithItsJobOnlyUntilItExpires) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  CHECK_TRUE(o.signup(*mgmt::onboarding::parseSignup(body().dump())).isOk());
  const std::string secret = linkSecret(f);
  core::Result<Json> v = o.verify(secret);
  CHECK_TRUE(v.isOk());
  f.clock.advance(std::chrono::hours(23));
  core::Result<Json> again = o.verify(secret);
  CHECK_TRUE(again.isOk());
  STRCMP_EQUAL((*v)["job"].get<std::string>().c_str(), (*again)["job"].get<std::string>().c_str());
  f.clock.advance(std::chrono::hours(2));
  core::Result<Json> late = o.verify(secret);
  CHECK_TRUE(core::Code::kFailedPrecondition == late.status().code());
  STRCMP_EQUAL("token: this link has expired; sign up again", late.status().message().c_str());
}

// The platform's funnel: each signup counted in the week it was made as it starts, verifies, finishes
// provisioning and converts; the counts outlive the rows (an expired signup is deleted, still
// started); the funnel is the platform's only.
TEST(Signup, TheFunnelCountsEachWeeksSignupsAsTheyMoveOn) {
  Fixture f;
  mgmt::onboarding::OnboardingService& o = f.platform->onboarding;
  const std::string tenant = provisioned(f, "small", "owner@harbour.example");
  CHECK_TRUE(o.signup(*mgmt::onboarding::parseSignup(body("later@harbour.example").dump())).isOk());
  core::ControlReply funnel = f.call("signup-funnel", Json::object());
  CHECK_EQUAL_TEXT(0, funnel.result, funnel.text.c_str());
  CHECK_EQUAL(1u, funnel.arguments.size());
  Json week = funnel.arguments[0];
  CHECK_EQUAL(2, week["started"].get<int64_t>());
  CHECK_EQUAL(1, week["verified"].get<int64_t>());
  CHECK_EQUAL(1, week["provisioned"].get<int64_t>());
  CHECK_EQUAL(0, week["converted"].get<int64_t>());
  // The week is named by its Monday: at most six days before today.
  const std::string today = mgmt::iso(f.clock.unixSeconds()).substr(0, 10);
  const std::string weekAgo = mgmt::iso(f.clock.unixSeconds() - 7 * 86400).substr(0, 10);
  const std::string monday = week["week"].get<std::string>();
  CHECK_TRUE(monday <= today && monday > weekAgo);
  CHECK_EQUAL(0, f.call("demo-convert",
                        Json{{"tenant", tenant}, {"tier", "basic"}, {"billing-name", "Harbour Net Ltd"},
                             {"billing-email", "billing@harbour.example"}, {"billing-address", "1 Beach Rd"}},
                        Caller{tenant})
                     .result);
  // Eight days on: the second signup expired and was deleted; its week still counts it; a new
  // signup opens the next week.
  f.clock.advance(std::chrono::hours(24 * 8));
  CHECK_TRUE(o.lifecycle().isOk());
  CHECK_TRUE(o.signup(*mgmt::onboarding::parseSignup(body("next@week.example").dump())).isOk());
  funnel = f.call("signup-funnel", Json::object());
  CHECK_EQUAL(2u, funnel.arguments.size());
  STRCMP_EQUAL(monday.c_str(), funnel.arguments[0]["week"].get<std::string>().c_str());
  CHECK_EQUAL(2, funnel.arguments[0]["started"].get<int64_t>());
  CHECK_EQUAL(1, funnel.arguments[0]["converted"].get<int64_t>());
  CHECK_EQUAL(1, funnel.arguments[1]["started"].get<int64_t>());
  CHECK_EQUAL(0, funnel.arguments[1]["verified"].get<int64_t>());
  CHECK_TRUE(funnel.arguments[1]["week"].get<std::string>() > monday);
  CHECK_EQUAL(1u, f.call("signup-funnel", Json{{"weeks", 1}}).arguments.size());
  CHECK_TRUE(f.call("signup-funnel", Json::object(), Caller{tenant}).result != 0);
}

// The public routes' rate per client address: a bucket of `burst`, refilled per hour; an IPv6 client
// counts by its /64 (and an IPv4-mapped address as that IPv4 address); 429 with Retry-After.
TEST(Tiers, EachClientAddressHasABucketAndAnIpv6NetworkSharesOne) {
  core::ManualClock clock;
  mgmt::api::AddressRateLimiter limiter(clock, 6, 2, "signups");  // 2 at once, then one per 10 minutes
  STRCMP_EQUAL("v4:203.0.113.7", mgmt::api::AddressRateLimiter::keyOf("203.0.113.7").c_str());
  STRCMP_EQUAL("v4:203.0.113.7", mgmt::api::AddressRateLimiter::keyOf("::ffff:203.0.113.7").c_str());
  STRCMP_EQUAL("v6:2001:db8:1:2::/64", mgmt::api::AddressRateLimiter::keyOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd").c_str());
  STRCMP_EQUAL("not an address", mgmt::api::AddressRateLimiter::keyOf("not an address").c_str());
  CHECK_FALSE(limiter.admit("2001:db8:1:2::1").has_value());
  CHECK_FALSE(limiter.admit("2001:db8:1:2::2").has_value());
  CHECK_FALSE(limiter.peek("2001:db8:1:3::1").has_value());  // another /64
  std::optional<core::HttpResponse> limited = limiter.peek("2001:db8:1:2:ffff::9");
  CHECK_TRUE(limited.has_value());
  CHECK_EQUAL(429, limited->status);
  bool retryAfter = false;
  for (const auto& [name, value] : limited->headers) retryAfter = retryAfter || (name == "Retry-After" && value == "600");
  CHECK_TRUE_TEXT(retryAfter, limited->body.c_str());
  CHECK_TRUE(limited->body.find("too many signups from your address") != std::string::npos);
  CHECK_EQUAL(600, limiter.take("2001:db8:1:2::3"));
  clock.advance(std::chrono::minutes(10));
  CHECK_EQUAL(0, limiter.take("2001:db8:1:2::3"));
  CHECK_EQUAL(600, limiter.retryAfterSeconds("2001:db8:1:2::3"));
  // IPv4 addresses each have their own.
  CHECK_FALSE(limiter.admit("203.0.113.7").has_value());
  CHECK_FALSE(limiter.admit("203.0.113.8").has_value());
}
