// The certificate view and EAP's install (edge/certs/cert_service.h) over a temporary folder with
// the openssl-made vectors: a checked set lands at the configured paths (the key 0600) and is read
// again; a bad one names its argument and changes no file; a reload that refuses the new set puts
// the previous files back; a key left half-installed by a stop is finished or dropped at start; the
// view says what is wrong in words.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/command/reply.h"
#include "edge/certs/cert_inspect.h"
#include "edge/certs/cert_service.h"
#include "tests/edge/certs/cert_test_data.h"

// CppUTest last: its leak detector #defines new.
#include <CppUTest/TestHarness.h>

namespace {

using cert_test::testFile;

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

int modeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<int>(st.st_mode & 0777);
}

const core::Json* entry(const core::Json& view, const std::string& name) {
  for (const core::Json& e : view["certificates"])
    if (e["name"] == name) return &e;
  return nullptr;
}

}  // namespace

TEST_GROUP(CertService) {
  std::string dir;
  edge::certs::CertificatePaths paths;
  int reloads = 0;
  core::Status reloadAnswer;
  std::vector<std::string> recorded;
  int64_t now = 0;
  std::unique_ptr<edge::certs::CertificateService> service;

  void setup() override {
    char tmpl[] = "/tmp/edge-certs-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
    paths.eapCertificate = dir + "/eap.pem";
    paths.eapKey = dir + "/eap.key";
    paths.eapCa = dir + "/clients.pem";
    paths.eapCrl = dir + "/clients-crl.pem";
    paths.dataDir = dir;
    writeText(paths.eapCertificate, testFile("rsa.pem"));
    writeText(paths.eapKey, testFile("rsa.key"));
    auto r = edge::certs::readCertificates(testFile("server.pem"), "certificate", edge::certs::kMaxCertificateBytes);
    now = r->front().notBefore + 86400;
    edge::certs::CertificateDeps d;
    d.paths = [this] { return paths; };
    d.reload = [this] {
      ++reloads;
      return reloadAnswer;
    };
    d.record = [this](const std::string& kind, const std::string& detail) { recorded.push_back(kind + ": " + detail); };
    d.now = [this] { return now; };
    service = std::make_unique<edge::certs::CertificateService>(std::move(d));
  }
  void teardown() override {
    service.reset();
    std::filesystem::remove_all(dir);
  }
  core::Json installArgs() const {
    return core::Json{{"certificate", testFile("server.pem")}, {"key", testFile("server.key")},
                      {"ca", testFile("ca.pem")}, {"crl", testFile("crl.pem")}};
  }
};

TEST(CertService, InstallsACheckedSetAndReloads) {
  core::ControlReply r = service->installEap(installArgs());
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL(testFile("server.pem").c_str(), readText(paths.eapCertificate).c_str());
  STRCMP_EQUAL(testFile("server.key").c_str(), readText(paths.eapKey).c_str());
  STRCMP_EQUAL(testFile("ca.pem").c_str(), readText(paths.eapCa).c_str());
  STRCMP_EQUAL(testFile("crl.pem").c_str(), readText(paths.eapCrl).c_str());
  LONGS_EQUAL(0600, modeOf(paths.eapKey));
  LONGS_EQUAL(0644, modeOf(paths.eapCertificate));
  CHECK_FALSE(std::filesystem::exists(paths.eapKey + ".new"));
  LONGS_EQUAL(1, reloads);
  LONGS_EQUAL(1, recorded.size());
  CHECK_TRUE_TEXT(recorded[0].rfind("eap-certificates-installed: certificate CN=radius.example.net", 0) == 0,
                  recorded[0].c_str());
  // The key never reaches what goes upstream or to the log.
  CHECK(r.arguments.dump().find("PRIVATE") == std::string::npos);
  CHECK(recorded[0].find("PRIVATE") == std::string::npos);
}

TEST(CertService, ABadSetChangesNothing) {
  core::Json args = installArgs();
  args["key"] = testFile("other.key");
  core::ControlReply r = service->installEap(args);
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL("key: does not match the certificate (CN=radius.example.net)", r.text.c_str());
  STRCMP_EQUAL(testFile("rsa.pem").c_str(), readText(paths.eapCertificate).c_str());
  STRCMP_EQUAL(testFile("rsa.key").c_str(), readText(paths.eapKey).c_str());
  CHECK_FALSE(std::filesystem::exists(paths.eapCa));
  CHECK_FALSE(std::filesystem::exists(paths.eapCrl));
  LONGS_EQUAL(0, reloads);
  LONGS_EQUAL(0, recorded.size());
}

TEST(CertService, RefusesWhatTheConfigHasNoPathFor) {
  paths.eapCa.clear();
  core::ControlReply r = service->installEap(installArgs());
  CHECK_FALSE(r.ok());
  CHECK_TRUE_TEXT(r.text.rfind("ca: radius.eap-ca is not set", 0) == 0, r.text.c_str());
  paths.eapCertificate.clear();
  r = service->installEap(installArgs());
  CHECK_TRUE_TEXT(r.text.rfind("EAP is off", 0) == 0, r.text.c_str());
}

TEST(CertService, ARefusedReloadPutsThePreviousFilesBack) {
  reloadAnswer = core::invalidArgument("eap-certificate: simulated");
  core::ControlReply r = service->installEap(installArgs());
  CHECK_FALSE(r.ok());
  CHECK_TRUE_TEXT(r.text.find("the previous ones are back") != std::string::npos, r.text.c_str());
  STRCMP_EQUAL(testFile("rsa.pem").c_str(), readText(paths.eapCertificate).c_str());
  STRCMP_EQUAL(testFile("rsa.key").c_str(), readText(paths.eapKey).c_str());
  CHECK_FALSE(std::filesystem::exists(paths.eapCa));  // it was not there before
  LONGS_EQUAL(2, reloads);                            // the new set, then the old one again
}

TEST(CertService, ReplacesTheCrlAloneAgainstTheInstalledCa) {
  writeText(paths.eapCa, testFile("ca.pem"));
  core::ControlReply r = service->installCrl(core::Json{{"crl", testFile("rogue-crl.pem")}});
  CHECK_FALSE(r.ok());
  CHECK_TRUE_TEXT(r.text.rfind("crl: issued by CN=Rogue CA", 0) == 0, r.text.c_str());
  CHECK_FALSE(std::filesystem::exists(paths.eapCrl));
  r = service->installCrl(core::Json{{"crl", testFile("crl.pem")}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL(testFile("crl.pem").c_str(), readText(paths.eapCrl).c_str());
  LONGS_EQUAL(1, reloads);
  CHECK_TRUE_TEXT(recorded.back().rfind("eap-crl-installed: 1 revoked", 0) == 0, recorded.back().c_str());
}

TEST(CertService, FinishesOrDropsAHalfInstalledKey) {
  // The certificate went in, the stop came before the key: the pending key is the certificate's.
  writeText(paths.eapCertificate, testFile("server.pem"));
  writeText(paths.eapKey + ".new", testFile("server.key"));
  CHECK(edge::certs::CertificateService::finishInterruptedInstall(paths.eapCertificate, paths.eapKey).isOk());
  STRCMP_EQUAL(testFile("server.key").c_str(), readText(paths.eapKey).c_str());
  CHECK_FALSE(std::filesystem::exists(paths.eapKey + ".new"));
  // The stop came before the certificate: the old pair stays, the pending key goes.
  writeText(paths.eapCertificate, testFile("rsa.pem"));
  writeText(paths.eapKey, testFile("rsa.key"));
  writeText(paths.eapKey + ".new", testFile("server.key"));
  CHECK(edge::certs::CertificateService::finishInterruptedInstall(paths.eapCertificate, paths.eapKey).isOk());
  STRCMP_EQUAL(testFile("rsa.key").c_str(), readText(paths.eapKey).c_str());
  CHECK_FALSE(std::filesystem::exists(paths.eapKey + ".new"));
}

TEST(CertService, ViewSaysWhatIsWrongInWords) {
  CHECK(service->installEap(installArgs()).ok());
  paths.warningDays = 30;
  core::Json v = service->view(now);
  const core::Json* e = entry(v, "eap-certificate");
  CHECK(e != nullptr);
  STRCMP_EQUAL("ok", (*e)["state"].get<std::string>().c_str());
  STRCMP_EQUAL("CN=radius.example.net", (*e)["certificates"][0]["subject"].get<std::string>().c_str());
  LONGS_EQUAL(1, (*entry(v, "eap-crl"))["crls"][0]["revoked"].get<int>());
  STRCMP_EQUAL("not-configured", (*entry(v, "radsec-certificate"))["state"].get<std::string>().c_str());
  STRCMP_EQUAL("not-configured", (*entry(v, "device-certificate"))["state"].get<std::string>().c_str());
  CHECK(service->findings(now).empty());
  // 825 days on: the server certificate has expired, the CA (10 years) has not; the CRL is stale.
  int64_t later = now + 825 * 86400;
  v = service->view(later);
  STRCMP_EQUAL("error", (*entry(v, "eap-certificate"))["state"].get<std::string>().c_str());
  CHECK((*entry(v, "eap-certificate"))["message"].get<std::string>().rfind("expired on ", 0) == 0);
  STRCMP_EQUAL("ok", (*entry(v, "eap-ca"))["state"].get<std::string>().c_str());
  std::vector<edge::certs::Finding> f = service->findings(later);
  LONGS_EQUAL(2, f.size());
  STRCMP_EQUAL("eap-certificate", f[0].name.c_str());
  CHECK(f[0].expired);
  CHECK_TRUE_TEXT(f[0].text.rfind("EAP server certificate (" + paths.eapCertificate + "): expired on ", 0) == 0,
                  f[0].text.c_str());
  STRCMP_EQUAL("eap-crl", f[1].name.c_str());
  // A file that is not a certificate is an error of its own.
  writeText(paths.eapCa, "not a certificate");
  v = service->view(now);
  STRCMP_EQUAL("error", (*entry(v, "eap-ca"))["state"].get<std::string>().c_str());
  CHECK((*entry(v, "eap-ca"))["message"].get<std::string>().rfind("eap-ca: not a PEM certificate", 0) == 0);
}
