// The EAP conversation state machine (aaa/eap/eap_server.h) against an mbedTLS client in memory:
// EAP-TTLS/PAP and EAP-TLS end to end (the keys the client derives are the ones edged sends),
// fragments both ways, Nak, the conversation limits, unknown State and out-of-sequence messages.
#include "tests/aaa/eap/eap_test_support.h"

TEST_GROUP_BASE(EapServer, EapFixture){};

TEST(EapServer, TtlsPapAcceptsWithTheClientsKeys) {
  make(kTypeTtls, 8, 8, 200);
  Client client("", "");
  EapOutput o = handshake(client, kTypeTtls, identity("anonymous"), 150);
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  std::string pw("alice-pw");
  pw.resize(16, '\0');
  std::string avps = buildAvp(kAvpUserName, 0, "alice") + buildAvp(kAvpUserPassword, 0, pw);
  CHECK(mbedtls_ssl_write(&client.ssl, reinterpret_cast<const unsigned char*>(avps.data()), avps.size()) > 0);
  o = send(build(Code::kResponse, lastId, kTypeTtls, std::string(1, '\0') + client.take()));
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.decision.accept);
  STRCMP_EQUAL("alice", o.decision.subscriber->username.c_str());
  std::string msk = client.exportKey("ttls keying material", 64);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  CHECK(o.mppeSendKey == msk.substr(32, 32));
  CHECK(sv(o.eapMessage) == sv(build(Code::kSuccess, lastId, 0, nullptr, 0)));
  LONGS_EQUAL(1, counters.valueOf("radius_eap_accepts_total"));
  LONGS_EQUAL(0, server->openConversations());
}

TEST(EapServer, TtlsPapWrongPasswordRejects) {
  make(kTypeTtls);
  Client client("", "");
  EapOutput o = handshake(client, kTypeTtls, identity("anonymous"));
  std::string avps = buildAvp(kAvpUserName, 0, "alice") + buildAvp(kAvpUserPassword, 0, std::string("nope", 4) + std::string(12, '\0'));
  mbedtls_ssl_write(&client.ssl, reinterpret_cast<const unsigned char*>(avps.data()), avps.size());
  o = send(build(Code::kResponse, lastId, kTypeTtls, std::string(1, '\0') + client.take()));
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.decision.reason == aaa::policy::RejectReason::kBadPassword);
  CHECK(o.mppeRecvKey.empty());
  CHECK(o.eapMessage[0] == static_cast<uint8_t>(Code::kFailure));
}

TEST(EapServer, EapTlsAcceptsTheCaSignedCertificateAndNamesItsSubscriber) {
  make(kTypeTls, 8, 8, 300);
  Client client(pki().clientPem, pki().clientKey);
  EapOutput o = handshake(client, kTypeTls, identity("alice"), 300);
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  o = send(build(Code::kResponse, lastId, kTypeTls, std::string(1, '\0')));  // ack of our Finished
  CHECK(o.kind == EapOutput::Kind::kAccept);
  CHECK(o.decision.method == aaa::policy::AuthMethod::kEapTls);
  std::string msk = client.exportKey("client EAP encryption", 64);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  CHECK(o.mppeSendKey == msk.substr(32, 32));
}

TEST(EapServer, EapTlsRefusesACertificateOfAnotherCa) {
  make(kTypeTls);
  Client client(pki().rogueClientPem, pki().rogueClientKey);
  EapOutput o = handshake(client, kTypeTls, identity("alice"));
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.why.find("client certificate") != std::string::npos);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_tls_failures_total"));
}

TEST(EapServer, ReloadedCertificatesApplyFromTheNextHandshake) {
  make(kTypeTls);
  // Files that do not load are refused, naming the key; the running certificates stay.
  aaa::eap::TlsServerConfig files{pki().serverFile, pki().serverKeyFile, pki().caFile, pki().serverKeyFile};
  auto bad = server->loadTls(files);
  CHECK_FALSE(bad.isOk());
  CHECK(bad.status().message().rfind("eap-crl: ", 0) == 0);
  files.crlFile.clear();
  files.caFile.clear();
  bad = server->loadTls(files);  // eap-first-method tls needs a CA
  CHECK_FALSE(bad.isOk());
  CHECK(bad.status().message().rfind("eap-ca: ", 0) == 0);
  // A conversation whose TLS started before the reload finishes with what it started with; one
  // started after it is checked against the new trust (here the server's own certificate as the
  // only CA: alice's certificate no longer chains).
  Client before(pki().clientPem, pki().clientKey);
  EapOutput started = identity("alice");  // EAP-TLS Start: this conversation's TLS exists
  files.caFile = pki().serverFile;
  auto reloaded = server->loadTls(files);
  CHECK_TRUE_TEXT(reloaded.isOk(), reloaded.status().message().c_str());
  server->useTls(std::move(*reloaded));
  EapOutput o = handshake(before, kTypeTls, started);
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  o = send(build(Code::kResponse, lastId, kTypeTls, std::string(1, '\0')));  // ack of our Finished
  CHECK(o.kind == EapOutput::Kind::kAccept);
  Client after(pki().clientPem, pki().clientKey);
  o = handshake(after, kTypeTls, identity("alice"));
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.why.find("client certificate") != std::string::npos);
}

TEST(EapServer, NakSwitchesToTheMethodThePeerWants) {
  make(kTypePeap);
  EapOutput o = identity("alice");
  auto p = parse(o.eapMessage.data(), o.eapMessage.size());
  LONGS_EQUAL(kTypePeap, p->type);
  LONGS_EQUAL(kFlagStart, static_cast<uint8_t>(p->data[0]));
  o = send(build(Code::kResponse, lastId, kTypeNak, std::string(1, static_cast<char>(kTypeTtls))));
  p = parse(o.eapMessage.data(), o.eapMessage.size());
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  LONGS_EQUAL(kTypeTtls, p->type);
  // A Nak naming nothing we offer ends the conversation.
  identity("alice");
  o = send(build(Code::kResponse, lastId, kTypeNak, std::string(1, '\x04')));
  CHECK(o.kind == EapOutput::Kind::kReject);
}

TEST(EapServer, UnknownStateAndWrongIdentifierAreRefused) {
  make(kTypePeap);
  state = std::string(16, 'x');
  EapOutput o = send(build(Code::kResponse, 3, kTypePeap, std::string(1, '\0')));
  CHECK(o.kind == EapOutput::Kind::kReject);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_unknown_state_total"));
  identity("alice");
  o = send(build(Code::kResponse, static_cast<uint8_t>(lastId + 1), kTypePeap, std::string(1, '\0')));
  CHECK(o.kind == EapOutput::Kind::kReject);
  LONGS_EQUAL(1, counters.valueOf("radius_eap_malformed_total"));
  // A new conversation must start with an Identity.
  state.clear();
  o = send(build(Code::kResponse, 1, kTypePeap, std::string(1, '\0')));
  CHECK(o.kind == EapOutput::Kind::kReject);
}

TEST(EapServer, ConversationLimitsInTotalAndPerNas) {
  make(kTypePeap, 3, 2);
  CHECK(identity("a", "ap-1").kind == EapOutput::Kind::kChallenge);
  CHECK(identity("b", "ap-1").kind == EapOutput::Kind::kChallenge);
  EapOutput o = identity("c", "ap-1");  // ap-1's limit
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(identity("d", "ap-2").kind == EapOutput::Kind::kChallenge);
  CHECK(identity("e", "ap-3").kind == EapOutput::Kind::kReject);  // the total
  LONGS_EQUAL(2, counters.valueOf("radius_eap_conversations_refused_total"));
  LONGS_EQUAL(3, server->openConversations());
  LONGS_EQUAL(3, counters.valueOf("radius_eap_conversations_open"));
}

TEST(EapServer, ConfigurationErrorsNameTheKey) {
  EapServerConfig c;
  c.tls.certificateFile = "/nonexistent/server.pem";
  c.tls.keyFile = pki().serverKeyFile;
  auto s = EapServer::create(c, counters);
  CHECK_FALSE(s.isOk());
  CHECK(s.status().message().rfind("eap-certificate: ", 0) == 0);
  c.tls.certificateFile = pki().serverFile;
  c.tls.keyFile = pki().caFile;  // not a key
  s = EapServer::create(c, counters);
  CHECK(s.status().message().rfind("eap-key: ", 0) == 0);
  c.tls.keyFile = pki().serverKeyFile;
  c.tls.crlFile = pki().serverKeyFile;  // not a CRL
  s = EapServer::create(c, counters);
  CHECK(s.status().message().rfind("eap-crl: ", 0) == 0);
  c.tls.crlFile.clear();
  c.firstMethod = kTypeTls;  // without eap-ca
  s = EapServer::create(c, counters);
  CHECK(s.status().message().rfind("eap-first-method: ", 0) == 0);
}


// RFC 5281 11.2.1 (eapol_test phase2="autheap=MSCHAPV2"): EAP inside the tunnel in EAP-Message AVPs,
// whole EAP packets; the peer's Identity first, then EAP-MSCHAPv2 checked through authorize().
TEST(EapServer, TtlsWithEapMsChapV2InsideAcceptsTheRightPasswordOnly) {
  for (const char* password : {"alice-pw", "wrong-pw"}) {
    bool right = std::string(password) == "alice-pw";
    make(kTypeTtls);
    Client client("", "");
    EapOutput o = handshake(client, kTypeTtls, identity("anonymous"));
    CHECK(o.kind == EapOutput::Kind::kChallenge);
    o = sendInner(client, kTypeTtls, buildAvp(kAvpEapMessage, 0, sv(build(Code::kResponse, 7, kTypeIdentity, "alice"))));
    CHECK(o.kind == EapOutput::Kind::kChallenge);
    std::string plain = readInner(client, o);
    auto avps = parseAvps(plain);  // views into plain
    CHECK(avps.has_value());
    const Avp* eap = findAvp(*avps, kAvpEapMessage);
    CHECK(eap != nullptr);
    std::string challengePacket(eap->data);
    auto req = parse(reinterpret_cast<const uint8_t*>(challengePacket.data()), challengePacket.size());
    CHECK(req && req->code == Code::kRequest && req->type == kTypeMsChapV2);
    LONGS_EQUAL(8, req->id);
    std::array<uint8_t, 24> nt{};
    std::array<uint8_t, 16> peerChallenge{};
    std::string response = msChapResponse(std::string(req->data), "alice", password, nt, peerChallenge);
    o = sendInner(client, kTypeTtls, buildAvp(kAvpEapMessage, 0, sv(build(Code::kResponse, 8, kTypeMsChapV2, response))));
    CHECK(o.kind == EapOutput::Kind::kChallenge);
    plain = readInner(client, o);
    avps = parseAvps(plain);
    eap = findAvp(*avps, kAvpEapMessage);
    CHECK(eap != nullptr);
    std::string answerPacket(eap->data);
    auto answer = parse(reinterpret_cast<const uint8_t*>(answerPacket.data()), answerPacket.size());
    CHECK(answer && answer->type == kTypeMsChapV2);
    LONGS_EQUAL(9, answer->id);
    uint8_t op = right ? kMsChapOpSuccess : kMsChapOpFailure;
    LONGS_EQUAL(op, static_cast<uint8_t>(answer->data[0]));
    if (right) {
      // The authenticator response proves edged knew the password hash (RFC 2759 8.7).
      auto hash = *aaa::auth::credentialsFromPassword("alice-pw", false)->ntHash;
      auto expect = aaa::auth::generateAuthenticatorResponse(
          hash, nt.data(), peerChallenge.data(), reinterpret_cast<const uint8_t*>(req->data.data() + 5), "alice");
      CHECK(std::string(answer->data).find(std::string(expect.data(), expect.size())) != std::string::npos);
    } else {
      CHECK(std::string(answer->data).find("E=691") != std::string::npos);
    }
    o = sendInner(client, kTypeTtls,
                  buildAvp(kAvpEapMessage, 0, sv(build(Code::kResponse, 9, kTypeMsChapV2, std::string(1, static_cast<char>(op))))));
    if (right) {
      CHECK(o.kind == EapOutput::Kind::kAccept);
      CHECK(o.decision.method == aaa::policy::AuthMethod::kMsChapV2);
      STRCMP_EQUAL("alice", o.decision.subscriber->username.c_str());
      std::string msk = client.exportKey("ttls keying material", 64);
      CHECK(o.mppeRecvKey == msk.substr(0, 32));
      CHECK(o.mppeSendKey == msk.substr(32, 32));
    } else {
      CHECK(o.kind == EapOutput::Kind::kReject);
      CHECK(o.decision.reason == aaa::policy::RejectReason::kBadPassword);
      STRCMP_EQUAL("alice", o.decision.subscriber->username.c_str());
    }
    server.reset();
  }
}
