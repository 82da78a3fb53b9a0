// Dictionary: Debian's FreeRADIUS dictionaries, loaded once, names <-> numbers.
#include <optional>
#include <string>

#include "aaa/radius/dictionary.h"
#include "tests/support/radius_dictionary.h"

#include <CppUTest/TestHarness.h>

using aaa::radius::AttrRef;
using aaa::radius::AttrType;
using aaa::radius::Dictionary;

TEST_GROUP(RadiusDictionary) {
  const Dictionary* dict = &aaa::radius::testing::dictionary();  // tests/support/radius_dictionary.h

  void checkFind(const char* name, uint32_t vendor, uint32_t attr, AttrType type) {
    auto ref = dict->find(name);
    CHECK_TRUE_TEXT(ref.isOk(), ref.status().toString().c_str());
    LONGS_EQUAL(vendor, ref->vendor);
    LONGS_EQUAL(attr, ref->attr);
    STRCMP_EQUAL(aaa::radius::attrTypeName(type), aaa::radius::attrTypeName(ref->type));
  }
};

TEST(RadiusDictionary, FindsRfcAndVendorAttributes) {
  checkFind("User-Name", 0, 1, AttrType::kString);
  checkFind("User-Password", 0, 2, AttrType::kString);
  checkFind("NAS-IP-Address", 0, 4, AttrType::kIpAddr);
  checkFind("Message-Authenticator", 0, 80, AttrType::kOctets);
  checkFind("Event-Timestamp", 0, 55, AttrType::kDate);
  checkFind("Framed-IPv6-Prefix", 0, 97, AttrType::kIpv6Prefix);
  checkFind("Mikrotik-Rate-Limit", 14988, 8, AttrType::kString);
  checkFind("WISPr-Bandwidth-Max-Down", 14122, 8, AttrType::kInteger);
  checkFind("ChilliSpot-Bandwidth-Max-Down", 14559, 5, AttrType::kInteger);
  // RFC 6929 extended attribute: the parent (241) sits in the top octet of the vendor field.
  checkFind("Frag-Status", 241u << 24, 1, AttrType::kInteger);
}

TEST(RadiusDictionary, NamesAreCaseInsensitive) { checkFind("user-name", 0, 1, AttrType::kString); }

TEST(RadiusDictionary, MissingAttributeNamesItself) {
  auto ref = dict->find("Edge-No-Such-Attribute");
  CHECK_FALSE(ref.isOk());
  CHECK_TRUE(ref.status().code() == core::Code::kNotFound);
  STRCMP_CONTAINS("Edge-No-Such-Attribute", ref.status().message().c_str());
}

TEST(RadiusDictionary, NameByNumber) {
  STRCMP_EQUAL("User-Name", dict->nameOf(0, 1)->c_str());
  STRCMP_EQUAL("Mikrotik-Rate-Limit", dict->nameOf(14988, 8)->c_str());
  STRCMP_EQUAL("Acct-Input-Gigawords", dict->nameOf(AttrRef{0, 52, AttrType::kInteger})->c_str());
  auto missing = dict->nameOf(14988, 250);
  CHECK_TRUE(missing.status().code() == core::Code::kNotFound);
  STRCMP_CONTAINS("14988", missing.status().message().c_str());
}

TEST(RadiusDictionary, LoadIsOncePerFolder) {
  CHECK_TRUE(Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR).isOk());  // same folder: no-op
  auto other = Dictionary::load("/tmp");
  CHECK_FALSE(other.isOk());
  CHECK_TRUE(other.status().code() == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("already loaded", other.status().message().c_str());
}
