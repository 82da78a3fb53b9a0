#include "core/units.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(Units){};

TEST(Units, Rates) {
  LONGS_EQUAL(512000, *core::parseRate("512k"));
  LONGS_EQUAL(10000000, *core::parseRate("10M"));
  LONGS_EQUAL(10000000, *core::parseRate("10m"));
  LONGS_EQUAL(10000000, *core::parseRate("10Mbps"));
  CHECK_EQUAL(1000000000ULL, *core::parseRate("1G"));
  LONGS_EQUAL(1500000, *core::parseRate("1.5M"));
  LONGS_EQUAL(64, *core::parseRate("64"));
  STRCMP_EQUAL("'10X' is not a valid rate (e.g. 512k, 10M, 1G): unknown unit 'X'",
               core::parseRate("10X").status().message().c_str());
  CHECK_FALSE(core::parseRate("-5M").isOk());
  CHECK_FALSE(core::parseRate("").isOk());
  CHECK_FALSE(core::parseRate("M").isOk());
  CHECK_FALSE(core::parseRate("1.0001k").isOk());
  CHECK_FALSE(core::parseRate("99999999999999999999").isOk());
  CHECK_FALSE(core::parseRate("20000000000G").isOk());
}

TEST(Units, Sizes) {
  CHECK_EQUAL(500000000ULL, *core::parseSize("500MB"));
  CHECK_EQUAL(5000000000ULL, *core::parseSize("5GB"));
  CHECK_EQUAL(2147483648ULL, *core::parseSize("2GiB"));
  CHECK_EQUAL(1024ULL, *core::parseSize("1024"));
  CHECK_EQUAL(1024ULL, *core::parseSize("1KiB"));
  CHECK_EQUAL(1536ULL, *core::parseSize("1.5KiB"));
  CHECK_FALSE(core::parseSize("5 parsecs").isOk());
  CHECK_FALSE(core::parseSize("17TiBB").isOk());
}

TEST(Units, FormatIsShortestExactAndRoundTrips) {
  STRCMP_EQUAL("512k", core::formatRate(512000).c_str());
  STRCMP_EQUAL("10M", core::formatRate(10000000).c_str());
  STRCMP_EQUAL("1500", core::formatRate(1500).c_str());
  STRCMP_EQUAL("2GiB", core::formatSize(2147483648ULL).c_str());
  STRCMP_EQUAL("500MB", core::formatSize(500000000ULL).c_str());
  STRCMP_EQUAL("0B", core::formatSize(0).c_str());
  const uint64_t samples[] = {1, 999, 1000, 1024, 123456789, 1ULL << 33, 7000000000000ULL};
  for (uint64_t v : samples) {
    CHECK_EQUAL(v, *core::parseRate(core::formatRate(v)));
    CHECK_EQUAL(v, *core::parseSize(core::formatSize(v)));
  }
}
