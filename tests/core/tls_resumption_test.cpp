// TLS session resumption between core::HttpsClient (the box, mbedTLS) and core::HttpServer with
// tlsTicketKey (mgmtd's device API, libmicrohttpd + GnuTLS), ADRs 0035 and 0044: a returning client resumes;
// the handler sees the client certificate of the handshake that made the session, verified again; a
// server that does not hold the ticket key shakes hands in full and the request still goes through;
// and a session is never offered for another identity.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/http_server.h"
#include "core/https_client.h"
#include "core/pki.h"

#include <CppUTest/TestHarness.h>

namespace {

struct Pair {
  std::string key, cert;
};

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

core::pki::CertSpec spec(const std::string& cn, int64_t notBefore, int64_t notAfter) {
  core::pki::CertSpec s;
  s.commonName = cn;
  s.notBefore = notBefore;
  s.notAfter = notAfter;
  return s;
}

Pair makeCa(const std::string& cn) {
  Pair ca;
  ca.key = *core::pki::generateKey();
  ca.cert = *core::pki::selfSignedCa(ca.key, spec(cn, now() - 3600, now() + 86400 * 365));
  return ca;
}

Pair issue(const Pair& ca, const std::string& cn, int64_t notBefore, int64_t notAfter) {
  Pair leaf;
  leaf.key = *core::pki::generateKey();
  leaf.cert = *core::pki::issueCertificate(ca.cert, ca.key, *core::pki::createCsr(leaf.key, cn),
                                           spec(cn, notBefore, notAfter));
  return leaf;
}

// Ticket master keys (64 bytes) for the tests' servers.
const std::string kTicketKey(64, 'k');
const std::string kOtherTicketKey(64, 'o');

// A server like the device API: HTTPS, client certificates verified against the CA, tickets with
// `*ticketKey` as it is when each connection starts (null: tickets off). /who answers the verified
// client certificate's CN and whether the connection resumed.
std::unique_ptr<core::HttpServer> startServer(const Pair& ca, const Pair& server, const std::string* ticketKey,
                                              uint16_t port = 0) {
  core::HttpServerOptions o;
  o.port = port;
  o.tlsCertPem = server.cert;
  o.tlsKeyPem = server.key;
  o.clientTrustPem = ca.cert;
  if (ticketKey != nullptr) o.tlsTicketKey = [ticketKey] { return *ticketKey; };
  auto s = std::make_unique<core::HttpServer>(o);
  s->route("GET", "/who", [](const core::HttpRequest& r) {
    std::string cn = "none";
    if (!r.peerCertificateDer.empty()) cn = core::pki::certificateInfo(r.peerCertificateDer)->commonName;
    return core::HttpResponse::json(200, core::Json{{"cn", cn}, {"resumed", r.tlsResumed},
                                                    {"problem", r.peerCertificateProblem}});
  });
  core::Status started = s->start();
  if (!started.isOk()) FAIL(started.toString().c_str());
  return s;
}

core::Json who(core::HttpsClient& c) {
  core::Result<core::HttpsResponse> r = c.request("GET", "/who");
  if (!r.isOk()) FAIL(r.status().toString().c_str());
  LONGS_EQUAL(200, r->status);
  return core::Json::parse(r->body);
}

std::unique_ptr<core::HttpsClient> clientFor(uint16_t port, const Pair& ca, const Pair& identity) {
  core::HttpsClientOptions o;
  o.endpoint.host = "127.0.0.1";
  o.endpoint.port = port;
  o.caCertPem = ca.cert;
  o.serverName = "mgmt.test";
  o.clientCertPem = identity.cert;
  o.clientKeyPem = identity.key;
  o.timeoutMs = 5000;
  core::Result<std::unique_ptr<core::HttpsClient>> c = core::HttpsClient::create(o);
  if (!c.isOk()) FAIL(c.status().toString().c_str());
  return std::move(*c);
}

}  // namespace

TEST_GROUP(TlsResumption) {
  Pair ca, server, box;
  void setup() override {
    ca = makeCa("Resumption Test CA");
    server = issue(ca, "mgmt.test", now() - 3600, now() + 86400);
    box = issue(ca, "box-0001", now() - 3600, now() + 86400);
  }
};

TEST(TlsResumption, AReturningClientResumesAndTheHandlerStillSeesItsVerifiedCertificate) {
  auto s = startServer(ca, server, &kTicketKey);
  auto c = clientFor(s->port(), ca, box);
  core::Json first = who(*c);
  STRCMP_EQUAL("box-0001", first["cn"].get<std::string>().c_str());
  CHECK_FALSE(first["resumed"].get<bool>());
  CHECK_FALSE(c->lastResumed());
  for (int i = 0; i < 3; ++i) {
    core::Json again = who(*c);
    CHECK_TRUE(again["resumed"].get<bool>());  // the server says so ...
    CHECK_TRUE(c->lastResumed());              // ... and the client
    STRCMP_EQUAL("box-0001", again["cn"].get<std::string>().c_str());
  }
  c->forgetSession();
  core::Json full = who(*c);
  CHECK_FALSE(full["resumed"].get<bool>());
  CHECK_FALSE(c->lastResumed());
}

// A restarted server, or another replica given the same ticket key, takes the ticket; a server with
// another ticket key does not (even with the same certificate and private key: the ticket key is not
// derived from them), and the client shakes hands in full without the caller noticing.
TEST(TlsResumption, ServersSharingTheKeyAcceptEachOthersTicketsOthersShakeHandsInFull) {
  auto first = startServer(ca, server, &kTicketKey);
  const uint16_t port = first->port();
  auto c = clientFor(port, ca, box);
  who(*c);
  first.reset();

  auto replica = startServer(ca, server, &kTicketKey, port);
  core::Json j = who(*c);
  CHECK_TRUE(j["resumed"].get<bool>());
  STRCMP_EQUAL("box-0001", j["cn"].get<std::string>().c_str());
  replica.reset();

  auto stranger = startServer(ca, server, &kOtherTicketKey, port);
  j = who(*c);
  CHECK_FALSE(j["resumed"].get<bool>());
  CHECK_FALSE(c->lastResumed());
  STRCMP_EQUAL("box-0001", j["cn"].get<std::string>().c_str());
  CHECK_TRUE(who(*c)["resumed"].get<bool>());  // and from then on with the new server's ticket
}

// The key is asked for at every connection: once it changes (a rotation), a ticket made under the
// one before is not taken; the client shakes hands in full and resumes with the new key's ticket.
TEST(TlsResumption, ARotatedKeyEndsTheTicketsMadeBeforeIt) {
  std::string key = kTicketKey;
  auto s = startServer(ca, server, &key);
  auto c = clientFor(s->port(), ca, box);
  CHECK_FALSE(who(*c)["resumed"].get<bool>());
  CHECK_TRUE(who(*c)["resumed"].get<bool>());
  key = kOtherTicketKey;  // no connection is open between requests (Connection: close)
  CHECK_FALSE(who(*c)["resumed"].get<bool>());
  CHECK_TRUE(who(*c)["resumed"].get<bool>());
  key.clear();  // no key now: full handshakes, and no ticket issued
  CHECK_FALSE(who(*c)["resumed"].get<bool>());
  CHECK_FALSE(who(*c)["resumed"].get<bool>());
}

TEST(TlsResumption, AServerWithoutTicketsNeverResumesAndAnswersAnyway) {
  auto s = startServer(ca, server, nullptr);
  auto c = clientFor(s->port(), ca, box);
  for (int i = 0; i < 3; ++i) {
    core::Json j = who(*c);
    CHECK_FALSE(j["resumed"].get<bool>());
    CHECK_FALSE(c->lastResumed());
    STRCMP_EQUAL("box-0001", j["cn"].get<std::string>().c_str());
  }
}

// The certificate a resumed session carries is verified again at every request: one that has
// expired since the session was made is reported as expired, not taken as the device.
TEST(TlsResumption, AResumedSessionsCertificateIsVerifiedAgainAndRefusedOnceExpired) {
  auto s = startServer(ca, server, &kTicketKey);
  Pair shortLived = issue(ca, "box-0002", now() - 3600, now() + 2);
  auto c = clientFor(s->port(), ca, shortLived);
  STRCMP_EQUAL("box-0002", who(*c)["cn"].get<std::string>().c_str());
  // GnuTLS checks validity against the system clock, in whole seconds: wait until it has expired.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  core::Json j = who(*c);
  CHECK_TRUE(j["resumed"].get<bool>());
  STRCMP_EQUAL("none", j["cn"].get<std::string>().c_str());
  STRCMP_EQUAL("expired", j["problem"].get<std::string>().c_str());
}
