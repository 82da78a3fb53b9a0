// The shadow check's RADIUS client (import/radius_client.h) against the repository's codec
// (aaa/radius/packet.h, libfreeradius): what the client sends decodes there (User-Password hidden
// with the secret, CHAP response, a valid Message-Authenticator, the NAS and MAC attributes), and
// the answers the codec signs are read here with what the check compares (MikroTik and WISPr rates,
// timers, address). Answers that must not be believed are refused, each with its reason: another
// secret, a Message-Authenticator that does not verify, another identifier or code, bad lengths.
// The exchange with real servers is tests/integration/import_verify_test.py.
#include <mbedtls/md5.h>

#include <cstring>
#include <string>
#include <vector>

#include "aaa/auth/chap.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "import/radius_client.h"
#include "tests/support/radius_dictionary.h"

#include <CppUTest/TestHarness.h>

namespace {

using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;

const std::string kSecret = "shadow-secret";

// Debian's FreeRADIUS dictionaries, loaded before main() (tests/support/radius_dictionary.h).
const aaa::radius::Dictionary& dict() { return aaa::radius::testing::dictionary(); }

aaa::radius::AttrRef ref(const char* name) {
  auto r = dict().find(name);
  CHECK_TRUE_TEXT(r.isOk(), name);
  return *r;
}

std::array<uint8_t, 16> bytes16(uint8_t start) {
  std::array<uint8_t, 16> a{};
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(start + i);
  return a;
}

importer::AccessRequestWire request(const std::string& method, const std::string& mac = "") {
  importer::VerifyRequest q{"alice", "s3cret-pass", method, mac, "192.0.2.7"};
  auto w = importer::encodeAccessRequest(q, kSecret, 42, bytes16(1), bytes16(100), 7);
  CHECK_TRUE_TEXT(w.isOk(), w.isOk() ? "" : w.status().message().c_str());
  return *w;
}

// An answer to `req` signed by the codec: Message-Authenticator first when `ma`.
std::vector<uint8_t> answer(const importer::AccessRequestWire& req, PacketCode code, std::vector<aaa::radius::Attribute> attrs,
                            bool ma = true, const std::string& secret = kSecret) {
  Packet p;
  p.code = code;
  p.id = req.id;
  if (ma) p.attributes.push_back({ref("Message-Authenticator"), Value::octets(std::string(16, '\0'))});
  for (auto& a : attrs) p.attributes.push_back(a);
  aaa::radius::Authenticator auth = req.authenticator;
  auto wire = aaa::radius::encode(p, secret, &auth);
  CHECK_TRUE_TEXT(wire.isOk(), wire.isOk() ? "" : wire.status().message().c_str());
  return *wire;
}

// Recomputes the Response Authenticator after a test changed the bytes (so only what it changed
// is wrong).
void resign(std::vector<uint8_t>& w, const importer::AccessRequestWire& req) {
  std::vector<uint8_t> copy = w;
  std::memcpy(copy.data() + 4, req.authenticator.data(), 16);
  copy.insert(copy.end(), kSecret.begin(), kSecret.end());
  uint8_t out[16];
  CHECK_EQUAL(0, mbedtls_md5_ret(copy.data(), copy.size(), out));
  std::memcpy(w.data() + 4, out, 16);
}

std::string refused(const std::vector<uint8_t>& w, const importer::AccessRequestWire& req, const std::string& secret = kSecret) {
  auto a = importer::decodeAnswer(w.data(), w.size(), req, secret);
  CHECK_FALSE_TEXT(a.isOk(), "an answer that should be refused was taken");
  return a.status().message();
}

}  // namespace

TEST_GROUP(ShadowClient) {};

TEST(ShadowClient, PapRequestDecodesWithTheCodec) {
  importer::AccessRequestWire w = request("PAP", "aa:bb:cc:dd:ee:ff");
  auto check = aaa::radius::verifyMessageAuthenticator(w.bytes.data(), w.bytes.size(), kSecret);
  CHECK_TRUE(check.isOk());
  CHECK_TRUE(*check == aaa::radius::MessageAuthenticatorCheck::kValid);
  auto p = aaa::radius::decode(w.bytes.data(), w.bytes.size(), kSecret);
  CHECK_TRUE_TEXT(p.isOk(), p.isOk() ? "" : p.status().message().c_str());
  CHECK_TRUE(p->code == PacketCode::kAccessRequest);
  CHECK_EQUAL(42, p->id);
  CHECK_TRUE(p->attributes[0].ref == ref("Message-Authenticator"));  // first (BlastRADIUS)
  STRCMP_EQUAL("alice", p->find(ref("User-Name"))->value.bytes.c_str());
  STRCMP_EQUAL("s3cret-pass", p->find(ref("User-Password"))->value.bytes.c_str());
  CHECK_EQUAL((192u << 24) | (2u << 8) | 7u, p->find(ref("NAS-IP-Address"))->value.number);
  CHECK_EQUAL(2u, p->find(ref("Service-Type"))->value.number);
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", p->find(ref("Calling-Station-Id"))->value.bytes.c_str());
  CHECK_TRUE(p->find(ref("CHAP-Password")) == nullptr);
  // Another secret: the Message-Authenticator does not verify.
  auto other = aaa::radius::verifyMessageAuthenticator(w.bytes.data(), w.bytes.size(), "other");
  CHECK_TRUE(other.isOk() && *other == aaa::radius::MessageAuthenticatorCheck::kInvalid);
}

TEST(ShadowClient, ChapRequestCarriesAResponseTheServerChecks) {
  importer::AccessRequestWire w = request("CHAP");
  auto p = aaa::radius::decode(w.bytes.data(), w.bytes.size(), kSecret);
  CHECK_TRUE(p.isOk());
  CHECK_TRUE(p->find(ref("User-Password")) == nullptr);
  CHECK_TRUE(p->find(ref("Calling-Station-Id")) == nullptr);  // no MAC bound
  const std::string& chap = p->find(ref("CHAP-Password"))->value.bytes;
  const std::string& challenge = p->find(ref("CHAP-Challenge"))->value.bytes;
  CHECK_EQUAL(17u, chap.size());
  CHECK_EQUAL(7, static_cast<uint8_t>(chap[0]));
  CHECK_TRUE(aaa::auth::chapPasswordMatches(reinterpret_cast<const uint8_t*>(chap.data()), chap.size(),
                                            reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size(),
                                            "s3cret-pass"));
  CHECK_FALSE(aaa::auth::chapPasswordMatches(reinterpret_cast<const uint8_t*>(chap.data()), chap.size(),
                                             reinterpret_cast<const uint8_t*>(challenge.data()), challenge.size(),
                                             "another"));
}

TEST(ShadowClient, RequestsThatCannotBeSentAreRefusedByField) {
  std::array<uint8_t, 16> a{};
  auto send = [&](importer::VerifyRequest q, const std::string& secret = kSecret) {
    auto w = importer::encodeAccessRequest(q, secret, 1, a, a, 1);
    CHECK_FALSE(w.isOk());
    return w.status().message();
  };
  STRCMP_CONTAINS("password", send({"u", std::string(129, 'x'), "PAP", "", "127.0.0.1"}).c_str());
  STRCMP_CONTAINS("username", send({std::string(254, 'u'), "p", "PAP", "", "127.0.0.1"}).c_str());
  STRCMP_CONTAINS("nas-ip", send({"u", "p", "PAP", "", "::1"}).c_str());
  STRCMP_CONTAINS("method", send({"u", "p", "MSCHAP", "", "127.0.0.1"}).c_str());
  STRCMP_CONTAINS("secret", send({"u", "p", "PAP", "", "127.0.0.1"}, "").c_str());
}

TEST(ShadowClient, ReadsWhatTheCheckComparesFromAnAccept) {
  importer::AccessRequestWire req = request("PAP");
  std::vector<uint8_t> w = answer(req, PacketCode::kAccessAccept,
                                  {{ref("Mikrotik-Rate-Limit"), Value::string("10M/20M 40M/40M 15M/15M 10/10")},
                                   {ref("Session-Timeout"), Value::uint32(3600)},
                                   {ref("Idle-Timeout"), Value::uint32(600)},
                                   {ref("Acct-Interim-Interval"), Value::uint32(300)},
                                   {ref("Framed-IP-Address"), Value::ipv4(10, 0, 0, 9)},
                                   {ref("Reply-Message"), Value::string("welcome")}});
  auto a = importer::decodeAnswer(w.data(), w.size(), req, kSecret);
  CHECK_TRUE_TEXT(a.isOk(), a.isOk() ? "" : a.status().message().c_str());
  STRCMP_EQUAL("Access-Accept", a->decision.c_str());
  CHECK_EQUAL(5u, a->attrs.size());
  STRCMP_EQUAL("20M down / 10M up", a->attrs["rate"].c_str());  // rx is the subscriber's upload
  STRCMP_EQUAL("3600", a->attrs["Session-Timeout"].c_str());
  STRCMP_EQUAL("600", a->attrs["Idle-Timeout"].c_str());
  STRCMP_EQUAL("300", a->attrs["Acct-Interim-Interval"].c_str());
  STRCMP_EQUAL("10.0.0.9", a->attrs["Framed-IP-Address"].c_str());
}

TEST(ShadowClient, WisprRatesWithoutAMessageAuthenticator) {
  importer::AccessRequestWire req = request("CHAP");
  std::vector<uint8_t> w = answer(req, PacketCode::kAccessAccept,
                                  {{ref("WISPr-Bandwidth-Max-Down"), Value::uint32(8000000)},
                                   {ref("WISPr-Bandwidth-Max-Up"), Value::uint32(2000000)}},
                                  false);
  auto a = importer::decodeAnswer(w.data(), w.size(), req, kSecret);
  CHECK_TRUE(a.isOk());
  STRCMP_EQUAL("8M down / 2M up", a->attrs["rate"].c_str());
}

TEST(ShadowClient, RejectAndChallengeAreDecisionsOnly) {
  importer::AccessRequestWire req = request("PAP");
  auto r = answer(req, PacketCode::kAccessReject, {{ref("Reply-Message"), Value::string("no")}});
  auto a = importer::decodeAnswer(r.data(), r.size(), req, kSecret);
  CHECK_TRUE(a.isOk());
  STRCMP_EQUAL("Access-Reject", a->decision.c_str());
  CHECK_TRUE(a->attrs.empty());
  auto c = answer(req, PacketCode::kAccessChallenge, {{ref("State"), Value::octets("st")}});
  auto b = importer::decodeAnswer(c.data(), c.size(), req, kSecret);
  CHECK_TRUE(b.isOk());
  STRCMP_EQUAL("Access-Challenge", b->decision.c_str());
}

TEST(ShadowClient, AnswersThatMustNotBeBelievedAreRefused) {
  importer::AccessRequestWire req = request("PAP");
  std::vector<uint8_t> good = answer(req, PacketCode::kAccessAccept, {{ref("Session-Timeout"), Value::uint32(60)}});
  CHECK_TRUE(importer::decodeAnswer(good.data(), good.size(), req, kSecret).isOk());
  // Signed with another secret, or checked with another one.
  auto other = answer(req, PacketCode::kAccessAccept, {}, true, "another-secret");
  STRCMP_CONTAINS("Response Authenticator", refused(other, req).c_str());
  STRCMP_CONTAINS("Response Authenticator", refused(good, req, "another-secret").c_str());
  // A Message-Authenticator that does not verify, under a Response Authenticator that does.
  std::vector<uint8_t> w = good;
  w[20 + 2] ^= 1;
  resign(w, req);
  STRCMP_CONTAINS("Message-Authenticator", refused(w, req).c_str());
  // Another identifier; a code that is no answer to an Access-Request.
  w = good;
  w[1] = 43;
  STRCMP_CONTAINS("identifier", refused(w, req).c_str());
  w = good;
  w[0] = 5;
  resign(w, req);
  STRCMP_CONTAINS("code 5", refused(w, req).c_str());
  // Length beyond the datagram, below the header; a datagram shorter than a header.
  w = good;
  w[3] = static_cast<uint8_t>(w[3] + 1);
  STRCMP_CONTAINS("Length", refused(w, req).c_str());
  w[2] = 0, w[3] = 19;
  STRCMP_CONTAINS("Length", refused(w, req).c_str());
  STRCMP_CONTAINS("header", refused(std::vector<uint8_t>(good.begin(), good.begin() + 19), req).c_str());
  // An attribute that runs past the end; a Session-Timeout of 3 octets.
  std::vector<uint8_t> plain = answer(req, PacketCode::kAccessAccept, {{ref("Session-Timeout"), Value::uint32(60)}}, false);
  CHECK_EQUAL(26u, plain.size());
  w = plain;
  w[21] = 7;  // Session-Timeout's length: 6 -> 7
  resign(w, req);
  STRCMP_CONTAINS("malformed attribute", refused(w, req).c_str());
  w.assign(plain.begin(), plain.end() - 1);
  w[3] = 25;
  w[21] = 5;
  resign(w, req);
  STRCMP_CONTAINS("Session-Timeout (3 octets", refused(w, req).c_str());
}
