// The gateway's clients: login (the Access-Request to edged's own RADIUS server, then Start, then
// kernel), logout (Stop, then kernel), their state, and the portal's signup limit.
#include <netdb.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "aaa/policy/snapshot.h"
#include "catalog/subscriber.h"
#include "core/https_client.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki.h"
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
using gw::kCauseNasReboot;
using gw::kNasPortTypeWireless;
using gw::kStart;
using gw::kStop;
using gw::nowUnix;
using gw::shapeOf;
using gw::stationId;
using gw::takeCounters;

namespace {

// What the RADIUS server can take from the portal (RFC 2865 5.1: User-Name 1..253 octets, 5.2:
// User-Password 1..128 octets), without control characters in the name. Anything else is refused
// before it reaches the server, and counts as a failed login.
bool wellFormedLogin(const std::string& username, const std::string& password) {
  if (username.empty() || username.size() > 253 || password.empty() || password.size() > 128) return false;
  for (char ch : username) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return password.find('\0') == std::string::npos;
}

}  // namespace

// ---- RADIUS toward edged ----

core::Result<Packet> Gateway::exchange(Packet request, uint16_t port) {
  request.id = static_cast<uint8_t>(nextId_.fetch_add(1));
  if (request.code == PacketCode::kAccessRequest) core::secureRandom(request.authenticator.data(), 16);
  core::Result<std::vector<uint8_t>> wire = aaa::radius::encode(request, secret_);
  if (!wire.isOk()) return wire.status();
  // The Request Authenticator as encoded (Accounting-Request's is computed).
  aaa::radius::Authenticator sent{};
  std::memcpy(sent.data(), wire->data() + 4, 16);
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::internalError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in local{}, peer{};
  local.sin_family = peer.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(ipv4Host(kGatewayAddress));
  peer.sin_addr.s_addr = htonl(ipv4Host(radiusHost_));
  peer.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return core::unavailable("RADIUS on " + radiusHost_ + ":" + std::to_string(port) + ": " + e);
  }
  // RFC 5080 2.2.1-style: the same datagram again after 1, 2 and 4 s.
  int waitMs = 1000;
  for (int attempt = 0; attempt < 4; ++attempt, waitMs *= 2) {
    if (::send(fd, wire->data(), wire->size(), 0) < 0) break;
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, waitMs) > 0) {
      uint8_t buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 20 || buf[1] != request.id) continue;
      core::Result<Packet> reply = aaa::radius::decode(buf, static_cast<size_t>(n), secret_, &sent);
      if (!reply.isOk()) continue;
      ::close(fd);
      return reply;
    }
    if (stopping_ && request.code == PacketCode::kAccessRequest) break;
  }
  ::close(fd);
  return core::unavailable("no answer from edged's RADIUS server on port " + std::to_string(port));
}

void Gateway::readAccept(const Packet& accept, GatewayClient& c) {
  const aaa::radius::Attributes& a = radius_.attributes();
  if (const Attribute* t = accept.find(a.sessionTimeout)) c.sessionTimeout = static_cast<uint32_t>(t->value.number);
  if (const Attribute* t = accept.find(a.idleTimeout)) c.idleTimeout = static_cast<uint32_t>(t->value.number);
  if (const Attribute* t = accept.find(a.acctInterimInterval))
    c.interimInterval = std::max<uint32_t>(10, static_cast<uint32_t>(t->value.number));
  if (const Attribute* r = accept.find(a.mikrotikRateLimit))
    if (auto rate = aaa::radius::parseMikrotikRateLimit(r->value.bytes)) c.rate = shapeOf(*rate);
  const Attribute* limit = accept.find(a.mikrotikTotalLimit);
  const Attribute* giga = accept.find(a.mikrotikTotalLimitGigawords);
  if (limit || giga)
    c.limitBytes = (giga ? giga->value.number << 32 : 0) + (limit ? limit->value.number : 0) + c.upBytes + c.downBytes;
}

std::optional<GatewayClient> Gateway::clientAt(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(ip);
  if (it == clients_.end()) return std::nullopt;
  return it->second;
}

Gateway::LoginResult Gateway::login(const std::string& ip, const std::string& username, const std::string& password) {
  LoginResult out;
  if (clientAt(ip)) {
    out.ok = true;
    out.message = "You are already connected.";
    return out;
  }
  std::string mac = macOf(ip);
  int64_t now = nowUnix();
  // Held back by the device's MAC or by its address: a device that changes its MAC keeps its
  // address's failures, one that changes its address keeps its MAC's.
  PortalLimit held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = limits_.loginAllowed(mac, ip, now, &out.retryAfter);
  }
  if (held != PortalLimit::kNone) {
    counters_.loginFailures.inc();
    counters_.loginThrottled[static_cast<int>(held)]->inc();
    out.message = "Too many attempts from this device. Try again in " + std::to_string(out.retryAfter) + " seconds.";
    out.httpStatus = 429;
    return out;
  }
  if (!wellFormedLogin(username, password)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      limits_.loginFailed(mac, ip, now);
    }
    counters_.loginFailures.inc();
    counters_.loginMalformed.inc();
    visitorLog(core::LogLevel::kInfo, "gateway: malformed login from ", ip, " (", mac.empty() ? "no MAC" : mac,
               "): username '", core::logSafe(username), "', password of ", password.size(), " bytes");
    out.message = "Wrong username or password.";
    out.httpStatus = 400;
    return out;
  }
  if (mac.empty()) {
    out.message = "This network cannot see your device's hardware address. Reconnect to the Wi-Fi and try again.";
    out.httpStatus = 409;
    return out;
  }
  const aaa::radius::Attributes& a = radius_.attributes();
  GatewayClient c;
  c.ip = ip;
  c.mac = mac;
  c.username = username;
  c.nasPort = ipv4Host(ip) & 0xffff;
  c.acctSessionId = core::pki::randomHex(8);
  Packet req;
  req.code = PacketCode::kAccessRequest;
  req.attributes.push_back(attr(a.messageAuthenticator, Value::octets(std::string(16, '\0'))));
  req.attributes.push_back(attr(a.userName, Value::string(username)));
  req.attributes.push_back(attr(a.userPassword, Value::string(password)));
  req.attributes.push_back(attr(a.nasIpAddress, Value::ipv4(ipv4Host(kGatewayAddress))));
  req.attributes.push_back(attr(a.nasIdentifier, Value::string(kGatewayNasName)));
  req.attributes.push_back(attr(a.nasPort, Value::uint32(c.nasPort)));
  req.attributes.push_back(attr(a.nasPortType, Value::uint32(kNasPortTypeWireless)));
  req.attributes.push_back(attr(a.framedIpAddress, Value::ipv4(ipv4Host(ip))));
  req.attributes.push_back(attr(a.callingStationId, Value::string(stationId(mac))));
  req.attributes.push_back(attr(a.acctSessionId, Value::string(c.acctSessionId)));
  core::Result<Packet> reply = exchange(std::move(req), authPort_);
  if (!reply.isOk()) {
    out.message = "The login service is not answering. Try again in a minute.";
    out.httpStatus = 503;
    visitorLog(core::LogLevel::kError, "gateway: login of '", core::logSafe(username), "': ", reply.status().message());
    return out;
  }
  if (reply->code != PacketCode::kAccessAccept) {
    if (heldForTopUp(username, out)) return out;  // the password was right: not a failure
    {
      std::lock_guard<std::mutex> lock(mu_);
      limits_.loginFailed(mac, ip, now);
    }
    counters_.loginFailures.inc();
    const Attribute* msg = reply->find(a.replyMessage);
    out.message = msg ? msg->value.bytes : "Wrong username or password.";
    out.httpStatus = 403;
    return out;
  }
  if (heldWalled(username, out)) return out;  // no Start: the network stays closed
  c.started = c.lastActivity = c.lastInterim = now;
  readAccept(*reply, c);
  // The Access-Accept has just checked the subscriber and evaluated billing: all the gateway still
  // needs is whether the plan has a quota or fair use, asked of the catalog snapshot (no second
  // billing evaluation at every login, as sessionPolicy() would run).
  {
    std::shared_ptr<const aaa::policy::Snapshot> snap = radius_.snapshot();
    const aaa::policy::Subscriber* sub = snap->findSubscriber(username);
    const aaa::policy::Plan* plan = sub ? snap->findPlan(sub->planId) : nullptr;
    c.usageMatters =
        plan != nullptr && sub->status == aaa::policy::SubscriberStatus::kActive && plan->billing.hasQuota();
  }
  // Start (durable) before the kernel opens: the ledger never misses a session the kernel has.
  core::Status s = account(c, kStart);
  if (!s.isOk()) {
    out.message = "The login service is not answering. Try again in a minute.";
    out.httpStatus = 503;
    return out;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    c.classMinor = acquireClass(username);
  }
  s = installClient(c);
  if (!s.isOk()) {
    core::logError("gateway: opening for ", username, " (", ip, "): ", s.message());
    (void)account(c, kStop, kCauseNasReboot);
    std::lock_guard<std::mutex> lock(mu_);
    releaseClass(username);
    out.message = "The gateway could not open the network for you. Please tell the staff.";
    out.httpStatus = 500;
    return out;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    clients_[ip] = c;
    counters_.gauges.authorizedClients.set(clients_.size());
    counters_.gauges.shapingClasses.set(classes_.size());
  }
  counters_.logins.inc();
  core::logInfo("gateway: ", core::logSafe(username), " logged in from ", ip, " (", mac, "), session ", c.acctSessionId, ", rate ",
                core::formatRate(c.rate.downBps), "/", core::formatRate(c.rate.upBps));
  out.ok = true;
  out.message = "You are connected.";
  return out;
}

bool Gateway::heldWalled(const std::string& username, LoginResult& out) {
  std::shared_ptr<const aaa::policy::Snapshot> snap = radius_.snapshot();
  const aaa::policy::Subscriber* sub = snap->findSubscriber(username);
  if (sub == nullptr || sub->dunning != catalog::Dunning::kWalled) return false;
  out.held = LoginResult::Held::kWalled;
  out.username = sub->username;
  {
    std::lock_guard<std::mutex> lock(settingsMu_);
    out.payUrl = sub->dunningUrl.empty() ? config_.selfcareUrl : sub->dunningUrl;
  }
  out.message = "Your service is paused for non-payment.";
  out.httpStatus = 402;
  if (!out.payUrl.empty()) openInGarden(out.payUrl);
  visitorLog(core::LogLevel::kInfo, "gateway: ", core::logSafe(username), " is walled for non-payment: kept in the walled garden",
             out.payUrl.empty() ? std::string() : ", sent to " + core::logSafe(out.payUrl, 200));
  return true;
}

bool Gateway::heldForTopUp(const std::string& username, LoginResult& out) {
  // The decision the RADIUS server just made for this login (remembered before it answered), in the
  // command layer's words: its reason code and the plan's state now, never the Reply-Message's text.
  core::Json reply =
      control_.handle(core::Json{{"command", "subscriber-explain"}, {"arguments", {{"username", username}}}});
  if (reply.value("result", 1) != 0 || !reply.contains("arguments") || !reply["arguments"].is_object()) return false;
  const core::Json& why = reply["arguments"];
  const core::Json last = why.value("last-authentication", core::Json::object());
  const core::Json now = why.value("now", core::Json::object());
  if (!last.is_object() || !now.is_object()) return false;
  if (last.value("nas", std::string()) != kGatewayNasName || last.value("reason", std::string()) != "data-quota-used-up" ||
      !now.value("redirect", false))
    return false;
  out.held = LoginResult::Held::kTopUp;
  out.username = why.value("username", username);
  out.topUp = now;
  {
    std::lock_guard<std::mutex> lock(settingsMu_);
    // The self-care portal's top-up page when selfcare-url is the tenant's portal (ends in '/').
    out.payUrl = config_.selfcareUrl;
    if (!out.payUrl.empty() && out.payUrl.back() == '/') out.payUrl += "topup";
  }
  out.message = "Data quota used up for this period; top up to continue.";
  out.httpStatus = 402;
  visitorLog(core::LogLevel::kInfo, "gateway: ", core::logSafe(username), " reached a redirect tier: the top-up page");
  return true;
}

void Gateway::openInGarden(const std::string& url) {
  core::Result<core::HttpsEndpoint> ep = core::parseHttpsUrl(url);
  if (!ep.isOk()) return;
  std::vector<std::string> addresses;
  if (ipv4Host(ep->host) != 0) {
    addresses.push_back(ep->host);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(ep->host.c_str(), nullptr, &hints, &found) != 0) {
      core::logWarning("gateway: the pay page's host ", core::logSafe(ep->host), " does not resolve: not opened in the walled garden");
      return;
    }
    for (addrinfo* a = found; a != nullptr; a = a->ai_next)
      addresses.push_back(gw::ipv4Text(ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr)));
    ::freeaddrinfo(found);
  }
  std::string elements;
  for (const std::string& a : addresses) elements += (elements.empty() ? "" : ", ") + a;
  if (elements.empty()) return;
  core::Status s = nft_.run(std::string("add element inet ") + gw::kTable + " garden4 { " + elements + " }\n");
  if (!s.isOk()) core::logWarning("gateway: opening the pay page's host in the walled garden: ", s.message());
}

bool Gateway::logout(const std::string& ip, uint32_t cause, const std::string& why) {
  GatewayClient c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clients_.find(ip);
    if (it == clients_.end()) return false;
    c = it->second;
    clients_.erase(it);
  }
  // The final counters, then Stop (durable), then the kernel closes.
  if (auto counters = nft_.counters(); counters.isOk()) takeCounters(*counters, c);
  (void)account(c, kStop, cause);
  removeClient(c);
  {
    std::lock_guard<std::mutex> lock(mu_);
    releaseClass(c.username);
    counters_.gauges.authorizedClients.set(clients_.size());
    counters_.gauges.shapingClasses.set(classes_.size());
  }
  counters_.logouts.inc();
  core::logInfo("gateway: ", c.username, " (", ip, ") logged out: ", why, "; ", core::formatSize(c.downBytes), " down, ",
                core::formatSize(c.upBytes), " up");
  return true;
}

PortalLimit Gateway::takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) {
  PortalLimit held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = limits_.takeSignup(mac, ip, nowUnix(), retryAfter);
  }
  if (held == PortalLimit::kNone) return held;
  counters_.signupRefused[static_cast<int>(held)]->inc();
  visitorLog(core::LogLevel::kWarning, "portal: signup from ", ip, " (", mac, ") refused: the ", portalLimitName(held),
             " limit (", held == PortalLimit::kTotal ? "gateway.signup-total" : "gateway.signup-per-device",
             ") is reached; retry in ", *retryAfter, " s");
  return held;
}

}  // namespace edge
