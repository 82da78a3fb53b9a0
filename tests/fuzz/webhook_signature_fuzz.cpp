// The payment provider's Stripe-Signature header and webhook check (billing/payments/
// webhook_signature.h): anyone can POST to the webhook URL. Input: a selector octet, then the header
// (up to the first NUL) and the body.
// Properties: a header that parses has a timestamp and 1..8 v1 values of 64 lowercase hex digits; a
// header we make for a body verifies for that body at its time and within the tolerance, and not for
// the body with one octet changed, nor outside the tolerance; whatever the input, verifyWebhook
// accepts only when one v1 value equals the HMAC computed here independently with mbedTLS.
#include <cstdint>
#include <string>

#include <mbedtls/md.h>

#include "billing/payments/webhook_signature.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "webhook_signature";
const std::string kSecret = "whsec_fuzz_secret_0123456789";

std::string hmacHex(const std::string& key, const std::string& data) {
  unsigned char mac[32];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), reinterpret_cast<const unsigned char*>(key.data()),
                  key.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : mac) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = input.find('\0');
  const std::string header = input.substr(0, nul);
  const std::string body = nul == std::string::npos ? "" : input.substr(nul + 1);
  core::Result<billing::SignatureHeader> h = billing::parseSignatureHeader(header);
  if (h.isOk()) {
    FUZZ_CHECK(!h->v1.empty() && h->v1.size() <= 8, "v1 count " + std::to_string(h->v1.size()));
    for (const std::string& v : h->v1) {
      FUZZ_CHECK(v.size() == 64, "a v1 of " + std::to_string(v.size()) + " characters");
      for (char c : v) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "a v1 that is not lowercase hex");
    }
    // Whatever the header, acceptance means a v1 equals the independent HMAC.
    const int64_t now = h->timestamp + static_cast<int64_t>(data[0]) - 128;
    core::Result<std::string> ok = billing::verifyWebhook(header, body, kSecret, now);
    if (ok.isOk()) {
      const std::string expected = hmacHex(kSecret, std::to_string(h->timestamp) + "." + body);
      FUZZ_CHECK(*ok == expected, "accepted a signature that is not the HMAC");
      FUZZ_CHECK(now - h->timestamp <= 300 && h->timestamp - now <= 300, "accepted outside the tolerance");
    }
  }
  // Round trip: what we sign verifies, a changed body or a stale time does not.
  const int64_t t = 1700000000 + static_cast<int64_t>(data[0]) * 1000;
  const std::string made = billing::webhookSignatureHeader(kSecret, t, body);
  FUZZ_CHECK(made == "t=" + std::to_string(t) + ",v1=" + hmacHex(kSecret, std::to_string(t) + "." + body), "signature differs from HMAC");
  FUZZ_CHECK(billing::verifyWebhook(made, body, kSecret, t + 300).isOk(), "own signature refused");
  FUZZ_CHECK(!billing::verifyWebhook(made, body, kSecret, t + 301).isOk(), "stale signature accepted");
  FUZZ_CHECK(!billing::verifyWebhook(made, body + "x", kSecret, t).isOk(), "changed body accepted");
  FUZZ_CHECK(!billing::verifyWebhook(made, body, kSecret + "x", t).isOk(), "another secret accepted");
  return 0;
}
