#include "edge/commands/edge_commands.h"

#include "catalog/nas.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "edge/certs/cert_inspect.h"

namespace edge {

using core::command::boolean;
using core::command::command;
using core::command::integer;
using core::command::list;
using core::command::rows;
using core::command::secret;
using core::command::Spec;
using core::command::text;

const std::vector<std::string>& edgeRoles() {
  // viewer: looks; technician: serves subscribers at the box (sessions, top-ups, vouchers);
  // admin: changes how the box works (NAS clients, plans, license, enrollment, configuration).
  static const std::vector<std::string> roles = {"viewer", "technician", "admin"};
  return roles;
}

namespace {

// EAP's private key: never echoed, up to the size edge/certs accepts.
core::command::Arg eapKeyArg() {
  core::command::Arg a = secret("key", true);
  a.maxLength = certs::kMaxKeyBytes;
  return a;
}

// plan-add's arguments and "batch": the import batch that adds it (edgectl import, issue 30).
std::vector<core::command::Arg> withImportBatch(std::vector<core::command::Arg> args) {
  args.push_back(text("batch", false, 64));
  return args;
}

}  // namespace

const std::vector<Spec>& edgeCommandSpecs() {
  static const std::vector<Spec> specs = {
      // The box itself.
      command("status", "status", "", "whether edged runs, version, uptime, paths, database, RADIUS and counters")
          .role("viewer"),
      command("stats", "stats", "", "RADIUS counters, server-wide and per NAS client").role("viewer"),
      command("config-get", "config-get", "", "print the configuration edged is running with, every key spelled out")
          .role("admin"),
      command("config-reload", "config-reload", "", "re-read the config file; applied only when valid as a whole")
          .role("admin")
          .action(),
      command("config-show", "config show", "",
              "the running configuration with secrets redacted (the technician UI's Settings page)")
          .role("viewer"),
      command("events", "events", "[--limit N] [--kind K] [--search TEXT] [--since RFC3339] [--after ID]",
              "the appliance event log, newest first; --kind one kind (a prefix with a trailing *), --search "
              "words in the detail (a subscriber's name), --since a time, --after an event id")
          .args({integer("limit").range(1, 100000), text("kind", false, 64), text("search", false, 253),
                 text("since", false, 40), integer("after").range(0, INT64_MAX)})
          .role("viewer"),
      command("support-bundle", "support-bundle", "--out FILE",
              "a .tar.gz for support: config (secrets redacted), events, status, stats, counters, versions")
          .role("technician"),
      command("shutdown", "shutdown", "", "stop edged cleanly (same as SIGTERM)").role("admin").action(),

      // NAS clients.
      command("nas-add", "nas add",
              "--name N --address IP[/LEN] --secret S [--vendor V] [--coa-port P] [--nas-identifier ID] "
              "[--require-message-authenticator yes|no|default] [--radsec-identity sha256:FINGERPRINT|NAME]",
              "add or replace a NAS client (vendor: generic, mikrotik, wispr, chillispot, cisco, accel-ppp)")
          .args(catalog::nasArguments())
          .role("admin")
          .change(),
      command("nas-list", "nas list", "", "list NAS clients (secrets are never shown)").role("viewer"),
      command("nas-del", "nas del", "--name N", "delete a NAS client")
          .args({text("name", true, 64)})
          .positional("name")
          .role("admin")
          .change(),

      // Plans.
      command("plan-add", "plan add",
              "--name N --down RATE --up RATE [--burst-down RATE --burst-up RATE] [--burst-threshold PCT] "
              "[--burst-time S] [--session-timeout S] [--idle-timeout S] [--interim S] [--max-sessions N] "
              "[--ip-pool NAME] [--price 19.99 --currency USD] [--period month|week|day|30d] "
              "[--period-anchor calendar|subscriber] [--data-quota BYTES] [--fup BYTES:DOWN/UP]... "
              "[--fup BYTES:block|redirect] [--time-quota 10h] [--validity 30d] [--window HH:MM-HH:MM:uncounted|DOWN/UP]...",
              "add a plan; rates in bit/s with k, M, G (512k, 10M, 1G); sizes 500MB, 2GB, 2GiB; "
              "'--fup none' and '--window none' clear them")
          .args(withImportBatch(catalog::planArguments()))
          .role("admin")
          .change(),
      command("plan-set", "plan set", "--name N [any plan add option]", "change a plan")
          .args(catalog::planArguments())
          .positional("name")
          .role("admin")
          .change(),
      command("plan-list", "plan list", "", "list plans").role("viewer"),
      command("plan-del", "plan del", "--name N", "delete a plan that no subscriber uses")
          .args({text("name", true, 64)})
          .positional("name")
          .role("admin")
          .change(),

      // Subscribers.
      command("subscriber-add", "subscriber add",
              "--username U --password P|--nt-hash HEX|--password-hash '{ssha}...' --plan N [--mac MAC] "
              "[--expires ISO8601] [--status active|suspended|disabled] [--static-ip IP]",
              "add a subscriber (a MAC-address username needs no password: MAC authentication; an imported "
              "--password-hash serves PAP only)")
          .args(catalog::subscriberArguments())
          .role("technician")
          .change()
          .upstream(),
      command("subscriber-set", "subscriber set",
              "--username U [--password P] [--plan N] [--mac MAC|''] [--expires ISO8601|''] [--status S] "
              "[--static-ip IP|''] [--dunning throttle|walled|suspend|''] [--dunning-rate DOWN/UP|''] "
              "[--dunning-url https://...|'']",
              "change a subscriber; the next request sees it (a plan move and dunning also act on live sessions by "
              "CoA or Disconnect)")
          .args(catalog::subscriberArguments())
          .positional("username")
          .role("technician")
          .change()
          .upstream(),
      command("subscriber-del", "subscriber del", "--username U", "delete a subscriber")
          .args({text("username", true, 253)})
          .positional("username")
          .role("admin")
          .change()
          .upstream(),
      command("subscriber-show", "subscriber show", "U", "show one subscriber")
          .args({text("username", true, 253)})
          .positional("username")
          .role("viewer"),
      command("subscriber-list", "subscriber list",
              "[--plan N] [--status S] [--search PREFIX] [--find TEXT] [--limit N] [--offset N]",
              "list subscribers; --find: usernames and bound MACs that start with or contain TEXT, best first, "
              "counted up to 1000")
          .args({text("plan", false, 64), text("status", false, 16), text("search", false, 253), text("find", false, 253),
                 integer("limit").range(1, 100000), integer("offset").range(0, INT64_MAX)})
          .role("viewer"),
      command("subscriber-import", "subscriber import", "--csv FILE",
              "import subscribers from CSV: header username,password,plan[,mac,expires,status,static-ip]")
          .args({rows("rows", 100000), text("batch", false, 64)})
          .role("admin")
          .change()
          .upstream(),
      // Import batches (issue 30): edgectl import adds its plans and subscribers as one batch.
      command("import-rollback", "import rollback", "BATCH",
              "remove what import batch BATCH added and nobody changed since (its plans others use stay)")
          .args({text("batch", true, 64)})
          .positional("batch")
          .role("admin")
          .change()
          .upstream(),
      command("import-list", "import list", "", "the import batches on this box: state, what each added")
          .role("viewer"),
      command("subscriber-topup", "subscriber topup",
              "--username U [--bytes 5GB] [--time 2h] [--validity 7d] [--note TEXT] [--id ID]",
              "add data, online time or validity to the current billing period (live: fair-use sessions get their "
              "rate back); --id: applied once by that id (a top-up bought on mgmt)")
          .args({text("username", true, 253), text("bytes", false, 32), text("time", false, 32),
                 text("validity", false, 32), text("note", false, 200), text("id", false, 128)})
          .positional("username")
          .role("technician")
          .change()
          .upstream(),
      command("subscriber-explain", "subscriber explain", "U",
              "why the last authentication got its rate or reject: plan, tier, counters, window, expiry")
          .args({text("username", true, 253)})
          .positional("username")
          .role("viewer"),

      // Sessions and usage.
      command("session-list", "session list", "[--user U] [--nas N]", "live sessions")
          .args({text("user", false, 253), text("nas", false, 64)})
          .role("viewer"),
      command("session-search", "session search",
              "[--user PART] [--nas N] [--ip PREFIX] [--mac PART] [--sort started|bytes|user] [--limit N] "
              "[--offset N | --after KEY | --before KEY]",
              "a page of live sessions: filtered (part of a username, a NAS, the start of an address, part of a MAC), "
              "sorted (newest, most data, user) and counted; offset at most 10000; --after / --before the last-key "
              "/ first-key of a page give the next / previous page at any depth")
          .args({text("user", false, 253), text("nas", false, 64), text("ip", false, 45), text("mac", false, 64),
                 text("sort", false, 16), integer("limit").range(1, 500), integer("offset").range(0, 10000),
                 text("after", false, 300), text("before", false, 300)})
          .role("viewer"),
      command("session-show", "session show", "ID", "one session, live or closed (a unique prefix of the id is enough)")
          .args({text("id", true, 64)})
          .positional("id")
          .role("viewer"),
      command("session-history", "session history", "--user U [--limit N]", "closed sessions of a subscriber")
          .args({text("user", false, 253), integer("limit").range(1, 100000)})
          .role("viewer"),
      command("usage", "usage", "--user U [--period day|month]",
              "usage of a subscriber: this day's or month's totals, and the billing period's quota, tier, rate and "
              "reset")
          .args({text("user", false, 253), text("period", false, 16)})
          .role("viewer"),
      command("session-disconnect", "session disconnect", "--id ID | --user U [--wait no]",
              "disconnect a session, or all of a user's sessions, through the NAS (RFC 5176); waits for the NAS's "
              "answer (up to 12 s) unless --wait no; what does not come in time stays queued and its result is logged")
          .args({text("id", false, 64), text("user", false, 253), boolean("wait")})
          .role("technician")
          .action()
          .upstream(),
      command("session-coa", "session coa", "--id ID | --user U [--wait no]",
              "push the current plan's rate to live sessions (CoA); waits like session disconnect")
          .args({text("id", false, 64), text("user", false, 253), boolean("wait")})
          .role("technician")
          .action()
          .upstream(),

      // Vouchers.
      command("voucher-generate", "voucher generate",
              "--plan N --count K [--prefix P] [--valid-for 1d] [--price 5.00 [--currency USD]] [--batch NAME]",
              "generate K one-time voucher codes (12 symbols, 59 bits, no look-alike characters)")
          .args({text("plan", true, 64), integer("count").range(1, 10000), text("prefix", false, 64), text("valid-for", false, 32),
                 text("price", false, 32), text("currency", false, 8), text("batch", false, 64)})
          .role("technician")
          .change()
          .feature("vouchers")
          .upstream(),
      command("voucher-list", "voucher list", "[--batch B] [--state unused|active|expired|revoked] [--limit N]",
              "list vouchers and their state")
          .args({text("batch", false, 64), text("state", false, 16), integer("limit").range(1, 100000)})
          .role("viewer"),
      command("voucher-revoke", "voucher revoke", "--code C | --batch B",
              "revoke vouchers; live sessions are disconnected")
          .args({text("code", false, 64), text("batch", false, 64)})
          .role("technician")
          .change()
          .upstream(),
      command("voucher-export", "voucher export", "--batch B [--format csv|html] [--output FILE]",
              "a batch as CSV or a printable HTML sheet of cards (to FILE, or standard output)")
          .args({text("batch", true, 64), text("format", false, 8)})
          .role("technician"),

      // The hotspot gateway (when enabled).
      command("gateway-clients", "gateway clients", "",
              "the gateway's clients (subscriber, MAC, rate limit, live rate, counters) and DHCP leases")
          .role("viewer"),

      // Diagnostics (edge/diagnostics): run on the box, by technicians and admins. --wait no starts a run
      // and answers its id at once (the technician UI follows its output); otherwise the answer is the
      // whole output once the run has ended.
      command("radius-test-login", "radius test-login",
              "--username U --password P [--method pap|chap] [--calling-station-id MAC]",
              "an Access-Request to this box's own RADIUS server from its loopback NAS 'diagnostics': Accept or "
              "Reject, the reply attributes, and a reject's reason in words")
          .args({text("username", true, 253), secret("password", true), text("method", false, 8),
                 text("calling-station-id", false, 64)})
          .positional("username")
          .role("technician")
          .action(),
      command("nas-probe", "nas probe", "--name N [--address IP]",
              "whether a NAS's CoA/Disconnect port answers this box: Status-Server (RFC 5997), then a Disconnect for "
              "a made-up session; answered (and the secret verified) or not, and the round trip")
          .args({text("name", true, 64), text("address", false, 64)})
          .positional("name")
          .role("technician")
          .action(),
      command("diag-ping", "diag ping", "HOST [--wait no]", "ping a host or address from the box (5 echo requests)")
          .args({text("target", true, 254), boolean("wait")})
          .positional("target")
          .role("technician")
          .action(),
      command("diag-traceroute", "diag traceroute", "HOST [--wait no]", "the path to a host (20 hops at most)")
          .args({text("target", true, 254), boolean("wait")})
          .positional("target")
          .role("technician")
          .action(),
      command("diag-dns", "diag dns", "NAME [--type A|AAAA|CNAME|MX|NS|TXT|SRV|SOA|PTR] [--wait no]",
              "look a name up through the box's resolvers (dig); an address is looked up in reverse")
          .args({text("target", true, 254), text("type", false, 8), boolean("wait")})
          .positional("target")
          .role("technician")
          .action(),
      command("diag-tls", "diag tls", "[--url https://HOST:PORT] [--wait no]",
              "a TLS check of the management plane: certificate subject, issuer, expiry, fingerprint, and whether it "
              "verifies against the enrolled CA")
          .args({text("url", false, 512), boolean("wait")})
          .role("technician")
          .action(),
      command("radius-capture", "radius capture", "[--seconds N] [--wait no]",
              "capture RADIUS (auth, accounting, CoA/Disconnect ports only) for N seconds (1-60, 16 MiB at most) "
              "into a pcap file on the box")
          .args({integer("seconds").range(1, 60), boolean("wait")})
          .role("technician")
          .action(),
      command("diag-stop", "diag stop", "", "stop your diagnostics run in progress").role("technician").action(),
      command("diag-runs", "diag runs", "",
              "the recent diagnostics runs (the last 50 since edged started): who, what, target, when, how long, "
              "outcome, and whether you may read each one's output")
          .role("viewer"),
      command("diag-output", "diag output", "RUN",
              "a diagnostics run's output and capture file: your own runs (an admin: anyone's)")
          .args({text("run", true, 40)})
          .positional("run")
          .role("technician"),

      // License, management plane, SNMP.
      command("license-show", "license show", "", "the installed license: tenant, tier, cap, expiry, state")
          .role("viewer"),
      command("license-install", "license install", "FILE",
              "install a license file from the management plane (a tampered, foreign or older one is refused)")
          .args({text("document", true, 65536)})
          .positional("file")
          .role("admin")
          .action(),
      command("enroll", "enroll", "TOKEN [--force true] [--eap-certificate mgmt|keep]",
              "enroll this box with the management plane (TOKEN from `mgmtctl claim create`); then it syncs by itself. "
              "With EAP on, the management plane's CA issues EAP's server certificate and renews it (mgmt, the "
              "default), or the installed one is kept (keep)")
          .args({secret("token", true), boolean("force"), text("eap-certificate", false, 8)})
          .positional("token")
          .role("admin")
          .action(),
      // Certificates (edge/certs, ADR 0031): every one the box has in one view; EAP's installed here
      // (RadSec's, the UI's and the device's come from the config file and the management plane).
      command("certs", "certs", "",
              "the box's certificates and CRLs (EAP, RadSec, technician UI, device): subject, issuer, names, key type, "
              "validity and days left, SHA-256 fingerprint, a CRL's updates and revoked entries; a warning within "
              "alerts.certificate-warning-days of expiry, an error once expired")
          .role("viewer"),
      command("eap-install", "eap install", "--cert FILE --key FILE [--ca FILE] [--crl FILE]",
              "install EAP's server certificate (its chain, its own first) and key, and the EAP-TLS client CA and CRL: "
              "all checked first (PEM, the key matches, valid now, the chain verifies to the CA, the CRL is the CA's), "
              "written to the configured radius.eap-* paths and in use at once")
          .args({text("certificate", true, certs::kMaxCertificateBytes), eapKeyArg(),
                 text("ca", false, certs::kMaxCaBytes), text("crl", false, certs::kMaxCrlBytes)})
          .role("admin")
          .action()
          .upstream(),
      command("eap-crl", "eap crl", "FILE", "replace EAP's client CRL (checked against the installed eap-ca), in use at once")
          .args({text("crl", true, certs::kMaxCrlBytes)})
          .positional("file")
          .role("admin")
          .action()
          .upstream(),
      command("sync-status", "sync status", "",
              "the sync with the management plane: state, last success, backlog, last error")
          .role("viewer"),
      command("sync-now", "sync now", "", "run a sync cycle now instead of at the next poll").role("technician").action(),
      command("snmp-config", "snmp config",
              "--user U [--auth-passphrase P] [--priv-passphrase P] [--listen udp:IP:161] [--location L] [--contact C] "
              "[--output FILE]",
              "write snmpd.conf for this box: AgentX master for edged, one SNMPv3 authPriv user, no community")
          .args({text("user", true, 32), secret("auth-passphrase"), secret("priv-passphrase"), text("listen", false, 200),
                 text("location", false, 200), text("contact", false, 200)})
          .role("admin"),
      // People who sign in to the technician web UI (edge/webui). Not management changes of the
      // service: a box whose license froze changes still gets its technicians' accounts.
      command("user-add", "user add", "--username U --password P [--role viewer|technician|admin]",
              "add a technician UI account (argon2id hash; the role defaults to viewer)")
          .args({text("username", true, 64), secret("password", true), text("role", false, 16)})
          .positional("username")
          .role("admin")
          .action(),
      command("user-set", "user set", "--username U [--role R] [--password P] [--totp enable|disable]",
              "change an account's role or password, or turn its TOTP sign-in code on (the secret is shown "
              "once) or off; its open UI sessions end")
          .args({text("username", true, 64), secret("password"), text("role", false, 16), text("totp", false, 8)})
          .positional("username")
          .role("admin")
          .action(),
      command("user-del", "user del", "--username U", "delete a technician UI account; its open sessions end")
          .args({text("username", true, 64)})
          .positional("username")
          .role("admin")
          .action(),
      command("user-unlock", "user unlock", "--username U",
              "lift an account's sign-in lockout after failed sign-ins (not the lockout of a source address)")
          .args({text("username", true, 64)})
          .positional("username")
          .role("admin")
          .action(),
      command("user-list", "user list", "",
              "technician UI accounts: role, TOTP, central or local, locked until, last sign-in and from where "
              "(never their passwords)")
          .role("admin"),
      // A signed-in person's own account (the UI's My account page): the caller's label is the account.
      command("account-password", "account password", "--old-password P --new-password P",
              "change your own UI password (the old one is required); your other sessions end")
          .args({secret("old-password", true), secret("new-password", true)})
          .role("viewer")
          .action(),
      command("account-totp", "account totp", "--action enable|disable [--secret S --code C] [--password P]",
              "turn your own TOTP sign-in code on (the secret shown at enrollment and a code from it) or off "
              "(your password)")
          .args({text("action", true, 8), secret("secret"), secret("code"), secret("password")})
          .role("viewer")
          .action(),
      // Firmware (docs/firmware.md): installed and assessed by edgectl as root, never by edged; edged
      // only records the outcomes the health gate decided, and reports them to mgmt.
      command("firmware-install", "firmware install", "FILE|URL [--config F] [--reboot]",
              "verify a firmware bundle (a file, or an https URL fetched in ranges over mutual TLS) and write it into the inactive slot, on trial for the next boots")
          .cliOnly(),
      command("firmware-status", "firmware status", "[--config F]",
              "the booted slot, the security floor, each slot's boot entry and an install in progress")
          .cliOnly(),
      command("firmware-gate", "firmware gate", "[--config F] [--no-reboot]",
              "after boot: check the data plane over the soak window, then commit the new slot or roll back")
          .cliOnly(),
      command("firmware-report", "firmware report", "--outcome O --version V --slot S [--reason R] [--at T]",
              "record a firmware outcome decided by the health gate (installed, booted, committed, rolled-back)")
          .args({text("outcome", true, 16), text("version", true, 64), text("slot", true, 1), text("reason", false, 1024),
                 text("at", false, 32)})
          .role("admin")
          .action()
          .upstream(),
      command("import", "import", "--source freeradius-users --from PATH [--dry-run] [--default-plan NAME]",
              "subscribers and plans from another RADIUS system (docs/migration.md); --dry-run prints the risk "
              "report")
          .cliOnly(),
      command("call", "call", "COMMAND [JSON-ARGUMENTS]", "send any control command (scripts, support)").cliOnly(),
  };
  return specs;
}

}  // namespace edge
