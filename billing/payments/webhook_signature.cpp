#include "billing/payments/webhook_signature.h"

#include <cstdlib>

#include "core/pki.h"

namespace billing {

namespace {

bool isHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Compares without stopping at the first difference (the signature is a secret until it matches).
bool sameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

core::Result<SignatureHeader> parseSignatureHeader(std::string_view header) {
  if (header.empty()) return core::invalidArgument("Stripe-Signature: the header is missing");
  if (header.size() > 4096) return core::invalidArgument("Stripe-Signature: longer than 4096 bytes");
  SignatureHeader out;
  bool haveT = false;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return core::invalidArgument("Stripe-Signature: '" + std::string(item.substr(0, 32)) + "' is not key=value");
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      if (haveT) return core::invalidArgument("Stripe-Signature: t appears twice");
      if (value.empty() || value.size() > 12) return core::invalidArgument("Stripe-Signature: t is not a time in seconds");
      int64_t t = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return core::invalidArgument("Stripe-Signature: t is not a time in seconds");
        t = t * 10 + (c - '0');
      }
      out.timestamp = t;
      haveT = true;
    } else if (key == "v1") {
      if (!isHex64(value)) return core::invalidArgument("Stripe-Signature: a v1 is not 64 lowercase hex digits");
      if (out.v1.size() == 8) return core::invalidArgument("Stripe-Signature: more than 8 v1 signatures");
      out.v1.emplace_back(value);
    }
    // v0 and unknown schemes: ignored, as the provider documents.
  }
  if (!haveT) return core::invalidArgument("Stripe-Signature: no timestamp (t=)");
  if (out.v1.empty()) return core::invalidArgument("Stripe-Signature: no v1 signature");
  return out;
}

std::string webhookSignature(const std::string& secret, int64_t timestamp, std::string_view body) {
  std::string payload = std::to_string(timestamp);
  payload += '.';
  payload.append(body.data(), body.size());
  return core::pki::hmacSha256Hex(secret, payload);
}

std::string webhookSignatureHeader(const std::string& secret, int64_t timestamp, std::string_view body) {
  return "t=" + std::to_string(timestamp) + ",v1=" + webhookSignature(secret, timestamp, body);
}

core::Result<std::string> verifyWebhook(std::string_view header, std::string_view body, const std::string& secret,
                                        int64_t now, int64_t tolerance) {
  EDGE_ASSIGN_OR_RETURN(SignatureHeader h, parseSignatureHeader(header));
  if (h.timestamp < now - tolerance || h.timestamp > now + tolerance)
    return core::invalidArgument("Stripe-Signature: t=" + std::to_string(h.timestamp) + " is more than " +
                                 std::to_string(tolerance) + " s from now (" + std::to_string(now) +
                                 "): a stale or replayed delivery");
  const std::string expected = webhookSignature(secret, h.timestamp, body);
  for (const std::string& v : h.v1)
    if (sameBytes(v, expected)) return v;
  return core::permissionDenied("Stripe-Signature: no v1 signature matches the body under the webhook secret");
}

}  // namespace billing
