// The technician UI's certificate: made once and kept (same fingerprint after a restart), a server
// certificate (not a CA) whose chain is served, and the enrolled device certificate preferred while
// it is valid.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/pki.h"
#include "edge/webui/tls_identity.h"

// CppUTest last: its leak detector #defines new.
#include <CppUTest/TestHarness.h>

namespace {

void writeText(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

int modeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<int>(st.st_mode & 0777);
}

}  // namespace

TEST_GROUP(TlsIdentity) {
  std::string dir;
  const int64_t now = 1800000000;
  void setup() override {
    char tmpl[] = "/tmp/edge-webui-tls-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
  }
  void teardown() override { std::filesystem::remove_all(dir); }
};

TEST(TlsIdentity, MadeAtFirstStartThenKept) {
  core::Result<edge::webui::TlsIdentity> first = edge::webui::loadTlsIdentity(dir, now);
  CHECK_TRUE_TEXT(first.isOk(), first.status().message().c_str());
  STRCMP_EQUAL("made by the box at first start", first->source.c_str());
  LONGS_EQUAL(95, first->fingerprint.size());  // 32 bytes as hex pairs joined by ':'
  LONGS_EQUAL(0600, modeOf(dir + "/webui-key.pem"));
  // The served certificate is a server certificate, followed by the box's one-time CA.
  core::Result<core::pki::CertInfo> leaf = core::pki::certificateInfo(first->certPem);
  CHECK_TRUE(leaf.isOk());
  CHECK_FALSE(leaf->isCa);
  STRCMP_EQUAL("edged technician UI CA", leaf->issuerCommonName.c_str());
  CHECK_TRUE(first->certPem.find("BEGIN CERTIFICATE", first->certPem.find("END CERTIFICATE")) != std::string::npos);
  core::Result<edge::webui::TlsIdentity> again = edge::webui::loadTlsIdentity(dir, now + 86400);
  CHECK_TRUE(again.isOk());
  STRCMP_EQUAL(first->fingerprint.c_str(), again->fingerprint.c_str());
  // Expired: a new one is made.
  core::Result<edge::webui::TlsIdentity> later = edge::webui::loadTlsIdentity(dir, first->notAfter + 1);
  CHECK_TRUE(later.isOk());
  CHECK_TRUE(later->fingerprint != first->fingerprint);
}

TEST(TlsIdentity, TheEnrolledDeviceCertificateWhileItIsValid) {
  std::filesystem::create_directories(dir + "/sync");
  core::Result<std::string> caKey = core::pki::generateKey();
  CHECK_TRUE(caKey.isOk());
  core::pki::CertSpec spec;
  spec.commonName = "mgmt CA";
  spec.notBefore = now - 10;
  spec.notAfter = now + 1000;
  core::Result<std::string> ca = core::pki::selfSignedCa(*caKey, spec);
  core::Result<std::string> key = core::pki::generateKey();
  core::Result<std::string> pub = core::pki::publicKeyOf(*key);
  spec.commonName = "device-7";
  core::Result<std::string> cert = core::pki::issueForKey(*ca, *caKey, *pub, spec);
  CHECK_TRUE(cert.isOk());
  writeText(dir + "/sync/device.pem", *cert);
  writeText(dir + "/sync/device-key.pem", *key);
  core::Result<edge::webui::TlsIdentity> id = edge::webui::loadTlsIdentity(dir, now);
  CHECK_TRUE_TEXT(id.isOk(), id.status().message().c_str());
  STRCMP_EQUAL("enrolled device certificate", id->source.c_str());
  STRCMP_EQUAL(*cert == id->certPem ? "same" : "other", "same");
  // Once it expired (a box offline for months), the technician is not locked out: the box's own.
  core::Result<edge::webui::TlsIdentity> expired = edge::webui::loadTlsIdentity(dir, now + 2000);
  CHECK_TRUE(expired.isOk());
  STRCMP_EQUAL("made by the box at first start", expired->source.c_str());
}
