// Signed webhooks as the payment provider sends them (modelled on Stripe): a header
//   Stripe-Signature: t=1700000000,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=...][,v0=...]
// over the exact body bytes. Several v1 values may be present (a provider rolling its secret);
// other schemes are ignored. docs/billing.md "Online payments", ADR 0039.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace billing {

struct SignatureHeader {
  int64_t timestamp = 0;            // t=, seconds since 1970
  std::vector<std::string> v1;      // lowercase hex, 64 characters each
};

// Parses the header. kInvalidArgument naming what is wrong: no t, t not a number, no v1, a v1 that is
// not 64 hex digits, a header longer than 4096 bytes or with more than 8 v1 values.
core::Result<SignatureHeader> parseSignatureHeader(std::string_view header);

// The v1 signature of `body` signed at `timestamp` (lowercase hex).
std::string webhookSignature(const std::string& secret, int64_t timestamp, std::string_view body);
// The whole header a provider sends ("t=...,v1=...").
std::string webhookSignatureHeader(const std::string& secret, int64_t timestamp, std::string_view body);

constexpr int64_t kWebhookToleranceSeconds = 300;

// Checks a delivery: the header parses (kInvalidArgument otherwise), its timestamp is within
// `tolerance` seconds of `now` either way (kInvalidArgument "stale" otherwise: a replay of an old
// delivery), and one of its v1 values is the signature under `secret` (kPermissionDenied otherwise:
// forged, or signed with another secret). On success returns the v1 value that matched.
core::Result<std::string> verifyWebhook(std::string_view header, std::string_view body, const std::string& secret,
                                        int64_t now, int64_t tolerance = kWebhookToleranceSeconds);

}  // namespace billing
