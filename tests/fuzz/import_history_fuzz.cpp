// One row of mgmtd's import-history command (mgmt/importing historySessionOf): the `sessions` rows an
// admin API caller sends. The input is a JSON document (through the one JSON parser, with its limits);
// each element of an array, or the document itself, is read as row 0.
// Properties: a row is read as a session or refused with a message naming "sessions[0]"; a session
// has a key of 1..255 characters, a username of 1..253, a NAS and a cause of at most 64,
// 0 <= started <= stopped, counts of 0 or more, and the id historyId gives its key; the same row
// reads the same twice.
#include <cstdint>
#include <string>

#include "core/json.h"
#include "mgmt/importing/import_service.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "import_history";

void check(const core::Json& row) {
  core::Result<core::sync::SessionSummary> a = mgmt::importing::historySessionOf(row, 0);
  core::Result<core::sync::SessionSummary> b = mgmt::importing::historySessionOf(row, 0);
  if (a.isOk() != b.isOk()) fuzz::fail(kTarget, "the same row read two ways");
  if (!a.isOk()) {
    if (a.status().message().rfind("sessions[0]", 0) != 0) fuzz::fail(kTarget, "a refusal that names no row: " + a.status().message());
    return;
  }
  const core::sync::SessionSummary& s = a.value();
  if (s.session.empty() || s.session.size() > 255) fuzz::fail(kTarget, "key length");
  if (s.username.empty() || s.username.size() > 253) fuzz::fail(kTarget, "username length");
  if (s.nas.size() > 64 || s.closeReason.size() > 64) fuzz::fail(kTarget, "nas or cause length");
  if (s.started < 0 || s.stopped < s.started) fuzz::fail(kTarget, "times out of order");
  if (s.sessionTime < 0 || s.inputOctets < 0 || s.outputOctets < 0) fuzz::fail(kTarget, "a negative count");
  if (s.id != mgmt::importing::historyId(s.session)) fuzz::fail(kTarget, "id not from the key");
  if (s.id != b.value().id || s.username != b.value().username) fuzz::fail(kTarget, "the same row read two ways");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  core::Result<core::Json> doc =
      core::parseJsonWithComments(std::string(reinterpret_cast<const char*>(data), size), "sessions");
  if (!doc.isOk()) return 0;
  if (doc.value().is_array()) {
    for (const core::Json& row : doc.value()) check(row);
  } else {
    check(doc.value());
  }
  return 0;
}
