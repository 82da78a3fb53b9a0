#include "catalog/nas.h"

namespace catalog {

const char* vendorProfileName(VendorProfile v) {
  switch (v) {
    case VendorProfile::kGeneric: return "generic";
    case VendorProfile::kMikrotik: return "mikrotik";
    case VendorProfile::kWispr: return "wispr";
    case VendorProfile::kChillispot: return "chillispot";
    case VendorProfile::kCisco: return "cisco";
    case VendorProfile::kAccelPpp: return "accel-ppp";
  }
  return "generic";
}

std::optional<VendorProfile> parseVendorProfile(std::string_view name) {
  for (VendorProfile v : {VendorProfile::kGeneric, VendorProfile::kMikrotik, VendorProfile::kWispr,
                          VendorProfile::kChillispot, VendorProfile::kCisco, VendorProfile::kAccelPpp})
    if (name == vendorProfileName(v)) return v;
  return std::nullopt;
}

// Built on first use, so a static initializer of another library (a daemon's command table) that
// asks for it gets it whole, whatever order the program's statics are built in.
const std::vector<core::command::Arg>& nasArguments() {
  using namespace core::command;
  static const std::vector<Arg> args = {text("name", true, 64),
                                        text("address", true, 64),
                                        secret("secret", true),
                                        text("vendor", false, 32),
                                        integer("coa-port").range(1, 65535),
                                        text("nas-identifier", false, 253),
                                        text("require-message-authenticator", false, 16),
                                        text("radsec-identity", false, 320)};
  return args;
}

core::Result<NasClient> nasFromArgs(const core::CommandArgs& a) {
  EDGE_RETURN_IF_ERROR(a.only(nasArguments()));
  NasClient n;
  core::Result<std::string> name = a.required("name");
  if (!name.isOk()) return name.status();
  n.name = *name;
  core::Result<std::string> address = a.required("address");
  if (!address.isOk()) return address.status();
  std::string error;
  std::optional<IpPrefix> prefix = parsePrefix(*address, &error);
  if (!prefix) return core::invalidArgument("address: " + error);
  n.prefix = *prefix;
  core::Result<std::string> secret = a.required("secret");
  if (!secret.isOk()) return secret.status();
  n.secret = *secret;
  core::Result<std::optional<std::string>> vendor = a.text("vendor");
  if (!vendor.isOk()) return vendor.status();
  if (*vendor) {
    std::optional<VendorProfile> v = parseVendorProfile(**vendor);
    if (!v)
      return core::invalidArgument("vendor: '" + **vendor +
                                   "' is not one of: generic, mikrotik, wispr, chillispot, cisco, accel-ppp");
    n.vendor = *v;
  }
  core::Result<std::optional<int64_t>> coa = a.integer("coa-port", nasArguments());
  if (!coa.isOk()) return coa.status();
  if (*coa) n.coaPort = static_cast<uint16_t>(**coa);
  core::Result<std::optional<std::string>> ident = a.text("nas-identifier");
  if (!ident.isOk()) return ident.status();
  if (*ident) n.nasIdentifier = **ident;
  core::Result<std::optional<std::string>> rma = a.text("require-message-authenticator");
  if (!rma.isOk()) return rma.status();
  if (*rma && **rma != "default") {
    core::Result<std::optional<bool>> b = a.boolean("require-message-authenticator");
    if (!b.isOk()) return b.status();
    n.requireMessageAuthenticator = **b;
  }
  core::Result<std::optional<std::string>> radsec = a.text("radsec-identity");
  if (!radsec.isOk()) return radsec.status();
  if (*radsec && !(*radsec)->empty()) {
    core::Result<std::string> id = normalizeRadsecIdentity(**radsec);
    if (!id.isOk()) return id.status();
    n.radsecIdentity = *id;
  }
  EDGE_RETURN_IF_ERROR(validateNas(n));
  return n;
}

core::Status validateNas(const NasClient& n) {
  if (n.name.empty()) return core::invalidArgument("name is required");
  if (n.secret.empty()) return core::invalidArgument("secret is required");
  if (n.secret.size() > kMaxNasSecretOctets)
    return core::invalidArgument("secret: longer than " + std::to_string(kMaxNasSecretOctets) + " characters");
  if (n.coaPort == 0) return core::invalidArgument("coa-port: 0 is out of range 1..65535");
  if (!n.radsecIdentity.empty()) {
    core::Result<std::string> id = normalizeRadsecIdentity(n.radsecIdentity);
    if (!id.isOk()) return id.status();
    if (*id != n.radsecIdentity) return core::invalidArgument("radsec-identity: not in its stored form");
  }
  return core::Status::ok();
}

core::Result<std::string> normalizeRadsecIdentity(std::string_view identity) {
  constexpr std::string_view kSha256 = "sha256:";
  if (identity.size() >= kSha256.size() && identity.substr(0, kSha256.size()) == kSha256) {
    std::string hex;
    for (char c : identity.substr(kSha256.size())) {
      if (c == ':') continue;
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return core::invalidArgument("radsec-identity: a sha256 fingerprint is 64 hex digits (colons allowed)");
      hex += c;
    }
    if (hex.size() != 64)
      return core::invalidArgument("radsec-identity: a sha256 fingerprint is 64 hex digits, got " +
                                   std::to_string(hex.size()));
    return std::string(kSha256) + hex;
  }
  if (identity.empty()) return core::invalidArgument("radsec-identity: empty");
  if (identity.size() > kMaxRadsecIdentityOctets)
    return core::invalidArgument("radsec-identity: a name is at most " + std::to_string(kMaxRadsecIdentityOctets) +
                                 " characters");
  for (char c : identity)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return core::invalidArgument("radsec-identity: control characters are not allowed");
  return std::string(identity);
}

}  // namespace catalog
