// The certificates and keys of the certificate tests (tests/edge/certs/data), read as they are.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace cert_test {

inline std::string testFile(const std::string& name) {
  std::ifstream in(std::string(EDGE_SOURCE_DIR) + "/tests/edge/certs/data/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace cert_test
