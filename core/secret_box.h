// Secrets at rest (ADR 0058): values such as a payment provider's API key are stored sealed with
// AES-256-GCM under a key kept in a file outside the database, so a copy of the database (a backup,
// a replica, a tenant transfer file) does not carry them in the clear.
//
// Contract
// - The key file holds one or more keys, one a line, each 64 hex digits (32 bytes); the first is the
//   current key (sealing), every one opens. `loadOrCreate` creates a missing file with one new random
//   key, mode 0600, atomically; an existing file that is readable by group or others, or holds a
//   malformed line, is refused (kFailedPrecondition naming the file).
// - seal(plain, context) -> "enc:v1:<key id>:<base64 of nonce | ciphertext | tag>"; the key id is
//   the first 8 hex digits of the key's SHA-256, the nonce 12 random bytes, `context` the additional
//   data (the row and column the value belongs to: a sealed value copied to another row does not open).
// - open(text, context): the plain text; kCorrupt when it was sealed under a key the file does not
//   hold or was altered, kInvalidArgument when it is not sealed at all.
// - current(text): whether `text` is sealed under the current key (false for plain text: the
//   caller reseals it). Thread-safe (read-only after loading).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace core {

class SecretBox {
 public:
  static Result<SecretBox> loadOrCreate(const std::string& path);
  // For tests: the given raw 32-byte keys, the first current.
  static Result<SecretBox> fromKeys(std::vector<std::string> keys);

  Result<std::string> seal(const std::string& plain, const std::string& context) const;
  Result<std::string> open(const std::string& text, const std::string& context) const;
  bool current(const std::string& text) const;
  static bool isSealed(const std::string& text) { return text.rfind("enc:v1:", 0) == 0; }
  const std::string& currentKeyId() const { return ids_.front(); }

 private:
  std::vector<std::string> keys_, ids_;
};

// AES-256-GCM of `plain` under the 32-byte `key` with `aad`: nonce (12 random bytes) | ciphertext | tag (16).
Result<std::string> aesGcmSeal(const std::string& key, const std::string& aad, const std::string& plain);
// The plain text, or kCorrupt when `sealed` was not sealed under `key` with `aad` (or is altered).
Result<std::string> aesGcmOpen(const std::string& key, const std::string& aad, const std::string& sealed);

}  // namespace core
