// The gateway's pure parts: the LAN arithmetic, dnsmasq's lease file, and the nftables text. The kernel side is tested for real in tests/integration/gateway_test.py.
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_nft.h"

#include <CppUTest/TestHarness.h>

namespace {
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
