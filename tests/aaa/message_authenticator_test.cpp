// verifyMessageAuthenticator(): our own HMAC-MD5 check (RFC 3579 section 3.2), independent of
// libfreeradius, on pyrad's vectors and on our encoder's output.
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

const char* verdict(const std::vector<uint8_t>& wire, const std::string& secret = kSecret,
                    const Authenticator* req = nullptr) {
  auto r = verifyMessageAuthenticator(wire.data(), wire.size(), secret, req);
  return r.isOk() ? messageAuthenticatorCheckName(*r) : "error";
}

}  // namespace

TEST_GROUP(MessageAuthenticator) {
  const Dictionary* dict = &aaa::radius::testing::dictionary();  // tests/support/radius_dictionary.h
};

TEST(MessageAuthenticator, ValidOnPyradAccessRequest) {
  STRCMP_EQUAL("valid", verdict(loadVector("access_request_pyrad.hex")));
}

TEST(MessageAuthenticator, ValidOnPyradAccessAcceptWithTheRequestAuthenticator) {
  Authenticator req = requestAuthenticator();
  std::vector<uint8_t> accept = loadVector("access_accept_pyrad.hex");
  STRCMP_EQUAL("valid", verdict(accept, kSecret, &req));
  req[15] ^= 0x80;
  STRCMP_EQUAL("invalid", verdict(accept, kSecret, &req));
  auto noRequest = verifyMessageAuthenticator(accept.data(), accept.size(), kSecret);
  CHECK_FALSE(noRequest.isOk());
  CHECK_TRUE(noRequest.status().code() == core::Code::kInvalidArgument);
}

TEST(MessageAuthenticator, FlippingOneAttributeOctetMakesItInvalid) {
  std::vector<uint8_t> wire = loadVector("access_request_pyrad.hex");
  wire[40] ^= 0x01;  // 'a' of User-Name "alice" (attribute at offset 38)
  STRCMP_EQUAL("invalid", verdict(wire));
}

// Every single-bit change anywhere in the packet (header, authenticator, attributes, the MAC
// itself) loses the verdict "valid".
TEST(MessageAuthenticator, NoSingleBitFlipStaysValid) {
  const std::vector<uint8_t> golden = loadVector("access_request_pyrad.hex");
  for (size_t i = 0; i < golden.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> wire = golden;
      wire[i] ^= static_cast<uint8_t>(1u << bit);
      auto r = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret);
      CHECK_FALSE_TEXT(r.isOk() && *r == MessageAuthenticatorCheck::kValid,
                       ("flip at octet " + std::to_string(i)).c_str());
    }
  }
}

TEST(MessageAuthenticator, WrongSecretIsInvalid) {
  STRCMP_EQUAL("invalid", verdict(loadVector("access_request_pyrad.hex"), "testing124"));
}

TEST(MessageAuthenticator, PacketWithoutItIsAbsent) {
  Packet p;
  p.code = PacketCode::kAccessRequest;
  p.id = 1;
  p.authenticator = requestAuthenticator();
  p.attributes = {{attr(*dict, "User-Name"), Value::string("alice")},
                  {attr(*dict, "User-Password"), Value::string("s3cret")}};
  auto wire = encode(p, kSecret);
  CHECK_TRUE(wire.isOk());
  STRCMP_EQUAL("absent", verdict(*wire));
  STRCMP_EQUAL("absent", verdict(fromHex("01010014" "00112233445566778899aabbccddeeff")));
}

TEST(MessageAuthenticator, TwoOfThemAreInvalid) {
  std::vector<uint8_t> wire = loadVector("access_request_pyrad.hex");
  // Append a copy of the (valid) first attribute: RFC 3579 allows exactly one.
  wire.insert(wire.end(), wire.begin() + 20, wire.begin() + 38);
  wire[2] = static_cast<uint8_t>(wire.size() >> 8);
  wire[3] = static_cast<uint8_t>(wire.size());
  STRCMP_EQUAL("invalid", verdict(wire));
  // decode() refuses it too (libfreeradius checked the first one only; found by
  // tests/fuzz/radius_codec_fuzz.cpp), and encode() will not write two.
  auto decoded = decode(wire.data(), wire.size(), kSecret);
  CHECK_FALSE(decoded.isOk());
  STRCMP_CONTAINS("more than one Message-Authenticator", decoded.status().message().c_str());
  Packet p;
  p.code = PacketCode::kAccessRequest;
  p.authenticator = requestAuthenticator();
  p.attributes = {{attr(*dict, "Message-Authenticator"), Value::octets("")},
                  {attr(*dict, "User-Name"), Value::string("alice")},
                  {attr(*dict, "Message-Authenticator"), Value::octets("")}};
  auto encoded = encode(p, kSecret);
  CHECK_FALSE(encoded.isOk());
}

TEST(MessageAuthenticator, PaddingBeyondLengthIsNotCovered) {
  std::vector<uint8_t> wire = loadVector("access_request_pyrad.hex");
  wire.insert(wire.end(), {1, 2, 3});
  STRCMP_EQUAL("valid", verdict(wire));
}

TEST(MessageAuthenticator, MalformedPacketsGetNoVerdict) {
  std::vector<uint8_t> wire = loadVector("access_request_pyrad.hex");
  STRCMP_EQUAL("error", verdict(std::vector<uint8_t>(wire.begin(), wire.begin() + 19)));
  std::vector<uint8_t> truncated(wire.begin(), wire.end() - 1);
  STRCMP_EQUAL("error", verdict(truncated));  // Length field larger than the data
  std::vector<uint8_t> zeroLength = wire;
  zeroLength[39] = 0;  // User-Name length 0
  STRCMP_EQUAL("error", verdict(zeroLength));
  CHECK_TRUE(verifyMessageAuthenticator(wire.data(), wire.size(), "").status().code() == core::Code::kInvalidArgument);
}

// Our encoder (libfreeradius' rad_sign) and our verifier (mbedTLS) agree for every code family:
// own authenticator (Access-Request, Status-Server), zeros (Accounting/CoA/Disconnect requests,
// Accounting-Response), the request's (Access and CoA/Disconnect replies).
TEST(MessageAuthenticator, AgreesWithTheEncoderForEveryCode) {
  const PacketCode codes[] = {PacketCode::kAccessRequest,     PacketCode::kAccessAccept,
                              PacketCode::kAccessReject,      PacketCode::kAccessChallenge,
                              PacketCode::kAccountingRequest, PacketCode::kAccountingResponse,
                              PacketCode::kStatusServer,      PacketCode::kDisconnectRequest,
                              PacketCode::kDisconnectAck,     PacketCode::kDisconnectNak,
                              PacketCode::kCoaRequest,        PacketCode::kCoaAck,
                              PacketCode::kCoaNak};
  Authenticator req = requestAuthenticator();
  for (PacketCode code : codes) {
    Packet p;
    p.code = code;
    p.id = 77;
    p.authenticator = requestAuthenticator();
    p.attributes = {{attr(*dict, "Message-Authenticator"), Value::octets("")},
                    {attr(*dict, "Reply-Message"), Value::string(packetCodeName(code))}};
    if (code == PacketCode::kAccountingRequest) p.attributes.push_back({attr(*dict, "Acct-Status-Type"), Value::uint32(1)});
    const Authenticator* r = isReply(code) ? &req : nullptr;
    auto wire = encode(p, kSecret, r);
    CHECK_TRUE_TEXT(wire.isOk(), wire.status().toString().c_str());
    STRCMP_EQUAL_TEXT("valid", verdict(*wire, kSecret, r), packetCodeName(code));
    auto decoded = decode(wire->data(), wire->size(), kSecret, r);
    CHECK_TRUE_TEXT(decoded.isOk(), decoded.status().toString().c_str());
  }
}

// RFC 5997 section 3: the answers to a Status-Server. The Access-Accept is signed as any other;
// the Accounting-Response with the Status-Server's authenticator instead of zeros, so the verdict
// depends on `requestCode`.
TEST(MessageAuthenticator, AgreesWithTheEncoderForStatusServerAnswers) {
  Authenticator req = requestAuthenticator();
  for (PacketCode code : {PacketCode::kAccessAccept, PacketCode::kAccountingResponse}) {
    Packet p;
    p.code = code;
    p.id = 12;
    p.attributes = {{attr(*dict, "Message-Authenticator"), Value::octets("")}};
    auto wire = encode(p, kSecret, &req, PacketCode::kStatusServer);
    CHECK_TRUE_TEXT(wire.isOk(), wire.status().toString().c_str());
    auto withStatus = verifyMessageAuthenticator(wire->data(), wire->size(), kSecret, &req, PacketCode::kStatusServer);
    CHECK_TRUE_TEXT(withStatus.isOk() && *withStatus == MessageAuthenticatorCheck::kValid, packetCodeName(code));
    const char* usual = code == PacketCode::kAccessAccept ? "valid" : "invalid";
    STRCMP_EQUAL_TEXT(usual, verdict(*wire, kSecret, &req), packetCodeName(code));
  }
}

TEST(MessageAuthenticator, StatusServerAnswersNeedTheRequestAuthenticator) {
  Authenticator req = requestAuthenticator();
  Packet p;
  p.code = PacketCode::kAccountingResponse;
  p.id = 12;
  p.attributes = {{attr(*dict, "Message-Authenticator"), Value::octets("")}};
  auto wire = encode(p, kSecret, &req, PacketCode::kStatusServer);
  CHECK_TRUE(wire.isOk());
  auto r = verifyMessageAuthenticator(wire->data(), wire->size(), kSecret, nullptr, PacketCode::kStatusServer);
  CHECK_TRUE(r.status().code() == core::Code::kInvalidArgument);
  // Only Access-Accept and Accounting-Response answer a Status-Server.
  p.code = PacketCode::kCoaAck;
  auto coa = encode(p, kSecret, &req);
  CHECK_TRUE(coa.isOk());
  r = verifyMessageAuthenticator(coa->data(), coa->size(), kSecret, &req, PacketCode::kStatusServer);
  CHECK_TRUE(r.status().code() == core::Code::kInvalidArgument);
  STRCMP_CONTAINS("RFC 5997", r.status().message().c_str());
  // Naming the usual request is the same as naming none.
  r = verifyMessageAuthenticator(coa->data(), coa->size(), kSecret, &req, PacketCode::kCoaRequest);
  CHECK_TRUE(r.isOk() && *r == MessageAuthenticatorCheck::kValid);
}
