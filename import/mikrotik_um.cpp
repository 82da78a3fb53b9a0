#include "import/mikrotik_um.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "core/units.h"

namespace importer {
namespace {

std::string at(const RouterOsCommand& c) { return "line " + std::to_string(c.line); }

std::string value(const RouterOsCommand& c, const std::string& key) {
  const std::string* v = c.find(key);
  return v ? *v : std::string();
}

bool yes(const std::string& v) { return v == "yes" || v == "true"; }

// A RouterOS rate ("10M", "512k", "1500000"); 0 = unlimited.
core::Result<uint64_t> rate(std::string v) {
  if (!v.empty() && v.back() == 'K') v.back() = 'k';
  if (v == "0" || v.empty()) return uint64_t{0};
  return core::parseRate(v);
}

// A RouterOS size: "50GiB", "10.0GiB", "1073741824", "0B"; 0 = unlimited.
core::Result<uint64_t> size(std::string v) {
  if (v.empty() || v == "0" || v == "0B") return uint64_t{0};
  return core::parseSize(v);
}

// What a limitation gives a plan.
struct Limits {
  uint64_t down = 0, up = 0, burstDown = 0, burstUp = 0, thresholdDown = 0, thresholdUp = 0, burstTime = 0;
  uint64_t transfer = 0;
  int64_t uptime = 0;
  std::string period;  // "day" | "week" | "month" | "" (not reset, or hourly)
  std::vector<std::string> notes;  // what was dropped, said to each subscriber on it
  std::vector<std::string> dropped;  // the report's unsupported keys, counted per subscriber
  int line = 0;
};

Limits readLimitation(const RouterOsCommand& c, std::vector<std::string>& fileWarnings) {
  Limits l;
  l.line = c.line;
  const std::string name = value(c, "name");
  auto bad = [&](const std::string& key, const core::Status& s) {
    fileWarnings.push_back(at(c) + ": limitation '" + name + "' " + key + ": " + s.message() + ": dropped");
  };
  const std::pair<const char*, uint64_t Limits::*> rates[] = {
      {"rate-limit-tx", &Limits::down},           {"rate-limit-rx", &Limits::up},
      {"rate-limit-burst-tx", &Limits::burstDown}, {"rate-limit-burst-rx", &Limits::burstUp},
      {"rate-limit-burst-threshold-tx", &Limits::thresholdDown},
      {"rate-limit-burst-threshold-rx", &Limits::thresholdUp}};
  for (const auto& [key, field] : rates) {
    const std::string* v = c.find(key);
    if (!v) continue;
    core::Result<uint64_t> r = rate(*v);
    if (r.isOk()) l.*field = *r;
    else bad(key, r.status());
  }
  for (const char* key : {"rate-limit-burst-time-tx", "rate-limit-burst-time-rx"}) {
    const std::string* v = c.find(key);
    if (!v) continue;
    core::Result<int64_t> t = parseRouterOsTime(*v);
    if (t.isOk()) l.burstTime = std::max<uint64_t>(l.burstTime, static_cast<uint64_t>(*t));
    else bad(key, t.status());
  }
  if (const std::string* v = c.find("transfer-limit")) {
    core::Result<uint64_t> b = size(*v);
    if (b.isOk()) l.transfer = *b;
    else bad("transfer-limit", b.status());
  }
  if (const std::string* v = c.find("uptime-limit")) {
    core::Result<int64_t> t = parseRouterOsTime(*v);
    if (t.isOk()) l.uptime = *t;
    else bad("uptime-limit", t.status());
  }
  for (const char* key : {"download-limit", "upload-limit"}) {
    const std::string* v = c.find(key);
    core::Result<uint64_t> b = v ? size(*v) : core::Result<uint64_t>(uint64_t{0});
    if (b.isOk() && *b != 0) {
      l.notes.push_back(std::string(key) + " of limitation '" + name + "' (" + *v +
                        ") has no equivalent (one data quota counts both directions): dropped");
      l.dropped.push_back(std::string("limitation ") + key);
    }
  }
  for (const char* key : {"rate-limit-min-rx", "rate-limit-min-tx", "rate-limit-priority"}) {
    const std::string* v = c.find(key);
    if (v && *v != "0" && !v->empty()) {
      l.notes.push_back(std::string(key) + " of limitation '" + name + "' has no equivalent: dropped");
      l.dropped.push_back(std::string("limitation ") + key);
    }
  }
  std::string reset = value(c, "reset-counters-interval");
  if (reset == "daily") l.period = "day";
  else if (reset == "weekly") l.period = "week";
  else if (reset == "monthly") l.period = "month";
  if ((l.transfer || l.uptime) && l.period.empty())
    l.notes.push_back("limitation '" + name + "' resets its counters " + (reset.empty() ? "never" : reset) +
                      " there; here its quota renews every month");
  return l;
}

struct Profile {
  const RouterOsCommand* command = nullptr;
  std::vector<std::string> limitations;  // all-day ones, in order
  std::vector<std::string> timed;        // with from-time/till-time/weekdays
};

struct UmPlanValues {
  uint64_t down = 0, up = 0, burstDown = 0, burstUp = 0, burstTime = 0, transfer = 0;
  int64_t threshold = -1, uptime = 0, session = 0, idle = 0, interim = -1, maxSessions = 0, validity = 0;
  std::string period, price;
  auto key() const {
    return std::make_tuple(down, up, burstDown, burstUp, burstTime, transfer, threshold, uptime, session, idle,
                           interim, maxSessions, validity, period, price);
  }
};

core::Json planArgs(const std::string& name, const UmPlanValues& v, const std::string& currency) {
  core::Json a = {{"name", name}, {"down", core::formatRate(v.down)}, {"up", core::formatRate(v.up)}};
  if (v.burstDown) a["burst-down"] = core::formatRate(v.burstDown);
  if (v.burstUp) a["burst-up"] = core::formatRate(v.burstUp);
  if (v.burstTime) a["burst-time"] = std::to_string(v.burstTime);
  if (v.threshold >= 0) a["burst-threshold"] = std::to_string(v.threshold);
  if (v.session) a["session-timeout"] = std::to_string(v.session);
  if (v.idle) a["idle-timeout"] = std::to_string(v.idle);
  if (v.interim >= 0) a["interim"] = std::to_string(v.interim);
  if (v.maxSessions) a["max-sessions"] = std::to_string(v.maxSessions);
  if (v.transfer) a["data-quota"] = core::formatSize(v.transfer);
  if (v.uptime) a["time-quota"] = std::to_string(v.uptime) + "s";
  if ((v.transfer || v.uptime) && !v.period.empty()) a["period"] = v.period;
  if (v.validity) a["validity"] = std::to_string(v.validity) + "s";
  if (!v.price.empty()) {
    a["price"] = v.price;
    a["currency"] = currency;
  }
  return a;
}

std::optional<int64_t> count(const std::string& v) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(v);
}

}  // namespace

ImportPlan mapMikrotikUserManager(const std::vector<RouterOsCommand>& commands, const MapOptions& options) {
  ImportPlan out;
  out.source = "mikrotik-um";
  std::map<std::string, Limits> limitations;
  std::map<std::string, Profile> profiles;
  std::vector<const RouterOsCommand*> users;
  std::map<std::string, std::vector<std::string>> userProfiles;
  std::map<std::string, int> ignored;  // "path verb" -> commands
  std::set<std::string> userNames;

  for (const RouterOsCommand& c : commands) {
    const bool add = c.verb == "add";
    std::string name = value(c, "name");
    if (add && c.path == "/user-manager limitation") {
      if (name.empty()) out.warnings.push_back(at(c) + ": a limitation without a name: ignored");
      else if (limitations.count(name)) out.warnings.push_back(at(c) + ": a second limitation '" + name + "': ignored");
      else limitations.emplace(name, readLimitation(c, out.warnings));
    } else if (add && c.path == "/user-manager profile") {
      if (name.empty()) out.warnings.push_back(at(c) + ": a profile without a name: ignored");
      else if (profiles.count(name)) out.warnings.push_back(at(c) + ": a second profile '" + name + "': ignored");
      else profiles[name].command = &c;
    } else if (add && c.path == "/user-manager profile-limitation") {
      std::string p = value(c, "profile"), l = value(c, "limitation");
      auto it = profiles.find(p);
      if (it == profiles.end()) {
        out.warnings.push_back(at(c) + ": profile-limitation names no profile '" + p + "' (profiles come first in an export): ignored");
        continue;
      }
      std::string from = value(c, "from-time"), till = value(c, "till-time"), days = value(c, "weekdays");
      core::Result<int64_t> f = parseRouterOsTime(from.empty() ? "0s" : from);
      core::Result<int64_t> t = parseRouterOsTime(till.empty() ? "23h59m59s" : till);
      bool allDay = f.isOk() && t.isOk() && *f == 0 && *t >= 86399 &&
                    (days.empty() || days == "sunday,monday,tuesday,wednesday,thursday,friday,saturday");
      (allDay ? it->second.limitations : it->second.timed).push_back(l);
    } else if (add && c.path == "/user-manager user") {
      if (name.empty()) {
        out.warnings.push_back(at(c) + ": a user without a name: ignored");
      } else if (!userNames.insert(name).second) {
        out.warnings.push_back(at(c) + ": a second user '" + name + "': only the first is imported");
      } else {
        users.push_back(&c);
      }
    } else if (add && c.path == "/user-manager user-profile") {
      userProfiles[value(c, "user")].push_back(value(c, "profile"));
    } else {
      ignored[c.path + " " + c.verb]++;
    }
  }
  for (const auto& [what, n] : ignored)
    out.warnings.push_back("'" + what + "' (" + std::to_string(n) + (n == 1 ? " command" : " commands") +
                           "): not imported (routers become NAS entries by hand; settings, groups and sessions have no equivalent)");

  std::map<decltype(UmPlanValues{}.key()), size_t> planByValues;
  std::set<std::string> planNames;
  for (const RouterOsCommand* u : users) {
    const RouterOsCommand& c = *u;
    MappedSubscriber sub;
    sub.username = value(c, "name");
    sub.line = c.line;
    core::Json args = {{"username", sub.username}};
    const std::string* password = c.find("password");
    if (password && !password->empty()) {
      args["password"] = *password;
      sub.passwordForm = "cleartext";
      sub.methods = {"PAP", "CHAP", "MS-CHAPv2", "EAP (PEAP/TTLS)"};
    } else {
      sub.passwordForm = "none";
      if (!looksLikeMac(sub.username)) {
        sub.importable = false;
        sub.refusal = "no password";
      }
    }
    out.passwordForms[sub.passwordForm]++;
    if (yes(value(c, "disabled"))) {
      args["status"] = "disabled";
      sub.warnings.push_back("disabled in User Manager: imported as disabled");
    }
    if (std::string caller = value(c, "caller-id"); !caller.empty()) {
      if (looksLikeMac(caller)) args["mac"] = caller;
      else sub.warnings.push_back("caller-id '" + caller + "' is not a MAC address: binding dropped");
    }
    if (!value(c, "otp-secret").empty()) {
      sub.warnings.push_back("otp-secret: one-time passwords have no equivalent: dropped (the password alone logs in)");
      out.unsupported["user otp-secret"]++;
    }

    // Its profile and that profile's limitation.
    UmPlanValues pv;
    std::string profileName;
    const std::vector<std::string>& assigned = userProfiles[sub.username];
    for (const std::string& p : assigned) {
      if (profiles.count(p)) {
        profileName = p;
        break;
      }
      sub.warnings.push_back("user-profile names no profile '" + p + "': ignored");
    }
    if (assigned.size() > 1 && !profileName.empty())
      sub.warnings.push_back(std::to_string(assigned.size()) + " profiles assigned: imported on the first, '" +
                             profileName + "' (one plan per subscriber here)");
    int64_t sharedUsers = 1;  // User Manager's default
    if (std::string s = value(c, "shared-users"); !s.empty()) {
      if (s == "unlimited") sharedUsers = 0;
      else if (std::optional<int64_t> n = count(s); n && *n > 0) sharedUsers = *n;
      else sub.warnings.push_back("shared-users '" + s + "' is not a number: User Manager's default 1 kept");
    }
    if (!profileName.empty()) {
      const Profile& prof = profiles[profileName];
      const RouterOsCommand& pc = *prof.command;
      std::string override = value(pc, "override-shared-users");
      if (!override.empty() && override != "off") {
        if (override == "unlimited") sharedUsers = 0;
        else if (std::optional<int64_t> n = count(override); n && *n > 0) sharedUsers = *n;
      }
      for (const std::string& t : prof.timed)
        sub.warnings.push_back("limitation '" + t + "' of profile '" + profileName +
                               "' applies at some times or weekdays only: dropped (give the plan a window by hand)");
      for (size_t i = 0; i < prof.limitations.size(); ++i) {
        auto it = limitations.find(prof.limitations[i]);
        if (it == limitations.end()) {
          sub.warnings.push_back("profile '" + profileName + "' names no limitation '" + prof.limitations[i] + "'");
          continue;
        }
        if (pv.down || pv.up || pv.transfer || pv.uptime) {
          sub.warnings.push_back("limitation '" + prof.limitations[i] + "' of profile '" + profileName +
                                 "': only the first all-day limitation is used");
          continue;
        }
        const Limits& l = it->second;
        pv.down = l.down;
        pv.up = l.up;
        pv.burstDown = l.burstDown;
        pv.burstUp = l.burstUp;
        pv.burstTime = l.burstTime;
        pv.transfer = l.transfer;
        pv.uptime = l.uptime;
        pv.period = l.period;
        if (l.thresholdDown && l.down) pv.threshold = static_cast<int64_t>(std::min<uint64_t>(100, l.thresholdDown * 100 / l.down));
        for (const std::string& n : l.notes) sub.warnings.push_back(n);
        for (const std::string& d : l.dropped) out.unsupported[d]++;
      }
      if (std::string v = value(pc, "validity"); !v.empty() && v != "unlimited") {
        core::Result<int64_t> t = parseRouterOsTime(v);
        if (t.isOk()) pv.validity = *t;
        else sub.warnings.push_back("profile validity: " + t.status().message() + ": dropped");
        if (t.isOk() && *t && value(pc, "starts-when") != "first-auth")
          sub.warnings.push_back("profile validity counts from assignment there; here from the first login");
      }
      if (std::string price = value(pc, "price"); !price.empty() && price != "0" && price != "0.00") {
        if (options.currency.empty()) sub.warnings.push_back("profile price " + price + ": dropped (give --currency)");
        else pv.price = price;
      }
    }
    pv.maxSessions = sharedUsers;

    // attributes="Framed-IP-Address:10.0.0.5,Mikrotik-Rate-Limit:2M/4M"
    bool rateOverride = false;
    if (std::string attrs = value(c, "attributes"); !attrs.empty()) {
      size_t i = 0;
      while (i <= attrs.size()) {
        size_t comma = attrs.find(',', i);
        std::string item = attrs.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
        i = comma == std::string::npos ? attrs.size() + 1 : comma + 1;
        if (item.empty()) continue;
        size_t colon = item.find(':');
        std::string name = item.substr(0, colon), v = colon == std::string::npos ? "" : item.substr(colon + 1);
        if (name == "Framed-IP-Address") {
          args["static-ip"] = v;
        } else if (name == "Mikrotik-Rate-Limit") {
          core::Result<RateLimit> r = parseMikrotikRateLimit(v);
          if (!r.isOk()) {
            sub.warnings.push_back(r.status().message() + ": dropped");
            continue;
          }
          rateOverride = true;
          pv.down = r->down;
          pv.up = r->up;
          pv.burstDown = r->burstDown;
          pv.burstUp = r->burstUp;
          pv.burstTime = r->burstTime;
          pv.threshold = r->thresholdDown && r->down ? static_cast<int64_t>(std::min<uint64_t>(100, r->thresholdDown * 100 / r->down)) : -1;
        } else if (name == "Session-Timeout" || name == "Idle-Timeout" || name == "Acct-Interim-Interval") {
          std::optional<int64_t> n = count(v);
          if (!n) {
            sub.warnings.push_back(name + " '" + v + "' is not a number of seconds: dropped");
            continue;
          }
          (name == "Session-Timeout" ? pv.session : name == "Idle-Timeout" ? pv.idle : pv.interim) = *n;
          rateOverride = true;
        } else {
          sub.warnings.push_back("attribute " + name + " has no equivalent: dropped");
          out.unsupported[name]++;
        }
      }
    }

    if (pv.down == 0 || pv.up == 0) {
      if (options.defaultPlan.empty()) {
        if (sub.importable) {
          sub.importable = false;
          sub.refusal = profileName.empty() ? "no profile and no Mikrotik-Rate-Limit: name a default plan"
                                            : "profile '" + profileName + "' has no rate limit in both directions: name a default plan";
        }
      } else {
        args["plan"] = options.defaultPlan;
        sub.warnings.push_back(std::string(profileName.empty() ? "no profile" : "no rate") + ": put on the default plan '" +
                               options.defaultPlan + "'");
      }
    } else {
      auto found = planByValues.find(pv.key());
      size_t index;
      if (found != planByValues.end()) {
        index = found->second;
      } else {
        std::string base = profileName.empty() ? "um" : profileName;
        if (rateOverride || profileName.empty()) base += "-" + core::formatRate(pv.down) + "-" + core::formatRate(pv.up);
        if (sharedUsers != 1) base += sharedUsers ? "-x" + std::to_string(sharedUsers) : "-xall";
        std::string name = base;
        for (int n = 2; planNames.count(name); ++n) name = base + "-" + std::to_string(n);
        index = out.plans.size();
        MappedPlan p;
        p.name = name;
        p.args = planArgs(name, pv, options.currency);
        p.source = profileName.empty() ? "the attributes of user '" + sub.username + "' (" + at(c) + ")"
                                       : "profile '" + profileName + "' (" + at(*profiles[profileName].command) + ")" +
                                             (rateOverride ? " with the attributes of user '" + sub.username + "'" : "");
        out.plans.push_back(std::move(p));
        planByValues.emplace(pv.key(), index);
        planNames.insert(name);
      }
      args["plan"] = out.plans[index].name;
      if (sub.importable) out.plans[index].subscribers++;
    }
    if (!value(c, "comment").empty()) sub.customer["notes"] = value(c, "comment");
    sub.args = std::move(args);
    out.subscribers.push_back(std::move(sub));
  }
  return out;
}

}  // namespace importer
