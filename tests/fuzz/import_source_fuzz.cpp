// The importers' --from parser (import/sql_source.h: parseSourceLocation): a mysql:// URL with
// percent-decoded user and password, a port and ?socket=, a PostgreSQL connection string, a file.
// Properties: never throws or crashes; a refusal never repeats the input's password (an error
// message is shown and logged); an accepted MySQL URL has a database, a port 0..65535, no NUL in
// any part; the same input gives the same answer.
#include <cstdint>
#include <string>

#include "import/sql_source.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "import_source";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string from(reinterpret_cast<const char*>(data), size);
  core::Result<importer::SourceLocation> r = importer::parseSourceLocation(from);
  core::Result<importer::SourceLocation> again = importer::parseSourceLocation(from);
  FUZZ_CHECK(r.isOk() == again.isOk(), "not the same answer twice");
  if (!r.isOk()) {
    // The password of a mysql URL as the parser reads it: the authority is what comes before the
    // first '/' after the scheme (the query cut off first); the user info ends at its last '@'.
    size_t scheme = from.find("://");
    if (scheme != std::string::npos && (from.rfind("mysql", 0) == 0 || from.rfind("mariadb", 0) == 0)) {
      std::string rest = from.substr(scheme + 3);
      rest = rest.substr(0, rest.find('?'));
      rest = rest.substr(0, rest.find('/'));
      size_t at = rest.rfind('@');
      std::string userinfo = at == std::string::npos ? "" : rest.substr(0, at);
      size_t colon = userinfo.find(':');
      const std::string& message = r.status().message();
      if (colon != std::string::npos && userinfo.size() - colon > 4 &&
          message.find(userinfo.substr(colon + 1)) != std::string::npos) {
        // The password's text is in the refusal: echoed, or part of a fixed text ("option, socket=PA"
        // is). The same input with the password's other characters changed (a '%' and the two after
        // it kept, so its decoding fails or not as before) takes the same path: a fixed text comes
        // back the same, an echo does not.
        std::string masked = userinfo.substr(colon + 1);
        for (size_t i = 0; i < masked.size(); ++i) {
          if (masked[i] == '%') {
            i += 2;
            continue;
          }
          masked[i] = masked[i] == 'x' ? 'y' : 'x';
        }
        std::string other = from;
        other.replace(scheme + 3 + colon + 1, masked.size(), masked);
        core::Result<importer::SourceLocation> o = importer::parseSourceLocation(other);
        FUZZ_CHECK(!o.isOk() && o.status().message() == message, "a refusal repeats the password");
      }
    }
    return 0;
  }
  const importer::SourceLocation& loc = *r;
  FUZZ_CHECK(r->kind == again->kind, "not the same kind twice");
  if (loc.kind == importer::SourceLocation::Kind::kMysql) {
    FUZZ_CHECK(!loc.database.empty(), "a MySQL location without a database");
    FUZZ_CHECK(loc.port <= 65535, "port out of range");
    for (const std::string* part : {&loc.user, &loc.password, &loc.host, &loc.database, &loc.socket})
      FUZZ_CHECK(part->find('\0') == std::string::npos, "NUL in a part");
  } else if (loc.kind == importer::SourceLocation::Kind::kSqlite) {
    FUZZ_CHECK(!loc.path.empty(), "an SQLite location without a path");
  } else {
    FUZZ_CHECK(loc.conninfo == from, "a PostgreSQL string changed");
  }
  return 0;
}
