// The gateway's accounting: the kernel's counters per session, Accounting-Request (Start, Interim,
// Stop) to edged's accounting port, and the poll thread (interims, idle and session timeouts, the
// volume limit, the Disconnects the dynauth thread handed over).
#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_internal.h"
#include "edge/radius/radius_service.h"

namespace edge {

using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;
using gw::attr;
using gw::ipv4Host;
using gw::kCauseAdminReset;
using gw::kCauseIdleTimeout;
using gw::kCauseSessionTimeout;
using gw::kInterim;
using gw::kNasPortTypeWireless;
using gw::kStart;
using gw::kStop;
using gw::nowUnix;
using gw::stationId;

namespace gw {

// The session's counters as the kernel holds them ("u_<id>", "d_<id>"); true when they moved.
bool takeCounters(const std::map<std::string, gw::NftCounter>& counters, GatewayClient& c) {
  std::string id = gw::nftIdentifier(c.acctSessionId);
  auto u = counters.find("u_" + id), d = counters.find("d_" + id);
  bool moved = false;
  if (u != counters.end() && u->second.bytes != c.upBytes) {
    c.upBytes = u->second.bytes, c.upPackets = u->second.packets;
    moved = true;
  }
  if (d != counters.end() && d->second.bytes != c.downBytes) {
    c.downBytes = d->second.bytes, c.downPackets = d->second.packets;
    moved = true;
  }
  return moved;
}

}  // namespace gw

core::Status Gateway::account(const GatewayClient& c, uint32_t statusType, uint32_t terminateCause) {
  const aaa::radius::Attributes& a = radius_.attributes();
  int64_t now = nowUnix();
  Packet p;
  p.code = PacketCode::kAccountingRequest;
  p.attributes.push_back(attr(a.acctStatusType, Value::uint32(statusType)));
  p.attributes.push_back(attr(a.acctSessionId, Value::string(c.acctSessionId)));
  p.attributes.push_back(attr(a.userName, Value::string(c.username)));
  p.attributes.push_back(attr(a.nasIpAddress, Value::ipv4(ipv4Host(kGatewayAddress))));
  p.attributes.push_back(attr(a.nasIdentifier, Value::string(kGatewayNasName)));
  p.attributes.push_back(attr(a.nasPort, Value::uint32(c.nasPort)));
  p.attributes.push_back(attr(a.nasPortType, Value::uint32(kNasPortTypeWireless)));
  p.attributes.push_back(attr(a.framedIpAddress, Value::ipv4(ipv4Host(c.ip))));
  p.attributes.push_back(attr(a.callingStationId, Value::string(stationId(c.mac))));
  if (statusType != kStart) {
    // Input is what the NAS received from the subscriber: the upload.
    p.attributes.push_back(attr(a.acctInputOctets, Value::uint32(static_cast<uint32_t>(c.upBytes))));
    p.attributes.push_back(attr(a.acctInputGigawords, Value::uint32(static_cast<uint32_t>(c.upBytes >> 32))));
    p.attributes.push_back(attr(a.acctOutputOctets, Value::uint32(static_cast<uint32_t>(c.downBytes))));
    p.attributes.push_back(attr(a.acctOutputGigawords, Value::uint32(static_cast<uint32_t>(c.downBytes >> 32))));
    p.attributes.push_back(attr(a.acctInputPackets, Value::uint32(static_cast<uint32_t>(c.upPackets))));
    p.attributes.push_back(attr(a.acctOutputPackets, Value::uint32(static_cast<uint32_t>(c.downPackets))));
    p.attributes.push_back(attr(a.acctSessionTime, Value::uint32(static_cast<uint32_t>(std::max<int64_t>(0, now - c.started)))));
  }
  if (statusType == kStop && terminateCause != 0)
    p.attributes.push_back(attr(a.acctTerminateCause, Value::uint32(terminateCause)));
  p.attributes.push_back(attr(a.eventTimestamp, Value::uint32(static_cast<uint32_t>(now))));
  core::Result<Packet> reply = exchange(std::move(p), acctPort_);
  if (!reply.isOk()) {
    counters_.pollErrors.inc();
    core::logError("gateway: accounting for ", c.username, " (", c.ip, "): ", reply.status().message());
    return reply.status();
  }
  return core::Status::ok();
}

// ---- counters, timeouts, interims ----

void Gateway::pollLoop() {
  auto next = std::chrono::steady_clock::now() + std::chrono::seconds(config_.counterInterval);
  while (!stopping_) {
    std::vector<std::string> disconnects;
    {
      std::unique_lock<std::mutex> lock(pollMu_);
      pollWake_.wait_until(lock, next, [this] { return stopping_.load() || !disconnects_.empty(); });
      disconnects.swap(disconnects_);
    }
    if (stopping_) break;
    for (const std::string& ip : disconnects) logout(ip, kCauseAdminReset, "disconnected by the operator");
    if (std::chrono::steady_clock::now() >= next) {
      next += std::chrono::seconds(config_.counterInterval);
      pollOnce();
    }
  }
}

void Gateway::pollOnce() {
  core::Result<std::map<std::string, gw::NftCounter>> counters = nft_.counters();
  if (!counters.isOk()) {
    counters_.pollErrors.inc();
    core::logError("gateway: reading counters: ", counters.status().message());
    return;
  }
  int64_t now = nowUnix();
  std::vector<GatewayClient> interims;
  std::vector<std::pair<std::string, std::pair<uint32_t, std::string>>> ends;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ip, c] : clients_) {
      bool moved = takeCounters(*counters, c);
      if (c.ratedAt == 0 || now < c.ratedAt) {
        c.ratedAt = now, c.ratedUpBytes = c.upBytes, c.ratedDownBytes = c.downBytes;
      } else if (now - c.ratedAt >= 1) {
        uint64_t dt = static_cast<uint64_t>(now - c.ratedAt);
        c.upBps = c.upBytes >= c.ratedUpBytes ? (c.upBytes - c.ratedUpBytes) * 8 / dt : 0;
        c.downBps = c.downBytes >= c.ratedDownBytes ? (c.downBytes - c.ratedDownBytes) * 8 / dt : 0;
        c.ratedAt = now, c.ratedUpBytes = c.upBytes, c.ratedDownBytes = c.downBytes;
      }
      if (c.upPackets != c.upPacketsSeen) {
        c.upPacketsSeen = c.upPackets;
        c.lastActivity = now;
      }
      if (c.limitBytes && c.upBytes + c.downBytes >= *c.limitBytes) {
        ends.push_back({ip, {kCauseSessionTimeout, "data limit reached"}});
      } else if (c.sessionTimeout && now - c.started >= c.sessionTimeout) {
        ends.push_back({ip, {kCauseSessionTimeout, "session timeout"}});
      } else if (c.idleTimeout && now - c.lastActivity >= c.idleTimeout) {
        ends.push_back({ip, {kCauseIdleTimeout, "idle timeout"}});
      } else if ((moved && c.usageMatters) || now - c.lastInterim >= c.interimInterval) {
        c.lastInterim = now;
        interims.push_back(c);
      }
    }
  }
  for (const GatewayClient& c : interims) (void)account(c, kInterim);
  for (const auto& [ip, e] : ends) logout(ip, e.first, e.second);
}

}  // namespace edge
