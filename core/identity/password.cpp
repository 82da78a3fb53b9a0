#include "core/identity/password.h"

#include <argon2.h>

#include <vector>

#include "core/pki.h"

namespace core::identity {

namespace {
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kMinLength = 10;
constexpr size_t kMaxLength = 256;

std::string hexToBytes(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}
}  // namespace

core::Status checkPasswordRules(const std::string& password) {
  if (password.size() < kMinLength)
    return core::invalidArgument("a password needs at least " + std::to_string(kMinLength) + " characters");
  if (password.size() > kMaxLength)
    return core::invalidArgument("a password has at most " + std::to_string(kMaxLength) + " characters");
  return core::Status::ok();
}

core::Result<std::string> hashPassword(const std::string& password, const PasswordCost& cost) {
  const std::string salt = hexToBytes(core::pki::randomHex(kSaltBytes));
  std::vector<char> encoded(argon2_encodedlen(cost.timeCost, cost.memoryKiB, cost.lanes, kSaltBytes, kHashBytes,
                                              Argon2_id) + 1);
  int rc = argon2id_hash_encoded(cost.timeCost, cost.memoryKiB, cost.lanes, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return core::internalError(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verifyPassword(const std::string& encoded, const std::string& password) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace core::identity
