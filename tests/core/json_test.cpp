// The one JSON entry point for outside input (core/json.h), and the keyed hash (core/siphash.h).
#include <string>

#include "core/json.h"
#include "core/siphash.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(Json){};

TEST(Json, DepthLimitRefusesDeepNestingBeforeAnyCopy) {
  // 400 KB of "[[[[": crashed mgmtd (recursive copy and dump) before the limit existed.
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  core::Result<core::Json> r = core::parseJsonWithComments(deep, "body");
  CHECK_FALSE(r.isOk());
  CHECK(r.status().code() == core::Code::kInvalidArgument);
  STRCMP_EQUAL("body: nested deeper than 64 levels", r.status().message().c_str());
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += "{\"a\":";
  objects += "1" + std::string(65, '}');
  CHECK_FALSE(core::parseJsonWithComments(objects, "x").isOk());
}

TEST(Json, ExactlyTheLimitIsAccepted) {
  std::string at = std::string(64, '[') + std::string(64, ']');
  core::Result<core::Json> r = core::parseJsonWithComments(at, "x");
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(64, core::jsonDepth(*r));
  std::string past = std::string(65, '[') + std::string(65, ']');
  CHECK_FALSE(core::parseJsonWithComments(past, "x").isOk());
  core::JsonLimits tight{1024, 2};
  CHECK_TRUE(core::parseJsonWithComments("{\"a\":[1]}", "x", tight).isOk());
  CHECK_FALSE(core::parseJsonWithComments("{\"a\":[[1]]}", "x", tight).isOk());
}

TEST(Json, SizeLimitDuplicateKeysAndSyntaxErrorsNameTheOrigin) {
  core::JsonLimits small{16, 64};
  core::Result<core::Json> big = core::parseJsonWithComments("{\"key\": \"a long value\"}", "enroll body", small);
  CHECK_FALSE(big.isOk());
  STRCMP_CONTAINS("enroll body: 23 bytes, more than the limit of 16", big.status().message().c_str());
  core::Result<core::Json> dup = core::parseJsonWithComments("{\"a\":1,\"b\":{\"a\":2},\"a\":3}", "req");
  CHECK_FALSE(dup.isOk());
  STRCMP_EQUAL("req: key 'a' is given twice", dup.status().message().c_str());
  core::Result<core::Json> bad = core::parseJsonWithComments("{\"a\":", "req");
  CHECK_FALSE(bad.isOk());
  STRCMP_CONTAINS("req: parse error", bad.status().message().c_str());
  core::Result<core::Json> commented = core::parseJsonWithComments("// note\n{\"a\": /* x */ 1}", "cfg");
  CHECK_TRUE(commented.isOk());
  LONGS_EQUAL(1, (*commented)["a"].get<int>());
}

TEST(Json, ErrorsQuoteTheInputAsPrintableText) {
  // The parser quotes what it last read; raw bytes that are not UTF-8 made the error answer itself
  // unserializable (dump() throws) and a control socket worker died of it (found by
  // tests/fuzz/control_command_fuzz.cpp).
  core::Result<core::Json> bad = core::parseJsonWithComments(std::string("[1, 2\xff 3]"), "request");
  CHECK_FALSE(bad.isOk());
  STRCMP_CONTAINS("\\xff", bad.status().message().c_str());
  std::string answer = core::Json{{"error", bad.status().message()}}.dump();  // must not throw
  CHECK_TRUE(answer.find("parse error") != std::string::npos);
}

TEST(Json, DepthOfScalarsAndContainers) {
  LONGS_EQUAL(0, core::jsonDepth(core::Json(3)));
  LONGS_EQUAL(1, core::jsonDepth(core::Json::array()));
  LONGS_EQUAL(2, core::jsonDepth(core::Json::parse("{\"a\":[1]}")));
}

TEST_GROUP(SipHash){};

TEST(SipHash, ReferenceVector) {
  // The SipHash paper, appendix A: key 00..0f, message 00..0e (15 bytes).
  core::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  uint8_t msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
  CHECK_EQUAL(0xa129ca6149be45e5ULL, core::sipHash24(key, msg, sizeof msg));
  // And the empty message from the reference implementation's vectors.h.
  CHECK_EQUAL(0x726fdb47dd0e0e31ULL, core::sipHash24(key, msg, 0));
}

TEST(SipHash, TheKeyChangesEveryOutput) {
  const char text[] = "same input";
  core::SipKey a{1, 2}, b{1, 3};
  CHECK(core::sipHash24(a, text, sizeof text) != core::sipHash24(b, text, sizeof text));
  CHECK(core::processSipKey() == core::processSipKey());
}
