#include "mgmt/authority.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "core/files.h"
#include "core/pki.h"
#include "core/sync_wire.h"

namespace mgmt {

namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Loads a key from `path`, creating it when the file is missing.
core::Result<std::string> loadOrCreateKey(const std::string& path, const char* what) {
  if (exists(path)) return core::readTextFile(path, what);
  EDGE_ASSIGN_OR_RETURN(std::string key, core::pki::generateKey());
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(path, key, 0600));
  return key;
}

// An exclusive flock(2) on a file, held until destruction. Several mgmtd share one data folder
// (ADR 0024): without it two replicas starting on an empty folder would each create a CA key, one
// rename would win on disk, and the other would serve (and sign devices with) a CA nobody else has.
class FolderLock {
 public:
  core::Status take(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return core::errnoStatus("opening " + path, errno);
    while (::flock(fd_, LOCK_EX) < 0) {
      if (errno != EINTR) return core::errnoStatus("locking " + path, errno);
    }
    return core::Status::ok();
  }
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

core::Status Authority::open(const MgmtConfig& config, int64_t now) {
  const std::string dir = config.dataDir;
  // Load-or-create below is one step for every mgmtd sharing this folder.
  FolderLock lock;
  EDGE_RETURN_IF_ERROR(lock.take(dir + "/authority.lock"));
  if (!config.caCert.empty()) {
    EDGE_ASSIGN_OR_RETURN(std::string cert, core::readTextFile(config.caCert, "the CA certificate (ca-cert)"));
    EDGE_ASSIGN_OR_RETURN(std::string key, core::readTextFile(config.caKey, "the CA key (ca-key)"));
    caCert_ = cert;
    caKey_ = key;
  } else {
    EDGE_ASSIGN_OR_RETURN(caKey_, loadOrCreateKey(dir + "/ca-key.pem", "the CA key"));
    if (exists(dir + "/ca.pem")) {
      EDGE_ASSIGN_OR_RETURN(caCert_, core::readTextFile(dir + "/ca.pem", "the CA certificate"));
    } else {
      core::pki::CertSpec spec;
      spec.commonName = "edge-mgmt CA";
      spec.notBefore = now - 3600;
      spec.notAfter = now + 20LL * 365 * 86400;
      core::Result<std::string> cert = core::pki::selfSignedCa(caKey_, spec);
      if (!cert.isOk()) return cert.status().withContext("creating the CA");
      EDGE_RETURN_IF_ERROR(core::writeFileAtomically(dir + "/ca.pem", *cert, 0644));
      caCert_ = *cert;
    }
  }
  core::Result<core::pki::CertInfo> ca = core::pki::certificateInfo(caCert_);
  if (!ca.isOk()) return ca.status().withContext("the CA certificate");
  if (!ca->isCa) return core::invalidArgument("the CA certificate is not a CA (basicConstraints CA:FALSE)");
  caFingerprint_ = ca->fingerprint;

  // The server certificate: reissued when missing, from another CA, or past two thirds of its life.
  EDGE_ASSIGN_OR_RETURN(serverKey_, loadOrCreateKey(dir + "/server-key.pem", "the server key"));
  bool reissue = true;
  if (exists(dir + "/server.pem")) {
    EDGE_ASSIGN_OR_RETURN(std::string cert, core::readTextFile(dir + "/server.pem", "the server certificate"));
    core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(cert);
    if (info.isOk() && core::pki::verifyCertificate(cert, caCert_, now).isOk() &&
        now < info->notBefore + (info->notAfter - info->notBefore) * 2 / 3) {
      reissue = false;
      serverCert_ = cert;
    }
  }
  if (reissue) {
    EDGE_ASSIGN_OR_RETURN(std::string pub, core::pki::publicKeyOf(serverKey_));
    core::pki::CertSpec spec;
    spec.commonName = core::sync::kServerName;
    spec.notBefore = now - 3600;
    spec.notAfter = now + 365LL * 86400;
    core::Result<std::string> cert = core::pki::issueForKey(caCert_, caKey_, pub, spec);
    if (!cert.isOk()) return cert.status().withContext("issuing the server certificate");
    EDGE_RETURN_IF_ERROR(core::writeFileAtomically(dir + "/server.pem", *cert, 0644));
    serverCert_ = *cert;
  }
  // The chain the listeners present: leaf, then the CA.
  serverCert_ += caCert_;

  EDGE_ASSIGN_OR_RETURN(licenseKey_, loadOrCreateKey(dir + "/license-key.pem", "the license signing key"));
  EDGE_ASSIGN_OR_RETURN(licensePublic_, core::pki::publicKeyOf(licenseKey_));
  return core::writeFileAtomically(dir + "/license-public.pem", licensePublic_, 0644);
}

core::Result<std::string> Authority::issueDevice(const std::string& csrPem, const std::string& deviceId,
                                                 const std::string& tenantId, int64_t now, int64_t days) const {
  core::pki::CertSpec spec;
  spec.commonName = deviceId;
  spec.organizationalUnit = tenantId;
  spec.notBefore = now - 300;  // a box whose clock is a little behind still accepts it
  spec.notAfter = now + days * 86400;
  return core::pki::issueCertificate(caCert_, caKey_, csrPem, spec);
}

core::Result<std::string> Authority::issueEap(const std::string& csrPem, const std::string& name, int64_t now,
                                              int64_t days) const {
  core::pki::CertSpec spec;
  spec.commonName = name;
  spec.dnsNames = {name};
  spec.serverAuth = true;
  spec.notBefore = now - 300;
  spec.notAfter = now + days * 86400;
  return core::pki::issueCertificate(caCert_, caKey_, csrPem, spec);
}

core::Result<std::string> Authority::signLicense(const core::License& license) const {
  return core::signLicense(license, licenseKey_);
}

}  // namespace mgmt
