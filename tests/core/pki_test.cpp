// The small PKI (keys, CSRs with proof of possession, CA, issued certificates, verification at a
// given time) and the HTTPS client (URL parsing; errors against a closed port; a real TLS peer,
// `openssl s_server`, for trust, name and client-certificate failures).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/https_client.h"
#include "core/pki.h"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int64_t kT0 = 1700000000;  // 2023-11-14, before "now" on purpose: the caller's clock rules
constexpr int64_t kYear = 365 * 86400;

bool hasText(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Checks code and a part of the message, printing the whole status when either differs.
void expectStatus(const core::Status& s, core::Code code, const std::string& part) {
  std::string text = "got " + s.toString();
  CHECK_TEXT(s.code() == code && hasText(s.message(), part), text.c_str());
}

std::string pemToDer(const std::string& pem, const char* label) {
  std::string begin = std::string("-----BEGIN ") + label + "-----";
  std::string end = std::string("-----END ") + label + "-----";
  mbedtls_pem_context ctx;
  mbedtls_pem_init(&ctx);
  size_t used = 0;
  std::string der;
  if (mbedtls_pem_read_buffer(&ctx, begin.c_str(), end.c_str(), reinterpret_cast<const unsigned char*>(pem.c_str()),
                              nullptr, 0, &used) == 0)
    der.assign(reinterpret_cast<const char*>(ctx.buf), ctx.buflen);
  mbedtls_pem_free(&ctx);
  return der;
}

std::string derToPem(const std::string& der, const char* label) {
  std::string begin = std::string("-----BEGIN ") + label + "-----\n";
  std::string end = std::string("-----END ") + label + "-----\n";
  std::vector<unsigned char> buf(der.size() * 2 + 128);
  size_t len = 0;
  if (mbedtls_pem_write_buffer(begin.c_str(), end.c_str(), reinterpret_cast<const unsigned char*>(der.data()),
                               der.size(), buf.data(), buf.size(), &len) != 0)
    return "";
  return std::string(reinterpret_cast<const char*>(buf.data()));
}

// SubjectPublicKeyInfo DER of a PEM private key.
std::string publicKeyDer(const std::string& privateKeyPem) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  std::string out;
  if (mbedtls_pk_parse_key(&pk, reinterpret_cast<const unsigned char*>(privateKeyPem.c_str()),
                           privateKeyPem.size() + 1, nullptr, 0) == 0) {
    unsigned char buf[512];
    int n = mbedtls_pk_write_pubkey_der(&pk, buf, sizeof buf);  // written at the end of buf
    if (n > 0) out.assign(reinterpret_cast<const char*>(buf + sizeof buf - n), static_cast<size_t>(n));
  }
  mbedtls_pk_free(&pk);
  return out;
}

core::pki::CertSpec spec(const std::string& cn, const std::string& ou, int64_t notBefore, int64_t notAfter) {
  core::pki::CertSpec s;
  s.commonName = cn;
  s.organizationalUnit = ou;
  s.notBefore = notBefore;
  s.notAfter = notAfter;
  return s;
}

struct Ca {
  std::string key;
  std::string cert;
};

Ca makeCa(const std::string& cn, int64_t notBefore = kT0, int64_t notAfter = kT0 + 10 * kYear) {
  Ca ca;
  ca.key = *core::pki::generateKey();
  ca.cert = *core::pki::selfSignedCa(ca.key, spec(cn, "", notBefore, notAfter));
  return ca;
}

struct Leaf {
  std::string key;
  std::string cert;
};

Leaf issue(const Ca& ca, const std::string& cn, const std::string& ou, int64_t notBefore, int64_t notAfter) {
  Leaf leaf;
  leaf.key = *core::pki::generateKey();
  std::string csr = *core::pki::createCsr(leaf.key, cn);
  leaf.cert = *core::pki::issueCertificate(ca.cert, ca.key, csr, spec(cn, ou, notBefore, notAfter));
  return leaf;
}

}  // namespace

TEST_GROUP(Pki){};

TEST(Pki, KeyCsrAndProofOfPossessionRoundTrip) {
  core::Result<std::string> key = core::pki::generateKey();
  CHECK_TRUE(key.isOk());
  CHECK_TRUE(hasText(*key, "-----BEGIN EC PRIVATE KEY-----"));
  core::Result<std::string> pub = core::pki::publicKeyOf(*key);
  CHECK_TRUE(pub.isOk());
  CHECK_TRUE(hasText(*pub, "-----BEGIN PUBLIC KEY-----"));
  core::Result<std::string> csr = core::pki::createCsr(*key, "box-0001");
  CHECK_TRUE(csr.isOk());
  CHECK_TRUE(hasText(*csr, "-----BEGIN CERTIFICATE REQUEST-----"));
  core::Result<core::pki::CsrInfo> info = core::pki::verifyCsr(*csr);
  CHECK_TRUE(info.isOk());
  STRCMP_EQUAL("box-0001", info->commonName.c_str());
  STRCMP_EQUAL(pub->c_str(), info->publicKeyPem.c_str());
  // Two keys are never the same key.
  CHECK_FALSE(*core::pki::generateKey() == *key);
}

// The signing code licenses and firmware manifests share (signBytes/verifyBytes).
TEST(Pki, SignedBytesVerifyOnlyUnchangedAndWithTheSignersKey) {
  std::string key = *core::pki::generateKey();
  std::string pub = *core::pki::publicKeyOf(key);
  std::string data = "firmware manifest bytes";
  core::Result<std::string> sig = core::pki::signBytes(data, key, "the test key");
  CHECK_TRUE_TEXT(sig.isOk(), sig.status().message().c_str());
  CHECK_TRUE(core::pki::verifyBytes(data, *sig, pub, "the test key").isOk());
  // openssl's view: a DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) of at most 72 bytes.
  CHECK_EQUAL(0x30, static_cast<unsigned char>((*sig)[0]));
  CHECK(sig->size() <= 72);
  core::Status changed = core::pki::verifyBytes(data + " ", *sig, pub, "the test key");
  CHECK(changed.code() == core::Code::kPermissionDenied);
  STRCMP_EQUAL("the signature does not verify with the test key", changed.message().c_str());
  std::string other = *core::pki::publicKeyOf(*core::pki::generateKey());
  CHECK(core::pki::verifyBytes(data, *sig, other, "the test key").code() == core::Code::kPermissionDenied);
  core::Status notKey = core::pki::verifyBytes(data, *sig, key, "the test key");
  CHECK(notKey.code() == core::Code::kInvalidArgument);
  STRCMP_EQUAL("the test key is not a PEM public key", notKey.message().c_str());
  core::Result<std::string> noKey = core::pki::signBytes(data, pub, "the test key");
  CHECK(noKey.status().code() == core::Code::kInvalidArgument);
  STRCMP_EQUAL("the test key is not a PEM ECDSA P-256 private key", noKey.status().message().c_str());
}

TEST(Pki, Sha256StreamIsSha256OfTheConcatenation) {
  core::pki::Sha256Stream s;
  // FIPS 180-2 appendix B.1: SHA-256("abc").
  s.update("a", 1);
  s.update("bc", 2);
  STRCMP_EQUAL("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", s.finishHex().c_str());
  // finishHex starts over: the empty input next.
  STRCMP_EQUAL("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", s.finishHex().c_str());
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7777) s.update(big.data() + i, std::min<size_t>(7777, big.size() - i));
  STRCMP_EQUAL(core::pki::sha256Hex(big).c_str(), s.finishHex().c_str());
}

TEST(Pki, CsrWithAlteredSignatureIsRefused) {
  std::string key = *core::pki::generateKey();
  std::string der = pemToDer(*core::pki::createCsr(key, "box-0001"), "CERTIFICATE REQUEST");
  CHECK_FALSE(der.empty());
  // The DER ends with the signature BIT STRING, whose last byte is the last byte of ECDSA's s.
  der.back() = static_cast<char>(der.back() ^ 0x01);
  core::Result<core::pki::CsrInfo> info = core::pki::verifyCsr(derToPem(der, "CERTIFICATE REQUEST"));
  CHECK_FALSE(info.isOk());
  CHECK(info.status().code() == core::Code::kInvalidArgument);
  CHECK_TRUE(hasText(info.status().message(), "CSR signature does not match its public key"));
}

TEST(Pki, CsrWithSwappedPublicKeyIsRefused) {
  std::string key = *core::pki::generateKey();
  std::string other = *core::pki::generateKey();
  std::string der = pemToDer(*core::pki::createCsr(key, "box-0001"), "CERTIFICATE REQUEST");
  std::string mine = publicKeyDer(key);
  std::string theirs = publicKeyDer(other);
  LONGS_EQUAL(mine.size(), theirs.size());
  size_t at = der.find(mine);
  CHECK_TRUE(at != std::string::npos);
  der.replace(at, mine.size(), theirs);
  std::string pem = derToPem(der, "CERTIFICATE REQUEST");
  core::Result<core::pki::CsrInfo> info = core::pki::verifyCsr(pem);
  CHECK_FALSE(info.isOk());
  CHECK_TRUE(hasText(info.status().message(), "does not match its public key"));
  // And a CA never signs it.
  Ca ca = makeCa("Edge Test CA");
  core::Result<std::string> cert =
      core::pki::issueCertificate(ca.cert, ca.key, pem, spec("box-0001", "acme", kT0, kT0 + kYear));
  CHECK_FALSE(cert.isOk());
}

TEST(Pki, GarbageIsNotACsrOrKey) {
  core::Result<core::pki::CsrInfo> info = core::pki::verifyCsr("hello");
  CHECK_FALSE(info.isOk());
  CHECK(info.status().code() == core::Code::kInvalidArgument);
  CHECK_TRUE(hasText(info.status().message(), "not a certificate signing request"));
  CHECK_FALSE(core::pki::publicKeyOf("not a key").isOk());
  CHECK_FALSE(core::pki::createCsr("not a key", "x").isOk());
  CHECK_FALSE(core::pki::certificateInfo("not a certificate").isOk());
}

TEST(Pki, CaAndIssuedCertificateCarryTheSpec) {
  Ca ca = makeCa("Edge Test CA");
  core::Result<core::pki::CertInfo> caInfo = core::pki::certificateInfo(ca.cert);
  CHECK_TRUE(caInfo.isOk());
  STRCMP_EQUAL("Edge Test CA", caInfo->commonName.c_str());
  STRCMP_EQUAL("Edge Test CA", caInfo->issuerCommonName.c_str());
  STRCMP_EQUAL("", caInfo->organizationalUnit.c_str());
  CHECK_TRUE(caInfo->isCa);
  LONGS_EQUAL(32, caInfo->serialHex.size());  // 16 random bytes, positive without padding

  std::string key = *core::pki::generateKey();
  core::pki::CertSpec s = spec("box-0001", "tenant-42", kT0 + 60, kT0 + kYear);
  s.serialHex = "0A1B2C";
  core::Result<std::string> cert =
      core::pki::issueCertificate(ca.cert, ca.key, *core::pki::createCsr(key, "ignored-by-issuer"), s);
  CHECK_TRUE(cert.isOk());
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
  CHECK_TRUE(info.isOk());
  STRCMP_EQUAL("box-0001", info->commonName.c_str());  // from the spec, not the CSR
  STRCMP_EQUAL("tenant-42", info->organizationalUnit.c_str());
  STRCMP_EQUAL("Edge Test CA", info->issuerCommonName.c_str());
  STRCMP_EQUAL("0a1b2c", info->serialHex.c_str());
  CHECK_EQUAL(kT0 + 60, info->notBefore);
  CHECK_EQUAL(kT0 + kYear, info->notAfter);
  CHECK_FALSE(info->isCa);
  STRCMP_EQUAL(cert->c_str(), info->pem.c_str());
}

// A TLS server's certificate (the box's EAP server certificate): subjectAltName dNSName and
// extendedKeyUsage serverAuth, which mbedTLS 2.28 cannot write itself. Read back three ways: our
// certificateInfo, mbedTLS's verification with the expected server name (what a TLS client checks)
// and openssl's text.
TEST(Pki, ServerCertificateCarriesItsDnsNamesAndServerAuth) {
  Ca ca = makeCa("Edge Test CA");
  std::string key = *core::pki::generateKey();
  core::pki::CertSpec s = spec("radius.pop1.example.net", "tenant-42", kT0, kT0 + kYear);
  s.dnsNames = {"radius.pop1.example.net", "eap.example.net"};
  s.serverAuth = true;
  core::Result<std::string> cert = core::pki::issueCertificate(ca.cert, ca.key, *core::pki::createCsr(key, "x"), s);
  CHECK_TRUE_TEXT(cert.isOk(), cert.status().message().c_str());
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(*cert);
  CHECK_TRUE(info.isOk());
  LONGS_EQUAL(2, info->dnsNames.size());
  STRCMP_EQUAL("radius.pop1.example.net", info->dnsNames[0].c_str());
  STRCMP_EQUAL("eap.example.net", info->dnsNames[1].c_str());
  CHECK_TRUE(info->serverAuth);
  CHECK_TRUE(core::pki::verifyCertificate(*cert, ca.cert, kT0 + 1000).isOk());

  // mbedTLS matches a server name against the subjectAltName (its CN is ignored once there is one).
  mbedtls_x509_crt leaf, root;
  mbedtls_x509_crt_init(&leaf);
  mbedtls_x509_crt_init(&root);
  CHECK_EQUAL(0, mbedtls_x509_crt_parse(&leaf, reinterpret_cast<const unsigned char*>(cert->c_str()), cert->size() + 1));
  CHECK_EQUAL(0, mbedtls_x509_crt_parse(&root, reinterpret_cast<const unsigned char*>(ca.cert.c_str()), ca.cert.size() + 1));
  for (const char* name : {"eap.example.net", "radius.pop1.example.net", "other.example.net"}) {
    uint32_t flags = 0;
    mbedtls_x509_crt_verify(&leaf, &root, nullptr, name, &flags, nullptr, nullptr);
    bool expected = std::string(name) != "other.example.net";
    CHECK_EQUAL_TEXT(expected, (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) == 0, name);
  }
  mbedtls_x509_crt_free(&leaf);
  mbedtls_x509_crt_free(&root);

  char tmpl[] = "/tmp/pki-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/server.pem") << *cert;
  std::string cmd = "openssl x509 -noout -ext subjectAltName,extendedKeyUsage,basicConstraints -in " + dir + "/server.pem";
  std::string text;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    CHECK_EQUAL(0, pclose(f));
  }
  unlink((dir + "/server.pem").c_str());
  rmdir(dir.c_str());
  CHECK_TEXT(hasText(text, "DNS:radius.pop1.example.net, DNS:eap.example.net"), text.c_str());
  CHECK_TEXT(hasText(text, "TLS Web Server Authentication"), text.c_str());
  CHECK_TEXT(hasText(text, "CA:FALSE"), text.c_str());

  // Without them (the device certificate): no names, no serverAuth.
  Leaf plain = issue(ca, "box-0001", "acme", kT0, kT0 + kYear);
  info = core::pki::certificateInfo(plain.cert);
  CHECK_TRUE(info->dnsNames.empty());
  CHECK_FALSE(info->serverAuth);
}

TEST(Pki, ServerNamesAreCheckedBeforeAnythingIsSigned) {
  Ca ca = makeCa("Edge Test CA");
  std::string pub = *core::pki::publicKeyOf(*core::pki::generateKey());
  for (const char* bad : {"", "-radius.example.net", "radius-.example.net", "radius..example.net", "radius.example.net.",
                          "radius example.net", "radius\\x00.net", "*.example.net"}) {
    core::pki::CertSpec s = spec("radius", "", kT0, kT0 + kYear);
    s.dnsNames = {bad};
    core::Result<std::string> r = core::pki::issueForKey(ca.cert, ca.key, pub, s);
    CHECK_TEXT(!r.isOk() && r.status().code() == core::Code::kInvalidArgument, bad);
    CHECK_TEXT(hasText(r.status().message(), "DNS name"), r.status().message().c_str());
  }
  core::pki::CertSpec s = spec("radius", "", kT0, kT0 + kYear);
  s.dnsNames = {std::string(63, 'a') + ".example.net"};
  CHECK_TRUE(core::pki::issueForKey(ca.cert, ca.key, pub, s).isOk());
  s.dnsNames = {std::string(64, 'a') + ".example.net"};
  CHECK_FALSE(core::pki::issueForKey(ca.cert, ca.key, pub, s).isOk());
  s.dnsNames = std::vector<std::string>(9, "radius.example.net");
  expectStatus(core::pki::issueForKey(ca.cert, ca.key, pub, s).status(), core::Code::kInvalidArgument, "at most 8");
  // A CA never gets them.
  core::pki::CertSpec caSpec = spec("Edge CA", "", kT0, kT0 + kYear);
  caSpec.serverAuth = true;
  expectStatus(core::pki::selfSignedCa(*core::pki::generateKey(), caSpec).status(), core::Code::kInvalidArgument,
               "no server names");
}

TEST(Pki, ValidityBeyond2049UsesGeneralizedTime) {
  int64_t from = 2524608000;  // 2050-01-01
  Ca ca = makeCa("Edge Test CA", kT0, from + 2 * kYear);
  Leaf leaf = issue(ca, "box-0001", "", from, from + kYear);
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(leaf.cert);
  CHECK_TRUE(info.isOk());
  CHECK_EQUAL(from, info->notBefore);
  CHECK_EQUAL(from + kYear, info->notAfter);
  CHECK_TRUE(core::pki::verifyCertificate(leaf.cert, ca.cert, from + 10).isOk());
}

TEST(Pki, VerificationUsesTheGivenTime) {
  Ca ca = makeCa("Edge Test CA");
  Leaf leaf = issue(ca, "box-0001", "acme", kT0 + 100, kT0 + kYear);
  // Inside the validity (which the system clock already sees as past).
  core::Status ok = core::pki::verifyCertificate(leaf.cert, ca.cert, kT0 + 1000);
  CHECK_TRUE(ok.isOk());
  CHECK_TRUE(core::pki::verifyCertificate(leaf.cert, ca.cert, kT0 + 100).isOk());
  CHECK_TRUE(core::pki::verifyCertificate(leaf.cert, ca.cert, kT0 + kYear).isOk());

  core::Status expired = core::pki::verifyCertificate(leaf.cert, ca.cert, kT0 + kYear + 1);
  CHECK_FALSE(expired.isOk());
  CHECK(expired.code() == core::Code::kPermissionDenied);
  CHECK_TRUE(hasText(expired.message(), "expired"));

  core::Status early = core::pki::verifyCertificate(leaf.cert, ca.cert, kT0 + 99);
  CHECK_FALSE(early.isOk());
  CHECK(early.code() == core::Code::kPermissionDenied);
  CHECK_TRUE(hasText(early.message(), "not yet valid"));

  // A certificate for the far future is judged at the given time as well.
  Ca longCa = makeCa("Long CA", kT0, 4102444800);  // until 2100
  Leaf future = issue(longCa, "box-0002", "", 4000000000, 4100000000);
  CHECK_TRUE(core::pki::verifyCertificate(future.cert, longCa.cert, 4050000000).isOk());
  CHECK_FALSE(core::pki::verifyCertificate(future.cert, longCa.cert, kT0 + 1000).isOk());
}

TEST(Pki, AnotherCaIsRefused) {
  Ca ca = makeCa("Edge Test CA");
  Ca other = makeCa("Edge Test CA");  // same name, different key
  Leaf leaf = issue(ca, "box-0001", "acme", kT0, kT0 + kYear);
  core::Status s = core::pki::verifyCertificate(leaf.cert, other.cert, kT0 + 1000);
  CHECK_FALSE(s.isOk());
  CHECK(s.code() == core::Code::kPermissionDenied);
  CHECK_TRUE(hasText(s.message(), "not issued by this CA"));
  // A leaf cannot act as a CA: its key does not issue.
  core::Result<std::string> bad = core::pki::issueForKey(leaf.cert, leaf.key, *core::pki::publicKeyOf(leaf.key),
                                                         spec("x", "", kT0, kT0 + kYear));
  CHECK_FALSE(bad.isOk());
}

TEST(Pki, CaKeyMustMatchTheCaCertificate) {
  Ca ca = makeCa("Edge Test CA");
  Ca other = makeCa("Other CA");
  std::string pub = *core::pki::publicKeyOf(*core::pki::generateKey());
  core::Result<std::string> cert = core::pki::issueForKey(ca.cert, other.key, pub, spec("mgmt", "", kT0, kT0 + kYear));
  CHECK_FALSE(cert.isOk());
  CHECK_TRUE(hasText(cert.status().message(), "does not belong"));
  core::Result<std::string> good = core::pki::issueForKey(ca.cert, ca.key, pub, spec("mgmt", "", kT0, kT0 + kYear));
  CHECK_TRUE(good.isOk());
  CHECK_TRUE(core::pki::verifyCertificate(*good, ca.cert, kT0 + 1).isOk());
}

TEST(Pki, FingerprintIsSha256OfTheDer) {
  Ca ca = makeCa("Edge Test CA");
  std::string der = pemToDer(ca.cert, "CERTIFICATE");
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(ca.cert);
  CHECK_TRUE(info.isOk());
  STRCMP_EQUAL(core::pki::sha256Hex(der).c_str(), info->fingerprint.c_str());
  LONGS_EQUAL(64, info->fingerprint.size());
  // The same certificate given as DER.
  core::Result<core::pki::CertInfo> fromDer = core::pki::certificateInfo(der);
  CHECK_TRUE(fromDer.isOk());
  STRCMP_EQUAL(info->fingerprint.c_str(), fromDer->fingerprint.c_str());
  STRCMP_EQUAL(ca.cert.c_str(), fromDer->pem.c_str());
  // A bundle: the first certificate counts.
  Ca other = makeCa("Other CA");
  core::Result<core::pki::CertInfo> first = core::pki::certificateInfo(ca.cert + other.cert);
  CHECK_TRUE(first.isOk());
  STRCMP_EQUAL("Edge Test CA", first->commonName.c_str());
  // Known vector: SHA-256("abc").
  STRCMP_EQUAL("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", core::pki::sha256Hex("abc").c_str());
}

TEST(Pki, NamesAreEscapedOrRefused) {
  Ca ca = makeCa("Edge Test CA");
  Leaf leaf = issue(ca, "box, with comma", "ou=x+y", kT0, kT0 + kYear);
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(leaf.cert);
  CHECK_TRUE(info.isOk());
  STRCMP_EQUAL("box, with comma", info->commonName.c_str());
  STRCMP_EQUAL("ou=x+y", info->organizationalUnit.c_str());
  std::string key = *core::pki::generateKey();
  CHECK_FALSE(core::pki::createCsr(key, "back\\slash").isOk());
  CHECK_FALSE(core::pki::createCsr(key, "line\nbreak").isOk());
  CHECK_FALSE(core::pki::createCsr(key, "").isOk());
  CHECK_FALSE(core::pki::selfSignedCa(key, spec(std::string(65, 'x'), "", kT0, kT0 + 1)).isOk());
  CHECK_FALSE(core::pki::selfSignedCa(key, spec("ca", "", kT0 + 1, kT0)).isOk());
}

TEST(Pki, SerialNumbers) {
  std::string key = *core::pki::generateKey();
  core::pki::CertSpec s = spec("ca", "", kT0, kT0 + kYear);
  s.serialHex = "not hex";
  CHECK_FALSE(core::pki::selfSignedCa(key, s).isOk());
  s.serialHex = "00";
  CHECK_FALSE(core::pki::selfSignedCa(key, s).isOk());
  s.serialHex = std::string(40, 'f');  // 20 bytes, but 21 in DER
  CHECK_FALSE(core::pki::selfSignedCa(key, s).isOk());
  s.serialHex = "7" + std::string(39, 'f');
  core::Result<std::string> cert = core::pki::selfSignedCa(key, s);
  CHECK_TRUE(cert.isOk());
  STRCMP_EQUAL(s.serialHex.c_str(), core::pki::certificateInfo(*cert)->serialHex.c_str());
  s.serialHex = "80";  // the DER needs a 0x00 to stay positive
  STRCMP_EQUAL("0080", core::pki::certificateInfo(*core::pki::selfSignedCa(key, s))->serialHex.c_str());
}

TEST(Pki, RandomHex) {
  std::string a = core::pki::randomHex(16);
  std::string b = core::pki::randomHex(16);
  LONGS_EQUAL(32, a.size());
  CHECK_TRUE(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK_FALSE(a == b);
  LONGS_EQUAL(0, core::pki::randomHex(0).size());
  LONGS_EQUAL(6000, core::pki::randomHex(3000).size());  // more than one DRBG request
}

TEST_GROUP(HttpsUrl){};

TEST(HttpsUrl, Accepted) {
  core::Result<core::HttpsEndpoint> a = core::parseHttpsUrl("https://mgmt.example.net:8443/api/v1");
  CHECK_TRUE(a.isOk());
  STRCMP_EQUAL("mgmt.example.net", a->host.c_str());
  LONGS_EQUAL(8443, a->port);
  core::Result<core::HttpsEndpoint> b = core::parseHttpsUrl("https://mgmt.example.net");
  CHECK_TRUE(b.isOk());
  STRCMP_EQUAL("mgmt.example.net", b->host.c_str());
  LONGS_EQUAL(443, b->port);
  core::Result<core::HttpsEndpoint> c = core::parseHttpsUrl("https://[2001:db8::1]:9443/");
  CHECK_TRUE(c.isOk());
  STRCMP_EQUAL("2001:db8::1", c->host.c_str());
  LONGS_EQUAL(9443, c->port);
  core::Result<core::HttpsEndpoint> d = core::parseHttpsUrl("HTTPS://[::1]");
  CHECK_TRUE(d.isOk());
  STRCMP_EQUAL("::1", d->host.c_str());
  LONGS_EQUAL(443, d->port);
  core::Result<core::HttpsEndpoint> e = core::parseHttpsUrl("https://10.0.0.1:443?x=1");
  CHECK_TRUE(e.isOk());
  STRCMP_EQUAL("10.0.0.1", e->host.c_str());
}

TEST(HttpsUrl, Refused) {
  const char* bad[] = {"http://mgmt.example.net", "mgmt.example.net", "", "https://", "https://:8443",
                       "https://host:0", "https://host:65536", "https://host:", "https://host:84x3",
                       "https://[::1", "https://[nothex]:1", "https://[::1]x", "https://user@host",
                       "https://ho st/", "https://ho\"st", "garbage"};
  for (const char* url : bad) {
    core::Result<core::HttpsEndpoint> r = core::parseHttpsUrl(url);
    if (r.isOk()) FAIL((std::string("accepted ") + url).c_str());
    CHECK(r.status().code() == core::Code::kInvalidArgument);
  }
}

namespace {

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<struct sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string makeTempDir() {
  char tmpl[] = "/tmp/edge-pki-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? std::string(d) : std::string();
}

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// `openssl s_server -www` on a free loopback port: it cannot report the port it bound, so a port is
// picked, and picked again if the server exits (someone took it meanwhile).
class SServer {
 public:
  bool start(const std::string& dir, const std::vector<std::string>& extra) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = freePort();
      std::vector<std::string> args = {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_),
                                       "-cert", dir + "/server.pem", "-key", dir + "/server.key", "-www", "-quiet"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      std::string log = dir + "/s_server.log";
      pid_ = fork();
      if (pid_ == 0) {
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp("openssl", argv.data());
        _exit(127);
      }
      for (int i = 0; i < 100; ++i) {
        if (accepts(port_)) return true;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      stop();
    }
    return false;
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  ~SServer() { stop(); }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

core::HttpsClientOptions clientFor(uint16_t port) {
  core::HttpsClientOptions o;
  o.endpoint.host = "127.0.0.1";
  o.endpoint.port = port;
  o.timeoutMs = 5000;
  return o;
}

}  // namespace

TEST_GROUP(HttpsClient) {
  std::string dir;
  Ca ca;
  Leaf server;
  void setup() override {
    dir = makeTempDir();
    ca = makeCa("Edge Test CA", kT0, kT0 + 100 * kYear);
    server = issue(ca, "mgmt.test", "", kT0, kT0 + 50 * kYear);
    writeFile(dir + "/server.pem", server.cert);
    writeFile(dir + "/server.key", server.key);
    writeFile(dir + "/ca.pem", ca.cert);
  }
  void teardown() override {
    std::string cmd = "rm -rf '" + dir + "'";
    int ignored = system(cmd.c_str());
    (void)ignored;
  }
};

TEST(HttpsClient, ClosedPortIsUnavailableAtOnce) {
  uint16_t port = freePort();
  // "At once" is the refusal itself (unavailable, ECONNREFUSED), not a timeout after retries.
  core::Result<core::HttpsResponse> r = core::httpsRequest(clientFor(port), "GET", "/");
  CHECK_FALSE(r.isOk());
  CHECK(r.status().code() == core::Code::kUnavailable);
  STRCMP_EQUAL(("cannot connect to mgmt 127.0.0.1:" + std::to_string(port) + ": Connection refused").c_str(),
               r.status().message().c_str());
}

TEST(HttpsClient, SilentServerTimesOut) {
  // A listener that never accepts: the TCP connect succeeds, the TLS handshake gets no answer.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a);
  listen(fd, 4);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<struct sockaddr*>(&a), &len);
  core::HttpsClientOptions o = clientFor(ntohs(a.sin_port));
  o.timeoutMs = 200;
  // The request ends with a timeout of its own (it never hangs: CTest's timeout would say so).
  core::Result<core::HttpsResponse> r = core::httpsRequest(o, "GET", "/");
  close(fd);
  expectStatus(r.status(), core::Code::kTimeout, "127.0.0.1");
}

TEST(HttpsClient, BadRequestsAreRefusedBeforeConnecting) {
  core::HttpsClientOptions o = clientFor(freePort());
  CHECK(core::httpsRequest(o, "GET", "no-slash").status().code() == core::Code::kInvalidArgument);
  CHECK(core::httpsRequest(o, "GET", "/a b").status().code() == core::Code::kInvalidArgument);
  CHECK(core::httpsRequest(o, "G ET", "/").status().code() == core::Code::kInvalidArgument);
  CHECK(core::httpsRequest(o, "GET", "/", "", "", {{"X-A", "1\r\nX-B: 2"}}).status().code() ==
        core::Code::kInvalidArgument);
  CHECK(core::httpsRequest(o, "GET", "/", "", "", {{"Content-Length", "5"}}).status().code() ==
        core::Code::kInvalidArgument);
}

TEST(HttpsClient, AgainstOpensslServer) {
  SServer s;
  CHECK_TRUE(s.start(dir, {}));
  // Unauthenticated (enrollment fetches the CA this way and compares its fingerprint).
  core::Result<core::HttpsResponse> open = core::httpsRequest(clientFor(s.port()), "GET", "/");
  if (!open.isOk()) FAIL(open.status().toString().c_str());
  LONGS_EQUAL(200, open->status);
  CHECK_TRUE(open->headers.count("content-type") == 1);
  CHECK_TRUE(hasText(open->body, "s_server"));

  // Pinned CA and the right name.
  core::HttpsClientOptions pinned = clientFor(s.port());
  pinned.caCertPem = ca.cert;
  pinned.serverName = "mgmt.test";
  core::Result<core::HttpsResponse> ok = core::httpsRequest(pinned, "GET", "/x");  // s_server -www answers GET only
  if (!ok.isOk()) FAIL(ok.status().toString().c_str());
  LONGS_EQUAL(200, ok->status);

  // The wrong name.
  core::HttpsClientOptions wrongName = pinned;
  wrongName.serverName = "other.test";
  core::Result<core::HttpsResponse> r1 = core::httpsRequest(wrongName, "GET", "/");
  expectStatus(r1.status(), core::Code::kPermissionDenied, "is not for \"other.test\"");

  // Another CA pinned.
  core::HttpsClientOptions wrongCa = pinned;
  wrongCa.caCertPem = makeCa("Edge Test CA").cert;
  core::Result<core::HttpsResponse> r2 = core::httpsRequest(wrongCa, "GET", "/");
  expectStatus(r2.status(), core::Code::kPermissionDenied, "server certificate not issued by the pinned CA");
  CHECK_TRUE(hasText(r2.status().message(), "127.0.0.1:" + std::to_string(s.port())));
}

TEST(HttpsClient, ClientCertificates) {
  SServer s;
  CHECK_TRUE(s.start(dir, {"-Verify", "1", "-verify_return_error", "-CAfile", dir + "/ca.pem"}));
  core::HttpsClientOptions o = clientFor(s.port());
  o.caCertPem = ca.cert;
  o.serverName = "mgmt.test";

  core::Result<core::HttpsResponse> none = core::httpsRequest(o, "GET", "/");
  expectStatus(none.status(), core::Code::kPermissionDenied, "requires a client certificate");

  Ca other = makeCa("Other CA", kT0, kT0 + 100 * kYear);
  Leaf stranger = issue(other, "box-0001", "acme", kT0, kT0 + 50 * kYear);
  o.clientCertPem = stranger.cert;
  o.clientKeyPem = stranger.key;
  core::Result<core::HttpsResponse> refused = core::httpsRequest(o, "GET", "/");
  expectStatus(refused.status(), core::Code::kPermissionDenied, "refused our client certificate");

  Leaf box = issue(ca, "box-0001", "acme", kT0, kT0 + 50 * kYear);
  o.clientCertPem = box.cert;
  o.clientKeyPem = box.key;
  core::Result<core::HttpsResponse> ok = core::httpsRequest(o, "GET", "/");
  if (!ok.isOk()) FAIL(ok.status().toString().c_str());
  LONGS_EQUAL(200, ok->status);

  o.clientKeyPem = stranger.key;
  core::Result<core::HttpsResponse> mismatch = core::httpsRequest(o, "GET", "/");
  expectStatus(mismatch.status(), core::Code::kInvalidArgument, "does not belong");
}

// tlsProbe (the technician's TLS check of mgmt): the handshake's facts, and whether the chain verifies,
// reported instead of failing; a closed port fails like httpsRequest.
TEST(HttpsClient, TlsProbeReportsTheChainAndTheVerification) {
  SServer s;
  CHECK_TRUE(s.start(dir, {}));
  core::HttpsClientOptions pinned = clientFor(s.port());
  pinned.caCertPem = ca.cert;
  pinned.serverName = "mgmt.test";
  core::Result<core::TlsProbe> ok = core::tlsProbe(pinned);
  if (!ok.isOk()) FAIL(ok.status().toString().c_str());
  CHECK_TRUE(ok->verified);
  STRCMP_EQUAL("TLSv1.2", ok->version.c_str());
  CHECK_FALSE(ok->cipherSuite.empty());
  CHECK_TRUE(ok->handshakeMs >= ok->connectMs);
  CHECK_TRUE(!ok->chainDer.empty());
  core::Result<core::pki::CertInfo> leaf = core::pki::certificateInfo(ok->chainDer[0]);
  CHECK_TRUE(leaf.isOk());
  STRCMP_EQUAL("mgmt.test", leaf->commonName.c_str());
  STRCMP_EQUAL(core::pki::certificateInfo(server.cert)->fingerprint.c_str(), leaf->fingerprint.c_str());

  core::HttpsClientOptions wrongCa = pinned;
  wrongCa.caCertPem = makeCa("Edge Test CA").cert;
  core::Result<core::TlsProbe> other = core::tlsProbe(wrongCa);
  if (!other.isOk()) FAIL(other.status().toString().c_str());
  CHECK_FALSE(other->verified);
  CHECK_TRUE(hasText(other->verification, "server certificate not issued by the pinned CA"));
  CHECK_FALSE(other->chainDer.empty());

  core::HttpsClientOptions wrongName = pinned;
  wrongName.serverName = "other.test";
  core::Result<core::TlsProbe> name = core::tlsProbe(wrongName);
  CHECK_TRUE(name.isOk());
  CHECK_FALSE(name->verified);
  CHECK_TRUE(hasText(name->verification, "is not for \"other.test\""));

  core::HttpsClientOptions open = clientFor(s.port());
  core::Result<core::TlsProbe> unchecked = core::tlsProbe(open);
  CHECK_TRUE(unchecked.isOk());
  CHECK_FALSE(unchecked->verified);
  CHECK_TRUE(hasText(unchecked->verification, "not checked"));

  core::Result<core::TlsProbe> closed = core::tlsProbe(clientFor(freePort()));
  CHECK(closed.status().code() == core::Code::kUnavailable);
}
