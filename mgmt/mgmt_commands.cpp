#include "mgmt/mgmt_commands.h"

#include "catalog/plan.h"
#include "catalog/subscriber.h"

namespace mgmt {

using core::command::Arg;
using core::command::boolean;
using core::command::command;
using core::command::integer;
using core::command::list;
using core::command::secret;
using core::command::Spec;
using core::command::text;

const std::vector<std::string>& principalRoles() {
  static const std::vector<std::string> roles = {
      "platform-owner", "platform-admin", "platform-support", "tenant-owner", "tenant-admin",   "tenant-staff",
      "tenant-billing", "tenant-technician", "tenant-read-only", "partner"};
  return roles;
}

const std::vector<std::string>& mgmtRoles() {
  static const std::vector<std::string> roles = [] {
    std::vector<std::string> r = {"tenant", "platform"};
    r.insert(r.end(), principalRoles().begin(), principalRoles().end());
    return r;
  }();
  return roles;
}

namespace {

// Who may run what (mgmt_commands.h). Named sets, so a spec's .roles() reads as a sentence; functions,
// not globals, because the table may be built while other files' statics are initialized.
std::vector<std::string> platformManagers() {
  return {"platform-owner", "platform-admin"};
}
std::vector<std::string> platformStaff() {
  return {"platform-owner", "platform-admin", "platform-support"};
}
std::vector<std::string> everyone() {
  return {"platform-owner", "platform-admin", "platform-support",
          "tenant-owner",   "tenant-admin",   "tenant-staff",
          "tenant-billing", "tenant-technician", "tenant-read-only"};
}
std::vector<std::string> tenantChangers() {
  return {"tenant-owner", "tenant-admin", "tenant-staff", "platform-owner",
          "platform-admin"};
}
// Boxes in the field: claims, revocation, rekeys, disconnects.
std::vector<std::string> fieldWork() {
  return {"tenant-owner", "tenant-admin", "tenant-technician", "platform-owner",
          "platform-admin"};
}
// People and the audit log: a tenant's owners and admins, the platform's managers (support reads
// the audit log too).
std::vector<std::string> peopleManagers() {
  return {"tenant-owner", "tenant-admin", "platform-owner", "platform-admin"};
}
std::vector<std::string> auditReaders() {
  return {"tenant-owner", "tenant-admin", "platform-owner", "platform-admin",
          "platform-support"};
}
// API tokens act without a person watching: a tenant's owner makes them, or the platform.
std::vector<std::string> tokenManagers() {
  return {"tenant-owner", "platform-owner", "platform-admin"};
}
// Money: a tenant's owners, admins and billing staff, the platform's managers (billing reads are
// everyone's).
std::vector<std::string> billingStaff() {
  return {"tenant-owner", "tenant-admin", "tenant-billing", "platform-owner", "platform-admin"};
}

// What a tenant pays the platform (ADR 0071): the tenant's owner and billing people, the platform's
// staff read it; the tenant's owner and billing people and the platform's managers change its period.
std::vector<std::string> platformBillReaders() {
  return {"tenant-owner", "tenant-billing", "platform-owner", "platform-admin", "platform-support"};
}
std::vector<std::string> platformBillChangers() {
  return {"tenant-owner", "tenant-billing", "platform-owner", "platform-admin"};
}

// Partners' own people read their ledger, statements and payouts (their partner only).
std::vector<std::string> partnerReaders() {
  std::vector<std::string> r = everyone();
  r.push_back("partner");
  return r;
}

// A white-label brand: a tenant's owners and admins (their resellers'), the platform's managers, and
// a partner's own people (their partner's only, ADR 0064).
std::vector<std::string> brandChangers() {
  return {"tenant-owner", "tenant-admin", "platform-owner", "platform-admin", "partner"};
}

// The roles of a spec written with an old rung (see mgmt_commands.h).
std::vector<Spec> withRoles(std::vector<Spec> specs) {
  for (Spec& s : specs) {
    if (!s.roles.empty() || s.cliOnly) continue;
    if (s.role == "platform") s.roles = s.mutates() ? platformManagers() : platformStaff();
    else s.roles = s.mutates() ? tenantChangers() : everyone();
  }
  return specs;
}

// A tenant's token may leave `tenant` out (its own); the platform names one.
Arg tenant(bool required = false) { return text("tenant", required, 128); }

std::vector<Arg> auditArguments() {
  return {tenant(), text("actor", false, 254), text("command", false, 64), text("since", false, 64),
          text("until", false, 64), integer("limit").range(1, 100000), integer("after").range(1, INT64_MAX)};
}

std::vector<Arg> with(std::vector<Arg> args, const std::vector<Arg>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<Arg> customerArguments(bool nameRequired) {
  return {text("name", nameRequired, 128), text("email", false, 254), text("phone", false, 32),
          text("address", false, 512), text("notes", false, 4096), list("tags"), text("username", false, 253),
          text("country", false, 2), text("region", false, 64), text("city", false, 64), text("postal", false, 64)};
}

}  // namespace

const std::vector<Spec>& mgmtCommandSpecs() {
  static const std::vector<Spec> specs = withRoles({
      command("status", "status", "", "whether mgmtd runs, its listeners, CA fingerprint and counts")
          .role("platform"),
      command("shutdown", "shutdown", "", "stop mgmtd cleanly").role("platform").action(),

      // Tenants and their licenses.
      command("tenant-add", "tenant add", "--name N --tier free|basic|premium|enterprise [--expires ISO8601] | --demo true [--name N]", "add a tenant (prints its id); --demo true: a 7-day demo with 3 plans, 50 subscribers, a month of usage")
          .args({text("name", false, 64), text("tier", false, 32), boolean("demo"), text("expires", false, 64)})
          .role("platform")
          .change(),
      command("tenant-list", "tenant list", "", "list tenants").role("tenant"),
      command("tenant-show", "tenant show", "T", "one tenant: tier, cap, features, counts, license")
          .args({tenant()})
          .positional("tenant")
          .role("tenant"),
      command("tenant-set", "tenant set", "--tenant T [--name N] [--tier TIER] [--expires ISO8601]", "change a tenant; a new tier or expiry issues a new license")
          .args({tenant(true), text("name", false, 64), text("tier", false, 32), text("expires", false, 64)})
          .role("platform")
          .change(),
      command("tenant-suspend", "tenant suspend", "T", "suspend a tenant: its boxes are refused (they keep serving offline)")
          .args({tenant(true)})
          .positional("tenant")
          .role("platform")
          .change(),
      command("tenant-resume", "tenant resume", "T", "resume a suspended tenant")
          .args({tenant(true)})
          .positional("tenant")
          .role("platform")
          .change(),
      command("license-show", "license show", "--tenant T", "the tenant's signed license")
          .args({tenant()})
          .positional("tenant")
          .role("tenant"),
      // Self-registration and demo tenants (mgmt/onboarding, ADR 0029).
      command("demo-convert", "demo convert",
              "--tenant T --tier TIER --billing-name N --billing-email E --billing-address A [--billing-tax-id X]",
              "convert a demo tenant to paid: its own data stays, the demo's sample data goes")
          .args({tenant(), text("tier", true, 32), text("billing-name", true, 100), text("billing-email", true, 254),
                 text("billing-address", true, 500), text("billing-tax-id", false, 64)})
          .role("tenant")
          .change(),
      command("signup-list", "signup list", "[--limit N]",
              "self-registrations: who, tier and scenario, verified, provisioning progress")
          .args({integer("limit").range(1, 1000)})
          .role("platform"),
      command("signup-funnel", "signup funnel", "[--weeks N]",
              "signups per week (by the week they were made): started, verified, provisioned, converted")
          .args({integer("weeks").range(1, 520)})
          .role("platform"),
      command("branding-set", "branding set",
              "--tenant T [--display-name N] [--logo-url https://...] [--primary-colour #rrggbb] [--accent-colour #rrggbb]",
              "the tenant's name, logo and colours in its mail (the custom-branding plugin: basic tier and above)")
          .args({tenant(), text("display-name", false, 100), text("logo-url", false, 512),
                 text("primary-colour", false, 7), text("accent-colour", false, 7)})
          .role("tenant")
          .feature("custom-branding")
          .change(),
      command("branding-show", "branding show", "--tenant T", "the tenant's name, logo and colours in its mail (empty: the platform's)")
          .args({tenant()})
          .role("tenant"),
      command("branding-logo-set", "branding logo-set", "--tenant T --image BASE64",
              "the tenant's logo: a PNG or JPEG of at most 256 KiB and 1024x1024, in base64 (the custom-branding plugin)")
          .args({tenant(), text("image", true, 349528)})
          .role("tenant")
          .feature("custom-branding")
          .change(),
      command("branding-logo-clear", "branding logo-clear", "--tenant T", "the tenant's uploaded logo removed: the platform's is used")
          .args({tenant()})
          .role("tenant")
          .feature("custom-branding")
          .change(),

      // Appliances.
      command("claim-create", "claim create", "--tenant T [--ttl 24h] [--uses 1]", "a claim token for `edgectl enroll TOKEN` (printed alone on its line)")
          .args({tenant(), text("ttl", false, 32), integer("uses").range(1, 100000)})
          .roles(fieldWork())
          .change(),
      command("device-list", "device list", "[--tenant T]", "enrolled appliances and their last check-in").args({tenant()}).role("tenant"),
      command("device-show", "device show", "D", "one appliance with its reported state")
          .args({text("device", true, 64)})
          .positional("device")
          .role("tenant"),
      command("device-revoke", "device revoke", "D", "revoke an appliance's certificate; refused from the next request on")
          .args({text("device", true, 64)})
          .positional("device")
          .roles(fieldWork())
          .change(),
      command("device-rekey", "device rekey", "D", "the appliance makes a new key at its next check-in; its old certificate is refused once the new one is used")
          .args({text("device", true, 64)})
          .positional("device")
          .roles(fieldWork())
          .change(),

      // The tenant's catalog, for every box of the tenant.
      command("plan-add", "plan add", "--tenant T --name N --down RATE --up RATE [any edgectl plan add option]", "add a plan on every box of the tenant")
          .args(with({tenant()}, catalog::planArguments()))
          .role("tenant")
          .change(),
      command("plan-set", "plan set", "--tenant T --name N [any plan add option]", "change a plan")
          .args(with({tenant()}, catalog::planArguments()))
          .role("tenant")
          .change(),
      command("plan-list", "plan list", "--tenant T", "the tenant's plans").args({tenant()}).role("tenant"),
      command("plan-del", "plan del", "--tenant T --name N", "delete a plan no subscriber uses")
          .args({tenant(), text("name", true, 64)})
          .role("tenant")
          .change(),
      command("subscriber-add", "subscriber add", "--tenant T --username U --password P --plan N [--mac MAC] [--expires ISO8601] [--status S] [--static-ip IP]", "add a subscriber on every box of the tenant")
          .args(with({tenant()}, catalog::subscriberArguments()))
          .role("tenant")
          .change(),
      command("subscriber-set", "subscriber set", "--tenant T --username U [any subscriber add option]", "change a subscriber")
          .args(with({tenant()}, catalog::subscriberArguments()))
          .role("tenant")
          .change(),
      command("subscriber-del", "subscriber del", "--tenant T --username U", "delete a subscriber")
          .args({tenant(), text("username", true, 253)})
          .role("tenant")
          .change(),
      command("subscriber-list", "subscriber list", "--tenant T [--plan N] [--limit N] [--offset N]", "the tenant's subscribers (passwords are never shown)")
          .args({tenant(), text("plan", false, 64), integer("limit").range(1, 100000),
                 integer("offset").range(0, INT64_MAX)})
          .role("tenant"),
      // Imports (issue 30, ADR 0049): mgmtctl import --tenant T --source S --from PATH|DSN maps the
      // source with the importer library and sends it here in chunks, as one batch.
      command("import-apply", "import apply", "--tenant T --batch B --source S (rows sent by mgmtctl import)", "apply a chunk of an import as batch B (run mgmtctl import --tenant T --source S --from PATH|DSN [--dry-run])")
          .args({tenant(), text("batch", true, 64), text("source", true, 32), boolean("dry-run"),
                 core::command::rows("plans", 1000, false), core::command::rows("subscribers", 2000, false),
                 integer("rows-done").range(0, INT64_MAX), integer("rows-total").range(0, INT64_MAX)})
          .role("tenant")
          .change(),
      command("import-history", "import history", "--tenant T --batch B (sessions sent by mgmtctl import --history)", "carry a chunk of the source's closed accounting sessions over as usage history of batch B (run mgmtctl import ... --history)")
          .args({tenant(), text("batch", true, 64), core::command::rows("sessions", 2000, false)})
          .role("tenant")
          .change(),
      command("import-rollback", "import rollback", "--tenant T BATCH", "remove what import batch BATCH added and nobody changed since (its plans that others' subscribers use stay)")
          .args({tenant(), text("batch", true, 64)})
          .positional("batch")
          .role("tenant")
          .change(),
      command("import-list", "import list", "--tenant T", "the tenant's import batches: source, state, what each added")
          .args({tenant()})
          .role("tenant"),

      // What the boxes report, and what mgmt asks of them.
      command("usage", "usage", "--tenant T [--user U]", "usage totals per subscriber as received from the boxes")
          .args({tenant(), text("user", false, 253)})
          .role("tenant"),
      command("session-list", "session list", "--tenant T [--user U] [--limit N]", "closed sessions as the boxes summed them up (uploaded with the usage)")
          .args({tenant(), text("user", false, 253), integer("limit").range(1, 100000)})
          .role("tenant"),
      command("session-disconnect", "session disconnect", "--tenant T --user U", "disconnect a subscriber on every box of the tenant (at their next check-in)")
          .args({tenant(), text("user", false, 253)})
          .roles(fieldWork())
          .action(),
      command("command-list", "command list", "--tenant T", "commands sent to the boxes and their results")
          .args({tenant()})
          .role("tenant"),

      // Firmware: the catalog, maintenance windows, rollouts in rings (mgmt/fleet/rollout_service, ADR 0052).
      command("firmware-add", "firmware add", "--file PATH --channel stable|beta",
              "add a signed bundle (fwtool) to the catalog: verified with the firmware public key (firmware-key), kept in firmware-dir")
          .args({text("file", true, 1024), text("channel", true, 16)})
          .role("platform")
          .change(),
      command("firmware-list", "firmware list", "[--channel stable|beta]", "the firmware catalog: versions, hardware, security floors")
          .args({text("channel", false, 16)})
          .role("tenant"),
      command("maintenance-window-set", "maintenance-window set", "[--tenant T] --window \"Mon-Fri 01:00-05:00 UTC\"|none",
              "when the tenant's boxes may be told to update (days: daily, Mon, Mon-Fri, Sat,Sun; none = any time)")
          .args({tenant(), text("window", true, 64)})
          .roles(fieldWork())
          .change(),
      command("maintenance-window-get", "maintenance-window get", "[--tenant T]", "the tenant's maintenance window")
          .args({tenant()})
          .role("tenant"),
      command("rollout-create", "rollout create",
              "[--tenant T] --version V --rings JSON [--failure-percent 10] [--report-seconds 3600]",
              "roll a catalog version out in rings: [{\"name\": \"canary\", \"devices\": [\"d-...\"]}, {\"name\": \"early\", \"percent\": 10}, {\"name\": \"all\", \"percent\": 100}]; the platform without --tenant: every tenant's boxes")
          .args({tenant(), text("version", true, 64), text("rings", true, 8192), integer("failure-percent").range(0, 100),
                 integer("report-seconds").range(300, 14 * 86400)})
          .roles(fieldWork())
          .change(),
      command("rollout-list", "rollout list", "[--tenant T]", "rollouts, newest first, with their state and open ring")
          .args({tenant()})
          .role("tenant"),
      command("rollout-show", "rollout show", "R", "one rollout: its rings' progress and each box's state and why")
          .args({text("rollout", true, 64)})
          .positional("rollout")
          .role("tenant"),
      command("rollout-pause", "rollout pause", "R [--reason TEXT]", "stop offering the version to more boxes")
          .args({text("rollout", true, 64), text("reason", false, 256)})
          .positional("rollout")
          .roles(fieldWork())
          .change(),
      command("rollout-resume", "rollout resume", "R [--retry-failed] [--failure-percent P]",
              "go on after a pause; --retry-failed offers the version again to boxes that failed")
          .args({text("rollout", true, 64), boolean("retry-failed"), integer("failure-percent").range(0, 100)})
          .positional("rollout")
          .roles(fieldWork())
          .change(),
      command("rollout-abort", "rollout abort", "R", "end the rollout: no box is told to run its version any more")
          .args({text("rollout", true, 64)})
          .positional("rollout")
          .roles(fieldWork())
          .change(),
      command("rollout-advance", "rollout advance", "",
              "apply the rollout rules now (mgmtd's job does it every few seconds): open rings, pause on failures")
          .role("platform")
          .action(),

      // Customers: the people behind the subscribers (mgmt/customers).
      command("customer-add", "customer add", "--tenant T --name N [--email E] [--phone P] [--address A] [--country DE] [--region R] [--city C] [--postal P] [--notes N] [--tags a,b] [--username U]", "add a customer (prints its id); --username: the subscriber (RADIUS account) they hold")
          .args(with({tenant()}, customerArguments(true)))
          .role("tenant")
          .change(),
      command("customer-set", "customer set", "--tenant T --id ID [any customer add option]", "change a customer (an empty value clears a field)")
          .args(with({tenant(), text("id", true, 64)}, customerArguments(false)))
          .role("tenant")
          .change(),
      command("customer-del", "customer del", "--tenant T ID", "delete a customer (their subscriber stays)")
          .args({tenant(), text("id", true, 64)})
          .positional("id")
          .role("tenant")
          .change(),
      command("customer-show", "customer show", "--tenant T ID", "one customer")
          .args({tenant(), text("id", true, 64)})
          .positional("id")
          .role("tenant"),
      command("customer-list", "customer list", "--tenant T [--search WORDS] [--limit N] [--offset N]", "the tenant's customers by name; --search: every word prefixes a word of the name, the username, email, phone digits or a tag")
          .args({tenant(), text("search", false, 256), integer("limit").range(1, 1000), integer("offset").range(0, 10000000)})
          .positional("search")
          .role("tenant"),

      // Insight (mgmt/insight, docs/insight.md): churn models trained from the daily features, scores
      // with their factors in words. --day: days since 1970-01-01 (default today, UTC).
      command("insight-train", "insight train", "[--day D]", "train the churn models: the global prior over every tenant, then each tenant's own on it")
          .args({integer("day").range(0, 1000000)})
          .role("platform")
          .action(),
      command("insight-collect", "insight collect", "--tenant T [--day D]", "write day D's features (default yesterday) of every customer holding a subscriber from the platform's data: usage and sessions from the closed sessions, outage minutes from the outage alerts listing them, top-ups paid that day, the dunning step (docs/insight.md)")
          .args({tenant(), integer("day").range(0, 1000000)})
          .role("tenant")
          .action(),
      command("insight-runs", "insight runs", "[--limit N]", "the daily run of collect, train and score (insight.daily-at, UTC): on or off, when it runs next, and the last runs with their outcome and what they did")
          .args({integer("limit").range(1, 400)})
          .role("platform"),
      command("insight-score", "insight score", "--tenant T [--day D]", "score the tenant's active customers with its churn model (the prior while it has none)")
          .args({tenant(), integer("day").range(0, 1000000)})
          .role("tenant")
          .action(),
      command("insight-backtest", "insight backtest", "[--tenant T] [--day D]", "time-split backtest: train on the days before D-90, score at D-90, compare with who left by D (AUC, top-decile lift, calibration)")
          .args({text("tenant", false, 64), integer("day").range(0, 1000000)})
          .role("tenant"),
      command("insight-at-risk", "insight at-risk", "--tenant T [--limit N]", "the tenant's customers at risk of leaving, highest score first, with the factors in words")
          .args({tenant(), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("insight-retention", "insight retention", "--tenant T [--limit N]", "the retention list: the top 20% of the tenant's scored customers, with the factors in words and a suggested action")
          .args({tenant(), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("insight-upsell", "insight upsell", "--tenant T [--day D] [--limit N]", "customer upsell candidates: quota ran out or top-ups bought twice or more in the 90 days before D")
          .args({tenant(), integer("day").range(0, 1000000), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("demo-insight", "insight demo", "--tenant T", "a demo tenant's sample insight: customers for its sample subscribers, 400 days of generated features, a past outage with its impact and notifications, planned maintenance (once; then insight train and insight score)")
          .args({tenant()})
          .role("platform")
          .change(),
      command("tenant-health", "tenant health", "[--tenant T]", "every tenant's health score 0-100 with its weighted factors (devices, payments, growth, churn) and the premium upsell candidates (near the tier's cap, or asking for a higher tier's plugins)")
          .args({text("tenant", false, 64)})
          .role("platform"),

      // Fleet monitoring and notifications (mgmt/monitoring, docs/insight.md "Fleet monitoring", ADR 0054).
      command("alert-list", "alert list", "--tenant T [--state open|closed] [--limit N]", "the tenant's alerts (a box silent or reporting alarms): open first, most customers affected first")
          .args({tenant(), text("state", false, 16), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("alert-groups", "alert groups", "--tenant T [--state open|closed] [--limit N]", "the tenant's alerts grouped by root cause (boxes silent together, a box and its alarms): open groups first, most customers affected first, each customer counted once")
          .args({tenant(), text("state", false, 16), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("alert-ack", "alert ack", "--tenant T --id N", "acknowledge an alert: someone is on it (shown on the alert and its group; the first acknowledgement stays)")
          .args({tenant(), integer("id", true).range(1, INT64_MAX)})
          .positional("id")
          .roles(fieldWork())
          .change(),
      command("alert-show", "alert show", "--tenant T --id N [--limit N]", "one alert and the customers it affects (subscribers seen on the box before it went silent)")
          .args({tenant(), integer("id", true).range(1, INT64_MAX), integer("limit").range(1, 100000)})
          .positional("id")
          .role("tenant"),
      command("network-device-list", "network-device list", "--tenant T", "the network devices the tenant's boxes poll over SNMP, as last reported, and those described here: reachable or since when not, uptime, interfaces down, site, what hangs off each, the NAS they serve and how many subscribers had a session through them within the impact window and how many are online through them now, the open device-unreachable alert")
          .args({tenant()})
          .role("tenant"),
      command("network-device-put", "network-device put", "--tenant T --box ID --name N [--site S] [--upstream DEVICE] [--note TEXT]", "describe a network device of a box (added, or its description replaced): its site (alerts of one site are grouped), the device of the same box it hangs off (its outage takes that device's customers too) and a note")
          .args({tenant(), text("box", true, 64), text("name", true, 64), text("site", false, 64),
                 text("upstream", false, 64), text("note", false, 500)})
          .roles(fieldWork())
          .change(),
      command("network-device-remove", "network-device remove", "--tenant T --box ID --name N", "remove the description of a network device (what the box reports stays)")
          .args({tenant(), text("box", true, 64), text("name", true, 64)})
          .roles(fieldWork())
          .change(),
      command("box-site-set", "box-site set", "--tenant T --box ID [--site S]", "the site a box stands at (alerts of one site are grouped); no site removes it")
          .args({tenant(), text("box", true, 64), text("site", false, 64)})
          .roles(fieldWork())
          .change(),
      command("notification-settings-get", "notification-settings get", "--tenant T", "how the tenant's customers and systems are told of outages (secrets shown as \"(set)\")")
          .args({tenant()})
          .role("tenant"),
      command("notification-settings-set", "notification-settings set", "--tenant T --settings JSON", "change some keys: {\"email\": true, \"sms\": true, \"sms-api-url\", \"sms-account\", \"sms-token\", \"sms-from\": \"+1555...\", \"webhook-url\", \"webhook-secret\", \"quiet-hours\": \"22:00-07:00\", \"utc-offset-minutes\": 60}")
          .args({tenant(), text("settings", true, 16384)})
          .roles(peopleManagers())
          .change(),
      command("notification-preference-set", "notification-preference set", "--tenant T --customer ID --channel email|sms|none", "how one customer is told of outages and maintenance")
          .args({tenant(), text("customer", true, 64), text("channel", true, 8)})
          .roles(tenantChangers())
          .change(),
      command("maintenance-add", "maintenance add", "--tenant T --start TIME --end TIME --devices D1,D2 [--reason TEXT]", "schedule planned maintenance of boxes (TIME: Unix seconds or 2026-12-08T01:00Z); their customers are told monitoring.maintenance-lead seconds before")
          .args({tenant(), text("start", true, 32), text("end", true, 32), list("devices"), text("reason", false, 500)})
          .roles(fieldWork())
          .change(),
      command("maintenance-list", "maintenance list", "--tenant T [--limit N]", "the tenant's planned maintenance, newest start first")
          .args({tenant(), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("maintenance-cancel", "maintenance cancel", "--tenant T --id N", "cancel planned maintenance (customers not yet told are not told)")
          .args({tenant(), integer("id", true).range(1, INT64_MAX)})
          .positional("id")
          .roles(fieldWork())
          .change(),
      command("notification-log", "notification log", "--tenant T [--limit N]", "every notification sent or pending (email, SMS, webhook), newest first, with its state and last error")
          .args({tenant(), integer("limit").range(1, 10000)})
          .role("tenant"),

      // Billing of the tenant's customers (mgmt/billing, docs/billing.md): money as amounts such as
      // 12.50 in the tenant's currency, dates as 2026-01-31 (UTC days).
      command("billing-setup", "billing setup", "--tenant T --currency CODE [--prices-include-tax true] [--payment-days 14]", "set the tenant's billing currency, whether prices include tax, and payment terms")
          .args({tenant(), text("currency", false, 3), boolean("prices-include-tax"), integer("payment-days").range(0, 365)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("tax-rate-set", "tax-rate set", "--tenant T [--region R] --rate 16 [--name VAT]", "the tax rate (percent) of a region ('' = customers without a region)")
          .args({tenant(), text("region", false, 64), text("rate", true, 8), text("name", false, 64)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("tax-rate-list", "tax-rate list", "--tenant T", "the tenant's tax rates by region").args({tenant()}).role("tenant"),
      command("billing-customer", "billing customer", "--tenant T --username U [--region R] [--tax standard|exempt|reverse-charge] [--tax-id ID]", "a customer's tax region and status")
          .args({tenant(), text("username", true, 253), text("region", false, 64), text("tax", false, 16), text("tax-id", false, 64)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("subscription-add", "subscription add", "--tenant T --username U --plan P [--period month|quarter|year] [--anchor-day 1..31] [--mode prepaid|postpaid] [--start DATE] [--trial-days N] [--discount 20 --discount-periods N]", "subscribe a customer to a plan (priced by the plan)")
          .args({tenant(), text("username", true, 253), text("plan", true, 64), text("period", false, 16),
                 integer("anchor-day").range(1, 31), text("mode", false, 16), text("start", false, 10),
                 integer("trial-days").range(0, 366), text("discount", false, 8), integer("discount-periods").range(0, 120)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("subscription-list", "subscription list", "--tenant T [--username U]", "subscriptions with their plans, phases and what is billed")
          .args({tenant(), text("username", false, 253)})
          .role("tenant"),
      command("subscription-change", "subscription change", "--tenant T --subscription ID --plan P [--at now|end-of-term] [--date DATE] [--preview]", "change plan; what was billed ahead is prorated to the day (--preview: the numbers, nothing changed)")
          .args({tenant(), text("subscription", true, 64), text("plan", true, 64), text("at", false, 16), text("date", false, 10),
                 boolean("preview")})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("subscription-cancel", "subscription cancel", "--tenant T --subscription ID [--at now|end-of-term] [--date DATE]", "cancel; unused days billed ahead are credited")
          .args({tenant(), text("subscription", true, 64), text("at", false, 16), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("charge-add", "charge add", "--tenant T --username U --description D --amount 25.00 [--date DATE]", "a one-time charge (installation, top-up) on the next run's invoice")
          .args({tenant(), text("username", true, 253), text("description", true, 200), text("amount", true, 20), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("billing-run", "billing run", "--tenant T [--date DATE] [--finalize true] [--batch N]", "invoice every period due by the date (drafts, or issued with --finalize); safe to run again")
          .args({tenant(), text("date", false, 10), boolean("finalize"), integer("batch").range(1, 5000)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("invoice-list", "invoice list", "--tenant T [--username U] [--status draft|issued] [--limit N]", "invoices and credit notes, newest first")
          .args({tenant(), text("username", false, 253), text("status", false, 16), integer("limit").range(1, 100000)})
          .role("tenant"),
      command("invoice-show", "invoice show", "--tenant T --invoice ID", "one invoice (a draft's preview) with its lines and tax")
          .args({tenant(), text("invoice", true, 64)})
          .role("tenant"),
      command("invoice-finalize", "invoice finalize", "--tenant T [--invoice ID] [--date DATE]", "issue one draft or all: numbers without gaps, ledger entries")
          .args({tenant(), text("invoice", false, 64), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("credit-note-add", "credit-note add", "--tenant T --invoice ID [--date DATE]", "reverse an issued invoice with a credit note (issued invoices are never edited)")
          .args({tenant(), text("invoice", true, 64), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("payment-add", "payment add", "--tenant T (--username U | --reference RF..) --amount 10.00 [--method cash|bank|online] [--key K] [--date DATE]", "record a payment: to the referenced invoice, then the oldest open ones, the rest to credit")
          .args({tenant(), text("username", false, 253), text("amount", true, 20), text("method", false, 16),
                 text("reference", false, 40), text("key", false, 128), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("refund-add", "refund add", "--tenant T --username U --amount 5.00 [--method cash|bank|online] [--key K] [--date DATE]", "pay back a customer's credit")
          .args({tenant(), text("username", true, 253), text("amount", true, 20), text("method", false, 16), text("key", false, 128), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("billing-balance", "billing balance", "--tenant T [--username U]", "what each customer owes and holds as credit")
          .args({tenant(), text("username", false, 253)})
          .role("tenant"),
      command("billing-aging", "billing aging", "--tenant T [--date DATE] [--format json|csv]", "accounts receivable aging: what each customer owes on issued invoices by days overdue (not due, 1-30, 31-60, 61-90, 90+)")
          .args({tenant(), text("date", false, 10), text("format", false, 4)})
          .role("tenant"),
      command("billing-tax-report", "billing tax-report", "--tenant T --from DATE --to DATE [--format json|csv]", "tax report: invoices and credit notes issued in [from, to) summed by tax region, rate and treatment")
          .args({tenant(), text("from", true, 10), text("to", true, 10), text("format", false, 4)})
          .role("tenant"),
      command("billing-revenue", "billing revenue", "--tenant T [--date DATE] [--months 12] [--format json|csv]", "revenue by month up to the date: MRR, paying customers, ARPU and churned revenue (docs/billing.md \"Revenue\")")
          .args({tenant(), text("date", false, 10), integer("months").range(1, 36), text("format", false, 4)})
          .role("tenant"),
      command("payment-list", "payment list", "--tenant T [--username U] [--limit N]", "payments received, newest first, with what was refunded of each and what is left to refund online")
          .args({tenant(), text("username", false, 253), integer("limit").range(1, 10000)})
          .role("tenant"),
      command("payment-show", "payment show", "--tenant T --payment ID", "one payment: the invoices it paid, what was refunded and what is left to refund online")
          .args({tenant(), text("payment", true, 64)})
          .role("tenant"),
      command("billing-verify", "billing verify", "--tenant T", "prove the books: every entry balances, balances equal their entries, invoice numbers have no gap")
          .args({tenant()})
          .role("tenant"),
      // The platform billing its tenants (ADR 0071): its own books are `--tenant platform` in the
      // commands above; a tenant's owner and billing people read their own bills.
      command("platform-subscription-show", "platform-subscription show", "[--tenant T]", "a tenant's subscription to the platform: tier, price a month or a year, what it owes, its invoices")
          .args({tenant()})
          .role("tenant")
          .roles(platformBillReaders()),
      command("platform-invoice-show", "platform-invoice show", "[--tenant T] --invoice ID", "one of the platform's invoices to a tenant, with its lines")
          .args({tenant(), text("invoice", true, 64)})
          .role("tenant")
          .roles(platformBillReaders()),
      command("platform-subscription-set", "platform-subscription set", "[--tenant T] --period month|year", "pay the platform by the month or by the year (ten months' price) from today; unused days are credited")
          .args({tenant(), text("period", true, 8)})
          .role("tenant")
          .roles(platformBillChangers())
          .change(),
      command("platform-billing-list", "platform-billing list", "", "every tenant with its tier, period, price and what it owes the platform")
          .role("platform"),
      command("platform-billing-run", "platform-billing run", "[--date DATE]", "invoice and issue the tenants' subscriptions due by the date (mgmtd does it every minute); safe to run again")
          .args({text("date", false, 10)})
          .role("platform")
          .change(),

      // Payments that arrive by themselves: the online payment provider and bank statements.
      command("payment-provider-set", "payment-provider set", "--tenant T --secret-key SK --webhook-secret WHSEC", "the tenant's account at the online payment provider; its webhooks go to /api/v1/payments/webhook?tenant=ID")
          .args({tenant(), secret("secret-key", true), secret("webhook-secret", true)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("checkout-create", "checkout create", "--tenant T --invoice ID [--success-url URL] [--cancel-url URL]", "a hosted checkout at the payment provider for what an invoice leaves open (its URL for the customer)")
          .args({tenant(), text("invoice", true, 64), text("success-url", false, 1024), text("cancel-url", false, 1024)})
          .role("tenant")
          .roles(billingStaff())
          .action(),
      // Top-ups bought in self-care (ADR 0058).
      command("topup-product-set", "topup-product set", "--tenant T --name N [--bytes 5GB] [--time 2h] --price 4.99 [--description TEXT]", "a top-up customers can buy in self-care: data and/or online time at a price (added or changed)")
          .args({tenant(), text("name", true, 64), text("bytes", false, 32), text("time", false, 32), text("price", true, 20),
                 text("description", false, 200)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("topup-product-list", "topup-product list", "--tenant T", "the tenant's top-up products")
          .args({tenant()})
          .role("tenant"),
      command("topup-product-del", "topup-product del", "--tenant T --name N", "remove a top-up product (orders of it keep what they bought)")
          .args({tenant(), text("name", true, 64)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("topup-order-list", "topup-order list", "--tenant T [--username U] [--state pending|paid] [--limit N]", "top-ups bought in self-care: paid ones with their invoice and how many boxes they were sent to")
          .args({tenant(), text("username", false, 253), text("state", false, 16), integer("limit").range(1, 100000)})
          .role("tenant"),
      command("refund-create", "refund create", "--tenant T --payment ID [--amount A] --key K [--reason TEXT]", "give money back from an online payment through the provider (all that is left, or A): booked once by the provider's refund id with a credit note (the reason on its line); the same --key again gives the first refund back")
          .args({tenant(), text("payment", true, 64), text("amount", false, 32), text("key", true, 64), text("reason", false, 200)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("bank-import", "bank import", "--tenant T --format camt053|csv --file PATH", "import a bank statement: lines matched surely become payments, the others wait for review; a line imported before is skipped")
          .args({tenant(), text("format", true, 16), text("statement", true, 921600)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("bank-line-list", "bank-line list", "--tenant T [--state matched|review|accepted|rejected] [--limit N]", "imported bank lines with their match, confidence and state")
          .args({tenant(), text("state", false, 16), integer("limit").range(1, 100000)})
          .role("tenant"),
      command("bank-line-accept", "bank-line accept", "--tenant T --ref REF [--invoice ID | --username U]", "accept a line in review: a bank payment to the suggested (or given) invoice or customer")
          .args({tenant(), text("ref", true, 255), text("invoice", false, 64), text("username", false, 253)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("bank-line-reject", "bank-line reject", "--tenant T --ref REF", "reject a line in review: it pays nothing")
          .args({tenant(), text("ref", true, 255)})
          .role("tenant")
          .roles(billingStaff())
          .change(),

      // Dunning: steps per tenant, the job that applies them, each customer's standing and log
      // (mgmt/billing/dunning_service.h, docs/billing.md "Dunning", ADR 0047).
      command("dunning-policy-get", "dunning-policy get", "--tenant T", "the tenant's dunning steps (none: dunning is off) and the documented default")
          .args({tenant()})
          .role("tenant"),
      command("dunning-policy-set", "dunning-policy set", "--tenant T --steps JSON|default|off", "set the dunning steps: [{\"after-days\": 3, \"action\": \"remind\", \"mail\": \"dunning-reminder\"}, {\"after-days\": 14, \"action\": \"throttle\", \"rate\": \"1M/512k\"}, ...] (actions remind, throttle, walled, suspend, terminate)")
          .args({tenant(), text("steps", true, 8192)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("dunning-run", "dunning run", "[--tenant T] [--date DATE]", "move every subscription past due to the step it has reached (the platform job, by hand; safe to run again)")
          .args({tenant(), text("date", false, 10)})
          .role("tenant")
          .roles(billingStaff())
          .change(),
      command("dunning-status", "dunning status", "--tenant T [--username U] [--subscription ID] [--limit N]", "subscriptions in dunning with their step, and the log of every move")
          .args({tenant(), text("username", false, 253), text("subscription", false, 64), integer("limit").range(1, 10000)})
          .role("tenant"),

      // Partners and resellers, commissions, statements, payouts (mgmt/partners, docs/partners.md):
      // a platform caller without --tenant works on platform partners, with it on that tenant's
      // resellers; a partner's own people read their ledger, statements and payouts.
      command("partner-add", "partner add", "[--tenant T] --name N --type TYPE --currency CODE [--tier bronze|silver|gold|platinum] [--email E] [--hold-days 30] [--min-payout 50.00] [--referral-window-days 90] [--iban IBAN [--bic BIC]]", "add a partner (platform level) or a tenant's reseller (--tenant); prints its id and referral code; --iban: where payouts go (mod-97 checked)")
          .args({tenant(), text("name", true, 128), text("type", true, 32), text("currency", true, 3), text("tier", false, 16),
                 text("email", false, 254), integer("hold-days").range(0, 365), text("min-payout", false, 20),
                 integer("referral-window-days").range(1, 365), text("iban", false, 42), text("bic", false, 11)})
          .roles(billingStaff())
          .change(),
      command("partner-set", "partner set", "[--tenant T] --partner ID [--name N] [--tier TIER [--date DATE] [--reason R]] [--status active|suspended] [--email E] [--hold-days N] [--min-payout 50.00] [--referral-window-days N] [--iban IBAN] [--bic BIC]", "change a partner; a tier change counts from --date (commission rates by tier follow it); --iban '' clears the account")
          .args({tenant(), text("partner", true, 64), text("name", false, 128), text("tier", false, 16), text("status", false, 16),
                 text("email", false, 254), integer("hold-days").range(0, 365), text("min-payout", false, 20),
                 integer("referral-window-days").range(1, 365), text("date", false, 10), text("reason", false, 200),
                 text("iban", false, 42), text("bic", false, 11)})
          .roles(billingStaff())
          .change(),
      command("partner-list", "partner list", "[--tenant T]", "partners: the platform's, or a tenant's resellers (--tenant)")
          .args({tenant()})
          .roles(partnerReaders()),
      command("partner-show", "partner show", "[--tenant T] --partner ID [--date DATE]", "one partner: earnings on hold, payable, approved and paid; plans and tiers over time")
          .args({tenant(), text("partner", false, 64), text("date", false, 10)})
          .roles(partnerReaders()),
      // White label (ADR 0064): a partner's people change their own brand; a tenant's owners and admins
      // their resellers'; the platform any. The tier of the reseller's tenant needs white-label.
      command("partner-brand-show", "partner brand-show", "[--tenant T] --partner ID",
              "a partner's white-label brand (name, colours, logo) and what its portal and customers see now")
          .args({tenant(), text("partner", false, 64)})
          .roles(partnerReaders()),
      command("partner-brand-set", "partner brand-set",
              "[--tenant T] --partner ID [--display-name N] [--primary-colour #rrggbb] [--accent-colour #rrggbb]",
              "a partner's white-label name and colours on its portal, its customers' self-care pages and mail "
              "(the white-label plugin: premium tier and above)")
          .args({tenant(), text("partner", false, 64), text("display-name", false, 100),
                 text("primary-colour", false, 7), text("accent-colour", false, 7)})
          .roles(brandChangers())
          .feature("white-label")
          .change(),
      command("partner-brand-logo-set", "partner brand-logo-set", "[--tenant T] --partner ID --image BASE64",
              "a partner's white-label logo: a PNG or JPEG of at most 256 KiB and 1024x1024, in base64 "
              "(the white-label plugin)")
          .args({tenant(), text("partner", false, 64), text("image", true, 349528)})
          .roles(brandChangers())
          .feature("white-label")
          .change(),
      command("partner-brand-logo-clear", "partner brand-logo-clear", "[--tenant T] --partner ID",
              "a partner's uploaded logo removed (the white-label plugin)")
          .args({tenant(), text("partner", false, 64)})
          .roles(brandChangers())
          .feature("white-label")
          .change(),
      command("commission-plan-set", "commission-plan set", "[--tenant T] --name N --currency CODE --spec JSON", "a commission plan: {\"flat\": \"15.00\", \"rate-bp\": 1000, \"brackets\": [{\"from\": \"0\", \"rate-bp\": 500}], \"bracket-mode\": \"whole|marginal\", \"tier-bp\": {\"gold\": 200}, \"recurring\": \"lifetime|once|N\", \"bonus-target\": \"5000.00\", \"bonus\": \"200.00\"}")
          .args({tenant(), text("name", true, 64), text("currency", true, 3), text("spec", true, 8192)})
          .roles(billingStaff())
          .change(),
      command("commission-plan-list", "commission-plan list", "[--tenant T]", "commission plans of the platform or of a tenant")
          .args({tenant()})
          .roles(billingStaff()),
      command("partner-plan", "partner plan", "[--tenant T] --partner ID --plan NAME [--date DATE]", "put a partner on a plan from a day (the plan as it is now is copied)")
          .args({tenant(), text("partner", true, 64), text("plan", true, 64), text("date", false, 10)})
          .roles(billingStaff())
          .change(),
      command("attribution-set", "attribution set", "--tenant T --username U (--partner ID | --code CODE [--clicked DATE] | --detach true) [--date DATE] [--note N]", "attribute a customer (or, for the platform's books, a tenant) to a partner from a day, by hand or referral code")
          .args({tenant(), text("username", true, 253), text("partner", false, 64), text("code", false, 32), text("clicked", false, 10),
                 text("date", false, 10), text("note", false, 200), boolean("detach")})
          .roles(billingStaff())
          .change(),
      command("attribution-list", "attribution list", "[--tenant T] [--username U] [--partner ID]", "who belongs to which partner from when (history)")
          .args({tenant(), text("username", false, 253), text("partner", false, 64)})
          .roles(partnerReaders()),
      command("commission-run", "commission run", "[--tenant T] [--batch N]", "accrue commissions on money paid since the last run, claw back credit notes; safe to run again")
          .args({tenant(), integer("batch").range(1, 100000)})
          .roles(billingStaff())
          .change(),
      command("commission-chargeback", "commission chargeback", "--tenant T --payment ID [--date DATE]", "a payment was charged back: take back the commission it earned")
          .args({tenant(), text("payment", true, 64), text("date", false, 10)})
          .roles(billingStaff())
          .change(),
      command("partner-bonus", "partner bonus", "[--tenant T] --partner ID --quarter 2026-Q1", "the quarterly performance bonus, when the quarter's paid volume reached the plan's target (once)")
          .args({tenant(), text("partner", true, 64), text("quarter", true, 7)})
          .roles(billingStaff())
          .change(),
      command("partner-ledger", "partner ledger", "[--tenant T] --partner ID [--from DATE] [--to DATE] [--limit N]", "the commission ledger: each entry with its invoice and payment")
          .args({tenant(), text("partner", false, 64), text("from", false, 10), text("to", false, 10), integer("limit").range(1, 100000)})
          .roles(partnerReaders()),
      command("partner-statement", "partner statement", "[--tenant T] --partner ID --period 2026-03", "a month's statement line by line: opening, accrued, clawed back, bonus, paid out, closing, on hold, payable")
          .args({tenant(), text("partner", false, 64), text("period", true, 7)})
          .roles(partnerReaders()),
      command("payout-approve", "payout approve", "[--tenant T] --partner ID [--date DATE]", "approve paying what is payable (past the hold, at least the minimum)")
          .args({tenant(), text("partner", true, 64), text("date", false, 10)})
          .roles(billingStaff())
          .change(),
      command("payout-paid", "payout paid", "[--tenant T] --payout ID [--date DATE]", "mark an approved payout paid")
          .args({tenant(), text("payout", true, 64), text("date", false, 10)})
          .roles(billingStaff())
          .change(),
      command("payout-list", "payout list", "[--tenant T] [--partner ID] [--status approved|paid] [--format json|csv]", "payouts, as JSON or a CSV batch")
          .args({tenant(), text("partner", false, 64), text("status", false, 16), text("format", false, 8)})
          .roles(partnerReaders()),
      command("payout-account-set", "payout account", "[--tenant T] --name HOLDER --iban IBAN [--bic BIC]", "the account payouts are paid from (the debtor of pain.001): the platform's, or a tenant's (--tenant)")
          .args({tenant(), text("name", true, 140), text("iban", true, 42), text("bic", false, 11)})
          .roles(billingStaff())
          .change(),
      command("payout-export", "payout export", "[--tenant T] [--format pain001|csv] [--date EXECUTION-DATE] [--batch ID]", "approved payouts not exported yet, as one ISO 20022 pain.001.001.03 credit transfer file (or CSV) for the bank; each payout goes out in one batch; --batch writes that batch again")
          .args({tenant(), text("format", false, 8), text("date", false, 10), text("batch", false, 40)})
          .roles(billingStaff())
          .change(),
      command("partners-verify", "partners verify", "[--tenant T]", "recompute every statement from the ledger, check the ledger's numbering and totals, trace each entry to billing")
          .args({tenant()})
          .roles(billingStaff()),
      // A partner's own accounts with insight's figures (mgmt/partners/partner_health.h, ADR 0073).
      command("partner-health", "partner health", "[--tenant T] --partner ID [--limit N]", "the health and churn risk of the accounts attributed to the partner today: a reseller's customers (churn score 0-100, band, the factors in words, a suggested action), a platform partner's tenants (health score 0-100, band, the factors that cost it points); highest risk first")
          .args({tenant(), text("partner", false, 64), integer("limit").range(1, 1000)})
          .roles(partnerReaders()),

      // The partner programme (mgmt/partners/program_service.h, docs/partners.md, ADR 0055):
      // territories and attribution by territory, agreements, certification, tier review, applications.
      command("partner-territory-add", "partner territory add", "[--tenant T] --partner ID --country DE [--region R] [--city C] [--postal P] [--exclusive true]", "give a partner a territory (exclusive or shared); the answer names the territories it overlaps and who wins there")
          .args({tenant(), text("partner", true, 64), text("country", true, 2), text("region", false, 64), text("city", false, 64),
                 text("postal", false, 16), boolean("exclusive")})
          .roles(billingStaff())
          .change(),
      command("partner-territory-list", "partner territory list", "[--tenant T] [--partner ID] [--all true]", "territories of the platform's partners, a tenant's resellers, or one partner (--all: removed ones too)")
          .args({tenant(), text("partner", false, 64), boolean("all")})
          .roles(partnerReaders()),
      command("partner-territory-remove", "partner territory remove", "[--tenant T] --id N", "remove a territory (it decides nothing from now; attributions it made stay)")
          .args({tenant(), integer("id").range(1, INT64_MAX)})
          .roles(billingStaff())
          .change(),
      command("attribution-explain", "attribution explain", "--tenant T (--username U | --country DE [--region R] [--city C] [--postal P]) [--date DATE] [--platform true]", "who a customer belongs to and why: the attribution in force and the territory rules' answer in words")
          .args({tenant(), text("username", false, 253), text("date", false, 10), boolean("platform"), text("country", false, 2),
                 text("region", false, 64), text("city", false, 64), text("postal", false, 16)})
          .roles(billingStaff()),
      command("attribution-territory", "attribution territory", "--tenant T --username U [--date DATE] [--platform true] [--country DE ...]", "attribute a customer by territory (from the customer's country, region, city and postal code); never replaces one by hand or referral")
          .args({tenant(), text("username", true, 253), text("date", false, 10), boolean("platform"), text("country", false, 2),
                 text("region", false, 64), text("city", false, 64), text("postal", false, 16)})
          .roles(billingStaff())
          .change(),
      command("agreement-publish", "agreement publish", "--title T --body TEXT", "publish the next version of the partner agreement: partners are paid out once they accept it")
          .args({text("title", true, 200), text("body", true, 65536)})
          .roles({"platform-owner", "platform-admin"})
          .change(),
      command("agreement-show", "agreement show", "[--version N] [--partner ID]", "the partner agreement (current or a version); with --partner (or as a partner) who accepted which version when")
          .args({tenant(), integer("version").range(1, INT64_MAX), text("partner", false, 64)})
          .roles(partnerReaders()),
      command("agreement-accept", "agreement accept", "[--version N]", "accept the current partner agreement, as one of the partner's people (recorded with the version and time)")
          .args({integer("version").range(1, INT64_MAX)})
          .roles({"partner"})
          .change(),
      command("partner-certify", "partner certify", "[--tenant T] --partner ID --until DATE|none [--name N]", "a partner's certification and the last day it holds (lists show expired ones)")
          .args({tenant(), text("partner", true, 64), text("until", true, 10), text("name", false, 64)})
          .roles(billingStaff())
          .change(),
      command("partner-tier-rules", "partner tier-rules", "[--tenant T] --rules JSON", "tier thresholds by trailing paid revenue: {\"currency\": \"EUR\", \"window-months\": 12, \"silver\": \"10000.00\", \"gold\": \"50000.00\", \"platinum\": \"150000.00\", \"hysteresis-bp\": 1000}")
          .args({tenant(), text("rules", true, 8192)})
          .roles(billingStaff())
          .change(),
      command("partner-tiers-review", "partner tiers-review", "[--tenant T] [--date DATE] [--apply true]", "each partner's trailing revenue against the tier rules: the changes they call for, with the figures; --apply writes them into the tier history")
          .args({tenant(), text("date", false, 10), boolean("apply")})
          .roles(billingStaff())
          .change(),
      command("partner-apply", "partner apply", "[--tenant T] --name N --company C --email E --type TYPE --country DE [--message M]", "record an application to become a partner (the public form /partners/apply does the same)")
          .args({tenant(), text("name", true, 128), text("company", true, 128), text("email", true, 254), text("type", true, 32),
                 text("country", true, 2), text("message", false, 4000)})
          .roles(billingStaff())
          .change(),
      command("partner-application-list", "partner application list", "[--tenant T] [--status pending|approved|rejected] [--limit N]", "applications to become a partner, newest first")
          .args({tenant(), text("status", false, 16), integer("limit").range(1, 1000)})
          .roles(billingStaff()),
      command("partner-application-decide", "partner application decide", "[--tenant T] --id ID --decision approve|reject [--reason R] [--currency EUR] [--tier bronze]", "approve (makes the partner and invites its person) or reject with a reason; the applicant is mailed either way")
          .args({tenant(), text("id", true, 64), text("decision", true, 8), text("reason", false, 1000), text("currency", false, 3),
                 text("tier", false, 16)})
          .roles(billingStaff())
          .change(),


      // Admin API tokens: an integration's, or a person's own (--person), each with a role.
      command("token-create", "token create", "[--tenant T] [--name N] [--role R] [--person EMAIL] [--ttl 90d]", "an admin API bearer token with a role, for the platform or one tenant, an integration's or a person's (shown once; --ttl: it expires)")
          .args({tenant(), text("name", false, 64), text("role", false, 32), text("person", false, 254), text("ttl", false, 32)})
          .roles(tokenManagers())
          .change(),
      command("token-list", "token list", "[--tenant T]", "admin API tokens (never their secrets): role, state, expiry, last use")
          .args({tenant()})
          .roles(tokenManagers()),
      command("token-revoke", "token revoke", "ID", "revoke an admin API token at once")
          .args({text("id", true, 64)})
          .positional("id")
          .roles(tokenManagers())
          .change(),

      // People and roles (mgmt/access, ADR 0028).
      command("person-add", "person add", "--email E --role R [--tenant T | --partner ID] [--name N] [--password P]", "add a person with a role: without --password an invitation link is mailed (the first platform owner: mgmtctl person add --email E --role platform-owner --password P; a partner's person: --role partner --partner ID)")
          .args({text("email", true, 254), text("role", true, 32), tenant(), text("partner", false, 64), text("name", false, 128), secret("password")})
          .roles(peopleManagers())
          .change(),
      command("person-list", "person list", "[--tenant T]", "people with their role, level, status, second factor and last sign-in")
          .args({tenant()})
          .roles(peopleManagers()),
      command("person-set", "person set", "--email E [--role R] [--status active|disabled]", "change a person's role, or disable them (their sessions and tokens stop at once)")
          .args({text("email", true, 254), text("role", false, 32), text("status", false, 16)})
          .positional("email")
          .roles(peopleManagers())
          .change(),

      // The audit log: every change, by whom, when, from where, before and after.
      command("audit-search", "audit search", "[--tenant T] [--actor A] [--command C] [--since ISO8601] [--until ISO8601] [--limit N] [--after ID]", "the audit log, newest first; --after ID: the rows after that one (the next page)")
          .args(auditArguments())
          .roles(auditReaders()),
      command("audit-export", "audit export", "[--tenant T] [--actor A] [--command C] [--since ISO8601] [--until ISO8601] [--limit N] [--after ID]", "the audit log as CSV (oldest first)")
          .args(auditArguments())
          .roles(auditReaders()),
      command("call", "call", "COMMAND [JSON-ARGUMENTS]", "send any control command (scripts, support)").cliOnly(),
  });
  return specs;
}

}  // namespace mgmt
