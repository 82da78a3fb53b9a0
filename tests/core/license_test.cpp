// Licenses: signed and verified with ECDSA P-256; a tampered or foreign one never verifies; states.
#include "core/license.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include <CppUTest/TestHarness.h>

namespace {

struct KeyPair {
  std::string privatePem;
  std::string publicPem;
};

KeyPair makeKey(mbedtls_ecp_group_id curve = MBEDTLS_ECP_DP_SECP256R1) {
  mbedtls_pk_context pk;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_init(&pk);
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
  mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &drbg);
  unsigned char buf[1024];
  KeyPair k;
  mbedtls_pk_write_key_pem(&pk, buf, sizeof buf);
  k.privatePem = reinterpret_cast<char*>(buf);
  mbedtls_pk_write_pubkey_pem(&pk, buf, sizeof buf);
  k.publicPem = reinterpret_cast<char*>(buf);
  mbedtls_pk_free(&pk);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return k;
}

core::License sample() {
  core::License l;
  l.id = "L-7";
  l.tenant = "acme";
  l.tier = "basic";
  l.subscriberCap = 1000;
  l.features = {"vouchers", "snmp"};
  l.issuedAt = 1700000000;
  l.notBefore = 1700000000;
  l.expiresAt = 1700000000 + 365 * 86400;
  l.graceDays = 14;
  return l;
}

}  // namespace

TEST_GROUP(License){};

TEST(License, SignedLicenseVerifiesAndRoundTrips) {
  KeyPair k = makeKey();
  core::Result<std::string> doc = core::signLicense(sample(), k.privatePem);
  CHECK_TRUE(doc.isOk());
  core::Result<core::License> l = core::verifySignedLicense(*doc, k.publicPem);
  CHECK_TRUE(l.isOk());
  STRCMP_EQUAL("acme", l->tenant.c_str());
  LONGS_EQUAL(1000, l->subscriberCap);
  LONGS_EQUAL(2, l->features.size());
  CHECK(core::licenseToJson(*l) == core::licenseToJson(sample()));
}

TEST(License, ForeignKeyAndTamperingAreRefused) {
  KeyPair k = makeKey();
  KeyPair other = makeKey();
  std::string doc = *core::signLicense(sample(), k.privatePem);
  core::Result<core::License> foreign = core::verifySignedLicense(doc, other.publicPem);
  CHECK_FALSE(foreign.isOk());
  CHECK(foreign.status().message().find("does not verify") != std::string::npos);
  // Flip one character of the base64 payload.
  core::Json j = *core::parseJsonWithComments(doc, "t");
  std::string payload = j["license"].get<std::string>();
  payload[10] = payload[10] == 'A' ? 'B' : 'A';
  j["license"] = payload;
  CHECK_FALSE(core::verifySignedLicense(j.dump(), k.publicPem).isOk());
  CHECK_FALSE(core::verifySignedLicense("{\"format\": \"other\"}", k.publicPem).isOk());
}

TEST(License, StatesAcrossItsLife) {
  core::License l = sample();
  LONGS_EQUAL((int)core::LicenseState::kNone, (int)core::licenseState(nullptr, l.issuedAt, 30));
  LONGS_EQUAL((int)core::LicenseState::kNone, (int)core::licenseState(&l, l.notBefore - 1, 30));
  LONGS_EQUAL((int)core::LicenseState::kValid, (int)core::licenseState(&l, l.notBefore, 30));
  LONGS_EQUAL((int)core::LicenseState::kExpiring, (int)core::licenseState(&l, l.expiresAt - 30 * 86400, 30));
  LONGS_EQUAL((int)core::LicenseState::kGrace, (int)core::licenseState(&l, l.expiresAt, 30));
  LONGS_EQUAL((int)core::LicenseState::kExpired, (int)core::licenseState(&l, l.expiresAt + 14 * 86400, 30));
}

// Regression (issue 19): the key's curve was checked by its size only, so brainpoolP256r1 and
// secp256k1 keys passed as P-256.
TEST(License, OtherCurvesOfTheSameSizeAreRefused) {
  KeyPair good = makeKey();
  core::Result<std::string> doc = core::signLicense(sample(), good.privatePem);
  CHECK_TRUE(doc.isOk());
  for (mbedtls_ecp_group_id curve : {MBEDTLS_ECP_DP_BP256R1, MBEDTLS_ECP_DP_SECP256K1}) {
    KeyPair other = makeKey(curve);
    CHECK_FALSE(other.publicPem.empty());
    core::Result<std::string> signedByOther = core::signLicense(sample(), other.privatePem);
    CHECK_FALSE(signedByOther.isOk());
    core::Result<core::License> l = core::verifySignedLicense(*doc, other.publicPem);
    CHECK_FALSE(l.isOk());
    STRCMP_CONTAINS("P-256", l.status().message().c_str());
  }
}
