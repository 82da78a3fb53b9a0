// MAC address parsing for MAC authentication (the spellings NAS vendors put in Calling-Station-Id).
#include <string>

#include "aaa/auth/mac.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;

namespace {
const MacAddress kMac{0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xF0};
}

TEST_GROUP(Mac){};

TEST(Mac, AcceptsTheUsualSpellings) {
  const char* spellings[] = {
      "aa:bb:cc:0d:ee:f0", "AA:BB:CC:0D:EE:F0", "Aa:bB:cc:0D:ee:F0",  // colon (Linux, MikroTik)
      "aa-bb-cc-0d-ee-f0", "AA-BB-CC-0D-EE-F0",                       // dash (RFC 3580 3.21, Windows)
      "aabb.cc0d.eef0",    "AABB.CC0D.EEF0",                          // Cisco
      "aabb-cc0d-eef0",                                               // Huawei
      "aabbcc0deef0",      "AABBCC0DEEF0",                            // bare
  };
  for (const char* s : spellings) {
    auto mac = parseMac(s);
    CHECK_TRUE_TEXT(mac.has_value(), s);
    CHECK_TRUE_TEXT(*mac == kMac, s);
  }
}

TEST(Mac, RejectsEverythingElse) {
  const char* bad[] = {
      "",
      "aa:bb:cc:0d:ee",            // five groups
      "aa:bb:cc:0d:ee:f0:11",      // seven groups
      "aa:bb:cc-0d:ee:f0",         // mixed separators
      "aa:bb:cc:0d:ee:fg",         // not hex
      "a:b:c:d:e:f",               // one-digit groups
      " aa:bb:cc:0d:ee:f0",        // surrounding space
      "aa:bb:cc:0d:ee:f0 ",
      "aa:bb:cc:0d:ee:f0:SSID",    // Called-Station-Id suffix: the caller splits it
      "aabb.cc0d-eef0",            // mixed separators
      "aabb:cc0d:eef0",            // colon in the 4-digit form
      "aa.bb.cc.0d.ee.f0",         // dots in the 2-digit form
      "aabbcc0deef",               // 11 digits
      "aabbcc0deef00",             // 13 digits
      "aab:bcc:0de:ef0",
      "aa:bb:cc:0d:ee:+0",
  };
  for (const char* s : bad) CHECK_FALSE_TEXT(parseMac(s).has_value(), s);
}

TEST(Mac, FormatsLowerCaseColons) {
  STRCMP_EQUAL("aa:bb:cc:0d:ee:f0", formatMac(kMac).c_str());
  STRCMP_EQUAL("00:00:00:00:00:00", formatMac(MacAddress{}).c_str());
  STRCMP_EQUAL("ff:ff:ff:ff:ff:ff", formatMac(MacAddress{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}).c_str());
  // Round trip.
  CHECK_TRUE(*parseMac(formatMac(kMac)) == kMac);
}
