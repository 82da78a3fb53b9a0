// Reading and checking the box's certificates (edge/certs/cert_inspect.h) on openssl-made vectors
// (data/README.md), judged at times relative to their own dates: what a person is shown (names,
// key type, fingerprint, CRL entries) and what an install refuses, with the argument named
// (garbage, oversized, encrypted or mismatched key, expired, not yet valid, foreign chain, foreign
// or forged or stale CRL).
#include <fstream>
#include <sstream>
#include <string>

#include "core/pki.h"
#include "edge/certs/cert_inspect.h"
#include "tests/edge/certs/cert_test_data.h"

// CppUTest last: its leak detector #defines new.
#include <CppUTest/TestHarness.h>

using edge::certs::CertificateFacts;
using edge::certs::CrlFacts;
using edge::certs::EapFiles;
using edge::certs::Standing;

namespace {

using cert_test::testFile;

CertificateFacts first(const std::string& pem) {
  auto r = edge::certs::readCertificates(pem, "certificate", edge::certs::kMaxCaBytes);
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  return r->front();
}

std::string errorOf(const core::Status& s) { return s.isOk() ? std::string("(ok)") : s.message(); }

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

TEST_GROUP(CertInspect) {
  std::string ca, server, serverKey;
  int64_t inside = 0;  // a time when server.pem is valid and crl.pem is not out of date
  void setup() override {
    ca = testFile("ca.pem");
    server = testFile("server.pem");
    serverKey = testFile("server.key");
    inside = first(server).notBefore + 86400;
  }
};

TEST(CertInspect, ReadsWhatAPersonIsShown) {
  CertificateFacts f = first(server);
  STRCMP_EQUAL("CN=radius.example.net", f.subject.c_str());
  STRCMP_EQUAL("O=Example ISP, CN=Example EAP CA", f.issuer.c_str());
  LONGS_EQUAL(2, f.altNames.size());
  STRCMP_EQUAL("DNS:radius.example.net", f.altNames[0].c_str());
  STRCMP_EQUAL("IP:192.0.2.1", f.altNames[1].c_str());
  STRCMP_EQUAL("EC secp256r1", f.keyType.c_str());
  CHECK_FALSE(f.isCa);
  LONGS_EQUAL(825 * 86400, f.notAfter - f.notBefore);
  // The fingerprint is core::pki's SHA-256 of the DER (another code path), in colon pairs.
  auto info = core::pki::certificateInfo(server);
  CHECK(info.isOk());
  std::string pairs;
  for (size_t i = 0; i < info->fingerprint.size(); i += 2) pairs += (i ? ":" : "") + info->fingerprint.substr(i, 2);
  STRCMP_EQUAL(pairs.c_str(), f.fingerprint.c_str());
  CHECK(first(ca).isCa);
  STRCMP_EQUAL("RSA 2048", first(testFile("rsa.pem")).keyType.c_str());
}

TEST(CertInspect, ReadsEveryCertificateOfAChain) {
  auto r = edge::certs::readCertificates(server + ca, "certificate", edge::certs::kMaxCertificateBytes);
  CHECK(r.isOk());
  LONGS_EQUAL(2, r->size());
  STRCMP_EQUAL("O=Example ISP, CN=Example EAP CA", (*r)[1].subject.c_str());
}

TEST(CertInspect, RefusesGarbageAndOversizedInput) {
  using edge::certs::readCertificates;
  CHECK(startsWith(readCertificates("", "ca", 1024).status().message(), "ca: empty"));
  CHECK(startsWith(readCertificates("hello", "ca", 1024).status().message(), "ca: not a PEM certificate"));
  std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  CHECK(startsWith(readCertificates(broken, "ca", 1024).status().message(), "ca: not a readable certificate"));
  // A good one followed by a broken one: the file as a whole is refused.
  CHECK_FALSE(readCertificates(server + broken, "ca", 4096).isOk());
  std::string big = server + std::string(70 * 1024, '\n');
  std::string why = readCertificates(big, "certificate", edge::certs::kMaxCertificateBytes).status().message();
  CHECK_TRUE_TEXT(why.find("more than the 64 KiB allowed") != std::string::npos, why.c_str());
  CHECK(startsWith(edge::certs::readCrls(server, "crl", 4096).status().message(), "crl: not a PEM CRL"));
}

TEST(CertInspect, ReadsCrls) {
  auto crl = edge::certs::readCrls(testFile("crl.pem"), "crl", edge::certs::kMaxCrlBytes);
  CHECK(crl.isOk());
  LONGS_EQUAL(1, crl->size());
  const CrlFacts& f = crl->front();
  STRCMP_EQUAL("O=Example ISP, CN=Example EAP CA", f.issuer.c_str());
  LONGS_EQUAL(1, f.revoked);
  LONGS_EQUAL(30 * 86400, f.nextUpdate - f.thisUpdate);
  auto empty = edge::certs::readCrls(testFile("rogue-crl.pem"), "crl", edge::certs::kMaxCrlBytes);
  CHECK(empty.isOk());
  LONGS_EQUAL(0, empty->front().revoked);
}

TEST(CertInspect, AcceptsAGoodSet) {
  STRCMP_EQUAL("(ok)", errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, ca, testFile("crl.pem")}, "", inside)).c_str());
  STRCMP_EQUAL("(ok)", errorOf(edge::certs::checkEapFiles(EapFiles{server + ca, serverKey, "", ""}, "", inside)).c_str());
  // A CRL alone is checked against the CA installed.
  STRCMP_EQUAL("(ok)", errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, "", testFile("crl.pem")}, ca, inside)).c_str());
  STRCMP_EQUAL("(ok)", errorOf(edge::certs::checkCrl(testFile("crl.pem"), ca, inside)).c_str());
}

TEST(CertInspect, RefusesKeysThatAreNotTheCertificates) {
  using edge::certs::checkEapFiles;
  std::string why = errorOf(checkEapFiles(EapFiles{server, testFile("other.key"), "", ""}, "", inside));
  STRCMP_EQUAL("key: does not match the certificate (CN=radius.example.net)", why.c_str());
  why = errorOf(checkEapFiles(EapFiles{server, testFile("encrypted.key"), "", ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "key: encrypted with a passphrase"), why.c_str());
  why = errorOf(checkEapFiles(EapFiles{server, server, "", ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "key: not a PEM private key"), why.c_str());
  why = errorOf(checkEapFiles(EapFiles{server, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "", ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "key: not a readable private key"), why.c_str());
  why = errorOf(checkEapFiles(EapFiles{server, serverKey + std::string(17 * 1024, '\n'), "", ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "key: ") && why.find("KiB allowed") != std::string::npos, why.c_str());
  STRCMP_EQUAL("(ok)", errorOf(edge::certs::checkKeyPair(server, serverKey)).c_str());
  CHECK_FALSE(edge::certs::checkKeyPair(server, testFile("other.key")).isOk());
}

TEST(CertInspect, RefusesCertificatesOutsideTheirValidity) {
  CertificateFacts f = first(server);
  std::string why = errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, "", ""}, "", f.notAfter + 1));
  CHECK_TRUE_TEXT(startsWith(why, "certificate: expired on "), why.c_str());
  why = errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, "", ""}, "", f.notBefore - 60));
  CHECK_TRUE_TEXT(startsWith(why, "certificate: not valid before "), why.c_str());
}

TEST(CertInspect, RefusesAChainOfAnotherCa) {
  std::string why = errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, testFile("rogue-ca.pem"), ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "certificate: does not verify to the given CA"), why.c_str());
  why = errorOf(edge::certs::checkEapFiles(EapFiles{server, serverKey, "garbage", ""}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "ca: not a PEM certificate"), why.c_str());
}

TEST(CertInspect, RefusesForeignForgedAndStaleCrls) {
  using edge::certs::checkEapFiles;
  std::string why = errorOf(checkEapFiles(EapFiles{server, serverKey, ca, testFile("rogue-crl.pem")}, "", inside));
  STRCMP_EQUAL("crl: issued by CN=Rogue CA, which is not a certificate of the given CA", why.c_str());
  why = errorOf(checkEapFiles(EapFiles{server, serverKey, ca, testFile("imposter-crl.pem")}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "crl: its signature does not verify"), why.c_str());
  auto crl = edge::certs::readCrls(testFile("crl.pem"), "crl", edge::certs::kMaxCrlBytes);
  why = errorOf(edge::certs::checkCrl(testFile("crl.pem"), ca, crl->front().nextUpdate + 1));
  CHECK_TRUE_TEXT(startsWith(why, "crl: out of date"), why.c_str());
  // A CRL without its CA cannot be checked.
  why = errorOf(checkEapFiles(EapFiles{server, serverKey, "", testFile("crl.pem")}, "", inside));
  CHECK_TRUE_TEXT(startsWith(why, "crl: needs the CA"), why.c_str());
}

TEST(CertInspect, JudgesCertificatesByDaysLeft) {
  CertificateFacts f = first(server);
  auto j = edge::certs::judgeCertificate(f, f.notAfter - 40 * 86400, 30);
  CHECK(j.standing == Standing::kOk);
  LONGS_EQUAL(40, j.daysLeft);
  j = edge::certs::judgeCertificate(f, f.notAfter - 12 * 86400 - 5, 30);
  CHECK(j.standing == Standing::kWarning);
  LONGS_EQUAL(12, j.daysLeft);
  CHECK_TRUE_TEXT(startsWith(j.text, "expires in 12 days"), j.text.c_str());
  j = edge::certs::judgeCertificate(f, f.notAfter + 1, 30);
  CHECK(j.standing == Standing::kError);
  LONGS_EQUAL(-1, j.daysLeft);
  CHECK_TRUE_TEXT(startsWith(j.text, "expired on "), j.text.c_str());
  j = edge::certs::judgeCertificate(f, f.notBefore - 1, 30);
  CHECK(j.standing == Standing::kError);
  STRCMP_EQUAL("warning", edge::certs::standingName(Standing::kWarning));
}

TEST(CertInspect, JudgesCrlsByTheirNextUpdate) {
  CrlFacts f = edge::certs::readCrls(testFile("crl.pem"), "crl", edge::certs::kMaxCrlBytes)->front();
  CHECK(edge::certs::judgeCrl(f, f.thisUpdate).standing == Standing::kOk);
  CHECK(edge::certs::judgeCrl(f, f.nextUpdate - 86400).standing == Standing::kWarning);
  auto j = edge::certs::judgeCrl(f, f.nextUpdate + 1);
  CHECK(j.standing == Standing::kError);
  CHECK_TRUE_TEXT(startsWith(j.text, "out of date since "), j.text.c_str());
}
