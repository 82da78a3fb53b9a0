// Everything in aaa/eap that reads a peer's bytes: the EAP packet, the EAP-TLS/PEAP/TTLS framing
// and the reassembly of fragments, the TTLS AVPs, EAP-MSCHAPv2 Responses, PEAP's Result TLV, PEAP's
// TLV list with the Crypto-Binding TLV and its check (target 6), and the conversation state machine itself (EapServer::handle, whose TLS side is mbedTLS fed with
// whatever the fuzzer sends as records).
// Input: the first byte picks the target (0..6), the rest is the peer's bytes; for the state
// machine the rest is a sequence of messages, each a 2-octet length then that many octets, sent on
// one conversation (State carried over as a NAS would).
// Properties: no crash or sanitizer report; views stay inside the input; the reassembler never
// holds more than its limit; a Crypto-Binding TLV found is 60 octets inside the input and never
// verifies under keys the input cannot know (only one built with them does); the state machine answers every message, never accepts (no input
// can carry a valid credential for a subscriber that does not exist), and keeps at most its
// conversation limit open.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "aaa/eap/crypto_binding.h"
#include "aaa/eap/eap_packet.h"
#include "aaa/eap/eap_server.h"
#include "aaa/eap/inner.h"
#include "aaa/policy/snapshot.h"
#include "core/counters.h"
#include "core/pki.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "eap";
constexpr size_t kLimit = 4096;

struct World {
  core::CounterRegistry counters;
  std::unique_ptr<aaa::eap::EapServer> server;
  std::shared_ptr<const aaa::policy::Snapshot> snapshot;
};

World* world() {
  static World* w = [] {
    auto* k = new World;
    char tmpl[] = "/tmp/eap-fuzz-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    core::pki::CertSpec spec;
    spec.notAfter = 4102444800;
    spec.commonName = "ca";
    std::string caKey = *core::pki::generateKey();
    std::string ca = *core::pki::selfSignedCa(caKey, spec);
    std::string key = *core::pki::generateKey();
    spec.commonName = "server";
    std::string cert = *core::pki::issueForKey(ca, caKey, *core::pki::publicKeyOf(key), spec);
    std::ofstream(dir + "/ca.pem") << ca;
    std::ofstream(dir + "/server.pem") << cert;
    std::ofstream(dir + "/server.key") << key;
    aaa::eap::EapServerConfig c;
    c.tls.certificateFile = dir + "/server.pem";
    c.tls.keyFile = dir + "/server.key";
    c.tls.caFile = dir + "/ca.pem";
    c.maxConversations = 16;
    c.maxConversationsPerNas = 16;
    c.fragmentSize = 200;
    core::Result<std::unique_ptr<aaa::eap::EapServer>> server = aaa::eap::EapServer::create(c, k->counters);
    if (!server.isOk()) ::fuzz::fail(kTarget, "EapServer: " + server.status().message());
    k->server = std::move(*server);
    // The server has read its files: nothing is left in /tmp.
    for (const char* f : {"/ca.pem", "/server.pem", "/server.key"}) ::unlink((dir + f).c_str());
    ::rmdir(dir.c_str());
    aaa::policy::SnapshotHolder holder;  // no subscribers: nothing can be accepted
    holder.publishFull({}, {}, {});
    k->snapshot = holder.current();
    return k;
  }();
  return w;
}

void inside(std::string_view part, const uint8_t* data, size_t size) {
  if (part.empty()) return;
  const auto* p = reinterpret_cast<const uint8_t*>(part.data());
  FUZZ_CHECK(p >= data && p + part.size() <= data + size, "a view outside the input");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aaa::eap;
  if (size == 0) return 0;
  uint8_t which = data[0] % 7;
  const uint8_t* in = data + 1;
  size_t n = size - 1;
  std::string_view text(reinterpret_cast<const char*>(in), n);
  switch (which) {
    case 0: {
      auto p = parse(in, n);
      if (p) {
        inside(p->data, in, n);
        bool typed = p->code == Code::kRequest || p->code == Code::kResponse;
        FUZZ_CHECK(typed ? p->data.size() + 5 == n : p->data.empty(), "packet data not its Length");
      }
      break;
    }
    case 1: {
      // Fragments: each a 1-octet size then that many octets, framed and reassembled.
      Reassembler r(kLimit);
      size_t pos = 0;
      while (pos < n) {
        size_t len = std::min<size_t>(in[pos], n - pos - 1);
        auto f = parseTlsFrame(text.substr(pos + 1, len));
        pos += 1 + len;
        if (!f) continue;
        inside(f->data, in, n);
        Reassembler::Result res = r.add(*f);
        FUZZ_CHECK(r.message().size() <= kLimit, "reassembled past the limit");
        if (res != Reassembler::Result::kMore) r.clear();
      }
      break;
    }
    case 2: {
      auto avps = parseAvps(text);
      if (avps) {
        FUZZ_CHECK(avps->size() <= kMaxAvps, "more AVPs than allowed");
        for (const Avp& a : *avps) inside(a.data, in, n);
      }
      break;
    }
    case 3: {
      auto r = parseMsChapResponse(text);
      if (r) inside(r->name, in, n);
      (void)msChapOpCode(text);
      break;
    }
    case 4:
      (void)parseResultTlv(text);
      break;
    case 5: {
      World* w = world();
      std::string state;
      size_t pos = 0;
      while (pos + 2 <= n) {
        size_t len = std::min<size_t>((size_t{in[pos]} << 8) | in[pos + 1], n - pos - 2);
        std::string msg(text.substr(pos + 2, len));
        pos += 2 + len;
        EapInput e;
        e.eapMessage = msg;
        e.state = state;
        e.nas = "fuzz";
        e.snapshot = w->snapshot.get();
        e.nowUnix = 1800000000;
        EapOutput o = w->server->handle(e);
        FUZZ_CHECK(o.kind != EapOutput::Kind::kAccept, "an accept without any subscriber");
        FUZZ_CHECK(!o.eapMessage.empty(), "an answer without an EAP message");
        FUZZ_CHECK(w->server->openConversations() <= 16, "more conversations than the limit");
        if (o.kind != EapOutput::Kind::kChallenge) break;
        state.assign(reinterpret_cast<const char*>(o.state.data()), o.state.size());
      }
      break;
    }
    case 6: {
      auto tlvs = parsePeapTlvs(text);
      if (!tlvs) break;
      if (!tlvs->cryptoBinding.empty()) {
        inside(tlvs->cryptoBinding, in, n);
        FUZZ_CHECK(tlvs->cryptoBinding.size() == kCryptoBindingTlvLength, "a Crypto-Binding TLV not 60 octets");
        static const PeapBindingKeys kKeys = peapCompoundKeys(std::string(60, 'k'), std::string(32, 'i'));
        FUZZ_CHECK(verifyCryptoBinding(tlvs->cryptoBinding, kKeys) != BindingCheck::kOk,
                   "a binding verified under keys the input cannot know");
        // The same fields with the MAC made under those keys do verify (the check is not always 'no').
        std::array<uint8_t, kBindingNonceLength> nonce{};
        std::memcpy(nonce.data(), tlvs->cryptoBinding.data() + 8, nonce.size());
        FUZZ_CHECK(verifyCryptoBinding(buildCryptoBindingTlv(kKeys, nonce, 1), kKeys) == BindingCheck::kOk,
                   "a binding built with the keys does not verify");
      }
      break;
    }
  }
  return 0;
}
