// The license section of edged's configuration; keys in edge/app/edge_config.cpp.
#pragma once

#include <string>

namespace edge {

struct LicenseConfig {
  std::string trustedKey;  // PEM public key of the management plane's license key; "" = data-dir/license-key.pem
};

}  // namespace edge
