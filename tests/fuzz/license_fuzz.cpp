// Licenses as the appliance receives them (core/license.h): the signed document verified with the
// trusted key, the license JSON inside, and the trusted key itself (an operator's file).
// Input: a selector octet, then the text.
//   0  a license document, verified with the trusted key (tests/fuzz/fuzz_keys.h)
//   1  license JSON: licenseFromJson
//   2  license JSON, signed with the trusted key's private half, then verified
//   3  a public key PEM as the trusted key, verifying a document the fixed key signed
// Properties: nothing verifies unless its signature is the trusted key's over the exact payload
// (checked again with mbedTLS' ECDSA directly, not through the code under test); what verifies is
// what licenseFromJson reads from that payload; licenseFromJson(licenseToJson(l)) == l; a license we
// sign verifies to itself; another key never verifies the fixed key's document.
#include <array>
#include <cstdint>
#include <string>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "core/json.h"
#include "core/license.h"
#include "core/pki.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "license";
std::string* fixedDocument = nullptr;

bool same(const core::License& a, const core::License& b) {
  return core::licenseToJson(a).dump() == core::licenseToJson(b).dump();
}

// The signature check written out with mbedTLS' ECDSA (not mbedtls_pk_verify, which the code uses).
bool signatureHolds(const std::string& document) {
  core::Result<core::Json> d = core::parseJsonWithComments(document, "license file");
  if (!d.isOk() || !d->is_object() || !(*d)["license"].is_string() || !(*d)["signature"].is_string()) return false;
  core::Result<std::string> payload = core::pki::base64Decode((*d)["license"].get<std::string>(), "license");
  core::Result<std::string> signature = core::pki::base64Decode((*d)["signature"].get<std::string>(), "signature");
  if (!payload.isOk() || !signature.isOk()) return false;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  std::string pem = fuzz::kLicensePublicKeyPem;
  bool ok = false;
  if (mbedtls_pk_parse_public_key(&pk, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1) == 0) {
    std::array<unsigned char, 32> hash;
    mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(payload->data()), payload->size(), hash.data(), 0);
    mbedtls_ecdsa_context ecdsa;
    mbedtls_ecdsa_init(&ecdsa);
    if (mbedtls_ecdsa_from_keypair(&ecdsa, mbedtls_pk_ec(pk)) == 0)
      ok = mbedtls_ecdsa_read_signature(&ecdsa, hash.data(), hash.size(),
                                        reinterpret_cast<const unsigned char*>(signature->data()), signature->size()) == 0;
    mbedtls_ecdsa_free(&ecdsa);
  }
  mbedtls_pk_free(&pk);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  core::License l;
  l.id = "lic-fuzz";
  l.tenant = "t-1";
  l.tier = "premium";
  l.subscriberCap = 500;
  l.features = {core::kFeatureCaptivePortal, core::kFeatureSnmp};
  l.issuedAt = 1700000000;
  l.notBefore = 1700000000;
  l.expiresAt = 1800000000;
  core::Result<std::string> doc = core::signLicense(l, fuzz::kLicenseKeyPem);
  if (!doc.isOk()) fuzz::fail(kTarget, "signLicense: " + doc.status().message());
  fixedDocument = new std::string(*doc);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      core::Result<core::License> l = core::verifySignedLicense(text, fuzz::kLicensePublicKeyPem);
      if (!l.isOk()) break;
      FUZZ_CHECK(signatureHolds(text), "a license verified whose signature does not hold");
      core::Result<core::Json> d = core::parseJsonWithComments(text, "license file");
      core::Result<std::string> payload = core::pki::base64Decode((*d)["license"].get<std::string>(), "license");
      core::Result<core::Json> body = core::parseJsonWithComments(*payload, "license");
      core::Result<core::License> direct = core::licenseFromJson(*body);
      FUZZ_CHECK(direct.isOk() && same(*direct, *l), "the verified license is not the signed payload");
      break;
    }
    case 1:
    case 2: {
      core::Result<core::Json> j = core::parseJsonWithComments(text, "license");
      if (!j.isOk()) break;
      core::Result<core::License> l = core::licenseFromJson(*j);
      if (!l.isOk()) break;
      core::Result<core::License> again = core::licenseFromJson(core::licenseToJson(*l));
      FUZZ_CHECK(again.isOk() && same(*again, *l), "licenseFromJson(licenseToJson(l)) != l");
      (void)core::licenseState(&*l, 1750000000, 30);
      if (data[0] % 4 == 2) {
        core::Result<std::string> doc = core::signLicense(*l, fuzz::kLicenseKeyPem);
        FUZZ_CHECK(doc.isOk(), "signLicense: " + doc.status().message());
        core::Result<core::License> back = core::verifySignedLicense(*doc, fuzz::kLicensePublicKeyPem);
        FUZZ_CHECK(back.isOk() && same(*back, *l), "a license we signed does not verify to itself");
      }
      break;
    }
    default: {
      core::Result<core::License> l = core::verifySignedLicense(*fixedDocument, text);
      if (!l.isOk()) break;
      // Only the fixed key's public half can verify its signature.
      mbedtls_pk_context given, trusted;
      mbedtls_pk_init(&given);
      mbedtls_pk_init(&trusted);
      std::string t = fuzz::kLicensePublicKeyPem;
      FUZZ_CHECK(mbedtls_pk_parse_public_key(&given, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1) == 0 &&
                     mbedtls_pk_parse_public_key(&trusted, reinterpret_cast<const unsigned char*>(t.c_str()), t.size() + 1) == 0,
                 "keys");
      unsigned char a[200], b[200];
      int na = mbedtls_pk_write_pubkey_der(&given, a, sizeof a), nb = mbedtls_pk_write_pubkey_der(&trusted, b, sizeof b);
      FUZZ_CHECK(na > 0 && na == nb && std::memcmp(a + sizeof a - na, b + sizeof b - nb, static_cast<size_t>(na)) == 0,
                 "another key verified the fixed key's license");
      mbedtls_pk_free(&given);
      mbedtls_pk_free(&trusted);
      break;
    }
  }
  return 0;
}
