#include "aaa/radius/reply.h"

namespace aaa::radius {

std::string mikrotikRate(uint64_t v) {
  if (v != 0 && v % 1000000 == 0) return std::to_string(v / 1000000) + "M";
  if (v != 0 && v % 1000 == 0) return std::to_string(v / 1000) + "k";
  return std::to_string(v);
}

namespace {

std::optional<uint64_t> parseMikrotikRate(const std::string& t) {
  if (t.empty()) return std::nullopt;
  uint64_t v = 0;
  size_t i = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    if (v > UINT64_MAX / 10 - 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(t[i] - '0');
  }
  if (i == 0) return std::nullopt;
  uint64_t scale = 1;
  if (i + 1 == t.size()) {
    switch (t[i]) {
      case 'k': case 'K': scale = 1000; break;
      case 'M': case 'm': scale = 1000000; break;
      case 'G': case 'g': scale = 1000000000; break;
      default: return std::nullopt;
    }
  } else if (i != t.size()) {
    return std::nullopt;
  }
  if (v > UINT64_MAX / scale) return std::nullopt;
  return v * scale;
}

// "a/b" -> {a, b}
std::optional<std::pair<std::string, std::string>> splitPair(const std::string& t) {
  auto slash = t.find('/');
  if (slash == std::string::npos || t.find('/', slash + 1) != std::string::npos) return std::nullopt;
  return std::make_pair(t.substr(0, slash), t.substr(slash + 1));
}

}  // namespace

std::optional<RateLimit> parseMikrotikRateLimit(const std::string& text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) words.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (words.size() != 1 && words.size() != 4) return std::nullopt;
  RateLimit r;
  auto rates = splitPair(words[0]);
  if (!rates) return std::nullopt;
  auto up = parseMikrotikRate(rates->first), down = parseMikrotikRate(rates->second);
  if (!up || !down) return std::nullopt;
  r.upBps = *up;
  r.downBps = *down;
  if (words.size() == 4) {
    auto burst = splitPair(words[1]), times = splitPair(words[3]);
    if (!burst || !times || !splitPair(words[2])) return std::nullopt;
    auto bu = parseMikrotikRate(burst->first), bd = parseMikrotikRate(burst->second);
    auto tu = parseMikrotikRate(times->first);
    if (!bu || !bd || !tu || *tu > 86400) return std::nullopt;
    r.burstUpBps = *bu;
    r.burstDownBps = *bd;
    r.burstSeconds = static_cast<uint32_t>(*tu);
  }
  return r;
}

namespace {

uint32_t clampU32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

Attribute attr(const AttrRef& ref, Value v) { return Attribute{ref, std::move(v), 0}; }

// Cisco police() arguments: rate in bit/s, normal burst and excess burst in bytes. Cisco's rule of
// thumb for the normal burst is 1.5 s of traffic at the rate; the excess burst is the plan's burst
// allowance when it has one.
std::string ciscoPolice(uint64_t rate, uint64_t burstRate, uint32_t burstTime) {
  uint64_t normal = rate * 3 / 16;  // rate/8 bytes per second * 1.5 s
  if (normal < 8000) normal = 8000;
  uint64_t excess = burstRate > rate ? (burstRate - rate) / 8 * burstTime + normal : normal;
  return "police(" + std::to_string(rate) + "," + std::to_string(normal) + "," + std::to_string(excess) +
         ",transmit,drop,drop)";
}

}  // namespace

std::vector<Attribute> renderRate(const policy::Plan& plan, policy::VendorProfile vendor, const Attributes& a) {
  return renderRate(plan, billing::Rate{plan.downBps, plan.upBps}, vendor, a);
}

std::vector<Attribute> renderRemaining(uint64_t bytes, policy::VendorProfile vendor, const Attributes& a) {
  std::vector<Attribute> out;
  if (vendor == policy::VendorProfile::kMikrotik) {
    out.push_back(attr(a.mikrotikTotalLimit, Value::uint32(static_cast<uint32_t>(bytes & 0xffffffffu))));
    out.push_back(attr(a.mikrotikTotalLimitGigawords, Value::uint32(static_cast<uint32_t>(bytes >> 32))));
  } else if (vendor == policy::VendorProfile::kChillispot) {
    out.push_back(attr(a.chillispotMaxTotalOctets, Value::uint32(clampU32(bytes))));
  }
  return out;
}

std::vector<Attribute> renderRate(const policy::Plan& plan, const billing::Rate& rate, policy::VendorProfile vendor,
                                  const Attributes& a) {
  std::vector<Attribute> out;
  // A stepped-down rate has no burst: the plan's burst belongs to its own rate.
  struct {
    uint64_t downBps, upBps, burstDownBps, burstUpBps;
    uint32_t burstThresholdPercent, burstTimeSeconds;
  } p{plan.downBps, plan.upBps, plan.burstDownBps, plan.burstUpBps, plan.burstThresholdPercent, plan.burstTimeSeconds};
  if (!(rate == billing::Rate{plan.downBps, plan.upBps})) {
    p.downBps = rate.downBps;
    p.upBps = rate.upBps;
    p.burstDownBps = p.burstUpBps = 0;
  }
  if (p.downBps == 0 && p.upBps == 0) return out;
  switch (vendor) {
    case policy::VendorProfile::kGeneric:
      break;
    case policy::VendorProfile::kMikrotik: {
      std::string rate = mikrotikRate(p.upBps) + "/" + mikrotikRate(p.downBps);
      if (p.burstUpBps != 0 || p.burstDownBps != 0) {
        uint64_t bu = p.burstUpBps ? p.burstUpBps : p.upBps;
        uint64_t bd = p.burstDownBps ? p.burstDownBps : p.downBps;
        rate += " " + mikrotikRate(bu) + "/" + mikrotikRate(bd) + " " +
                mikrotikRate(p.upBps * p.burstThresholdPercent / 100) + "/" +
                mikrotikRate(p.downBps * p.burstThresholdPercent / 100) + " " + std::to_string(p.burstTimeSeconds) +
                "/" + std::to_string(p.burstTimeSeconds);
      }
      out.push_back(attr(a.mikrotikRateLimit, Value::string(rate)));
      break;
    }
    case policy::VendorProfile::kWispr:
      out.push_back(attr(a.wisprBandwidthMaxUp, Value::uint32(clampU32(p.upBps))));
      out.push_back(attr(a.wisprBandwidthMaxDown, Value::uint32(clampU32(p.downBps))));
      break;
    case policy::VendorProfile::kChillispot:
      out.push_back(attr(a.chillispotBandwidthMaxUp, Value::uint32(clampU32(p.upBps / 1000))));
      out.push_back(attr(a.chillispotBandwidthMaxDown, Value::uint32(clampU32(p.downBps / 1000))));
      break;
    case policy::VendorProfile::kCisco:
      out.push_back(attr(a.ciscoAvPair, Value::string("ip:qos-policy-in=add-class(sub,(class-default)," +
                                                      ciscoPolice(p.upBps, p.burstUpBps, p.burstTimeSeconds) + ")")));
      out.push_back(attr(a.ciscoAvPair, Value::string("ip:qos-policy-out=add-class(sub,(class-default)," +
                                                      ciscoPolice(p.downBps, p.burstDownBps, p.burstTimeSeconds) +
                                                      ")")));
      break;
    case policy::VendorProfile::kAccelPpp:
      out.push_back(attr(a.filterId, Value::string(std::to_string(p.downBps / 1000) + "/" + std::to_string(p.upBps / 1000))));
      break;
  }
  return out;
}

std::vector<Attribute> renderAccept(const policy::Decision& d, policy::VendorProfile vendor, const Attributes& a) {
  std::vector<Attribute> out;
  const policy::Plan& p = *d.plan;
  if (d.sessionTimeout != 0) out.push_back(attr(a.sessionTimeout, Value::uint32(d.sessionTimeout)));
  if (p.idleTimeout != 0) out.push_back(attr(a.idleTimeout, Value::uint32(p.idleTimeout)));
  if (p.interimInterval != 0) out.push_back(attr(a.acctInterimInterval, Value::uint32(p.interimInterval)));
  if (d.subscriber->staticIp && d.subscriber->staticIp->isV4())
    out.push_back(attr(a.framedIpAddress, Value::ipv4(d.subscriber->staticIp->v4())));
  else if (!p.ipPool.empty())
    out.push_back(attr(a.framedPool, Value::string(p.ipPool)));
  for (Attribute& r : renderRate(p, d.rate.downBps || d.rate.upBps ? d.rate : billing::Rate{p.downBps, p.upBps},
                                 vendor, a))
    out.push_back(std::move(r));
  if (d.billed && d.quota.remainingBytes)
    for (Attribute& r : renderRemaining(*d.quota.remainingBytes, vendor, a)) out.push_back(std::move(r));
  if (d.walled != nullptr) {
    const policy::PolicySettings::Walled& w = *d.walled;
    if (!w.filterId.empty() && vendor != policy::VendorProfile::kAccelPpp)
      out.push_back(attr(a.filterId, Value::string(w.filterId)));
    if (!w.addressList.empty() && vendor == policy::VendorProfile::kMikrotik)
      out.push_back(attr(a.mikrotikAddressList, Value::string(w.addressList)));
    const std::string& url = d.subscriber->dunningUrl.empty() ? w.url : d.subscriber->dunningUrl;
    if (!url.empty() && (vendor == policy::VendorProfile::kWispr || vendor == policy::VendorProfile::kChillispot))
      out.push_back(attr(a.wisprRedirectionUrl, Value::string(url)));
  }
  if (d.msChapV2) {
    const auth::MsChapV2Accept& m = *d.msChapV2;
    out.push_back(attr(a.msChap2Success,
                       Value::octets(std::string(reinterpret_cast<const char*>(m.successValue.data()), m.successValue.size()))));
    // RFC 2548 2.4.2: the keys are salt-encrypted by the encoder (dictionary flag encrypt=2).
    out.push_back(attr(a.msMppeRecvKey, Value::octets(std::string(reinterpret_cast<const char*>(m.mppeRecvKey.data()), 16))));
    out.push_back(attr(a.msMppeSendKey, Value::octets(std::string(reinterpret_cast<const char*>(m.mppeSendKey.data()), 16))));
    out.push_back(attr(a.msMppeEncryptionPolicy, Value::uint32(1)));  // encryption allowed
    out.push_back(attr(a.msMppeEncryptionTypes, Value::uint32(6)));   // 128-bit and 40-bit RC4
  }
  return out;
}

std::vector<Attribute> renderReject(const policy::Decision& d, const Attributes& a, uint8_t msChapIdent) {
  std::vector<Attribute> out;
  out.push_back(attr(a.replyMessage, Value::string(policy::rejectReplyMessage(d.reason))));
  if (d.method == policy::AuthMethod::kMsChapV2) {
    // RFC 2759 section 6: E=691 authentication failure, R=0 no retry.
    std::string e = std::string(1, static_cast<char>(msChapIdent)) + "E=691 R=0 V=3";
    out.push_back(attr(a.msChapError, Value::string(e)));
  }
  return out;
}

}  // namespace aaa::radius
