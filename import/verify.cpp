#include "import/verify.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

namespace importer {
namespace {

bool mentions(const MappedSubscriber& s, const std::string& part) {
  for (const std::string& w : s.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// Why the dry run foretold this difference, or "".
std::string prediction(const MappedSubscriber& s, const std::string& method, const std::string& what,
                       const std::string& theirs, const MappedPlan* mapped) {
  if (what == "decision" && method != "PAP" && mentions(s, "PAP only"))
    return "the dry run said: PAP only (the password is kept as a hash here)";
  if (what == "rate" && (mentions(s, "default plan") || mentions(s, "rounded") || mentions(s, "Mikrotik-Rate-Limit") ||
                         mentions(s, "WISPr")))
    return "the dry run warned about this subscriber's rate";
  if (what != "decision" && what != "rate" && mentions(s, what)) return "the dry run warned about " + what;
  if (what == "Acct-Interim-Interval" && theirs == "(none)" && mapped && !mapped->args.contains("interim"))
    return "the source sends none; the plan's default interim is sent here";
  if (what != "decision" && (mapped == nullptr || mentions(s, "put on the default plan")))
    return "the dry run put it on the default plan '" + s.args.value("plan", std::string()) +
           "', whose values apply instead of the source's";
  return "";
}

}  // namespace

core::Result<VerifyReport> shadowCheck(const ImportPlan& plan, const VerifyOptions& o, const RadiusAsk& ask,
                                       const std::function<void(const std::string&)>& progress) {
  if (!(o.ratePerSecond > 0 && o.ratePerSecond <= kMaxVerifyRate))
    return core::invalidArgument("rate: requests per second must be above 0 and at most " +
                                 std::to_string(static_cast<int>(kMaxVerifyRate)));
  if (o.sample == 0 || o.sample > kMaxVerifySample)
    return core::invalidArgument("sample: 1 to " + std::to_string(kMaxVerifySample) + " subscribers");
  for (const auto& [name, s] : {std::pair{"their server", &o.theirs}, std::pair{"our box", &o.ours}}) {
    in6_addr any{};
    if (inet_pton(AF_INET, s->host.c_str(), &any) != 1 && inet_pton(AF_INET6, s->host.c_str(), &any) != 1)
      return core::invalidArgument(std::string(name) + ": '" + s->host + "' is not a numeric IPv4 or IPv6 address");
    if (s->secret.empty()) return core::invalidArgument(std::string(name) + ": the shared secret is empty");
    if (s->port == 0) return core::invalidArgument(std::string(name) + ": port 0");
  }
  in_addr nas{};
  if (inet_pton(AF_INET, o.nasIp.c_str(), &nas) != 1) return core::invalidArgument("nas-ip: '" + o.nasIp + "' is not an IPv4 address");

  VerifyReport report;
  std::vector<const MappedSubscriber*> candidates;
  for (const MappedSubscriber& s : plan.subscribers) {
    if (!s.importable) continue;
    if (s.args.contains("password") || o.passwords.count(s.username)) candidates.push_back(&s);
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
  auto paced = [&](const RadiusServer& server, const VerifyRequest& request, bool first) {
    if (first) {  // one slot per pair: each server sees at most ratePerSecond requests a second
      std::this_thread::sleep_until(nextSlot);
      nextSlot = std::max(nextSlot + interval, std::chrono::steady_clock::now());
    }
    return ask(server, request, o.timeoutMs);
  };

  for (const MappedSubscriber* s : candidates) {
    ++report.subscribers;
    const std::string password = s->args.contains("password") ? s->args["password"].get<std::string>()
                                                                 : o.passwords.at(s->username);
    const MappedPlan* mapped = nullptr;
    if (auto it = plans.find(s->args.value("plan", std::string())); it != plans.end()) mapped = it->second;
    for (const char* method : {"PAP", "CHAP"}) {
      if (std::string(method) == "CHAP" && !o.chap) continue;
      VerifyRequest req{s->username, password, method, s->args.value("mac", std::string()), o.nasIp};
      ++report.requests;
      core::Result<VerifyAnswer> theirs = paced(o.theirs, req, true);
      core::Result<VerifyAnswer> ours = paced(o.ours, req, false);
      VerifyAnswer a, b;
      if (theirs.isOk()) a = *theirs;
      else a.decision = "no answer";
      if (ours.isOk()) b = *ours;
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
              std::llabs(std::strtoll(x.c_str(), nullptr, 10) - std::strtoll(y.c_str(), nullptr, 10)) <=
                  o.sessionSlackSeconds)
            continue;
          found.push_back({s->username, method, name, x, y, false, ""});
        }
      }
      if (found.empty()) ++report.agreed;
      for (VerifyDifference& d : found) {
        d.why = prediction(*s, d.method, d.what, d.theirs, mapped);
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
  if (r.skipped)
    out += "  " + std::to_string(r.skipped) +
           " subscribers skipped: the source has no cleartext password to replay (--passwords FILE gives known ones)\n";
  for (const VerifyDifference& d : r.differences)
    out += "  " + d.username + " " + d.method + " " + d.what + ": theirs " + d.theirs + ", ours " + d.ours +
           (d.predicted ? "  (predicted: " + d.why + ")" : "  NOT PREDICTED") + "\n";
  for (const std::string& e : r.errors) out += "error: " + e + "\n";
  return out;
}

}  // namespace importer
