#include "core/web/sse.h"

#include <algorithm>

namespace core::web {

namespace {

std::string oneLine(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

}  // namespace

std::string sseFrame(const SseEvent& e) {
  std::string out;
  if (!e.event.empty()) out += "event: " + oneLine(e.event) + "\n";
  if (!e.id.empty()) out += "id: " + oneLine(e.id) + "\n";
  if (e.retryMs > 0) out += "retry: " + std::to_string(e.retryMs) + "\n";
  // Lines end at CRLF, CR or LF (the standard's end-of-line); an empty data is one empty line.
  size_t pos = 0;
  const std::string& d = e.data;
  while (true) {
    size_t end = d.find_first_of("\r\n", pos);
    out += "data: " + d.substr(pos, end == std::string::npos ? std::string::npos : end - pos) + "\n";
    if (end == std::string::npos) break;
    pos = end + (d[end] == '\r' && end + 1 < d.size() && d[end + 1] == '\n' ? 2 : 1);
  }
  return out + "\n";
}

std::string sseComment(const std::string& text) { return ": " + oneLine(text) + "\n\n"; }

SseChannel::~SseChannel() { closeAll(); }

HttpResponse SseChannel::subscribe(const SseEvent* first) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [](const auto& s) { return !s->isOpen(); }),
                 streams_.end());
  if (streams_.size() >= maxSubscribers_) {
    HttpResponse busy = HttpResponse::jsonError(503, "too many event subscribers; try again later");
    busy.headers.emplace_back("Retry-After", "30");
    return busy;
  }
  HttpResponse r;
  r.contentType = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx and friends: do not hold events back
  r.body = first != nullptr ? sseFrame(*first) : sseComment("subscribed");
  r.stream = std::make_shared<HttpStream>();
  streams_.push_back(r.stream);
  return r;
}

size_t SseChannel::broadcast(const std::string& bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto it = streams_.begin(); it != streams_.end();) {
    if ((*it)->write(bytes)) {
      ++n;
      ++it;
    } else {
      it = streams_.erase(it);
    }
  }
  return n;
}

size_t SseChannel::publish(const SseEvent& event) { return broadcast(sseFrame(event)); }

size_t SseChannel::ping() { return broadcast(sseComment("ping")); }

void SseChannel::closeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : streams_) s->close();
  streams_.clear();
}

size_t SseChannel::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(streams_.begin(), streams_.end(), [](const auto& s) { return s->isOpen(); }));
}

}  // namespace core::web
