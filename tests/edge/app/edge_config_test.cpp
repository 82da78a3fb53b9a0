// edged's configuration table and the control-command argument reader.
#include "core/config.h"
#include "core/command_args.h"
#include "edge/app/edge_config.h"

#include <CppUTest/TestHarness.h>

namespace {
// The table is a lazy static: build it before main() so the leak checker does not count it.
const core::ConfigTable<edge::EdgeConfig>& kTable = edge::edgeConfigTable();

core::Result<edge::EdgeConfig> parse(const char* text) {
  core::Result<core::Json> doc = core::parseJsonWithComments(text, "t.json");
  if (!doc.isOk()) return doc.status();
  return kTable.parse(*doc);
}

core::Status parseConfig(const char* text) { return parse(text).status(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_GROUP(EdgeConfig){};

TEST(EdgeConfig, DefaultsAreTheDocumentedOnes) {
  core::Result<edge::EdgeConfig> c = parse("{}");
  CHECK_TRUE(c.isOk());
  STRCMP_EQUAL("/var/lib/edged", c->dataDir.c_str());
  STRCMP_EQUAL("/run/edged/control.sock", c->controlSocket.c_str());
  LONGS_EQUAL(1812, c->radius.authPort);
  LONGS_EQUAL(1813, c->radius.acctPort);
  CHECK_TRUE(c->radius.requireMessageAuthenticator);
  LONGS_EQUAL(4, c->radius.authMethods.size());
  STRCMP_EQUAL("full", c->database.synchronous.c_str());
  LONGS_EQUAL(3, c->accounting.staleMultiplier);
  STRCMP_EQUAL("/var/lib/edged/acct.db", c->accountingDatabasePath().c_str());
}

TEST(EdgeConfig, RoundTripOfTheEffectiveConfig) {
  core::Result<edge::EdgeConfig> c = parse(R"({"radius": {"auth-port": 11812, "auth-methods": ["pap"]}})");
  CHECK_TRUE(c.isOk());
  core::Json rendered = kTable.toJson(*c);
  core::Result<edge::EdgeConfig> again = kTable.parse(rendered);
  CHECK_TRUE(again.isOk());
  STRCMP_EQUAL(rendered.dump().c_str(), kTable.toJson(*again).dump().c_str());
}

TEST(EdgeConfig, ErrorsNameTheKey) {
  STRCMP_EQUAL("radius.auth-methods: 'eap' is not one of: pap, chap, mschapv2, mac",
               parse(R"({"radius": {"auth-methods": ["pap", "eap"]}})").status().message().c_str());
  STRCMP_EQUAL("radius.auth-port and acct-port must differ",
               parse(R"({"radius": {"auth-port": 1812, "acct-port": 1812}})").status().message().c_str());
  STRCMP_EQUAL("radius.radsec-key: required with radsec-certificate",
               parse(R"({"radius": {"radsec-certificate": "/etc/edged/radsec.pem", "radsec-ca": "/etc/edged/ca.pem"}})")
                   .status().message().c_str());
  STRCMP_EQUAL("radius.radsec-ca: required with radsec-certificate",
               parse(R"({"radius": {"radsec-certificate": "/etc/edged/radsec.pem", "radsec-key": "/etc/edged/k.pem"}})")
                   .status().message().c_str());
  STRCMP_EQUAL("radius.radsec-certificate: required with radsec-key and radsec-ca",
               parse(R"({"radius": {"radsec-key": "/etc/edged/k.pem"}})").status().message().c_str());
  STRCMP_EQUAL("radius.radsec-key: 'k.pem' must be an absolute path",
               parse(R"({"radius": {"radsec-key": "k.pem"}})").status().message().c_str());
  STRCMP_EQUAL("radius.radsec-max-connections-per-nas: 0 is out of range 1..256",
               parse(R"({"radius": {"radsec-max-connections-per-nas": 0}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-key: required with eap-certificate",
               parse(R"({"radius": {"eap-certificate": "/etc/edged/eap.pem"}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-certificate: required with eap-key, eap-ca and eap-crl",
               parse(R"({"radius": {"eap-ca": "/etc/edged/clients.pem"}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-crl: needs eap-ca (the CA it revokes for)",
               parse(R"({"radius": {"eap-certificate": "/e/s.pem", "eap-key": "/e/s.key", "eap-crl": "/e/c.pem"}})")
                   .status().message().c_str());
  STRCMP_EQUAL("radius.eap-peap-crypto-binding: 'yes' is not one of: optional, required",
               parse(R"({"radius": {"eap-peap-crypto-binding": "yes"}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-first-method: 'leap' is not one of: peap, ttls, tls",
               parse(R"({"radius": {"eap-first-method": "leap"}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-first-method: tls needs eap-ca",
               parse(R"({"radius": {"eap-certificate": "/e/s.pem", "eap-key": "/e/s.key", "eap-first-method": "tls"}})")
                   .status().message().c_str());
  STRCMP_EQUAL("radius.eap-ca: 'ca.pem' must be an absolute path",
               parse(R"({"radius": {"eap-ca": "ca.pem"}})").status().message().c_str());
  STRCMP_EQUAL("radius.eap-max-conversations: 0 is out of range 1..65536",
               parse(R"({"radius": {"eap-max-conversations": 0}})").status().message().c_str());
  STRCMP_EQUAL("radius.listen: 'localhost' is not an IP address",
               parse(R"({"radius": {"listen": "localhost"}})").status().message().c_str());
  STRCMP_EQUAL("accounting.stale-multiplier: 1 is out of range 2..100",
               parse(R"({"accounting": {"stale-multiplier": 1}})").status().message().c_str());
  STRCMP_EQUAL("gateway.signup-total: 0 is out of range 1..100000",
               parse(R"({"gateway": {"signup-total": 0}})").status().message().c_str());
  STRCMP_EQUAL("gateway.signup-window: 10 is out of range 60..604800",
               parse(R"({"gateway": {"signup-window": 10}})").status().message().c_str());
}

TEST(EdgeConfig, PortalLimitsHaveSaneDefaults) {
  core::Result<edge::EdgeConfig> c = parse("{}");
  CHECK_TRUE(c.isOk());
  LONGS_EQUAL(5, c->gateway.loginAttempts);
  LONGS_EQUAL(5, c->gateway.signupPerDevice);
  LONGS_EQUAL(50, c->gateway.signupTotal);
  LONGS_EQUAL(3600, c->gateway.signupWindow);
}

TEST(EdgeConfig, ReloadRefusesKeysThatCannotChangeLive) {
  edge::EdgeConfig a = *parse("{}");
  edge::EdgeConfig b = a;
  b.logLevel = "debug";
  b.radius.authMethods = {"pap"};
  CHECK_TRUE(edge::checkReloadable(a, b).isOk());
  b.radius.authPort = 1645;
  STRCMP_EQUAL("radius.auth-port cannot change while edged runs; restart edged to apply it",
               edge::checkReloadable(a, b).message().c_str());
}

// Keys read once at start by what they configure: a reload that took them would report success and
// change nothing, so it is refused, naming the key (issue 29).
TEST(EdgeConfig, ReloadRefusesKeysOnlyReadAtStart) {
  const edge::EdgeConfig a = *parse("{}");
  struct Case {
    const char* key;
    void (*change)(edge::EdgeConfig&);
  };
  const Case cases[] = {
      {"database.busy-timeout-ms", [](edge::EdgeConfig& c) { c.database.busyTimeoutMs += 1; }},
      {"accounting.stale-multiplier", [](edge::EdgeConfig& c) { c.accounting.staleMultiplier += 1; }},
      {"accounting.stale-default-seconds", [](edge::EdgeConfig& c) { c.accounting.staleDefaultSeconds += 1; }},
      {"accounting.disconnect-grace-seconds", [](edge::EdgeConfig& c) { c.accounting.disconnectGraceSeconds += 1; }},
      {"billing.tenant-name", [](edge::EdgeConfig& c) { c.billing.tenantName += "!"; }},
      {"license.trusted-key", [](edge::EdgeConfig& c) { c.license.trustedKey = "/etc/edged/other.pem"; }},
      {"sync.max-backoff", [](edge::EdgeConfig& c) { c.sync.maxBackoff += 1; }},
      {"sync.usage-batch", [](edge::EdgeConfig& c) { c.sync.usageBatch += 1; }},
      {"sync.outbox-limit", [](edge::EdgeConfig& c) { c.sync.outboxLimit += 1; }},
      {"sync.version-file", [](edge::EdgeConfig& c) { c.sync.versionFile = "/etc/edged/version"; }},
      {"radius.eap-certificate (EAP on or off)", [](edge::EdgeConfig& c) { c.radius.eapCertificate = "/etc/e.pem"; }},
      {"radius.radsec-certificate (RadSec on or off)",
       [](edge::EdgeConfig& c) { c.radius.radsecCertificate = "/etc/r.pem"; }},
      {"radius.radsec-max-connections", [](edge::EdgeConfig& c) { c.radius.radsecMaxConnections += 1; }},
      {"radius.eap-first-method", [](edge::EdgeConfig& c) { c.radius.eapFirstMethod = "tls"; }},
      {"radius.eap-peap-crypto-binding", [](edge::EdgeConfig& c) { c.radius.eapPeapCryptoBinding = "required"; }},
      {"radius.eap-fragment-size", [](edge::EdgeConfig& c) { c.radius.eapFragmentSize += 1; }},
      {"gateway.portal-logo", [](edge::EdgeConfig& c) { c.gateway.portalLogo = "/etc/edged/logo.png"; }},
  };
  for (const Case& k : cases) {
    edge::EdgeConfig b = a;
    k.change(b);
    STRCMP_EQUAL((std::string(k.key) + " cannot change while edged runs; restart edged to apply it").c_str(),
                 edge::checkReloadable(a, b).message().c_str());
  }
  // What does change live is still accepted: levels, methods, the alert thresholds, the portal's words.
  edge::EdgeConfig b = a;
  b.logLevel = "warning";
  b.radius.requireMessageAuthenticator = false;
  b.alerts.diskLowPercent = 50;
  b.alerts.licenseWarningDays = 90;
  b.gateway.portalName = "Lobby";
  b.radius.eapCrl = "/etc/edged/eap/clients.crl";  // read again by the reload itself
  b.radius.radsecCrl = "/etc/edged/radsec/nas.crl";
  CHECK_TRUE(edge::checkReloadable(a, b).isOk());
}

TEST_GROUP(CommandArgs){};

TEST(CommandArgs, TypedValuesFromJsonOrText) {
  core::Json j = core::Json::parse(R"({"n": "300", "m": 7, "rate": "10M", "size": "2GiB", "flag": "yes"})");
  core::CommandArgs a(j);
  LONGS_EQUAL(300, **a.integer("n", 0, 1000));
  LONGS_EQUAL(7, **a.integer("m", 0, 10));
  CHECK_EQUAL(10000000ULL, **a.rate("rate"));
  CHECK_EQUAL(2147483648ULL, **a.size("size"));
  CHECK_TRUE(**a.boolean("flag"));
  CHECK_FALSE(a.integer("absent", 0, 1)->has_value());
}

TEST(CommandArgs, ErrorsNameTheArgument) {
  core::Json j = core::Json::parse(R"({"n": "3x", "big": 5000, "rate": "fast", "typo": 1})");
  core::CommandArgs a(j);
  STRCMP_EQUAL("n: '3x' is not a whole number", a.integer("n", 0, 10).status().message().c_str());
  STRCMP_EQUAL("big: 5000 is out of range 0..10", a.integer("big", 0, 10).status().message().c_str());
  CHECK_FALSE(a.rate("rate").isOk());
  STRCMP_EQUAL("unknown argument 'big' (known: n, rate)", a.only({"n", "rate"}).message().c_str());
  STRCMP_EQUAL("name is required", a.required("name").status().message().c_str());
}

TEST(CommandArgs, NumbersBeyondInt64AreOutOfRangeNotWrapped) {
  // Found by tests/fuzz/control_command_fuzz.cpp: 2^64-1 was read as -1 and passed -10..10.
  core::Json j = core::Json::parse(R"({"days": 18446744073709551615, "n": 9223372036854775807})");
  core::CommandArgs a(j);
  STRCMP_EQUAL("days: 18446744073709551615 is out of range -10..10", a.integer("days", -10, 10).status().message().c_str());
  CHECK_EQUAL(INT64_MAX, **a.integer("n", 0, INT64_MAX));
}

TEST(EdgeConfig, SnmpIsOffByDefaultAndNotificationsNeedACommunity) {
  core::Result<edge::EdgeConfig> c = parse("{}");
  CHECK_TRUE(c.isOk());
  CHECK_FALSE(c->snmp.enabled);
  STRCMP_EQUAL("/var/agentx/master", c->snmp.agentxSocket.c_str());
  CHECK_TRUE(c->snmp.trapCommunity.empty());  // never a default 'public'
  core::Result<edge::EdgeConfig> noCommunity = parse(R"({"snmp": {"trap-receivers": ["192.0.2.9"]}})");
  CHECK_FALSE(noCommunity.isOk());
  STRCMP_EQUAL("snmp.trap-community: required when trap-receivers is set", noCommunity.status().message().c_str());
  core::Result<edge::EdgeConfig> badReceiver =
      parse(R"({"snmp": {"trap-receivers": ["nms.example:162"], "trap-community": "x"}})");
  CHECK_FALSE(badReceiver.isOk());
  CHECK(badReceiver.status().message().find("snmp.trap-receivers: 'nms.example:162' is not ADDRESS[:PORT]") == 0);
  core::Result<edge::EdgeConfig> good = parse(
      R"({"snmp": {"trap-receivers": ["192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162"], "trap-community": "x"}})");
  CHECK_TRUE(good.isOk());
  CHECK_FALSE(parse(R"({"snmp": {"trap-receivers": ["192.0.2.9:70000"], "trap-community": "x"}})").isOk());
}

TEST(EdgeConfig, GatewayKeysMissingOrWrongAreNamed) {
  core::Status s = parseConfig(R"({"gateway": {"enabled": true, "wan-interface": "eth1"}})");
  CHECK_FALSE(s.isOk());
  CHECK_TRUE(contains(s.message(), "lan-interface"));
  s = parseConfig(R"({"gateway": {"enabled": true, "lan-interface": "eth0", "wan-interface": "eth0"}})");
  CHECK_TRUE(contains(s.message(), "wan-interface"));
  s = parseConfig(R"({"gateway": {"lan-address": "10.0.0.1"}})");
  CHECK_TRUE(contains(s.message(), "lan-address"));
  s = parseConfig(R"({"gateway": {"portal-color": "red"}})");
  CHECK_TRUE(contains(s.message(), "portal-color"));
  CHECK_TRUE(parseConfig(R"({"gateway": {"enabled": true, "lan-interface": "eth0", "wan-interface": "eth1",
                                         "walled-garden": ["192.0.2.1", "example.org"]}})")
                 .isOk());
}

// The network devices the box polls (ADR 0062): a list of objects, each checked; errors name the element.
TEST(EdgeConfig, NetworkDevicesAreCheckedAndErrorsNameTheElement) {
  core::Result<edge::EdgeConfig> c = parse(R"({"network": {"poll-interval": 30, "devices": [
      {"name": "sw1", "address": "192.0.2.2", "nas": "bras", "community": "ro-42"},
      {"name": "r1", "address": "2001:db8::1", "port": 1161, "kind": "router", "user": "poller",
       "auth-password": "auth-pass-0123", "priv-password": "priv-pass-4567"}]}})");
  CHECK_TRUE_TEXT(c.isOk(), c.status().message().c_str());
  LONGS_EQUAL(2, c->network.devices.size());
  STRCMP_EQUAL("switch", c->network.devices[0].kind.c_str());  // the default kind
  LONGS_EQUAL(161, c->network.devices[0].port);
  LONGS_EQUAL(1161, c->network.devices[1].port);
  LONGS_EQUAL(3, c->network.failures);
  // The effective config renders and parses back to the same devices.
  core::Result<edge::EdgeConfig> again = kTable.parse(kTable.toJson(*c));
  CHECK_TRUE(again.isOk());
  STRCMP_EQUAL(kTable.toJson(*c).dump().c_str(), kTable.toJson(*again).dump().c_str());

  auto error = [](const char* text) { return parse(text).status().message(); };
  STRCMP_EQUAL("network.devices[1].name: 'a' is used twice",
               error(R"({"network": {"devices": [{"name": "a", "address": "x", "community": "c"},
                                                 {"name": "a", "address": "y", "community": "c"}]}})").c_str());
  STRCMP_EQUAL("network.devices[0].address: required",
               error(R"({"network": {"devices": [{"name": "a", "community": "c"}]}})").c_str());
  STRCMP_EQUAL("network.devices[0].community: give a community or a user, one of them",
               error(R"({"network": {"devices": [{"name": "a", "address": "x"}]}})").c_str());
  STRCMP_EQUAL("network.devices[0].auth-password: 8 characters or more with a user",
               error(R"({"network": {"devices": [{"name": "a", "address": "x", "user": "u"}]}})").c_str());
  STRCMP_EQUAL("network.devices[0].kind: 'hub' is not one of: nas, switch, router",
               error(R"({"network": {"devices": [{"name": "a", "address": "x", "community": "c", "kind": "hub"}]}})").c_str());
  STRCMP_EQUAL("network.devices: expected list of objects, got object", error(R"({"network": {"devices": {}}})").c_str());
  CHECK_TRUE(contains(error(R"({"network": {"devices": [{"name": "a", "adress": "x"}]}})"), "network.devices[0].adress: unknown key"));
  // Changing the devices needs a restart.
  core::Result<edge::EdgeConfig> none = parse("{}");
  STRCMP_CONTAINS("network", edge::checkReloadable(*none, *c).message().c_str());
  CHECK_TRUE(edge::checkReloadable(*c, *again).isOk());
}
