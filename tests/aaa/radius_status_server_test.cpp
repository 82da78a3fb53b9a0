// Status-Server (RFC 5997): encoded and decoded like a signed Access-Request, refused without a
// (valid) Message-Authenticator, and answered with an Access-Accept or an Accounting-Response whose
// Message-Authenticator uses the Status-Server's authenticator (section 3). The HMACs are
// recomputed here with mbedTLS, independent of libfreeradius and of verifyMessageAuthenticator().
// radclient's view of the same exchange is in radclient_capture_test.py.
#include <mbedtls/md.h>
#include <mbedtls/md5.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "tests/aaa/radius_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::radius;
using namespace aaa::radius::testing;

namespace {

// HMAC-MD5 over `wire` with the Message-Authenticator (the first attribute, as our packets put it)
// zeroed and the Authenticator field set to `authField` (RFC 3579 section 3.2).
std::vector<uint8_t> expectedMessageAuthenticator(std::vector<uint8_t> wire, const Authenticator& authField,
                                                  const std::string& secret) {
  std::memcpy(wire.data() + 4, authField.data(), 16);
  std::memset(wire.data() + 22, 0, 16);
  std::vector<uint8_t> mac(16);
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const unsigned char*>(secret.data()),
                  secret.size(), wire.data(), wire.size(), mac.data());
  return mac;
}

std::vector<uint8_t> messageAuthenticatorOf(const std::vector<uint8_t>& wire) {
  // Our packets carry it first: type 80, length 18 at offset 20.
  if (wire.size() < 38 || wire[20] != 80 || wire[21] != 18) return {};
  return std::vector<uint8_t>(wire.begin() + 22, wire.begin() + 38);
}

Authenticator statusHeaderAuthenticator(const std::vector<uint8_t>& wire) {
  Authenticator a{};
  std::memcpy(a.data(), wire.data() + 4, 16);
  return a;
}

}  // namespace

TEST_GROUP(StatusServer) {
  const Dictionary* dict = &aaa::radius::testing::dictionary();  // tests/support/radius_dictionary.h
  const Dictionary& d() { return *dict; }

  Packet statusServer(bool withMessageAuthenticator = true) {
    Packet p;
    p.code = PacketCode::kStatusServer;
    p.id = 0x5a;
    p.authenticator = requestAuthenticator();
    if (withMessageAuthenticator) p.attributes.push_back({attr(d(), "Message-Authenticator"), Value::octets("")});
    p.attributes.push_back({attr(d(), "NAS-Identifier"), Value::string("probe-1")});
    return p;
  }

  std::vector<uint8_t> encodeOk(const Packet& p, const Authenticator* req = nullptr,
                                std::optional<PacketCode> requestCode = std::nullopt) {
    auto wire = requestCode ? encode(p, kSecret, req, *requestCode) : encode(p, kSecret, req);
    if (!wire.isOk()) FAIL(wire.status().toString().c_str());
    return wire.isOk() ? *wire : std::vector<uint8_t>(20, 0);
  }
};

TEST(StatusServer, CodeNameAndKind) {
  STRCMP_EQUAL("Status-Server", packetCodeName(PacketCode::kStatusServer));
  CHECK_FALSE(isReply(PacketCode::kStatusServer));
  LONGS_EQUAL(12, static_cast<int>(PacketCode::kStatusServer));
}

// Signed like an Access-Request: the caller's authenticator in the header, the HMAC over the packet
// with that authenticator (RFC 5997 section 3, RFC 3579 section 3.2).
TEST(StatusServer, EncodesWithItsOwnAuthenticatorAndMessageAuthenticator) {
  std::vector<uint8_t> wire = encodeOk(statusServer());
  LONGS_EQUAL(12, wire[0]);
  LONGS_EQUAL(0x5a, wire[1]);
  LONGS_EQUAL(20 + 18 + 9, wire.size());
  CHECK_TRUE(statusHeaderAuthenticator(wire) == requestAuthenticator());
  STRCMP_EQUAL(toHex(expectedMessageAuthenticator(wire, requestAuthenticator(), kSecret)).c_str(),
               toHex(messageAuthenticatorOf(wire)).c_str());
  auto check = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret);
  CHECK_TRUE(check.isOk() && *check == MessageAuthenticatorCheck::kValid);
}

TEST(StatusServer, DecodesBack) {
  std::vector<uint8_t> wire = encodeOk(statusServer());
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  CHECK_TRUE(p->code == PacketCode::kStatusServer);
  LONGS_EQUAL(0x5a, p->id);
  CHECK_TRUE(p->authenticator == requestAuthenticator());
  LONGS_EQUAL(2, p->attributes.size());
  CHECK_TRUE(p->attributes[0].ref == attr(d(), "Message-Authenticator"));
  STRCMP_EQUAL("probe-1", p->find(attr(d(), "NAS-Identifier"))->value.bytes.c_str());
}

// RFC 5997 section 3: a Status-Server MUST carry a Message-Authenticator.
TEST(StatusServer, EncoderRefusesItWithoutMessageAuthenticator) {
  auto wire = encode(statusServer(false), kSecret);
  CHECK_TRUE(wire.status().code() == core::Code::kInvalidArgument);
  STRCMP_CONTAINS("Message-Authenticator", wire.status().message().c_str());
  STRCMP_CONTAINS("RFC 5997", wire.status().message().c_str());
}

TEST(StatusServer, DecoderRefusesItWithoutMessageAuthenticator) {
  // Header + NAS-Identifier "probe-1", no Message-Authenticator.
  std::vector<uint8_t> wire = fromHex("0c5a0000" "0f1e2d3c4b5a69788796a5b4c3d2e1f0" "2009" "70726f62652d31");
  wire[3] = static_cast<uint8_t>(wire.size());
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_TRUE(p.status().code() == core::Code::kInvalidArgument);
  STRCMP_CONTAINS("Message-Authenticator", p.status().message().c_str());
  STRCMP_CONTAINS("RFC 5997", p.status().message().c_str());
  auto check = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret);
  CHECK_TRUE(check.isOk() && *check == MessageAuthenticatorCheck::kAbsent);
}

TEST(StatusServer, WrongSecretOrAlteredPacketIsCorrupt) {
  std::vector<uint8_t> wire = encodeOk(statusServer());
  auto wrong = decode(wire.data(), wire.size(), "not-" + std::string(kSecret));
  CHECK_TRUE(wrong.status().code() == core::Code::kCorrupt);
  STRCMP_CONTAINS("Message-Authenticator", wrong.status().message().c_str());
  std::vector<uint8_t> altered = wire;
  LONGS_EQUAL(47, altered.size());
  altered[46] ^= 0x01;  // last octet of NAS-Identifier
  CHECK_TRUE(decode(altered.data(), altered.size(), kSecret).status().code() == core::Code::kCorrupt);
  altered = wire;
  altered[4] ^= 0x01;  // the Request Authenticator is covered too
  CHECK_TRUE(decode(altered.data(), altered.size(), kSecret).status().code() == core::Code::kCorrupt);
}

// The answer on the authentication port: an Access-Accept, signed as usual (naming the request
// changes nothing).
TEST(StatusServer, AccessAcceptAnswer) {
  Authenticator req = requestAuthenticator();
  Packet accept;
  accept.code = PacketCode::kAccessAccept;
  accept.id = 0x5a;
  accept.attributes = {{attr(d(), "Message-Authenticator"), Value::octets("")},
                       {attr(d(), "Reply-Message"), Value::string("alive")}};
  std::vector<uint8_t> wire = encodeOk(accept, &req, PacketCode::kStatusServer);
  STRCMP_EQUAL(toHex(encodeOk(accept, &req)).c_str(), toHex(wire).c_str());
  STRCMP_EQUAL(toHex(expectedMessageAuthenticator(wire, req, kSecret)).c_str(),
               toHex(messageAuthenticatorOf(wire)).c_str());
  auto p = decode(wire.data(), wire.size(), kSecret, &req, PacketCode::kStatusServer);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  STRCMP_EQUAL("alive", p->find(attr(d(), "Reply-Message"))->value.bytes.c_str());
}

// The answer on the accounting port: an Accounting-Response whose Message-Authenticator is computed
// with the Status-Server's authenticator (RFC 5997 section 3), unlike the zeros of an
// Accounting-Response to an Accounting-Request. Its Response Authenticator is the usual one.
TEST(StatusServer, AccountingResponseAnswerIsSignedWithTheRequestAuthenticator) {
  Authenticator req = requestAuthenticator();
  Packet response;
  response.code = PacketCode::kAccountingResponse;
  response.id = 0x5a;
  response.attributes = {{attr(d(), "Message-Authenticator"), Value::octets("")}};
  std::vector<uint8_t> wire = encodeOk(response, &req, PacketCode::kStatusServer);
  LONGS_EQUAL(38, wire.size());
  STRCMP_EQUAL(toHex(expectedMessageAuthenticator(wire, req, kSecret)).c_str(),
               toHex(messageAuthenticatorOf(wire)).c_str());

  // Response Authenticator: MD5(Code+ID+Length+RequestAuth+Attributes+Secret) (RFC 2866 section 3).
  std::vector<uint8_t> buf = wire;
  std::memcpy(buf.data() + 4, req.data(), 16);
  buf.insert(buf.end(), kSecret, kSecret + std::strlen(kSecret));
  Authenticator expected{};
  mbedtls_md5_ret(buf.data(), buf.size(), expected.data());
  CHECK_TRUE(statusHeaderAuthenticator(wire) == expected);

  // An Accounting-Response to an Accounting-Request uses zeros: the two differ.
  std::vector<uint8_t> usual = encodeOk(response, &req);
  Authenticator zeros{};
  STRCMP_EQUAL(toHex(expectedMessageAuthenticator(usual, zeros, kSecret)).c_str(),
               toHex(messageAuthenticatorOf(usual)).c_str());
  CHECK_TRUE(toHex(usual) != toHex(wire));

  auto p = decode(wire.data(), wire.size(), kSecret, &req, PacketCode::kStatusServer);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  CHECK_TRUE(p->code == PacketCode::kAccountingResponse);
  // Decoded as the answer to an Accounting-Request, its Message-Authenticator does not match.
  auto asUsual = decode(wire.data(), wire.size(), kSecret, &req);
  CHECK_TRUE(asUsual.status().code() == core::Code::kCorrupt);
  auto check = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret, &req, PacketCode::kStatusServer);
  CHECK_TRUE(check.isOk() && *check == MessageAuthenticatorCheck::kValid);
}

TEST(StatusServer, OnlyAccessAcceptAndAccountingResponseAnswerIt) {
  Authenticator req = requestAuthenticator();
  for (PacketCode code : {PacketCode::kAccessReject, PacketCode::kAccessChallenge, PacketCode::kCoaAck,
                          PacketCode::kDisconnectNak}) {
    Packet reply;
    reply.code = code;
    reply.attributes = {{attr(d(), "Message-Authenticator"), Value::octets("")}};
    auto wire = encode(reply, kSecret, &req, PacketCode::kStatusServer);
    CHECK_TRUE_TEXT(wire.status().code() == core::Code::kInvalidArgument, packetCodeName(code));
    STRCMP_CONTAINS("RFC 5997", wire.status().message().c_str());
    auto plain = encode(reply, kSecret, &req);
    CHECK_TRUE(plain.isOk());
    auto decoded = decode(plain->data(), plain->size(), kSecret, &req, PacketCode::kStatusServer);
    CHECK_TRUE_TEXT(decoded.status().code() == core::Code::kInvalidArgument, packetCodeName(code));
  }
  // A reply naming a request that is not its own is refused; naming the usual one is fine.
  Packet coaAck;
  coaAck.code = PacketCode::kCoaAck;
  CHECK_TRUE(encode(coaAck, kSecret, &req, PacketCode::kAccessRequest).status().code() ==
             core::Code::kInvalidArgument);
  CHECK_TRUE(encode(coaAck, kSecret, &req, PacketCode::kCoaRequest).isOk());
  // For requests the request code means nothing.
  CHECK_TRUE(encode(statusServer(), kSecret, nullptr, PacketCode::kCoaRequest).isOk());
}
