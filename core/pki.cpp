#include "core/pki.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <new>
#include <stdexcept>

namespace core::pki {

namespace {

constexpr const char* kCertBegin = "-----BEGIN CERTIFICATE-----";
constexpr const char* kCertEnd = "-----END CERTIFICATE-----";
// RFC 5280 appendix A.1: ub-common-name and ub-organizational-unit-name are 64.
constexpr size_t kMaxNameLength = 64;
// The latest time both UTCTime and GeneralizedTime can carry: 9999-12-31T23:59:59Z.
constexpr int64_t kMaxTime = 253402300799;

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string toHex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0f]);
  }
  return out;
}

// One CTR-DRBG for the process, seeded from the kernel on first use. It lives in static storage and
// is never destroyed: no operator new (CppUTest's leak checker would count a lazily built singleton;
// mbedTLS itself allocates nothing for these contexts), and nothing used at exit can outlive it.
class Drbg {
 public:
  static Drbg& instance() {
    alignas(Drbg) static unsigned char storage[sizeof(Drbg)];
    static Drbg* drbg = ::new (static_cast<void*>(storage)) Drbg();
    return *drbg;
  }

  // The f_rng signature mbedTLS wants. Never call it while holding mutex_ (it takes it).
  static int callback(void* self, unsigned char* out, size_t len) noexcept {
    return static_cast<Drbg*>(self)->random(out, len);
  }

  int random(unsigned char* out, size_t len) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    int rc = ensureSeeded();
    if (rc != 0) return rc;
    while (len > 0) {
      size_t n = std::min<size_t>(len, MBEDTLS_CTR_DRBG_MAX_REQUEST);
      rc = mbedtls_ctr_drbg_random(&ctx_, out, n);
      if (rc != 0) return rc;
      out += n;
      len -= n;
    }
    return 0;
  }

 private:
  Drbg() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&ctx_);
  }

  int ensureSeeded() {
    pid_t pid = getpid();
    if (seeded_ && pid == pid_) return 0;
    if (seeded_) {
      // A forked child starts with its parent's DRBG state: without fresh entropy both would hand
      // out the same "random" serials and tokens.
      int rc = mbedtls_ctr_drbg_reseed(&ctx_, reinterpret_cast<const unsigned char*>(&pid), sizeof pid);
      if (rc == 0) pid_ = pid;
      return rc;
    }
    static const char kPersonalization[] = "edge-pki";
    int rc = mbedtls_ctr_drbg_seed(&ctx_, mbedtls_entropy_func, &entropy_,
                                   reinterpret_cast<const unsigned char*>(kPersonalization), sizeof kPersonalization);
    if (rc != 0) {
      // Start over on the next call rather than use a half-seeded generator.
      mbedtls_ctr_drbg_free(&ctx_);
      mbedtls_ctr_drbg_init(&ctx_);
      return rc;
    }
    seeded_ = true;
    pid_ = pid;
    return 0;
  }

  std::mutex mutex_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context ctx_;
  bool seeded_ = false;
  pid_t pid_ = 0;
};

int rng(void* p, unsigned char* out, size_t len) { return Drbg::callback(p, out, len); }
void* rngState() { return &Drbg::instance(); }

struct Pk {
  mbedtls_pk_context ctx;
  Pk() { mbedtls_pk_init(&ctx); }
  ~Pk() { mbedtls_pk_free(&ctx); }
  Pk(const Pk&) = delete;
  Pk& operator=(const Pk&) = delete;
};

struct Crt {
  mbedtls_x509_crt ctx;
  Crt() { mbedtls_x509_crt_init(&ctx); }
  ~Crt() { mbedtls_x509_crt_free(&ctx); }
  Crt(const Crt&) = delete;
  Crt& operator=(const Crt&) = delete;
};

struct Csr {
  mbedtls_x509_csr ctx;
  Csr() { mbedtls_x509_csr_init(&ctx); }
  ~Csr() { mbedtls_x509_csr_free(&ctx); }
  Csr(const Csr&) = delete;
  Csr& operator=(const Csr&) = delete;
};

struct CrtWriter {
  mbedtls_x509write_cert ctx;
  CrtWriter() { mbedtls_x509write_crt_init(&ctx); }
  ~CrtWriter() { mbedtls_x509write_crt_free(&ctx); }
  CrtWriter(const CrtWriter&) = delete;
  CrtWriter& operator=(const CrtWriter&) = delete;
};

struct CsrWriter {
  mbedtls_x509write_csr ctx;
  CsrWriter() { mbedtls_x509write_csr_init(&ctx); }
  ~CsrWriter() { mbedtls_x509write_csr_free(&ctx); }
  CsrWriter(const CsrWriter&) = delete;
  CsrWriter& operator=(const CsrWriter&) = delete;
};

struct Mpi {
  mbedtls_mpi ctx;
  Mpi() { mbedtls_mpi_init(&ctx); }
  ~Mpi() { mbedtls_mpi_free(&ctx); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
};

bool isP256(const mbedtls_pk_context& pk) { return isP256Key(pk); }

Status parsePrivateKey(const std::string& pem, mbedtls_pk_context* pk, const std::string& what) {
  // mbedTLS wants the terminating NUL counted for PEM input.
  int rc = mbedtls_pk_parse_key(pk, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1, nullptr, 0);
  if (rc != 0) return invalidArgument(what + " is not a PEM private key (" + mbedtlsErrorText(rc) + ")");
  if (!isP256(*pk)) return invalidArgument(what + " is not an ECDSA P-256 key");
  return Status::ok();
}

Status parsePublicKey(const std::string& pem, mbedtls_pk_context* pk, const std::string& what) {
  int rc = mbedtls_pk_parse_public_key(pk, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  if (rc != 0) return invalidArgument(what + " is not a PEM public key (" + mbedtlsErrorText(rc) + ")");
  if (!isP256(*pk)) return invalidArgument(what + " is not an ECDSA P-256 key");
  return Status::ok();
}

Result<std::string> publicKeyPemOf(mbedtls_pk_context* pk) {
  unsigned char buf[1024];
  int rc = mbedtls_pk_write_pubkey_pem(pk, buf, sizeof buf);
  if (rc != 0) return internalError("writing a public key as PEM: " + mbedtlsErrorText(rc));
  return std::string(reinterpret_cast<const char*>(buf));
}

bool containsPem(const std::string& text) { return text.find("-----BEGIN") != std::string::npos; }

// The first certificate of a PEM text, or the DER as given. Only the first PEM block counts, so a
// bundle's later entries (a chain, a comment) cannot change what is parsed.
Status parseFirstCertificate(const std::string& pemOrDer, mbedtls_x509_crt* crt, const std::string& what) {
  int rc = 0;
  if (containsPem(pemOrDer)) {
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    rc = mbedtls_pem_read_buffer(&pem, kCertBegin, kCertEnd, reinterpret_cast<const unsigned char*>(pemOrDer.c_str()),
                                 nullptr, 0, &used);
    if (rc == 0) rc = mbedtls_x509_crt_parse_der(crt, pem.buf, pem.buflen);
    mbedtls_pem_free(&pem);
  } else {
    rc = mbedtls_x509_crt_parse_der(crt, bytes(pemOrDer), pemOrDer.size());
  }
  if (rc != 0) return invalidArgument(what + " is not an X.509 certificate (" + mbedtlsErrorText(rc) + ")");
  return Status::ok();
}

// Every certificate of a PEM bundle (or one DER certificate); a bundle with an unparsable entry is
// refused rather than silently trusted in part.
Status parseCertificates(const std::string& pemOrDer, mbedtls_x509_crt* crt, const std::string& what) {
  const auto* text = reinterpret_cast<const unsigned char*>(pemOrDer.c_str());
  int rc = containsPem(pemOrDer) ? mbedtls_x509_crt_parse(crt, text, pemOrDer.size() + 1)
                                 : mbedtls_x509_crt_parse_der(crt, text, pemOrDer.size());
  if (rc < 0) return invalidArgument(what + " is not an X.509 certificate (" + mbedtlsErrorText(rc) + ")");
  if (rc > 0) return invalidArgument(what + ": " + std::to_string(rc) + " of its certificates do not parse");
  return Status::ok();
}

// The value of the first attribute `oid` (MBEDTLS_OID_AT_*) of a distinguished name.
std::string nameAttribute(const mbedtls_x509_name* name, const char* oid, size_t oidLen) {
  for (const mbedtls_x509_name* n = name; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && n->oid.len == oidLen && std::memcmp(n->oid.p, oid, oidLen) == 0)
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
  }
  return "";
}

std::string commonNameOf(const mbedtls_x509_name* name) {
  return nameAttribute(name, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
}

// mbedTLS reads "CN=a,OU=b" itself (mbedtls_x509_string_to_names). In 2.28 the only escape it knows
// is "\," and it has none for the backslash, so commas are escaped and backslashes refused; '=' and
// '+' inside a value are plain characters to it.
Result<std::string> nameValue(const std::string& value, const char* what) {
  if (value.size() > kMaxNameLength)
    return invalidArgument(std::string(what) + " is longer than " + std::to_string(kMaxNameLength) +
                           " bytes (RFC 5280 upper bound)");
  std::string out;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return invalidArgument(std::string(what) + " contains a control character");
    if (c == '\\') return invalidArgument(std::string(what) + " contains a backslash");
    if (c == ',') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Result<std::string> subjectName(const CertSpec& spec) {
  if (spec.commonName.empty()) return invalidArgument("certificate common name is empty");
  EDGE_ASSIGN_OR_RETURN(std::string cn, nameValue(spec.commonName, "certificate common name"));
  std::string name = "CN=" + cn;
  if (!spec.organizationalUnit.empty()) {
    EDGE_ASSIGN_OR_RETURN(std::string ou, nameValue(spec.organizationalUnit, "certificate organizational unit"));
    name += ",OU=" + ou;
  }
  return name;
}

// RFC 1123 host names: LDH labels of 1..63 octets, not starting or ending with '-', 253 in all.
Status checkDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return invalidArgument("DNS name \"" + name + "\" is empty or longer than 253");
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    char c = i < name.size() ? name[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-')
        return invalidArgument("DNS name \"" + name + "\": a label is empty, longer than 63 or starts or ends with '-'");
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
      ++label;
    } else {
      return invalidArgument("DNS name \"" + name + "\" holds a character other than letters, digits, '-' and '.'");
    }
  }
  return Status::ok();
}

// subjectAltName (SEQUENCE OF GeneralName, dNSName [2] IA5String) and extendedKeyUsage (SEQUENCE OF
// KeyPurposeId) as DER. mbedTLS's asn1write functions write backwards from the end of the buffer and
// return the octets written (negative: an error).
struct DerBackwards {
  std::array<unsigned char, 8 * 260 + 16> buf{};
  unsigned char* p = buf.data() + buf.size();
  size_t len = 0;
  int rc = 0;
  void add(int written) {
    if (rc < 0) return;
    if (written < 0) rc = written;
    else len += static_cast<size_t>(written);
  }
  // The content written since `mark` octets wrapped in a tag.
  void wrap(size_t mark, unsigned char tag) {
    size_t inner = len - mark;
    if (rc >= 0) add(mbedtls_asn1_write_len(&p, buf.data(), inner));
    if (rc >= 0) add(mbedtls_asn1_write_tag(&p, buf.data(), tag));
  }
};

Status setServerExtensions(mbedtls_x509write_cert* crt, const CertSpec& spec) {
  if (spec.dnsNames.size() > 8) return invalidArgument("at most 8 DNS names in a certificate");
  if (!spec.dnsNames.empty()) {
    DerBackwards d;
    for (auto it = spec.dnsNames.rbegin(); it != spec.dnsNames.rend(); ++it) {
      EDGE_RETURN_IF_ERROR(checkDnsName(*it));
      size_t mark = d.len;
      d.add(mbedtls_asn1_write_raw_buffer(&d.p, d.buf.data(), reinterpret_cast<const unsigned char*>(it->data()),
                                          it->size()));
      d.wrap(mark, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2);
    }
    d.wrap(0, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (d.rc >= 0)
      d.rc = mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                 MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, d.p, d.len);
    if (d.rc < 0) return internalError("subjectAltName: " + mbedtlsErrorText(d.rc));
  }
  if (spec.serverAuth) {
    DerBackwards d;
    d.add(mbedtls_asn1_write_oid(&d.p, d.buf.data(), MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
    d.wrap(0, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (d.rc >= 0)
      d.rc = mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                 MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, d.p, d.len);
    if (d.rc < 0) return internalError("extendedKeyUsage: " + mbedtlsErrorText(d.rc));
  }
  return Status::ok();
}

// Unix seconds -> "YYYYMMDDhhmmss" (UTC), what mbedtls_x509write_crt_set_validity takes. It writes
// UTCTime for 2000-2049 and GeneralizedTime otherwise (RFC 5280 section 4.1.2.5).
Result<std::string> x509TimeText(int64_t t, const char* what) {
  if (t < 0 || t > kMaxTime) return invalidArgument(std::string(what) + " is outside 1970..9999");
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  if (gmtime_r(&tt, &tm) == nullptr) return invalidArgument(std::string(what) + " is not a representable time");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buf);
}

std::string isoTime(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  if (gmtime_r(&tt, &tm) == nullptr) return std::to_string(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status setSerial(mbedtls_x509write_cert* crt, const std::string& serialHex) {
  Mpi serial;
  if (serialHex.empty()) {
    std::array<unsigned char, 16> raw{};
    if (int rc = rng(rngState(), raw.data(), raw.size()); rc != 0)
      return internalError("no random bytes for a serial number: " + mbedtlsErrorText(rc));
    raw[0] &= 0x7f;  // positive in DER without a padding byte
    raw[0] |= 0x40;  // and never zero, always 16 bytes
    if (mbedtls_mpi_read_binary(&serial.ctx, raw.data(), raw.size()) != 0) return internalError("serial number");
  } else {
    if (serialHex.size() > 40 ||
        serialHex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return invalidArgument("serial number \"" + serialHex + "\" is not up to 40 hex digits");
    if (mbedtls_mpi_read_string(&serial.ctx, 16, serialHex.c_str()) != 0)
      return invalidArgument("serial number \"" + serialHex + "\" is not hex");
    if (mbedtls_mpi_cmp_int(&serial.ctx, 0) == 0) return invalidArgument("serial number must be positive");
    // RFC 5280 section 4.1.2.2: at most 20 octets once DER-encoded (a set top bit costs a 0x00).
    if (mbedtls_mpi_bitlen(&serial.ctx) > 159)
      return invalidArgument("serial number \"" + serialHex + "\" does not fit in 20 DER octets");
  }
  if (int rc = mbedtls_x509write_crt_set_serial(crt, &serial.ctx); rc != 0)
    return internalError("setting the serial number: " + mbedtlsErrorText(rc));
  return Status::ok();
}

// Copies a parsed distinguished name into the list mbedtls_x509write_crt writes as the issuer, so the
// issuer field is byte-for-byte the CA's subject (chain building compares them). The writer emits the
// list head last, hence prepending in DER order; it frees the nodes with mbedtls_free.
Status copyIssuerName(const mbedtls_x509_name* subject, mbedtls_asn1_named_data** issuer) {
  for (const mbedtls_x509_name* n = subject; n != nullptr; n = n->next) {
    if (n->oid.p == nullptr) continue;
    auto* node = static_cast<mbedtls_asn1_named_data*>(mbedtls_calloc(1, sizeof(mbedtls_asn1_named_data)));
    if (node == nullptr) return resourceExhausted("out of memory copying the CA name");
    node->next = *issuer;
    *issuer = node;
    node->oid.tag = n->oid.tag;
    node->oid.len = n->oid.len;
    node->oid.p = static_cast<unsigned char*>(mbedtls_calloc(1, n->oid.len));
    node->val.tag = n->val.tag;
    node->val.len = n->val.len;
    node->val.p = static_cast<unsigned char*>(mbedtls_calloc(1, n->val.len == 0 ? 1 : n->val.len));
    if (node->oid.p == nullptr || node->val.p == nullptr) return resourceExhausted("out of memory copying the CA name");
    std::memcpy(node->oid.p, n->oid.p, n->oid.len);
    if (n->val.len > 0) std::memcpy(node->val.p, n->val.p, n->val.len);
  }
  if (*issuer == nullptr) return invalidArgument("the CA certificate has an empty subject");
  return Status::ok();
}

// The part issueForKey and selfSignedCa share. `caCert` is null for a self-signed certificate, whose
// issuer name is its own subject.
Result<std::string> writeCertificate(const mbedtls_x509_crt* caCert, mbedtls_pk_context* issuerKey,
                                     mbedtls_pk_context* subjectKey, const CertSpec& spec, bool isCa) {
  EDGE_ASSIGN_OR_RETURN(std::string subject, subjectName(spec));
  if (spec.notAfter <= spec.notBefore) return invalidArgument("certificate notAfter must be after notBefore");
  EDGE_ASSIGN_OR_RETURN(std::string notBefore, x509TimeText(spec.notBefore, "certificate notBefore"));
  EDGE_ASSIGN_OR_RETURN(std::string notAfter, x509TimeText(spec.notAfter, "certificate notAfter"));

  CrtWriter w;
  mbedtls_x509write_crt_set_version(&w.ctx, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w.ctx, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w.ctx, subjectKey);
  mbedtls_x509write_crt_set_issuer_key(&w.ctx, issuerKey);
  EDGE_RETURN_IF_ERROR(setSerial(&w.ctx, spec.serialHex));
  if (int rc = mbedtls_x509write_crt_set_subject_name(&w.ctx, subject.c_str()); rc != 0)
    return invalidArgument("certificate subject \"" + subject + "\": " + mbedtlsErrorText(rc));
  if (caCert == nullptr) {
    if (int rc = mbedtls_x509write_crt_set_issuer_name(&w.ctx, subject.c_str()); rc != 0)
      return invalidArgument("certificate issuer \"" + subject + "\": " + mbedtlsErrorText(rc));
  } else {
    EDGE_RETURN_IF_ERROR(copyIssuerName(&caCert->subject, &w.ctx.issuer));
  }
  if (int rc = mbedtls_x509write_crt_set_validity(&w.ctx, notBefore.c_str(), notAfter.c_str()); rc != 0)
    return invalidArgument("certificate validity: " + mbedtlsErrorText(rc));
  // Our CAs issue end-entity certificates only: pathLenConstraint 0 (RFC 5280 section 4.2.1.9).
  int rc = mbedtls_x509write_crt_set_basic_constraints(&w.ctx, isCa ? 1 : 0, isCa ? 0 : -1);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_key_usage(
        &w.ctx, isCa ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  // Key identifiers by RFC 5280 section 4.2.1.2 method (1), SHA-1 of the subjectPublicKey, as OpenSSL
  // computes them by default; the authority one is derived from the issuer key, so it matches the
  // CA's own subject key identifier when the CA was made here or by OpenSSL.
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w.ctx);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w.ctx);
  if (rc != 0) return internalError("certificate extensions: " + mbedtlsErrorText(rc));
  if (isCa && (spec.serverAuth || !spec.dnsNames.empty()))
    return invalidArgument("a CA certificate carries no server names or serverAuth");
  EDGE_RETURN_IF_ERROR(setServerExtensions(&w.ctx, spec));

  std::array<unsigned char, 4096> buf{};
  rc = mbedtls_x509write_crt_pem(&w.ctx, buf.data(), buf.size(), rng, rngState());
  if (rc != 0) return internalError("signing the certificate: " + mbedtlsErrorText(rc));
  return std::string(reinterpret_cast<const char*>(buf.data()));
}

// Proof of possession (RFC 2986 section 3): the CSR's signature over its CertificationRequestInfo
// must verify with the public key inside it. mbedtls_x509_csr_parse only parses.
Result<CsrInfo> parseAndVerifyCsr(const std::string& csrPem, mbedtls_x509_csr* csr) {
  int rc = mbedtls_x509_csr_parse(csr, reinterpret_cast<const unsigned char*>(csrPem.c_str()), csrPem.size() + 1);
  if (rc != 0) return invalidArgument("not a certificate signing request (" + mbedtlsErrorText(rc) + ")");
  if (!isP256(csr->pk)) return invalidArgument("the CSR's public key is not an ECDSA P-256 key");
  if (csr->sig_pk != MBEDTLS_PK_ECDSA) return invalidArgument("the CSR is not signed with ECDSA");
  if (csr->sig_md != MBEDTLS_MD_SHA256 && csr->sig_md != MBEDTLS_MD_SHA384 && csr->sig_md != MBEDTLS_MD_SHA512)
    return invalidArgument("the CSR is signed with a hash other than SHA-256/384/512");
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(csr->sig_md);
  if (md == nullptr) return invalidArgument("the CSR's signature hash is not supported");
  std::array<unsigned char, MBEDTLS_MD_MAX_SIZE> hash{};
  if (mbedtls_md(md, csr->cri.p, csr->cri.len, hash.data()) != 0) return internalError("hashing the CSR");
  rc = mbedtls_pk_verify_ext(csr->sig_pk, csr->sig_opts, &csr->pk, csr->sig_md, hash.data(), mbedtls_md_get_size(md),
                             csr->sig.p, csr->sig.len);
  if (rc != 0) return invalidArgument("CSR signature does not match its public key");
  CsrInfo info;
  info.commonName = commonNameOf(&csr->subject);
  EDGE_ASSIGN_OR_RETURN(info.publicKeyPem, publicKeyPemOf(&csr->pk));
  return info;
}

struct VerifyClock {
  int64_t now = 0;
  uint32_t leaf = 0;  // our EXPIRED/FUTURE bits for depth 0
  uint32_t ca = 0;    // the same for the certificates above it
};

// mbedtls_x509_crt_verify judges validity by the system clock; the caller's `now` decides here. The
// callback sees every certificate of the chain built (leaf at depth 0, the trust anchor last) and
// may rewrite its flags before they are merged.
int checkValidityAt(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) noexcept {
  auto* clock = static_cast<VerifyClock*>(p);
  *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  uint32_t bad = 0;
  if (clock->now > x509UnixTime(crt->valid_to)) bad |= MBEDTLS_X509_BADCERT_EXPIRED;
  if (clock->now < x509UnixTime(crt->valid_from)) bad |= MBEDTLS_X509_BADCERT_FUTURE;
  *flags |= bad;
  (depth == 0 ? clock->leaf : clock->ca) |= bad;
  return 0;
}

}  // namespace

std::string mbedtlsErrorText(int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return buf;
}

int64_t x509UnixTime(const mbedtls_x509_time& t) {
  struct tm tm {};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.mon - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.min;
  tm.tm_sec = t.sec;
  return static_cast<int64_t>(timegm(&tm));
}

std::string verifyFlagsText(uint32_t flags) {
  char buf[1024];
  int n = mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
  if (n <= 0) return "verification failed (flags " + std::to_string(flags) + ")";
  std::string text(buf, static_cast<size_t>(n));
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out += (out.empty() ? "" : "; ") + text.substr(start, end - start);
    start = end + 1;
  }
  return out;
}

Result<std::string> generateKey() {
  Pk key;
  int rc = mbedtls_pk_setup(&key.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.ctx), rng, rngState());
  if (rc != 0) return internalError("generating a P-256 key: " + mbedtlsErrorText(rc));
  std::array<unsigned char, 1024> buf{};
  rc = mbedtls_pk_write_key_pem(&key.ctx, buf.data(), buf.size());
  std::string pem = rc == 0 ? std::string(reinterpret_cast<const char*>(buf.data())) : std::string();
  mbedtls_platform_zeroize(buf.data(), buf.size());
  if (rc != 0) return internalError("writing the private key as PEM: " + mbedtlsErrorText(rc));
  return pem;
}

Result<std::string> publicKeyOf(const std::string& privateKeyPem) {
  Pk key;
  EDGE_RETURN_IF_ERROR(parsePrivateKey(privateKeyPem, &key.ctx, "the private key"));
  return publicKeyPemOf(&key.ctx);
}

Result<std::string> createCsr(const std::string& privateKeyPem, const std::string& commonName) {
  Pk key;
  EDGE_RETURN_IF_ERROR(parsePrivateKey(privateKeyPem, &key.ctx, "the private key"));
  if (commonName.empty()) return invalidArgument("CSR common name is empty");
  EDGE_ASSIGN_OR_RETURN(std::string cn, nameValue(commonName, "CSR common name"));
  CsrWriter w;
  mbedtls_x509write_csr_set_md_alg(&w.ctx, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&w.ctx, &key.ctx);
  std::string subject = "CN=" + cn;
  if (int rc = mbedtls_x509write_csr_set_subject_name(&w.ctx, subject.c_str()); rc != 0)
    return invalidArgument("CSR subject \"" + subject + "\": " + mbedtlsErrorText(rc));
  std::array<unsigned char, 4096> buf{};
  if (int rc = mbedtls_x509write_csr_pem(&w.ctx, buf.data(), buf.size(), rng, rngState()); rc != 0)
    return internalError("signing the CSR: " + mbedtlsErrorText(rc));
  return std::string(reinterpret_cast<const char*>(buf.data()));
}

Result<CsrInfo> verifyCsr(const std::string& csrPem) {
  Csr csr;
  return parseAndVerifyCsr(csrPem, &csr.ctx);
}

Result<std::string> selfSignedCa(const std::string& caKeyPem, const CertSpec& spec) {
  Pk key;
  EDGE_RETURN_IF_ERROR(parsePrivateKey(caKeyPem, &key.ctx, "the CA key"));
  return writeCertificate(nullptr, &key.ctx, &key.ctx, spec, true);
}

Result<std::string> issueCertificate(const std::string& caCertPem, const std::string& caKeyPem,
                                     const std::string& csrPem, const CertSpec& spec) {
  EDGE_ASSIGN_OR_RETURN(CsrInfo csr, verifyCsr(csrPem));
  return issueForKey(caCertPem, caKeyPem, csr.publicKeyPem, spec);
}

Result<std::string> issueForKey(const std::string& caCertPem, const std::string& caKeyPem,
                                const std::string& publicKeyPem, const CertSpec& spec) {
  Crt ca;
  EDGE_RETURN_IF_ERROR(parseFirstCertificate(caCertPem, &ca.ctx, "the CA certificate"));
  Pk caKey;
  EDGE_RETURN_IF_ERROR(parsePrivateKey(caKeyPem, &caKey.ctx, "the CA key"));
  // A key that does not belong to the CA certificate would sign certificates nobody can verify.
  if (mbedtls_pk_check_pair(&ca.ctx.pk, &caKey.ctx) != 0)
    return invalidArgument("the CA key does not belong to the CA certificate");
  if (!ca.ctx.ca_istrue) return invalidArgument("the CA certificate is not a CA (basicConstraints CA:FALSE)");
  Pk subjectKey;
  EDGE_RETURN_IF_ERROR(parsePublicKey(publicKeyPem, &subjectKey.ctx, "the subject public key"));
  return writeCertificate(&ca.ctx, &caKey.ctx, &subjectKey.ctx, spec, spec.isCa);
}

Result<CertInfo> certificateInfo(const std::string& pemOrDer) {
  Crt crt;
  EDGE_RETURN_IF_ERROR(parseFirstCertificate(pemOrDer, &crt.ctx, "the certificate"));
  const mbedtls_x509_crt& c = crt.ctx;
  CertInfo info;
  info.commonName = commonNameOf(&c.subject);
  info.organizationalUnit =
      nameAttribute(&c.subject, MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT));
  info.issuerCommonName = commonNameOf(&c.issuer);
  info.serialHex = toHex(c.serial.p, c.serial.len);
  info.notBefore = x509UnixTime(c.valid_from);
  info.notAfter = x509UnixTime(c.valid_to);
  info.isCa = c.ca_istrue != 0;
  info.fingerprint = sha256Hex(std::string(reinterpret_cast<const char*>(c.raw.p), c.raw.len));
  // Base64 grows 4/3 plus a newline per 64 characters; 2x and the armour is plenty.
  std::string pem(c.raw.len * 2 + 128, '\0');
  size_t len = 0;
  int rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", c.raw.p, c.raw.len,
                                    reinterpret_cast<unsigned char*>(pem.data()), pem.size(), &len);
  if (rc != 0) return internalError("writing the certificate as PEM: " + mbedtlsErrorText(rc));
  pem.resize(len > 0 && pem[len - 1] == '\0' ? len - 1 : len);  // len counts the NUL it writes
  info.pem = std::move(pem);
  EDGE_ASSIGN_OR_RETURN(info.publicKeyPem, publicKeyPemOf(const_cast<mbedtls_pk_context*>(&c.pk)));
  // mbedTLS 2.28 keeps only the dNSName entries of subjectAltName here.
  for (const mbedtls_x509_sequence* s = &c.subject_alt_names; s != nullptr && s->buf.p != nullptr; s = s->next)
    info.dnsNames.emplace_back(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
  info.serverAuth = (c.ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) != 0 &&
                    mbedtls_x509_crt_check_extended_key_usage(&c, MBEDTLS_OID_SERVER_AUTH,
                                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) == 0;
  return info;
}

Status verifyCertificate(const std::string& certPem, const std::string& caCertPem, int64_t now) {
  Crt crt;
  EDGE_RETURN_IF_ERROR(parseFirstCertificate(certPem, &crt.ctx, "the certificate"));
  Crt ca;
  EDGE_RETURN_IF_ERROR(parseCertificates(caCertPem, &ca.ctx, "the CA certificate"));
  VerifyClock clock;
  clock.now = now;
  uint32_t flags = 0;
  int rc = mbedtls_x509_crt_verify(&crt.ctx, &ca.ctx, nullptr, nullptr, &flags, checkValidityAt, &clock);
  if (rc == 0) return Status::ok();
  if (rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return permissionDenied("certificate verification failed: " + mbedtlsErrorText(rc));
  const std::string who = "certificate \"" + commonNameOf(&crt.ctx.subject) + "\"";
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return permissionDenied(who + " is not issued by this CA");
  if (clock.leaf & MBEDTLS_X509_BADCERT_EXPIRED)
    return permissionDenied(who + " expired at " + isoTime(x509UnixTime(crt.ctx.valid_to)));
  if (clock.leaf & MBEDTLS_X509_BADCERT_FUTURE)
    return permissionDenied(who + " is not yet valid (valid from " + isoTime(x509UnixTime(crt.ctx.valid_from)) + ")");
  if (clock.ca & MBEDTLS_X509_BADCERT_EXPIRED) return permissionDenied("the CA certificate has expired");
  if (clock.ca & MBEDTLS_X509_BADCERT_FUTURE) return permissionDenied("the CA certificate is not yet valid");
  return permissionDenied(who + ": " + verifyFlagsText(flags));
}

std::string sha256Hex(const std::string& data) {
  std::array<unsigned char, 32> h{};
  mbedtls_sha256_ret(bytes(data), data.size(), h.data(), 0);
  return toHex(h.data(), h.size());
}

Sha256Stream::Sha256Stream() {
  mbedtls_sha256_init(&ctx_);
  mbedtls_sha256_starts_ret(&ctx_, 0);
}

Sha256Stream::~Sha256Stream() { mbedtls_sha256_free(&ctx_); }

void Sha256Stream::update(const char* data, size_t size) {
  mbedtls_sha256_update_ret(&ctx_, reinterpret_cast<const unsigned char*>(data), size);
}

std::string Sha256Stream::finishHex() {
  std::array<unsigned char, 32> h{};
  mbedtls_sha256_finish_ret(&ctx_, h.data());
  mbedtls_sha256_starts_ret(&ctx_, 0);
  return toHex(h.data(), h.size());
}

Result<std::string> signBytes(const std::string& data, const std::string& privateKeyPem, const std::string& keyName) {
  Pk key;
  std::string pem = privateKeyPem;  // mbedTLS wants the terminating NUL counted
  if (mbedtls_pk_parse_key(&key.ctx, bytes(pem), pem.size() + 1, nullptr, 0) != 0 || !isP256Key(key.ctx))
    return invalidArgument(keyName + " is not a PEM ECDSA P-256 private key");
  std::array<unsigned char, 32> hash{};
  mbedtls_sha256_ret(bytes(data), data.size(), hash.data(), 0);
  std::string sig(MBEDTLS_PK_SIGNATURE_MAX_SIZE, '\0');
  size_t sigLen = 0;
  if (mbedtls_pk_sign(&key.ctx, MBEDTLS_MD_SHA256, hash.data(), hash.size(), reinterpret_cast<unsigned char*>(sig.data()),
                      &sigLen, rng, rngState()) != 0)
    return internalError("signing with " + keyName + " failed");
  sig.resize(sigLen);
  return sig;
}

Status verifyBytes(const std::string& data, const std::string& signature, const std::string& publicKeyPem,
                   const std::string& keyName) {
  Pk key;
  std::string pem = publicKeyPem;
  if (mbedtls_pk_parse_public_key(&key.ctx, bytes(pem), pem.size() + 1) != 0)
    return invalidArgument(keyName + " is not a PEM public key");
  if (!isP256Key(key.ctx)) return invalidArgument(keyName + " is not an ECDSA P-256 key");
  std::array<unsigned char, 32> hash{};
  mbedtls_sha256_ret(bytes(data), data.size(), hash.data(), 0);
  if (mbedtls_pk_verify(&key.ctx, MBEDTLS_MD_SHA256, hash.data(), hash.size(), bytes(signature), signature.size()) != 0)
    return permissionDenied("the signature does not verify with " + keyName);
  return Status::ok();
}

std::string hmacSha256Hex(const std::string& key, const std::string& data) {
  std::array<unsigned char, 32> h{};
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), bytes(key), key.size(), bytes(data), data.size(),
                  h.data());
  return toHex(h.data(), h.size());
}

std::string randomHex(size_t n) {
  std::string raw(n, '\0');
  if (n == 0) return "";
  int rc = rng(rngState(), reinterpret_cast<unsigned char*>(raw.data()), n);
  // Handing out predictable tokens would be worse than failing loudly; the kernel's getrandom()
  // does not fail on a running system, so this is not a data-path error.
  if (rc != 0) throw std::runtime_error("no random bytes from the CTR-DRBG: " + mbedtlsErrorText(rc));
  std::string hex = toHex(reinterpret_cast<const unsigned char*>(raw.data()), n);
  std::fill(raw.begin(), raw.end(), '\0');
  return hex;
}

std::string base64Encode(const std::string& in, bool url) {
  size_t len = 0;
  mbedtls_base64_encode(nullptr, 0, &len, reinterpret_cast<const unsigned char*>(in.data()), in.size());
  std::string out(len, '\0');
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len,
                        reinterpret_cast<const unsigned char*>(in.data()), in.size());
  out.resize(len);
  if (url) {
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=') out.pop_back();
  }
  return out;
}

Result<std::string> base64Decode(const std::string& text, const std::string& what, bool url) {
  std::string in = text;
  if (url) {
    for (char& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (in.size() % 4 != 0) in.push_back('=');
  }
  size_t len = 0;
  mbedtls_base64_decode(nullptr, 0, &len, reinterpret_cast<const unsigned char*>(in.data()), in.size());
  std::string out(len, '\0');
  if (mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len,
                            reinterpret_cast<const unsigned char*>(in.data()), in.size()) != 0)
    return invalidArgument(what + " is not valid base64");
  out.resize(len);
  return out;
}

// P-256 by curve, not by size: brainpoolP256r1 and secp256k1 are 256 bits too.
bool isP256Key(const mbedtls_pk_context& pk) {
  mbedtls_pk_type_t type = mbedtls_pk_get_type(&pk);
  if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_ECDSA) return false;
  return mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

}  // namespace core::pki
