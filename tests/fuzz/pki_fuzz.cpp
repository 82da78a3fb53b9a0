// The small PKI of core/pki.h with outside input: CSRs a box sends to /v1/enroll and /v1/renew,
// certificates (PEM or DER) mgmt and the box read, base64, and the names that go into certificates.
// Input: a selector octet, then the text (or, for 4, the fields through FuzzedDataProvider).
//   0  a CSR: verifyCsr, and when it verifies, issueCertificate under the fixed test CA
//   1  a certificate: certificateInfo
//   2  a certificate: verifyCertificate against the fixed test CA
//   3  base64 (standard and URL alphabets)
//   4  a CertSpec (common name, organizational unit, serial) issued for a fixed key
// Properties: a CSR that verifies yields a certificate for exactly its public key that verifies under
// the CA; certificateInfo reads its own re-encoding the same (fingerprint = SHA-256 of the DER);
// what verifyCertificate accepts names the CA as issuer and is valid at that time; base64 round
// trips; names are refused or come back exactly as given (no injection into the subject).
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/pki.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "pki";
constexpr int64_t kNow = 1750000000;
std::string* caCert = nullptr;
std::string* devicePublicKey = nullptr;

core::pki::CertSpec spec(const std::string& cn, const std::string& ou = "", const std::string& serial = "") {
  core::pki::CertSpec s;
  s.commonName = cn;
  s.organizationalUnit = ou;
  s.notBefore = 1700000000;
  s.notAfter = 1800000000;
  s.serialHex = serial;
  return s;
}

void sameInfo(const core::pki::CertInfo& a, const core::pki::CertInfo& b, const char* what) {
  FUZZ_CHECK(a.commonName == b.commonName && a.organizationalUnit == b.organizationalUnit &&
                 a.issuerCommonName == b.issuerCommonName && a.serialHex == b.serialHex && a.notBefore == b.notBefore &&
                 a.notAfter == b.notAfter && a.isCa == b.isCa && a.fingerprint == b.fingerprint &&
                 a.dnsNames == b.dnsNames && a.serverAuth == b.serverAuth,
             std::string(what) + ": certificateInfo differs on its own re-encoding");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  core::pki::CertSpec ca = spec(fuzz::kCaCommonName, "", "01");
  ca.notBefore = 1600000000;
  ca.notAfter = 2000000000;
  core::Result<std::string> cert = core::pki::selfSignedCa(fuzz::kCaKeyPem, ca);
  if (!cert.isOk()) fuzz::fail(kTarget, "selfSignedCa: " + cert.status().message());
  caCert = new std::string(*cert);
  core::Result<std::string> pub = core::pki::publicKeyOf(fuzz::kDeviceKeyPem);
  if (!pub.isOk()) fuzz::fail(kTarget, "publicKeyOf: " + pub.status().message());
  devicePublicKey = new std::string(*pub);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: {
      core::Result<core::pki::CsrInfo> csr = core::pki::verifyCsr(text);
      if (!csr.isOk()) break;
      core::Result<std::string> cert = core::pki::issueCertificate(*caCert, fuzz::kCaKeyPem, text, spec("box-1", "t-1"));
      FUZZ_CHECK(cert.isOk(), "a verified CSR was not issued: " + cert.status().message());
      FUZZ_CHECK(core::pki::verifyCertificate(*cert, *caCert, kNow).isOk(), "the issued certificate does not verify");
      core::Result<std::string> again = core::pki::issueForKey(*caCert, fuzz::kCaKeyPem, csr->publicKeyPem, spec("box-1", "t-1"));
      FUZZ_CHECK(again.isOk(), "the CSR's public key is not usable");
      core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
      FUZZ_CHECK(info.isOk() && info->commonName == "box-1" && info->organizationalUnit == "t-1" &&
                     info->issuerCommonName == fuzz::kCaCommonName,
                 "the subject comes from the spec, never from the CSR");
      break;
    }
    case 1:
    case 2: {
      core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(text);
      if (data[0] % 5 == 2) {
        core::Status v = core::pki::verifyCertificate(text, *caCert, kNow);
        if (v.isOk()) {
          FUZZ_CHECK(info.isOk(), "verified what certificateInfo cannot read");
          FUZZ_CHECK(info->issuerCommonName == fuzz::kCaCommonName, "verified a certificate of another issuer");
          FUZZ_CHECK(info->notBefore <= kNow && kNow <= info->notAfter, "verified a certificate outside its validity");
        }
      }
      if (!info.isOk()) break;
      FUZZ_CHECK(info->fingerprint.size() == 64, "fingerprint");
      core::Result<core::pki::CertInfo> again = core::pki::certificateInfo(info->pem);
      FUZZ_CHECK(again.isOk(), "its own PEM does not parse");
      sameInfo(*info, *again, "PEM");
      break;
    }
    case 3: {
      for (bool url : {false, true}) {
        core::Result<std::string> raw = core::pki::base64Decode(text, "input", url);
        if (raw.isOk()) {
          core::Result<std::string> back = core::pki::base64Decode(core::pki::base64Encode(*raw, url), "again", url);
          FUZZ_CHECK(back.isOk() && *back == *raw, "base64 does not round-trip what it decoded");
        }
        core::Result<std::string> forth = core::pki::base64Decode(core::pki::base64Encode(text, url), "mine", url);
        FUZZ_CHECK(forth.isOk() && *forth == text, "decode(encode(x)) != x");
      }
      break;
    }
    default: {
      FuzzedDataProvider in(data + 1, size - 1);
      std::string cn = in.ConsumeRandomLengthString(80), ou = in.ConsumeRandomLengthString(80);
      std::string serial = in.ConsumeRandomLengthString(48);
      core::Result<std::string> cert = core::pki::issueForKey(*caCert, fuzz::kCaKeyPem, *devicePublicKey, spec(cn, ou, serial));
      if (!cert.isOk()) break;
      core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
      FUZZ_CHECK(info.isOk(), "an issued certificate does not parse");
      FUZZ_CHECK(info->commonName == cn, "common name changed: '" + cn + "' -> '" + info->commonName + "'");
      FUZZ_CHECK(info->organizationalUnit == ou, "organizational unit changed: '" + ou + "' -> '" + info->organizationalUnit + "'");
      FUZZ_CHECK(core::pki::verifyCertificate(*cert, *caCert, kNow).isOk(), "an issued certificate does not verify");
      break;
    }
  }
  return 0;
}
