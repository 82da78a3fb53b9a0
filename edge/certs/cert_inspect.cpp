#include "edge/certs/cert_inspect.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "core/clock.h"
#include "core/pki.h"

namespace edge::certs {

namespace {

// RAII for the mbedTLS structures (init in the constructor, free in the destructor).
struct Crt {
  mbedtls_x509_crt v;
  Crt() { mbedtls_x509_crt_init(&v); }
  ~Crt() { mbedtls_x509_crt_free(&v); }
  Crt(const Crt&) = delete;
  Crt& operator=(const Crt&) = delete;
};
struct Crl {
  mbedtls_x509_crl v;
  Crl() { mbedtls_x509_crl_init(&v); }
  ~Crl() { mbedtls_x509_crl_free(&v); }
  Crl(const Crl&) = delete;
  Crl& operator=(const Crl&) = delete;
};
struct Pk {
  mbedtls_pk_context v;
  Pk() { mbedtls_pk_init(&v); }
  ~Pk() { mbedtls_pk_free(&v); }
  Pk(const Pk&) = delete;
  Pk& operator=(const Pk&) = delete;
};

// The checks every input gets before mbedTLS sees it: present, within its size, PEM of the kind.
core::Status checkText(const std::string& pem, const std::string& what, size_t maxBytes, const char* label,
                       const char* kind) {
  if (pem.empty()) return core::invalidArgument(what + ": empty");
  if (pem.size() > maxBytes)
    return core::invalidArgument(what + ": " + std::to_string(pem.size()) + " bytes, more than the " +
                                 std::to_string(maxBytes / 1024) + " KiB allowed");
  if (pem.find(std::string("-----BEGIN ") + label + "-----") == std::string::npos)
    return core::invalidArgument(what + ": not a PEM " + kind + " (no '-----BEGIN " + label + "-----' line)");
  return core::Status::ok();
}

std::string dnText(const mbedtls_x509_name& name) {
  char text[1024];
  int n = mbedtls_x509_dn_gets(text, sizeof text, &name);
  return n < 0 ? std::string("(unreadable name)") : std::string(text, static_cast<size_t>(n));
}

std::string colonHex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ':';
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

// subjectAltName entries as mbedTLS 2.28 keeps them: the GeneralName's tag and its content
// (RFC 5280 4.2.1.6). Printable kinds only; others are named by their kind.
std::string altName(const mbedtls_x509_buf& b) {
  const int kind = b.tag & 0x1F;
  std::string value(reinterpret_cast<const char*>(b.p), b.len);
  for (char& c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  switch (kind) {
    case 1: return "email:" + value;
    case 2: return "DNS:" + value;
    case 6: return "URI:" + value;
    case 7: {
      char text[INET6_ADDRSTRLEN] = "";
      if (b.len == 4) ::inet_ntop(AF_INET, b.p, text, sizeof text);
      else if (b.len == 16) ::inet_ntop(AF_INET6, b.p, text, sizeof text);
      return std::string("IP:") + (text[0] ? text : "(malformed)");
    }
    case 0: return "otherName";
    case 4: return "dirName";
    default: return "name of kind " + std::to_string(kind);
  }
}

std::string keyTypeOf(const mbedtls_pk_context& pk) {
  mbedtls_pk_type_t type = mbedtls_pk_get_type(&pk);
  if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECKEY_DH || type == MBEDTLS_PK_ECDSA) {
    const mbedtls_ecp_curve_info* curve = mbedtls_ecp_curve_info_from_grp_id(mbedtls_pk_ec(pk)->grp.id);
    return std::string("EC ") + (curve ? curve->name : "(unknown curve)");
  }
  if (type == MBEDTLS_PK_RSA) return "RSA " + std::to_string(mbedtls_pk_get_bitlen(&pk));
  return mbedtls_pk_get_name(&pk);
}

CertificateFacts factsOf(const mbedtls_x509_crt& c) {
  CertificateFacts f;
  f.subject = dnText(c.subject);
  f.issuer = dnText(c.issuer);
  for (const mbedtls_x509_sequence* s = &c.subject_alt_names; s != nullptr && s->buf.p != nullptr; s = s->next)
    f.altNames.push_back(altName(s->buf));
  f.keyType = keyTypeOf(c.pk);
  char serial[128];
  int n = mbedtls_x509_serial_gets(serial, sizeof serial, &c.serial);
  f.serial = n < 0 ? "" : std::string(serial, static_cast<size_t>(n));
  f.notBefore = core::pki::x509UnixTime(c.valid_from);
  f.notAfter = core::pki::x509UnixTime(c.valid_to);
  f.isCa = c.ca_istrue != 0;
  unsigned char digest[32];
  mbedtls_sha256_ret(c.raw.p, c.raw.len, digest, 0);
  f.fingerprint = colonHex(digest, sizeof digest);
  return f;
}

core::Status parseCertificates(const std::string& pem, const std::string& what, size_t maxBytes, Crt& out) {
  EDGE_RETURN_IF_ERROR(checkText(pem, what, maxBytes, "CERTIFICATE", "certificate"));
  // PEM: mbedTLS wants the terminating NUL counted. A positive answer is the number of
  // certificates it skipped: a bundle with one bad certificate is refused as a whole.
  int rc = mbedtls_x509_crt_parse(&out.v, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  if (rc < 0) return core::invalidArgument(what + ": not a readable certificate: " + core::pki::mbedtlsErrorText(rc));
  if (rc > 0) return core::invalidArgument(what + ": " + std::to_string(rc) + " of its certificates do not parse");
  return core::Status::ok();
}

core::Status parseCrls(const std::string& pem, const std::string& what, size_t maxBytes, Crl& out) {
  EDGE_RETURN_IF_ERROR(checkText(pem, what, maxBytes, "X509 CRL", "CRL"));
  // mbedTLS parses the PEM blocks one after the other and stops at the first bad one.
  int rc = mbedtls_x509_crl_parse(&out.v, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  if (rc != 0) return core::invalidArgument(what + ": not a readable CRL: " + core::pki::mbedtlsErrorText(rc));
  return core::Status::ok();
}

std::string dateOf(int64_t t) { return core::formatRfc3339(core::WallTime(std::chrono::seconds(t))).substr(0, 10); }

int64_t daysFrom(int64_t now, int64_t then) {
  // Whole days, rounded towards the past: 23 hours left is "0 days" (today), 1 second past is -1.
  int64_t d = then - now;
  return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

// Verification at a given time: mbedTLS checks validity against the system clock; here the time
// flags are dropped (this file judges validity at `now` itself).
int ignoreClock(void*, mbedtls_x509_crt*, int, uint32_t* flags) noexcept {
  *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                                   MBEDTLS_X509_BADCRL_EXPIRED | MBEDTLS_X509_BADCRL_FUTURE);
  return 0;
}

// Every CRL of `crl` is issued by a certificate of `ca` whose key signed it (RFC 5280 6.3.3 (f)),
// and none is past its next update at `now`.
core::Status checkCrlAgainst(const mbedtls_x509_crl& crl, const mbedtls_x509_crt& ca, const std::string& caName,
                             int64_t now) {
  for (const mbedtls_x509_crl* c = &crl; c != nullptr && c->raw.p != nullptr; c = c->next) {
    const mbedtls_x509_crt* issuer = nullptr;
    for (const mbedtls_x509_crt* a = &ca; a != nullptr && a->raw.p != nullptr; a = a->next)
      if (a->subject_raw.len == c->issuer_raw.len && memcmp(a->subject_raw.p, c->issuer_raw.p, c->issuer_raw.len) == 0)
        issuer = a;
    if (issuer == nullptr)
      return core::invalidArgument("crl: issued by " + dnText(c->issuer) + ", which is not a certificate of the " +
                                   caName);
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(c->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    bool signedByIssuer = md != nullptr && mbedtls_md(md, c->tbs.p, c->tbs.len, hash) == 0 &&
                          mbedtls_pk_verify_ext(c->sig_pk, c->sig_opts, const_cast<mbedtls_pk_context*>(&issuer->pk),
                                                c->sig_md, hash, mbedtls_md_get_size(md), c->sig.p, c->sig.len) == 0;
    if (!signedByIssuer)
      return core::invalidArgument("crl: its signature does not verify with the key of " + dnText(issuer->subject));
    if (c->next_update.year != 0 && core::pki::x509UnixTime(c->next_update) < now)
      return core::invalidArgument("crl: out of date: its next update was due " + dateOf(core::pki::x509UnixTime(c->next_update)) +
                                   " (EAP-TLS would refuse every client certificate)");
  }
  return core::Status::ok();
}

}  // namespace

core::Result<std::vector<CertificateFacts>> readCertificates(const std::string& pem, const std::string& what,
                                                             size_t maxBytes) {
  Crt crt;
  EDGE_RETURN_IF_ERROR(parseCertificates(pem, what, maxBytes, crt));
  std::vector<CertificateFacts> out;
  for (const mbedtls_x509_crt* c = &crt.v; c != nullptr && c->raw.p != nullptr; c = c->next) out.push_back(factsOf(*c));
  return out;
}

core::Result<std::vector<CrlFacts>> readCrls(const std::string& pem, const std::string& what, size_t maxBytes) {
  Crl crl;
  EDGE_RETURN_IF_ERROR(parseCrls(pem, what, maxBytes, crl));
  std::vector<CrlFacts> out;
  for (const mbedtls_x509_crl* c = &crl.v; c != nullptr && c->raw.p != nullptr; c = c->next) {
    CrlFacts f;
    f.issuer = dnText(c->issuer);
    f.thisUpdate = core::pki::x509UnixTime(c->this_update);
    f.nextUpdate = c->next_update.year == 0 ? 0 : core::pki::x509UnixTime(c->next_update);
    // An empty CRL still has its (empty) first entry.
    for (const mbedtls_x509_crl_entry* e = &c->entry; e != nullptr; e = e->next)
      if (e->raw.p != nullptr && e->raw.len != 0) ++f.revoked;
    out.push_back(f);
  }
  return out;
}

core::Status checkCrl(const std::string& crlPem, const std::string& caPem, int64_t now) {
  Crl crl;
  EDGE_RETURN_IF_ERROR(parseCrls(crlPem, "crl", kMaxCrlBytes, crl));
  if (caPem.empty()) return core::invalidArgument("crl: needs the CA it revokes for (radius.eap-ca has none)");
  Crt ca;
  EDGE_RETURN_IF_ERROR(parseCertificates(caPem, "ca", kMaxCaBytes, ca));
  return checkCrlAgainst(crl.v, ca.v, "CA", now);
}

namespace {

core::Status parseKey(const std::string& pem, Pk& key) {
  if (pem.size() > kMaxKeyBytes)
    return core::invalidArgument("key: " + std::to_string(pem.size()) + " bytes, more than the " +
                                 std::to_string(kMaxKeyBytes / 1024) + " KiB allowed");
  if (pem.empty()) return core::invalidArgument("key: empty");
  if (pem.find("PRIVATE KEY-----") == std::string::npos)
    return core::invalidArgument("key: not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)");
  if (pem.find("ENCRYPTED") != std::string::npos)
    return core::invalidArgument("key: encrypted with a passphrase; edged needs it without (openssl pkey -in KEY -out PLAIN)");
  int rc = mbedtls_pk_parse_key(&key.v, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1, nullptr, 0);
  if (rc != 0) return core::invalidArgument("key: not a readable private key: " + core::pki::mbedtlsErrorText(rc));
  return core::Status::ok();
}

core::Status checkPair(const mbedtls_x509_crt& certificate, const mbedtls_pk_context& key) {
  if (mbedtls_pk_check_pair(&certificate.pk, &key) != 0)
    return core::invalidArgument("key: does not match the certificate (" + dnText(certificate.subject) + ")");
  return core::Status::ok();
}

}  // namespace

core::Status checkKeyPair(const std::string& certificatePem, const std::string& keyPem) {
  Crt chain;
  EDGE_RETURN_IF_ERROR(parseCertificates(certificatePem, "certificate", kMaxCertificateBytes, chain));
  Pk key;
  EDGE_RETURN_IF_ERROR(parseKey(keyPem, key));
  return checkPair(chain.v, key.v);
}

core::Status checkEapFiles(const EapFiles& files, const std::string& crlCa, int64_t now) {
  Crt chain;
  EDGE_RETURN_IF_ERROR(parseCertificates(files.certificate, "certificate", kMaxCertificateBytes, chain));
  // The key: PEM, not encrypted (edged starts unattended), and the certificate's.
  Pk key;
  EDGE_RETURN_IF_ERROR(parseKey(files.key, key));
  EDGE_RETURN_IF_ERROR(checkPair(chain.v, key.v));
  // The box's own certificate (the first) at `now`.
  CertificateFacts leaf = factsOf(chain.v);
  if (now < leaf.notBefore)
    return core::invalidArgument("certificate: not valid before " + dateOf(leaf.notBefore) + " (is the clock right?)");
  if (now > leaf.notAfter) return core::invalidArgument("certificate: expired on " + dateOf(leaf.notAfter));
  if (!files.ca.empty()) {
    Crt ca;
    EDGE_RETURN_IF_ERROR(parseCertificates(files.ca, "ca", kMaxCaBytes, ca));
    uint32_t flags = 0;
    int rc = mbedtls_x509_crt_verify(&chain.v, &ca.v, nullptr, nullptr, &flags, ignoreClock, nullptr);
    if (rc != 0)
      return core::invalidArgument("certificate: does not verify to the given CA: " + core::pki::verifyFlagsText(flags));
  }
  if (!files.crl.empty()) {
    Crl crl;
    EDGE_RETURN_IF_ERROR(parseCrls(files.crl, "crl", kMaxCrlBytes, crl));
    const std::string& caPem = files.ca.empty() ? crlCa : files.ca;
    if (caPem.empty()) return core::invalidArgument("crl: needs the CA it revokes for (give the ca too)");
    Crt ca;
    EDGE_RETURN_IF_ERROR(parseCertificates(caPem, "ca", kMaxCaBytes, ca));
    EDGE_RETURN_IF_ERROR(checkCrlAgainst(crl.v, ca.v, files.ca.empty() ? "installed CA" : "given CA", now));
  }
  return core::Status::ok();
}

const char* standingName(Standing s) {
  switch (s) {
    case Standing::kOk: return "ok";
    case Standing::kWarning: return "warning";
    case Standing::kError: return "error";
  }
  return "error";
}

Judgement judgeCertificate(const CertificateFacts& c, int64_t now, int64_t warningDays) {
  Judgement j;
  j.daysLeft = daysFrom(now, c.notAfter);
  if (now < c.notBefore) {
    j.standing = Standing::kError;
    j.text = "not valid before " + dateOf(c.notBefore) + " (is the clock right?)";
  } else if (now > c.notAfter) {
    j.standing = Standing::kError;
    j.text = "expired on " + dateOf(c.notAfter);
  } else if (j.daysLeft < warningDays) {
    j.standing = Standing::kWarning;
    j.text = (j.daysLeft == 0 ? std::string("expires today") : "expires in " + std::to_string(j.daysLeft) +
                                                                  (j.daysLeft == 1 ? " day" : " days")) +
             " (" + dateOf(c.notAfter) + "): renew it";
  } else {
    j.text = "valid until " + dateOf(c.notAfter) + " (" + std::to_string(j.daysLeft) + " days)";
  }
  return j;
}

Judgement judgeCrl(const CrlFacts& c, int64_t now) {
  Judgement j;
  if (c.nextUpdate == 0) {
    j.text = "no next update given";
    return j;
  }
  j.daysLeft = daysFrom(now, c.nextUpdate);
  if (now > c.nextUpdate) {
    j.standing = Standing::kError;
    j.text = "out of date since " + dateOf(c.nextUpdate) + ": every client certificate is refused until a new CRL is installed";
  } else if (j.daysLeft < kCrlWarningDays) {
    j.standing = Standing::kWarning;
    j.text = "next update due " + dateOf(c.nextUpdate) + ": install a new CRL before then";
  } else {
    j.text = "next update due " + dateOf(c.nextUpdate);
  }
  return j;
}

}  // namespace edge::certs
