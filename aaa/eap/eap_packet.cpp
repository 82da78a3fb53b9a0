#include "aaa/eap/eap_packet.h"

namespace aaa::eap {

const char* typeName(uint8_t type) {
  switch (type) {
    case kTypeIdentity: return "identity";
    case kTypeNak: return "nak";
    case kTypeTls: return "tls";
    case kTypeTtls: return "ttls";
    case kTypePeap: return "peap";
    case kTypeMsChapV2: return "mschapv2";
    default: return "other";
  }
}

std::optional<Packet> parse(const uint8_t* data, size_t len) {
  if (len < 4) return std::nullopt;
  size_t length = (size_t{data[2]} << 8) | data[3];
  if (length != len) return std::nullopt;
  Packet p;
  if (data[0] < 1 || data[0] > 4) return std::nullopt;
  p.code = static_cast<Code>(data[0]);
  p.id = data[1];
  if (p.code == Code::kRequest || p.code == Code::kResponse) {
    if (len < 5) return std::nullopt;  // RFC 3748 4.1: Request and Response carry a Type
    p.type = data[4];
    p.data = std::string_view(reinterpret_cast<const char*>(data) + 5, len - 5);
  }
  return p;
}

std::vector<uint8_t> build(Code code, uint8_t id, uint8_t type, const uint8_t* data, size_t len) {
  bool typed = code == Code::kRequest || code == Code::kResponse;
  size_t total = 4 + (typed ? 1 + len : 0);
  std::vector<uint8_t> out;
  out.reserve(total);
  out.push_back(static_cast<uint8_t>(code));
  out.push_back(id);
  out.push_back(static_cast<uint8_t>(total >> 8));
  out.push_back(static_cast<uint8_t>(total));
  if (typed) {
    out.push_back(type);
    out.insert(out.end(), data, data + len);
  }
  return out;
}

std::optional<TlsFrame> parseTlsFrame(std::string_view d) {
  if (d.empty()) return std::nullopt;
  TlsFrame f;
  f.flags = static_cast<uint8_t>(d[0]);
  size_t pos = 1;
  if (f.flags & kFlagLength) {
    if (d.size() < 5) return std::nullopt;
    const auto* p = reinterpret_cast<const uint8_t*>(d.data()) + 1;
    f.totalLength = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    pos = 5;
  }
  f.data = d.substr(pos);
  return f;
}

Reassembler::Result Reassembler::add(const TlsFrame& f) {
  if (f.flags & kFlagLength) {
    // RFC 5216 2.1.5: the total length comes with the first fragment; a later one may repeat it.
    if (f.totalLength > limit_) return Result::kError;
    if (buf_.empty()) expected_ = f.totalLength;
  }
  if (buf_.size() + f.data.size() > limit_) return Result::kError;
  if (expected_ != 0 && buf_.size() + f.data.size() > expected_) return Result::kError;
  buf_.append(f.data);
  if (f.flags & kFlagMore) return Result::kMore;
  if (expected_ != 0 && buf_.size() != expected_) return Result::kError;
  expected_ = 0;
  return Result::kDone;
}

std::string Fragmenter::next(size_t fragment, uint8_t versionFlags) {
  std::string out;
  size_t left = msg_.size() - pos_;
  bool first = pos_ == 0;
  bool more = left > fragment;
  uint8_t flags = versionFlags;
  if (more) flags |= kFlagMore;
  if (first && more) flags |= kFlagLength;
  out.push_back(static_cast<char>(flags));
  if (first && more) {
    uint32_t n = static_cast<uint32_t>(msg_.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  }
  size_t take = more ? fragment : left;
  out.append(msg_, pos_, take);
  pos_ += take;
  return out;
}

}  // namespace aaa::eap
