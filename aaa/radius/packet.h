// RADIUS packets as values, and the codec between them and wire bytes (libfreeradius 3.2.1 behind
// aaa/radius/fr_shim.h).
//
// Contract
// - A Dictionary must be loaded (dictionary.h) before encode()/decode() are called; after that,
//   all functions here may be called from several threads at once (no shared mutable state).
// - Failures come back as a Status, never as an exception, and name what failed:
//     kInvalidArgument  malformed packet, or input the encoder refuses (wrong value kind, value too
//                       long for its attribute, reply without the request's authenticator, ...)
//     kCorrupt          authenticator mismatch: wrong shared secret or an altered packet
//     kNotFound         an attribute the dictionary does not define
//     kFailedPrecondition  no dictionary loaded
//     kInternal         the library did not encode what we expected (a bug, report it)
// - The secret is the NAS's shared secret; it must be non-empty and contain no NUL octet.
//   Messages never contain it.
// - Message-Authenticator (RFC 3579 section 3.2) is checked by decode() when present; whether it
//   is REQUIRED is the caller's policy: use verifyMessageAuthenticator(), which tells absent from
//   valid from invalid (BlastRADIUS, CVE-2024-3596: require it on Access-Request). The one
//   exception is Status-Server (RFC 5997 section 3): encode() and decode() refuse it without one.
// - Salt-encrypted attributes ("encrypt=2" in the dictionary: MS-MPPE-Send-Key/Recv-Key,
//   Tunnel-Password, other vendor keys) are given and returned in clear text; encode() encrypts
//   them (RFC 2548 section 2.4.2, RFC 2868 section 3.5) with a salt from the kernel CSPRNG, never
//   with libfreeradius' unlocked global RNG.
// - Replies name the request they answer by its authenticator and, where it matters, its code
//   (the overloads with `requestCode`: only a Status-Server changes anything, see encode()).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "core/status.h"

namespace aaa::radius {

enum class PacketCode : uint8_t {
  kAccessRequest = 1,
  kAccessAccept = 2,
  kAccessReject = 3,
  kAccountingRequest = 4,
  kAccountingResponse = 5,
  kAccessChallenge = 11,
  kStatusServer = 12,  // RFC 5997; a request, answered with Access-Accept or Accounting-Response
  kDisconnectRequest = 40,
  kDisconnectAck = 41,
  kDisconnectNak = 42,
  kCoaRequest = 43,
  kCoaAck = 44,
  kCoaNak = 45,
};

// "Access-Request", ... ("unknown" for values outside the enum).
const char* packetCodeName(PacketCode code);
// Replies are signed with the request's authenticator: Accept/Reject/Challenge,
// Accounting-Response, Disconnect-ACK/NAK, CoA-ACK/NAK.
bool isReply(PacketCode code);

using Authenticator = std::array<uint8_t, 16>;

// An attribute value. Which kind goes with which AttrType:
//   kString  string                        (bytes: the text, any octets, no NUL terminator)
//   kBytes   octets, ipv6addr, ipv6prefix, ipv4prefix, ether, other   (bytes: wire form)
//   kUint32  integer, byte, short, date, signed (two's complement)    (number)
//   kUint64  integer64                      (number; kUint32 is accepted too when encoding)
//   kIpv4    ipaddr                         (number, host byte order: 10.0.0.1 == 0x0a000001)
// Encoding also accepts kBytes for string attributes and kString for octets ones.
struct Value {
  enum class Kind : uint8_t { kString, kBytes, kUint32, kUint64, kIpv4 };

  Kind kind = Kind::kBytes;
  std::string bytes;
  uint64_t number = 0;

  static Value string(std::string text) { return Value{Kind::kString, std::move(text), 0}; }
  static Value octets(std::string raw) { return Value{Kind::kBytes, std::move(raw), 0}; }
  static Value uint32(uint32_t v) { return Value{Kind::kUint32, {}, v}; }
  static Value uint64(uint64_t v) { return Value{Kind::kUint64, {}, v}; }
  static Value ipv4(uint32_t hostOrder) { return Value{Kind::kIpv4, {}, hostOrder}; }
  static Value ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return ipv4((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
  }

  bool operator==(const Value& o) const {
    return kind == o.kind && bytes == o.bytes && number == o.number;
  }
  bool operator!=(const Value& o) const { return !(*this == o); }
};

struct Attribute {
  AttrRef ref;
  Value value;
  uint8_t tag = 0;  // RFC 2868 tag 1..31 on tagged attributes (Tunnel-*), 0 = none
};

struct Packet {
  PacketCode code = PacketCode::kAccessRequest;
  uint8_t id = 0;
  // Access-Request and Status-Server: the Request Authenticator (random, chosen by the sender).
  // For a decoded packet, the field as received. Ignored by encode() for every other code
  // (computed there).
  Authenticator authenticator{};
  std::vector<Attribute> attributes;  // in wire order

  // The first attribute with this vendor and number, or nullptr.
  const Attribute* find(const AttrRef& ref) const;
};

// Encodes `packet`. Access-Request and Status-Server use packet.authenticator; Accounting-Request,
// CoA-Request and Disconnect-Request get their MD5 Request Authenticator (RFC 2866 section 3,
// RFC 5176 section 3); replies need `requestAuthenticator` (the request's) and get their Response
// Authenticator (RFC 2865 section 3). User-Password is given in clear text and encrypted (RFC 2865
// section 5.2); anywhere but in an Access-Request it is kInvalidArgument. A Message-Authenticator attribute in the list (any value) is computed in place
// (RFC 3579 section 3.2, RFC 5176 section 3.4; see verifyMessageAuthenticator() for the rules): put
// it FIRST in replies. A Status-Server must carry one (RFC 5997 section 3). Attributes are written
// in list order.
//
// Salt-encrypted attributes (dictionary "encrypt=2": MS-MPPE-Send-Key, MS-MPPE-Recv-Key,
// Tunnel-Password, ...) are given in clear text (1..239 octets; a tag on Tunnel-Password as usual)
// and encrypted here: each gets a salt from core::secureRandom() with the high bit set, unique in
// the packet, and the encryption of RFC 2548 section 2.4.2 / RFC 2868 section 3.5 keyed with the
// secret and `requestAuthenticator`. They are accepted in Access-Accept and Access-Challenge only
// (kInvalidArgument elsewhere). The salts make two encodings of the same such packet differ.
//
// Refused (kInvalidArgument) rather than truncated or dropped: values too long for their
// attribute, empty string/octets values, packets over 4096 octets, and what the encoder does not
// support yet (Ascend-style encryption, RFC 6929 extended, WiMAX and TLV attributes,
// NAS-Filter-Rule).
core::Result<std::vector<uint8_t>> encode(const Packet& packet, const std::string& secret,
                                          const Authenticator* requestAuthenticator = nullptr);

// The same for a reply that names the code of the request it answers. Only a Status-Server makes
// a difference: pass PacketCode::kStatusServer for the Access-Accept (authentication port) or
// Accounting-Response (accounting port) answering one. That Accounting-Response's
// Message-Authenticator is computed with the Status-Server's authenticator, like an Access-Accept's
// (RFC 5997 section 3; what FreeRADIUS and radclient check), instead of zeros. The usual request
// code (Access-Request for Access-*, ...) is the 3-argument encode(); anything else, or
// Status-Server for other reply codes, is kInvalidArgument. Ignored for requests.
core::Result<std::vector<uint8_t>> encode(const Packet& packet, const std::string& secret,
                                          const Authenticator* requestAuthenticator,
                                          PacketCode requestCode);

// Checks and decodes one datagram: structure, then the authenticators (Request Authenticator of
// Accounting-Request/CoA-Request/Disconnect-Request; Response Authenticator of replies against
// `requestAuthenticator`, which replies require; Message-Authenticator when present), then the
// attributes. A Status-Server without Message-Authenticator is kInvalidArgument, with a wrong one
// kCorrupt (RFC 5997 section 3); any packet with more than one is kInvalidArgument. User-Password comes back decrypted, as a kString (up to its first
// NUL), from an Access-Request (as received from other packets, which must not carry it). Salt-encrypted attributes (MS-MPPE keys, Tunnel-Password) come back decrypted in replies
// (the clear key, as encode() takes it; a malformed one, or one whose decrypted length does not
// fit, makes the reply kInvalidArgument); in requests they are invalid and come back as received. Unknown attributes come back as kBytes with their numbers
// (Dictionary::nameOf() then fails for them).
core::Result<Packet> decode(const uint8_t* data, size_t len, const std::string& secret,
                            const Authenticator* requestAuthenticator = nullptr);

// The same for a reply to a request of `requestCode` (rules as for encode()): pass kStatusServer
// to decode the answer to a Status-Server.
core::Result<Packet> decode(const uint8_t* data, size_t len, const std::string& secret,
                            const Authenticator* requestAuthenticator, PacketCode requestCode);

enum class MessageAuthenticatorCheck : uint8_t {
  kAbsent,   // no Message-Authenticator attribute
  kValid,    // exactly one, and its HMAC-MD5 matches
  kInvalid,  // HMAC mismatch, more than one, or a length other than 18
};

const char* messageAuthenticatorCheckName(MessageAuthenticatorCheck check);  // "absent", ...

// Checks the Message-Authenticator of a raw packet with our own HMAC-MD5 (mbedTLS), independent of
// libfreeradius: HMAC-MD5 keyed with the secret over the packet (up to its Length field) with the
// attribute's value zeroed and the Authenticator field set to
//   - the packet's own Request Authenticator: Access-Request (RFC 3579 section 3.2) and
//     Status-Server (RFC 5997 section 3);
//   - the request's Request Authenticator: Access-Accept/Reject/Challenge (RFC 3579 section 3.2),
//     CoA-ACK/NAK and Disconnect-ACK/NAK (RFC 5176 section 3.4), and an Accounting-Response when
//     `requestCode` is kStatusServer (RFC 5997 section 3); `requestAuthenticator` required;
//   - 16 zero octets: CoA-Request and Disconnect-Request (RFC 5176 section 3.4), Accounting-Request
//     and other Accounting-Responses (no RFC; what FreeRADIUS does on both ends).
// Checks nothing else (a Status-Server without one is kAbsent here; decode() refuses it). Fails
// (no verdict) when the packet structure is malformed, the code unsupported, an Access/CoA/
// Disconnect reply or an Accounting-Response to a Status-Server comes without
// `requestAuthenticator`, or `requestCode` does not fit the reply (as for encode()).
core::Result<MessageAuthenticatorCheck> verifyMessageAuthenticator(
    const uint8_t* data, size_t len, const std::string& secret,
    const Authenticator* requestAuthenticator = nullptr);
core::Result<MessageAuthenticatorCheck> verifyMessageAuthenticator(
    const uint8_t* data, size_t len, const std::string& secret,
    const Authenticator* requestAuthenticator, PacketCode requestCode);

}  // namespace aaa::radius
