// Imported password hashes (aaa/auth/password_hash.h): the header and attribute parsers and the PAP
// check over whatever they accept.
// Input: "ATTRIBUTE\nVALUE\nCANDIDATE" (missing parts are empty).
// Properties: an accepted value gives a stored form with a known scheme that parses back to itself;
// an error never repeats the hash (the value after any "{header}", 8 bytes or more, marked by a byte
// outside printable ASCII so that it cannot be a piece of a fixed message); passwordHashMatches() on the raw value (stored
// form or not) and on every prefix of the stored form returns without fault; the empty candidate
// never matches.
#include <cstdint>
#include <string>

#include "aaa/auth/password_hash.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "password_hash";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\n');
  std::string attribute = in.substr(0, a);
  std::string rest = a == std::string::npos ? "" : in.substr(a + 1);
  size_t b = rest.find('\n');
  std::string value = rest.substr(0, b);
  std::string candidate = b == std::string::npos ? "" : rest.substr(b + 1);

  for (int mode = 0; mode < 2; ++mode) {
    core::Result<std::string> r = mode == 0 ? aaa::auth::passwordHashFromAttribute(attribute, value)
                                            : aaa::auth::passwordHashFromHeader(value);
    if (!r.isOk()) {
      size_t close = value.find('}');
      std::string hash = close == std::string::npos ? value : value.substr(close + 1);
      // Our messages are fixed ASCII texts, numbers and the header's or attribute's name, so a hash
      // with a byte outside printable ASCII (that the attribute's name does not contain) can only
      // appear in one by being copied.
      bool marked = false;
      for (char c : hash) marked = marked || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e;
      if (marked && hash.size() >= 8 && attribute.find(hash) == std::string::npos) FUZZ_CHECK(r.status().message().find(hash) == std::string::npos, "an error repeats the hash");
      continue;
    }
    const std::string& stored = *r;
    FUZZ_CHECK(!aaa::auth::passwordHashScheme(stored).empty(), "a stored form without a known scheme");
    core::Result<std::string> again = aaa::auth::passwordHashFromHeader(stored);
    FUZZ_CHECK(again.isOk() && *again == stored, "a stored form that does not parse back to itself");
    FUZZ_CHECK(!aaa::auth::passwordHashMatches("", stored), "the empty candidate matched");
    (void)aaa::auth::passwordHashMatches(candidate, stored);
    for (size_t keep : {size_t{0}, stored.size() / 2, stored.size() - 1}) (void)aaa::auth::passwordHashMatches(candidate, stored.substr(0, keep));
  }
  (void)aaa::auth::passwordHashMatches(candidate, value);
  (void)aaa::auth::ntHashHexFromAttribute(value);
  return 0;
}
