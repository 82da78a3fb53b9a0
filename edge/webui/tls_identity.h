// The certificate the technician UI serves HTTPS with (issue 22): the box's enrolled device
// certificate when it has one (DATA/sync/device.pem and device-key.pem, issued by the management
// plane's CA), otherwise one made at first start (issued by a one-time CA of the box whose key is
// discarded) and kept in the data folder
// (DATA/webui-cert.pem, DATA/webui-key.pem 0600), so its fingerprint stays the same across restarts
// and a technician can check it against `edgectl status` once and trust it.
#pragma once

#include <string>

#include "core/status.h"

namespace edge::webui {

struct TlsIdentity {
  std::string certPem;
  std::string keyPem;
  std::string source;       // "enrolled device certificate" or "made by the box at first start"
  std::string fingerprint;  // SHA-256 of the certificate's DER, lowercase hex pairs joined by ':'
  int64_t notAfter = 0;
};

// Loads the identity as described above, making and storing the self-signed one when needed.
// `commonName` goes into a new self-signed certificate ("edged technician UI").
core::Result<TlsIdentity> loadTlsIdentity(const std::string& dataDir, int64_t now,
                                          const std::string& commonName = "edged technician UI");

}  // namespace edge::webui
