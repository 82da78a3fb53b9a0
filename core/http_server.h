// The HTTP server wrapper both daemons use (libmicrohttpd 0.9.75): routes by method and path to
// handlers that take a request and return a response. Limits are always set (FIELD-NOTES): a
// connection timeout (slowloris), connection limits in total and per address, a memory limit per
// connection and a body limit; a request with two Content-Length headers is refused.
//
// Nothing is buffered before the server knows where a request goes and who sends it: an unknown
// route, a Content-Length over the route's limit, or a caller the route's admission refuses is
// answered from the request line and headers alone, and the body is never read (libmicrohttpd
// buffers the whole body before the handler runs otherwise).
//
// Threading: by default one internal polling thread per server; handlers run on it and must be
// quick (the metrics page, a JSON API call). With threadPerConnection every connection has a thread
// of its own (at most connectionLimit): a handler may then wait (the technician UI's Disconnect
// waits for the NAS) while other connections are served; handlers must then be thread-safe, and a
// stream holds its connection's thread while it is open (the reader waits there for bytes instead of
// parking the connection). A handler that throws answers 500 and is logged.
//
// Streams (server-sent events): a handler may answer with a body that is written later, from any
// thread (HttpStream). The connection stays open, parked while nothing is queued, until the stream
// is closed, the client is gone or the server stops. A parked connection never times out and a
// client that left is noticed only when a write to it fails: whoever keeps a stream writes to it
// every so often (an SSE comment, web/sse.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace core {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;  // "127.0.0.1"
  bool tls = false;    // the request came over HTTPS (cookies get Secure)
  // HTTPS with clientTrustPem only: the client certificate (DER) when one was presented and it
  // verifies against that trust (chain and validity); otherwise empty, and peerCertificateProblem says
  // why when a certificate was presented ("expired", "not issued by a trusted CA").
  std::string peerCertificateDer;
  std::string peerCertificateProblem;
  bool tlsResumed = false;  // HTTPS: the connection resumed an earlier TLS session (a ticket)
};

class HttpStream;

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  // Sent as they are; without a Cache-Control among them the server adds "Cache-Control: no-store".
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is sent first and then whatever is written to the stream, until it closes
  // (chunked, no Content-Length).
  std::shared_ptr<HttpStream> stream;

  // A JSON body (application/json, one line and a newline) with the status.
  static HttpResponse json(int status, const Json& body);
  // {"error": message} with the status: what every API error looks like.
  static HttpResponse jsonError(int status, const std::string& message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Decides from the request line, headers and client certificate alone (request.body is still empty)
// whether this caller may send a body: a response refuses (401, 403), nothing lets the request in.
using HttpAdmission = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

struct HttpRouteLimits {
  size_t maxBodyBytes = 0;  // 0: the server's maxBodyBytes
  HttpAdmission admit;      // absent: anyone may send a body up to the limit
};

struct HttpServerOptions {
  std::string name = "http";        // for logs and errors ("admin HTTP")
  std::string listen = "127.0.0.1";  // IPv4 or IPv6 address
  uint16_t port = 0;                 // 0 picks a free port (port() tells which)
  unsigned connectionLimit = 64;
  unsigned perAddressLimit = 16;
  unsigned timeoutSeconds = 10;      // idle or slow connections are closed after this
  // A whole request (head to last body byte) may take at most this long: a body trickled a byte at a
  // time keeps a connection from ever being idle, and is cut here instead.
  unsigned requestSeconds = 30;
  size_t connectionMemoryLimit = 64 * 1024;
  size_t maxBodyBytes = 1024 * 1024;
  // HTTPS (libmicrohttpd's GnuTLS) when tlsCertPem is set: the server's chain (leaf first) and key.
  std::string tlsCertPem;
  std::string tlsKeyPem;
  // With HTTPS: ask every client for a certificate and verify it against these CAs. Asking is not
  // requiring: a handler decides what a request without one may do (see peerCertificateDer).
  std::string clientTrustPem;
  // With HTTPS: TLS session tickets (RFC 5077), so a returning client resumes instead of a full
  // handshake, when set. Called as each connection starts (on any server thread: thread-safe and
  // quick), it returns the 64-byte master key that connection issues and accepts tickets with, or ""
  // for none (a full handshake). Servers given the same key (replicas behind a balancer) accept each
  // other's tickets; a ticket made under another key is not accepted (GnuTLS takes one key per
  // session), so rotating the key ends every ticket made before. Whoever provides the key rotates it
  // and never logs it. A resumed session carries the client certificate of the handshake that made
  // it: peerCertificateDer is that certificate, verified again for every request.
  std::function<std::string()> tlsTicketKey;
  // A thread per connection instead of one polling thread for all (see Threading above).
  bool threadPerConnection = false;
  // Without threadPerConnection: this many polling threads (libmicrohttpd's thread pool), each
  // serving its share of the connections, handshakes and handlers included, so handlers run
  // concurrently and must be thread-safe. 1 = the single polling thread.
  unsigned threads = 1;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes before start(). An unknown path answers 404, a known path with another method 405.
  // A path ending in "/*" ("/selfcare/*") answers every path under that prefix that no route names
  // exactly (the longest such prefix wins), with its own admission and body limit.
  void route(const std::string& method, const std::string& path, HttpHandler handler, HttpRouteLimits limits = {});
  // What answers a path no route names, any method (the captive portal: every redirected request);
  // without one such a path is 404.
  void fallback(HttpHandler handler);
  Status start();
  void stop();
  uint16_t port() const { return port_; }

  struct Impl;

 private:
  HttpServerOptions options_;
  struct Route {
    HttpHandler handler;
    HttpRouteLimits limits;
  };
  std::map<std::string, std::map<std::string, Route>> routes_;  // path -> method -> route
  HttpHandler fallback_;
  void* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::mutex streamsMu_;
  std::vector<std::weak_ptr<HttpStream>> streams_;  // attached to a connection: ended at stop()
  friend struct Impl;
};

// The body of a response that is written after its handler returned. Thread-safe: the handler
// returns it in HttpResponse::stream and keeps it (or hands it to whoever produces the data); any
// thread writes.
class HttpStream {
 public:
  explicit HttpStream(size_t maxQueuedBytes = 256 * 1024) : maxQueued_(maxQueuedBytes) {}
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Queues bytes for the client. False, and nothing queued, once the stream has ended: closed, the
  // client went away (noticed when a write to it failed), the server stopped, or the client read so
  // slowly that more than maxQueuedBytes waited (it is then disconnected).
  bool write(const std::string& bytes);
  // Ends the body after what is queued.
  void close();
  // False once write() would refuse.
  bool isOpen() const;

 private:
  friend struct HttpServer::Impl;
  mutable std::mutex mu_;
  std::string queue_;               // bytes not yet handed to libmicrohttpd
  size_t maxQueued_;
  bool closed_ = false;             // no more writes; the body ends after the queue
  bool aborted_ = false;            // the connection is to be dropped (slow client, server stopping)
  bool ended_ = false;              // libmicrohttpd is done with the response (or never took it)
  void* connection_ = nullptr;      // the MHD_Connection while attached
  bool suspended_ = false;          // parked until there is something to send
  bool blocking_ = false;           // threadPerConnection: the reader waits on cv_ instead of parking
  std::condition_variable cv_;
};

}  // namespace core
