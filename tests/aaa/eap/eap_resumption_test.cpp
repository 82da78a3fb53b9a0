// TLS session resumption (aaa/eap/resumption.h, ADR 0031): the cache's bounds, lifetime and method
// binding; and, through the EAP server against an mbedTLS client offering its earlier session, that
// a resumed login skips the inner password but is decided by the policy now (a suspended subscriber
// is rejected), that a changed password or a certificate that no longer verifies means a full
// handshake, and that the keys come from the new handshake's randoms.
#include "aaa/eap/resumption.h"

#include "tests/aaa/eap/eap_test_support.h"

namespace {

ResumptionGrant grant(uint8_t method, const std::string& user = "alice") {
  ResumptionGrant g;
  g.method = method;
  g.subscriber = user;
  g.subscriberId = 1;
  g.innerMethod = aaa::policy::AuthMethod::kPap;
  return g;
}

const std::function<bool(const ResumptionGrant&)> kAlways = [](const ResumptionGrant&) { return true; };

}  // namespace

TEST_GROUP(ResumptionCache){};

TEST(ResumptionCache, HoldsAtMostItsBoundOldestGoingFirst) {
  ResumptionCache cache(2, 3600);
  CHECK(cache.put("id-a", "session-a", grant(kTypePeap), 100));
  CHECK(cache.put("id-b", "session-b", grant(kTypePeap), 101));
  CHECK(cache.put("id-c", "session-c", grant(kTypePeap), 102));
  LONGS_EQUAL(2, cache.size());
  CHECK_FALSE(cache.find("id-a", kTypePeap, 103, kAlways).has_value());
  auto b = cache.find("id-b", kTypePeap, 103, kAlways);
  CHECK(b.has_value());
  STRCMP_EQUAL("session-b", b->session.c_str());
  STRCMP_EQUAL("alice", b->grant.subscriber.c_str());
  CHECK(cache.find("id-c", kTypePeap, 103, kAlways).has_value());
}

TEST(ResumptionCache, ASessionLivesItsLifetimeFromTheFullLoginAndNoLonger) {
  ResumptionCache cache(8, 60);
  CHECK(cache.put("id", "session", grant(kTypeTtls), 1000));
  CHECK(cache.find("id", kTypeTtls, 1059, kAlways).has_value());  // a resumption does not extend it
  CHECK_FALSE(cache.find("id", kTypeTtls, 1060, kAlways).has_value());
  LONGS_EQUAL(0, cache.size());
  CHECK(cache.put("old", "session", grant(kTypeTtls), 2000));
  CHECK(cache.put("new", "session", grant(kTypeTtls), 2070));  // storing drops what expired meanwhile
  LONGS_EQUAL(1, cache.size());
}

TEST(ResumptionCache, OnlyTheMethodThatMadeTheSessionResumesIt) {
  ResumptionCache cache(8, 60);
  CHECK(cache.put("id", "session", grant(kTypePeap), 0));
  CHECK_FALSE(cache.find("id", kTypeTls, 1, kAlways).has_value());
  CHECK_FALSE(cache.find("id", kTypeTtls, 1, kAlways).has_value());
  CHECK(cache.find("id", kTypePeap, 1, kAlways).has_value());
}

TEST(ResumptionCache, AGrantThatNoLongerHoldsIsDroppedForGood) {
  ResumptionCache cache(8, 60);
  CHECK(cache.put("id", "session", grant(kTypePeap), 0));
  int asked = 0;
  CHECK_FALSE(cache.find("id", kTypePeap, 1, [&](const ResumptionGrant& g) {
                     ++asked;
                     STRCMP_EQUAL("alice", g.subscriber.c_str());
                     return false;
                   }).has_value());
  LONGS_EQUAL(1, asked);
  LONGS_EQUAL(0, cache.size());
  CHECK_FALSE(cache.find("id", kTypePeap, 1, kAlways).has_value());  // even once it would hold again
}

TEST(ResumptionCache, OffOrOutOfBoundsStoresNothing) {
  ResumptionCache off(8, 0);
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.put("id", "session", grant(kTypePeap), 0));
  ResumptionCache cache(8, 60);
  CHECK_FALSE(cache.put("", "session", grant(kTypePeap), 0));
  CHECK_FALSE(cache.put(std::string(33, 'i'), "session", grant(kTypePeap), 0));
  CHECK_FALSE(cache.put("id", std::string(ResumptionCache::kMaxSessionOctets + 1, 's'), grant(kTypePeap), 0));
  CHECK_FALSE(cache.put("id", "", grant(kTypePeap), 0));
  LONGS_EQUAL(0, cache.size());
}

TEST(ResumptionCache, TheCredentialDigestChangesWithThePasswordAndTheKey) {
  ResumptionCache one(8, 60), two(8, 60);
  aaa::policy::Subscriber s;
  s.username = "alice";
  s.ntHash = aaa::auth::credentialsFromPassword("alice-pw", false)->ntHash;
  auto before = one.credentialDigest(s);
  CHECK(before == one.credentialDigest(s));
  CHECK(before != two.credentialDigest(s));  // keyed per cache: nothing to compare outside it
  aaa::policy::Subscriber changed = s;
  changed.ntHash = aaa::auth::credentialsFromPassword("other-pw", false)->ntHash;
  CHECK(before != one.credentialDigest(changed));
  aaa::policy::Subscriber imported = s;
  imported.ntHash.reset();
  imported.papHash = "{crypt}$5$salt$x";
  CHECK(before != one.credentialDigest(imported));
}

TEST_GROUP_BASE(EapResumption, EapFixture) {
  mbedtls_ssl_session saved;
  void setup() override {
    EapFixture::setup();
    mbedtls_ssl_session_init(&saved);
  }
  void teardown() override {
    mbedtls_ssl_session_free(&saved);
    EapFixture::teardown();
  }
};

TEST(EapResumption, TtlsResumesWithoutThePasswordWithKeysFromTheNewRandoms) {
  make(kTypeTtls, 8, 8, 1000, 3600);
  Client first("", "");
  EapOutput o = ttlsPap(first, "alice-pw");
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK_FALSE(o.resumed);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumption_sessions"));
  std::string firstMsk = first.exportKey("ttls keying material", 64);
  first.saveSession(&saved);

  Client second("", "", &saved);
  o = ttlsPap(second, "never-sent");  // accepted at the end of the short handshake: no password asked
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.resumed);
  STRCMP_EQUAL("alice", o.decision.subscriber->username.c_str());
  STRCMP_EQUAL("home", o.decision.plan->name.c_str());
  CHECK(o.decision.method == aaa::policy::AuthMethod::kPap);
  LONGS_EQUAL(20000000, o.decision.rate.downBps);
  std::string msk = second.exportKey("ttls keying material", 64);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  CHECK(o.mppeSendKey == msk.substr(32, 32));
  CHECK(msk != firstMsk);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumed_total"));
  LONGS_EQUAL(2, counters.valueOf("radius_eap_accepts_total"));
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumption_sessions"));  // a resumption stores nothing new
}

TEST(EapResumption, ASubscriberSuspendedSinceIsRejectedOnResumption) {
  make(kTypeTtls, 8, 8, 1000, 3600);
  Client first("", "");
  CHECK(ttlsPap(first, "alice-pw").kind == EapOutput::Kind::kAccept);
  first.saveSession(&saved);
  snap = makeSnapshot([](aaa::policy::Subscriber& s) { s.status = aaa::policy::SubscriberStatus::kSuspended; });
  Client second("", "", &saved);
  EapOutput o = ttlsPap(second, "never-sent");
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.decision.reason == aaa::policy::RejectReason::kSuspended);
  CHECK(o.resumed);
  CHECK(o.mppeRecvKey.empty());
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumed_total"));
}

TEST(EapResumption, AChangedPasswordMeansAFullHandshakeAndTheNewPassword) {
  make(kTypeTtls, 8, 8, 1000, 3600);
  Client first("", "");
  CHECK(ttlsPap(first, "alice-pw").kind == EapOutput::Kind::kAccept);
  first.saveSession(&saved);
  snap = makeSnapshot([](aaa::policy::Subscriber& s) {
    s.ntHash = aaa::auth::credentialsFromPassword("new-pw", false)->ntHash;
  });
  Client second("", "", &saved);
  EapOutput o = ttlsPap(second, "alice-pw");  // the old password, asked for again inside the tunnel
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.decision.reason == aaa::policy::RejectReason::kBadPassword);
  CHECK_FALSE(o.resumed);
  LONGS_EQUAL(0, counters.valueOf("radius_eap_resumed_total"));
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumption_refused_total"));
  Client third("", "", &saved);  // the refused session is gone for good
  o = ttlsPap(third, "new-pw");
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK_FALSE(o.resumed);
  LONGS_EQUAL(0, counters.valueOf("radius_eap_resumed_total"));
}

TEST(EapResumption, OffMeansEveryLoginIsAFullHandshake) {
  make(kTypeTtls);  // eap-resumption-seconds 0
  Client first("", "");
  CHECK(ttlsPap(first, "alice-pw").kind == EapOutput::Kind::kAccept);
  first.saveSession(&saved);
  Client second("", "", &saved);
  EapOutput o = ttlsPap(second, "wrong-pw");
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.decision.reason == aaa::policy::RejectReason::kBadPassword);
  LONGS_EQUAL(0, counters.valueOf("radius_eap_resumed_total"));
  LONGS_EQUAL(0, server->resumableSessions());
}

TEST(EapResumption, AnEapTlsSessionResumesOnlyEapTlsAndOnlyWhileItsCertificateVerifies) {
  make(kTypeTls, 8, 8, 1000, 3600);
  Client first(pki().clientPem, pki().clientKey);
  EapOutput o = eapTls(first);
  CHECK(o.kind == EapOutput::Kind::kAccept);
  first.saveSession(&saved);

  // Offered in a TTLS conversation (the peer Naks to TTLS): a full handshake.
  EapOutput started = identity("alice");
  CHECK(started.kind == EapOutput::Kind::kChallenge);
  started = send(build(Code::kResponse, lastId, kTypeNak, std::string(1, static_cast<char>(kTypeTtls))));
  Client ttls("", "", &saved);
  o = handshake(ttls, kTypeTtls, started);
  CHECK(o.kind == EapOutput::Kind::kChallenge);  // the server's Finished: now the inner credentials
  LONGS_EQUAL(0, counters.valueOf("radius_eap_resumed_total"));

  Client second(pki().clientPem, pki().clientKey, &saved);
  o = eapTls(second);
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.resumed);
  CHECK(o.decision.method == aaa::policy::AuthMethod::kEapTls);
  STRCMP_EQUAL("alice", o.decision.subscriber->username.c_str());
  std::string msk = second.exportKey("client EAP encryption", 64);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumed_total"));

  // A reload of the same files: the certificate is verified again (another context) and still
  // resumes.
  aaa::eap::TlsServerConfig files{pki().serverFile, pki().serverKeyFile, pki().caFile, ""};
  auto reloaded = server->loadTls(files);
  CHECK_TRUE_TEXT(reloaded.isOk(), reloaded.status().message().c_str());
  server->useTls(std::move(*reloaded));
  Client again(pki().clientPem, pki().clientKey, &saved);
  o = eapTls(again);
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.resumed);
  LONGS_EQUAL(2, counters.valueOf("radius_eap_resumed_total"));

  // New trust (a reload: here the server's own certificate as the only CA): alice's certificate no
  // longer verifies, so her cached session does not resume and the full handshake refuses it.
  files.caFile = pki().serverFile;
  reloaded = server->loadTls(files);
  CHECK_TRUE_TEXT(reloaded.isOk(), reloaded.status().message().c_str());
  server->useTls(std::move(*reloaded));
  Client third(pki().clientPem, pki().clientKey, &saved);
  o = eapTls(third);
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.why.find("client certificate") != std::string::npos);
  LONGS_EQUAL(2, counters.valueOf("radius_eap_resumed_total"));
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumption_refused_total"));
}

namespace {
// The plaintext the client's TLS holds (records already handed to it), decrypted.
std::string readPending(Client& client) {
  std::string plain;
  unsigned char buf[4096];
  for (;;) {
    int rc = mbedtls_ssl_read(&client.ssl, buf, sizeof buf);
    if (rc <= 0) break;
    plain.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(rc));
  }
  return plain;
}
}  // namespace

// PEAPv0 fast reconnect (MS-PEAP 3.2.5.5): after the short handshake the server sends the Result
// TLV at once (no inner Identity, no EAP-MSCHAPv2), EAP-Success follows the peer's Result TLV.
TEST(EapResumption, PeapResumesWithTheResultTlvAlone) {
  make(kTypePeap, 8, 8, 1000, 3600);
  Client first("", "");
  EapOutput o = handshake(first, kTypePeap, identity("anonymous"));
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  o = send(build(Code::kResponse, lastId, kTypePeap, std::string(1, '\0')));  // ack of our Finished
  LONGS_EQUAL(kTypeIdentity, static_cast<uint8_t>(readInner(first, o)[0]));   // inner Identity request
  o = sendInner(first, kTypePeap, std::string(1, static_cast<char>(kTypeIdentity)) + "alice");
  std::string challenge = readInner(first, o);
  LONGS_EQUAL(kTypeMsChapV2, static_cast<uint8_t>(challenge[0]));
  std::array<uint8_t, 24> nt{};
  std::array<uint8_t, 16> peerChallenge{};
  std::string response = msChapResponse(challenge.substr(1), "alice", "alice-pw", nt, peerChallenge);
  o = sendInner(first, kTypePeap, std::string(1, static_cast<char>(kTypeMsChapV2)) + response);
  std::string success = readInner(first, o);
  LONGS_EQUAL(kMsChapOpSuccess, static_cast<uint8_t>(success[1]));
  o = sendInner(first, kTypePeap, std::string(1, static_cast<char>(kTypeMsChapV2)) + std::string(1, kMsChapOpSuccess));
  std::string result = readInner(first, o);  // a whole EAP-Extensions packet
  LONGS_EQUAL(kTypeExtensions, static_cast<uint8_t>(result[4]));
  o = sendInner(first, kTypePeap, sv(build(Code::kResponse, static_cast<uint8_t>(result[1]), kTypeExtensions,
                                            buildResultTlv(true))));
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK_FALSE(o.resumed);
  first.saveSession(&saved);

  Client second("", "", &saved);
  o = handshake(second, kTypePeap, identity("anonymous"));
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_resumed_total"));
  result = readPending(second);  // came with the end of the short handshake
  CHECK(result.size() >= 5);
  LONGS_EQUAL(kTypeExtensions, static_cast<uint8_t>(result[4]));
  CHECK(parseResultTlv(std::string_view(result).substr(5)) == std::optional<uint16_t>(1));
  o = sendInner(second, kTypePeap, sv(build(Code::kResponse, static_cast<uint8_t>(result[1]), kTypeExtensions,
                                             buildResultTlv(true))));
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.resumed);
  CHECK(o.decision.method == aaa::policy::AuthMethod::kMsChapV2);
  STRCMP_EQUAL("home", o.decision.plan->name.c_str());
  std::string msk = second.exportKey("client EAP encryption", 64);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  CHECK(o.mppeSendKey == msk.substr(32, 32));
}

TEST_GROUP(AuthorizeProven){};

// What a resumed (or earlier-proven) credential gets: authorize()'s decision after the password.
TEST(AuthorizeProven, DecidesAsAfterTheCredentialWithTheMethodStillEnabled) {
  auto snap = makeSnapshot();
  using aaa::policy::AuthMethod;
  using aaa::policy::RejectReason;
  aaa::policy::Decision d = aaa::policy::authorizeProven("alice", AuthMethod::kMsChapV2, std::nullopt, *snap, kNow);
  CHECK(d.accept);
  STRCMP_EQUAL("home", d.plan->name.c_str());
  CHECK(aaa::policy::authorizeProven("nobody", AuthMethod::kPap, std::nullopt, *snap, kNow).reason ==
        RejectReason::kUnknownUser);
  // Never a way around the credential of another method.
  for (AuthMethod m : {AuthMethod::kNone, AuthMethod::kChap, AuthMethod::kMac, AuthMethod::kEapTls})
    CHECK(aaa::policy::authorizeProven("alice", m, std::nullopt, *snap, kNow).reason == RejectReason::kMethodNotAllowed);
  snap->settings.msChapV2 = false;  // radius.auth-methods without mschapv2
  CHECK(aaa::policy::authorizeProven("alice", AuthMethod::kMsChapV2, std::nullopt, *snap, kNow).reason ==
        RejectReason::kMethodNotAllowed);
  CHECK(aaa::policy::authorizeProven("alice", AuthMethod::kPap, std::nullopt, *snap, kNow).accept);
  auto expired = makeSnapshot([](aaa::policy::Subscriber& s) { s.expiresAt = kNow - 1; });
  CHECK(aaa::policy::authorizeProven("alice", AuthMethod::kPap, std::nullopt, *expired, kNow).reason ==
        RejectReason::kExpired);
  auto bound = makeSnapshot([](aaa::policy::Subscriber& s) { s.mac = aaa::auth::parseMac("02:00:00:00:00:01"); });
  CHECK(aaa::policy::authorizeProven("alice", AuthMethod::kPap, std::string_view("02-00-00-00-00-02"), *bound, kNow)
            .reason == RejectReason::kMacMismatch);
  CHECK(aaa::policy::authorizeProven("alice", AuthMethod::kPap, std::string_view("02-00-00-00-00-01"), *bound, kNow)
            .accept);
}
