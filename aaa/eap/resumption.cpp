#include "aaa/eap/resumption.h"

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "core/ids.h"

namespace aaa::eap {

ResumptionCache::ResumptionCache(size_t maxEntries, int lifetimeSeconds)
    : max_(maxEntries), lifetime_(lifetimeSeconds < 0 ? 0 : lifetimeSeconds) {
  core::secureRandom(key_.data(), key_.size());
}

ResumptionCache::~ResumptionCache() {
  std::lock_guard<std::mutex> lock(mu_);
  while (!order_.empty()) drop(order_.begin());
  mbedtls_platform_zeroize(key_.data(), key_.size());
}

void ResumptionCache::drop(std::list<Entry>::iterator it) {
  byId_.erase(it->id);
  mbedtls_platform_zeroize(it->session.data(), it->session.size());
  order_.erase(it);
}

// Entries are in the order they were stored, so the expired ones are at the front.
void ResumptionCache::dropExpired(int64_t now) {
  while (!order_.empty() && now - order_.front().created >= lifetime_) drop(order_.begin());
}

bool ResumptionCache::put(std::string_view sessionId, std::string session, ResumptionGrant grant, int64_t now) {
  if (!enabled() || sessionId.empty() || sessionId.size() > 32 || session.empty() ||
      session.size() > kMaxSessionOctets) {
    mbedtls_platform_zeroize(session.data(), session.size());
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  dropExpired(now);
  auto old = byId_.find(std::string(sessionId));
  if (old != byId_.end()) drop(old->second);
  while (order_.size() >= max_) drop(order_.begin());
  order_.push_back(Entry{std::string(sessionId), std::move(session), std::move(grant), now});
  byId_.emplace(order_.back().id, std::prev(order_.end()));
  return true;
}

std::optional<ResumptionCache::Hit> ResumptionCache::find(
    std::string_view sessionId, uint8_t method, int64_t now,
    const std::function<bool(const ResumptionGrant&)>& stillValid) {
  std::lock_guard<std::mutex> lock(mu_);
  dropExpired(now);
  auto it = byId_.find(std::string(sessionId));
  if (it == byId_.end()) return std::nullopt;
  const Entry& e = *it->second;
  if (e.grant.method != method) return std::nullopt;  // a PEAP session never resumes EAP-TLS
  if (stillValid && !stillValid(e.grant)) {
    drop(it->second);
    return std::nullopt;
  }
  return Hit{e.session, e.grant};
}

size_t ResumptionCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return order_.size();
}

std::array<uint8_t, 32> ResumptionCache::credentialDigest(const policy::Subscriber& s) const {
  std::array<uint8_t, 32> out{};
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  if (mbedtls_md_setup(&ctx, md, 1) == 0 && mbedtls_md_hmac_starts(&ctx, key_.data(), key_.size()) == 0) {
    // Each field with a tag and its length, so no two credentials read the same.
    auto field = [&](uint8_t tag, const void* p, size_t n) {
      uint8_t head[5] = {tag, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                         static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
      mbedtls_md_hmac_update(&ctx, head, sizeof head);
      if (n != 0) mbedtls_md_hmac_update(&ctx, static_cast<const uint8_t*>(p), n);
    };
    if (s.ntHash) field(1, s.ntHash->data(), s.ntHash->size());
    field(2, s.cleartext.data(), s.cleartext.size());
    field(3, s.papHash.data(), s.papHash.size());
    mbedtls_md_hmac_finish(&ctx, out.data());
  }
  mbedtls_md_free(&ctx);
  return out;
}

}  // namespace aaa::eap
