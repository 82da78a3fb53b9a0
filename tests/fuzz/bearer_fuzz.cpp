// What arrives in "Authorization: Bearer ..." and in the audit log's CSV (mgmt/access, ADR 0028):
// anyone on the internet sends a bearer; anyone who can run a command puts text in the audit log.
// Input: a selector octet, then the text.
// Properties: a bearer parseBearer accepts is kind "sa", "sr" or "k", a lower-case hex id of 1..32
// and secret of 16..128, and is exactly kind + "-" + id + "." + secret (nothing dropped or added);
// a CSV cell never starts with a formula character, and reading it back by RFC 4180 gives the text
// (with a leading "'" when the text started with one of = + - @ tab CR).
#include <cstdint>
#include <string>

#include "mgmt/access/audit_log.h"
#include "mgmt/access/sign_in_service.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "bearer";

bool lowerHex(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

// One RFC 4180 field back to its text.
std::string unquote(const std::string& cell) {
  if (cell.empty() || cell[0] != '"') return cell;
  std::string out;
  for (size_t i = 1; i + 1 < cell.size(); ++i) {
    if (cell[i] == '"') ++i;  // "" -> "
    out += cell[i];
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    std::optional<mgmt::access::BearerParts> p = mgmt::access::parseBearer(text);
    if (!p) return 0;
    FUZZ_CHECK(p->kind == "sa" || p->kind == "sr" || p->kind == "k", "unknown kind accepted: " + p->kind);
    FUZZ_CHECK(lowerHex(p->id) && p->id.size() <= 32, "a bad id accepted");
    FUZZ_CHECK(lowerHex(p->secret) && p->secret.size() >= 16 && p->secret.size() <= 128, "a bad secret accepted");
    FUZZ_CHECK(p->kind + "-" + p->id + "." + p->secret == text, "the parts are not the token");
    return 0;
  }
  std::string cell = mgmt::access::csvCell(text);
  std::string back = unquote(cell);
  FUZZ_CHECK(back.empty() || (back[0] != '=' && back[0] != '+' && back[0] != '-' && back[0] != '@'),
             "a cell a spreadsheet runs as a formula");
  bool prefixed = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                                    text[0] == '\t' || text[0] == '\r');
  FUZZ_CHECK(back == (prefixed ? "'" + text : text), "the cell does not read back as its text");
  return 0;
}
