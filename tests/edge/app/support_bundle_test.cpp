// The support bundle's pure parts: secrets redacted at any depth, and a .tar.gz that the system's
// own tar(1) and gzip read back byte for byte, within its size limit.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "edge/app/event_log.h"
#include "edge/app/support_bundle.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(SupportBundle){};

TEST(SupportBundle, SecretsAreRedactedAtAnyDepthAndEmptyOnesStayEmpty) {
  core::Json config = core::Json::parse(R"({
    "data-dir": "/var/lib/edged",
    "snmp": {"trap-community": "pub-secret-1", "trap-receivers": [{"address": "10.0.0.1", "password": "p2"}]},
    "license": {"trusted-key": "/etc/edged/key.pem"},
    "sync": {"token": "", "api-key": "k3", "Shared-Secret": "s4", "privateKeyPem": "x"},
    "radius": {"threads": 2, "auth-methods": ["pap", "chap"]}
  })");
  core::Json out = edge::redactSecrets(config);
  std::string text = out.dump();
  for (const char* secret : {"pub-secret-1", "p2", "/etc/edged/key.pem", "k3", "s4", "\"x\""})
    CHECK_FALSE_TEXT(text.find(secret) != std::string::npos, secret);
  STRCMP_EQUAL("(redacted)", out["snmp"]["trap-community"].get<std::string>().c_str());
  STRCMP_EQUAL("(redacted)", out["snmp"]["trap-receivers"][0]["password"].get<std::string>().c_str());
  STRCMP_EQUAL("10.0.0.1", out["snmp"]["trap-receivers"][0]["address"].get<std::string>().c_str());
  STRCMP_EQUAL("", out["sync"]["token"].get<std::string>().c_str());  // not set is still seen as not set
  LONGS_EQUAL(2, out["radius"]["threads"].get<int>());
  STRCMP_EQUAL("/var/lib/edged", out["data-dir"].get<std::string>().c_str());
  CHECK_TRUE(edge::isSecretKey("nt-hash"));
  CHECK_FALSE(edge::isSecretKey("keyboard-layout"));
  CHECK_FALSE(edge::isSecretKey("auth-port"));
}

TEST(SupportBundle, TarReadsTheArchiveBack) {
  char tmpl[] = "/tmp/edge-bundle-test-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  edge::TarGz tar(1 << 20);
  std::string big(70000, 'a');
  big[12345] = '\n';
  CHECK_TRUE(tar.add("b/one.json", "{\"a\": 1}\n", 1700000000).isOk());
  CHECK_TRUE(tar.add("b/empty.txt", "", 1700000000).isOk());
  CHECK_TRUE(tar.add("b/big.txt", big, 1700000000).isOk());
  core::Result<std::string> gz = tar.finish();
  CHECK_TRUE(gz.isOk());
  CHECK_TRUE(gz->size() < big.size() / 10);
  { std::ofstream(dir + "/x.tar.gz", std::ios::binary) << *gz; }
  // GNU tar checks each header's checksum and the gzip trailer's CRC.
  std::string cmd = "tar -xzf '" + dir + "/x.tar.gz' -C '" + dir + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, p);
  LONGS_EQUAL(0, ::pclose(p));
  STRCMP_EQUAL("", std::string(buf, n).c_str());
  auto read = [&dir](const char* name) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  STRCMP_EQUAL("{\"a\": 1}\n", read("b/one.json").c_str());
  STRCMP_EQUAL("", read("b/empty.txt").c_str());
  CHECK_TRUE(read("b/big.txt") == big);
  std::filesystem::remove_all(dir);
}

TEST(SupportBundle, NamesAndTheSizeLimitAreChecked) {
  edge::TarGz tar(4096);
  CHECK_TRUE(tar.add("/etc/passwd", "x", 0).code() == core::Code::kInvalidArgument);
  CHECK_TRUE(tar.add("a/../../x", "x", 0).code() == core::Code::kInvalidArgument);
  CHECK_TRUE(tar.add(std::string(100, 'n'), "x", 0).code() == core::Code::kInvalidArgument);
  CHECK_TRUE(tar.add("small", std::string(1000, 'x'), 0).isOk());      // 512 + 1024 + 1024 (end) = 2560
  CHECK_TRUE(tar.add("more", std::string(1100, 'x'), 0).code() == core::Code::kResourceExhausted);  // 4608
  CHECK_TRUE(tar.add("fits", std::string(512, 'x'), 0).isOk());        // 2560 + 1024 = 3584
}

TEST(SupportBundle, EventFilterTimesAreNormalised) {
  STRCMP_EQUAL("2026-12-07T00:00:00Z", edge::normalizeSince("2026-12-07")->c_str());
  STRCMP_EQUAL("2026-12-07T10:30:00Z", edge::normalizeSince("2026-12-07T10:30")->c_str());
  STRCMP_EQUAL("2026-12-07T10:30:15Z", edge::normalizeSince("2026-12-07 10:30:15Z")->c_str());
  CHECK_FALSE(edge::normalizeSince("yesterday").isOk());
  CHECK_FALSE(edge::normalizeSince("2026-12-07T10:30'--").isOk());
}
