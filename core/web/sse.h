// Server-sent events (HTML Living Standard, "Server-sent events" 9.2): a page subscribes with
// EventSource (or htmx's sse extension) and the server pushes events down one long response.
//
// sseFrame formats one event; SseChannel keeps the open subscriptions of one kind of event (a
// status page's counters, a job's progress) on HttpStreams (core/http_server.h) and broadcasts.
// The owner calls ping() every 15 to 30 seconds: it keeps proxies from closing an idle connection
// and finds subscribers that left (their streams end, their slots are freed).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http_server.h"

namespace core::web {

struct SseEvent {
  std::string event;  // the "event:" type; empty: "message"
  std::string data;   // may span lines: each is one "data:" line
  std::string id;     // the "id:" (Last-Event-ID on reconnection); empty: none
  int retryMs = 0;    // "retry:" reconnection delay; 0: none
};

// The event as the stream carries it, ending in its blank line. CR and LF in `event` and `id`
// (which would end their field early and start another) are removed; `data` is split at CRLF, CR
// and LF, so no line of it can be read as another field.
std::string sseFrame(const SseEvent& event);
// A comment line (ignored by the browser): ": text\n\n", CR/LF in text removed.
std::string sseComment(const std::string& text);

class SseChannel {
 public:
  explicit SseChannel(size_t maxSubscribers = 64) : maxSubscribers_(maxSubscribers) {}
  ~SseChannel();

  // The response that subscribes the caller: text/event-stream, not cached, not buffered by a
  // proxy; 503 (with Retry-After) when maxSubscribers are subscribed already. `first` is sent
  // first (the current state, so a new page does not wait for the next change).
  HttpResponse subscribe(const SseEvent* first = nullptr);
  // To every subscriber; how many took it (the others have left and are forgotten).
  size_t publish(const SseEvent& event);
  // A comment to every subscriber (keep-alive); how many are still there.
  size_t ping();
  // Ends every subscription (their browsers reconnect after `retry`).
  void closeAll();
  size_t subscribers() const;

 private:
  size_t broadcast(const std::string& bytes);
  size_t maxSubscribers_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<HttpStream>> streams_;
};

}  // namespace core::web
