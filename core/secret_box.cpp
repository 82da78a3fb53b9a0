#include "core/secret_box.h"

#include <mbedtls/gcm.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>

#include "core/config.h"
#include "core/files.h"
#include "core/ids.h"
#include "core/pki.h"

namespace core {

namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr const char* kPrefix = "enc:v1:";

Result<std::string> fromHex(const std::string& hex) {
  if (hex.size() != kKeyBytes * 2) return invalidArgument("a key is 64 hex digits");
  std::string out(kKeyBytes, '\0');
  for (size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return invalidArgument("a key is 64 hex digits");
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

Result<std::string> aesGcmSeal(const std::string& key, const std::string& aad, const std::string& plain) {
  if (key.size() != kKeyBytes) return internalError("an AES-256 key is 32 bytes");
  std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  secureRandom(bytes, kNonceBytes);
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, reinterpret_cast<const unsigned char*>(key.data()), 256);
  if (rc == 0)
    rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, plain.size(), bytes, kNonceBytes,
                                   reinterpret_cast<const unsigned char*>(aad.data()), aad.size(),
                                   reinterpret_cast<const unsigned char*>(plain.data()), bytes + kNonceBytes, kTagBytes,
                                   bytes + kNonceBytes + plain.size());
  mbedtls_gcm_free(&gcm);
  if (rc != 0) return internalError("AES-GCM sealing failed (mbedtls " + std::to_string(rc) + ")");
  return out;
}

Result<std::string> aesGcmOpen(const std::string& key, const std::string& aad, const std::string& sealed) {
  if (key.size() != kKeyBytes) return internalError("an AES-256 key is 32 bytes");
  if (sealed.size() < kNonceBytes + kTagBytes) return Status(Code::kCorrupt, "a sealed value is too short");
  const size_t n = sealed.size() - kNonceBytes - kTagBytes;
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plain(n, '\0');
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, reinterpret_cast<const unsigned char*>(key.data()), 256);
  if (rc == 0)
    rc = mbedtls_gcm_auth_decrypt(&gcm, n, in, kNonceBytes, reinterpret_cast<const unsigned char*>(aad.data()),
                                  aad.size(), in + kNonceBytes + n, kTagBytes, in + kNonceBytes,
                                  reinterpret_cast<unsigned char*>(plain.data()));
  mbedtls_gcm_free(&gcm);
  if (rc != 0) return Status(Code::kCorrupt, "a sealed value does not open under its key (altered, or another row's)");
  return plain;
}

Result<SecretBox> SecretBox::fromKeys(std::vector<std::string> keys) {
  if (keys.empty()) return invalidArgument("no key");
  SecretBox box;
  for (std::string& k : keys) {
    if (k.size() != kKeyBytes) return invalidArgument("a key is 32 bytes");
    box.ids_.push_back(pki::sha256Hex(k).substr(0, 8));
    box.keys_.push_back(std::move(k));
  }
  return box;
}

Result<SecretBox> SecretBox::loadOrCreate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return errnoStatus("secrets key file '" + path + "'", errno);
    EDGE_RETURN_IF_ERROR(writeFileAtomically(path, pki::randomHex(kKeyBytes) + "\n", 0600));
    if (::stat(path.c_str(), &st) != 0) return errnoStatus("secrets key file '" + path + "'", errno);
  }
  if ((st.st_mode & 077) != 0)
    return failedPrecondition("secrets key file '" + path + "' is readable by others: chmod 600 it");
  EDGE_ASSIGN_OR_RETURN(std::string text, readTextFile(path, "the secrets key file"));
  std::vector<std::string> keys;
  size_t lineNo = 0, at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    at = end + 1;
    ++lineNo;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Result<std::string> key = fromHex(line);
    if (!key.isOk())
      return failedPrecondition("secrets key file '" + path + "' line " + std::to_string(lineNo) + ": " +
                                key.status().message());
    keys.push_back(*key);
  }
  if (keys.empty()) return failedPrecondition("secrets key file '" + path + "' holds no key");
  return fromKeys(std::move(keys));
}

Result<std::string> SecretBox::seal(const std::string& plain, const std::string& context) const {
  EDGE_ASSIGN_OR_RETURN(std::string sealed, aesGcmSeal(keys_.front(), context, plain));
  return std::string(kPrefix) + ids_.front() + ":" + pki::base64Encode(sealed);
}

Result<std::string> SecretBox::open(const std::string& text, const std::string& context) const {
  if (!isSealed(text)) return invalidArgument("the value is not sealed");
  const size_t colon = text.find(':', 7);
  if (colon == std::string::npos) return Status(Code::kCorrupt, "a sealed value without its key id");
  const std::string id = text.substr(7, colon - 7);
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] != id) continue;
    EDGE_ASSIGN_OR_RETURN(std::string sealed, pki::base64Decode(text.substr(colon + 1), "a sealed value"));
    return aesGcmOpen(keys_[i], context, sealed);
  }
  return Status(Code::kCorrupt, "a value sealed under key " + id.substr(0, 8) +
                                     ", which the secrets key file does not hold (rotated out too early?)");
}

bool SecretBox::current(const std::string& text) const {
  return text.rfind(std::string(kPrefix) + ids_.front() + ":", 0) == 0;
}

}  // namespace core
