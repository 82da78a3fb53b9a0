// The small PKI both ends need, on mbedTLS 2.28 (ECDSA P-256 throughout): keys, certificate signing
// requests, the management CA, and certificates issued from CSRs. Everything is PEM text in and out.
//
// Contract:
//  - Keys are made on the side that uses them: the box makes its key and CSR (the key never leaves
//    it); mgmt only ever sees the CSR.
//  - issueCertificate() verifies the CSR's proof of possession (its signature under the public key it
//    carries; mbedTLS has no helper for it, FIELD-NOTES) and takes only the public key from it: the
//    subject comes from the issuer's CertSpec, never from the CSR.
//  - Fingerprints are SHA-256 over the certificate's DER, as lowercase hex without separators
//    (`openssl x509 -fingerprint -sha256` prints the same bytes in uppercase with colons).
//  - Errors are Status values naming what is wrong ("CSR signature does not match its public key");
//    the library does not log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mbedtls/sha256.h>

#include "core/status.h"

struct mbedtls_pk_context;
struct mbedtls_x509_time;

namespace core::pki {

// An ECDSA P-256 key, checked by its curve (brainpoolP256r1 and secp256k1 are 256 bits too).
bool isP256Key(const mbedtls_pk_context& pk);

// The small mbedTLS readings every user of it needs, written once: the text of an error code
// (mbedtls_strerror), an X.509 time (UTC) as Unix seconds, and the reasons a certificate did not
// verify (mbedtls_x509_crt_verify_info's lines joined with "; ").
std::string mbedtlsErrorText(int rc);
int64_t x509UnixTime(const mbedtls_x509_time& t);
std::string verifyFlagsText(uint32_t flags);

// A new P-256 private key, PEM ("EC PRIVATE KEY").
Result<std::string> generateKey();
// The public key of a PEM private key, PEM ("PUBLIC KEY").
Result<std::string> publicKeyOf(const std::string& privateKeyPem);

// A CSR (PEM) for `commonName`, signed with the key (ECDSA with SHA-256).
Result<std::string> createCsr(const std::string& privateKeyPem, const std::string& commonName);

struct CsrInfo {
  std::string commonName;    // as the requester wrote it (informational only)
  std::string publicKeyPem;
};
// Parses a CSR and verifies its proof of possession. kInvalidArgument when it is not a CSR, the key
// is not P-256, or the signature does not match its public key.
Result<CsrInfo> verifyCsr(const std::string& csrPem);

struct CertSpec {
  std::string commonName;
  std::string organizationalUnit;  // mgmt puts the tenant id here; empty = none
  int64_t notBefore = 0;           // Unix seconds
  int64_t notAfter = 0;
  std::string serialHex;           // positive, up to 20 bytes; empty = 16 random bytes
  bool isCa = false;               // basicConstraints CA:TRUE, keyUsage keyCertSign|cRLSign
  // A TLS server's certificate (the box's EAP server certificate; phones check the RADIUS server's
  // name in it): subjectAltName with these DNS names (RFC 5280 4.2.1.6; mbedTLS 2.28 has no writer,
  // the DER is made here) and, with serverAuth, extendedKeyUsage id-kp-serverAuth. A name is LDH
  // labels of 1..63 octets, 253 at most; up to 8 names.
  std::vector<std::string> dnsNames;
  bool serverAuth = false;
  // Names: CN and OU are at most 64 bytes (RFC 5280), without control characters or backslashes.
  // CA certificates carry pathLenConstraint 0 (they issue end-entity certificates only); others
  // carry CA:FALSE and keyUsage digitalSignature. Both get subject/authority key identifiers.
};

// A self-signed CA certificate (PEM) for the key; spec.isCa is implied.
Result<std::string> selfSignedCa(const std::string& caKeyPem, const CertSpec& spec);
// A certificate (PEM) for the CSR's public key, signed by the CA, subject and validity from `spec`.
// Refuses a CSR that fails verifyCsr().
Result<std::string> issueCertificate(const std::string& caCertPem, const std::string& caKeyPem,
                                     const std::string& csrPem, const CertSpec& spec);
// Same, for a public key the issuer already holds (the server certificate mgmt makes for itself).
Result<std::string> issueForKey(const std::string& caCertPem, const std::string& caKeyPem,
                                const std::string& publicKeyPem, const CertSpec& spec);

struct CertInfo {
  std::string commonName;
  std::string organizationalUnit;
  std::string issuerCommonName;
  std::string serialHex;     // lowercase, no leading zeros beyond what the DER holds
  int64_t notBefore = 0;
  int64_t notAfter = 0;
  bool isCa = false;
  std::string fingerprint;   // SHA-256 of the DER, lowercase hex
  std::string pem;           // the certificate re-encoded as PEM
  std::string publicKeyPem;  // its subject's public key, PEM ("PUBLIC KEY"), as publicKeyOf() writes it
  std::vector<std::string> dnsNames;  // subjectAltName dNSName entries, in order
  bool serverAuth = false;            // extendedKeyUsage holds id-kp-serverAuth
};
// Parses one certificate given as PEM or DER (the first one of a PEM bundle).
Result<CertInfo> certificateInfo(const std::string& pemOrDer);

// Verifies that the certificate was signed by the CA and is valid at `now` (Unix seconds).
// kPermissionDenied with the reason ("expired", "not issued by this CA") otherwise.
Status verifyCertificate(const std::string& certPem, const std::string& caCertPem, int64_t now);

// Base64 (RFC 4648 section 4) of bytes; decoding names `what` in its error. With `url`, the URL-safe
// alphabet without padding (section 5), for tokens people copy.
std::string base64Encode(const std::string& bytes, bool url = false);
Result<std::string> base64Decode(const std::string& text, const std::string& what, bool url = false);

// ECDSA P-256 with SHA-256 over `data`: the one signing code licenses and firmware manifests share.
// `keyName` names the key in errors ("the license signing key"). The signature is DER.
Result<std::string> signBytes(const std::string& data, const std::string& privateKeyPem, const std::string& keyName);
// kInvalidArgument when `publicKeyPem` is not a PEM P-256 public key ("<keyName> is not ..."),
// kPermissionDenied when the signature is not that key's over exactly `data`.
Status verifyBytes(const std::string& data, const std::string& signature, const std::string& publicKeyPem,
                   const std::string& keyName);

// SHA-256 of bytes, lowercase hex.
std::string sha256Hex(const std::string& bytes);
// SHA-256 over bytes given in pieces (a firmware payload streamed from a file or the network).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(const char* data, size_t size);
  // The digest (lowercase hex) of everything given since construction or the last finishHex().
  std::string finishHex();

 private:
  mbedtls_sha256_context ctx_;
};
// HMAC-SHA-256 of data under key, lowercase hex (tokens bound to a secret: the portal's CSRF tokens).
std::string hmacSha256Hex(const std::string& key, const std::string& data);
// `n` random bytes from the CTR-DRBG, as lowercase hex (tokens, secrets, serials). The DRBG is one
// per process, seeded from the kernel on first use and reseeded in a forked child. Throws
// std::runtime_error if it cannot be seeded (never returns weak bytes).
std::string randomHex(size_t n);

}  // namespace core::pki
