#include "aaa/radius/radsec_identity.h"

namespace aaa::radius {

namespace {

constexpr std::string_view kSha256 = "sha256:";

bool equalNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool radsecIdentityMatches(std::string_view identity, const PeerCertificate& cert) {
  if (identity.empty()) return false;
  if (identity.substr(0, kSha256.size()) == kSha256)
    return !cert.sha256Hex.empty() && identity.substr(kSha256.size()) == cert.sha256Hex;
  if (!cert.commonName.empty() && equalNoCase(identity, cert.commonName)) return true;
  for (const std::string& dns : cert.dnsNames)
    if (equalNoCase(identity, dns)) return true;
  return false;
}

NasMatch findNasByCertificate(const policy::Snapshot& snap, const PeerCertificate& cert, const policy::NasClient** nas) {
  const policy::NasClient* found = nullptr;
  for (const policy::NasClient& n : snap.nas) {
    if (n.radsecIdentity.empty() || !radsecIdentityMatches(n.radsecIdentity, cert)) continue;
    if (found != nullptr) return NasMatch::kAmbiguous;
    found = &n;
  }
  if (found == nullptr) return NasMatch::kNone;
  *nas = found;
  return NasMatch::kFound;
}

}  // namespace aaa::radius
