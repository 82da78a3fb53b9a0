// The FreeRADIUS users-file importer (import/freeradius_users.h, import/mapping.h): the parser, then
// the mapping and both reports over whatever it accepts.
// Properties: an error names a line within the input ("line N: ", 1 <= N <= lines); every entry
// and attribute line is within the input and never decreasing; Fall-Through never lands among the
// reply items; the mapping gives one subscriber per distinct non-DEFAULT name, each importable one
// on a plan with exactly one password form (a cleartext, an NT hash of 32 hex digits, or a stored
// hash that parses back to itself; or none: a MAC-named subscriber); the JSON report never carries
// a password or hash and is the same on a second run.
#include <cstdint>
#include <set>
#include <string>

#include "aaa/auth/password_hash.h"
#include "import/freeradius_users.h"
#include "import/mapping.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "freeradius_users";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(text);
  if (!r.isOk()) {
    const std::string& m = r.status().message();
    FUZZ_CHECK(m.rfind("line ", 0) == 0, "error without a line: " + m);
    int n = std::atoi(m.c_str() + 5);
    FUZZ_CHECK(n >= 1 && n <= lines, "error names a line outside the input: " + m);
    return 0;
  }
  int last = 0;
  std::set<std::string> names;
  for (const importer::UsersEntry& e : *r) {
    FUZZ_CHECK(e.line > last && e.line <= lines, "entry line out of order");
    last = e.line;
    for (const auto& a : e.check) FUZZ_CHECK(a.line == e.line, "check item off its entry's line");
    for (const auto& a : e.reply) {
      FUZZ_CHECK(a.line > e.line && a.line <= lines, "reply item line out of range");
      FUZZ_CHECK(a.name != "Fall-Through", "Fall-Through among the reply items");
    }
    if (!e.isDefault) names.insert(e.name);
  }
  importer::ImportPlan p = importer::mapFreeradiusUsers(*r, {});
  FUZZ_CHECK(p.subscribers.size() == names.size(), "not one subscriber per name");
  for (const importer::MappedSubscriber& s : p.subscribers) {
    if (!s.importable) continue;
    int forms = s.args.contains("password") + s.args.contains("nt-hash") + s.args.contains("password-hash");
    FUZZ_CHECK(s.args.contains("plan") && (forms == 1 || (forms == 0 && s.passwordForm == "none")),
               "importable without a plan, or without exactly one password form");
    if (s.args.contains("nt-hash"))
      FUZZ_CHECK(aaa::auth::parseNtHashHex(s.args["nt-hash"].get<std::string>()).has_value(), "nt-hash not 32 hex digits");
    if (s.args.contains("password-hash")) {
      const std::string stored = s.args["password-hash"].get<std::string>();
      core::Result<std::string> again = aaa::auth::passwordHashFromHeader(stored);
      FUZZ_CHECK(again.isOk() && *again == stored, "a stored hash that does not parse back to itself");
    }
  }
  core::Json j = importer::reportJson(p);
  for (const core::Json& s : j["subscribers"])
    if (s.contains("maps-to"))
      for (const char* secret : {"password", "nt-hash", "password-hash"})
        FUZZ_CHECK(!s["maps-to"].contains(secret), std::string("a secret in the report: ") + secret);
  FUZZ_CHECK(j.dump() == importer::reportJson(importer::mapFreeradiusUsers(*r, {})).dump(), "mapping not deterministic");
  (void)importer::reportText(p);
  return 0;
}
