// The management plane's keys: the CA that issues device certificates (ECDSA P-256, created at first
// start in data-dir, or supplied with ca-cert/ca-key), the server certificate of the two HTTPS
// listeners (issued by that CA for core::sync::kServerName, renewed at start when less than a third of
// its life is left), and the license signing key. Private keys are written mode 0600.
#pragma once

#include <cstdint>
#include <string>

#include "core/license.h"
#include "core/status.h"
#include "mgmt/mgmt_config.h"

namespace mgmt {


class Authority {
 public:
  core::Status open(const MgmtConfig& config, int64_t now);

  const std::string& caCertPem() const { return caCert_; }
  const std::string& caFingerprint() const { return caFingerprint_; }
  const std::string& serverCertPem() const { return serverCert_; }  // leaf then CA
  const std::string& serverKeyPem() const { return serverKey_; }
  const std::string& licensePublicKeyPem() const { return licensePublic_; }

  // A device certificate for the CSR (proof of possession checked): CN = device id, OU = tenant id.
  core::Result<std::string> issueDevice(const std::string& csrPem, const std::string& deviceId,
                                        const std::string& tenantId, int64_t now, int64_t days) const;
  // The box's EAP server certificate for the CSR (proof of possession checked): CN and the one
  // subjectAltName dNSName = `name`, extendedKeyUsage serverAuth, no OU (so it never passes for a
  // device certificate on the device API), valid as long as a device certificate (ADR 0069).
  core::Result<std::string> issueEap(const std::string& csrPem, const std::string& name, int64_t now, int64_t days) const;
  core::Result<std::string> signLicense(const core::License& license) const;

 private:
  std::string caCert_, caKey_, caFingerprint_;
  std::string serverCert_, serverKey_;
  std::string licenseKey_, licensePublic_;
};

}  // namespace mgmt
