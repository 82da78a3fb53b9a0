#include "aaa/radius/radsec_framing.h"

namespace aaa::radius {

FrameStatus frameAt(const uint8_t* data, size_t len, size_t* packetLength) {
  if (len < 4) return FrameStatus::kNeedMore;  // the Length field is octets 3 and 4
  size_t length = (size_t{data[2]} << 8) | data[3];
  if (length < kRadsecMinPacket || length > kRadsecMaxPacket) return FrameStatus::kMalformed;
  if (len < length) return FrameStatus::kNeedMore;
  *packetLength = length;
  return FrameStatus::kPacket;
}

void StreamFramer::append(const uint8_t* data, size_t len) {
  if (malformed_ || len == 0) return;
  if (start_ > 0) {  // drop what was handed out before growing
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), data, data + len);
}

FrameStatus StreamFramer::next(const uint8_t** packet, size_t* length) {
  if (malformed_) return FrameStatus::kMalformed;
  FrameStatus s = frameAt(buffer_.data() + start_, buffer_.size() - start_, length);
  if (s == FrameStatus::kMalformed) {
    malformed_ = true;
    buffer_.clear();
    start_ = 0;
    return s;
  }
  if (s == FrameStatus::kNeedMore) return s;
  *packet = buffer_.data() + start_;
  start_ += *length;
  return s;
}

}  // namespace aaa::radius
