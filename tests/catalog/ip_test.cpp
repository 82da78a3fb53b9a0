// Addresses and prefixes of the catalog: parsing, formatting, matching.
#include <string>

#include "catalog/ip.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(CatalogIp) {};

TEST(CatalogIp, V4IsHeldMappedAndFormatsBack) {
  std::optional<catalog::IpAddress> ip = catalog::parseIp("192.0.2.7");
  CHECK_TRUE(ip.has_value());
  CHECK_TRUE(ip->isV4());
  UNSIGNED_LONGS_EQUAL(0xC0000207u, ip->v4());
  STRCMP_EQUAL("192.0.2.7", catalog::formatIp(*ip).c_str());
  CHECK_TRUE(catalog::IpAddress::fromV4(0xC0000207u) == *ip);
  std::optional<catalog::IpAddress> v6 = catalog::parseIp("2001:db8::1");
  CHECK_TRUE(v6.has_value());
  CHECK_FALSE(v6->isV4());
  STRCMP_EQUAL("2001:db8::1", catalog::formatIp(*v6).c_str());
  CHECK_FALSE(catalog::parseIp("192.0.2.300").has_value());
  CHECK_FALSE(catalog::parseIp("").has_value());
  CHECK_FALSE(catalog::parseIp(" 192.0.2.7").has_value());
}

TEST(CatalogIp, PrefixesMatchTheirAddressesOnly) {
  std::optional<catalog::IpPrefix> p = catalog::parsePrefix("192.0.2.0/24");
  CHECK_TRUE(p.has_value());
  LONGS_EQUAL(120, p->length);  // held in IPv6 terms
  STRCMP_EQUAL("192.0.2.0/24", catalog::formatPrefix(*p).c_str());
  CHECK_TRUE(p->contains(*catalog::parseIp("192.0.2.255")));
  CHECK_FALSE(p->contains(*catalog::parseIp("192.0.3.1")));
  CHECK_FALSE(p->contains(*catalog::parseIp("2001:db8::1")));
  std::optional<catalog::IpPrefix> host = catalog::parsePrefix("192.0.2.7");
  STRCMP_EQUAL("192.0.2.7", catalog::formatPrefix(*host).c_str());
  CHECK_TRUE(host->contains(*catalog::parseIp("192.0.2.7")));
  CHECK_FALSE(host->contains(*catalog::parseIp("192.0.2.8")));
  std::optional<catalog::IpPrefix> v6 = catalog::parsePrefix("2001:db8::/32");
  CHECK_TRUE(v6->contains(*catalog::parseIp("2001:db8:ffff::1")));
  CHECK_FALSE(v6->contains(*catalog::parseIp("2001:db9::1")));
}

TEST(CatalogIp, BadPrefixesSayWhatIsWrong) {
  std::string error;
  CHECK_FALSE(catalog::parsePrefix("10.0.0.1/33", &error).has_value());
  STRCMP_EQUAL("'10.0.0.1/33' has a prefix length over 32", error.c_str());
  CHECK_FALSE(catalog::parsePrefix("10.0.0.1/24", &error).has_value());
  STRCMP_EQUAL("'10.0.0.1/24' has host bits set (did you mean 10.0.0.1/32?)", error.c_str());
  CHECK_FALSE(catalog::parsePrefix("10.0.0.0/", &error).has_value());
  STRCMP_EQUAL("'10.0.0.0/' has a bad prefix length", error.c_str());
  CHECK_FALSE(catalog::parsePrefix("10.0.0.0/2x", &error).has_value());
  STRCMP_EQUAL("'10.0.0.0/2x' has a bad prefix length", error.c_str());
  CHECK_FALSE(catalog::parsePrefix("router", &error).has_value());
  STRCMP_CONTAINS("'router' is not an IP address or prefix", error.c_str());
  CHECK_FALSE(catalog::parsePrefix("2001:db8::/129", &error).has_value());
  STRCMP_EQUAL("'2001:db8::/129' has a prefix length over 128", error.c_str());
}
