#include "aaa/radius/packet.h"

#include <mbedtls/md.h>

#include <cstring>
#include <memory>

#include "aaa/auth/mppe.h"
#include "aaa/radius/fr_shim.h"
#include "core/ids.h"

namespace aaa::radius {

namespace {

constexpr size_t kHeaderLen = 20;          // RFC 2865 section 3
constexpr size_t kMaxPacketLen = FRS_MAX_PACKET_LEN;
constexpr uint8_t kMessageAuthenticator = 80;  // RFC 2869 section 5.14
constexpr size_t kMessageAuthenticatorLen = 18;

// The codes PacketCode names (the shim handles the same set).
bool isKnownCode(unsigned code) {
  switch (code) {
    case FRS_CODE_ACCESS_REQUEST:
    case FRS_CODE_ACCESS_ACCEPT:
    case FRS_CODE_ACCESS_REJECT:
    case FRS_CODE_ACCOUNTING_REQUEST:
    case FRS_CODE_ACCOUNTING_RESPONSE:
    case FRS_CODE_ACCESS_CHALLENGE:
    case FRS_CODE_STATUS_SERVER:
    case FRS_CODE_DISCONNECT_REQUEST:
    case FRS_CODE_DISCONNECT_ACK:
    case FRS_CODE_DISCONNECT_NAK:
    case FRS_CODE_COA_REQUEST:
    case FRS_CODE_COA_ACK:
    case FRS_CODE_COA_NAK:
      return true;
    default:
      return false;
  }
}

core::Status statusFromShim(int rc, const char* message) {
  switch (rc) {
    case FRS_ERR_ARGUMENT:
    case FRS_ERR_MALFORMED: return core::invalidArgument(message);
    case FRS_ERR_NOT_FOUND: return core::notFound(message);
    case FRS_ERR_AUTHENTICATOR: return core::corrupt(message);
    case FRS_ERR_STATE:
    case FRS_ERR_LIBRARY: return core::failedPrecondition(message);
    case FRS_ERR_NO_MEMORY: return core::resourceExhausted(message);
    default: return core::internalError(message);  // FRS_ERR_ENCODE, FRS_ERR_BUFFER
  }
}

core::Status checkSecret(const std::string& secret) {
  // The library takes the secret as a C string (strlen), so an embedded NUL would silently shorten
  // it; refuse rather than sign with a different key than configured.
  if (secret.empty()) return core::invalidArgument("shared secret is empty");
  if (secret.find('\0') != std::string::npos) {
    return core::invalidArgument("shared secret contains a NUL octet");
  }
  return core::Status::ok();
}

std::string describe(const AttrRef& ref) {
  std::array<char, 128> name{};
  if (frs_attr_name(ref.vendor, ref.attr, name.data(), name.size()) == FRS_OK) return name.data();
  return "attribute (vendor " + std::to_string(ref.vendor) + ", attr " + std::to_string(ref.attr) + ")";
}

// Value -> frs_value for the attribute's dictionary type; the shim checks ranges and lengths.
core::Status toShim(const Attribute& a, frs_value& out) {
  out = frs_value{};
  out.vendor = a.ref.vendor;
  out.attr = a.ref.attr;
  out.type = static_cast<frs_type>(a.ref.type);
  out.tag = a.tag;
  const Value& v = a.value;
  auto mismatch = [&]() {
    return core::invalidArgument(describe(a.ref) + " is " + attrTypeName(a.ref.type) +
                                 " in the dictionary; this value kind does not fit it");
  };
  auto bytes = [&]() {
    out.data = reinterpret_cast<const uint8_t*>(v.bytes.data());
    out.len = v.bytes.size();
  };
  switch (a.ref.type) {
    case AttrType::kString:
    case AttrType::kOctets:
      if (v.kind != Value::Kind::kString && v.kind != Value::Kind::kBytes) return mismatch();
      bytes();
      return core::Status::ok();
    case AttrType::kIpv6Addr:
    case AttrType::kIpv6Prefix:
    case AttrType::kIpv4Prefix:
    case AttrType::kEther:
    case AttrType::kOther:
      if (v.kind != Value::Kind::kBytes) return mismatch();
      bytes();
      return core::Status::ok();
    case AttrType::kInteger:
    case AttrType::kByte:
    case AttrType::kShort:
    case AttrType::kDate:
      if (v.kind != Value::Kind::kUint32) return mismatch();
      out.num = v.number;
      return core::Status::ok();
    case AttrType::kSigned:
      if (v.kind != Value::Kind::kUint32) return mismatch();
      // Two's complement in 32 bits, sign-extended as the shim expects.
      out.num = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v.number))));
      return core::Status::ok();
    case AttrType::kInteger64:
      if (v.kind != Value::Kind::kUint64 && v.kind != Value::Kind::kUint32) return mismatch();
      out.num = v.number;
      return core::Status::ok();
    case AttrType::kIpAddr:
      if (v.kind != Value::Kind::kIpv4) return mismatch();
      out.num = v.number;
      return core::Status::ok();
  }
  return core::invalidArgument(describe(a.ref) + ": unknown attribute type");
}

Attribute attributeFromShim(const frs_value& in) {
  Attribute a;
  a.ref = AttrRef{in.vendor, in.attr, static_cast<AttrType>(in.type)};
  a.tag = in.tag;
  auto raw = [&]() {
    return std::string(reinterpret_cast<const char*>(in.data), in.data ? in.len : 0);
  };
  switch (in.type) {
    case FRS_TYPE_STRING: a.value = Value::string(raw()); break;
    case FRS_TYPE_INTEGER:
    case FRS_TYPE_BYTE:
    case FRS_TYPE_SHORT:
    case FRS_TYPE_DATE:
    case FRS_TYPE_SIGNED: a.value = Value::uint32(static_cast<uint32_t>(in.num)); break;
    case FRS_TYPE_INTEGER64: a.value = Value::uint64(in.num); break;
    case FRS_TYPE_IPADDR: a.value = Value::ipv4(static_cast<uint32_t>(in.num)); break;
    default: a.value = Value::octets(raw()); break;
  }
  return a;
}

struct DecodedDeleter {
  void operator()(frs_decoded* d) const { frs_decoded_free(d); }
};

// Indexes of the salt-encrypted ("encrypt=2") attributes among `values`. Only string and octets
// attributes can have that flag, so the others skip the lookup. Unknown attributes are left to the
// shim, which names them.
core::Result<std::vector<size_t>> saltEncryptedAttributes(const std::vector<frs_value>& values) {
  std::vector<size_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].type != FRS_TYPE_STRING && values[i].type != FRS_TYPE_OCTETS) continue;
    frs_encryption encryption = FRS_ENCRYPT_NONE;
    int rc = frs_attr_encryption(values[i].vendor, values[i].attr, &encryption);
    if (rc == FRS_ERR_STATE) return core::failedPrecondition("encoding: no dictionary loaded");
    if (rc == FRS_OK && encryption == FRS_ENCRYPT_TUNNEL_PASSWORD) out.push_back(i);
  }
  return out;
}

// RFC 2548 section 2.4.2 (MS-MPPE-Send-Key/Recv-Key) and RFC 2868 section 3.5 (Tunnel-Password):
// Salt + encrypted (Length + value + zero padding), keyed with the secret, the Request
// Authenticator of the request being answered and the salt. The salt's high bit MUST be set and
// each salt MUST be unique in the packet; we draw it from the kernel CSPRNG because libfreeradius'
// own salting (fr_rand() and a static counter) is unlocked global state shared by all threads.
// The encrypted values go to the shim flagged FRS_VALUE_ENCRYPTED; `storage` keeps them alive
// until frs_encode() returns.
core::Status encryptSaltedAttributes(const Packet& packet, const std::string& secret,
                                     const Authenticator* requestAuthenticator,
                                     const std::vector<size_t>& which, std::vector<frs_value>& values,
                                     std::vector<std::vector<uint8_t>>& storage) {
  const Attribute& first = packet.attributes[which.front()];
  if (packet.code != PacketCode::kAccessAccept && packet.code != PacketCode::kAccessChallenge) {
    return core::invalidArgument(describe(first.ref) + ": salt-encrypted attributes (MS-MPPE keys, "
                                 "Tunnel-Password) are encoded in Access-Accept and Access-Challenge "
                                 "only, not in " + packetCodeName(packet.code));
  }
  if (!requestAuthenticator) {
    return core::invalidArgument(std::string(packetCodeName(packet.code)) +
                                 " is a reply: the request's authenticator is needed to sign it "
                                 "(RFC 2865 section 3) and to encrypt " + describe(first.ref));
  }
  std::vector<uint8_t> salts(2 * which.size());
  core::secureRandom(salts.data(), salts.size());
  storage.reserve(which.size());
  for (size_t k = 0; k < which.size(); ++k) {
    uint8_t* salt = salts.data() + 2 * k;
    salt[0] |= 0x80;
    for (;;) {  // unique among this packet's salts; a repeat has odds of about k in 32768
      bool repeated = false;
      for (size_t j = 0; j < k; ++j) repeated |= std::memcmp(salt, salts.data() + 2 * j, 2) == 0;
      if (!repeated) break;
      core::secureRandom(salt, 2);
      salt[0] |= 0x80;
    }
    const Attribute& a = packet.attributes[which[k]];
    const std::string& clear = a.value.bytes;
    if (clear.empty() || clear.size() > auth::kMppeMaxKeyLength) {
      return core::invalidArgument(describe(a.ref) + ": value is " + std::to_string(clear.size()) +
                                   " octets; a salt-encrypted attribute holds 1.." +
                                   std::to_string(auth::kMppeMaxKeyLength) +
                                   " (RFC 2548 section 2.4.2, RFC 2868 section 3.5)");
    }
    storage.emplace_back(auth::mppeKeyValueLength(clear.size()));
    std::vector<uint8_t>& out = storage.back();
    size_t outLen = 0;
    core::Status s = auth::encryptMppeKey(reinterpret_cast<const uint8_t*>(clear.data()), clear.size(),
                                          secret, requestAuthenticator->data(), salt, out.data(),
                                          out.size(), &outLen);
    if (!s.isOk()) return s.withContext(describe(a.ref));
    frs_value& v = values[which[k]];
    v.data = out.data();
    v.len = outLen;
    v.flags = FRS_VALUE_ENCRYPTED;
  }
  return core::Status::ok();
}

}  // namespace

const char* packetCodeName(PacketCode code) {
  switch (code) {
    case PacketCode::kAccessRequest: return "Access-Request";
    case PacketCode::kAccessAccept: return "Access-Accept";
    case PacketCode::kAccessReject: return "Access-Reject";
    case PacketCode::kAccountingRequest: return "Accounting-Request";
    case PacketCode::kAccountingResponse: return "Accounting-Response";
    case PacketCode::kAccessChallenge: return "Access-Challenge";
    case PacketCode::kStatusServer: return "Status-Server";
    case PacketCode::kDisconnectRequest: return "Disconnect-Request";
    case PacketCode::kDisconnectAck: return "Disconnect-ACK";
    case PacketCode::kDisconnectNak: return "Disconnect-NAK";
    case PacketCode::kCoaRequest: return "CoA-Request";
    case PacketCode::kCoaAck: return "CoA-ACK";
    case PacketCode::kCoaNak: return "CoA-NAK";
  }
  return "unknown";
}

bool isReply(PacketCode code) {
  switch (code) {
    case PacketCode::kAccessAccept:
    case PacketCode::kAccessReject:
    case PacketCode::kAccessChallenge:
    case PacketCode::kAccountingResponse:
    case PacketCode::kDisconnectAck:
    case PacketCode::kDisconnectNak:
    case PacketCode::kCoaAck:
    case PacketCode::kCoaNak:
      return true;
    default:
      return false;
  }
}

namespace {

// The request a reply usually answers (RFC 2865, 2866, 5176); the code itself for requests.
PacketCode requestCodeFor(PacketCode reply) {
  switch (reply) {
    case PacketCode::kAccessAccept:
    case PacketCode::kAccessReject:
    case PacketCode::kAccessChallenge: return PacketCode::kAccessRequest;
    case PacketCode::kAccountingResponse: return PacketCode::kAccountingRequest;
    case PacketCode::kDisconnectAck:
    case PacketCode::kDisconnectNak: return PacketCode::kDisconnectRequest;
    case PacketCode::kCoaAck:
    case PacketCode::kCoaNak: return PacketCode::kCoaRequest;
    default: return reply;
  }
}

}  // namespace

const Attribute* Packet::find(const AttrRef& ref) const {
  for (const Attribute& a : attributes) {
    if (a.ref.vendor == ref.vendor && a.ref.attr == ref.attr) return &a;
  }
  return nullptr;
}

namespace {

// `requestCode` in the shim's terms: 0 for the usual request of a reply code.
core::Result<std::vector<uint8_t>> encodeAnswering(const Packet& packet, const std::string& secret,
                                                   const Authenticator* requestAuthenticator,
                                                   unsigned requestCode) {
  EDGE_RETURN_IF_ERROR(checkSecret(secret));
  std::vector<frs_value> values(packet.attributes.size());
  for (size_t i = 0; i < packet.attributes.size(); ++i) {
    EDGE_RETURN_IF_ERROR(toShim(packet.attributes[i], values[i]));
  }
  core::Result<std::vector<size_t>> salted = saltEncryptedAttributes(values);
  if (!salted.isOk()) return salted.status();
  std::vector<std::vector<uint8_t>> encrypted;
  if (!salted->empty()) {
    EDGE_RETURN_IF_ERROR(
        encryptSaltedAttributes(packet, secret, requestAuthenticator, *salted, values, encrypted));
  }
  std::vector<uint8_t> out(kMaxPacketLen);
  size_t outLen = 0;
  std::array<char, 512> err{};
  int rc = frs_encode(static_cast<unsigned>(packet.code), packet.id, packet.authenticator.data(),
                      values.data(), values.size(), secret.c_str(),
                      requestAuthenticator ? requestAuthenticator->data() : nullptr,
                      requestCode, out.data(), out.size(), &outLen, err.data(), err.size());
  if (rc != FRS_OK) return statusFromShim(rc, err.data());
  out.resize(outLen);
  return out;
}

}  // namespace

core::Result<std::vector<uint8_t>> encode(const Packet& packet, const std::string& secret,
                                          const Authenticator* requestAuthenticator) {
  return encodeAnswering(packet, secret, requestAuthenticator, 0);
}

core::Result<std::vector<uint8_t>> encode(const Packet& packet, const std::string& secret,
                                          const Authenticator* requestAuthenticator,
                                          PacketCode requestCode) {
  return encodeAnswering(packet, secret, requestAuthenticator, static_cast<unsigned>(requestCode));
}

namespace {

core::Result<Packet> decodeAnswering(const uint8_t* data, size_t len, const std::string& secret,
                                     const Authenticator* requestAuthenticator, unsigned requestCode) {
  EDGE_RETURN_IF_ERROR(checkSecret(secret));
  frs_decoded* raw = nullptr;
  std::array<char, 512> err{};
  int rc = frs_decode(data, len, secret.c_str(),
                      requestAuthenticator ? requestAuthenticator->data() : nullptr,
                      requestCode, &raw, err.data(), err.size());
  if (rc != FRS_OK) return statusFromShim(rc, err.data());
  std::unique_ptr<frs_decoded, DecodedDeleter> decoded(raw);

  Packet packet;
  packet.code = static_cast<PacketCode>(frs_decoded_code(decoded.get()));  // shim accepts ours only
  packet.id = frs_decoded_id(decoded.get());
  std::memcpy(packet.authenticator.data(), frs_decoded_vector(decoded.get()), packet.authenticator.size());
  const frs_value* values = frs_decoded_values(decoded.get());
  size_t count = frs_decoded_count(decoded.get());
  packet.attributes.reserve(count);
  for (size_t i = 0; i < count; ++i) packet.attributes.push_back(attributeFromShim(values[i]));
  return packet;
}

}  // namespace

core::Result<Packet> decode(const uint8_t* data, size_t len, const std::string& secret,
                            const Authenticator* requestAuthenticator) {
  return decodeAnswering(data, len, secret, requestAuthenticator, 0);
}

core::Result<Packet> decode(const uint8_t* data, size_t len, const std::string& secret,
                            const Authenticator* requestAuthenticator, PacketCode requestCode) {
  return decodeAnswering(data, len, secret, requestAuthenticator, static_cast<unsigned>(requestCode));
}

const char* messageAuthenticatorCheckName(MessageAuthenticatorCheck check) {
  switch (check) {
    case MessageAuthenticatorCheck::kAbsent: return "absent";
    case MessageAuthenticatorCheck::kValid: return "valid";
    case MessageAuthenticatorCheck::kInvalid: return "invalid";
  }
  return "unknown";
}

namespace {

// `requestCode`: the request a reply answers, or nullptr for the usual one.
core::Result<MessageAuthenticatorCheck> verifyAnswering(const uint8_t* data, size_t len,
                                                        const std::string& secret,
                                                        const Authenticator* requestAuthenticator,
                                                        const PacketCode* requestCode) {
  EDGE_RETURN_IF_ERROR(checkSecret(secret));
  if (!data || len < kHeaderLen) {
    return core::invalidArgument("packet is " + std::to_string(len) +
                                 " octets, shorter than the 20-octet RADIUS header");
  }
  // Length field: octets beyond it are padding and not covered by the HMAC (RFC 2865 section 3).
  size_t total = (size_t{data[2]} << 8) | data[3];
  if (total < kHeaderLen || total > kMaxPacketLen || total > len) {
    return core::invalidArgument("Length field is " + std::to_string(total) + " for a " +
                                 std::to_string(len) + "-octet datagram (RFC 2865 section 3)");
  }
  unsigned code = data[0];
  if (!isKnownCode(code)) {
    return core::invalidArgument("packet code " + std::to_string(code) + " is not supported");
  }
  const PacketCode packetCode = static_cast<PacketCode>(code);
  // An Accounting-Response answering a Status-Server is signed like an Access-Accept (RFC 5997
  // section 3); the same rules for `requestCode` as the shim applies in encode()/decode().
  bool answersStatusServer = false;
  if (isReply(packetCode) && requestCode && *requestCode != requestCodeFor(packetCode)) {
    if (*requestCode != PacketCode::kStatusServer ||
        (packetCode != PacketCode::kAccessAccept && packetCode != PacketCode::kAccountingResponse)) {
      return core::invalidArgument(std::string(packetCodeName(packetCode)) + " does not answer a " +
                                   packetCodeName(*requestCode) +
                                   "; a Status-Server is answered with Access-Accept or "
                                   "Accounting-Response (RFC 5997 section 3)");
    }
    answersStatusServer = true;
  }

  // Walk the attributes (RFC 2865 section 5: type, length >= 2, value) to find the
  // Message-Authenticator; a structure we cannot walk gets no verdict.
  size_t maOffset = 0;
  int maCount = 0;
  bool maBadLength = false;
  for (size_t pos = kHeaderLen; pos < total;) {
    if (total - pos < 2) return core::invalidArgument("attribute header runs past the end of the packet");
    size_t attrLen = data[pos + 1];
    if (attrLen < 2) return core::invalidArgument("attribute length below 2 (RFC 2865 section 5)");
    if (attrLen > total - pos) return core::invalidArgument("attribute runs past the end of the packet");
    if (data[pos] == kMessageAuthenticator) {
      ++maCount;
      maOffset = pos;
      if (attrLen != kMessageAuthenticatorLen) maBadLength = true;
    }
    pos += attrLen;
  }
  if (maCount == 0) return MessageAuthenticatorCheck::kAbsent;
  // RFC 3579 section 3.2 defines exactly one 18-octet attribute; anything else cannot be valid.
  if (maCount > 1 || maBadLength) return MessageAuthenticatorCheck::kInvalid;

  std::array<uint8_t, kMaxPacketLen> buf;
  std::memcpy(buf.data(), data, total);
  // The Authenticator field as it was when the sender computed the HMAC.
  enum class Basis { kOwn, kZeros, kRequest };
  Basis basis = Basis::kRequest;
  switch (packetCode) {
    case PacketCode::kAccessRequest:
    case PacketCode::kStatusServer:
      // The packet's own Request Authenticator (RFC 3579 section 3.2; RFC 5997 section 3 signs a
      // Status-Server like an Access-Request).
      basis = Basis::kOwn;
      break;
    case PacketCode::kDisconnectRequest:
    case PacketCode::kCoaRequest:
      // 16 zero octets: the Request Authenticator is computed after the HMAC (RFC 5176
      // section 3.3).
    case PacketCode::kAccountingRequest:
      // No RFC defines Message-Authenticator for accounting; FreeRADIUS (radiusd, radclient, the
      // 3.2.1 library in both rad_sign and rad_verify) uses 16 zero octets, so we match the peers.
      basis = Basis::kZeros;
      break;
    case PacketCode::kAccountingResponse:
      // Zeros as above, except in the answer to a Status-Server, which is signed like an
      // Access-Accept (RFC 5997 section 3; FreeRADIUS' rad_sign/rad_verify do the same).
      basis = answersStatusServer ? Basis::kRequest : Basis::kZeros;
      break;
    default:
      // Access-Accept/Reject/Challenge (RFC 3579 section 3.2) and CoA/Disconnect ACK/NAK
      // (RFC 5176 section 3.4): the Request Authenticator of the request being answered.
      basis = Basis::kRequest;
      break;
  }
  if (basis == Basis::kZeros) std::memset(buf.data() + 4, 0, 16);
  if (basis == Basis::kRequest) {
    if (!requestAuthenticator) {
      return core::invalidArgument(std::string(packetCodeName(packetCode)) +
                                   " is a reply: the request's authenticator is needed to check "
                                   "its Message-Authenticator");
    }
    std::memcpy(buf.data() + 4, requestAuthenticator->data(), 16);
  }
  std::array<uint8_t, 16> received;
  std::memcpy(received.data(), data + maOffset + 2, 16);
  std::memset(buf.data() + maOffset + 2, 0, 16);

  std::array<uint8_t, 16> computed{};
  const mbedtls_md_info_t* md5 = mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
  if (!md5) return core::internalError("mbedTLS was built without MD5");
  if (mbedtls_md_hmac(md5, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                      buf.data(), total, computed.data()) != 0) {
    return core::internalError("mbedTLS HMAC-MD5 failed");
  }
  // Constant time: the comparison must not tell an attacker how many leading octets matched.
  uint8_t diff = 0;
  for (size_t i = 0; i < computed.size(); ++i) diff |= static_cast<uint8_t>(computed[i] ^ received[i]);
  return diff == 0 ? MessageAuthenticatorCheck::kValid : MessageAuthenticatorCheck::kInvalid;
}

}  // namespace

core::Result<MessageAuthenticatorCheck> verifyMessageAuthenticator(
    const uint8_t* data, size_t len, const std::string& secret,
    const Authenticator* requestAuthenticator) {
  return verifyAnswering(data, len, secret, requestAuthenticator, nullptr);
}

core::Result<MessageAuthenticatorCheck> verifyMessageAuthenticator(
    const uint8_t* data, size_t len, const std::string& secret,
    const Authenticator* requestAuthenticator, PacketCode requestCode) {
  return verifyAnswering(data, len, secret, requestAuthenticator, &requestCode);
}

}  // namespace aaa::radius
