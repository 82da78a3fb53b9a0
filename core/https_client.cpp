#include "core/https_client.h"

#include "core/http_response_parser.h"
#include "core/http_syntax.h"
#include "core/pki.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

namespace core {

namespace {




bool isIpLiteral(const std::string& host) {
  unsigned char addr[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

// "host:port", with IPv6 literals in brackets, for messages and the Host header.
std::string hostPort(const HttpsEndpoint& e) {
  std::string host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  return host + ":" + std::to_string(e.port);
}

const char* alertName(int alert) {
  switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE: return "handshake failure";
    case MBEDTLS_SSL_ALERT_MSG_NO_CERT: return "no certificate";
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: return "bad certificate";
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: return "unsupported certificate";
    case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED: return "certificate revoked";
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: return "certificate expired";
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: return "certificate unknown";
    case MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER: return "illegal parameter";
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA: return "unknown CA";
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: return "access denied";
    case MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR: return "decode error";
    case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR: return "decrypt error";
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION: return "protocol version";
    case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY: return "insufficient security";
    case MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR: return "internal error";
    case MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME: return "unrecognized name";
    case 116: return "certificate required";  // RFC 8446 section 6.2
    default: return "alert";
  }
}

// Alerts a server sends when it does not accept the client certificate (or its absence).
bool isCertificateAlert(int alert) {
  switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_NO_CERT:
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
    case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
    case 116:
      return true;
    default:
      return false;
  }
}

using SteadyClock = std::chrono::steady_clock;

// Waits for `events` on fd for at most timeoutMs, riding over EINTR. 1 ready, 0 timed out, -1 error
// (errno set).
int waitFor(int fd, short events, int timeoutMs) {
  SteadyClock::time_point deadline = SteadyClock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left < 0) left = 0;
    struct pollfd p {};
    p.fd = fd;
    p.events = events;
    int rc = poll(&p, 1, static_cast<int>(left));
    if (rc > 0) return 1;
    if (rc == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

// The socket under mbedTLS. It stays non-blocking and every wait goes through poll() with the
// caller's timeout, so no read or write can hang (a plain blocking fd would wait forever on a silent
// peer; SO_RCVTIMEO would not cover connect).
struct Io {
  int fd = -1;
  int timeoutMs = 0;
  bool timedOut = false;
  int err = 0;  // errno of the last socket failure
};

int bioSend(void* ctx, const unsigned char* buf, size_t len) noexcept {
  auto* io = static_cast<Io*>(ctx);
  for (;;) {
    ssize_t n = send(io->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int w = waitFor(io->fd, POLLOUT, io->timeoutMs);
      if (w > 0) continue;
      if (w == 0) {
        io->timedOut = true;
        return MBEDTLS_ERR_SSL_TIMEOUT;
      }
    }
    io->err = errno;
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int bioRecv(void* ctx, unsigned char* buf, size_t len) noexcept {
  auto* io = static_cast<Io*>(ctx);
  for (;;) {
    ssize_t n = recv(io->fd, buf, len, MSG_DONTWAIT);
    if (n >= 0) return static_cast<int>(n);  // 0 is EOF, which mbedTLS reports as CONN_EOF
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int w = waitFor(io->fd, POLLIN, io->timeoutMs);
      if (w > 0) continue;
      if (w == 0) {
        io->timedOut = true;
        return MBEDTLS_ERR_SSL_TIMEOUT;
      }
    }
    io->err = errno;
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

// What a client keeps between connections, freed in one place: its DRBG (seeded once: one
// getrandom(), and TLS stays free of any lock shared with core::pki), the TLS configuration, the
// parsed trust anchor, certificate and key.
struct TlsConfig {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt ownCert;
  mbedtls_pk_context ownKey;

  TlsConfig() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&ownCert);
    mbedtls_pk_init(&ownKey);
  }
  ~TlsConfig() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&ownCert);
    mbedtls_pk_free(&ownKey);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  TlsConfig(const TlsConfig&) = delete;
  TlsConfig& operator=(const TlsConfig&) = delete;
};

// One connection: the socket and its TLS context.
struct Connection {
  Io io;
  mbedtls_ssl_context ssl;

  Connection() { mbedtls_ssl_init(&ssl); }
  ~Connection() {
    mbedtls_ssl_free(&ssl);
    if (io.fd >= 0) close(io.fd);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

struct AddrInfo {
  struct addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list != nullptr) freeaddrinfo(list);
  }
};

// TCP connect to the first address that answers, each attempt bounded by timeoutMs. getaddrinfo()
// itself cannot be bounded; management endpoints are normally IP literals or names in /etc/hosts.
Result<int> connectTcp(const HttpsEndpoint& ep, int timeoutMs, const std::string& where) {
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  AddrInfo ai;
  std::string port = std::to_string(ep.port);
  int rc = getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &ai.list);
  if (rc != 0) {
    std::string reason = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    return unavailable("cannot resolve " + where + ": " + reason);
  }
  Status last = unavailable("cannot connect to " + where + ": no address");
  for (struct addrinfo* a = ai.list; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = errnoStatus("cannot create a socket for " + where, errno);
      continue;
    }
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {
        int w = waitFor(fd, POLLOUT, timeoutMs);
        if (w == 0) {
          close(fd);
          last = timeoutError("timed out connecting to " + where + " after " + std::to_string(timeoutMs) + " ms");
          continue;
        }
        socklen_t len = sizeof err;
        if (w < 0)
          err = errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
          err = errno;
      }
    }
    if (err != 0) {
      close(fd);
      last = unavailable("cannot connect to " + where + ": " + std::strerror(err));
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small request, one write each
    return fd;
  }
  return last;
}

// After a failed write during the handshake, the server may already have said why: a plaintext
// alert record (content type 21, length 2) waiting unread in the socket. Returns its description, or
// -1. The kernel keeps data received before a reset readable.
int pendingAlert(int fd) {
  unsigned char rec[7];
  ssize_t n = recv(fd, rec, sizeof rec, MSG_DONTWAIT | MSG_PEEK);
  if (n != static_cast<ssize_t>(sizeof rec)) return -1;
  if (rec[0] != MBEDTLS_SSL_MSG_ALERT || rec[1] != 3 || rec[3] != 0 || rec[4] != 2) return -1;
  return rec[6];
}

// `certRequested`: the server sent a CertificateRequest. In TLS 1.2 a server that requires a client
// certificate and got none answers with a plain handshake_failure (RFC 5246 section 7.4.6), which is
// only recognisable by that request.
Status alertStatus(int alert, bool presentedCert, bool certRequested, const std::string& where) {
  std::string what = std::string(alertName(alert)) + ", alert " + std::to_string(alert);
  if (isCertificateAlert(alert) ||
      (alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE && certRequested && !presentedCert)) {
    if (presentedCert) return permissionDenied(where + " refused our client certificate (TLS " + what + ")");
    return permissionDenied(where + " requires a client certificate (TLS " + what + ")");
  }
  return unavailable("TLS handshake with " + where + " failed: the server sent a fatal alert (" + what + ")");
}

std::string serverVerifyReason(uint32_t flags, const std::string& serverName) {
  std::string reasons;
  auto add = [&](const std::string& r) { reasons += (reasons.empty() ? "" : "; ") + r; };
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) add("server certificate not issued by the pinned CA");
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) add("server certificate is not for \"" + serverName + "\"");
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED) add("server certificate has expired");
  if (flags & MBEDTLS_X509_BADCERT_FUTURE) add("server certificate is not yet valid (check the clock)");
  uint32_t rest = flags & ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_CN_MISMATCH |
                                                 MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (rest != 0) {
    char buf[512];
    int n = mbedtls_x509_crt_verify_info(buf, sizeof buf, "", rest);
    std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "verification failed";
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) add(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return reasons.empty() ? "server certificate verification failed" : reasons;
}

Status handshakeError(int rc, Connection& c, bool presentedCert, const std::string& serverName,
                      const std::string& where) {
  if (c.io.timedOut)
    return timeoutError("TLS handshake with " + where + " timed out after " + std::to_string(c.io.timeoutMs) + " ms");
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return permissionDenied("TLS handshake with " + where + ": " +
                            serverVerifyReason(mbedtls_ssl_get_verify_result(&c.ssl), serverName));
  if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && c.ssl.in_msg != nullptr)
    return alertStatus(c.ssl.in_msg[1], presentedCert, c.ssl.client_auth != 0, where);  // left in in_msg
  if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
    int alert = pendingAlert(c.io.fd);
    if (alert >= 0) return alertStatus(alert, presentedCert, c.ssl.client_auth != 0, where);
    std::string how = "dropped the connection";
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF)
      how = "closed the connection";
    else if (c.io.err != 0)
      how += std::string(" (") + std::strerror(c.io.err) + ")";
    return unavailable(where + " " + how + " during the TLS handshake" +
                       (presentedCert ? " (it may have refused our client certificate)" : ""));
  }
  if (rc == MBEDTLS_ERR_NET_RECV_FAILED && c.io.err != 0)
    return unavailable("TLS handshake with " + where + " failed: " + std::strerror(c.io.err));
  return unavailable("TLS handshake with " + where + " failed: " + core::pki::mbedtlsErrorText(rc));
}

Result<std::string> buildRequest(const HttpsEndpoint& ep, const std::string& method, const std::string& path,
                                 const std::string& body, const std::string& contentType,
                                 const std::map<std::string, std::string>& extraHeaders) {
  if (!http::isToken(method)) return invalidArgument("invalid HTTP method \"" + method + "\"");
  if (path.empty() || path[0] != '/') return invalidArgument("the request path must start with '/'");
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return invalidArgument("the request path contains a space or control character");
  }
  bool ownContentType = true;
  for (const auto& [name, value] : extraHeaders) {
    if (!http::isToken(name)) return invalidArgument("invalid header name \"" + name + "\"");
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
      return invalidArgument("header " + name + " has a line break in its value");
    std::string n = http::asciiLower(name);
    // These frame the message; letting a caller repeat them would desynchronise client and server.
    if (n == "host" || n == "content-length" || n == "transfer-encoding" || n == "connection")
      return invalidArgument("header " + name + " is set by the client itself");
    if (n == "content-type") ownContentType = false;
  }
  if (contentType.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
    return invalidArgument("the content type has a line break");
  std::string req = method + " " + path + " HTTP/1.1\r\n";
  req += "Host: " + hostPort(ep) + "\r\n";
  req += "Connection: close\r\n";
  req += "User-Agent: edged\r\n";
  for (const auto& [name, value] : extraHeaders) req += name + ": " + value + "\r\n";
  bool sendBody = !body.empty() || method == "POST" || method == "PUT";
  if (sendBody) {
    if (ownContentType && !contentType.empty()) req += "Content-Type: " + contentType + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  if (sendBody) req += body;
  return req;
}

}  // namespace

// The client's TLS configuration for `options`: DRBG, TLS 1.2, the trust anchor (required, or only
// reported with `verifyOptional`), the client certificate.
static Status configureClient(TlsConfig& c, const HttpsClientOptions& options, bool verifyOptional) {
  static const char kPersonalization[] = "edge-https-client";
  if (int rc = mbedtls_ctr_drbg_seed(&c.drbg, mbedtls_entropy_func, &c.entropy,
                                     reinterpret_cast<const unsigned char*>(kPersonalization), sizeof kPersonalization);
      rc != 0)
    return internalError("cannot seed the random generator: " + core::pki::mbedtlsErrorText(rc));
  if (int rc = mbedtls_ssl_config_defaults(&c.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT);
      rc != 0)
    return internalError("TLS configuration: " + core::pki::mbedtlsErrorText(rc));
  mbedtls_ssl_conf_min_version(&c.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);  // TLS 1.2
  mbedtls_ssl_conf_rng(&c.conf, mbedtls_ctr_drbg_random, &c.drbg);

  // With no trust anchor the server is not authenticated (see the header: enrollment compares the
  // fetched CA with a pin); with one, a missing serverName falls back to the host we dial.
  if (options.caCertPem.empty()) {
    mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    const std::string& pem = options.caCertPem;
    int rc = mbedtls_x509_crt_parse(&c.ca, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
    if (rc != 0) return invalidArgument("the pinned CA certificate does not parse: " + core::pki::mbedtlsErrorText(rc));
    mbedtls_ssl_conf_authmode(&c.conf, verifyOptional ? MBEDTLS_SSL_VERIFY_OPTIONAL : MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&c.conf, &c.ca, nullptr);
  }
  bool presentCert = !options.clientCertPem.empty() && !options.clientKeyPem.empty();
  if (presentCert) {
    const std::string& cert = options.clientCertPem;
    const std::string& key = options.clientKeyPem;
    int rc = mbedtls_x509_crt_parse(&c.ownCert, reinterpret_cast<const unsigned char*>(cert.c_str()), cert.size() + 1);
    if (rc != 0) return invalidArgument("the client certificate does not parse: " + core::pki::mbedtlsErrorText(rc));
    rc = mbedtls_pk_parse_key(&c.ownKey, reinterpret_cast<const unsigned char*>(key.c_str()), key.size() + 1, nullptr,
                              0);
    if (rc != 0) return invalidArgument("the client key does not parse: " + core::pki::mbedtlsErrorText(rc));
    if (mbedtls_pk_check_pair(&c.ownCert.pk, &c.ownKey) != 0)
      return invalidArgument("the client key does not belong to the client certificate");
    rc = mbedtls_ssl_conf_own_cert(&c.conf, &c.ownCert, &c.ownKey);
    if (rc != 0) return internalError("TLS client certificate: " + core::pki::mbedtlsErrorText(rc));
  }
  return Status::ok();
}

// A connection's TLS context over `config`, with the SNI and expected name.
static Status setupConnection(Connection& c, const TlsConfig& config, const HttpsClientOptions& options,
                              const std::string& expectedName) {
  c.io.timeoutMs = options.timeoutMs;
  if (int rc = mbedtls_ssl_setup(&c.ssl, &config.conf); rc != 0) return internalError("TLS setup: " + core::pki::mbedtlsErrorText(rc));
  // mbedtls_ssl_set_hostname is both the SNI and the name the certificate must carry. SNI must not be
  // an IP literal (RFC 6066 section 3), so an unauthenticated request to an address sends none.
  if (!options.caCertPem.empty() || !options.serverName.empty() || !isIpLiteral(options.endpoint.host)) {
    if (int rc = mbedtls_ssl_set_hostname(&c.ssl, expectedName.c_str()); rc != 0)
      return invalidArgument("server name \"" + expectedName + "\": " + core::pki::mbedtlsErrorText(rc));
  }
  return Status::ok();
}

Result<HttpsEndpoint> parseHttpsUrl(const std::string& url) {
  const std::string scheme = "https://";
  if (url.size() < scheme.size() || http::asciiLower(url.substr(0, scheme.size())) != scheme)
    return invalidArgument("\"" + url + "\" is not an https:// URL");
  std::string rest = url.substr(scheme.size());
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos)
    return invalidArgument("\"" + url + "\": user information in the URL is not supported");
  HttpsEndpoint ep;
  std::string portText;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return invalidArgument("\"" + url + "\": unterminated IPv6 address");
    ep.host = authority.substr(1, close - 1);
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET6, ep.host.c_str(), addr) != 1)
      return invalidArgument("\"" + url + "\": \"" + ep.host + "\" is not an IPv6 address");
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalidArgument("\"" + url + "\": unexpected text after the IPv6 address");
      portText = after.substr(1);
      if (portText.empty()) return invalidArgument("\"" + url + "\": empty port");
    }
  } else {
    size_t colon = authority.find(':');
    ep.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) return invalidArgument("\"" + url + "\": empty port");
    }
    if (ep.host.empty()) return invalidArgument("\"" + url + "\" has no host");
    // Host names (RFC 1123) and IPv4 literals; '_' is tolerated as resolvers do.
    for (char c : ep.host) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_'))
        return invalidArgument("\"" + url + "\": invalid character in the host name");
    }
  }
  if (!portText.empty()) {
    if (portText.size() > 5 || portText.find_first_not_of("0123456789") != std::string::npos)
      return invalidArgument("\"" + url + "\": invalid port \"" + portText + "\"");
    unsigned long port = std::stoul(portText);
    if (port == 0 || port > 65535) return invalidArgument("\"" + url + "\": port out of range");
    ep.port = static_cast<uint16_t>(port);
  }
  return ep;
}

namespace {

// The TLS session an HttpsClient keeps for its next connection.
struct SessionSlot {
  mbedtls_ssl_session session;
  bool held = false;     // session is one a server gave us
  bool resumed = false;  // the last handshake resumed it
  SessionSlot() { mbedtls_ssl_session_init(&session); }
  ~SessionSlot() { mbedtls_ssl_session_free(&session); }
  void forget() {
    mbedtls_ssl_session_free(&session);
    mbedtls_ssl_session_init(&session);
    held = false;
  }
  SessionSlot(const SessionSlot&) = delete;
  SessionSlot& operator=(const SessionSlot&) = delete;
};

Status checkOptions(const HttpsClientOptions& options) {
  if (options.endpoint.host.empty()) return invalidArgument("no host to connect to");
  if (options.timeoutMs <= 0) return invalidArgument("the timeout must be positive");
  return Status::ok();
}

// One request over a new connection on `config`. With `slot`, the session it holds is offered for
// resumption, and the session this handshake ends with replaces it (a failed handshake forgets it).
Result<HttpsResponse> exchange(const TlsConfig& config, const HttpsClientOptions& options, SessionSlot* slot,
                               const std::string& method, const std::string& path, const std::string& body,
                               const std::string& contentType,
                               const std::map<std::string, std::string>& extraHeaders) {
  const HttpsEndpoint& ep = options.endpoint;
  const std::string where = "mgmt " + hostPort(ep);
  Result<std::string> request = buildRequest(ep, method, path, body, contentType, extraHeaders);
  if (!request.isOk()) return request.status();

  std::string expectedName = options.serverName.empty() ? ep.host : options.serverName;
  bool presentCert = !options.clientCertPem.empty() && !options.clientKeyPem.empty();
  Connection c;
  EDGE_RETURN_IF_ERROR(setupConnection(c, config, options, expectedName));
  if (slot != nullptr) {
    slot->resumed = false;
    if (slot->held && mbedtls_ssl_set_session(&c.ssl, &slot->session) != 0) slot->forget();
  }

  Result<int> fd = connectTcp(ep, options.timeoutMs, where);
  if (!fd.isOk()) return fd.status();
  c.io.fd = *fd;
  mbedtls_ssl_set_bio(&c.ssl, &c.io, bioSend, bioRecv, nullptr);

  int rc = 0;
  while ((rc = mbedtls_ssl_handshake(&c.ssl)) != 0) {
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (slot != nullptr) slot->forget();
      return handshakeError(rc, c, presentCert, expectedName, where);
    }
  }
  if (slot != nullptr) {
    // A resumed session keeps the master secret it was made with; a full handshake makes a new one.
    mbedtls_ssl_session now;
    mbedtls_ssl_session_init(&now);
    if (mbedtls_ssl_get_session(&c.ssl, &now) == 0) {
      slot->resumed = slot->held && std::memcmp(now.master, slot->session.master, sizeof now.master) == 0;
      std::swap(now, slot->session);
      slot->held = true;
    } else {
      slot->forget();
    }
    mbedtls_ssl_session_free(&now);
  }

  const std::string& req = *request;
  size_t sent = 0;
  while (sent < req.size()) {
    rc = mbedtls_ssl_write(&c.ssl, reinterpret_cast<const unsigned char*>(req.data()) + sent, req.size() - sent);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (rc < 0) {
      if (c.io.timedOut)
        return timeoutError("sending the request to " + where + " timed out after " +
                            std::to_string(options.timeoutMs) + " ms");
      return unavailable("sending the request to " + where + " failed: " +
                         (c.io.err != 0 ? std::string(std::strerror(c.io.err)) : core::pki::mbedtlsErrorText(rc)));
    }
    sent += static_cast<size_t>(rc);
  }

  HttpResponseParser parser(method == "HEAD", options.maxResponseBytes);
  std::array<unsigned char, 16 * 1024> chunk{};
  size_t received = 0;
  // Headers and chunk framing count too: this bounds what a server can make us hold.
  constexpr size_t kFraming = 64 * 1024;
  const size_t maxReceived = options.maxResponseBytes > SIZE_MAX - kFraming ? SIZE_MAX
                                                                            : options.maxResponseBytes + kFraming;
  while (!parser.done()) {
    rc = mbedtls_ssl_read(&c.ssl, chunk.data(), chunk.size());
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (rc > 0) {
      received += static_cast<size_t>(rc);
      if (received > maxReceived)
        return resourceExhausted("the response from " + where + " exceeds " + std::to_string(options.maxResponseBytes) +
                                 " bytes");
      Status s = parser.feed(reinterpret_cast<const char*>(chunk.data()), static_cast<size_t>(rc));
      if (!s.isOk()) return s.withContext("response from " + where);
      continue;
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
      Status s = parser.finish();
      if (!s.isOk()) return unavailable("response from " + where + ": " + s.message());
      break;
    }
    if (c.io.timedOut)
      return timeoutError("waiting for the response from " + where + " timed out after " +
                          std::to_string(options.timeoutMs) + " ms");
    return unavailable("reading the response from " + where + " failed: " +
                       (c.io.err != 0 ? std::string(std::strerror(c.io.err)) : core::pki::mbedtlsErrorText(rc)));
  }
  // Courtesy close_notify; the response is complete whatever happens to it.
  mbedtls_ssl_close_notify(&c.ssl);
  HttpsResponse response = std::move(parser.response());
  if (response.body.size() > options.maxResponseBytes)
    return resourceExhausted("the response from " + where + " exceeds " + std::to_string(options.maxResponseBytes) +
                             " bytes");
  return response;
}

}  // namespace

Result<HttpsResponse> httpsRequest(const HttpsClientOptions& options, const std::string& method,
                                   const std::string& path, const std::string& body, const std::string& contentType,
                                   const std::map<std::string, std::string>& extraHeaders) {
  EDGE_RETURN_IF_ERROR(checkOptions(options));
  TlsConfig config;
  EDGE_RETURN_IF_ERROR(configureClient(config, options, false));
  return exchange(config, options, nullptr, method, path, body, contentType, extraHeaders);
}

struct HttpsClient::Impl {
  HttpsClientOptions options;
  TlsConfig config;
  std::mutex mu;  // one request at a time: the DRBG, the key's curve tables and the session slot
  SessionSlot slot;
};

HttpsClient::HttpsClient() : impl_(std::make_unique<Impl>()) {}
HttpsClient::~HttpsClient() = default;

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(const HttpsClientOptions& options) {
  EDGE_RETURN_IF_ERROR(checkOptions(options));
  std::unique_ptr<HttpsClient> client(new HttpsClient());
  client->impl_->options = options;
  EDGE_RETURN_IF_ERROR(configureClient(client->impl_->config, options, false));
  return client;
}

Result<HttpsResponse> HttpsClient::request(const std::string& method, const std::string& path, const std::string& body,
                                           const std::string& contentType,
                                           const std::map<std::string, std::string>& extraHeaders) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return exchange(impl_->config, impl_->options, impl_->options.resumeSessions ? &impl_->slot : nullptr, method, path,
                  body, contentType, extraHeaders);
}

bool HttpsClient::lastResumed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->slot.resumed;
}

void HttpsClient::forgetSession() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->slot.forget();
}

const HttpsClientOptions& HttpsClient::options() const { return impl_->options; }

Result<TlsProbe> tlsProbe(const HttpsClientOptions& options) {
  EDGE_RETURN_IF_ERROR(checkOptions(options));
  const HttpsEndpoint& ep = options.endpoint;
  const std::string where = hostPort(ep);
  std::string expectedName = options.serverName.empty() ? ep.host : options.serverName;
  TlsConfig config;
  EDGE_RETURN_IF_ERROR(configureClient(config, options, true));
  Connection c;
  EDGE_RETURN_IF_ERROR(setupConnection(c, config, options, expectedName));
  auto started = std::chrono::steady_clock::now();
  Result<int> fd = connectTcp(ep, options.timeoutMs, where);
  if (!fd.isOk()) return fd.status();
  TlsProbe out;
  out.connectMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  c.io.fd = *fd;
  mbedtls_ssl_set_bio(&c.ssl, &c.io, bioSend, bioRecv, nullptr);
  int rc = 0;
  while ((rc = mbedtls_ssl_handshake(&c.ssl)) != 0) {
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
      return handshakeError(rc, c, !options.clientCertPem.empty(), expectedName, where);
  }
  out.handshakeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  out.version = mbedtls_ssl_get_version(&c.ssl);
  out.cipherSuite = mbedtls_ssl_get_ciphersuite(&c.ssl);
  for (const mbedtls_x509_crt* crt = mbedtls_ssl_get_peer_cert(&c.ssl); crt != nullptr && crt->raw.p != nullptr;
       crt = crt->next)
    out.chainDer.emplace_back(reinterpret_cast<const char*>(crt->raw.p), crt->raw.len);
  if (options.caCertPem.empty()) {
    out.verification = "not checked (no CA to check against)";
  } else {
    uint32_t flags = mbedtls_ssl_get_verify_result(&c.ssl);
    out.verified = flags == 0;
    out.verification = flags == 0 ? "verified against the CA, name \"" + expectedName + "\""
                                  : serverVerifyReason(flags, expectedName);
  }
  mbedtls_ssl_close_notify(&c.ssl);
  return out;
}

}  // namespace core
