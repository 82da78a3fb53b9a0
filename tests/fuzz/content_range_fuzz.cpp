// Content-Range headers of a firmware download (firmware/https_source.h's parseContentRange).
// Properties: an accepted header has FIRST <= LAST < TOTAL, and writing those numbers back in the
// one accepted form gives the input exactly (nothing else is accepted: no "*", no lists, no spaces).
#include <cstdint>
#include <string>

#include "firmware/https_source.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "content_range";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;
  std::string input(reinterpret_cast<const char*>(data), size);
  core::Result<firmware::ContentRange> r = firmware::parseContentRange(input);
  if (!r.isOk()) return 0;
  FUZZ_CHECK(r->first <= r->last && r->last < r->total, "an accepted range outside its total");
  std::string back = "bytes " + std::to_string(r->first) + "-" + std::to_string(r->last) + "/" + std::to_string(r->total);
  // Leading zeros are numbers too; compare without them.
  auto strip = [](const std::string& s) {
    std::string out;
    bool lead = true;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      bool digit = c >= '0' && c <= '9';
      if (!digit) lead = true;
      if (digit && lead && c == '0' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') continue;
      if (digit) lead = false;
      out.push_back(c);
    }
    return out;
  };
  FUZZ_CHECK(strip(input) == back, "an accepted header that is not 'bytes FIRST-LAST/TOTAL'");
  return 0;
}
