// The TLS sessions an EAP login may resume (RFC 5216 2.1.3, RFC 5281 8, PEAP fast reconnect), kept by
// session ID (RFC 5246 7.4.1.2; the EAP peers' default, wpa_supplicant leaves tickets off).
//
// Contract (docs/decisions/0031-eap.md, "Session resumption"):
//  - Only a session whose login was ACCEPTED is stored (put()), with what the login proved: the EAP
//    method, the subscriber (username and row id) and a digest of the credential it was checked
//    against. A handshake that never got to an accept leaves nothing here.
//  - find() hands a session back only to the same EAP method, within `lifetimeSeconds` of the full
//    login that stored it (a resumption never extends it), and only if the caller's check of the
//    grant holds; the caller re-decides everything else (policy) as for a full login.
//  - Bounded: at most `maxEntries` sessions (the oldest goes first) of at most kMaxSessionOctets
//    each; expired ones are dropped when met. The serialized sessions hold master secrets: they are
//    zeroed when dropped and never leave this object except into mbedTLS. Expired entries go
//    whenever the cache is used (put or find).
//  - Thread-safe (one mutex, held for map work only). `now` is monotonic seconds from the caller.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aaa/policy/model.h"
#include "aaa/policy/policy.h"

namespace aaa::eap {

struct ResumptionGrant {
  uint8_t method = 0;                  // the EAP type (13, 21, 25) of the login that made the session
  std::string subscriber;              // the accepted subscriber's username
  int64_t subscriberId = 0;            // its row id: a deleted and re-added name is someone else
  std::array<uint8_t, 32> credential{};  // credentialDigest() of its credential at that login
  policy::AuthMethod innerMethod = policy::AuthMethod::kNone;  // PAP, MS-CHAPv2 or EAP-TLS
  // EAP-TLS: the TlsContext generation that verified the client certificate, and the Unix time
  // until which that verification stands (aaa/eap/tls_tunnel.h, TlsTunnel::Trust).
  uint64_t trustGeneration = 0;
  int64_t trustedUntil = 0;
};

class ResumptionCache {
 public:
  static constexpr size_t kMaxSessionOctets = 8192;  // a serialized session with the peer's certificate

  // lifetimeSeconds 0 = off (nothing is stored).
  ResumptionCache(size_t maxEntries, int lifetimeSeconds);
  ~ResumptionCache();
  bool enabled() const { return lifetime_ > 0 && max_ > 0; }

  // Stores `session` (mbedtls_ssl_session_save's bytes) under its ID; false when off, the ID is not
  // 1..32 octets or the session is too large.
  bool put(std::string_view sessionId, std::string session, ResumptionGrant grant, int64_t now);

  struct Hit {
    std::string session;
    ResumptionGrant grant;
  };
  // The session stored under `sessionId` for `method` when it is younger than the lifetime and
  // `stillValid(grant)` holds; an entry that fails the check is dropped (a changed credential never
  // resumes, even after it changes back). nullopt otherwise.
  std::optional<Hit> find(std::string_view sessionId, uint8_t method, int64_t now,
                          const std::function<bool(const ResumptionGrant&)>& stillValid);
  size_t size() const;

  // A keyed digest (HMAC-SHA-256 under a key drawn per cache) of what the subscriber's password
  // check reads: NT hash, cleartext, imported hash. Equal digests: the same credential.
  std::array<uint8_t, 32> credentialDigest(const policy::Subscriber& s) const;

 private:
  struct Entry {
    std::string id;
    std::string session;
    ResumptionGrant grant;
    int64_t created = 0;
  };
  void drop(std::list<Entry>::iterator it);  // with mu_ held
  void dropExpired(int64_t now);             // with mu_ held

  size_t max_;
  int lifetime_;
  std::array<uint8_t, 32> key_{};
  mutable std::mutex mu_;
  std::list<Entry> order_;  // oldest first
  std::unordered_map<std::string, std::list<Entry>::iterator> byId_;
};

}  // namespace aaa::eap
