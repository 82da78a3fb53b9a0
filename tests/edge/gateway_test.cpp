// The gateway's pure parts: the LAN arithmetic, dnsmasq's lease file, the nftables text, and the
// config's checks. The kernel side is tested for real in tests/integration/gateway_test.py.
#include "core/config.h"
#include "edge/edge_config.h"
#include "edge/gateway.h"
#include "edge/gateway_nft.h"
#include "edge/portal_limits.h"

#include <CppUTest/TestHarness.h>

namespace {
const core::ConfigTable<edge::EdgeConfig>& kTable = edge::edgeConfigTable();

core::Status parseConfig(const char* text) {
  core::Result<core::Json> doc = core::parseJsonWithComments(text, "t.json");
  if (!doc.isOk()) return doc.status();
  return kTable.parse(*doc).status();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_GROUP(Gateway){};

TEST(Gateway, LanDefaultsToTheUpperHalfOfTheNetwork) {
  auto lan = edge::parseGatewayLan("10.10.0.1/24", "");
  CHECK_TRUE(lan.isOk());
  STRCMP_EQUAL("10.10.0.1", lan->ip.c_str());
  STRCMP_EQUAL("255.255.255.0", lan->netmask.c_str());
  STRCMP_EQUAL("10.10.0.0/24", lan->network.c_str());
  STRCMP_EQUAL("10.10.0.128", lan->rangeFirst.c_str());
  STRCMP_EQUAL("10.10.0.254", lan->rangeLast.c_str());
  auto given = edge::parseGatewayLan("192.168.8.1/22", "192.168.9.10-192.168.10.20");
  CHECK_TRUE(given.isOk());
  STRCMP_EQUAL("192.168.9.10", given->rangeFirst.c_str());
}

TEST(Gateway, LanRefusesRangesOutsideTheNetworkOrOverTheBox) {
  CHECK_FALSE(edge::parseGatewayLan("10.10.0.1/24", "10.10.1.10-10.10.1.20").isOk());
  CHECK_FALSE(edge::parseGatewayLan("10.10.0.1/24", "10.10.0.20-10.10.0.10").isOk());
  CHECK_FALSE(edge::parseGatewayLan("10.10.0.1/24", "10.10.0.1-10.10.0.10").isOk());
  CHECK_FALSE(edge::parseGatewayLan("10.10.0.1/24", "10.10.0.10").isOk());
  CHECK_FALSE(edge::parseGatewayLan("10.10.0.0/24", "").isOk());
  auto bad = edge::parseGatewayLan("10.10.0.1/24", "10.10.1.10-10.10.1.20");
  CHECK_TRUE(contains(bad.status().message(), "gateway.dhcp-range"));
}

TEST(Gateway, LeasesSkipJunkAndLowerCaseTheMac) {
  auto leases = edge::parseDnsmasqLeases(
      "1790000000 02:AA:00:00:00:01 10.10.0.130 phone 01:02:aa:00:00:00:01\n"
      "garbage\n"
      "1790000001 02:aa:00:00:00:02 10.10.0.131 * *\n"
      "duid 00:01:00:01:2c:3d:4e:5f:02:aa:00:00:00:03\n");
  LONGS_EQUAL(2, leases.size());
  STRCMP_EQUAL("02:aa:00:00:00:01", leases[0].mac.c_str());
  STRCMP_EQUAL("phone", leases[0].hostname.c_str());
  STRCMP_EQUAL("", leases[1].hostname.c_str());
  LONGS_EQUAL(1790000001, leases[1].expires);
}

TEST(Gateway, RulesetGatesByMacAndIpAndBlocksIpv6) {
  edge::gw::NftLayout l{"br-lan", "wan0", "10.10.0.1", 8080, {"192.0.2.7", "198.51.100.0/24"}};
  std::string r = edge::gw::nftRuleset(l);
  CHECK_TRUE(contains(r, "ether saddr . ip saddr @auth4 meta priority set ip saddr map @class4"));
  CHECK_TRUE(contains(r, "iifname \"br-lan\" meta nfproto ipv6 reject"));
  CHECK_TRUE(contains(r, "dnat ip to 10.10.0.1:8080"));
  CHECK_TRUE(contains(r, "elements = { 192.0.2.7, 198.51.100.0/24 }"));
  CHECK_TRUE(contains(r, "oifname \"wan0\" meta nfproto ipv4 masquerade"));
  edge::gw::NftClient c{"02:aa:00:00:00:01", "10.10.0.130", 0x2a, "ab-12", 1, 2, 3, 4};
  std::string add = edge::gw::nftAddClient(c);
  CHECK_TRUE(contains(add, "class4 { 10.10.0.130 : 1:2a }"));
  CHECK_TRUE(contains(add, "add counter inet edged_gw u_ab12 { packets 1 bytes 2 }"));
  CHECK_TRUE(contains(add, "auth4 { 02:aa:00:00:00:01 . 10.10.0.130 }"));
  CHECK_TRUE(contains(edge::gw::nftRemoveClient(c), "delete counter inet edged_gw d_ab12"));
}

TEST(Gateway, ConfigNamesTheKeyThatIsMissingOrWrong) {
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

// ---- the portal's limits (edge/portal_limits.h) ----

TEST_GROUP(PortalLimits){};

TEST(PortalLimits, WindowCountsPerKeyAndSaysWhenToRetry) {
  edge::WindowCounter w;
  int64_t retry = 0;
  CHECK_TRUE(w.below("a", 1000, 60, 2, &retry));
  w.add("a", 1000, 60, 2);
  w.add("a", 1010, 60, 2);
  CHECK_FALSE(w.below("a", 1020, 60, 2, &retry));
  LONGS_EQUAL(40, retry);  // the event at 1000 leaves the window at 1060
  CHECK_TRUE(w.below("b", 1020, 60, 2, &retry));
  CHECK_TRUE(w.below("a", 1060, 60, 2, &retry));
  CHECK_FALSE(w.below("x", 0, 60, 0, &retry));  // a limit of 0 refuses all
}

TEST(PortalLimits, AFloodOfKeysForgetsTheStalestNotEveryone) {
  edge::WindowCounter w(3);
  int64_t retry = 0;
  w.add("held", 1000, 60, 1);
  w.add("old", 900, 60, 1);
  w.add("k1", 1001, 60, 1);
  w.add("k2", 1002, 60, 1);  // full: "old" (outside the window) goes
  LONGS_EQUAL(3, w.keys());
  CHECK_FALSE(w.below("held", 1003, 60, 1, &retry));
  w.add("k3", 1004, 60, 1);  // full again, nothing stale: the stalest ("held") goes, not all
  LONGS_EQUAL(3, w.keys());
  CHECK_FALSE(w.below("k1", 1005, 60, 1, &retry));
  CHECK_FALSE(w.below("k2", 1005, 60, 1, &retry));
}

TEST(PortalLimits, LoginsAreHeldBackByMacAndByAddress) {
  edge::PortalLimits limits;
  edge::PortalLimitSettings s;
  s.loginAttempts = 2;
  limits.configure(s);
  int64_t retry = 0;
  limits.loginFailed("02:00:00:00:00:01", "10.0.0.5", 100);
  limits.loginFailed("02:00:00:00:00:01", "10.0.0.5", 101);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.5", 102, &retry) == edge::PortalLimit::kDevice);
  // A new MAC at the same address: still held back, by the address.
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:99", "10.0.0.5", 102, &retry) == edge::PortalLimit::kAddress);
  LONGS_EQUAL(58, retry);
  // The same MAC at another address: held back by the MAC.
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.6", 102, &retry) == edge::PortalLimit::kDevice);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:02", "10.0.0.6", 102, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.loginAllowed("", "10.0.0.6", 102, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.5", 161, &retry) == edge::PortalLimit::kNone);
}

TEST(PortalLimits, SignupsArePerDevicePerAddressAndInTotal) {
  edge::PortalLimits limits;
  edge::PortalLimitSettings s;
  s.signupPerDevice = 2;
  s.signupTotal = 3;
  s.signupWindow = 3600;
  limits.configure(s);
  int64_t retry = 0;
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 0, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 1, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 2, &retry) == edge::PortalLimit::kDevice);
  LONGS_EQUAL(3598, retry);
  CHECK_TRUE(limits.takeSignup("m2", "10.0.0.1", 2, &retry) == edge::PortalLimit::kAddress);  // a new MAC
  CHECK_TRUE(limits.takeSignup("m3", "10.0.0.3", 3, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m4", "10.0.0.4", 4, &retry) == edge::PortalLimit::kTotal);
  LONGS_EQUAL(3596, retry);
  // A refused attempt is not counted: once the window moved on, the others may sign up again.
  CHECK_TRUE(limits.takeSignup("m4", "10.0.0.4", 3600, &retry) == edge::PortalLimit::kNone);
  STRCMP_EQUAL("total", edge::portalLimitName(edge::PortalLimit::kTotal));
}
