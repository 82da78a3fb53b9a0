// A FreeRADIUS radacct row read as usage history (import/freeradius_sql.h accountingSessionFromRow):
// the input is the row's columns separated by 0x1f, a column that is exactly 0x01 being NULL.
// Properties: a row is read as a session or refused with a message naming its column (or "radacct:")
// that quotes at most 40 characters of the value; a session has 0 <= started <= stopped, counts of 0
// or more, a key of 1..255 characters and a username of 1..253, all UTF-8; the same row reads the
// same twice.
#include <cstdint>
#include <string>

#include "aaa/auth/credentials.h"
#include "import/freeradius_sql.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "radacct_row";
constexpr const char* kColumns[] = {"radacct:",         "username:",        "acctsessionid,",  "acctstarttime:",
                                    "acctstoptime:",    "acctsessiontime:", "acctinputoctets:", "acctoutputoctets:",
                                    "acctuniqueid:"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  importer::SqlRow row;
  std::string part;
  auto push = [&]() {
    if (part == "\x01") row.emplace_back(std::nullopt);
    else row.emplace_back(part);
    part.clear();
  };
  for (char c : text) {
    if (c == '\x1f') push();
    else part.push_back(c);
  }
  push();
  core::Result<importer::AccountingSession> s = importer::accountingSessionFromRow(row);
  if (!s.isOk()) {
    const std::string& m = s.status().message();
    bool named = false;
    for (const char* c : kColumns) named = named || m.rfind(c, 0) == 0;
    FUZZ_CHECK(named, "a refusal that names no column: " + m);
    FUZZ_CHECK(m.size() <= 120, "a refusal quoting more than 40 characters: " + m);
    return 0;
  }
  FUZZ_CHECK(s->started >= 0 && s->started <= s->stopped, "times out of order");
  FUZZ_CHECK(s->sessionTime >= 0 && s->inputOctets >= 0 && s->outputOctets >= 0, "a negative count");
  FUZZ_CHECK(!s->key.empty() && s->key.size() <= 255, "key size");
  FUZZ_CHECK(!s->username.empty() && s->username.size() <= 253, "username size");
  FUZZ_CHECK(aaa::auth::isValidUtf8(s->key) && aaa::auth::isValidUtf8(s->username) &&
                 aaa::auth::isValidUtf8(s->nas) && aaa::auth::isValidUtf8(s->terminateCause),
             "not UTF-8");
  core::Result<importer::AccountingSession> again = importer::accountingSessionFromRow(row);
  FUZZ_CHECK(again.isOk() && again->key == s->key && again->started == s->started && again->stopped == s->stopped &&
                 again->sessionTime == s->sessionTime && again->inputOctets == s->inputOctets,
             "not deterministic");
  return 0;
}
