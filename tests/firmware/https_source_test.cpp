// Content-Range as the box reads it from a firmware download (firmware/https_source.h).
#include "firmware/https_source.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(ContentRange){};

TEST(ContentRange, ReadsFirstLastAndTotal) {
  core::Result<firmware::ContentRange> r = firmware::parseContentRange("bytes 8388608-16777215/20000000");
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  CHECK_EQUAL(8388608u, r->first);
  CHECK_EQUAL(16777215u, r->last);
  CHECK_EQUAL(20000000u, r->total);
  r = firmware::parseContentRange("bytes 0-0/1");
  CHECK_TRUE(r.isOk());
}

TEST(ContentRange, RefusesWhatItCannotTrust) {
  for (const char* bad : {"", "bytes", "bytes */1000", "bytes 0-99/*", "items 0-9/10", "bytes 10-9/100", "bytes 0-100/100",
                          "bytes -1-5/10", "bytes 0-5/10 ", "bytes 0-5/10, 6-9/10", "bytes 0x1-5/10",
                          "bytes 0-5/99999999999999999999", "bytes 5/10", " bytes 0-5/10"}) {
    core::Result<firmware::ContentRange> r = firmware::parseContentRange(bad);
    CHECK_FALSE_TEXT(r.isOk(), bad);
    STRCMP_CONTAINS("Content-Range", r.status().message().c_str());
  }
}
