// EAP packets (RFC 3748 section 4) and the framing of the TLS-based methods (EAP-TLS, RFC 5216
// section 3; PEAP and EAP-TTLS, RFC 5281 section 9.2, use the same with a version in the flags).
//
// Contract: the parsers take bytes from the network and never read past `len`; the views they
// return point into the input. Nothing here allocates except the builders and the Reassembler's
// buffer (bounded by its limit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaa::eap {

enum class Code : uint8_t { kRequest = 1, kResponse = 2, kSuccess = 3, kFailure = 4 };

// Method types (IANA "EAP Method Types").
inline constexpr uint8_t kTypeIdentity = 1;
inline constexpr uint8_t kTypeNotification = 2;
inline constexpr uint8_t kTypeNak = 3;
inline constexpr uint8_t kTypeTls = 13;
inline constexpr uint8_t kTypeTtls = 21;
inline constexpr uint8_t kTypePeap = 25;
inline constexpr uint8_t kTypeMsChapV2 = 26;
inline constexpr uint8_t kTypeExtensions = 33;  // PEAP's Result TLV (MS-PEAP 2.2.8)

const char* typeName(uint8_t type);  // "tls", "ttls", "peap", ... ("other")

// One EAP packet. Success and Failure have no type (type 0, empty data).
struct Packet {
  Code code = Code::kRequest;
  uint8_t id = 0;
  uint8_t type = 0;
  std::string_view data;  // after the Type octet
};

// Parses one packet whose Length field must equal `len` exactly (RFC 3748 4: octets past Length are
// padding on a link; inside RADIUS the EAP-Message attributes hold exactly one packet, RFC 3579 3.1).
// nullopt when shorter than 4, Length differs, an unknown Code, or a Request/Response without Type.
std::optional<Packet> parse(const uint8_t* data, size_t len);

// Request/Response with a type, or Success/Failure (type ignored).
std::vector<uint8_t> build(Code code, uint8_t id, uint8_t type, const uint8_t* data, size_t len);
inline std::vector<uint8_t> build(Code code, uint8_t id, uint8_t type, std::string_view data) {
  return build(code, id, type, reinterpret_cast<const uint8_t*>(data.data()), data.size());
}

// The flags octet of EAP-TLS/PEAP/TTLS (RFC 5216 3.1): Length included, More fragments, Start; the
// low three bits are the version for PEAP and TTLS (0 for EAP-TLS).
inline constexpr uint8_t kFlagLength = 0x80;
inline constexpr uint8_t kFlagMore = 0x40;
inline constexpr uint8_t kFlagStart = 0x20;

struct TlsFrame {
  uint8_t flags = 0;
  uint32_t totalLength = 0;  // with kFlagLength
  std::string_view data;     // TLS records (a fragment of them)
};

// The method data after the Type octet. nullopt when empty, or kFlagLength without 4 octets.
std::optional<TlsFrame> parseTlsFrame(std::string_view typeData);

// Collects the fragments of one message from the peer (RFC 5216 2.1.5).
class Reassembler {
 public:
  enum class Result { kMore, kDone, kError };
  explicit Reassembler(size_t limit) : limit_(limit) {}
  // kMore: acknowledge and wait; kDone: message() holds everything; kError: more than the limit,
  // or more than the announced total length.
  Result add(const TlsFrame& frame);
  const std::string& message() const { return buf_; }
  void clear() {
    buf_.clear();
    expected_ = 0;
  }

 private:
  size_t limit_;
  std::string buf_;
  size_t expected_ = 0;
};

// Splits one message of ours into fragments of at most `fragment` octets of TLS data: the first
// carries the total length (kFlagLength) when there is more than one, every one but the last
// kFlagMore. `versionFlags` goes into each flags octet (PEAP/TTLS version, or kFlagStart).
class Fragmenter {
 public:
  void set(std::string message) {
    msg_ = std::move(message);
    pos_ = 0;
  }
  bool pending() const { return pos_ < msg_.size(); }
  // The next fragment's method data (flags, [length], data).
  std::string next(size_t fragment, uint8_t versionFlags);

 private:
  std::string msg_;
  size_t pos_ = 0;
};

}  // namespace aaa::eap
