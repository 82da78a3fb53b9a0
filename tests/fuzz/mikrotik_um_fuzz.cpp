// The MikroTik User Manager importer (import/routeros_script.h, import/mikrotik_um.h): the RouterOS
// script reader, then the mapping and both reports over whatever it accepts.
// Properties: an error names a line within the input ("line N: ", 1 <= N <= lines); commands start
// on non-decreasing lines within the input, each with a path and a verb; the mapping gives one
// subscriber per distinct named `/user-manager user add`, each importable one on a plan with a
// cleartext password (or a MAC-named one without); the JSON report never carries a password and is
// the same on a second run.
#include <cstdint>
#include <set>
#include <string>

#include "import/mikrotik_um.h"
#include "import/routeros_script.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "mikrotik_um";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(text);
  if (!r.isOk()) {
    const std::string& m = r.status().message();
    FUZZ_CHECK(m.rfind("line ", 0) == 0, "error without a line: " + m);
    int n = std::atoi(m.c_str() + 5);
    FUZZ_CHECK(n >= 1 && n <= lines, "error names a line outside the input: " + m);
    return 0;
  }
  int last = 0;
  std::set<std::string> users;
  for (const importer::RouterOsCommand& c : *r) {
    FUZZ_CHECK(c.line >= last && c.line <= lines, "command line out of order or range");
    last = c.line;
    FUZZ_CHECK(!c.path.empty() && c.path[0] == '/' && !c.verb.empty(), "a command without a path or verb");
    FUZZ_CHECK(c.args.size() <= importer::kMaxRouterOsArgs, "more arguments than the limit");
    if (c.path == "/user-manager user" && c.verb == "add" && c.find("name") && !c.find("name")->empty())
      users.insert(*c.find("name"));
  }
  importer::ImportPlan p = importer::mapMikrotikUserManager(*r, {});
  FUZZ_CHECK(p.subscribers.size() == users.size(), "not one subscriber per user name");
  for (const importer::MappedSubscriber& s : p.subscribers) {
    if (!s.importable) continue;
    FUZZ_CHECK(s.args.contains("plan"), "importable without a plan");
    FUZZ_CHECK(s.args.contains("password") || s.passwordForm == "none", "importable without a password");
  }
  core::Json j = importer::reportJson(p);
  for (const core::Json& s : j["subscribers"])
    if (s.contains("maps-to")) FUZZ_CHECK(!s["maps-to"].contains("password"), "a password in the report");
  FUZZ_CHECK(j.dump() == importer::reportJson(importer::mapMikrotikUserManager(*r, {})).dump(), "mapping not deterministic");
  (void)importer::reportText(p);
  return 0;
}
