// The box's certificates in one view, and installing EAP's (issue 28, ADR 0031): the commands
// `certs` (every certificate: EAP, RadSec, the technician UI's, the enrolled device's), `eap-install`
// and `eap-crl` (edge/commands), the health monitor's certificate alerts and the UI's Certificates
// page all read through here.
//
// Contract
// - view() reads the files named by the running config each time (they are small; the health
//   monitor asks once a minute): what an operator changed by hand shows at once.
// - installEap() / installCrl() check the whole set first (cert_inspect.h) and write nothing when
//   anything is wrong, naming the argument at fault. Then each file is written atomically to its
//   configured path (keys 0600), the key last, under another name until its certificate is in place
//   (finishInterruptedInstall() completes or undoes that after a crash), and EAP and RadSec re-read
//   their files. A reload that fails puts the previous files back.
// - Handlers run on the command table's thread, one at a time (core/command).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/json.h"
#include "core/status.h"

namespace edge::certs {

// Where the files are, from the running config (radius.eap-*, radius.radsec-*, alerts, data-dir).
struct CertificatePaths {
  std::string eapCertificate, eapKey, eapCa, eapCrl;
  std::string radsecCertificate, radsecCa, radsecCrl;
  std::string dataDir;      // DATA/sync/device.pem, DATA/sync/mgmt-ca.pem
  int64_t warningDays = 30;  // alerts.certificate-warning-days
};

struct CertificateDeps {
  std::function<CertificatePaths()> paths;
  std::function<std::string()> uiCertificatePem;  // the chain the technician UI serves now
  std::function<core::Status()> reload;           // EAP and RadSec read their files again
  std::function<void(const std::string& kind, const std::string& detail)> record;  // the event log
  std::function<int64_t()> now;                   // Unix seconds
};

// A certificate or CRL that needs someone: for the health monitor's alerts.
struct Finding {
  std::string name;  // "eap-certificate"
  bool expired = false;  // error (expired, not yet valid, unreadable, CRL out of date); else a warning
  std::string text;  // "EAP server certificate (/etc/edged/eap.pem): expires in 12 days (2027-01-01): renew it"
};

// Where EAP's server certificate came from (ADR 0069): issued by the management plane's CA (it verifies
// to DATA/sync/mgmt-ca.pem; the sync agent renews it) or installed by hand (left alone).
struct EapIssuance {
  bool enabled = false;    // radius.eap-certificate and eap-key are set (EAP is on)
  bool present = false;    // the certificate file reads as a certificate
  bool fromMgmt = false;
  std::string name;        // its first subjectAltName dNSName (what phones check), when fromMgmt
  int64_t notAfter = 0;
  int64_t renewAt = 0;     // two thirds of its life, when fromMgmt
};

class CertificateService {
 public:
  explicit CertificateService(CertificateDeps deps);

  // {"warning-days": N, "certificates": [{name, title, key, path, kind, state, message, days-left,
  //  certificates: [...], crls: [...]}]}; state: ok, warning, error or not-configured.
  core::Json view(int64_t now) const;
  std::vector<Finding> findings(int64_t now) const;
  // The view's eap-certificate entry carries this as "source" ("management plane" | "installed by
  // hand"), and for the management plane's also "eap-name" and "renews-at".
  EapIssuance eapIssuance() const;

  // The commands' handlers (arguments as edge/commands declares them).
  core::ControlReply show(const core::Json& arguments);
  core::ControlReply installEap(const core::Json& arguments);
  core::ControlReply installCrl(const core::Json& arguments);
  void registerCommands(core::command::Table& table);

  // At start, before EAP reads its files: a `KEY.new` left by an install that stopped between the
  // certificate and the key becomes the key if it is the certificate's, and is removed otherwise.
  static core::Status finishInterruptedInstall(const std::string& certificatePath, const std::string& keyPath);

 private:
  struct Write {
    std::string path;
    std::string content;
    int mode;
  };
  core::Status writeAndReload(const std::vector<Write>& writes, const std::string& keyPath, const std::string& key);

  CertificateDeps deps_;
};

}  // namespace edge::certs
