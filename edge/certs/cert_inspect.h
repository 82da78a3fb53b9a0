// Certificates, keys and CRLs the operator gives the box (EAP, RadSec), read for people and checked
// before they are installed (issue 28, ADR 0031). On mbedTLS 2.28's X.509 parser.
//
// Contract
// - Inputs are PEM text, as the config's files hold it. Errors are kInvalidArgument values that
//   start with the name the input was given as (`what`: "certificate", "key", "ca", "crl"), so the
//   technician UI shows each next to its field. Nothing here reads files or logs.
// - Times are Unix seconds and `now` is given: validity is judged at `now` (mbedTLS's own clock
//   checks are switched off while verifying a chain, FIELD-NOTES).
// - Fingerprints: SHA-256 of the DER, lowercase hex pairs joined by ':' (as `edgectl status` shows
//   the UI's certificate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace edge::certs {

// The largest file of each kind accepted (a chain of a few certificates; one key; a CA bundle; a
// CRL of some thousand entries). Together they fit one control-socket request (1 MiB).
constexpr size_t kMaxCertificateBytes = 64 * 1024;
constexpr size_t kMaxKeyBytes = 16 * 1024;
constexpr size_t kMaxCaBytes = 256 * 1024;
constexpr size_t kMaxCrlBytes = 512 * 1024;

struct CertificateFacts {
  std::string subject;                // "CN=radius.example.net, O=Example ISP"
  std::string issuer;
  std::vector<std::string> altNames;  // "DNS:radius.example.net", "IP:192.0.2.1", "email:...", "URI:..."
  std::string keyType;                // "EC secp256r1", "RSA 2048"
  std::string serial;                 // hex pairs, as mbedTLS prints them
  int64_t notBefore = 0;
  int64_t notAfter = 0;
  bool isCa = false;
  std::string fingerprint;            // SHA-256, "ab:cd:..."
};

struct CrlFacts {
  std::string issuer;
  int64_t thisUpdate = 0;
  int64_t nextUpdate = 0;  // 0: the CRL names none
  size_t revoked = 0;
};

// Every certificate of a PEM file (a chain or a bundle), in file order. Refuses an empty input, one
// over maxBytes, one that is not PEM, and one in which any certificate does not parse.
core::Result<std::vector<CertificateFacts>> readCertificates(const std::string& pem, const std::string& what,
                                                             size_t maxBytes);
// Every CRL of a PEM file, the same way.
core::Result<std::vector<CrlFacts>> readCrls(const std::string& pem, const std::string& what, size_t maxBytes);

// A set of EAP files to install: certificate (the chain the box shows: its own first) and key are
// required; an empty ca or crl is not given.
struct EapFiles {
  std::string certificate;
  std::string key;
  std::string ca;
  std::string crl;
};
// Checks a set before anything is written: sizes; each parses; the key is not encrypted and is the
// certificate's; the certificate is valid at `now` (not expired, not before its time); with a ca,
// the chain verifies to it; with a crl, it is issued and signed by a certificate of `crlCa` (the
// given ca, or the installed one when only a crl comes) and not past its next update.
core::Status checkEapFiles(const EapFiles& files, const std::string& crlCa, int64_t now);
// The key is a readable, unencrypted PEM private key and the first certificate's ("key: ..." if not).
core::Status checkKeyPair(const std::string& certificatePem, const std::string& keyPem);
// The crl part of the above alone (`edgectl eap crl`): named "crl", its CA named "ca".
core::Status checkCrl(const std::string& crlPem, const std::string& caPem, int64_t now);

// How a certificate or a CRL stands at `now`.
enum class Standing { kOk, kWarning, kError };
const char* standingName(Standing s);  // "ok", "warning", "error"
struct Judgement {
  Standing standing = Standing::kOk;
  std::string text;      // for people: "expires in 12 days (2027-01-01)", "expired on 2026-11-30"
  int64_t daysLeft = 0;  // whole days to notAfter / nextUpdate (negative once past)
};
// Error when expired or not yet valid; warning within warningDays of its end.
Judgement judgeCertificate(const CertificateFacts& c, int64_t now, int64_t warningDays);
// Error once past its next update (EAP-TLS and RadSec refuse every client certificate then); warning
// within kCrlWarningDays of it.
constexpr int64_t kCrlWarningDays = 3;
Judgement judgeCrl(const CrlFacts& c, int64_t now);

}  // namespace edge::certs
