#include "edge/webui/tls_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/config.h"
#include "core/files.h"
#include "core/pki.h"

namespace edge::webui {

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string colonHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (!out.empty()) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

core::Result<TlsIdentity> identityFrom(const std::string& certPath, const std::string& keyPath, std::string source) {
  TlsIdentity id;
  EDGE_ASSIGN_OR_RETURN(id.certPem, core::readTextFile(certPath, "the UI certificate"));
  EDGE_ASSIGN_OR_RETURN(id.keyPem, core::readTextFile(keyPath, "the UI key"));
  EDGE_ASSIGN_OR_RETURN(core::pki::CertInfo info, core::pki::certificateInfo(id.certPem));
  id.fingerprint = colonHex(info.fingerprint);
  id.notAfter = info.notAfter;
  id.source = std::move(source);
  return id;
}

}  // namespace

core::Result<TlsIdentity> loadTlsIdentity(const std::string& dataDir, int64_t now, const std::string& commonName) {
  const std::string deviceCert = dataDir + "/sync/device.pem", deviceKey = dataDir + "/sync/device-key.pem";
  if (exists(deviceCert) && exists(deviceKey)) {
    core::Result<TlsIdentity> enrolled = identityFrom(deviceCert, deviceKey, "enrolled device certificate");
    // An expired device certificate (a box offline for months) must not lock the technician out.
    if (enrolled.isOk() && enrolled->notAfter > now) return enrolled;
  }
  const std::string cert = dataDir + "/webui-cert.pem", key = dataDir + "/webui-key.pem";
  if (exists(cert) && exists(key)) {
    core::Result<TlsIdentity> kept = identityFrom(cert, key, "made by the box at first start");
    if (kept.isOk() && kept->notAfter > now) return kept;
  }
  // A one-time CA of this box issues the server certificate and its key is thrown away: a TLS server
  // signs its handshake, which a CA certificate (keyCertSign only) may not do, and core::pki writes
  // digitalSignature only on issued certificates. The file holds the chain (leaf, then that CA).
  core::pki::CertSpec spec;
  spec.commonName = commonName;
  spec.notBefore = now - 3600;
  spec.notAfter = now + 825LL * 86400;  // the longest lifetime browsers accept for a server certificate
  EDGE_ASSIGN_OR_RETURN(std::string caKeyPem, core::pki::generateKey());
  core::pki::CertSpec caSpec = spec;
  caSpec.commonName = commonName + " CA";
  EDGE_ASSIGN_OR_RETURN(std::string caPem, core::pki::selfSignedCa(caKeyPem, caSpec));
  EDGE_ASSIGN_OR_RETURN(std::string keyPem, core::pki::generateKey());
  EDGE_ASSIGN_OR_RETURN(std::string publicPem, core::pki::publicKeyOf(keyPem));
  EDGE_ASSIGN_OR_RETURN(std::string leafPem, core::pki::issueForKey(caPem, caKeyPem, publicPem, spec));
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(key, keyPem, 0600));
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(cert, leafPem + caPem, 0644));
  return identityFrom(cert, key, "made by the box at first start");
}

}  // namespace edge::webui
