// PEAP crypto binding ([MS-PEAP] 2.2.8.3, 3.1.5.5; aaa/eap/crypto_binding.h): the key derivations
// against vectors computed independently (Python's hmac/hashlib, the formulas of the header), the
// TLV parser's refusals, and full PEAP logins through EapServer where the peer answers the binding
// with the right keys (accept, MSK = the compound session key), with the keys of a tunnel that did
// not run the inner method (reject: the relay the binding exists to stop), or not at all (accept
// with the TLS MSK unless eap-peap-crypto-binding is required).
#include "aaa/eap/crypto_binding.h"

#include "tests/aaa/eap/eap_test_support.h"

namespace {

std::string hex(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string o;
  for (char c : s) {
    o.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    o.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return o;
}
template <size_t N>
std::string hex(const std::array<uint8_t, N>& a) {
  return hex(std::string_view(reinterpret_cast<const char*>(a.data()), N));
}

std::string iota(uint8_t from, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(from + i));
  return s;
}

}  // namespace

TEST_GROUP(PeapBinding){};

// Vectors: TK = 00 01 .. 3b, ISK = 64 65 .. 83, nonce = 32 x 07 (computed with Python's hmac).
TEST(PeapBinding, KeysMskAndCompoundMacMatchIndependentVectors) {
  PeapBindingKeys k = peapCompoundKeys(iota(0, 60), iota(100, 32));
  STRCMP_EQUAL("eb37537157e25cd426f0874652b14910e030adce28abdd0de75642e037116a27ba6e87da19bd046f", hex(k.ipmk).c_str());
  STRCMP_EQUAL("4b6b44ae2731aee18315872e79847d102499c229", hex(k.cmk).c_str());
  STRCMP_EQUAL(
      "8aca9463dd0e14447d97420474a381c2e12aeb2a78b61632b72fb15df66907c9ee6b961ff1c5ce36a8453f04c372f2e67c8002bfe4f2c41d15"
      "8f125b6378f858",
      hex(peapCompoundMsk(k)).c_str());
  std::array<uint8_t, kBindingNonceLength> nonce;
  nonce.fill(7);
  std::string response = buildCryptoBindingTlv(k, nonce, 1);
  LONGS_EQUAL(kCryptoBindingTlvLength, response.size());
  STRCMP_EQUAL("000c003800000001", hex(response.substr(0, 8)).c_str());
  STRCMP_EQUAL("3e031e57f9adffa36476a6dafcb3cc556ed054a0", hex(response.substr(40)).c_str());
  CHECK(verifyCryptoBinding(response, k) == BindingCheck::kOk);

  // Fast reconnect: IPMK|CMK is TK itself.
  PeapBindingKeys f = peapFastReconnectKeys(iota(0, 60));
  STRCMP_EQUAL(hex(iota(0, 40)).c_str(), hex(f.ipmk).c_str());
  STRCMP_EQUAL(hex(iota(40, 20)).c_str(), hex(f.cmk).c_str());
}

TEST(PeapBinding, TheCheckRefusesEveryAlteredField) {
  PeapBindingKeys k = peapCompoundKeys(iota(0, 60), iota(100, 32));
  std::array<uint8_t, kBindingNonceLength> nonce;
  nonce.fill(9);
  std::string good = buildCryptoBindingTlv(k, nonce, 1);
  CHECK(verifyCryptoBinding(good, k) == BindingCheck::kOk);
  CHECK(verifyCryptoBinding(buildCryptoBindingTlv(k, nonce, 0), k) == BindingCheck::kSubType);  // our own request
  std::string bad = good;
  bad[5] = 1;
  CHECK(verifyCryptoBinding(bad, k) == BindingCheck::kVersion);
  bad = good;
  bad[20] ^= 1;  // the nonce: covered by the MAC
  CHECK(verifyCryptoBinding(bad, k) == BindingCheck::kMac);
  bad = good;
  bad[59] ^= 1;
  CHECK(verifyCryptoBinding(bad, k) == BindingCheck::kMac);
  CHECK(verifyCryptoBinding(good.substr(0, 59), k) == BindingCheck::kLength);
  PeapBindingKeys other = peapCompoundKeys(iota(0, 60), std::string(32, '\0'));  // no inner keys
  CHECK(verifyCryptoBinding(good, other) == BindingCheck::kMac);
}

TEST(PeapBinding, TlvParserFindsResultAndBindingAndRefusesMalformedLists) {
  PeapBindingKeys k = peapCompoundKeys(iota(0, 60), iota(100, 32));
  std::array<uint8_t, kBindingNonceLength> nonce{};
  std::string binding = buildCryptoBindingTlv(k, nonce, 1);
  std::string both = buildResultTlv(true) + binding;  // the views point into it
  auto t = parsePeapTlvs(both);
  CHECK(t.has_value());
  CHECK(t->result == std::optional<uint16_t>(1));
  CHECK(t->cryptoBinding == binding);
  LONGS_EQUAL(0, t->unknownMandatory);

  t = parsePeapTlvs(buildResultTlv(false));
  CHECK(t && t->result == std::optional<uint16_t>(2) && t->cryptoBinding.empty());
  // An unknown optional TLV is skipped; an unknown mandatory one is reported by type.
  t = parsePeapTlvs(std::string("\x00\x63\x00\x01z", 5) + buildResultTlv(true));
  CHECK(t && t->result && t->unknownMandatory == 0);
  t = parsePeapTlvs(std::string("\x80\x63\x00\x00", 4) + buildResultTlv(true));
  CHECK(t && t->unknownMandatory == 0x63);

  CHECK_FALSE(parsePeapTlvs(buildResultTlv(true).substr(0, 5)).has_value());         // runs past the data
  CHECK_FALSE(parsePeapTlvs(buildResultTlv(true) + std::string(1, '\0')).has_value());    // octets left over
  CHECK_FALSE(parsePeapTlvs(buildResultTlv(true) + buildResultTlv(true)).has_value());  // twice
  CHECK_FALSE(parsePeapTlvs(buildResultTlv(true) + binding + binding).has_value());
  std::string shortBinding = binding.substr(0, 59);
  shortBinding[3] = 55;
  CHECK_FALSE(parsePeapTlvs(buildResultTlv(true) + shortBinding).has_value());  // not 56 octets of value
  CHECK_FALSE(parsePeapTlvs(std::string("\x80\x03\x00\x03\x00\x01\x00", 7)).has_value());  // Result of 3
  CHECK(parsePeapTlvs("").has_value());  // nothing: no Result (the server refuses that)
}

TEST_GROUP_BASE(PeapLogin, EapFixture){};

namespace {

struct PeapPeer {
  std::string result;  // the server's decrypted EAP-Extensions packet
  std::string isk;     // EAP-MSCHAPv2's key as the peer derives it: its MS-MPPE-Send-Key | Recv-Key
};

// Runs a full PEAP/EAP-MSCHAPv2 login of alice up to the server's Result TLV.
PeapPeer runToResult(EapFixture& f, Client& client) {
  PeapPeer peer;
  EapOutput o = f.handshake(client, kTypePeap, f.identity("anonymous"));
  CHECK(o.kind == EapOutput::Kind::kChallenge);
  o = f.send(build(Code::kResponse, f.lastId, kTypePeap, std::string(1, '\0')));  // ack of the server's Finished
  LONGS_EQUAL(kTypeIdentity, static_cast<uint8_t>(f.readInner(client, o)[0]));
  o = f.sendInner(client, kTypePeap, std::string(1, static_cast<char>(kTypeIdentity)) + "alice");
  std::string challenge = f.readInner(client, o);
  std::array<uint8_t, 24> nt{};
  std::array<uint8_t, 16> peerChallenge{};
  std::string response = msChapResponse(challenge.substr(1), "alice", "alice-pw", nt, peerChallenge);
  o = f.sendInner(client, kTypePeap, std::string(1, static_cast<char>(kTypeMsChapV2)) + response);
  LONGS_EQUAL(kMsChapOpSuccess, static_cast<uint8_t>(f.readInner(client, o)[1]));
  o = f.sendInner(client, kTypePeap,
                  std::string(1, static_cast<char>(kTypeMsChapV2)) + std::string(1, kMsChapOpSuccess));
  peer.result = f.readInner(client, o);
  // RFC 3079 3.4 on the peer's side: its Send-Key is (isSend, !isServer), its Recv-Key (!isSend, !isServer).
  auto hash = *aaa::auth::credentialsFromPassword("alice-pw", false)->ntHash;
  auto master = aaa::auth::getMasterKey(aaa::auth::hashNtPasswordHash(hash), nt.data());
  auto send = aaa::auth::getAsymmetricStartKey(master, true, false);
  auto recv = aaa::auth::getAsymmetricStartKey(master, false, false);
  peer.isk.assign(reinterpret_cast<const char*>(send.data()), 16);
  peer.isk.append(reinterpret_cast<const char*>(recv.data()), 16);
  return peer;
}

// The server's Crypto-Binding TLV out of its EAP-Extensions packet (checks it is a valid request
// under `keys`), and its nonce.
std::array<uint8_t, kBindingNonceLength> serverBinding(const std::string& result, const PeapBindingKeys& keys) {
  CHECK(result.size() >= 5);
  LONGS_EQUAL(kTypeExtensions, static_cast<uint8_t>(result[4]));
  auto tlvs = parsePeapTlvs(std::string_view(result).substr(5));
  CHECK(tlvs && tlvs->result == std::optional<uint16_t>(1));
  LONGS_EQUAL(kCryptoBindingTlvLength, tlvs->cryptoBinding.size());
  std::array<uint8_t, kBindingNonceLength> nonce{};
  std::memcpy(nonce.data(), tlvs->cryptoBinding.data() + 8, nonce.size());
  // The same TLV rebuilt with the peer's keys: Version 0, SubType 0 (request) and the Compound MAC.
  CHECK(buildCryptoBindingTlv(keys, nonce, 0) == tlvs->cryptoBinding);
  return nonce;
}

}  // namespace

TEST(PeapLogin, ABindingUnderTheTunnelAndInnerKeysAcceptsWithTheCompoundMsk) {
  make(kTypePeap);
  Client client("", "");
  PeapPeer peer = runToResult(*this, client);
  PeapBindingKeys keys = peapCompoundKeys(client.exportKey("client EAP encryption", 60), peer.isk);
  auto nonce = serverBinding(peer.result, keys);
  EapOutput o = sendInner(client, kTypePeap,
                          sv(build(Code::kResponse, static_cast<uint8_t>(peer.result[1]), kTypeExtensions,
                                   buildResultTlv(true) + buildCryptoBindingTlv(keys, nonce, 1))));
  CHECK(o.kind == EapOutput::Kind::kAccept);
  STRCMP_EQUAL("home", o.decision.plan->name.c_str());
  std::string msk = peapCompoundMsk(keys);
  CHECK(o.mppeRecvKey == msk.substr(0, 32));
  CHECK(o.mppeSendKey == msk.substr(32, 32));
  CHECK(o.mppeRecvKey != client.exportKey("client EAP encryption", 32));
}

// The man in the middle: a tunnel of his own to the server, the victim's inner EAP-MSCHAPv2 relayed
// into it. He knows the tunnel's keys but not the inner method's (the victim's password hash).
TEST(PeapLogin, ABindingWithoutTheInnerKeysIsRejected) {
  make(kTypePeap);
  Client client("", "");
  PeapPeer peer = runToResult(*this, client);
  PeapBindingKeys keys = peapCompoundKeys(client.exportKey("client EAP encryption", 60), std::string(32, '\0'));
  std::array<uint8_t, kBindingNonceLength> nonce{};
  std::memcpy(nonce.data(), parsePeapTlvs(std::string_view(peer.result).substr(5))->cryptoBinding.data() + 8, 32);
  EapOutput o = sendInner(client, kTypePeap,
                          sv(build(Code::kResponse, static_cast<uint8_t>(peer.result[1]), kTypeExtensions,
                                   buildResultTlv(true) + buildCryptoBindingTlv(keys, nonce, 1))));
  CHECK(o.kind == EapOutput::Kind::kReject);
  CHECK(o.why.find("PEAP crypto binding: Compound MAC does not verify") == 0);
  CHECK(o.mppeRecvKey.empty());
}

TEST(PeapLogin, APeerWithoutBindingLogsInUnlessItIsRequired) {
  for (bool required : {false, true}) {
    requireBinding = required;
    make(kTypePeap);
    Client client("", "");
    PeapPeer peer = runToResult(*this, client);
    EapOutput o = sendInner(client, kTypePeap,
                            sv(build(Code::kResponse, static_cast<uint8_t>(peer.result[1]), kTypeExtensions,
                                     buildResultTlv(true))));
    if (required) {
      CHECK(o.kind == EapOutput::Kind::kReject);
      STRCMP_EQUAL("PEAP crypto binding: required (eap-peap-crypto-binding), the peer sent none", o.why.c_str());
    } else {
      CHECK(o.kind == EapOutput::Kind::kAccept);
      std::string msk = client.exportKey("client EAP encryption", 64);  // the TLS MSK, as before binding
      CHECK(o.mppeRecvKey == msk.substr(0, 32));
      CHECK(o.mppeSendKey == msk.substr(32, 32));
    }
    server.reset();
  }
}

// A wrong password: the Result TLV says failure and carries no binding; the peer's failure ends it.
TEST(PeapLogin, AFailureResultCarriesNoBinding) {
  make(kTypePeap);
  Client client("", "");
  EapOutput o = handshake(client, kTypePeap, identity("anonymous"));
  o = send(build(Code::kResponse, lastId, kTypePeap, std::string(1, '\0')));
  (void)readInner(client, o);
  o = sendInner(client, kTypePeap, std::string(1, static_cast<char>(kTypeIdentity)) + "alice");
  std::string challenge = readInner(client, o);
  std::array<uint8_t, 24> nt{};
  std::array<uint8_t, 16> peerChallenge{};
  o = sendInner(client, kTypePeap,
                std::string(1, static_cast<char>(kTypeMsChapV2)) +
                    msChapResponse(challenge.substr(1), "alice", "wrong-pw", nt, peerChallenge));
  LONGS_EQUAL(kMsChapOpFailure, static_cast<uint8_t>(readInner(client, o)[1]));
  o = sendInner(client, kTypePeap, std::string(1, static_cast<char>(kTypeMsChapV2)) + std::string(1, kMsChapOpFailure));
  std::string result = readInner(client, o);
  auto tlvs = parsePeapTlvs(std::string_view(result).substr(5));
  CHECK(tlvs && tlvs->result == std::optional<uint16_t>(2) && tlvs->cryptoBinding.empty());
  o = sendInner(client, kTypePeap,
                sv(build(Code::kResponse, static_cast<uint8_t>(result[1]), kTypeExtensions, buildResultTlv(false))));
  CHECK(o.kind == EapOutput::Kind::kReject);
}
