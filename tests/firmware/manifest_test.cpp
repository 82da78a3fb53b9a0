// The firmware manifest: versions, fields, the block list against size and block size.
#include "firmware/manifest.h"
#include "tests/firmware/firmware_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using firmware_test::versionOf;

firmware::Manifest sample() {
  firmware::Manifest m;
  m.version = versionOf("1.4.2");
  m.compatible = {"edge-x86_64"};
  m.minVersion = versionOf("1.2");
  m.securityFloor = versionOf("1.4.0");
  m.payload.size = 3 * 65536 + 10;
  m.payload.blockSize = 65536;
  m.payload.sha256 = std::string(64, 'a');
  m.payload.blocks.assign(4, std::string(64, 'b'));
  return m;
}

std::string errorOf(const core::Json& j) {
  core::Result<firmware::Manifest> m = firmware::manifestFromJson(j);
  return m.isOk() ? "ok" : m.status().message();
}

}  // namespace

TEST_GROUP(FirmwareManifest){};

TEST(FirmwareManifest, VersionsCompareByNumberNotText) {
  CHECK(firmware::compareVersions(versionOf("1.10"), versionOf("1.9")) > 0);
  CHECK(firmware::compareVersions(versionOf("1.4"), versionOf("1.4.0")) == 0);
  CHECK(firmware::compareVersions(versionOf("2"), versionOf("1.99.99")) > 0);
  CHECK(firmware::compareVersions(versionOf("0.9.1"), versionOf("0.10")) < 0);
  for (const char* bad : {"", "1.", ".1", "1..2", "1.2.3.4.5", "v1", "1.-2", "1.2a", "1234567890"})
    CHECK_FALSE_TEXT(firmware::parseVersion(bad, "version").isOk(), bad);
  STRCMP_EQUAL("1.4.2", versionOf("1.04.2").text().c_str());
}

TEST(FirmwareManifest, RoundTripsThroughItsJson) {
  firmware::Manifest m = sample();
  m.description = "spring release";
  core::Result<firmware::Manifest> back = firmware::parseManifest(firmware::manifestToJson(m).dump());
  CHECK_TRUE_TEXT(back.isOk(), back.status().message().c_str());
  STRCMP_EQUAL(firmware::manifestToJson(m).dump().c_str(), firmware::manifestToJson(*back).dump().c_str());
}

TEST(FirmwareManifest, RefusesWhatItCannotTrust) {
  core::Json base = firmware::manifestToJson(sample());
  core::Json j = base;
  j["format"] = "edge-license-1";
  STRCMP_CONTAINS("format must be \"edge-firmware-1\"", errorOf(j).c_str());
  j = base;
  j["security-floor"] = "1.5";
  STRCMP_CONTAINS("security-floor must not be above version", errorOf(j).c_str());
  j = base;
  j["compatible"] = core::Json::array();
  STRCMP_CONTAINS("compatible must be a list", errorOf(j).c_str());
  j = base;
  j["payload"]["blocks"].erase(0);
  STRCMP_CONTAINS("blocks lists 3 digests, size and block-size need 4", errorOf(j).c_str());
  j = base;
  j["payload"]["block-size"] = 65536 + 1;
  STRCMP_CONTAINS("power of two", errorOf(j).c_str());
  j = base;
  j["payload"]["sha256"] = std::string(64, 'A');
  STRCMP_CONTAINS("sha256 must be 64 lowercase hex", errorOf(j).c_str());
  j = base;
  j["payload"]["type"] = "kernel";
  STRCMP_CONTAINS("payload type must be \"rootfs\"", errorOf(j).c_str());
  j = base;
  j["payload"]["size"] = -1;
  STRCMP_CONTAINS("size must be a non-negative integer", errorOf(j).c_str());
  j = base;
  j["extra"] = 1;
  STRCMP_CONTAINS("unknown key 'extra'", errorOf(j).c_str());
  j = base;
  j["payload"]["size"] = uint64_t{1} << 40;  // 16 Mi blocks of 64 KiB: refused before reading the list
  STRCMP_CONTAINS("more than 65536 blocks", errorOf(j).c_str());
}

TEST(FirmwareManifest, TheParserLimitsDepthAndSize) {
  std::string deep = "{\"format\":" + std::string(100, '[') + std::string(100, ']') + "}";
  core::Result<firmware::Manifest> m = firmware::parseManifest(deep);
  CHECK_FALSE(m.isOk());
  STRCMP_CONTAINS("nested deeper", m.status().message().c_str());
  STRCMP_CONTAINS("key 'version' is given twice",
                  firmware::parseManifest("{\"version\":\"1\",\"version\":\"2\"}").status().message().c_str());
}
