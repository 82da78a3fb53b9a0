// The replies a NAS sends to our CoA-Request / Disconnect-Request (RFC 5176), put through the checks
// DynAuthClient::send() applies (aaa/radius/dynauth_client.cpp): structure, code of the request's
// kind, decode() against the request's authenticator, Message-Authenticator when required, then the
// Error-Cause text. send() does this inline between socket reads, so the harness repeats its
// sequence over the same library calls (decode, verifyMessageAuthenticator, errorCauseText).
//
// Input: flags, the 16-octet Request Authenticator of our request, the reply datagram.
//   bit 0  sign it first (Message-Authenticator with the request's authenticator, RFC 5176 3.4,
//          then the Response Authenticator, RFC 2865 3)
//   bit 1  check with another secret than the one it was signed with
//   bit 2  the request was a CoA-Request (else a Disconnect-Request)
//   bit 3  the target requires a Message-Authenticator in replies
// Properties: an accepted reply is an ACK or NAK of the request's kind whose Response
// Authenticator and Message-Authenticator (when present; always when required) hold under the
// secret, checked with our own MD5/HMAC; nothing signed with another secret is accepted; the
// Error-Cause text is never empty for a non-zero cause.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/packet.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "dynauth_reply";
const std::string kSecret = "testing123";
const std::string kOtherSecret = "not-the-secret";
const aaa::radius::Attributes* attributes = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto dict = aaa::radius::Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR);
  if (!dict.isOk()) fuzz::fail(kTarget, "dictionary: " + dict.status().message());
  auto a = aaa::radius::Attributes::resolve(*dict);
  if (!a.isOk()) fuzz::fail(kTarget, "attributes: " + a.status().message());
  attributes = new aaa::radius::Attributes(*a);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aaa::radius::PacketCode;
  if (size < 1 + 16 + 20) return 0;
  const uint8_t flags = data[0];
  const bool sign = flags & 1, wrongSecret = flags & 2, coa = flags & 4, requireMa = flags & 8;
  aaa::radius::Authenticator requestAuth;
  std::memcpy(requestAuth.data(), data + 1, 16);
  std::vector<uint8_t> buf(data + 17, data + std::min<size_t>(size, 17 + 4096));
  if (sign) {
    fuzz::setLength(buf);
    fuzz::signMessageAuthenticator(buf, kSecret, requestAuth.data());
    uint8_t ra[16];
    fuzz::md5Authenticator(buf, requestAuth.data(), kSecret, ra);
    std::memcpy(buf.data() + 4, ra, 16);
  }
  const std::string& secret = wrongSecret ? kOtherSecret : kSecret;
  const PacketCode ackCode = coa ? PacketCode::kCoaAck : PacketCode::kDisconnectAck;
  const PacketCode nakCode = coa ? PacketCode::kCoaNak : PacketCode::kDisconnectNak;

  // send()'s sequence, up to "Accepted".
  const size_t len = buf.size();
  const size_t declared = (size_t{buf[2]} << 8) | buf[3];
  if (declared < 20 || declared > len) return 0;
  const PacketCode code = static_cast<PacketCode>(buf[0]);
  if (code != ackCode && code != nakCode) return 0;
  core::Result<aaa::radius::Packet> reply = aaa::radius::decode(buf.data(), len, secret, &requestAuth);
  if (!reply.isOk()) return 0;
  core::Result<aaa::radius::MessageAuthenticatorCheck> ma =
      aaa::radius::verifyMessageAuthenticator(buf.data(), len, secret, &requestAuth);
  if (requireMa && (!ma.isOk() || *ma != aaa::radius::MessageAuthenticatorCheck::kValid)) return 0;
  // An Event-Timestamp that is not 4 octets is a malformed reply (it decoded as raw bytes).
  if (const aaa::radius::Attribute* ts = reply->find(attributes->eventTimestamp))
    if (ts->value.kind != aaa::radius::Value::Kind::kUint32) return 0;

  // Accepted: check it with our own code.
  std::vector<uint8_t> pkt(buf.begin(), buf.begin() + static_cast<long>(declared));
  FUZZ_CHECK(reply->code == code, "decoded code differs");
  FUZZ_CHECK(!(sign && wrongSecret), "accepted a reply signed with another secret");
  uint8_t ra[16];
  fuzz::md5Authenticator(pkt, requestAuth.data(), secret, ra);
  FUZZ_CHECK(std::memcmp(ra, pkt.data() + 4, 16) == 0, "accepted a wrong Response Authenticator");
  std::vector<size_t> mas = fuzz::messageAuthenticators(pkt);
  FUZZ_CHECK(!requireMa || mas.size() == 1, "accepted without the required Message-Authenticator");
  if (!mas.empty()) {
    std::vector<uint8_t> copy = pkt;
    std::memcpy(copy.data() + 4, requestAuth.data(), 16);
    for (size_t at : mas) std::memset(copy.data() + at, 0, 16);
    uint8_t mac[16];
    fuzz::hmacMd5(secret, copy.data(), copy.size(), mac);
    FUZZ_CHECK(std::memcmp(mac, pkt.data() + mas.front(), 16) == 0, "accepted a wrong Message-Authenticator");
  }
  if (const aaa::radius::Attribute* ec = reply->find(attributes->errorCause)) {
    const uint32_t cause = static_cast<uint32_t>(ec->value.number);
    const std::string text = aaa::radius::errorCauseText(cause);
    FUZZ_CHECK(cause == 0 || !text.empty(), "no text for Error-Cause " + std::to_string(cause));
  }
  if (const aaa::radius::Attribute* ts = reply->find(attributes->eventTimestamp))
    FUZZ_CHECK(ts->value.kind == aaa::radius::Value::Kind::kUint32, "Event-Timestamp is not a number");
  return 0;
}
