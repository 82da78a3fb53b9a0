#include "import/verify.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

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

// One answer, as compared.
struct Answer {
  std::string decision;  // Access-Accept | Access-Reject | Access-Challenge | no answer
  std::map<std::string, std::string> attrs;
};

std::string ipText(uint64_t h) {
  return std::to_string((h >> 24) & 255) + "." + std::to_string((h >> 16) & 255) + "." + std::to_string((h >> 8) & 255) +
         "." + std::to_string(h & 255);
}

Answer summarize(const Packet& p, const Refs& r) {
  Answer a;
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

bool mentions(const MappedSubscriber& s, const std::string& part) {
  for (const std::string& w : s.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// Why the dry run foretold this difference, or "".
std::string prediction(const ImportPlan& plan, const MappedSubscriber& s, const std::string& method,
                       const std::string& what, const std::string& theirs, const MappedPlan* mapped) {
  if (what == "decision" && method == "CHAP" && mentions(s, "PAP only"))
    return "the dry run said: PAP only (the password is kept as a hash)";
  if (what == "rate" && (mentions(s, "default plan") || mentions(s, "rounded") || mentions(s, "Mikrotik-Rate-Limit") ||
                         mentions(s, "WISPr")))
    return "the dry run warned about this subscriber's rate";
  if (what != "decision" && what != "rate" && mentions(s, what)) return "the dry run warned about " + what;
  if (what == "Acct-Interim-Interval" && theirs == "(none)" && mapped && !mapped->args.contains("interim"))
    return "the source sends none; the plan's default interim is sent here";
  if (mentions(s, "put on the default plan"))
    return "the dry run said: put on the default plan, whose values apply instead of the source's";
  (void)plan;
  return "";
}

}  // namespace

core::Result<VerifyReport> shadowCheck(const ImportPlan& plan, const VerifyOptions& o,
                                       const std::function<void(const std::string&)>& progress) {
  if (!(o.ratePerSecond > 0 && o.ratePerSecond <= kMaxVerifyRate))
    return core::invalidArgument("rate: requests per second must be above 0 and at most " +
                                 std::to_string(static_cast<int>(kMaxVerifyRate)));
  if (o.sample == 0 || o.sample > kMaxVerifySample)
    return core::invalidArgument("sample: 1 to " + std::to_string(kMaxVerifySample) + " subscribers");
  for (const auto& [name, s] : {std::pair{"their server", &o.theirs}, std::pair{"our box", &o.ours}}) {
    sockaddr_storage sa{};
    socklen_t len = 0;
    if (!fillAddress(s->host, s->port, &sa, &len))
      return core::invalidArgument(std::string(name) + ": '" + s->host + "' is not a numeric IPv4 or IPv6 address");
    if (s->secret.empty()) return core::invalidArgument(std::string(name) + ": the shared secret is empty");
    if (s->port == 0) return core::invalidArgument(std::string(name) + ": port 0");
  }
  in_addr nas{};
  if (inet_pton(AF_INET, o.nasIp.c_str(), &nas) != 1) return core::invalidArgument("nas-ip: '" + o.nasIp + "' is not an IPv4 address");
  EDGE_ASSIGN_OR_RETURN(aaa::radius::Dictionary dict, aaa::radius::Dictionary::load(o.dictionary));
  EDGE_ASSIGN_OR_RETURN(Refs refs, resolve(dict));

  VerifyReport report;
  std::vector<const MappedSubscriber*> candidates;
  for (const MappedSubscriber& s : plan.subscribers) {
    if (!s.importable) continue;
    if (s.args.contains("password")) candidates.push_back(&s);
    else ++report.skipped;
  }
  // A deterministic sample: a Fisher-Yates shuffle driven by splitmix64(seed).
  uint64_t state = o.seed;
  auto next = [&state]() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  size_t n = std::min(o.sample, candidates.size());
  for (size_t i = 0; i < n; ++i) std::swap(candidates[i], candidates[i + next() % (candidates.size() - i)]);
  candidates.resize(n);
  std::sort(candidates.begin(), candidates.end(),
            [](const MappedSubscriber* a, const MappedSubscriber* b) { return a->line < b->line; });
  std::map<std::string, const MappedPlan*> plans;
  for (const MappedPlan& p : plan.plans) plans[p.name] = &p;

  const auto interval = std::chrono::microseconds(static_cast<int64_t>(1e6 / o.ratePerSecond));
  auto nextSlot = std::chrono::steady_clock::now();
  auto paced = [&](const RadiusServer& server, const Packet& request, bool first) {
    if (first) {  // one slot per pair: each server sees at most ratePerSecond requests a second
      std::this_thread::sleep_until(nextSlot);
      nextSlot = std::max(nextSlot + interval, std::chrono::steady_clock::now());
    }
    return ask(server, request, o.timeoutMs);
  };

  for (const MappedSubscriber* s : candidates) {
    ++report.subscribers;
    const std::string password = s->args["password"].get<std::string>();
    const MappedPlan* mapped = nullptr;
    if (auto it = plans.find(s->args.value("plan", std::string())); it != plans.end()) mapped = it->second;
    for (const char* method : {"PAP", "CHAP"}) {
      if (std::string(method) == "CHAP" && !o.chap) continue;
      Packet req;
      req.code = PacketCode::kAccessRequest;
      req.attributes.push_back({refs.messageAuth, Value::octets(std::string(16, '\0'))});
      req.attributes.push_back({refs.userName, Value::string(s->username)});
      if (std::string(method) == "PAP") {
        req.attributes.push_back({refs.userPassword, Value::string(password)});
      } else {
        uint8_t challenge[16], ident = 0;
        core::secureRandom(challenge, sizeof challenge);
        core::secureRandom(&ident, 1);
        std::array<uint8_t, 16> resp = aaa::auth::chapResponse(ident, password, challenge, sizeof challenge);
        std::string value(1, static_cast<char>(ident));
        value.append(reinterpret_cast<const char*>(resp.data()), resp.size());
        req.attributes.push_back({refs.chapPassword, Value::octets(value)});
        req.attributes.push_back({refs.chapChallenge, Value::octets(std::string(reinterpret_cast<char*>(challenge), 16))});
      }
      req.attributes.push_back({refs.nasIp, Value::ipv4(ntohl(nas.s_addr))});
      req.attributes.push_back({refs.serviceType, Value::uint32(2)});  // Framed-User
      if (s->args.contains("mac"))
        req.attributes.push_back({refs.callingStation, Value::string(s->args["mac"].get<std::string>())});
      ++report.requests;
      core::Result<Packet> theirs = paced(o.theirs, req, true);
      core::Result<Packet> ours = paced(o.ours, req, false);
      Answer a, b;
      if (theirs.isOk()) a = summarize(*theirs, refs);
      else a.decision = "no answer";
      if (ours.isOk()) b = summarize(*ours, refs);
      else b.decision = "no answer";
      for (const auto& [who, r] : {std::pair{"their server", &theirs}, std::pair{"our box", &ours}})
        if (!r->isOk()) report.errors.push_back(s->username + " " + method + ": " + who + ": " + r->status().message());
      std::vector<VerifyDifference> found;
      if (a.decision != b.decision) {
        found.push_back({s->username, method, "decision", a.decision, b.decision, false, ""});
      } else {
        std::map<std::string, std::string> all = a.attrs;
        all.insert(b.attrs.begin(), b.attrs.end());
        for (const auto& [name, unused] : all) {
          std::string x = a.attrs.count(name) ? a.attrs[name] : "(none)";
          std::string y = b.attrs.count(name) ? b.attrs[name] : "(none)";
          if (x == y) continue;
          if (name == "Session-Timeout" && x != "(none)" && y != "(none)" &&
              std::llabs(std::stoll(x) - std::stoll(y)) <= o.sessionSlackSeconds)
            continue;
          found.push_back({s->username, method, name, x, y, false, ""});
        }
      }
      if (found.empty()) ++report.agreed;
      for (VerifyDifference& d : found) {
        d.why = prediction(plan, *s, method, d.what, d.theirs, mapped);
        d.predicted = !d.why.empty();
        report.differences.push_back(std::move(d));
      }
    }
    if (progress && report.subscribers % 25 == 0)
      progress("checked " + std::to_string(report.subscribers) + " of " + std::to_string(n) + " subscribers, " +
               std::to_string(report.differences.size()) + " differences");
  }
  return report;
}

core::Json verifyJson(const VerifyReport& r) {
  core::Json diffs = core::Json::array();
  int predicted = 0;
  for (const VerifyDifference& d : r.differences) {
    predicted += d.predicted;
    core::Json j = {{"username", d.username}, {"method", d.method}, {"what", d.what},
                    {"theirs", d.theirs},     {"ours", d.ours},     {"predicted", d.predicted}};
    if (d.predicted) j["why"] = d.why;
    diffs.push_back(std::move(j));
  }
  return {{"subscribers", r.subscribers},
          {"requests", r.requests},
          {"agreed", r.agreed},
          {"skipped-without-cleartext", r.skipped},
          {"differences", diffs},
          {"predicted", predicted},
          {"unpredicted", static_cast<int>(r.differences.size()) - predicted},
          {"errors", r.errors}};
}

std::string verifyText(const VerifyReport& r) {
  int predicted = 0;
  for (const VerifyDifference& d : r.differences) predicted += d.predicted;
  std::string out = "Shadow check: " + std::to_string(r.subscribers) + " subscribers, " + std::to_string(r.requests) +
                    " requests to each server, " + std::to_string(r.agreed) + " answered alike; " +
                    std::to_string(r.differences.size()) + " differences (" + std::to_string(predicted) +
                    " predicted by the dry run, " + std::to_string(r.differences.size() - predicted) + " not)\n";
  if (r.skipped) out += "  " + std::to_string(r.skipped) + " subscribers skipped: the source has no cleartext password to replay\n";
  for (const VerifyDifference& d : r.differences)
    out += "  " + d.username + " " + d.method + " " + d.what + ": theirs " + d.theirs + ", ours " + d.ours +
           (d.predicted ? "  (predicted: " + d.why + ")" : "  NOT PREDICTED") + "\n";
  for (const std::string& e : r.errors) out += "error: " + e + "\n";
  return out;
}

}  // namespace importer
