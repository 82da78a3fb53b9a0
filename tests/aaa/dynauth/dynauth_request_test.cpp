// What the Dynamic Authorization client puts on the wire (RFC 5176 sections 2.3, 3.4): Message-Authenticator
// first, the caller's attributes, Event-Timestamp from the clock, the Request Authenticator; and the
// Error-Cause texts of section 3.5. The authenticators are recomputed here with mbedTLS.
#include <mbedtls/md.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "aaa/radius/dynauth_client.h"
#include "core/clock.h"
#include "core/counters.h"
#include "tests/aaa/dynauth/dynauth_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::radius;                  // NOLINT
using namespace aaa::radius::dynauth_testing;  // NOLINT

namespace {

const Attributes& kEarly = attributes();

std::vector<uint8_t> md5(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(16);
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), data.data(), data.size(), out.data());
  return out;
}

std::vector<uint8_t> hmacMd5(const std::string& key, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(16);
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const unsigned char*>(key.data()),
                  key.size(), data.data(), data.size(), out.data());
  return out;
}

std::vector<Attribute> aliceIdentity() {
  return {{attributes().userName, Value::string("alice")},
          {attr("Acct-Session-Id"), Value::string("81a00001")},
          {attributes().framedIpAddress, Value::ipv4(100, 64, 0, 7)}};
}

}  // namespace

TEST_GROUP(DynAuthRequest) {
  core::ManualClock clock{1767225600000};  // 2026-01-01T00:00:00Z
  core::CounterRegistry registry;
};

TEST(DynAuthRequest, DisconnectCarriesMessageAuthenticatorFirstIdentityAndEventTimestamp) {
  DynAuthClient client(attributes(), registry, RetryPolicy{}, clock);
  core::Result<std::vector<uint8_t>> wire = client.buildRequest(DynAuthKind::kDisconnect, 0x42, kSecret, aliceIdentity(), {});
  if (!wire.isOk() || wire->size() < 38) {
    FAIL(wire.status().toString().c_str());
    return;
  }
  const std::vector<uint8_t>& w = *wire;
  LONGS_EQUAL(40, w[0]);
  LONGS_EQUAL(0x42, w[1]);
  LONGS_EQUAL(w.size(), (size_t{w[2]} << 8) | w[3]);
  // Message-Authenticator first: type 80, length 18.
  LONGS_EQUAL(80, w[20]);
  LONGS_EQUAL(18, w[21]);

  // RFC 5176 section 3.4: HMAC-MD5 over the packet with a zero Authenticator and a zero
  // Message-Authenticator value; then the Request Authenticator (section 2.3) MD5(Code..Length, 16 zeros,
  // attributes, secret) over the packet with that HMAC in place.
  std::vector<uint8_t> zeroed = w;
  std::fill(zeroed.begin() + 4, zeroed.begin() + 20, 0);
  std::fill(zeroed.begin() + 22, zeroed.begin() + 38, 0);
  std::vector<uint8_t> mac = hmacMd5(kSecret, zeroed);
  CHECK(std::equal(mac.begin(), mac.end(), w.begin() + 22));
  std::vector<uint8_t> forAuth(w.begin(), w.begin() + 4);
  forAuth.insert(forAuth.end(), 16, 0);
  forAuth.insert(forAuth.end(), w.begin() + 20, w.end());
  forAuth.insert(forAuth.end(), kSecret, kSecret + std::strlen(kSecret));
  std::vector<uint8_t> auth = md5(forAuth);
  CHECK(std::equal(auth.begin(), auth.end(), w.begin() + 4));

  // Our own decoder agrees, and finds the attributes in order.
  core::Result<Packet> p = decode(w.data(), w.size(), kSecret);
  CHECK_TRUE(p.isOk());
  CHECK(p->code == PacketCode::kDisconnectRequest);
  LONGS_EQUAL(5, p->attributes.size());
  CHECK(p->attributes[0].ref == attributes().messageAuthenticator);
  STRCMP_EQUAL("alice", p->attributes[1].value.bytes.c_str());
  STRCMP_EQUAL("81a00001", p->attributes[2].value.bytes.c_str());
  CHECK(p->attributes[4].ref == attributes().eventTimestamp);
  LONGS_EQUAL(1767225600, p->attributes[4].value.number);
  core::Result<MessageAuthenticatorCheck> ma = verifyMessageAuthenticator(w.data(), w.size(), kSecret);
  CHECK(ma.isOk() && *ma == MessageAuthenticatorCheck::kValid);

  // One flipped bit and the NAS must discard it.
  std::vector<uint8_t> tampered = w;
  tampered[30] ^= 1;
  core::Result<Packet> bad = decode(tampered.data(), tampered.size(), kSecret);
  CHECK_FALSE(bad.isOk());
  CHECK(bad.status().code() == core::Code::kCorrupt);
}

TEST(DynAuthRequest, CoaCarriesTheRateChangeBeforeEventTimestamp) {
  DynAuthClient client(attributes(), registry, RetryPolicy{}, clock);
  clock.advance(std::chrono::milliseconds(61500));
  std::vector<Attribute> changes{{attributes().mikrotikRateLimit, Value::string("2M/10M")}};
  core::Result<std::vector<uint8_t>> wire = client.buildRequest(DynAuthKind::kCoa, 7, kSecret, aliceIdentity(), changes);
  CHECK_TRUE(wire.isOk());
  core::Result<Packet> p = decode(wire->data(), wire->size(), kSecret);
  CHECK_TRUE(p.isOk());
  CHECK(p->code == PacketCode::kCoaRequest);
  LONGS_EQUAL(7, p->id);
  const Attribute* rate = p->find(attributes().mikrotikRateLimit);
  CHECK(rate != nullptr);
  STRCMP_EQUAL("2M/10M", rate->value.bytes.c_str());
  LONGS_EQUAL(1767225661, p->find(attributes().eventTimestamp)->value.number);
  CHECK(p->attributes.back().ref == attributes().eventTimestamp);
}

TEST(DynAuthRequest, RefusesWhatANasCouldNotUse) {
  DynAuthClient client(attributes(), registry, RetryPolicy{}, clock);
  core::Result<std::vector<uint8_t>> noIdentity = client.buildRequest(DynAuthKind::kDisconnect, 1, kSecret, {}, {});
  CHECK_FALSE(noIdentity.isOk());
  STRCMP_CONTAINS("identification", noIdentity.status().message().c_str());

  std::vector<Attribute> changes{{attributes().mikrotikRateLimit, Value::string("1M/1M")}};
  core::Result<std::vector<uint8_t>> disconnectWithChanges =
      client.buildRequest(DynAuthKind::kDisconnect, 1, kSecret, aliceIdentity(), changes);
  CHECK_FALSE(disconnectWithChanges.isOk());
  STRCMP_CONTAINS("no authorization changes", disconnectWithChanges.status().message().c_str());

  std::vector<Attribute> withTimestamp = aliceIdentity();
  withTimestamp.push_back({attributes().eventTimestamp, Value::uint32(1)});
  CHECK_FALSE(client.buildRequest(DynAuthKind::kCoa, 1, kSecret, withTimestamp, {}).isOk());
  std::vector<Attribute> withMa = aliceIdentity();
  withMa.push_back({attributes().messageAuthenticator, Value::octets(std::string(16, '\0'))});
  CHECK_FALSE(client.buildRequest(DynAuthKind::kCoa, 1, kSecret, withMa, {}).isOk());

  core::Result<std::vector<uint8_t>> noSecret = client.buildRequest(DynAuthKind::kCoa, 1, "", aliceIdentity(), {});
  CHECK_FALSE(noSecret.isOk());
}

TEST(DynAuthRequest, SendReportsArgumentErrorsWithoutTouchingTheNetwork) {
  DynAuthClient client(attributes(), registry, RetryPolicy{}, clock);
  DynAuthTarget target{"not-an-address", 3799, kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, aliceIdentity());
  CHECK(r.outcome == DynAuthOutcome::kError);
  STRCMP_CONTAINS("not a numeric IPv4 or IPv6 address", r.message.c_str());
  LONGS_EQUAL(-1, r.id);

  target.address = "192.0.2.1";
  r = client.send(target, DynAuthKind::kDisconnect, {});
  CHECK(r.outcome == DynAuthOutcome::kError);
  STRCMP_CONTAINS("identification", r.message.c_str());
  // Nothing was sent: no request counted, nothing pending.
  LONGS_EQUAL(0, registry.valueOf("radius_dynauth_client_disconnect_requests_total"));
  LONGS_EQUAL(0, registry.valueOf("radius_dynauth_server_disconnect_pending_requests", {{"nas", "nas1"}}));

  RetryPolicy bad;
  bad.maxDuration = std::chrono::milliseconds(0);
  DynAuthClient badClient(attributes(), registry, bad, clock);
  r = badClient.send(target, DynAuthKind::kDisconnect, aliceIdentity());
  CHECK(r.outcome == DynAuthOutcome::kError);
  STRCMP_CONTAINS("MRD", r.message.c_str());
}

TEST_GROUP(ErrorCause){};

TEST(ErrorCause, Rfc5176Section3_5Table) {
  STRCMP_EQUAL("Residual Session Context Removed", errorCauseText(201).c_str());
  STRCMP_EQUAL("Invalid EAP Packet (Ignored)", errorCauseText(202).c_str());
  STRCMP_EQUAL("Unsupported Attribute", errorCauseText(401).c_str());
  STRCMP_EQUAL("Missing Attribute", errorCauseText(402).c_str());
  STRCMP_EQUAL("NAS Identification Mismatch", errorCauseText(403).c_str());
  STRCMP_EQUAL("Invalid Request", errorCauseText(404).c_str());
  STRCMP_EQUAL("Unsupported Service", errorCauseText(405).c_str());
  STRCMP_EQUAL("Unsupported Extension", errorCauseText(406).c_str());
  STRCMP_EQUAL("Invalid Attribute Value", errorCauseText(407).c_str());
  STRCMP_EQUAL("Administratively Prohibited", errorCauseText(501).c_str());
  STRCMP_EQUAL("Request Not Routable (Proxy)", errorCauseText(502).c_str());
  STRCMP_EQUAL("Session Context Not Found", errorCauseText(503).c_str());
  STRCMP_EQUAL("Session Context Not Removable", errorCauseText(504).c_str());
  STRCMP_EQUAL("Other Proxy Processing Error", errorCauseText(505).c_str());
  STRCMP_EQUAL("Resources Unavailable", errorCauseText(506).c_str());
  STRCMP_EQUAL("Request Initiated", errorCauseText(507).c_str());
  STRCMP_EQUAL("Multiple Session Selection Unsupported", errorCauseText(508).c_str());
}

TEST(ErrorCause, OutsideTheTable) {
  STRCMP_EQUAL("", errorCauseText(0).c_str());
  STRCMP_EQUAL("Error-Cause 599 (not in RFC 5176)", errorCauseText(599).c_str());
  STRCMP_EQUAL("Error-Cause 200 (not in RFC 5176)", errorCauseText(200).c_str());
}

TEST(ErrorCause, NamesOfKindsAndOutcomes) {
  STRCMP_EQUAL("disconnect", dynAuthKindName(DynAuthKind::kDisconnect));
  STRCMP_EQUAL("coa", dynAuthKindName(DynAuthKind::kCoa));
  STRCMP_EQUAL("ack", dynAuthOutcomeName(DynAuthOutcome::kAck));
  STRCMP_EQUAL("nak", dynAuthOutcomeName(DynAuthOutcome::kNak));
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(DynAuthOutcome::kTimeout));
  STRCMP_EQUAL("error", dynAuthOutcomeName(DynAuthOutcome::kError));
}
