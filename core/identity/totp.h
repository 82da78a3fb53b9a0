// One-time sign-in codes (the technician UI's accounts, issue 22; mgmt's people, issue 23): TOTP (RFC 6238) over HOTP
// (RFC 4226) with HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch: what every
// authenticator app reads from an otpauth:// QR code. liboath computes and compares the codes;
// libqrencode draws the QR code, here as inline SVG (no image file, nothing leaves the server).
//
// Contract
// - totpStep accepts a code of the step at `now` or one step either side (clock drift, RFC 6238
//   5.2) and returns the step it belongs to, so the caller can refuse the same code twice (replay):
//   a step at or before the last one used is not accepted again. Anything but 6 digits: nullopt.
// - Secrets are raw bytes (20 random bytes: RFC 4226 4, R6); base32 (RFC 4648, no padding) is the
//   form a person types or an app reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace core::identity {

constexpr int64_t kTotpStepSeconds = 30;
constexpr int kTotpDigits = 6;

std::string newTotpSecret();
std::string toBase32(const std::string& bytes);
// Spaces and lower case are accepted (the way people copy it); kInvalidArgument otherwise.
core::Result<std::string> fromBase32(const std::string& text);
// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauthUri(const std::string& issuer, const std::string& account, const std::string& secret);

// The code of `secret` at `now` (unix seconds).
core::Result<std::string> totpCode(const std::string& secret, int64_t now);
// The step (now / 30, +-1) `code` belongs to, when it is valid at `now`.
std::optional<int64_t> totpStep(const std::string& secret, const std::string& code, int64_t now);

// The QR code of `text` as an <svg> element (error correction M), or kInvalidArgument when it does
// not fit one.
core::Result<std::string> qrSvg(const std::string& text, const std::string& label);

}  // namespace core::identity
