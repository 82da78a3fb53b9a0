// Which NAS client a RadSec connection is (RFC 6614 section 2.4): after the TLS handshake verified
// the client's certificate against the operator's CA, the certificate is matched against the NAS
// clients' radsec-identity (catalog/nas.h): "sha256:HEX" is the certificate's SHA-256 fingerprint
// (its DER), any other value a name the subject CN or a DNS subjectAltName must equal (DNS names
// compare without regard to case; no wildcards). Exactly one NAS client must match: none or
// several and the connection is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aaa/policy/snapshot.h"

namespace aaa::radius {

// What a verified client certificate shows, as the match needs it.
struct PeerCertificate {
  std::string sha256Hex;              // lower-case hex of SHA-256(DER)
  std::string commonName;             // the subject's CN ("" when none)
  std::vector<std::string> dnsNames;  // subjectAltName dNSName entries
};

// Whether `identity` (a stored radsec-identity, never empty) names `cert`.
bool radsecIdentityMatches(std::string_view identity, const PeerCertificate& cert);

enum class NasMatch { kFound, kNone, kAmbiguous };

// The one NAS client of `snap` whose radsec-identity names `cert`: kFound with *nas set, kNone, or
// kAmbiguous (two or more: the operator gave one certificate to two NAS clients).
NasMatch findNasByCertificate(const policy::Snapshot& snap, const PeerCertificate& cert, const policy::NasClient** nas);

}  // namespace aaa::radius
