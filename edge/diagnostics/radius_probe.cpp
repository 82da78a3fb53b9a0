// The RADIUS diagnostics: a test login through edged's own auth server from the loopback NAS
// "diagnostics", and the probe of a NAS's dynamic authorization port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>

#include "aaa/auth/chap.h"
#include "aaa/policy/policy.h"
#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/packet.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/pki.h"
#include "edge/diagnostics/child.h"
#include "edge/diagnostics/diagnostics.h"
#include "edge/radius/radius_service.h"

namespace edge::diagnostics {

using aaa::radius::Attribute;
using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;
using core::ControlReply;
using core::Json;

// What the auth server decided for the requests of the diagnostics NAS (its AuthEvent), so a reject
// is explained in words: the Reply-Message says the same for an unknown user and a wrong password on
// purpose, the server's decision does not.
struct Diagnostics::AuthSeen {
  struct Seen {
    uint8_t id;
    std::string user;
    bool accepted;
    aaa::policy::RejectReason reason;
    aaa::policy::AuthMethod method;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Seen> seen;  // the last 64

  void add(Seen s) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(std::move(s));
    while (seen.size() > 64) seen.pop_front();
    cv.notify_all();
  }
  std::optional<Seen> wait(uint8_t id, const std::string& user, int ms) {
    std::unique_lock<std::mutex> lock(mu);
    std::optional<Seen> out;
    cv.wait_for(lock, std::chrono::milliseconds(ms), [&] {
      for (auto it = seen.rbegin(); it != seen.rend(); ++it)
        if (it->id == id && it->user == user) {
          out = *it;
          return true;
        }
      return false;
    });
    return out;
  }
};

namespace {

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v);
  return buf;
}

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

// One UDP exchange: the datagram again after each wait without a verified answer. `accept` decodes
// what came (nullopt: not ours, keep waiting). Reports ECONNREFUSED (an ICMP port unreachable).
struct Exchange {
  enum class Outcome { kAnswered, kTimeout, kRefused, kError } outcome = Outcome::kTimeout;
  std::string error;
  double rttMs = 0;
  int attempts = 0;
  std::string badReply;  // an answer that did not verify, in words
};

Exchange exchange(const std::string& source, const std::string& host, uint16_t port, const std::vector<uint8_t>& wire,
                  const std::vector<int>& waitsMs, const std::function<bool(const uint8_t*, size_t, std::string*)>& accept) {
  Exchange out;
  sockaddr_storage peer{}, local{};
  socklen_t peerLen = 0, localLen = 0;
  auto fill = [](const std::string& ip, uint16_t p, sockaddr_storage* sa, socklen_t* len) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(sa);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(sa);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(p);
      *len = sizeof *v4;
      return true;
    }
    if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(p);
      *len = sizeof *v6;
      return true;
    }
    return false;
  };
  if (!fill(host, port, &peer, &peerLen)) {
    out.outcome = Exchange::Outcome::kError;
    out.error = "'" + host + "' is not a numeric address";
    return out;
  }
  int fd = ::socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.outcome = Exchange::Outcome::kError;
    out.error = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  if (!source.empty() && fill(source, 0, &local, &localLen) &&
      ::bind(fd, reinterpret_cast<sockaddr*>(&local), localLen) != 0) {
    out.outcome = Exchange::Outcome::kError;
    out.error = "cannot send from " + source + ": " + std::strerror(errno);
    ::close(fd);
    return out;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), peerLen) != 0) {
    out.outcome = Exchange::Outcome::kError;
    out.error = std::string("cannot reach ") + host + ": " + std::strerror(errno);
    ::close(fd);
    return out;
  }
  auto first = std::chrono::steady_clock::now();
  for (int waitMs : waitsMs) {
    ++out.attempts;
    if (::send(fd, wire.data(), wire.size(), 0) < 0) {
      if (errno == ECONNREFUSED) {
        out.outcome = Exchange::Outcome::kRefused;
        break;
      }
      out.outcome = Exchange::Outcome::kError;
      out.error = std::string("send: ") + std::strerror(errno);
      break;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
    bool done = false;
    while (!done) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) break;
      uint8_t buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == ECONNREFUSED) {
          out.outcome = Exchange::Outcome::kRefused;
          ::close(fd);
          return out;
        }
        continue;
      }
      std::string why;
      if (accept(buf, static_cast<size_t>(n), &why)) {
        out.outcome = Exchange::Outcome::kAnswered;
        out.rttMs = msSince(first);
        done = true;
      } else if (!why.empty()) {
        out.badReply = why;
      }
    }
    if (done) break;
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string describeAttribute(const aaa::radius::Dictionary& dictionary, const Attribute& a) {
  core::Result<std::string> name = dictionary.nameOf(a.ref);
  std::string n = name.isOk() ? *name
                              : "Attribute " + std::to_string(a.ref.attr) +
                                    (a.ref.vendor ? " of vendor " + std::to_string(a.ref.vendor) : std::string());
  if (a.tag != 0) n += ":" + std::to_string(a.tag);
  std::string v;
  using aaa::radius::AttrType;
  switch (a.ref.type) {
    case AttrType::kString: {
      bool printable = true;
      for (unsigned char c : a.value.bytes)
        if (c < 0x20 || c == 0x7f) printable = false;
      v = printable ? "\"" + a.value.bytes + "\"" : hex(a.value.bytes);
      break;
    }
    case AttrType::kInteger:
    case AttrType::kByte:
    case AttrType::kShort:
    case AttrType::kInteger64:
    case AttrType::kSigned:
      v = std::to_string(a.value.number);
      break;
    case AttrType::kDate:
      v = std::to_string(a.value.number) + " (unix time)";
      break;
    case AttrType::kIpAddr: {
      uint32_t h = static_cast<uint32_t>(a.value.number);
      v = std::to_string(h >> 24) + "." + std::to_string((h >> 16) & 255) + "." + std::to_string((h >> 8) & 255) + "." +
          std::to_string(h & 255);
      break;
    }
    default:
      v = a.value.kind == Value::Kind::kString ? "\"" + a.value.bytes + "\"" : hex(a.value.bytes);
  }
  return n + " = " + v;
}

core::Status Diagnostics::start() {
  if (deps_.radius == nullptr) return core::failedPrecondition("diagnostics: no RADIUS service");
  ping_ = findProgram({"/usr/bin/ping", "/bin/ping"});
  traceroute_ = findProgram({"/usr/bin/traceroute", "/usr/sbin/traceroute", "/usr/bin/traceroute.db"});
  dig_ = findProgram({"/usr/bin/dig"});
  tcpdump_ = findProgram({"/usr/bin/tcpdump", "/usr/sbin/tcpdump"});
  secret_ = core::pki::randomHex(24);
  aaa::policy::NasClient nas;
  nas.name = kNasName;
  std::string error;
  nas.prefix = *aaa::policy::parsePrefix(std::string(kNasAddress) + "/32", &error);
  nas.secret = secret_;
  nas.vendor = aaa::policy::VendorProfile::kGeneric;
  nas.requireMessageAuthenticator = true;
  EDGE_RETURN_IF_ERROR(deps_.radius->registerLocalNas(nas).withContext("diagnostics: registering the NAS 'diagnostics'"));
  authPort_ = deps_.radius->authPort();
  acctPort_ = deps_.radius->acctPort();
  const std::string& listen = deps_.radius->listenAddress();
  // As the gateway does (ADR 0010): a wildcard or IPv6 listener is reached on 127.0.0.1.
  radiusHost_ = (listen.empty() || listen == "0.0.0.0" || listen == "::" || listen.find(':') != std::string::npos)
                    ? "127.0.0.1"
                    : listen;
  seen_ = std::make_shared<AuthSeen>();
  if (deps_.events) {
    std::shared_ptr<AuthSeen> seen = seen_;
    deps_.events->subscribe<aaa::radius::AuthEvent>([seen](const aaa::radius::AuthEvent& e) {
      if (e.nas != kNasName) return;
      seen->add({e.packetId, std::string(e.userName), e.accepted, e.reason, e.method});
    });
  }
  started_ = true;
  return core::Status::ok();
}

ControlReply Diagnostics::testLogin(const Json& args) {
  if (!started_ || authPort_ == 0) return core::unavailable("the RADIUS server is not running");
  std::string user = args.value("username", "");
  std::string password = args.value("password", "");
  std::string method = args.value("method", "pap");
  std::string station = args.value("calling-station-id", "");
  if (user.empty() || user.size() > 253) return core::invalidArgument("username: 1 to 253 characters");
  for (unsigned char c : user)
    if (c < 0x20 || c == 0x7f) return core::invalidArgument("username: no control characters");
  if (password.empty() || password.size() > 128) return core::invalidArgument("password: 1 to 128 characters");
  if (method != "pap" && method != "chap") return core::invalidArgument("method: pap or chap");
  const aaa::radius::Attributes& a = deps_.radius->attributes();
  Packet p;
  p.code = PacketCode::kAccessRequest;
  uint8_t rnd[17];
  core::secureRandom(rnd, sizeof rnd);
  p.id = rnd[16];
  std::memcpy(p.authenticator.data(), rnd, 16);
  p.attributes.push_back({a.messageAuthenticator, Value::octets(std::string(16, '\0'))});
  p.attributes.push_back({a.userName, Value::string(user)});
  if (method == "pap") {
    p.attributes.push_back({a.userPassword, Value::string(password)});
  } else {
    uint8_t ident = rnd[0];
    std::array<uint8_t, 16> r = aaa::auth::chapResponse(ident, password, p.authenticator.data(), 16);
    std::string chap(1, static_cast<char>(ident));
    chap.append(reinterpret_cast<const char*>(r.data()), r.size());
    p.attributes.push_back({a.chapPassword, Value::octets(chap)});
  }
  p.attributes.push_back({a.nasIpAddress, Value::ipv4(127, 0, 0, 87)});
  p.attributes.push_back({a.nasIdentifier, Value::string(kNasName)});
  if (!station.empty()) {
    if (station.size() > 64) return core::invalidArgument("calling-station-id: at most 64 characters");
    p.attributes.push_back({a.callingStationId, Value::string(station)});
  }
  EDGE_ASSIGN_OR_RETURN(std::vector<uint8_t> wire, aaa::radius::encode(p, secret_));
  aaa::radius::Authenticator sent = p.authenticator;
  std::string secret = secret_, host = radiusHost_;
  uint16_t port = authPort_;
  std::shared_ptr<AuthSeen> seen = seen_;
  const aaa::radius::Dictionary* dictionary = deps_.radius->dictionary();
  aaa::radius::AttrRef messageAuthenticator = a.messageAuthenticator;
  uint8_t id = p.id;
  return ControlReply::later([=]() -> ControlReply {
    Packet reply;
    auto accept = [&](const uint8_t* data, size_t len, std::string* why) {
      if (len < 20 || data[1] != id) return false;
      core::Result<Packet> r = aaa::radius::decode(data, len, secret, &sent);
      if (!r.isOk()) {
        *why = r.status().message();
        return false;
      }
      reply = std::move(*r);
      return true;
    };
    Exchange x = exchange(kNasAddress, host, port, wire, {1000, 2000, 2000}, accept);
    if (x.outcome != Exchange::Outcome::kAnswered) {
      std::string why = x.outcome == Exchange::Outcome::kRefused ? "nothing listens on " + host + ":" + std::to_string(port)
                        : x.outcome == Exchange::Outcome::kError ? x.error
                                                                 : "no answer after " + std::to_string(x.attempts) + " tries";
      return core::unavailable("test login: edged's RADIUS server did not answer (" + why + ")");
    }
    Json attrs = Json::array();
    std::string lines;
    for (const Attribute& at : reply.attributes) {
      std::string text = dictionary ? describeAttribute(*dictionary, at) : std::to_string(at.ref.attr);
      if (at.ref == messageAuthenticator) text = "Message-Authenticator (verified)";
      attrs.push_back(text);
      lines += "  " + text + "\n";
    }
    std::string outcome = reply.code == PacketCode::kAccessAccept   ? "accept"
                          : reply.code == PacketCode::kAccessReject ? "reject"
                                                                    : "challenge";
    Json out{{"username", user}, {"method", method}, {"result", outcome}, {"rtt-ms", x.rttMs}, {"attributes", attrs},
             {"code", aaa::radius::packetCodeName(reply.code)}};
    std::string text = std::string(aaa::radius::packetCodeName(reply.code)) + " for " + user + " in " + ms(x.rttMs) +
                       " (" + (method == "pap" ? "PAP" : "CHAP") + ", from the NAS 'diagnostics' " + kNasAddress + ")\n";
    std::optional<AuthSeen::Seen> s = seen->wait(id, user, 1000);
    if (s && !s->accepted) {
      out["reason"] = aaa::policy::rejectReasonName(s->reason);
      out["reason-text"] = aaa::policy::rejectReasonMessage(s->reason);
      text += "reason: " + std::string(aaa::policy::rejectReasonMessage(s->reason)) + "\n";
    } else if (!s && reply.code == PacketCode::kAccessReject) {
      text += "reason: not known (the server's decision was not seen)\n";
    }
    text += "reply attributes:" + std::string(lines.empty() ? " none\n" : "\n" + lines);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return ControlReply::success(text, out);
  });
}

ControlReply Diagnostics::nasProbe(const Json& args) {
  std::string name = args.value("name", "");
  std::string address = args.value("address", "");
  std::shared_ptr<const aaa::policy::Snapshot> snap = deps_.radius->snapshot();
  const aaa::policy::NasClient* nas = snap ? snap->findNasByName(name) : nullptr;
  if (nas == nullptr) return core::notFound("no NAS client named '" + name + "'");
  if (name == kNasName) return core::invalidArgument("the NAS 'diagnostics' is this box's own test identity");
  if (address.empty()) {
    // A host is a /128 here (IPv4 is held IPv4-mapped, catalog/ip.h).
    if (nas->prefix.length != 128)
      return core::invalidArgument("address: NAS '" + name + "' is a range (" + catalog::formatPrefix(nas->prefix) +
                                   "): give the address of the NAS to probe");
    address = catalog::formatIp(nas->prefix.address);
  } else {
    std::optional<catalog::IpAddress> ip = catalog::parseIp(address);
    if (!ip || !nas->prefix.contains(*ip))
      return core::invalidArgument("address: an IP address within " + catalog::formatPrefix(nas->prefix));
    address = catalog::formatIp(*ip);
  }
  const aaa::radius::Attributes& a = deps_.radius->attributes();
  std::string secret = nas->secret;
  uint16_t port = nas->coaPort;
  std::string nasName = nas->name;
  std::string probeName = "edged-probe-" + core::pki::randomHex(4);

  // 1. Status-Server (RFC 5997 section 3): Message-Authenticator required, no other attribute needed.
  Packet status;
  status.code = PacketCode::kStatusServer;
  uint8_t rnd[17];
  core::secureRandom(rnd, sizeof rnd);
  status.id = rnd[16];
  std::memcpy(status.authenticator.data(), rnd, 16);
  status.attributes.push_back({a.messageAuthenticator, Value::octets(std::string(16, '\0'))});
  status.attributes.push_back({a.nasIdentifier, Value::string("edged")});
  EDGE_ASSIGN_OR_RETURN(std::vector<uint8_t> statusWire, aaa::radius::encode(status, secret));

  // 2. A Disconnect-Request (RFC 5176 section 3) for a session that cannot exist: a user name and
  // session id made up now. A NAS answers it with a Disconnect-NAK (Error-Cause 503, Session Context
  // Not Found) and disconnects nobody.
  Packet disc;
  disc.code = PacketCode::kDisconnectRequest;
  disc.id = static_cast<uint8_t>(rnd[16] + 1);
  disc.attributes.push_back({a.messageAuthenticator, Value::octets(std::string(16, '\0'))});
  disc.attributes.push_back({a.userName, Value::string(probeName)});
  disc.attributes.push_back({a.acctSessionId, Value::string(probeName)});
  disc.attributes.push_back(
      {a.eventTimestamp, Value::uint32(static_cast<uint32_t>(core::SystemClock::instance().unixSeconds()))});
  EDGE_ASSIGN_OR_RETURN(std::vector<uint8_t> discWire, aaa::radius::encode(disc, secret));

  aaa::radius::AttrRef errorCause = a.errorCause;
  return ControlReply::later([=]() -> ControlReply {
    Json out{{"nas", nasName}, {"address", address}, {"port", port}};
    std::string where = address + ":" + std::to_string(port);
    // Status-Server: any reply whose Response Authenticator verifies with the NAS's secret.
    aaa::radius::Authenticator statusAuth{};
    std::memcpy(statusAuth.data(), statusWire.data() + 4, 16);
    std::string statusCode;
    auto statusAccept = [&](const uint8_t* d, size_t len, std::string* why) {
      if (len < 20 || d[1] != statusWire[1]) return false;
      PacketCode c = static_cast<PacketCode>(d[0]);
      core::Result<Packet> r = (c == PacketCode::kAccessAccept || c == PacketCode::kAccountingResponse)
                                   ? aaa::radius::decode(d, len, secret, &statusAuth, PacketCode::kStatusServer)
                                   : aaa::radius::decode(d, len, secret, &statusAuth);
      if (!r.isOk()) {
        *why = std::string("a ") + aaa::radius::packetCodeName(c) + " that does not verify with this NAS's secret (" +
               r.status().message() + ")";
        return false;
      }
      statusCode = aaa::radius::packetCodeName(r->code);
      return true;
    };
    Exchange s = exchange("", address, port, statusWire, {1500, 1500}, statusAccept);
    if (s.outcome == Exchange::Outcome::kAnswered) {
      out["answered"] = true;
      out["probe"] = "status-server";
      out["reply"] = statusCode;
      out["rtt-ms"] = s.rttMs;
      return ControlReply::success("NAS '" + nasName + "' answered the Status-Server on " + where + " with " +
                                       statusCode + " in " + ms(s.rttMs) +
                                       ": its dynamic authorization port is reachable from this box, and the reply "
                                       "verifies with the shared secret.",
                                   out);
    }
    if (s.outcome == Exchange::Outcome::kError) return core::unavailable(s.error);
    if (s.outcome == Exchange::Outcome::kRefused) {
      out["answered"] = false;
      out["probe"] = "status-server";
      out["refused"] = true;
      return ControlReply::error(core::unavailable("NAS '" + nasName + "': " + where +
                                                   " refused (ICMP port unreachable): nothing listens on that port. Is "
                                                   "CoA/Disconnect (RFC 5176) enabled on the NAS, and on port " +
                                                   std::to_string(port) + "?"),
                                 out);
    }
    // Many NASes do not answer Status-Server on this port: the Disconnect probe.
    aaa::radius::Authenticator discAuth{};
    std::memcpy(discAuth.data(), discWire.data() + 4, 16);
    std::string discCode, cause;
    auto discAccept = [&](const uint8_t* d, size_t len, std::string* why) {
      if (len < 20 || d[1] != discWire[1]) return false;
      core::Result<Packet> r = aaa::radius::decode(d, len, secret, &discAuth);
      if (!r.isOk()) {
        *why = std::string("a ") + aaa::radius::packetCodeName(static_cast<PacketCode>(d[0])) +
               " that does not verify with this NAS's secret (" + r.status().message() + ")";
        return false;
      }
      discCode = aaa::radius::packetCodeName(r->code);
      if (const Attribute* e = r->find(errorCause)) cause = aaa::radius::errorCauseText(static_cast<uint32_t>(e->value.number));
      return true;
    };
    Exchange d = exchange("", address, port, discWire, {2000, 2000}, discAccept);
    out["probe"] = "disconnect";
    out["status-server"] = s.badReply.empty() ? "no answer" : s.badReply;
    if (d.outcome == Exchange::Outcome::kAnswered) {
      out["answered"] = true;
      out["reply"] = discCode;
      out["error-cause"] = cause;
      out["rtt-ms"] = d.rttMs;
      return ControlReply::success(
          "NAS '" + nasName + "' did not answer Status-Server, but answered a Disconnect-Request for a made-up session (" +
              probeName + ") on " + where + " with " + discCode + (cause.empty() ? "" : " (" + cause + ")") + " in " +
              ms(d.rttMs) +
              ": its dynamic authorization port is reachable from this box, and the reply verifies with the shared "
              "secret.",
          out);
    }
    out["answered"] = false;
    std::string bad = !d.badReply.empty() ? d.badReply : s.badReply;
    if (!bad.empty()) {
      out["bad-reply"] = bad;
      return ControlReply::error(core::unavailable("NAS '" + nasName + "' answered on " + where + ", but with " + bad +
                                                   ": the shared secrets on the NAS and on this box differ."),
                                 out);
    }
    if (d.outcome == Exchange::Outcome::kRefused) out["refused"] = true;
    return ControlReply::error(
        core::unavailable("NAS '" + nasName + "' did not answer on " + where + " (Status-Server twice, a Disconnect probe "
                          "twice; 7 s). This proves nothing about the NAS: the port may be filtered, CoA/Disconnect may "
                          "be off on the NAS or not allow this box's address, or the NAS silently discards requests "
                          "signed with another shared secret (RFC 5176 section 3)."),
        out);
  });
}

}  // namespace edge::diagnostics
