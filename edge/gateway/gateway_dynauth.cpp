// The gateway's RFC 5176 server: CoA and Disconnect from edged's own dynamic authorization client,
// on the gateway's loopback port.
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "core/log.h"
#include "core/units.h"
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_internal.h"
#include "edge/radius/radius_service.h"

namespace edge {

using aaa::radius::Attribute;
using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;
using gw::attr;
using gw::ipv4Host;
using gw::nowUnix;
using gw::shapeOf;

namespace {

constexpr uint32_t kErrorSessionNotFound = 503, kErrorUnsupportedAttribute = 401;
constexpr int64_t kEventWindowSeconds = 300;  // RFC 5176 3.5, as FreeRADIUS and most NAS equipment

}  // namespace

void Gateway::dynauthLoop() {
  while (!stopping_) {
    pollfd p{dynauthFd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    uint8_t buf[4096];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(dynauthFd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 20) continue;
    std::vector<uint8_t> answer = dynauthAnswer(buf, static_cast<size_t>(n));
    if (!answer.empty()) ::sendto(dynauthFd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

std::vector<uint8_t> Gateway::dynauthAnswer(const uint8_t* data, size_t len) {
  auto check = aaa::radius::verifyMessageAuthenticator(data, len, secret_);
  if (!check.isOk() || *check != aaa::radius::MessageAuthenticatorCheck::kValid) {  // required
    counters_.dynauthDropped.inc();
    return {};
  }
  core::Result<Packet> req = aaa::radius::decode(data, len, secret_);
  bool disconnect = req.isOk() && req->code == PacketCode::kDisconnectRequest;
  if (!req.isOk() || (!disconnect && req->code != PacketCode::kCoaRequest)) {
    counters_.dynauthDropped.inc();
    return {};
  }
  const aaa::radius::Attributes& a = radius_.attributes();
  // RFC 5176 3.5: an Event-Timestamp outside the window is a replay; it is dropped silently. Our
  // only client is edged's own, which always sends one (RFC 5176 6.3), so a request without it
  // cannot be checked for replay and is dropped too.
  const Attribute* ts = req->find(a.eventTimestamp);
  if (ts == nullptr) {
    counters_.dynauthDropped.inc();
    return {};
  }
  int64_t skew = nowUnix() - static_cast<int64_t>(ts->value.number);
  if (skew > kEventWindowSeconds || skew < -kEventWindowSeconds) {
    counters_.dynauthDropped.inc();
    core::logWarning("gateway: dropped a ", disconnect ? "Disconnect" : "CoA", "-Request whose Event-Timestamp is ",
                     skew, " s away from the box's clock (window ", kEventWindowSeconds, " s)");
    return {};
  }
  const Attribute* sid = req->find(a.acctSessionId);
  const Attribute* user = req->find(a.userName);
  const Attribute* framed = req->find(a.framedIpAddress);
  std::vector<std::string> ips;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ip, c] : clients_) {
      if (sid && sid->value.bytes != c.acctSessionId) continue;
      if (!sid && framed && ipv4Host(ip) != framed->value.number) continue;
      if (user && user->value.bytes != c.username) continue;
      if (!sid && !framed && !user) continue;
      ips.push_back(ip);
    }
  }
  Packet reply;
  uint32_t error = 0;
  if (ips.empty()) {
    error = kErrorSessionNotFound;
  } else if (!disconnect) {
    const Attribute* rl = req->find(a.mikrotikRateLimit);
    auto rate = rl ? aaa::radius::parseMikrotikRateLimit(rl->value.bytes) : std::nullopt;
    if (!rate) {
      error = kErrorUnsupportedAttribute;
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& ip : ips) {
        GatewayClient& c = clients_[ip];
        c.rate = shapeOf(*rate);
        core::Status s = shaper_.setClass(c.classMinor, c.rate);
        if (!s.isOk()) core::logError("gateway: CoA for ", c.username, ": ", s.message());
        else
          core::logInfo("gateway: CoA: ", c.username, " now ", core::formatRate(c.rate.downBps), "/",
                        core::formatRate(c.rate.upBps));
      }
    }
  }
  reply.code = error ? (disconnect ? PacketCode::kDisconnectNak : PacketCode::kCoaNak)
                     : (disconnect ? PacketCode::kDisconnectAck : PacketCode::kCoaAck);
  reply.id = req->id;
  reply.attributes.push_back(attr(a.messageAuthenticator, Value::octets(std::string(16, '\0'))));
  if (error) reply.attributes.push_back(attr(a.errorCause, Value::uint32(error)));
  aaa::radius::Authenticator requestAuth{};
  std::memcpy(requestAuth.data(), data + 4, 16);
  core::Result<std::vector<uint8_t>> wire = aaa::radius::encode(reply, secret_, &requestAuth);
  if (!wire.isOk()) return {};
  if (disconnect && !error) {
    // Answer first (the Disconnect's sender waits), then the poll thread writes the Stop and closes
    // the kernel: the sender closes the ledger's session when the Stop arrives.
    std::lock_guard<std::mutex> lock(pollMu_);
    for (const std::string& ip : ips) disconnects_.push_back(ip);
    pollWake_.notify_all();
  }
  return *wire;
}

}  // namespace edge
