// Helpers of the firmware tests: a signing key pair, and a version from its text.
#pragma once

#include <string>

#include "core/pki.h"
#include "firmware/manifest.h"

namespace firmware_test {

struct Keys {
  std::string privatePem;
  std::string publicPem;
};

// A fresh EC key pair (PEM).
inline Keys makeKeys() {
  Keys k;
  k.privatePem = *core::pki::generateKey();
  k.publicPem = *core::pki::publicKeyOf(k.privatePem);
  return k;
}

// A version the test knows is well formed ("v" is the field named in a parse error).
inline firmware::Version versionOf(const std::string& text) { return *firmware::parseVersion(text, "v"); }

}  // namespace firmware_test
