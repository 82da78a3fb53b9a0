#include "core/license.h"

#include "core/pki.h"

namespace core {

namespace {

constexpr const char* kFormat = "edge-license-1";

}  // namespace

bool License::hasFeature(const std::string& name) const {
  for (const std::string& f : features)
    if (f == name) return true;
  return false;
}

Json licenseToJson(const License& l) {
  return Json{{"id", l.id},
              {"tenant", l.tenant},
              {"tier", l.tier},
              {"subscriber-cap", l.subscriberCap},
              {"features", l.features},
              {"issued-at", l.issuedAt},
              {"not-before", l.notBefore},
              {"expires-at", l.expiresAt},
              {"grace-days", l.graceDays}};
}

Result<License> licenseFromJson(const Json& j) {
  if (!j.is_object()) return invalidArgument("license: expected an object");
  License l;
  auto text = [&](const char* key, std::string& out) -> Status {
    if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
      return invalidArgument(std::string("license: ") + key + " must be a non-empty string");
    out = j[key].get<std::string>();
    return Status::ok();
  };
  auto number = [&](const char* key, int64_t& out) -> Status {
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < 0)
      return invalidArgument(std::string("license: ") + key + " must be a non-negative integer");
    out = j[key].get<int64_t>();
    return Status::ok();
  };
  EDGE_RETURN_IF_ERROR(text("id", l.id));
  EDGE_RETURN_IF_ERROR(text("tenant", l.tenant));
  EDGE_RETURN_IF_ERROR(text("tier", l.tier));
  if (l.tier != "free" && l.tier != "basic" && l.tier != "premium" && l.tier != "enterprise")
    return invalidArgument("license: tier must be one of free, basic, premium, enterprise");
  int64_t cap = 0;
  EDGE_RETURN_IF_ERROR(number("subscriber-cap", cap));
  l.subscriberCap = static_cast<uint64_t>(cap);
  if (j.contains("features")) {
    if (!j["features"].is_array()) return invalidArgument("license: features must be a list of strings");
    for (const Json& f : j["features"]) {
      if (!f.is_string()) return invalidArgument("license: features must be a list of strings");
      l.features.push_back(f.get<std::string>());
    }
  }
  EDGE_RETURN_IF_ERROR(number("issued-at", l.issuedAt));
  EDGE_RETURN_IF_ERROR(number("not-before", l.notBefore));
  EDGE_RETURN_IF_ERROR(number("expires-at", l.expiresAt));
  EDGE_RETURN_IF_ERROR(number("grace-days", l.graceDays));
  if (l.expiresAt <= l.notBefore) return invalidArgument("license: expires-at must be after not-before");
  return l;
}

Result<License> verifySignedLicense(const std::string& document, const std::string& publicKeyPem) {
  Result<Json> doc = parseJsonWithComments(document, "license file");
  if (!doc.isOk()) return doc.status();
  const Json& d = *doc;
  // Each field's type is checked before its value is read: Json::value() throws on a field of another
  // type ("format": 7 came from the fuzzer), and a license file is outside input.
  if (!d.is_object() || !d.contains("format") || !d["format"].is_string() || d["format"].get<std::string>() != kFormat ||
      !d.contains("license") || !d["license"].is_string() ||
      !d.contains("signature") || !d["signature"].is_string())
    return invalidArgument(std::string("not a license file (expected format \"") + kFormat +
                           "\" with license and signature)");
  Result<std::string> payload = pki::base64Decode(d["license"].get<std::string>(), "license");
  if (!payload.isOk()) return payload.status();
  Result<std::string> signature = pki::base64Decode(d["signature"].get<std::string>(), "signature");
  if (!signature.isOk()) return signature.status();

  Status verified = pki::verifyBytes(*payload, *signature, publicKeyPem, "the trusted license key");
  if (verified.code() == Code::kPermissionDenied)
    return permissionDenied("the license signature does not verify with the trusted license key "
                            "(tampered, or issued by another management plane)");
  EDGE_RETURN_IF_ERROR(verified);
  Result<Json> body = parseJsonWithComments(*payload, "license");
  if (!body.isOk()) return body.status();
  return licenseFromJson(*body);
}

Result<std::string> signLicense(const License& license, const std::string& privateKeyPem) {
  std::string payload = licenseToJson(license).dump();
  Result<std::string> sig = pki::signBytes(payload, privateKeyPem, "the license signing key");
  if (!sig.isOk()) return sig.status();
  return Json{{"format", kFormat}, {"license", pki::base64Encode(payload)}, {"signature", pki::base64Encode(*sig)}}.dump(2) +
         "\n";
}

const char* licenseStateName(LicenseState state) {
  switch (state) {
    case LicenseState::kNone: return "none";
    case LicenseState::kValid: return "valid";
    case LicenseState::kExpiring: return "expiring";
    case LicenseState::kGrace: return "grace";
    case LicenseState::kExpired: return "expired";
  }
  return "none";
}

LicenseState licenseState(const License* l, int64_t now, int64_t warningDays) {
  if (l == nullptr || now < l->notBefore) return LicenseState::kNone;
  if (now >= l->expiresAt + l->graceDays * 86400) return LicenseState::kExpired;
  if (now >= l->expiresAt) return LicenseState::kGrace;
  if (now >= l->expiresAt - warningDays * 86400) return LicenseState::kExpiring;
  return LicenseState::kValid;
}

}  // namespace core
