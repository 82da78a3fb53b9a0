#include "aaa/radius/packet.h"

#include <mbedtls/md.h>

#include <cstring>
#include <memory>

#include "aaa/radius/fr_shim.h"

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

}  // namespace

const char* packetCodeName(PacketCode code) {
  switch (code) {
    case PacketCode::kAccessRequest: return "Access-Request";
    case PacketCode::kAccessAccept: return "Access-Accept";
    case PacketCode::kAccessReject: return "Access-Reject";
    case PacketCode::kAccountingRequest: return "Accounting-Request";
    case PacketCode::kAccountingResponse: return "Accounting-Response";
    case PacketCode::kAccessChallenge: return "Access-Challenge";
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

const Attribute* Packet::find(const AttrRef& ref) const {
  for (const Attribute& a : attributes) {
    if (a.ref.vendor == ref.vendor && a.ref.attr == ref.attr) return &a;
  }
  return nullptr;
}

core::Result<std::vector<uint8_t>> encode(const Packet& packet, const std::string& secret,
                                          const Authenticator* requestAuthenticator) {
  EDGE_RETURN_IF_ERROR(checkSecret(secret));
  std::vector<frs_value> values(packet.attributes.size());
  for (size_t i = 0; i < packet.attributes.size(); ++i) {
    EDGE_RETURN_IF_ERROR(toShim(packet.attributes[i], values[i]));
  }
  std::vector<uint8_t> out(kMaxPacketLen);
  size_t outLen = 0;
  std::array<char, 512> err{};
  int rc = frs_encode(static_cast<unsigned>(packet.code), packet.id, packet.authenticator.data(),
                      values.data(), values.size(), secret.c_str(),
                      requestAuthenticator ? requestAuthenticator->data() : nullptr, out.data(),
                      out.size(), &outLen, err.data(), err.size());
  if (rc != FRS_OK) return statusFromShim(rc, err.data());
  out.resize(outLen);
  return out;
}

core::Result<Packet> decode(const uint8_t* data, size_t len, const std::string& secret,
                            const Authenticator* requestAuthenticator) {
  EDGE_RETURN_IF_ERROR(checkSecret(secret));
  frs_decoded* raw = nullptr;
  std::array<char, 512> err{};
  int rc = frs_decode(data, len, secret.c_str(),
                      requestAuthenticator ? requestAuthenticator->data() : nullptr, &raw,
                      err.data(), err.size());
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

const char* messageAuthenticatorCheckName(MessageAuthenticatorCheck check) {
  switch (check) {
    case MessageAuthenticatorCheck::kAbsent: return "absent";
    case MessageAuthenticatorCheck::kValid: return "valid";
    case MessageAuthenticatorCheck::kInvalid: return "invalid";
  }
  return "unknown";
}

core::Result<MessageAuthenticatorCheck> verifyMessageAuthenticator(
    const uint8_t* data, size_t len, const std::string& secret,
    const Authenticator* requestAuthenticator) {
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
  // The Authenticator field as it was when the sender computed the HMAC:
  switch (static_cast<PacketCode>(code)) {
    case PacketCode::kAccessRequest:
      break;  // the packet's own Request Authenticator (RFC 3579 section 3.2)
    case PacketCode::kDisconnectRequest:
    case PacketCode::kCoaRequest:
      // 16 zero octets: the Request Authenticator is computed after the HMAC (RFC 5176
      // section 3.3).
    case PacketCode::kAccountingRequest:
    case PacketCode::kAccountingResponse:
      // No RFC defines Message-Authenticator for accounting; FreeRADIUS (radiusd, radclient, the
      // 3.2.1 library in both rad_sign and rad_verify) uses 16 zero octets, so we match the peers.
      std::memset(buf.data() + 4, 0, 16);
      break;
    default:
      // Access-Accept/Reject/Challenge (RFC 3579 section 3.2) and CoA/Disconnect ACK/NAK
      // (RFC 5176 section 3.3): the Request Authenticator of the request being answered.
      if (!requestAuthenticator) {
        return core::invalidArgument(std::string(packetCodeName(static_cast<PacketCode>(code))) +
                                     " is a reply: the request's authenticator is needed to check "
                                     "its Message-Authenticator");
      }
      std::memcpy(buf.data() + 4, requestAuthenticator->data(), 16);
      break;
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

}  // namespace aaa::radius
