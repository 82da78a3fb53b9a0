// RadSec (RFC 6614): the stream framing by the RADIUS Length field and which NAS client a
// certificate names. The TLS listener itself is tested end to end with radsecproxy
// (tests/integration/radsec_test.py).
#include <cstdint>
#include <string>
#include <vector>

#include "aaa/policy/snapshot.h"
#include "aaa/radius/radsec_framing.h"
#include "aaa/radius/radsec_identity.h"
#include "catalog/nas.h"

#include <CppUTest/TestHarness.h>

using aaa::radius::FrameStatus;
using aaa::radius::StreamFramer;

namespace {

std::vector<uint8_t> packet(uint8_t code, uint8_t id, size_t length) {
  std::vector<uint8_t> p(length, 0);
  p[0] = code;
  p[1] = id;
  p[2] = static_cast<uint8_t>(length >> 8);
  p[3] = static_cast<uint8_t>(length & 0xff);
  for (size_t i = 4; i < length; ++i) p[i] = static_cast<uint8_t>(i * 7 + id);
  return p;
}

}  // namespace

TEST_GROUP(RadsecFraming){};

TEST(RadsecFraming, PacketsSplitAndJoinedAnyWayComeOutWhole) {
  std::vector<uint8_t> stream;
  std::vector<std::vector<uint8_t>> sent = {packet(1, 1, 20), packet(4, 2, 300), packet(12, 3, 4096), packet(1, 4, 38)};
  for (const auto& p : sent) stream.insert(stream.end(), p.begin(), p.end());
  // Every chunk size from one byte (a header arriving octet by octet) to more than one packet.
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{19}, size_t{20}, size_t{1000}, stream.size()}) {
    StreamFramer f;
    std::vector<std::vector<uint8_t>> got;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      f.append(stream.data() + off, std::min(chunk, stream.size() - off));
      const uint8_t* p = nullptr;
      size_t n = 0;
      FrameStatus s;
      while ((s = f.next(&p, &n)) == FrameStatus::kPacket) got.emplace_back(p, p + n);
      CHECK_TRUE(s == FrameStatus::kNeedMore);
    }
    CHECK_TRUE(got == sent);
    LONGS_EQUAL(0, f.pending());
  }
}

TEST(RadsecFraming, AHalfSentPacketWaitsAndIsHeld) {
  StreamFramer f;
  std::vector<uint8_t> p = packet(1, 9, 100);
  f.append(p.data(), 60);
  const uint8_t* out = nullptr;
  size_t n = 0;
  CHECK_TRUE(f.next(&out, &n) == FrameStatus::kNeedMore);
  LONGS_EQUAL(60, f.pending());
  f.append(p.data() + 60, 40);
  CHECK_TRUE(f.next(&out, &n) == FrameStatus::kPacket);
  LONGS_EQUAL(100, n);
}

TEST(RadsecFraming, ALengthOutside20To4096IsMalformedAndStaysSo) {
  for (size_t bad : {size_t{0}, size_t{19}, size_t{4097}, size_t{65535}}) {
    StreamFramer f;
    uint8_t header[4] = {1, 1, static_cast<uint8_t>(bad >> 8), static_cast<uint8_t>(bad & 0xff)};
    f.append(header, sizeof header);
    const uint8_t* out = nullptr;
    size_t n = 0;
    CHECK_TRUE(f.next(&out, &n) == FrameStatus::kMalformed);
    std::vector<uint8_t> good = packet(1, 2, 20);
    f.append(good.data(), good.size());  // nothing after a bad Length can be trusted to be a packet
    CHECK_TRUE(f.next(&out, &n) == FrameStatus::kMalformed);
  }
  // A good packet before the bad one still comes out first.
  StreamFramer f;
  std::vector<uint8_t> s = packet(1, 1, 20);
  uint8_t bad[4] = {1, 2, 0x10, 0x01};
  s.insert(s.end(), bad, bad + 4);
  f.append(s.data(), s.size());
  const uint8_t* out = nullptr;
  size_t n = 0;
  CHECK_TRUE(f.next(&out, &n) == FrameStatus::kPacket);
  CHECK_TRUE(f.next(&out, &n) == FrameStatus::kMalformed);
}

TEST_GROUP(RadsecIdentity){};

namespace {

const char kFingerprint[] = "3f2a9c1e0b7d4a6f8e5c2b1d0a9f8e7d6c5b4a39281706f5e4d3c2b1a0998877";

aaa::radius::PeerCertificate cert() {
  aaa::radius::PeerCertificate c;
  c.sha256Hex = kFingerprint;
  c.commonName = "ap-17.pop1.example.net";
  c.dnsNames = {"ap-17.example.net", "controller.pop1.example.net"};
  return c;
}

catalog::NasClient nas(const std::string& name, const std::string& identity, const std::string& address) {
  catalog::NasClient n;
  n.name = name;
  n.secret = "unused-over-radsec";
  n.prefix = *catalog::parsePrefix(address, nullptr);
  n.radsecIdentity = identity;
  return n;
}

}  // namespace

TEST(RadsecIdentity, AFingerprintMatchesOnlyThatCertificate) {
  CHECK_TRUE(aaa::radius::radsecIdentityMatches(std::string("sha256:") + kFingerprint, cert()));
  std::string other = std::string("sha256:") + kFingerprint;
  other.back() = '6';
  CHECK_FALSE(aaa::radius::radsecIdentityMatches(other, cert()));
}

TEST(RadsecIdentity, ANameMatchesTheCommonNameOrADnsSubjectAltNameWithoutCase) {
  CHECK_TRUE(aaa::radius::radsecIdentityMatches("ap-17.pop1.example.net", cert()));
  CHECK_TRUE(aaa::radius::radsecIdentityMatches("AP-17.Example.NET", cert()));
  CHECK_TRUE(aaa::radius::radsecIdentityMatches("controller.pop1.example.net", cert()));
  CHECK_FALSE(aaa::radius::radsecIdentityMatches("ap-17", cert()));
  CHECK_FALSE(aaa::radius::radsecIdentityMatches("*.example.net", cert()));  // no wildcards
  CHECK_FALSE(aaa::radius::radsecIdentityMatches("", cert()));
  aaa::radius::PeerCertificate noCn = cert();
  noCn.commonName.clear();
  CHECK_FALSE(aaa::radius::radsecIdentityMatches("", noCn));
}

TEST(RadsecIdentity, ExactlyOneNasClientMustNameTheCertificate) {
  aaa::policy::Snapshot snap;
  snap.nas = {nas("udp-only", "", "192.0.2.1"), nas("ap-17", "ap-17.example.net", "192.0.2.17"),
              nas("other", "sha256:" + std::string(64, 'a'), "192.0.2.18")};
  const aaa::policy::NasClient* found = nullptr;
  CHECK_TRUE(aaa::radius::findNasByCertificate(snap, cert(), &found) == aaa::radius::NasMatch::kFound);
  STRCMP_EQUAL("ap-17", found->name.c_str());

  aaa::radius::PeerCertificate stranger;
  stranger.sha256Hex = std::string(64, 'b');
  stranger.commonName = "stranger";
  CHECK_TRUE(aaa::radius::findNasByCertificate(snap, stranger, &found) == aaa::radius::NasMatch::kNone);

  snap.nas.push_back(nas("ap-17-again", std::string("sha256:") + kFingerprint, "192.0.2.19"));
  CHECK_TRUE(aaa::radius::findNasByCertificate(snap, cert(), &found) == aaa::radius::NasMatch::kAmbiguous);
}

TEST(RadsecIdentity, TheCatalogStoresFingerprintsInOneForm) {
  std::string colons;
  for (size_t i = 0; i < 64; i += 2) colons += (i ? ":" : "") + std::string(kFingerprint + i, 2);
  for (char& c : colons)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  core::Result<std::string> id = catalog::normalizeRadsecIdentity("sha256:" + colons);
  CHECK_TRUE(id.isOk());
  STRCMP_EQUAL((std::string("sha256:") + kFingerprint).c_str(), id->c_str());
  CHECK_FALSE(catalog::normalizeRadsecIdentity("sha256:abcd").isOk());
  CHECK_FALSE(catalog::normalizeRadsecIdentity("sha256:" + std::string(64, 'g')).isOk());
  CHECK_FALSE(catalog::normalizeRadsecIdentity("bad\nname").isOk());
  CHECK_FALSE(catalog::normalizeRadsecIdentity(std::string(254, 'a')).isOk());
  CHECK_TRUE(catalog::normalizeRadsecIdentity("ap-17.example.net").isOk());
}
