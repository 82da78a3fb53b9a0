// The license: a signed JSON document issued by the management plane's license key and verified
// offline on the appliance. One format for both ends (mgmt signs, edge verifies).
//
// Wire format (a JSON file):
//   {"format": "edge-license-1",
//    "license": "<base64 of the license JSON bytes>",
//    "signature": "<base64 of the DER ECDSA P-256 signature over SHA-256 of those bytes>"}
// The signature covers the exact bytes inside "license", so no canonical JSON is needed; anyone
// can produce one with `openssl dgst -sha256 -sign key.pem`.
// License JSON keys: id, tenant, tier (free|basic|premium|enterprise), subscriber-cap (0 =
// unlimited), features (list), issued-at, not-before, expires-at (Unix seconds), grace-days.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace core {

// Feature names a license may carry (tiers in mgmt/tiers.cpp decide which).
inline constexpr const char* kFeatureCaptivePortal = "captive-portal";
inline constexpr const char* kFeatureVouchers = "vouchers";
inline constexpr const char* kFeatureSnmp = "snmp";
inline constexpr const char* kFeatureFairUse = "fair-use";
inline constexpr const char* kFeatureResellers = "resellers";
inline constexpr const char* kFeatureApi = "api";

struct License {
  std::string id;
  std::string tenant;
  std::string tier;
  uint64_t subscriberCap = 0;  // 0 = unlimited
  std::vector<std::string> features;
  int64_t issuedAt = 0;
  int64_t notBefore = 0;
  int64_t expiresAt = 0;
  int64_t graceDays = 14;

  bool hasFeature(const std::string& name) const;
};

Json licenseToJson(const License& license);
Result<License> licenseFromJson(const Json& json);

// Verifies `document` (the wire format above) with the PEM public key; the license inside only when
// the signature holds. Errors say what is wrong without echoing the document.
Result<License> verifySignedLicense(const std::string& document, const std::string& publicKeyPem);
// Signs a license with a PEM private key (ECDSA P-256): the wire format above.
Result<std::string> signLicense(const License& license, const std::string& privateKeyPem);

// Numbers match EDGED-MIB edgedLicenseState.
enum class LicenseState { kNone = 1, kValid = 2, kExpiring = 3, kGrace = 4, kExpired = 5 };
const char* licenseStateName(LicenseState state);
// nullptr = no license. Not yet valid (before not-before) counts as kNone.
LicenseState licenseState(const License* license, int64_t now, int64_t warningDays);

}  // namespace core
