#include "import/verify_radius.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "aaa/auth/chap.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "core/ids.h"
#include "core/units.h"

namespace importer {
namespace {

using aaa::radius::AttrRef;
using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;

struct Refs {
  AttrRef userName, userPassword, chapPassword, chapChallenge, nasIp, messageAuth, callingStation, serviceType,
      rateLimit, wisprDown, wisprUp, sessionTimeout, idleTimeout, framedIp, interim, replyMessage;
};

core::Result<Refs> resolve(const aaa::radius::Dictionary& d) {
  Refs r;
  const std::pair<const char*, AttrRef*> names[] = {
      {"User-Name", &r.userName},           {"User-Password", &r.userPassword},
      {"CHAP-Password", &r.chapPassword},   {"CHAP-Challenge", &r.chapChallenge},
      {"NAS-IP-Address", &r.nasIp},         {"Message-Authenticator", &r.messageAuth},
      {"Calling-Station-Id", &r.callingStation}, {"Service-Type", &r.serviceType},
      {"Mikrotik-Rate-Limit", &r.rateLimit}, {"WISPr-Bandwidth-Max-Down", &r.wisprDown},
      {"WISPr-Bandwidth-Max-Up", &r.wisprUp}, {"Session-Timeout", &r.sessionTimeout},
      {"Idle-Timeout", &r.idleTimeout},     {"Framed-IP-Address", &r.framedIp},
      {"Acct-Interim-Interval", &r.interim}, {"Reply-Message", &r.replyMessage}};
  for (const auto& [name, ref] : names) {
    EDGE_ASSIGN_OR_RETURN(*ref, d.find(name));
  }
  return r;
}


std::string ipText(uint64_t h) {
  return std::to_string((h >> 24) & 255) + "." + std::to_string((h >> 16) & 255) + "." + std::to_string((h >> 8) & 255) +
         "." + std::to_string(h & 255);
}

VerifyAnswer summarize(const Packet& p, const Refs& r) {
  VerifyAnswer a;
  a.decision = aaa::radius::packetCodeName(p.code);
  if (p.code != PacketCode::kAccessAccept) return a;
  if (const auto* m = p.find(r.rateLimit)) {
    core::Result<RateLimit> rl = parseMikrotikRateLimit(m->value.bytes);
    a.attrs["rate"] = rl.isOk() ? core::formatRate(rl->down) + " down / " + core::formatRate(rl->up) + " up"
                                : "\"" + m->value.bytes + "\"";
  } else if (p.find(r.wisprDown) || p.find(r.wisprUp)) {
    const auto* d = p.find(r.wisprDown);
    const auto* u = p.find(r.wisprUp);
    a.attrs["rate"] = (d ? core::formatRate(d->value.number) : std::string("?")) + " down / " +
                      (u ? core::formatRate(u->value.number) : std::string("?")) + " up";
  }
  for (const auto& [name, ref] : {std::pair{"Session-Timeout", r.sessionTimeout}, std::pair{"Idle-Timeout", r.idleTimeout},
                                  std::pair{"Acct-Interim-Interval", r.interim}})
    if (const auto* x = p.find(ref)) a.attrs[name] = std::to_string(x->value.number);
  if (const auto* ip = p.find(r.framedIp)) a.attrs["Framed-IP-Address"] = ipText(ip->value.number);
  return a;
}

bool fillAddress(const std::string& ip, uint16_t port, sockaddr_storage* sa, socklen_t* len) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(sa);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(sa);
  std::memset(sa, 0, sizeof *sa);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

// Sends one Access-Request (three tries within timeoutMs) and returns the verified answer.
core::Result<Packet> ask(const RadiusServer& server, Packet request, int timeoutMs) {
  core::secureRandom(request.authenticator.data(), request.authenticator.size());
  uint8_t id = 0;
  core::secureRandom(&id, 1);
  request.id = id;
  EDGE_ASSIGN_OR_RETURN(std::vector<uint8_t> wire, aaa::radius::encode(request, server.secret));
  sockaddr_storage peer{};
  socklen_t peerLen = 0;
  if (!fillAddress(server.host, server.port, &peer, &peerLen))
    return core::invalidArgument("'" + server.host + "' is not a numeric address");
  int fd = ::socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::internalError(std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), peerLen) != 0)
    return core::unavailable("cannot reach " + server.host + ": " + std::strerror(errno));
  std::string bad;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::send(fd, wire.data(), wire.size(), 0) < 0 && errno != ECONNREFUSED)
      return core::unavailable(std::string("send: ") + std::strerror(errno));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs / 3);
    for (;;) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) break;
      uint8_t buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 20 || buf[1] != id) continue;  // refused (ICMP) or not ours: keep waiting
      core::Result<aaa::radius::MessageAuthenticatorCheck> ma =
          aaa::radius::verifyMessageAuthenticator(buf, static_cast<size_t>(n), server.secret, &request.authenticator);
      if (!ma.isOk() || *ma == aaa::radius::MessageAuthenticatorCheck::kInvalid) {
        bad = "an answer whose Message-Authenticator does not verify (wrong secret?)";
        continue;
      }
      core::Result<Packet> reply = aaa::radius::decode(buf, static_cast<size_t>(n), server.secret, &request.authenticator);
      if (!reply.isOk()) {
        bad = "an answer that does not verify: " + reply.status().message();
        continue;
      }
      return reply;
    }
  }
  return core::unavailable("no answer from " + server.host + ":" + std::to_string(server.port) + " within " +
                           std::to_string(timeoutMs) + " ms" + (bad.empty() ? "" : " (" + bad + ")"));
}

// The request as packet attributes.
Packet build(const VerifyRequest& q, const Refs& refs) {
  Packet req;
  req.code = PacketCode::kAccessRequest;
  req.attributes.push_back({refs.messageAuth, Value::octets(std::string(16, '\0'))});
  req.attributes.push_back({refs.userName, Value::string(q.username)});
  if (q.method == "CHAP") {
    uint8_t challenge[16], ident = 0;
    core::secureRandom(challenge, sizeof challenge);
    core::secureRandom(&ident, 1);
    std::array<uint8_t, 16> resp = aaa::auth::chapResponse(ident, q.password, challenge, sizeof challenge);
    std::string value(1, static_cast<char>(ident));
    value.append(reinterpret_cast<const char*>(resp.data()), resp.size());
    req.attributes.push_back({refs.chapPassword, Value::octets(value)});
    req.attributes.push_back({refs.chapChallenge, Value::octets(std::string(reinterpret_cast<char*>(challenge), 16))});
  } else {
    req.attributes.push_back({refs.userPassword, Value::string(q.password)});
  }
  in_addr nas{};
  if (inet_pton(AF_INET, q.nasIp.c_str(), &nas) == 1) req.attributes.push_back({refs.nasIp, Value::ipv4(ntohl(nas.s_addr))});
  req.attributes.push_back({refs.serviceType, Value::uint32(2)});  // Framed-User
  if (!q.mac.empty()) req.attributes.push_back({refs.callingStation, Value::string(q.mac)});
  return req;
}

}  // namespace

core::Result<RadiusAsk> radiusAsker(const std::string& dictionaryDir) {
  EDGE_ASSIGN_OR_RETURN(aaa::radius::Dictionary dict, aaa::radius::Dictionary::load(dictionaryDir));
  EDGE_ASSIGN_OR_RETURN(Refs refs, resolve(dict));
  return RadiusAsk([refs](const RadiusServer& server, const VerifyRequest& q, int timeoutMs) -> core::Result<VerifyAnswer> {
    EDGE_ASSIGN_OR_RETURN(Packet reply, ask(server, build(q, refs), timeoutMs));
    return summarize(reply, refs);
  });
}

}  // namespace importer
