// The general RADIUS codec (aaa/radius/packet.h over the FreeRADIUS 3.2.1 shim, fr_shim.c): decode()
// of requests and replies, verifyMessageAuthenticator(), and encode() of what was decoded.
// libfreeradius 3.2.1's decoder was never fuzzed upstream (FIELD-NOTES); this is our own cover.
//
// Input: flags, the 16-octet Request Authenticator of the request a reply answers, the datagram.
//   flags bits 0-1  0 decode without a request (fine for requests only); 1 with `requestAuth` as
//                   the request's authenticator (replies need it, requests ignore it); 2 the same
//                   with the request being a Status-Server
//   bit 2           sign it first with the secret as its code requires (Message-Authenticator,
//                   Request or Response Authenticator), so the fuzzer gets past the checks
//   bit 3           decode with another secret than the one it was signed with
// Properties (checked with our own MD5/HMAC, not the code under test):
//   - Nothing is accepted unverified: a decoded Accounting-Request, CoA-Request or
//     Disconnect-Request has a good Request Authenticator, a decoded reply a good Response
//     Authenticator, a decoded packet with a Message-Authenticator a good HMAC; Status-Server is not
//     decoded without one. Signed with one secret and decoded with another, none of those decode.
//   - verifyMessageAuthenticator() agrees with our HMAC on every packet the decoder accepted.
//   - Round trip: what decode() returns and encode() accepts, encode()s into a datagram that
//     decode()s into the same code, id and attributes.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "radius_codec";
const std::string kSecret = "testing123";
const std::string kOtherSecret = "not-the-secret";

using aaa::radius::Authenticator;
using aaa::radius::PacketCode;

bool isRequestWithMd5Authenticator(uint8_t code) { return code == 4 || code == 40 || code == 43; }

// The Authenticator field a Message-Authenticator is computed with (packet.h, RFC 3579 3.2,
// RFC 5176 3.4, RFC 5997 3).
const uint8_t* maAuthenticator(const std::vector<uint8_t>& p, bool reply, bool toStatusServer, const uint8_t* requestAuth) {
  static const uint8_t kZero[16] = {};
  uint8_t code = p[0];
  if (!reply) return (code == 1 || code == 12) ? p.data() + 4 : kZero;
  if (code == 5 && !toStatusServer) return kZero;
  return requestAuth;
}

std::string describe(const aaa::radius::Packet& p) {
  std::string s = "code " + std::to_string(static_cast<int>(p.code)) + " id " + std::to_string(p.id) + ":";
  for (const auto& a : p.attributes)
    s += " " + std::to_string(a.ref.vendor) + "." + std::to_string(a.ref.attr) + "/" +
         std::to_string(static_cast<int>(a.value.kind)) + "(" + std::to_string(a.value.bytes.size()) + ")";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto dict = aaa::radius::Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR);
  if (!dict.isOk()) fuzz::fail(kTarget, "dictionary: " + dict.status().message());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 + 16 + 20) return 0;
  const uint8_t flags = data[0];
  const int role = flags & 3;
  if (role == 3) return 0;
  const bool withRequest = role != 0, toStatusServer = role == 2, sign = flags & 4, wrongSecret = flags & 8;
  Authenticator requestAuth;
  std::memcpy(requestAuth.data(), data + 1, 16);
  std::vector<uint8_t> p(data + 17, data + std::min<size_t>(size, 17 + 4096));
  const bool reply = aaa::radius::isReply(static_cast<PacketCode>(p[0]));

  if (sign) {
    fuzz::setLength(p);
    const uint8_t code = p[0];
    const uint8_t* maAuth = maAuthenticator(p, reply, toStatusServer, requestAuth.data());
    std::vector<uint8_t> authCopy(maAuth, maAuth + 16);  // p may move below
    if (!reply && isRequestWithMd5Authenticator(code)) {
      std::memset(p.data() + 4, 0, 16);
      fuzz::signMessageAuthenticator(p, kSecret, authCopy.data());
      uint8_t ra[16];
      static const uint8_t kZero[16] = {};
      fuzz::md5Authenticator(p, kZero, kSecret, ra);
      std::memcpy(p.data() + 4, ra, 16);
    } else if (reply) {
      fuzz::signMessageAuthenticator(p, kSecret, authCopy.data());
      uint8_t ra[16];
      fuzz::md5Authenticator(p, requestAuth.data(), kSecret, ra);
      std::memcpy(p.data() + 4, ra, 16);
    } else {
      fuzz::signMessageAuthenticator(p, kSecret, authCopy.data());
    }
  }
  const std::string& secret = wrongSecret ? kOtherSecret : kSecret;

  core::Result<aaa::radius::Packet> decoded =
      toStatusServer ? aaa::radius::decode(p.data(), p.size(), secret, &requestAuth, PacketCode::kStatusServer)
                     : aaa::radius::decode(p.data(), p.size(), secret, withRequest ? &requestAuth : nullptr);
  core::Result<aaa::radius::MessageAuthenticatorCheck> maCheck =
      toStatusServer ? aaa::radius::verifyMessageAuthenticator(p.data(), p.size(), secret, &requestAuth,
                                                               PacketCode::kStatusServer)
                     : aaa::radius::verifyMessageAuthenticator(p.data(), p.size(), secret,
                                                               withRequest ? &requestAuth : nullptr);
  if (!decoded.isOk()) return 0;
  FUZZ_CHECK(!reply || withRequest, "decoded a reply without the request's authenticator");

  // The packet as the decoder saw it: up to its Length field.
  const size_t length = (size_t{p[2]} << 8) | p[3];
  FUZZ_CHECK(length >= 20 && length <= p.size(), "decoded a packet whose Length does not fit");
  std::vector<uint8_t> pkt(p.begin(), p.begin() + static_cast<long>(length));
  const uint8_t code = pkt[0];
  FUZZ_CHECK(static_cast<uint8_t>(decoded->code) == code && decoded->id == pkt[1], "code or id changed");

  const bool signedWithOther = sign && wrongSecret;
  static const uint8_t kZero[16] = {};
  if (!reply && isRequestWithMd5Authenticator(code)) {
    uint8_t ra[16];
    fuzz::md5Authenticator(pkt, kZero, secret, ra);
    FUZZ_CHECK(std::memcmp(ra, pkt.data() + 4, 16) == 0, "accepted a wrong Request Authenticator");
    FUZZ_CHECK(!signedWithOther, "accepted a request signed with another secret");
  }
  if (reply) {
    uint8_t ra[16];
    fuzz::md5Authenticator(pkt, requestAuth.data(), secret, ra);
    FUZZ_CHECK(std::memcmp(ra, pkt.data() + 4, 16) == 0, "accepted a wrong Response Authenticator");
    FUZZ_CHECK(!signedWithOther, "accepted a reply signed with another secret");
  }
  std::vector<size_t> mas = fuzz::messageAuthenticators(pkt);
  FUZZ_CHECK(code != 12 || !mas.empty(), "decoded a Status-Server without Message-Authenticator");
  if (!mas.empty()) {
    std::vector<uint8_t> copy = pkt;
    std::memcpy(copy.data() + 4, maAuthenticator(pkt, reply, toStatusServer, requestAuth.data()), 16);
    for (size_t a : mas) std::memset(copy.data() + a, 0, 16);
    uint8_t mac[16];
    fuzz::hmacMd5(secret, copy.data(), copy.size(), mac);
    FUZZ_CHECK(std::memcmp(mac, pkt.data() + mas.front(), 16) == 0, "accepted a wrong Message-Authenticator");
    FUZZ_CHECK(!signedWithOther, "accepted a Message-Authenticator made with another secret");
    FUZZ_CHECK(maCheck.isOk(), "verifyMessageAuthenticator failed on a packet decode() accepted: " +
                                   maCheck.status().message());
    FUZZ_CHECK(mas.size() == 1, "decoded a packet with several Message-Authenticators");
    FUZZ_CHECK(*maCheck == aaa::radius::MessageAuthenticatorCheck::kValid,
               "verifyMessageAuthenticator disagrees with our HMAC");
  } else if (maCheck.isOk()) {
    FUZZ_CHECK(*maCheck == aaa::radius::MessageAuthenticatorCheck::kAbsent,
               "verifyMessageAuthenticator found a Message-Authenticator we did not");
  }

  // Round trip through the encoder.
  core::Result<std::vector<uint8_t>> encoded =
      !reply ? aaa::radius::encode(*decoded, secret)
             : aaa::radius::encode(*decoded, secret, &requestAuth,
                                   toStatusServer ? PacketCode::kStatusServer
                                                  : (code == 5 ? PacketCode::kAccountingRequest
                                                     : code == 41 || code == 42 ? PacketCode::kDisconnectRequest
                                                     : code == 44 || code == 45 ? PacketCode::kCoaRequest
                                                                                : PacketCode::kAccessRequest));
  if (!encoded.isOk()) {
    FUZZ_CHECK(encoded.status().code() != core::Code::kInternal, "encode() of a decoded packet: " +
                                                                     encoded.status().message());
    return 0;  // refused input (empty values, unsupported types, ...): fine
  }
  core::Result<aaa::radius::Packet> again =
      toStatusServer ? aaa::radius::decode(encoded->data(), encoded->size(), secret, &requestAuth, PacketCode::kStatusServer)
                     : aaa::radius::decode(encoded->data(), encoded->size(), secret, reply ? &requestAuth : nullptr);
  FUZZ_CHECK(again.isOk(), "our own encoding does not decode: " + again.status().message() + " [" +
                               describe(*decoded) + "]");
  FUZZ_CHECK(again->code == decoded->code && again->id == decoded->id, "round trip changed code or id");
  bool same = again->attributes.size() == decoded->attributes.size();
  for (size_t i = 0; same && i < again->attributes.size(); ++i) {
    const auto& x = again->attributes[i];
    const auto& y = decoded->attributes[i];
    const bool messageAuthenticator = x.ref.vendor == 0 && x.ref.attr == 80;  // recomputed by encode()
    same = x.ref == y.ref && (messageAuthenticator || x.value == y.value) && x.tag == y.tag;
  }
  FUZZ_CHECK(same, "round trip changed the attributes: [" + describe(*decoded) + "] -> [" + describe(*again) + "]");
  return 0;
}
