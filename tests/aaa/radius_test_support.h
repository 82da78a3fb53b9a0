// Helpers shared by the RADIUS codec tests: golden vectors, hex, attribute lookup; the dictionary
// fixture itself is tests/support/radius_dictionary.h (shared with the server and CoA tests).
#pragma once

#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "tests/support/radius_dictionary.h"

namespace aaa::radius::testing {

// The constants tests/vectors/gen_access_request.py used.
constexpr const char* kSecret = "testing123";
constexpr uint8_t kRequestId = 0x2A;
inline Authenticator requestAuthenticator() {
  return {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
          0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};
}

inline std::vector<uint8_t> fromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : hex) {
    if (!std::isspace(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string toHex(const std::vector<uint8_t>& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// tests/vectors/<name>, one line of hex; empty when the file is missing.
inline std::vector<uint8_t> loadVector(const std::string& name) {
  std::ifstream in(std::string(EDGE_SOURCE_DIR) + "/tests/vectors/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return fromHex(text.str());
}

// Attribute lookup that must succeed (the dictionary is Debian's); an unknown name yields a ref
// that the codec rejects, which makes the test fail with a clear message.
inline AttrRef attr(const Dictionary& dict, const std::string& name) {
  auto ref = dict.find(name);
  return ref.isOk() ? *ref : AttrRef{0xFFFFFFFFu, 0, AttrType::kOther};
}

}  // namespace aaa::radius::testing
