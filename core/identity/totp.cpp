#include "core/identity/totp.h"

#include <liboath/oath.h>
#include <qrencode.h>

#include <cctype>
#include <cstdlib>
#include <mutex>

#include "core/html.h"
#include "core/pki.h"
#include "core/web/form.h"

namespace core::identity {

namespace {

bool oathReady() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = oath_init() == OATH_OK; });
  return ok;
}

}  // namespace

std::string newTotpSecret() {
  std::string hex = core::pki::randomHex(20), out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string toBase32(const std::string& bytes) {
  char* out = nullptr;
  size_t len = 0;
  if (!oathReady() || oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK) return "";
  std::string text(out, len);
  std::free(out);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

core::Result<std::string> fromBase32(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    clean += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  while (clean.size() % 8) clean += '=';
  char* out = nullptr;
  size_t len = 0;
  if (clean.empty() || clean.size() > 128 || !oathReady() || oath_base32_decode(clean.data(), clean.size(), &out, &len) != OATH_OK)
    return core::invalidArgument("not a base32 secret");
  std::string bytes(out, len);
  std::free(out);
  return bytes;
}

std::string otpauthUri(const std::string& issuer, const std::string& account, const std::string& secret) {
  // Key URI format (Google Authenticator's, which every app reads): the label is "issuer:account",
  // percent-encoded (RFC 3986: a space is %20 there, not the "+" of form encoding; urlEncode writes a
  // literal "+" as %2B, so every "+" it writes is a space).
  auto encode = [](const std::string& text) {
    std::string out;
    for (char c : core::web::urlEncode(text)) out += c == '+' ? std::string("%20") : std::string(1, c);
    return out;
  };
  return "otpauth://totp/" + encode(issuer) + ":" + encode(account) + "?secret=" + toBase32(secret) +
         "&issuer=" + encode(issuer) + "&algorithm=SHA1&digits=6&period=30";
}

core::Result<std::string> totpCode(const std::string& secret, int64_t now) {
  char code[kTotpDigits + 1] = {};
  if (!oathReady() || oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(now), kTotpStepSeconds,
                                         OATH_TOTP_DEFAULT_START_TIME, kTotpDigits, code) != OATH_OK)
    return core::internalError("liboath could not compute a code");
  return std::string(code, kTotpDigits);
}

std::optional<int64_t> totpStep(const std::string& secret, const std::string& code, int64_t now) {
  if (code.size() != kTotpDigits || secret.empty() || now < kTotpStepSeconds) return std::nullopt;
  for (char c : code)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (!oathReady()) return std::nullopt;
  int pos = 0;
  // Window 1: the steps before and after now's too (RFC 6238 5.2's one step of network delay/drift).
  int rc = oath_totp_validate2(secret.data(), secret.size(), static_cast<time_t>(now), kTotpStepSeconds,
                               OATH_TOTP_DEFAULT_START_TIME, 1, &pos, code.c_str());
  if (rc < 0) return std::nullopt;
  return now / kTotpStepSeconds + pos;
}

core::Result<std::string> qrSvg(const std::string& text, const std::string& label) {
  QRcode* qr = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M);
  if (!qr) return core::invalidArgument("the text does not fit a QR code");
  const int w = qr->width;
  const int quiet = 4;  // the quiet zone ISO/IEC 18004 asks for, in modules
  const int size = w + 2 * quiet;
  std::string path;
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x)
      if (qr->data[y * w + x] & 1)  // bit 0: a dark module
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
  QRcode_free(qr);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" aria-label=\"" + core::htmlEscape(label) +
         "\" viewBox=\"0 0 " + std::to_string(size) + " " + std::to_string(size) +
         "\" width=\"240\" height=\"240\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
         "fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

}  // namespace core::identity
