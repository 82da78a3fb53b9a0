#include "core/config.h"

#include <memory>

#include <CppUTest/TestHarness.h>

namespace {

struct Inner {
  int64_t port = 0;
  bool enabled = false;
};

struct Outer {
  std::string dataDir;
  std::string level;
  std::vector<std::string> names;
  Inner inner;
};

const core::ConfigTable<Outer>& table() {
  static const core::ConfigTable<Outer> t = [] {
    auto inner = std::make_shared<core::ConfigTable<Inner>>();
    inner->integer("auth-port", &Inner::port, 1812, 1, 65535, "UDP port").boolean("enabled", &Inner::enabled, true, "on");
    core::ConfigTable<Outer> o;
    o.string("data-dir", &Outer::dataDir, "/var/lib/x", "where")
        .choice("log-level", &Outer::level, "info", {"debug", "info"}, "level")
        .stringList("names", &Outer::names, {"a"}, "names")
        .section("radius", &Outer::inner, inner, "RADIUS");
    return o;
  }();
  return t;
}

// Built before main(): CppUTest's leak checker would count a lazy singleton against the first test.
const core::ConfigTable<Outer>& kBuiltEarly = table();

std::string parseError(const std::string& text) {
  core::Result<core::Json> doc = core::parseJsonWithComments(text, "test.json");
  if (!doc.isOk()) return doc.status().message();
  core::Result<Outer> r = table().parse(*doc);
  if (r.isOk()) return "";
  return r.status().message();
}

}  // namespace

TEST_GROUP(Config){};

TEST(Config, DefaultsWhenEmpty) {
  core::Result<Outer> r = table().parse(core::Json::object());
  CHECK_TRUE(r.isOk());
  STRCMP_EQUAL("/var/lib/x", r->dataDir.c_str());
  LONGS_EQUAL(1812, r->inner.port);
  CHECK_TRUE(r->inner.enabled);
}

TEST(Config, CommentsAreAccepted) {
  core::Result<core::Json> doc = core::parseJsonWithComments(
      "{ // the data\n \"data-dir\": \"/srv\", /* block\n comment */ \"radius\": {\"auth-port\": 11812}}", "t");
  CHECK_TRUE(doc.isOk());
  core::Result<Outer> r = table().parse(*doc);
  CHECK_TRUE(r.isOk());
  STRCMP_EQUAL("/srv", r->dataDir.c_str());
  LONGS_EQUAL(11812, r->inner.port);
}

TEST(Config, UnknownKeyNamesItsPath) {
  STRCMP_EQUAL("radius.auth-prot: unknown key (did you mean 'auth-port'?)",
               parseError("{\"radius\": {\"auth-prot\": 1}}").c_str());
  STRCMP_EQUAL("colour: unknown key", parseError("{\"colour\": 1}").c_str());
}

TEST(Config, TypeErrorNamesExpectedType) {
  STRCMP_EQUAL("radius.auth-port: expected integer, got string",
               parseError("{\"radius\": {\"auth-port\": \"1812\"}}").c_str());
  STRCMP_EQUAL("radius.auth-port: expected integer, got number with a fraction",
               parseError("{\"radius\": {\"auth-port\": 18.5}}").c_str());
  STRCMP_EQUAL("radius.enabled: expected boolean, got integer", parseError("{\"radius\": {\"enabled\": 1}}").c_str());
  STRCMP_EQUAL("radius: expected object, got list", parseError("{\"radius\": []}").c_str());
  STRCMP_EQUAL("names[1]: expected string, got integer", parseError("{\"names\": [\"a\", 2]}").c_str());
}

TEST(Config, RangeAndChoiceErrors) {
  STRCMP_EQUAL("radius.auth-port: 70000 is out of range 1..65535",
               parseError("{\"radius\": {\"auth-port\": 70000}}").c_str());
  STRCMP_EQUAL("radius.auth-port: 18446744073709551615 is out of range 1..65535",
               parseError("{\"radius\": {\"auth-port\": 18446744073709551615}}").c_str());
  STRCMP_EQUAL("log-level: 'loud' is not one of: debug, info", parseError("{\"log-level\": \"loud\"}").c_str());
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  std::string e = parseError("{\n\"data-dir\": \"/x\",,\n}");
  CHECK_TRUE(e.rfind("test.json: parse error at line 2", 0) == 0);
}

TEST(Config, DuplicateKeyIsRefused) {
  STRCMP_EQUAL("test.json: key 'data-dir' is given twice", parseError("{\"data-dir\": \"/a\", \"data-dir\": \"/b\"}").c_str());
}

TEST(Config, RoundTripOfACompleteDocument) {
  core::Json x = core::Json::parse(
      R"({"data-dir":"/srv/e","log-level":"debug","names":["p","q"],"radius":{"auth-port":1645,"enabled":false}})");
  core::Result<Outer> r = table().parse(x);
  CHECK_TRUE(r.isOk());
  STRCMP_EQUAL(x.dump().c_str(), table().toJson(*r).dump().c_str());
}

TEST(Config, RoundTripOfAPartialDocumentIsStable) {
  core::Result<Outer> first = table().parse(core::Json::parse(R"({"radius":{"auth-port":2000}})"));
  CHECK_TRUE(first.isOk());
  core::Json rendered = table().toJson(*first);
  core::Result<Outer> second = table().parse(rendered);
  CHECK_TRUE(second.isOk());
  STRCMP_EQUAL(rendered.dump().c_str(), table().toJson(*second).dump().c_str());
  LONGS_EQUAL(2000, second->inner.port);
}

TEST(Config, ErrorLeavesTargetUntouched) {
  Outer target = table().defaults();
  target.dataDir = "/keep";
  core::Status s = table().parseInto(core::Json::parse(R"({"data-dir":"/new","radius":{"auth-port":0}})"), target, "");
  CHECK_FALSE(s.isOk());
  STRCMP_EQUAL("/keep", target.dataDir.c_str());
}

TEST(Config, DescribeListsEveryKeyWithDefault) {
  std::vector<std::string> lines = table().describe();
  LONGS_EQUAL(6, lines.size());  // 3 keys, the section line and its 2 keys
  STRCMP_EQUAL("radius.auth-port (integer, default 1812): UDP port (1..65535)", lines[4].c_str());
}

TEST(Config, AddressesAndPathsRefuseAnEmbeddedNul) {
  // Found by tests/fuzz/config_fuzz.cpp: "192.0.2.9\0junk" passed as an address (inet_pton stops at
  // the NUL) and went on, junk included, as a trap receiver.
  CHECK_TRUE(core::ipAddress("192.0.2.9").isOk());
  CHECK_FALSE(core::ipAddress(std::string("192.0.2.9\0junk", 14)).isOk());
  CHECK_FALSE(core::ipAddress(std::string("::1\0", 4)).isOk());
  CHECK_TRUE(core::absolutePath("/var/lib/edged").isOk());
  CHECK_FALSE(core::absolutePath(std::string("/var/lib\0/etc", 13)).isOk());
}
