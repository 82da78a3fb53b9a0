// What every web surface reads from a browser (core/web/form.h, core/web/cookie.h): URL-encoded
// form bodies and the Cookie header. On the captive portal anyone on the LAN sends these, before any
// login.
// Input: a selector octet (0 a form body, 1 a Cookie header, 2 a map to encode), then the text.
// Properties: urlDecode(urlEncode(x)) == x, for this harness's encoder and core::web::urlEncode; a
// form encoded from any map decodes to that map; every decoded field is the decoding of a
// name=value pair of the body; the session cookie found is 32 hex digits and is the first value of
// that form for its name in the header.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/web/cookie.h"
#include "core/web/form.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "web_forms";

// An encoder written here, independent of core::web::urlEncode.
std::string urlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

bool isHex32(const std::string& v) {
  return v.size() == 32 && std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      FUZZ_CHECK(core::web::urlDecode(urlEncode(text)) == text, "urlDecode(urlEncode(x)) != x");
      FUZZ_CHECK(core::web::urlDecode(core::web::urlEncode(text)) == text, "urlDecode(core urlEncode(x)) != x");
      std::map<std::string, std::string> fields = core::web::parseForm(text);
      // Reference: split at '&', then at the first '='.
      std::map<std::string, std::string> expected;
      size_t pos = 0;
      while (pos <= text.size()) {
        size_t amp = text.find('&', pos);
        if (amp == std::string::npos) amp = text.size();
        std::string pair = text.substr(pos, amp - pos);
        size_t eq = pair.find('=');
        if (eq != std::string::npos)
          expected[core::web::urlDecode(pair.substr(0, eq))] = core::web::urlDecode(pair.substr(eq + 1));
        pos = amp + 1;
      }
      FUZZ_CHECK(fields == expected, "parseForm differs from splitting the pairs");
      break;
    }
    case 1: {
      const std::string cookie = core::web::cookieValue(text, "edge_portal", core::web::isSessionId);
      FUZZ_CHECK(cookie.empty() || isHex32(cookie), "cookie '" + cookie + "'");
      std::string first;
      size_t pos = 0;
      while (pos <= text.size() && first.empty()) {
        size_t semi = text.find(';', pos);
        if (semi == std::string::npos) semi = text.size();
        std::string part = text.substr(pos, semi - pos);
        size_t b = part.find_first_not_of(' ');
        part = b == std::string::npos ? "" : part.substr(b);
        if (part.rfind("edge_portal=", 0) == 0 && isHex32(part.substr(12))) first = part.substr(12);
        pos = semi + 1;
      }
      FUZZ_CHECK(cookie == first, "cookie: '" + cookie + "', the header's first valid one is '" + first + "'");
      break;
    }
    default: {
      FuzzedDataProvider in(data + 1, size - 1);
      std::map<std::string, std::string> fields;
      const int n = in.ConsumeIntegralInRange<int>(0, 6);
      for (int i = 0; i < n; ++i) fields[in.ConsumeRandomLengthString(30)] = in.ConsumeRandomLengthString(60);
      std::string body;
      for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + urlEncode(k) + "=" + urlEncode(v);
      FUZZ_CHECK(core::web::parseForm(body) == fields, "a form encoded from a map does not decode to it");
      break;
    }
  }
  return 0;
}
