// A small HTTP/1.1 client over TLS on mbedTLS (Debian has no libcurl built on mbedTLS, FIELD-NOTES):
// what the box uses to talk to the management plane. One request per connection ("Connection:
// close"); bodies by Content-Length or chunked; TLS 1.2 (Debian's mbedTLS build). HttpsClient keeps
// the parsed identity and the TLS session between requests (resumption).
//
// Contract:
//  - With caCertPem set, the server's chain must verify against it and the leaf's name must equal
//    serverName (CN, or a DNS SAN); anything else fails the handshake with kPermissionDenied and the
//    reason ("server certificate not issued by the pinned CA").
//  - With caCertPem empty, the server is NOT authenticated: only for fetching a CA certificate whose
//    fingerprint the caller then compares with a pin it already holds (enrollment).
//  - A client certificate is presented when clientCertPem and clientKeyPem are set.
//  - Every wait is bounded by timeoutMs (connect, handshake, each read); kTimeout / kUnavailable
//    otherwise, with the host and port in the message. Responses above maxResponseBytes fail.
//    The bound is per wait, not for the whole request; name resolution (getaddrinfo) is not bounded.
//  - Messages name the peer as "mgmt host:port" ("cannot connect to mgmt 127.0.0.1:8443: Connection
//    refused"). A server that rejects our client certificate (or requires one) in the handshake gives
//    kPermissionDenied naming the TLS alert.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace core {

struct HttpsEndpoint {
  std::string host;   // name or IP address
  uint16_t port = 443;
};
// "https://host[:port][/...]" -> endpoint (IPv6 literals in brackets). kInvalidArgument otherwise.
Result<HttpsEndpoint> parseHttpsUrl(const std::string& url);

struct HttpsClientOptions {
  HttpsEndpoint endpoint;
  std::string caCertPem;      // trust anchor (see contract); empty = unauthenticated server
  std::string serverName;     // expected certificate name of the server (and the SNI); empty = the
                              // endpoint's host. mbedTLS 2.28 matches it against DNS SANs or the CN
                              // (no IP SANs), so certificates from core::pki are matched by their CN.
  std::string clientCertPem;  // optional client certificate (PEM, leaf first)
  std::string clientKeyPem;
  int timeoutMs = 10000;
  size_t maxResponseBytes = 16 * 1024 * 1024;
  // HttpsClient only: offer the TLS session of the client's last handshake to the next connection
  // (a session ticket, RFC 5077), so a server that kept issuing tickets skips the certificates, the
  // signatures and the key exchange. httpsRequest() never resumes.
  bool resumeSessions = true;
};

struct HttpsResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// One request. `body` is sent with Content-Type `contentType` when not empty (or when the method is
// POST/PUT). `extraHeaders` are added as given.
Result<HttpsResponse> httpsRequest(const HttpsClientOptions& options, const std::string& method,
                                   const std::string& path, const std::string& body = "",
                                   const std::string& contentType = "application/json",
                                   const std::map<std::string, std::string>& extraHeaders = {});

// A client for one server and one identity (HttpsClientOptions) that keeps what its requests can
// share: the parsed trust anchor, certificate and key (parsed and checked once, in create()) and,
// with resumeSessions, the TLS session of its last handshake. Each request is still its own connection
// ("Connection: close", the contract above); a server that does not resume gets a full handshake and
// the request goes on. A failed handshake forgets the session. One request at a time: concurrent
// callers wait for each other. A session is only ever offered to the endpoint and name it was made
// with, for the same client certificate (the client object holds one of each).
class HttpsClient {
 public:
  static Result<std::unique_ptr<HttpsClient>> create(const HttpsClientOptions& options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  Result<HttpsResponse> request(const std::string& method, const std::string& path, const std::string& body = "",
                                const std::string& contentType = "application/json",
                                const std::map<std::string, std::string>& extraHeaders = {});
  bool lastResumed() const;  // the last request's handshake resumed the kept session
  void forgetSession();      // the next request shakes hands in full
  const HttpsClientOptions& options() const;

 private:
  HttpsClient();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A TLS handshake only (the technician's "TLS check of mgmt"): connects, shakes hands and reports
// what the server showed, whether or not it verifies. With caCertPem the chain is checked against it
// and the name against serverName, and the outcome reported in `verification` instead of failing the
// handshake; a handshake that fails for any other reason (refused, timeout, alert) is the Status
// httpsRequest would give. Bounded by timeoutMs per wait like httpsRequest.
struct TlsProbe {
  double connectMs = 0;                 // TCP connect, from the start
  double handshakeMs = 0;               // TCP connect and TLS handshake, from the start
  std::string version;                  // "TLSv1.2"
  std::string cipherSuite;
  std::vector<std::string> chainDer;    // the certificates the server sent, leaf first (DER)
  bool verified = false;
  std::string verification;             // "verified against the CA, name ..." or the reasons it does not
};
Result<TlsProbe> tlsProbe(const HttpsClientOptions& options);

}  // namespace core
