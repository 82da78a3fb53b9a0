// The HTTPS client's response parser (core/http_response_parser.h), which reads what the management
// plane (or anyone on the path before the TLS check, or a compromised server) sends back.
// Input: flags (bit 0: the request was a HEAD), a body limit selector, a split seed, the response.
// Properties: error messages are text JSON can carry (they end up in `edgectl sync` answers); the
// outcome does not depend on how the bytes arrive (all at once, or in pieces of
// pseudo-random sizes): same verdict, same status, headers and body; a complete response has a
// three-digit final status (not an interim 1xx), lower-case token header names, and a body within
// the limit for Content-Length and chunked bodies; a HEAD response, 204 and 304 have no body.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/http_response_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "https_response";

struct Outcome {
  bool ok = true;
  core::Code code = core::Code::kOk;
  bool done = false;
  bool finishedOk = false;
  core::HttpsResponse response;
};

Outcome run(const std::string& bytes, bool head, size_t maxBytes, uint32_t seed) {
  core::HttpResponseParser parser(head, maxBytes);
  Outcome o;
  size_t pos = 0;
  uint32_t x = seed | 1;
  while (pos < bytes.size() && !parser.done()) {
    size_t n = bytes.size() - pos;
    if (seed != 0) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift32
      n = std::min<size_t>(n, 1 + x % 97);
    }
    core::Status s = parser.feed(bytes.data() + pos, n);
    pos += n;
    if (!s.isOk()) {
      (void)nlohmann::json{{"last-error", s.message()}}.dump();  // `edgectl sync` carries it as JSON text
      o.ok = false;
      o.code = s.code();
      return o;
    }
  }
  o.done = parser.done();
  // What the client does when the server closes: fine only for a body delimited by the close.
  if (!o.done) o.finishedOk = parser.finish().isOk();
  o.response = parser.response();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool head = data[0] & 1;
  static const size_t kLimits[] = {0, 1, 16, 1024, 16 * 1024 * 1024};
  const size_t maxBytes = kLimits[data[1] % 5];
  const uint32_t seed = data[2];
  const std::string bytes(reinterpret_cast<const char*>(data + 3), size - 3);

  const Outcome whole = run(bytes, head, maxBytes, 0);
  const Outcome split = run(bytes, head, maxBytes, seed + 1);
  FUZZ_CHECK(whole.ok == split.ok && whole.code == split.code, "the verdict depends on how the bytes arrive");
  if (!whole.ok) return 0;
  // Fed whole, the parser may stop at the end of the response while pieces stop at the same place;
  // a response that is complete must be complete either way.
  FUZZ_CHECK(whole.done == split.done && whole.finishedOk == split.finishedOk, "completion depends on the split");
  if (!whole.done && !whole.finishedOk) return 0;
  FUZZ_CHECK(whole.response.status == split.response.status && whole.response.headers == split.response.headers &&
                 whole.response.body == split.response.body,
             "the response depends on how the bytes arrive");
  const core::HttpsResponse& r = whole.response;
  FUZZ_CHECK(r.status >= 100 && r.status <= 599, "status " + std::to_string(r.status));
  FUZZ_CHECK(r.status >= 200 || r.status == 101, "an interim response was returned as final");
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!name.empty(), "empty header name");
    for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z') && c != ':' && c != ' ', "header name '" + name + "'");
  }
  if (head || r.status == 204 || r.status == 304 || r.status < 200) FUZZ_CHECK(r.body.empty(), "a body where none may be");
  const bool chunked = r.headers.count("transfer-encoding") != 0;
  if (whole.done && (chunked || r.headers.count("content-length") != 0))
    FUZZ_CHECK(r.body.size() <= maxBytes, "a body beyond the limit");
  return 0;
}
