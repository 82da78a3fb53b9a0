#include "core/http_server.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/config.h"
#include "core/http_syntax.h"
#include "core/log.h"

namespace core {

HttpResponse HttpResponse::json(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.contentType = "application/json";
  r.body = body.dump() + "\n";
  return r;
}

HttpResponse HttpResponse::jsonError(int status, const std::string& message) {
  return json(status, Json{{"error", message}});
}

namespace {

// Per-connection state while a request body arrives.
struct Pending {
  HttpRequest request;
  HttpHandler handler;  // the route's, or the fallback
  size_t maxBody = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};


MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* map = static_cast<std::map<std::string, std::string>*>(cls);
  (*map)[key ? key : ""] = value ? value : "";
  return MHD_YES;
}

MHD_Result countContentLength(void* cls, MHD_ValueKind, const char* key, const char*) {
  if (key != nullptr && strcasecmp(key, "Content-Length") == 0) ++*static_cast<int*>(cls);
  return MHD_YES;
}

// Content-Length as a number; nullopt when absent or not a plain decimal number.
std::optional<uint64_t> contentLength(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("content-length");
  if (it == headers.end() || it->second.empty() || it->second.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// The verified client certificate of a TLS connection, or why there is none usable.
void peerCertificate(MHD_Connection* connection, HttpRequest& request) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (info == nullptr || info->tls_session == nullptr) return;
  auto session = static_cast<gnutls_session_t>(info->tls_session);
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
  if (chain == nullptr || count == 0) return;
  unsigned verdict = 0;
  // Verifies against the trust libmicrohttpd loaded from MHD_OPTION_HTTPS_MEM_TRUST, including the
  // validity period (GnuTLS checks the dates by default).
  if (gnutls_certificate_verify_peers2(session, &verdict) != GNUTLS_E_SUCCESS) {
    request.peerCertificateProblem = "cannot be verified";
    return;
  }
  if (verdict != 0) {
    if (verdict & GNUTLS_CERT_EXPIRED) request.peerCertificateProblem = "expired";
    else if (verdict & GNUTLS_CERT_NOT_ACTIVATED) request.peerCertificateProblem = "not valid yet";
    else if (verdict & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
      request.peerCertificateProblem = "not issued by a trusted CA";
    else if (verdict & GNUTLS_CERT_SIGNATURE_FAILURE) request.peerCertificateProblem = "bad signature";
    else request.peerCertificateProblem = "not trusted";
    return;
  }
  request.peerCertificateDer.assign(reinterpret_cast<const char*>(chain[0].data), chain[0].size);
}

bool hasHeader(const HttpResponse& r, const char* name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [name](const auto& h) { return strcasecmp(h.first.c_str(), name) == 0; });
}

void addHeaders(MHD_Response* response, const HttpResponse& r) {
  MHD_add_response_header(response, "Content-Type", r.contentType.c_str());
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  if (!hasHeader(r, "Cache-Control")) MHD_add_response_header(response, "Cache-Control", "no-store");
  for (const auto& [name, value] : r.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
}

MHD_Result send(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  addHeaders(response, r);
  MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ok;
}

}  // namespace

struct HttpServer::Impl {
  // ---- streams ----
  // The response's reader runs on the server's thread whenever the connection can take bytes: it
  // hands over what is queued, or, with nothing queued, parks the connection (MHD_suspend_connection,
  // allowed from a content reader) until write() or close() resumes it. Lock order: the stream's
  // mutex, then libmicrohttpd's own (resume); libmicrohttpd calls the reader and the free callback
  // without holding its lock.
  struct StreamHolder {
    std::shared_ptr<HttpStream> stream;
  };

  static ssize_t readStream(void* cls, uint64_t, char* buf, size_t max) noexcept {
    HttpStream& s = *static_cast<StreamHolder*>(cls)->stream;
    std::unique_lock<std::mutex> lock(s.mu_);
    if (s.aborted_) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (!s.queue_.empty()) {
      size_t n = std::min(max, s.queue_.size());
      std::memcpy(buf, s.queue_.data(), n);
      s.queue_.erase(0, n);
      return static_cast<ssize_t>(n);
    }
    if (s.closed_) return MHD_CONTENT_READER_END_OF_STREAM;
    if (s.blocking_) {
      // A thread of its own (threadPerConnection): wait here for bytes or the end. Returning 0
      // without suspending would make libmicrohttpd call again at once (a busy loop).
      s.cv_.wait(lock, [&s] { return s.aborted_ || s.closed_ || !s.queue_.empty(); });
      if (s.aborted_) return MHD_CONTENT_READER_END_WITH_ERROR;
      if (s.queue_.empty()) return MHD_CONTENT_READER_END_OF_STREAM;
      size_t n = std::min(max, s.queue_.size());
      std::memcpy(buf, s.queue_.data(), n);
      s.queue_.erase(0, n);
      return static_cast<ssize_t>(n);
    }
    s.suspended_ = true;
    MHD_suspend_connection(static_cast<MHD_Connection*>(s.connection_));
    return 0;
  }

  static void freeStream(void* cls) noexcept {
    auto* holder = static_cast<StreamHolder*>(cls);
    {
      std::lock_guard<std::mutex> lock(holder->stream->mu_);
      holder->stream->ended_ = true;
      holder->stream->connection_ = nullptr;
      holder->stream->suspended_ = false;
      holder->stream->queue_.clear();
    }
    delete holder;
  }

  // With s.mu_ held: lets a parked connection go on (to send, to end, or to be dropped).
  static void wake(HttpStream& s) {
    if (s.blocking_) {
      s.cv_.notify_all();
      return;
    }
    if (s.suspended_ && s.connection_ != nullptr) {
      s.suspended_ = false;
      MHD_resume_connection(static_cast<MHD_Connection*>(s.connection_));
    }
  }

  static MHD_Result sendStream(HttpServer* server, MHD_Connection* connection, const HttpResponse& r) {
    auto holder = std::make_unique<StreamHolder>();
    holder->stream = r.stream;
    MHD_Response* response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, &readStream, holder.get(), &freeStream);
    if (response == nullptr) return MHD_NO;
    holder.release();  // freeStream deletes it with the response
    {
      std::lock_guard<std::mutex> lock(r.stream->mu_);
      r.stream->queue_.insert(0, r.body);
      r.stream->connection_ = connection;
      r.stream->blocking_ = server->options_.threadPerConnection;
    }
    {
      std::lock_guard<std::mutex> lock(server->streamsMu_);
      auto& list = server->streams_;
      list.erase(std::remove_if(list.begin(), list.end(), [](const auto& w) { return w.expired(); }), list.end());
      list.push_back(r.stream);
    }
    addHeaders(response, r);
    MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
    MHD_destroy_response(response);
    return ok;
  }

  // Before the daemon stops: no parked connection may remain (libmicrohttpd's contract).
  static void endStreams(HttpServer& server) {
    std::vector<std::shared_ptr<HttpStream>> live;
    {
      std::lock_guard<std::mutex> lock(server.streamsMu_);
      for (const auto& w : server.streams_)
        if (auto s = w.lock()) live.push_back(std::move(s));
      server.streams_.clear();
    }
    for (const auto& s : live) {
      std::lock_guard<std::mutex> lock(s->mu_);
      s->closed_ = s->aborted_ = true;
      wake(*s);
    }
  }

  static HttpResponse tooLarge(size_t limit) {
    return HttpResponse::jsonError(413, "request body larger than " + std::to_string(limit) + " bytes");
  }

  static HttpResponse run(const HttpServer& server, const HttpHandler& handler, const HttpRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      logError(server.options_.name, ": handler for ", request.path, " failed: ", e.what());
    } catch (...) {
      logError(server.options_.name, ": handler for ", request.path, " failed");
    }
    return HttpResponse::jsonError(500, "internal error");
  }

  // The first call for a request: headers only. Everything that can refuse the request does it here,
  // so no body is read for a request that goes nowhere.
  static MHD_Result begin(HttpServer* server, MHD_Connection* connection, const char* url, const char* method,
                          void** state) {
    int contentLengths = 0;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, countContentLength, &contentLengths);
    if (contentLengths > 1) return send(connection, HttpResponse::jsonError(400, "duplicate Content-Length"));
    auto pending = std::make_unique<Pending>();
    HttpRequest& request = pending->request;
    request.method = method;
    request.path = url;
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect, &request.query);
    std::map<std::string, std::string> headers;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect, &headers);
    for (auto& [k, v] : headers) request.headers[http::asciiLower(k)] = v;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != nullptr && info->client_addr != nullptr) {
      char buf[INET6_ADDRSTRLEN] = {0};
      const sockaddr* sa = info->client_addr;
      if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
      else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
      request.remote = buf;
    }
    request.tls = !server->options_.tlsCertPem.empty();
    if (request.tls) {
      const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
      if (info != nullptr && info->tls_session != nullptr)
        request.tlsResumed = gnutls_session_is_resumed(static_cast<gnutls_session_t>(info->tls_session)) != 0;
    }
    if (!server->options_.clientTrustPem.empty()) peerCertificate(connection, request);

    const Route* route = nullptr;
    auto path = server->routes_.find(request.path);
    // A route registered as "/prefix/*" answers every path under "/prefix/" that no route names
    // exactly (the longest such prefix wins): pages whose path carries a name, e.g. a tenant's
    // self-care portal at /selfcare/<tenant>/..., keep their admission and body limit.
    if (path == server->routes_.end()) {
      size_t best = 0;
      for (auto it = server->routes_.begin(); it != server->routes_.end(); ++it) {
        const std::string& key = it->first;
        if (key.size() < 2 || key.compare(key.size() - 2, 2, "/*") != 0) continue;
        const size_t n = key.size() - 1;  // up to and with the '/'
        if (request.path.size() >= n && request.path.compare(0, n, key, 0, n) == 0 && n > best) {
          best = n;
          path = it;
        }
      }
    }
    if (path != server->routes_.end()) {
      auto m = path->second.find(request.method);
      if (m == path->second.end()) {
        std::string allowed;
        for (const auto& [name, r] : path->second) allowed += (allowed.empty() ? "" : ", ") + name;
        HttpResponse r = HttpResponse::jsonError(405, "method " + request.method + " not allowed here");
        r.headers.emplace_back("Allow", allowed);
        return send(connection, r);
      }
      route = &m->second;
      pending->handler = route->handler;
    } else if (server->fallback_) {
      pending->handler = server->fallback_;
    } else {
      return send(connection, HttpResponse::jsonError(404, "no such page"));
    }
    pending->maxBody = route != nullptr && route->limits.maxBodyBytes != 0 ? route->limits.maxBodyBytes
                                                                          : server->options_.maxBodyBytes;
    // Who first, then how much: a caller who may not post learns nothing about the limits.
    if (route != nullptr && route->limits.admit) {
      std::optional<HttpResponse> refusal;
      try {
        refusal = route->limits.admit(request);
      } catch (...) {
        refusal = HttpResponse::jsonError(500, "internal error");
      }
      if (refusal) return send(connection, *refusal);
    }
    std::optional<uint64_t> length = contentLength(request.headers);
    if (request.headers.count("content-length") != 0 && !length)
      return send(connection, HttpResponse::jsonError(400, "Content-Length is not a number"));
    if (length && *length > pending->maxBody) return send(connection, tooLarge(pending->maxBody));
    *state = pending.release();
    return MHD_YES;
  }

  static MHD_Result access(void* cls, MHD_Connection* connection, const char* url, const char* method,
                           const char*, const char* uploadData, size_t* uploadSize, void** state) noexcept {
    auto* server = static_cast<HttpServer*>(cls);
    try {
      auto* pending = static_cast<Pending*>(*state);
      if (pending == nullptr) return begin(server, connection, url, method, state);
      if (*uploadSize != 0) {
        // Past the limit without a Content-Length that said so (chunked): stop reading and close.
        if (pending->request.body.size() + *uploadSize > pending->maxBody) return MHD_NO;
        // A body trickled in never lets the connection go idle: the request as a whole has a deadline.
        if (std::chrono::steady_clock::now() - pending->started > std::chrono::seconds(server->options_.requestSeconds))
          return MHD_NO;
        pending->request.body.append(uploadData, *uploadSize);
        *uploadSize = 0;
        return MHD_YES;
      }
      HttpResponse response = run(*server, pending->handler, pending->request);
      if (response.stream) return sendStream(server, connection, response);
      return send(connection, response);
    } catch (...) {
      // Out of memory while copying a request: close this connection, keep the server.
      return MHD_NO;
    }
  }

  static void completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) noexcept {
    delete static_cast<Pending*>(*state);
    *state = nullptr;
  }

  // tlsTicketKey: libmicrohttpd has made the connection's GnuTLS session and not shaken hands yet;
  // GnuTLS issues and accepts tickets once the session has a key (it copies the key, and derives its
  // ticket keys from it by time, accepting its own previous one: lib/stek.c).
  static void connectionStarted(void* cls, MHD_Connection* connection, void**,
                                MHD_ConnectionNotificationCode code) noexcept {
    auto* server = static_cast<HttpServer*>(cls);
    if (code != MHD_CONNECTION_NOTIFY_STARTED || !server->options_.tlsTicketKey) return;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == nullptr || info->tls_session == nullptr) return;
    try {
      std::string master = server->options_.tlsTicketKey();
      if (master.size() != 64) return;  // none now: a full handshake, which is always correct
      gnutls_datum_t key{reinterpret_cast<unsigned char*>(master.data()), static_cast<unsigned>(master.size())};
      // A failure leaves the connection to a full handshake too.
      gnutls_session_ticket_enable_server(static_cast<gnutls_session_t>(info->tls_session), &key);
      gnutls_memset(master.data(), 0, master.size());
    } catch (...) {
    }
  }

  static void log(void* cls, const char* fmt, va_list ap) noexcept {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    try {
      std::string line = buf;
      while (!line.empty() && line.back() == '\n') line.pop_back();
      logWarning(static_cast<HttpServer*>(cls)->options_.name, ": ", line);
    } catch (...) {
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::fallback(HttpHandler handler) { fallback_ = std::move(handler); }

void HttpServer::route(const std::string& method, const std::string& path, HttpHandler handler,
                       HttpRouteLimits limits) {
  routes_[path][method] = Route{std::move(handler), std::move(limits)};
}

Status HttpServer::start() {
  sockaddr_storage addr{};
  // Suspend/resume parks a streaming connection while it has nothing to send; with a thread per
  // connection, the stream's reader waits on that thread instead.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
  flags |= options_.threadPerConnection ? MHD_USE_THREAD_PER_CONNECTION : MHD_ALLOW_SUSPEND_RESUME;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, options_.listen.c_str(), &v4) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&addr);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(options_.port);
    sin->sin_addr = v4;
  } else if (inet_pton(AF_INET6, options_.listen.c_str(), &v6) == 1) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(options_.port);
    sin6->sin6_addr = v6;
    flags |= MHD_USE_IPv6;
  } else {
    return invalidArgument(options_.name + ": '" + options_.listen + "' is not an IP address");
  }
  // TLS options go in an array so the plain and the HTTPS server share one start call.
  MHD_OptionItem tls[5] = {{MHD_OPTION_END, 0, nullptr}, {MHD_OPTION_END, 0, nullptr},
                           {MHD_OPTION_END, 0, nullptr}, {MHD_OPTION_END, 0, nullptr},
                           {MHD_OPTION_END, 0, nullptr}};
  // The pool rides in the same array (its slot stays MHD_OPTION_END with one thread).
  size_t extra = 0;
  if (!options_.threadPerConnection && options_.threads > 1)
    tls[extra++] = {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(options_.threads), nullptr};
  if (!options_.tlsCertPem.empty()) {
    if (options_.tlsKeyPem.empty()) return invalidArgument(options_.name + ": a TLS certificate needs its key");
    flags |= MHD_USE_TLS;
    tls[extra++] = {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(options_.tlsCertPem.c_str())};
    tls[extra++] = {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(options_.tlsKeyPem.c_str())};
    if (!options_.clientTrustPem.empty())
      tls[extra++] = {MHD_OPTION_HTTPS_MEM_TRUST, 0, const_cast<char*>(options_.clientTrustPem.c_str())};
  }
  MHD_Daemon* d = MHD_start_daemon(
      // The logger first: libmicrohttpd warns (through its default logger) when it is not.
      flags, options_.port, nullptr, nullptr, &Impl::access, this, MHD_OPTION_EXTERNAL_LOGGER, &Impl::log, this,
      MHD_OPTION_ARRAY, tls, MHD_OPTION_SOCK_ADDR, &addr,
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(options_.timeoutSeconds), MHD_OPTION_CONNECTION_LIMIT,
      static_cast<unsigned>(options_.connectionLimit), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      static_cast<unsigned>(options_.perAddressLimit), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      static_cast<size_t>(options_.connectionMemoryLimit), MHD_OPTION_NOTIFY_COMPLETED, &Impl::completed, this,
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::connectionStarted, this, MHD_OPTION_END);
  if (d == nullptr)
    return unavailable(options_.name + ": cannot listen on " + options_.listen + " port " +
                       std::to_string(options_.port) + " (in use, or not an address of this box?)");
  daemon_ = d;
  const MHD_DaemonInfo* info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (info != nullptr && getsockname(info->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0)
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::ok();
}

void HttpServer::stop() {
  Impl::endStreams(*this);
  if (daemon_ != nullptr) MHD_stop_daemon(static_cast<MHD_Daemon*>(daemon_));
  daemon_ = nullptr;
}

bool HttpStream::write(const std::string& bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || ended_) return false;
  if (queue_.size() + bytes.size() > maxQueued_) {
    // A client that does not read: drop it rather than hold its backlog.
    closed_ = aborted_ = true;
    queue_.clear();
    HttpServer::Impl::wake(*this);
    return false;
  }
  queue_ += bytes;
  HttpServer::Impl::wake(*this);
  return true;
}

void HttpStream::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  HttpServer::Impl::wake(*this);
}

bool HttpStream::isOpen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !closed_ && !ended_;
}

}  // namespace core
