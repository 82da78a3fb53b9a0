#include "edge/certs/cert_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>

#include "core/clock.h"
#include "core/command/bind.h"
#include "core/command_args.h"
#include "core/config.h"
#include "core/files.h"
#include "core/pki.h"
#include "edge/certs/cert_inspect.h"

namespace edge::certs {

namespace {

using core::Json;

// A file shown in the view is read only up to this size (a CRL of a large CA is the biggest).
constexpr size_t kMaxViewedBytes = 2 * 1024 * 1024;

struct Entry {
  const char* name;
  const char* title;
  const char* key;  // the config key naming its path, or "" for the box's own
  bool crl;
  std::string path;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

core::Result<std::string> readBounded(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return core::errnoStatus("cannot read " + path, errno);
  if (st.st_size > static_cast<off_t>(kMaxViewedBytes))
    return core::invalidArgument(path + " is " + std::to_string(st.st_size) + " bytes: too big to be a certificate file");
  return core::readTextFile(path, "");
}

std::string timeText(int64_t t) { return core::formatRfc3339(core::WallTime(std::chrono::seconds(t))); }

int rank(Standing s) { return s == Standing::kOk ? 0 : s == Standing::kWarning ? 1 : 2; }

Json certificateJson(const CertificateFacts& c, const Judgement& j) {
  return Json{{"subject", c.subject},
              {"issuer", c.issuer},
              {"alt-names", c.altNames},
              {"key-type", c.keyType},
              {"serial", c.serial},
              {"not-before", timeText(c.notBefore)},
              {"not-after", timeText(c.notAfter)},
              {"days-left", j.daysLeft},
              {"sha256-fingerprint", c.fingerprint},
              {"ca", c.isCa},
              {"state", standingName(j.standing)},
              {"message", j.text}};
}

Json crlJson(const CrlFacts& c, const Judgement& j) {
  return Json{{"issuer", c.issuer},
              {"this-update", timeText(c.thisUpdate)},
              {"next-update", c.nextUpdate ? Json(timeText(c.nextUpdate)) : Json(nullptr)},
              {"revoked", c.revoked},
              {"days-left", j.daysLeft},
              {"state", standingName(j.standing)},
              {"message", j.text}};
}

// One entry of the view from its file's text: each certificate or CRL judged, the entry as its worst.
Json entryJson(const Entry& e, const std::string& pem, int64_t now, int64_t warningDays) {
  Json out{{"name", e.name}, {"title", e.title}, {"key", e.key}, {"path", e.path}, {"kind", e.crl ? "crl" : "certificate"}};
  Standing worst = Standing::kOk;
  std::string message;
  Json list = Json::array();
  int64_t daysLeft = INT64_MAX;
  // The first one read (a chain's own certificate) speaks for the entry unless a later one is worse.
  auto take = [&](const Judgement& j, const std::string& which) {
    if (message.empty() || rank(j.standing) > rank(worst)) {
      message = which.empty() ? j.text : which + ": " + j.text;
      worst = j.standing;
    }
    daysLeft = std::min(daysLeft, j.daysLeft);
  };
  auto unreadable = [&out](const core::Status& s) {
    out["state"] = "error";
    out["message"] = s.message();
    return out;
  };
  if (e.crl) {
    core::Result<std::vector<CrlFacts>> crls = readCrls(pem, e.name, kMaxViewedBytes);
    if (!crls.isOk()) return unreadable(crls.status());
    for (size_t i = 0; i < crls->size(); ++i) {
      Judgement j = judgeCrl((*crls)[i], now);
      list.push_back(crlJson((*crls)[i], j));
      take(j, crls->size() > 1 ? "CRL of " + (*crls)[i].issuer : "");
    }
    out["crls"] = list;
  } else {
    core::Result<std::vector<CertificateFacts>> certs = readCertificates(pem, e.name, kMaxViewedBytes);
    if (!certs.isOk()) return unreadable(certs.status());
    for (size_t i = 0; i < certs->size(); ++i) {
      Judgement j = judgeCertificate((*certs)[i], now, warningDays);
      list.push_back(certificateJson((*certs)[i], j));
      // The first of a chain is the box's own; a later one is named.
      take(j, i == 0 || certs->size() == 1 ? "" : "chain certificate " + (*certs)[i].subject);
    }
    out["certificates"] = list;
  }
  out["state"] = standingName(worst);
  out["message"] = message;
  if (daysLeft != INT64_MAX) out["days-left"] = daysLeft;
  return out;
}

core::Result<std::string> argText(const Json& args, const char* key) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> v, core::CommandArgs(args).text(key));
  return v.value_or("");
}

std::string summary(const std::string& pem) {
  core::Result<std::vector<CertificateFacts>> c = readCertificates(pem, "certificate", kMaxCaBytes);
  if (!c.isOk() || c->empty()) return "?";
  return c->front().subject + " (SHA-256 " + c->front().fingerprint + ", until " + timeText(c->front().notAfter) + ")";
}

}  // namespace

CertificateService::CertificateService(CertificateDeps deps) : deps_(std::move(deps)) {}

EapIssuance CertificateService::eapIssuance() const {
  CertificatePaths p = deps_.paths();
  EapIssuance out;
  out.enabled = !p.eapCertificate.empty() && !p.eapKey.empty();
  if (!out.enabled) return out;
  core::Result<std::string> pem = readBounded(p.eapCertificate);
  core::Result<core::pki::CertInfo> info =
      pem.isOk() ? core::pki::certificateInfo(*pem) : core::Result<core::pki::CertInfo>(pem.status());
  if (!info.isOk()) return out;
  out.present = true;
  out.notAfter = info->notAfter;
  const std::string caPath = p.dataDir + "/sync/mgmt-ca.pem";
  if (!exists(caPath)) return out;
  core::Result<std::string> ca = readBounded(caPath);
  // Issued by that CA: its signature, checked at the middle of its life (an expired one is still
  // the management plane's, and still renewed).
  if (!ca.isOk() || !core::pki::verifyCertificate(info->pem, *ca, info->notBefore + (info->notAfter - info->notBefore) / 2).isOk())
    return out;
  out.fromMgmt = true;
  out.name = info->dnsNames.empty() ? info->commonName : info->dnsNames.front();
  out.renewAt = info->notBefore + (info->notAfter - info->notBefore) * 2 / 3;
  return out;
}

Json CertificateService::view(int64_t now) const {
  CertificatePaths p = deps_.paths();
  const std::vector<Entry> entries = {
      {"eap-certificate", "EAP server certificate", "radius.eap-certificate", false, p.eapCertificate},
      {"eap-ca", "EAP client CA", "radius.eap-ca", false, p.eapCa},
      {"eap-crl", "EAP client CRL", "radius.eap-crl", true, p.eapCrl},
      {"radsec-certificate", "RadSec certificate", "radius.radsec-certificate", false, p.radsecCertificate},
      {"radsec-ca", "RadSec NAS CA", "radius.radsec-ca", false, p.radsecCa},
      {"radsec-crl", "RadSec CRL", "radius.radsec-crl", true, p.radsecCrl},
      {"ui-certificate", "Technician UI certificate", "", false, ""},
      {"device-certificate", "Device certificate (management plane)", "", false, p.dataDir + "/sync/device.pem"},
      {"mgmt-ca", "Management plane CA", "", false, p.dataDir + "/sync/mgmt-ca.pem"},
  };
  Json list = Json::array();
  for (const Entry& e : entries) {
    std::string name = e.name;
    if (name == "ui-certificate") {
      std::string pem = deps_.uiCertificatePem ? deps_.uiCertificatePem() : "";
      Json j = pem.empty() ? Json{{"name", e.name}, {"title", e.title}, {"key", ""}, {"path", ""}, {"kind", "certificate"},
                                  {"state", "not-configured"}, {"message", "the technician UI is not running"}}
                           : entryJson(e, pem, now, p.warningDays);
      j["path"] = "";
      list.push_back(j);
      continue;
    }
    bool own = std::string(e.key).empty();
    if (e.path.empty() || (own && !exists(e.path))) {
      list.push_back({{"name", e.name}, {"title", e.title}, {"key", e.key}, {"path", e.path}, {"kind", e.crl ? "crl" : "certificate"},
                      {"state", "not-configured"},
                      {"message", own ? std::string("not enrolled with a management plane")
                                      : std::string(e.key) + " is not set"}});
      continue;
    }
    core::Result<std::string> pem = readBounded(e.path);
    if (!pem.isOk()) {
      list.push_back({{"name", e.name}, {"title", e.title}, {"key", e.key}, {"path", e.path}, {"kind", e.crl ? "crl" : "certificate"},
                      {"state", "error"}, {"message", pem.status().message()}});
      continue;
    }
    Json entry = entryJson(e, *pem, now, p.warningDays);
    if (name == "eap-certificate") {
      EapIssuance issued = eapIssuance();
      entry["source"] = issued.fromMgmt ? "management plane" : "installed by hand";
      if (issued.fromMgmt) {
        entry["eap-name"] = issued.name;
        entry["renews-at"] = timeText(issued.renewAt);
      }
    }
    list.push_back(entry);
  }
  return Json{{"warning-days", p.warningDays}, {"certificates", list}};
}

std::vector<Finding> CertificateService::findings(int64_t now) const {
  std::vector<Finding> out;
  Json v = view(now);
  for (const Json& e : v["certificates"]) {
    std::string state = e.value("state", "");
    if (state != "warning" && state != "error") continue;
    std::string path = e.value("path", "");
    out.push_back({e.value("name", ""), state == "error",
                   e.value("title", "") + (path.empty() ? "" : " (" + path + ")") + ": " + e.value("message", "")});
  }
  return out;
}

core::ControlReply CertificateService::show(const Json&) {
  Json v = view(deps_.now());
  size_t warn = 0, err = 0;
  for (const Json& e : v["certificates"]) {
    warn += e.value("state", "") == "warning";
    err += e.value("state", "") == "error";
  }
  std::string text = err ? std::to_string(err) + " certificate(s) need attention now"
                     : warn ? std::to_string(warn) + " certificate(s) expire soon"
                            : "every certificate is in order";
  return core::ControlReply::success(text, v);
}

core::Status CertificateService::writeAndReload(const std::vector<Write>& writes, const std::string& keyPath,
                                                const std::string& key) {
  // What is there now, to put back if the reload refuses the new set (it should not: it was checked).
  struct Old {
    std::string path;
    bool present;
    std::string content;
    int mode;
  };
  std::vector<Old> old;
  auto remember = [&old](const std::string& path, int mode) {
    core::Result<std::string> text = exists(path) ? core::readTextFile(path, "") : core::Result<std::string>(std::string());
    old.push_back({path, exists(path) && text.isOk(), text.isOk() ? *text : std::string(), mode});
  };
  for (const Write& w : writes) remember(w.path, w.mode);
  if (!keyPath.empty()) remember(keyPath, 0600);
  auto restore = [&old] {
    for (const Old& o : old) {
      if (o.present) (void)core::writeFileAtomically(o.path, o.content, o.mode);
      else ::unlink(o.path.c_str());
    }
  };
  // The key under another name first, then the files (the certificate last of them), then the key
  // into place: a stop in between leaves what finishInterruptedInstall() sorts out.
  const std::string pending = keyPath + ".new";
  if (!keyPath.empty()) EDGE_RETURN_IF_ERROR(core::writeFileAtomically(pending, key, 0600));
  for (const Write& w : writes) {
    core::Status s = core::writeFileAtomically(w.path, w.content, w.mode);
    if (!s.isOk()) {
      restore();
      if (!keyPath.empty()) ::unlink(pending.c_str());
      return s;
    }
  }
  if (!keyPath.empty() && ::rename(pending.c_str(), keyPath.c_str()) != 0) {
    core::Status s = core::errnoStatus("installing the key " + keyPath, errno);
    restore();
    ::unlink(pending.c_str());
    return s;
  }
  core::Status reloaded = deps_.reload ? deps_.reload() : core::Status::ok();
  if (!reloaded.isOk()) {
    restore();
    core::Status again = deps_.reload ? deps_.reload() : core::Status::ok();
    return core::failedPrecondition("EAP refused the new files (" + reloaded.message() + "); the previous ones are back" +
                                    (again.isOk() ? "" : " but were not read again: " + again.message()));
  }
  return core::Status::ok();
}

core::ControlReply CertificateService::installEap(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(std::string certificate, argText(args, "certificate"));
  EDGE_ASSIGN_OR_RETURN(std::string key, argText(args, "key"));
  EDGE_ASSIGN_OR_RETURN(std::string ca, argText(args, "ca"));
  EDGE_ASSIGN_OR_RETURN(std::string crl, argText(args, "crl"));
  CertificatePaths p = deps_.paths();
  if (p.eapCertificate.empty() || p.eapKey.empty())
    return core::failedPrecondition(
        "EAP is off: set radius.eap-certificate and radius.eap-key in the config file (where the files go) and restart");
  if (!ca.empty() && p.eapCa.empty())
    return core::failedPrecondition("ca: radius.eap-ca is not set in the config file (where the CA goes)");
  if (!crl.empty() && p.eapCrl.empty())
    return core::failedPrecondition("crl: radius.eap-crl is not set in the config file (where the CRL goes)");
  // A CRL is checked against the CA it revokes for: the one given, or the installed one.
  std::string installedCa;
  if (ca.empty() && !crl.empty() && !p.eapCa.empty()) {
    core::Result<std::string> text = readBounded(p.eapCa);
    if (!text.isOk()) return core::failedPrecondition("crl: the installed CA cannot be read: " + text.status().message());
    installedCa = *text;
  }
  const int64_t now = deps_.now();
  EDGE_RETURN_IF_ERROR(checkEapFiles(EapFiles{certificate, key, ca, crl}, installedCa, now));
  // A new CA without a new CRL: the CRL in place must be the new CA's, or EAP-TLS would check
  // client certificates against a list of another CA.
  if (!ca.empty() && crl.empty() && !p.eapCrl.empty() && exists(p.eapCrl)) {
    core::Result<std::string> current = readBounded(p.eapCrl);
    core::Status same = current.isOk() ? checkCrl(*current, ca, now) : current.status();
    if (!same.isOk())
      return core::invalidArgument("crl: the installed CRL does not go with the new CA (" + same.message() +
                                   "): give the new CA's CRL too");
  }
  std::vector<Write> writes;
  if (!ca.empty()) writes.push_back({p.eapCa, ca, 0644});
  if (!crl.empty()) writes.push_back({p.eapCrl, crl, 0644});
  writes.push_back({p.eapCertificate, certificate, 0644});
  EDGE_RETURN_IF_ERROR(writeAndReload(writes, p.eapKey, key));
  std::string detail = "certificate " + summary(certificate);
  if (!ca.empty()) detail += "; CA " + summary(ca);
  if (!crl.empty()) detail += "; CRL replaced";
  if (deps_.record) deps_.record("eap-certificates-installed", detail);
  Json installed{{"certificate", summary(certificate)}};
  if (!ca.empty()) installed["ca"] = summary(ca);
  if (!crl.empty()) installed["crl"] = true;
  return core::ControlReply::success("EAP certificate installed and in use: " + summary(certificate),
                                     Json{{"installed", installed}});
}

core::ControlReply CertificateService::installCrl(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(std::string crl, argText(args, "crl"));
  CertificatePaths p = deps_.paths();
  if (p.eapCrl.empty())
    return core::failedPrecondition("crl: radius.eap-crl is not set in the config file (where the CRL goes)");
  core::Result<std::string> ca = p.eapCa.empty() ? core::Result<std::string>(std::string()) : readBounded(p.eapCa);
  if (!ca.isOk()) return core::failedPrecondition("crl: the installed CA cannot be read: " + ca.status().message());
  EDGE_RETURN_IF_ERROR(checkCrl(crl, *ca, deps_.now()));
  EDGE_RETURN_IF_ERROR(writeAndReload({{p.eapCrl, crl, 0644}}, "", ""));
  core::Result<std::vector<CrlFacts>> facts = readCrls(crl, "crl", kMaxCrlBytes);
  size_t revoked = 0;
  int64_t next = 0;
  if (facts.isOk())
    for (const CrlFacts& f : *facts) {
      revoked += f.revoked;
      next = next == 0 || (f.nextUpdate != 0 && f.nextUpdate < next) ? f.nextUpdate : next;
    }
  std::string detail = std::to_string(revoked) + " revoked certificate(s), next update " + (next ? timeText(next) : "none");
  if (deps_.record) deps_.record("eap-crl-installed", detail);
  return core::ControlReply::success("EAP CRL installed and in use: " + detail,
                                     Json{{"installed", Json{{"crl", true}, {"revoked", revoked}}}});
}

void CertificateService::registerCommands(core::command::Table& table) {
  core::command::bindMethods(table, this,
                             {{"certs", &CertificateService::show},
                              {"eap-install", &CertificateService::installEap},
                              {"eap-crl", &CertificateService::installCrl}});
}

core::Status CertificateService::finishInterruptedInstall(const std::string& certificatePath, const std::string& keyPath) {
  if (certificatePath.empty() || keyPath.empty()) return core::Status::ok();
  const std::string pending = keyPath + ".new";
  if (!exists(pending)) return core::Status::ok();
  core::Result<std::string> key = core::readTextFile(pending, "the new EAP key");
  core::Result<std::string> cert = core::readTextFile(certificatePath, "the EAP certificate");
  if (key.isOk() && cert.isOk() && checkKeyPair(*cert, *key).isOk()) {
    if (::rename(pending.c_str(), keyPath.c_str()) != 0) return core::errnoStatus("installing the new EAP key", errno);
    return core::Status::ok();
  }
  ::unlink(pending.c_str());
  return core::Status::ok();
}

}  // namespace edge::certs
