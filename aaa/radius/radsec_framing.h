// RADIUS packets over a TLS stream (RadSec, RFC 6614 section 2.5): no record marks of its own; each
// packet is delimited by the Length field of its RADIUS header (RFC 2865 section 3), 20..4096.
//
// StreamFramer collects the bytes read from a connection and hands out whole packets. A Length
// below 20 or above 4096 cannot be resynchronised on a stream: the framer reports it as malformed
// and the connection must be closed (RFC 6614 2.5 and RFC 2865 3 for the limits). Memory is bounded:
// at most one packet (4096 bytes) plus one read is kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aaa::radius {

inline constexpr size_t kRadsecMinPacket = 20;
inline constexpr size_t kRadsecMaxPacket = 4096;

enum class FrameStatus { kNeedMore, kPacket, kMalformed };

// Looks at the start of `data`: kPacket with *packetLength set when a whole packet is there,
// kNeedMore when its header or body is not complete yet, kMalformed for a Length out of 20..4096.
FrameStatus frameAt(const uint8_t* data, size_t len, size_t* packetLength);

class StreamFramer {
 public:
  // Appends bytes read from the stream.
  void append(const uint8_t* data, size_t len);
  // The next whole packet: kPacket with *packet/*length pointing into the framer (valid until the
  // next append or next call), kNeedMore, or kMalformed (then the framer stays malformed).
  FrameStatus next(const uint8_t** packet, size_t* length);
  // Bytes held that are not a whole packet yet (a half-sent packet at idle time).
  size_t pending() const { return buffer_.size() - start_; }

 private:
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;  // first byte not handed out yet
  bool malformed_ = false;
};

}  // namespace aaa::radius
