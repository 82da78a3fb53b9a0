#include "firmware/https_source.h"

#include <algorithm>
#include <cstring>

namespace firmware {

namespace {

bool parseNumber(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

core::Result<ContentRange> parseContentRange(std::string_view value) {
  const std::string what = "Content-Range '" + std::string(value.substr(0, 80)) + "'";
  constexpr std::string_view kUnit = "bytes ";
  if (value.substr(0, kUnit.size()) != kUnit) return core::invalidArgument(what + ": expected 'bytes FIRST-LAST/TOTAL'");
  value.remove_prefix(kUnit.size());
  size_t dash = value.find('-');
  size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash)
    return core::invalidArgument(what + ": expected 'bytes FIRST-LAST/TOTAL'");
  ContentRange r;
  if (!parseNumber(value.substr(0, dash), r.first) || !parseNumber(value.substr(dash + 1, slash - dash - 1), r.last) ||
      !parseNumber(value.substr(slash + 1), r.total))
    return core::invalidArgument(what + ": FIRST, LAST and TOTAL must be numbers");
  if (r.last < r.first || r.last >= r.total) return core::invalidArgument(what + ": the range is not inside the total");
  return r;
}

HttpsRangeSource::HttpsRangeSource(core::HttpsClientOptions options, std::string path, uint64_t chunkBytes)
    : options_(std::move(options)), path_(std::move(path)), chunk_(std::max<uint64_t>(chunkBytes, 4096)) {
  options_.maxResponseBytes = static_cast<size_t>(chunk_) + 64 * 1024;
}

core::Status HttpsRangeSource::fetch() {
  buffer_.clear();
  used_ = 0;
  if (total_ != 0 && offset_ >= total_) {
    ended_ = true;
    return core::Status::ok();
  }
  uint64_t last = offset_ + chunk_ - 1;
  if (total_ != 0) last = std::min(last, total_ - 1);
  const std::string asked = "bytes=" + std::to_string(offset_) + "-" + std::to_string(last);
  if (!client_) {
    EDGE_ASSIGN_OR_RETURN(client_, core::HttpsClient::create(options_));
  }
  EDGE_ASSIGN_OR_RETURN(core::HttpsResponse r, client_->request("GET", path_, "", "", {{"Range", asked}}));
  if (r.status == 416 && offset_ > 0) {  // asked past the end: the file ended at a chunk boundary
    ended_ = true;
    return core::Status::ok();
  }
  if (r.status != 206)
    return core::unavailable("GET " + path_ + " (" + asked + ") answered " + std::to_string(r.status) +
                             (r.status == 200 ? ": the server ignores ranges" : ""));
  auto it = r.headers.find("content-range");
  if (it == r.headers.end()) return core::unavailable("GET " + path_ + ": 206 without Content-Range");
  EDGE_ASSIGN_OR_RETURN(ContentRange range, parseContentRange(it->second));
  if (range.first != offset_ || range.last > last || range.last - range.first + 1 != r.body.size() ||
      (total_ != 0 && range.total != total_))
    return core::unavailable("GET " + path_ + ": asked " + asked + ", got " + it->second + " with " +
                             std::to_string(r.body.size()) + " bytes");
  total_ = range.total;
  buffer_ = std::move(r.body);
  return core::Status::ok();
}

core::Result<size_t> HttpsRangeSource::read(char* out, size_t size) {
  if (used_ == buffer_.size()) {
    if (ended_) return size_t{0};
    EDGE_RETURN_IF_ERROR(fetch());
    if (ended_) return size_t{0};
  }
  size_t n = std::min(size, buffer_.size() - used_);
  std::memcpy(out, buffer_.data() + used_, n);
  used_ += n;
  offset_ += n;
  return n;
}

core::Status HttpsRangeSource::skip(uint64_t bytes) {
  uint64_t inBuffer = buffer_.size() - used_;
  if (bytes <= inBuffer) {
    used_ += static_cast<size_t>(bytes);
    offset_ += bytes;
    return core::Status::ok();
  }
  offset_ += bytes;
  buffer_.clear();
  used_ = 0;
  if (total_ != 0 && offset_ > total_) return core::corrupt("the bundle is cut short (before the resumed block)");
  return core::Status::ok();
}

}  // namespace firmware
