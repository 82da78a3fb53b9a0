#include "import/mapping.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <set>
#include <tuple>

#include "aaa/auth/password_hash.h"
#include "core/pki.h"
#include "core/units.h"
#include "core/text.h"

namespace importer {
namespace {

bool isSetOp(const std::string& op) { return op == ":=" || op == "=" || op == "+="; }

// Single-valued attributes as the files module leaves them: ':=' replaces, '=' and '+=' add when absent.
void merge(std::map<std::string, UsersAttribute>& into, const UsersAttribute& a) {
  auto it = into.find(a.name);
  if (it == into.end()) into.emplace(a.name, a);
  else if (a.op == ":=") it->second = a;
}

core::Result<uint64_t> mikrotikRate(std::string v) {
  if (!v.empty() && (v.back() == 'K')) v.back() = 'k';
  return core::parseRate(v);
}

core::Result<std::pair<uint64_t, uint64_t>> pairOf(const std::string& text, bool seconds) {
  size_t slash = text.find('/');
  std::string rx = text.substr(0, slash), tx = slash == std::string::npos ? rx : text.substr(slash + 1);
  if (seconds) {
    for (std::string* s : {&rx, &tx}) {
      if (!s->empty() && s->back() == 's') s->pop_back();
      if (s->empty() || s->find_first_not_of("0123456789") != std::string::npos || s->size() > 9)
        return core::invalidArgument("'" + text + "' is not a burst time in seconds");
    }
    return std::make_pair(static_cast<uint64_t>(std::stoull(rx)), static_cast<uint64_t>(std::stoull(tx)));
  }
  EDGE_ASSIGN_OR_RETURN(uint64_t r, mikrotikRate(rx));
  EDGE_ASSIGN_OR_RETURN(uint64_t t, mikrotikRate(tx));
  return std::make_pair(r, t);
}

std::string isoUtc(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The password attributes of the files module and what each keeps working here.
struct PasswordKind {
  const char* attribute;
  const char* form;
  int rank;  // higher keeps more methods
};
const PasswordKind kPasswords[] = {
    {"Cleartext-Password", "cleartext", 3}, {"User-Password", "cleartext", 3},
    {"NT-Password", "nt-hash", 2},          {"Crypt-Password", "crypt", 1},
    {"MD5-Password", "md5", 1},             {"SMD5-Password", "smd5", 1},
    {"SHA-Password", "sha1", 1},            {"SHA1-Password", "sha1", 1},
    {"SSHA-Password", "ssha1", 1},          {"SHA2-Password", "sha2", 1},
    {"SHA-256-Password", "sha2-256", 1},    {"SHA-512-Password", "sha2-512", 1},
    {"SSHA2-256-Password", "ssha2-256", 1}, {"SSHA2-512-Password", "ssha2-512", 1},
    {"Password-With-Header", "with-header", 1}, {"LM-Password", "lm-hash", 0},
};

std::vector<std::string> methodsFor(const std::string& form) {
  if (form == "cleartext") return {"PAP", "CHAP", "MS-CHAPv2", "EAP (PEAP/TTLS)"};
  if (form == "nt-hash") return {"PAP", "MS-CHAPv2", "EAP-MSCHAPv2 (PEAP/TTLS)"};
  if (form == "lm-hash" || form == "none") return {};
  return {"PAP"};
}

// Reply and check attributes that need no place in our model (the box sends its own).
const std::set<std::string> kHarmless = {"Service-Type", "Framed-Protocol", "Framed-MTU", "Framed-Compression",
                                         "Framed-Routing", "Framed-IP-Netmask"};

struct PlanValues {
  uint64_t down = 0, up = 0, burstDown = 0, burstUp = 0, burstTime = 0;
  int64_t burstThreshold = -1;  // percent; -1 = default
  int64_t session = 0, idle = 0, interim = -1, maxSessions = 0;
  auto key() const {
    return std::make_tuple(down, up, burstDown, burstUp, burstTime, burstThreshold, session, idle, interim,
                           maxSessions);
  }
};

core::Json planArgs(const std::string& name, const PlanValues& v) {
  core::Json a = {{"name", name}, {"down", core::formatRate(v.down)}, {"up", core::formatRate(v.up)}};
  if (v.burstDown) a["burst-down"] = core::formatRate(v.burstDown);
  if (v.burstUp) a["burst-up"] = core::formatRate(v.burstUp);
  if (v.burstTime) a["burst-time"] = std::to_string(v.burstTime);
  if (v.burstThreshold >= 0) a["burst-threshold"] = std::to_string(v.burstThreshold);
  if (v.session) a["session-timeout"] = std::to_string(v.session);
  if (v.idle) a["idle-timeout"] = std::to_string(v.idle);
  if (v.interim >= 0) a["interim"] = std::to_string(v.interim);
  if (v.maxSessions) a["max-sessions"] = std::to_string(v.maxSessions);
  return a;
}

// The check items rlm_unix compares with the unix groups of the user (groupcmp), on Debian's 3.2 too.
bool isUnixGroup(const std::string& name) { return name == "Group" || name == "Group-Name" || name == "Unix-Group"; }

// What a DEFAULT that is never applied would have given.
std::string notApplied(const UsersEntry& e) {
  for (const UsersAttribute& a : e.reply)
    if (a.name == "Mikrotik-Rate-Limit" || a.name.rfind("WISPr-Bandwidth-Max-", 0) == 0)
      return "this DEFAULT's rate is not imported";
  std::string items;
  for (const auto* list : {&e.check, &e.reply})
    for (const UsersAttribute& a : *list)
      if (list == &e.reply || isSetOp(a.op)) items += (items.empty() ? "" : ", ") + a.name;
  return "this DEFAULT is not applied" + (items.empty() ? std::string() : " (" + items + ")");
}

std::optional<int64_t> seconds(const std::string& v) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(v);
}

}  // namespace

bool looksLikeMac(const std::string& v) {
  std::string hex;
  for (char c : v) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    else if (c != ':' && c != '-' && c != '.') return false;
  }
  return hex.size() == 12;
}

core::Result<RateLimit> parseMikrotikRateLimit(const std::string& value) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && value[i] == ' ') ++i;
    size_t j = value.find(' ', i);
    if (i < value.size()) parts.push_back(value.substr(i, j == std::string::npos ? std::string::npos : j - i));
    i = j == std::string::npos ? value.size() : j;
  }
  if (parts.empty()) return core::invalidArgument("Mikrotik-Rate-Limit: empty");
  RateLimit r;
  auto wrap = [&value](const core::Status& s) {
    return core::invalidArgument("Mikrotik-Rate-Limit '" + value + "': " + s.message());
  };
  auto rates = pairOf(parts[0], false);
  if (!rates.isOk()) return wrap(rates.status());
  r.up = rates->first;
  r.down = rates->second;
  if (parts.size() > 1) {
    auto b = pairOf(parts[1], false);
    if (!b.isOk()) return wrap(b.status());
    r.burstUp = b->first;
    r.burstDown = b->second;
  }
  if (parts.size() > 2) {
    auto t = pairOf(parts[2], false);
    if (!t.isOk()) return wrap(t.status());
    r.thresholdUp = t->first;
    r.thresholdDown = t->second;
  }
  if (parts.size() > 3) {
    auto t = pairOf(parts[3], true);
    if (!t.isOk()) return wrap(t.status());
    r.burstTime = std::max(t->first, t->second);
  }
  return r;
}

core::Result<int64_t> parseFreeradiusExpiration(const std::string& value) {
  static const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
  std::vector<std::string> words;
  std::string w;
  for (char c : value + " ") {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  int month = -1, day = -1, year = -1, hh = 0, mm = 0, ss = 0;
  for (const std::string& word : words) {
    std::string l = core::asciiLower(word);
    if (std::isalpha(static_cast<unsigned char>(l[0]))) {
      for (int m = 0; m < 12; ++m)
        if (l.size() >= 3 && l.compare(0, 3, kMonths[m]) == 0) month = m;
      if (month < 0) return core::invalidArgument("Expiration '" + value + "': '" + word + "' is not a month");
    } else if (l.find(':') != std::string::npos) {
      if (std::sscanf(l.c_str(), "%2d:%2d:%2d", &hh, &mm, &ss) < 2 || hh > 23 || mm > 59 || ss > 60)
        return core::invalidArgument("Expiration '" + value + "': '" + word + "' is not a time");
    } else if (l.find_first_not_of("0123456789") == std::string::npos && l.size() <= 4) {
      int n = std::stoi(l);
      if (l.size() == 4) year = n;
      else day = n;
    } else {
      return core::invalidArgument("Expiration '" + value + "': '" + word + "' is not understood");
    }
  }
  if (month < 0 || day < 1 || day > 31 || year < 1970)
    return core::invalidArgument("Expiration '" + value + "': expected a date such as \"Jan 1 2027\" or \"1 Jan 2027 12:00\"");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (tm.tm_mday != day) return core::invalidArgument("Expiration '" + value + "': no such day");
  return t;
}

ImportPlan mapFreeradiusUsers(const std::vector<UsersEntry>& entries, const MapOptions& options) {
  ImportPlan out;
  out.source = "freeradius-users";
  std::map<std::string, size_t> firstEntry;  // username -> index of its first entry
  std::vector<size_t> defaultIndexes;
  for (size_t i = 0; i < entries.size(); ++i) {
    const UsersEntry& e = entries[i];
    if (e.isDefault) {
      ++out.defaults;
      defaultIndexes.push_back(i);
      continue;
    }
    auto [it, fresh] = firstEntry.emplace(e.name, i);
    if (!fresh)
      out.warnings.push_back("line " + std::to_string(e.line) + ": a second entry for '" + e.name + "' (first at line " +
                             std::to_string(entries[it->second].line) + "): only the first is imported");
  }
  // DEFAULT entries whose conditions need a request, or compare unix groups: said once each.
  std::set<size_t> undecidableSaid, unixSaid;
  std::map<std::tuple<uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, int64_t, int64_t, int64_t, int64_t, int64_t>,
           size_t>
      planByValues;
  std::map<std::string, size_t> planByName;

  for (size_t ui = 0; ui < entries.size(); ++ui) {
    const UsersEntry& user = entries[ui];
    if (user.isDefault || firstEntry[user.name] != ui) continue;
    MappedSubscriber sub;
    sub.username = user.name;
    sub.line = user.line;
    // Real groups come from SQL (radusergroup) only. In a users file `Group := "x"` is no membership:
    // FreeRADIUS compares Group with the unix groups of the user (rlm_unix); fileGroups keeps the old
    // reading to tell the subscriber which group DEFAULTs it does not get.
    std::set<std::string> groups(user.sqlGroups.begin(), user.sqlGroups.end());
    std::set<std::string> fileGroups;
    std::vector<std::string> groupWarnings;  // after the subscriber's other warnings
    for (const UsersAttribute& a : user.check)
      if (isUnixGroup(a.name) && isSetOp(a.op)) {
        fileGroups.insert(a.value);
        groupWarnings.push_back(a.name + " := \"" + a.value + "\" (line " + std::to_string(a.line) +
                               ") is not a group membership: FreeRADIUS compares " + a.name +
                               " with the unix groups of the user");
      }

    // The entries the files module would walk for this user, in file order.
    std::map<std::string, UsersAttribute> check, reply;
    std::string rateGroup;  // the group of the DEFAULT that gave the rate
    bool reachedOwn = false;
    int stoppedAt = 0;
    // The DEFAULT entries and the user's own, in file order (users x DEFAULTs, not users x entries).
    std::vector<size_t> walk;
    walk.reserve(defaultIndexes.size() + 1);
    std::merge(defaultIndexes.begin(), defaultIndexes.end(), &ui, &ui + 1, std::back_inserter(walk));
    for (size_t i : walk) {
      const UsersEntry& e = entries[i];
      bool matches = true;
      std::string undecided;
      std::string groupOfEntry = e.sqlGroup;
      if (!e.sqlGroup.empty() && groups.count(e.sqlGroup) == 0) matches = false;
      const UsersAttribute* unixGroup = nullptr;  // a Group == this DEFAULT can never match
      for (const UsersAttribute& a : e.check) {
        if (isSetOp(a.op)) continue;
        if (isUnixGroup(a.name) && e.isDefault && (a.op == "==" || a.op == "!=")) {
          // rlm_unix's groupcmp: no subscriber is a unix user, so == never matches and != always does.
          if (a.op == "==") {
            matches = false;
            unixGroup = &a;
          } else if (unixSaid.insert(i).second) {
            out.warnings.push_back("line " + std::to_string(e.line) + ": DEFAULT " + a.name + " != \"" + a.value +
                                   "\": FreeRADIUS compares " + a.name +
                                   " with unix groups, so it applies to every subscriber who is no unix user: applied to all");
          }
        } else if (a.name == "User-Name" && (a.op == "==" || a.op == "!=")) {
          if ((a.op == "==") != (a.value == user.name)) matches = false;
        } else if (i == ui && a.name == "Calling-Station-Id" && a.op == "==") {
          continue;  // the user's own binding: kept as the MAC binding below
        } else {
          undecided = a.name + " " + a.op + " " + a.value;
        }
      }
      if (unixGroup != nullptr) {
        const std::string cond = unixGroup->name + " == \"" + unixGroup->value + "\"";
        if (unixSaid.insert(i).second)
          out.warnings.push_back("line " + std::to_string(e.line) + ": DEFAULT " + cond + ": FreeRADIUS compares " +
                                 unixGroup->name + " with the unix groups of the user, not a " + unixGroup->name +
                                 " := of the file: applied to nobody");
        if (fileGroups.count(unixGroup->value))
          groupWarnings.push_back("DEFAULT " + cond + " (line " + std::to_string(e.line) + "): FreeRADIUS compares " +
                                 unixGroup->name + " with unix groups: " + notApplied(e));
      }
      if (!matches) continue;
      if (!undecided.empty()) {
        if (e.isDefault) {
          if (undecidableSaid.insert(i).second)
            out.warnings.push_back("line " + std::to_string(e.line) + ": DEFAULT depends on the request (" + undecided +
                                   "): not applied to anyone; recreate it as a plan or NAS rule by hand");
          continue;
        }
        sub.warnings.push_back("condition '" + undecided + "' (line " + std::to_string(e.line) +
                               ") depends on the request: dropped");
      }
      for (const UsersAttribute& a : e.check)
        if (isSetOp(a.op) || (i == ui && a.name == "Calling-Station-Id")) merge(check, a);
      for (const UsersAttribute& a : e.reply) {
        bool rate = a.name == "Mikrotik-Rate-Limit" || a.name.rfind("WISPr-Bandwidth-Max-", 0) == 0;
        if (rate && e.isDefault && !groupOfEntry.empty() && (reply.count(a.name) == 0 || a.op == ":="))
          rateGroup = groupOfEntry;
        merge(reply, a);
      }
      if (i == ui) reachedOwn = true;
      if (!e.fallThrough) {
        stoppedAt = e.line;
        break;
      }
    }
    if (!reachedOwn) {
      // A DEFAULT before the entry ended the walk (FreeRADIUS never reads the entry): its password
      // is still carried over, so the subscriber can be re-enabled here.
      sub.warnings.push_back("the DEFAULT at line " + std::to_string(stoppedAt) +
                             " (without Fall-Through) ends the walk before this entry: only its password is used");
      for (const UsersAttribute& a : user.check)
        if (isSetOp(a.op) && a.name.find("Password") != std::string::npos) merge(check, a);
    }

    // Password-With-Header holding a cleartext or an NT hash is that form (FreeRADIUS's pap module
    // reads it so too).
    if (auto it = check.find("Password-With-Header"); it != check.end()) {
      const std::string& v = it->second.value;
      size_t close = v.find('}');
      std::string header = v.size() > 1 && v[0] == '{' && close != std::string::npos ? core::asciiLower(v.substr(1, close - 1)) : "";
      const char* as = header == "clear" || header == "cleartext" ? "Cleartext-Password"
                       : header == "nt" || header == "nthash" || header == "x-nthash" ? "NT-Password"
                                                                                      : nullptr;
      if (as != nullptr) {
        UsersAttribute a = it->second;
        a.name = as;
        a.value = v.substr(close + 1);
        check.erase(it);
        check.emplace(as, a);  // an explicit one of the same name stays
      }
    }
    // Password: the form that keeps the most methods.
    const PasswordKind* best = nullptr;
    const UsersAttribute* bestAttr = nullptr;
    for (const PasswordKind& k : kPasswords) {
      auto it = check.find(k.attribute);
      if (it != check.end() && (best == nullptr || k.rank > best->rank)) {
        best = &k;
        bestAttr = &it->second;
      }
    }
    sub.passwordForm = best ? best->form : "none";
    sub.methods = methodsFor(sub.passwordForm);
    core::Json args = {{"username", user.name}};
    if (best && std::string(best->form) == "cleartext") {
      args["password"] = bestAttr->value;
    } else if (best && std::string(best->form) == "nt-hash") {
      // Stored as the subscriber's NT hash (ADR 0045): PAP and MS-CHAPv2 keep working.
      core::Result<std::string> hex = aaa::auth::ntHashHexFromAttribute(bestAttr->value);
      if (hex.isOk()) {
        args["nt-hash"] = *hex;
      } else {
        sub.importable = false;
        sub.refusal = hex.status().message();
      }
    } else if (best && best->rank == 1) {
      // Stored as a PAP-only hash (ADR 0045), in the one canonical form the box and mgmt keep.
      core::Result<std::string> stored = aaa::auth::passwordHashFromAttribute(best->attribute, bestAttr->value);
      if (stored.isOk()) {
        args["password-hash"] = *stored;
        std::string scheme = aaa::auth::passwordHashScheme(*stored);
        if (std::string(best->form) == "with-header" || std::string(best->form) == "sha2") sub.passwordForm = scheme;
        if (scheme == "crypt") sub.passwordForm = "crypt";
      } else {
        sub.importable = false;
        sub.refusal = std::string(best->attribute) + ": " + stored.status().message();
      }
    } else if (best) {
      sub.importable = false;
      sub.refusal = std::string(best->attribute) + " (" + best->form + ") serves no method we offer";
    } else if (!looksLikeMac(user.name)) {
      sub.importable = false;
      sub.refusal = "no password attribute";
    }
    out.passwordForms[sub.passwordForm]++;
    for (const PasswordKind& k : kPasswords) check.erase(k.attribute);
    if (best && best->rank == 1 && sub.importable)
      sub.warnings.push_back("PAP only: the password is stored as a " + sub.passwordForm +
                             " hash (CHAP, MS-CHAPv2 and PEAP are refused for this subscriber)");

    if (auto it = check.find("Auth-Type"); it != check.end()) {
      std::string t = core::asciiLower(it->second.value);
      if (t == "reject") {
        args["status"] = "disabled";
        sub.warnings.push_back("Auth-Type := Reject: imported as disabled");
      } else if (t == "accept") {
        sub.importable = false;
        sub.refusal = "Auth-Type := Accept lets the name in without a password: give it a password first";
      } else {
        sub.warnings.push_back("Auth-Type := " + it->second.value + ": dropped (the box offers every method its password serves)");
      }
      check.erase(it);
    }
    PlanValues pv;
    if (auto it = check.find("Simultaneous-Use"); it != check.end()) {
      std::optional<int64_t> n = seconds(it->second.value);
      if (n && *n > 0) pv.maxSessions = *n;
      else sub.warnings.push_back("Simultaneous-Use '" + it->second.value + "' is not a positive number: dropped");
      check.erase(it);
    }
    if (auto it = check.find("Expiration"); it != check.end()) {
      core::Result<int64_t> t = parseFreeradiusExpiration(it->second.value);
      if (t.isOk()) args["expires"] = isoUtc(*t);
      else sub.warnings.push_back(t.status().message() + ": dropped");
      check.erase(it);
    }
    if (auto it = check.find("Calling-Station-Id"); it != check.end()) {
      if (looksLikeMac(it->second.value)) args["mac"] = it->second.value;
      else sub.warnings.push_back("Calling-Station-Id '" + it->second.value + "' is not a MAC address: binding dropped");
      check.erase(it);
    }
    for (const char* g : {"Group", "Group-Name", "Unix-Group"}) check.erase(g);
    for (const auto& [name, a] : check) {
      sub.warnings.push_back("check item " + name + " (line " + std::to_string(a.line) + ") has no equivalent: dropped");
      out.unsupported[name]++;
    }

    if (auto it = reply.find("Mikrotik-Rate-Limit"); it != reply.end()) {
      core::Result<RateLimit> r = parseMikrotikRateLimit(it->second.value);
      if (r.isOk()) {
        pv.down = r->down;
        pv.up = r->up;
        pv.burstDown = r->burstDown;
        pv.burstUp = r->burstUp;
        pv.burstTime = r->burstTime;
        if (r->thresholdDown && r->down) {
          pv.burstThreshold = static_cast<int64_t>(r->thresholdDown * 100 / r->down);
          if (r->thresholdDown * 100 % r->down != 0 || (r->up && r->thresholdUp * 100 / r->up != r->thresholdDown * 100 / r->down))
            sub.warnings.push_back("burst threshold " + it->second.value + " rounded to " +
                                   std::to_string(pv.burstThreshold) + "% of the rate for both directions");
        }
      } else {
        sub.warnings.push_back(r.status().message() + ": dropped");
      }
      reply.erase(it);
    }
    for (const char* dir : {"WISPr-Bandwidth-Max-Down", "WISPr-Bandwidth-Max-Up"}) {
      auto it = reply.find(dir);
      if (it == reply.end()) continue;
      std::optional<int64_t> bps = seconds(it->second.value);
      if (!bps || *bps == 0) {
        sub.warnings.push_back(std::string(dir) + " '" + it->second.value + "' is not a rate in bit/s: dropped");
      } else {
        uint64_t& field = std::string(dir) == "WISPr-Bandwidth-Max-Down" ? pv.down : pv.up;
        if (field == 0) field = static_cast<uint64_t>(*bps);
        else if (field != static_cast<uint64_t>(*bps))
          sub.warnings.push_back(std::string(dir) + " disagrees with Mikrotik-Rate-Limit: the MikroTik rate is kept");
      }
      reply.erase(it);
    }
    if (auto it = reply.find("Framed-IP-Address"); it != reply.end()) {
      args["static-ip"] = it->second.value;
      reply.erase(it);
    }
    const std::pair<const char*, int64_t PlanValues::*> timers[] = {
        {"Session-Timeout", &PlanValues::session}, {"Idle-Timeout", &PlanValues::idle},
        {"Acct-Interim-Interval", &PlanValues::interim}};
    for (const auto& [attr, field] : timers) {
      auto it = reply.find(attr);
      if (it == reply.end()) continue;
      std::optional<int64_t> n = seconds(it->second.value);
      if (n) pv.*field = *n;
      else sub.warnings.push_back(std::string(attr) + " '" + it->second.value + "' is not a number of seconds: dropped");
      reply.erase(it);
    }
    for (const auto& [name, a] : reply) {
      if (kHarmless.count(name)) continue;
      sub.warnings.push_back("reply item " + name + " (line " + std::to_string(a.line) + ") has no equivalent: dropped");
      out.unsupported[name]++;
    }

    // The plan: subscribers with the same values share one.
    if (pv.down == 0 || pv.up == 0) {
      bool other = pv.session || pv.idle || pv.interim >= 0 || pv.maxSessions;
      if (options.defaultPlan.empty()) {
        if (sub.importable) {
          sub.importable = false;
          sub.refusal = "no rate (Mikrotik-Rate-Limit or WISPr-Bandwidth-Max-Down/-Up in both directions): name a default plan";
        }
      } else {
        args["plan"] = options.defaultPlan;
        if (other)
          sub.warnings.push_back("no rate: put on the default plan '" + options.defaultPlan +
                                 "', whose timeouts and max-sessions apply instead of the source's");
      }
    } else {
      auto found = planByValues.find(pv.key());
      size_t index;
      if (found != planByValues.end()) {
        index = found->second;
      } else {
        std::string base = !rateGroup.empty() ? rateGroup : "fr-" + core::formatRate(pv.down) + "-" + core::formatRate(pv.up);
        if (pv.maxSessions) base += "-x" + std::to_string(pv.maxSessions);
        std::string name = base;
        for (int n = 2; planByName.count(name); ++n) name = base + "-" + std::to_string(n);
        index = out.plans.size();
        MappedPlan p;
        p.name = name;
        p.args = planArgs(name, pv);
        p.source = !rateGroup.empty() ? "group '" + rateGroup + "'" : "the entry of '" + user.name + "'";
        p.group = rateGroup;
        out.plans.push_back(std::move(p));
        planByValues.emplace(pv.key(), index);
        planByName.emplace(name, index);
      }
      args["plan"] = out.plans[index].name;
      if (sub.importable) out.plans[index].subscribers++;
    }
    sub.warnings.insert(sub.warnings.end(), groupWarnings.begin(), groupWarnings.end());
    sub.args = std::move(args);
    out.subscribers.push_back(std::move(sub));
  }
  return out;
}

core::Json reportJson(const ImportPlan& plan) {
  int importable = 0, warned = 0;
  core::Json subs = core::Json::array();
  for (const MappedSubscriber& s : plan.subscribers) {
    importable += s.importable;
    warned += !s.warnings.empty();
    core::Json j = {{"username", s.username}, {"line", s.line},       {"importable", s.importable},
                    {"password-form", s.passwordForm}, {"methods", s.methods}, {"warnings", s.warnings}};
    if (!s.importable) j["refusal"] = s.refusal;
    if (!s.customer.empty()) j["customer"] = s.customer;
    if (s.importable) {
      core::Json a = s.args;
      for (const char* secret : {"password", "nt-hash", "password-hash"})
        a.erase(secret);  // a report is shown and stored: never the password or its hash
      j["maps-to"] = a;
    }
    subs.push_back(std::move(j));
  }
  core::Json plans = core::Json::array();
  for (const MappedPlan& p : plan.plans)
    plans.push_back({{"name", p.name}, {"args", p.args}, {"from", p.source}, {"subscribers", p.subscribers}});
  return core::Json{{"source", plan.source},
                    {"counts",
                     {{"entries", static_cast<int64_t>(plan.subscribers.size())},
                      {"defaults", plan.defaults},
                      {"importable", importable},
                      {"not-importable", static_cast<int64_t>(plan.subscribers.size()) - importable},
                      {"with-warnings", warned},
                      {"plans", static_cast<int64_t>(plan.plans.size())}}},
                    {"password-forms", plan.passwordForms},
                    {"unsupported-attributes", plan.unsupported},
                    {"warnings", plan.warnings},
                    {"plans", plans},
                    {"subscribers", subs}};
}

std::string reportText(const ImportPlan& plan, size_t maxSubscriberLines) {
  // The counts of reportJson, without building it (a million subscribers' JSON for four numbers).
  int64_t importable = 0, warned = 0;
  for (const MappedSubscriber& s : plan.subscribers) {
    importable += s.importable;
    warned += !s.warnings.empty();
  }
  const int64_t entries = static_cast<int64_t>(plan.subscribers.size());
  std::string out = "Import from " + plan.source + " (dry run)\n";
  out += "  " + std::to_string(entries) + " subscribers read (" + std::to_string(plan.defaults) +
         (plan.source == "freeradius-sql" || plan.source == "daloradius" ? " groups), " : " DEFAULT entries), ") +
         std::to_string(importable) + " importable, " + std::to_string(entries - importable) + " not, " +
         std::to_string(warned) + " with warnings\n";
  out += "  passwords:";
  for (const auto& [form, n] : plan.passwordForms) out += " " + form + " " + std::to_string(n);
  out += "\n";
  if (!plan.unsupported.empty()) {
    out += "  attributes with no equivalent (dropped):";
    for (const auto& [name, n] : plan.unsupported) out += " " + name + " (" + std::to_string(n) + ")";
    out += "\n";
  }
  out += "Plans (" + std::to_string(plan.plans.size()) + "):\n";
  for (const MappedPlan& p : plan.plans) {
    out += "  " + p.name + ":";
    for (const auto& [k, v] : p.args.items())
      if (k != "name") out += " " + k + "=" + v.get<std::string>();
    out += "  from " + p.source + ", " + std::to_string(p.subscribers) + " subscribers\n";
  }
  for (const std::string& w : plan.warnings) out += "warning: " + w + "\n";
  size_t shown = 0;
  for (const MappedSubscriber& s : plan.subscribers) {
    if (s.importable && s.warnings.empty()) continue;
    if (shown++ == maxSubscriberLines) {
      out += "  ... (the JSON report lists every subscriber)\n";
      break;
    }
    out += "  " + s.username + " (line " + std::to_string(s.line) + "): ";
    out += s.importable ? "imported with warnings" : "NOT imported: " + s.refusal;
    out += "\n";
    for (const std::string& w : s.warnings) out += "      - " + w + "\n";
  }
  return out;
}

std::string newBatchId() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return std::string("imp-") + stamp + "-" + core::pki::randomHex(2);
}

}  // namespace importer
