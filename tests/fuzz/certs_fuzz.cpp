// The box's certificate files through edge/certs (what `edgectl eap install`, the UI's Certificates
// form and `edgectl certs` read): PEM certificates, keys and CRLs from outside, and the names and
// dates read from them for people.
// Input: up to four parts separated by a 0x00 octet: certificate, key, ca, crl.
// Properties: a set checkEapFiles accepts has a key that is the certificate's (checkKeyPair) and a
// certificate readCertificates reads, valid at that time; every CRL a good set carries is readable;
// a certificate read is judged an error exactly when `now` is outside its validity, and its
// fingerprint is 32 colon-joined pairs; refusals name the argument at fault.
#include <cstdint>
#include <string>
#include <vector>

#include "edge/certs/cert_inspect.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "certs";
constexpr int64_t kNow = 1797000000;  // 2026-12-11: the seed set (tests/edge/certs/data) is valid

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && parts.size() < 4) parts.emplace_back();
    else parts.back() += static_cast<char>(data[i]);
  }
  parts.resize(4);
  using namespace edge::certs;
  for (const std::string& p : parts) {
    auto certs = readCertificates(p, "certificate", kMaxCaBytes);
    if (certs.isOk()) {
      FUZZ_CHECK(!certs->empty(), "readCertificates: ok without a certificate");
      for (const CertificateFacts& c : *certs) {
        Judgement j = judgeCertificate(c, kNow, 30);
        FUZZ_CHECK((j.standing == Standing::kError) == (kNow < c.notBefore || kNow > c.notAfter),
                   "a certificate judged an error exactly when it is outside its validity");
        FUZZ_CHECK(c.fingerprint.size() == 95, "a fingerprint that is not 32 colon-joined pairs");
      }
    }
    auto crls = readCrls(p, "crl", kMaxCrlBytes);
    if (crls.isOk())
      for (const CrlFacts& c : *crls) (void)judgeCrl(c, kNow);
  }
  core::Status s = checkEapFiles(EapFiles{parts[0], parts[1], parts[2], parts[3]}, parts[2], kNow);
  if (s.isOk()) {
    FUZZ_CHECK(checkKeyPair(parts[0], parts[1]).isOk(), "a set accepted whose key is not the certificate's");
    auto certs = readCertificates(parts[0], "certificate", kMaxCertificateBytes);
    FUZZ_CHECK(certs.isOk() && certs->front().notBefore <= kNow && kNow <= certs->front().notAfter,
               "a set accepted whose certificate is not valid now");
    if (!parts[3].empty()) FUZZ_CHECK(readCrls(parts[3], "crl", kMaxCrlBytes).isOk(), "an unreadable CRL accepted");
  } else {
    const std::string& m = s.message();
    FUZZ_CHECK(m.rfind("certificate: ", 0) == 0 || m.rfind("key: ", 0) == 0 || m.rfind("ca: ", 0) == 0 ||
                   m.rfind("crl: ", 0) == 0,
               "a refusal that names no argument: " + m);
  }
  return 0;
}
