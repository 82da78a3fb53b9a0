// Passwords of the people who sign in (the technician UI on the box, mgmt's console and API): argon2id (RFC 9106) through Debian's
// libargon2, stored in its PHC string form ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"), so the cost
// a hash was made with travels with it and can be raised later without breaking old ones.
//
// This file is the one place that includes <argon2.h>.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace core::identity {

// RFC 9106 section 4 / OWASP's second recommended setting: 19 MiB, two passes, one lane; about
// 50 ms on the appliance. Tests may use less.
struct PasswordCost {
  uint32_t timeCost = 2;
  uint32_t memoryKiB = 19 * 1024;
  uint32_t lanes = 1;
};

// What a password must be: 10 to 256 bytes (a passphrase is fine; nothing else is imposed, per NIST
// SP 800-63B 5.1.1.2). invalidArgument saying what is wrong.
core::Status checkPasswordRules(const std::string& password);

// A new salted argon2id hash of `password` (a random 16-byte salt each time).
core::Result<std::string> hashPassword(const std::string& password, const PasswordCost& cost = {});

// Whether `password` matches the encoded hash. False for anything that is not an argon2id hash.
bool verifyPassword(const std::string& encoded, const std::string& password);

}  // namespace core::identity
