#include "aaa/auth/password_hash.h"
#include "core/ids.h"
#include "core/text.h"

#include <crypt.h>
#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include <cctype>
#include <cstring>

namespace aaa::auth {
namespace {

// The digest schemes of the stored form.
struct DigestScheme {
  const char* name;  // canonical header, lower case
  mbedtls_md_type_t md;
  size_t digestLen;
  bool salted;
};

constexpr DigestScheme kDigests[] = {
    {"md5", MBEDTLS_MD_MD5, 16, false},         {"smd5", MBEDTLS_MD_MD5, 16, true},
    {"sha1", MBEDTLS_MD_SHA1, 20, false},       {"ssha1", MBEDTLS_MD_SHA1, 20, true},
    {"sha224", MBEDTLS_MD_SHA224, 28, false},   {"ssha224", MBEDTLS_MD_SHA224, 28, true},
    {"sha256", MBEDTLS_MD_SHA256, 32, false},   {"ssha256", MBEDTLS_MD_SHA256, 32, true},
    {"sha384", MBEDTLS_MD_SHA384, 48, false},   {"ssha384", MBEDTLS_MD_SHA384, 48, true},
    {"sha512", MBEDTLS_MD_SHA512, 64, false},   {"ssha512", MBEDTLS_MD_SHA512, 64, true},
};

constexpr size_t kMaxSaltBytes = 128;
constexpr size_t kMaxDecoded = 64 + kMaxSaltBytes;

const DigestScheme* findDigest(std::string_view name) noexcept {
  for (const DigestScheme& d : kDigests)
    if (name == d.name) return &d;
  return nullptr;
}


bool isHex(std::string_view s) noexcept {
  if (s.empty() || s.size() % 2 != 0) return false;
  for (char c : s)
    if (core::hexValue(c) < 0) return false;
  return true;
}

std::string fromHex(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 2);
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(core::hexValue(s[i]) << 4 | core::hexValue(s[i + 1]));
  return out;
}

// Base64 into out[0..cap); false when not base64 or too long.
bool base64Into(std::string_view s, uint8_t* out, size_t cap, size_t* n) noexcept {
  *n = 0;
  if (s.empty()) return false;
  return mbedtls_base64_decode(out, cap, n, reinterpret_cast<const unsigned char*>(s.data()), s.size()) == 0;
}

std::string base64(const std::string& bytes) {
  size_t n = 0;
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &n,
                        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(n);
  return out;
}

// The digest (|| salt) bytes of a FreeRADIUS value: hex when it is hex of at least the digest's
// length, else base64 (FreeRADIUS's pap module reads them the same way).
core::Result<std::string> digestBytes(std::string_view value, const DigestScheme& d) {
  if (isHex(value) && value.size() / 2 >= d.digestLen) return fromHex(value);
  uint8_t buf[kMaxDecoded + 3];
  size_t n = 0;
  if (!base64Into(value, buf, sizeof(buf), &n))
    return core::invalidArgument(std::string(d.name) + " hash: neither hex nor base64 of the right length");
  std::string out(reinterpret_cast<const char*>(buf), n);
  mbedtls_platform_zeroize(buf, sizeof(buf));
  return out;
}

core::Result<std::string> digestForm(const DigestScheme& d, std::string_view value) {
  core::Result<std::string> bytes = digestBytes(value, d);
  if (!bytes.isOk()) return bytes.status();
  const std::string& b = *bytes;
  if (!d.salted && b.size() != d.digestLen)
    return core::invalidArgument(std::string(d.name) + " hash: " + std::to_string(b.size()) + " bytes, expected " +
                                 std::to_string(d.digestLen));
  if (d.salted && b.size() <= d.digestLen)
    return core::invalidArgument(std::string(d.name) + " hash: " + std::to_string(b.size()) +
                                 " bytes, expected the " + std::to_string(d.digestLen) + "-byte digest and a salt");
  if (d.salted && b.size() - d.digestLen > kMaxSaltBytes)
    return core::invalidArgument(std::string(d.name) + " hash: salt longer than " + std::to_string(kMaxSaltBytes) +
                                 " bytes");
  return "{" + std::string(d.name) + "}" + base64(b);
}

size_t itoa64(char c) noexcept {
  static constexpr std::string_view kAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  size_t i = kAlphabet.find(c);
  return i == std::string_view::npos ? 64 : i;
}

// The crypt methods we take, each with a bounded cost: a stored string decides how long every PAP
// check of that subscriber takes, so "$6$rounds=999999999$" or "$2b$31$" would let one import stall
// the RADIUS workers. Traditional DES (13 characters), $1$ (MD5, fixed 1000 rounds), $5$ and $6$
// (SHA-crypt, at most 100000 rounds; 5000 by default), $2a$/$2b$/$2y$ (bcrypt, cost at most 12),
// $y$ (yescrypt with the "j" flavour, N and r at most Debian's default j9T).
bool allowedCryptSetting(std::string_view v) noexcept {
  if (v.size() == 13 && v[0] != '$' && v[0] != '_') {
    for (char c : v)
      if (itoa64(c) == 64) return false;
    return true;
  }
  if (v.rfind("$1$", 0) == 0) return true;
  if (v.rfind("$5$", 0) == 0 || v.rfind("$6$", 0) == 0) {
    std::string_view rest = v.substr(3);
    if (rest.rfind("rounds=", 0) != 0) return true;
    rest.remove_prefix(7);
    uint64_t rounds = 0;
    size_t i = 0;
    for (; i < rest.size() && i < 7 && rest[i] >= '0' && rest[i] <= '9'; ++i) rounds = rounds * 10 + static_cast<uint64_t>(rest[i] - '0');
    return i > 0 && i < rest.size() && rest[i] == '$' && rounds <= 100000;
  }
  if (v.rfind("$2a$", 0) == 0 || v.rfind("$2b$", 0) == 0 || v.rfind("$2y$", 0) == 0) {
    return v.size() > 7 && v[4] >= '0' && v[4] <= '9' && v[5] >= '0' && v[5] <= '9' && v[6] == '$' &&
           (v[4] - '0') * 10 + (v[5] - '0') <= 12;
  }
  if (v.rfind("$y$", 0) == 0) {
    // "$y$j9T$salt$hash": flavour j, N = 2^(itoa64(N char) + 1), r = itoa64(r char) + 1.
    return v.size() > 7 && v[3] == 'j' && itoa64(v[4]) <= itoa64('9') && itoa64(v[5]) <= itoa64('T') && v[6] == '$';
  }
  return false;
}

// crypt(3) of `phrase` with `setting` into `out`; nullptr on failure (unknown method, bad setting).
const char* cryptInto(const char* phrase, const char* setting, crypt_data* data) noexcept {
  std::memset(data, 0, sizeof(*data));
  const char* r = crypt_rn(phrase, setting, data, sizeof(*data));
  if (r == nullptr || r[0] == '*') return nullptr;
  return r;
}

crypt_data& threadCryptData() noexcept {
  thread_local crypt_data data;  // 32 KiB: not on the stack of a RADIUS worker
  return data;
}

core::Result<std::string> cryptForm(std::string_view value) {
  if (value.empty()) return core::invalidArgument("crypt hash: empty");
  if (value.size() > kMaxPasswordHashBytes) return core::invalidArgument("crypt hash: too long");
  if (value.find('\0') != std::string_view::npos) return core::invalidArgument("crypt hash: contains NUL");
  if (value[0] == '!' || value[0] == '*')
    return core::invalidArgument("crypt hash: a locked entry ('!' or '*'), which no password matches");
  if (!allowedCryptSetting(value))
    return core::invalidArgument("crypt hash: not a method we take with a bounded cost (DES, $1$, $5$/$6$ up to "
                                 "100000 rounds, $2b$ up to cost 12, $y$ up to j9T)");
  // The string must be one this libcrypt computes back in full: same length, same setting (all up
  // to the last '$', or the two salt characters of traditional DES). A truncated or unknown one is
  // refused here rather than never matching later.
  std::string setting(value);
  crypt_data& data = threadCryptData();
  const char* out = cryptInto("probe", setting.c_str(), &data);
  if (out == nullptr) return core::invalidArgument("crypt hash: a method or setting this system's crypt does not compute");
  std::string_view computed(out);
  size_t prefix = value[0] == '$' ? value.rfind('$') : 2;
  bool ok = computed.size() == value.size() && prefix != std::string_view::npos && prefix < value.size() &&
            computed.substr(0, prefix) == value.substr(0, prefix);
  std::memset(&data, 0, sizeof(data));
  if (!ok) return core::invalidArgument("crypt hash: truncated or malformed (it does not have the length its method computes)");
  return "{crypt}" + std::string(value);
}

bool constantTimeEqualBytes(const uint8_t* a, const uint8_t* b, size_t n) noexcept { return constantTimeEqual(a, b, n); }

}  // namespace

core::Result<std::string> passwordHashFromHeader(std::string_view value) {
  if (value.size() > kMaxPasswordHashBytes) return core::invalidArgument("password hash: longer than " + std::to_string(kMaxPasswordHashBytes) + " bytes");
  if (value.empty() || value[0] != '{') return cryptForm(value);
  size_t close = value.find('}');
  if (close == std::string_view::npos) return core::invalidArgument("password hash: '{' without a closing '}'");
  std::string header = core::asciiLower(value.substr(1, close - 1));
  std::string_view rest = value.substr(close + 1);
  if (header == "crypt") return cryptForm(rest);
  if (header == "nt" || header == "nthash" || header == "x-nthash")
    return core::invalidArgument("password hash: an NT hash is the nt-hash argument (it also serves MS-CHAPv2)");
  if (header == "clear" || header == "cleartext")
    return core::invalidArgument("password hash: a cleartext password is the password argument");
  if (header == "sha") header = "sha1";
  if (header == "ssha") header = "ssha1";
  if (header == "base64_md5") header = "md5";
  if (header == "sha2" || header == "ssha2") {
    // The length says which SHA-2 (FreeRADIUS's SHA2-Password does the same).
    const bool salted = header == "ssha2";
    uint8_t buf[kMaxDecoded + 3];
    size_t n = 0;
    size_t len = isHex(rest) ? rest.size() / 2 : (base64Into(rest, buf, sizeof(buf), &n) ? n : 0);
    mbedtls_platform_zeroize(buf, sizeof(buf));
    const char* pick = nullptr;
    if (!salted) {
      pick = len == 28 ? "sha224" : len == 32 ? "sha256" : len == 48 ? "sha384" : len == 64 ? "sha512" : nullptr;
      if (pick == nullptr) return core::invalidArgument("sha2 hash: " + std::to_string(len) + " bytes is no SHA-2 digest length (28, 32, 48, 64)");
    } else {
      return core::invalidArgument("ssha2 hash: the digest length cannot be told from salted data: use {ssha256} or {ssha512}");
    }
    header = pick;
  }
  const DigestScheme* d = findDigest(header);
  if (d == nullptr) return core::invalidArgument("password hash: unknown header '{" + header + "}'");
  return digestForm(*d, rest);
}

core::Result<std::string> passwordHashFromAttribute(std::string_view attribute, std::string_view value) {
  std::string a = core::asciiLower(attribute);
  auto with = [&](const char* header) { return passwordHashFromHeader("{" + std::string(header) + "}" + std::string(value)); };
  if (a == "crypt-password") return cryptForm(value);
  if (a == "password-with-header") return passwordHashFromHeader(value);
  if (a == "md5-password") return with("md5");
  if (a == "smd5-password") return with("smd5");
  if (a == "sha-password" || a == "sha1-password") return with("sha1");
  if (a == "ssha-password" || a == "ssha1-password") return with("ssha1");
  if (a == "sha2-password") return with("sha2");
  if (a == "sha-224-password" || a == "sha2-224-password") return with("sha224");
  if (a == "sha-256-password" || a == "sha2-256-password") return with("sha256");
  if (a == "sha-384-password" || a == "sha2-384-password") return with("sha384");
  if (a == "sha-512-password" || a == "sha2-512-password") return with("sha512");
  if (a == "ssha2-224-password") return with("ssha224");
  if (a == "ssha2-256-password") return with("ssha256");
  if (a == "ssha2-384-password") return with("ssha384");
  if (a == "ssha2-512-password") return with("ssha512");
  return core::invalidArgument("password hash: " + std::string(attribute) + " is not a hash attribute we take");
}

std::string passwordHashScheme(std::string_view stored) {
  if (stored.empty() || stored[0] != '{') return "";
  size_t close = stored.find('}');
  if (close == std::string_view::npos) return "";
  std::string h(stored.substr(1, close - 1));
  if (h == "crypt" || findDigest(h) != nullptr) return h;
  return "";
}

bool passwordHashMatches(std::string_view candidate, std::string_view stored) noexcept {
  if (candidate.empty() || candidate.size() > kMaxPasswordBytes) return false;
  if (candidate.find('\0') != std::string_view::npos) return false;  // crypt would stop at it
  if (stored.size() > kMaxPasswordHashBytes + 16 || stored.empty() || stored[0] != '{') return false;
  size_t close = stored.find('}');
  if (close == std::string_view::npos) return false;
  std::string_view header = stored.substr(1, close - 1);
  std::string_view rest = stored.substr(close + 1);

  if (header == "crypt") {
    if (rest.empty() || !allowedCryptSetting(rest)) return false;
    char phrase[kMaxPasswordBytes + 1];
    char setting[kMaxPasswordHashBytes + 1];
    if (rest.size() > kMaxPasswordHashBytes || rest.find('\0') != std::string_view::npos) return false;
    std::memcpy(phrase, candidate.data(), candidate.size());
    phrase[candidate.size()] = '\0';
    std::memcpy(setting, rest.data(), rest.size());
    setting[rest.size()] = '\0';
    crypt_data& data = threadCryptData();
    const char* out = cryptInto(phrase, setting, &data);
    bool ok = out != nullptr && std::strlen(out) == rest.size() &&
              constantTimeEqualBytes(reinterpret_cast<const uint8_t*>(out),
                                     reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
    mbedtls_platform_zeroize(phrase, sizeof(phrase));
    mbedtls_platform_zeroize(&data, sizeof(data));
    return ok;
  }

  const DigestScheme* d = nullptr;
  for (const DigestScheme& s : kDigests)
    if (header == s.name) d = &s;
  if (d == nullptr) return false;
  uint8_t decoded[kMaxDecoded + 3];
  size_t n = 0;
  if (!base64Into(rest, decoded, sizeof(decoded), &n)) return false;
  if (!d->salted && n != d->digestLen) return false;
  if (d->salted && (n <= d->digestLen || n - d->digestLen > kMaxSaltBytes)) return false;
  const size_t saltLen = n - d->digestLen;
  uint8_t input[kMaxPasswordBytes + kMaxSaltBytes];
  std::memcpy(input, candidate.data(), candidate.size());
  if (saltLen) std::memcpy(input + candidate.size(), decoded + d->digestLen, saltLen);
  uint8_t digest[64];
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(d->md);
  bool ok = info != nullptr && mbedtls_md(info, input, candidate.size() + saltLen, digest) == 0 &&
            constantTimeEqualBytes(digest, decoded, d->digestLen);
  mbedtls_platform_zeroize(input, sizeof(input));
  mbedtls_platform_zeroize(digest, sizeof(digest));
  return ok;
}

core::Result<std::string> ntHashHexFromAttribute(std::string_view value) {
  std::string_view v = value;
  if (v.size() == 34 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) v.remove_prefix(2);
  if (v.size() != 32 || !isHex(v)) return core::invalidArgument("NT-Password: expected 32 hex digits");
  return core::asciiLower(v);
}

std::optional<NtHash> parseNtHashHex(std::string_view hex) noexcept {
  if (hex.size() != 32 || !isHex(hex)) return std::nullopt;
  NtHash h{};
  for (size_t i = 0; i < 16; ++i) h[i] = static_cast<uint8_t>(core::hexValue(hex[2 * i]) << 4 | core::hexValue(hex[2 * i + 1]));
  return h;
}

}  // namespace aaa::auth
