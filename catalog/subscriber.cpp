#include "catalog/subscriber.h"

#include "aaa/auth/password_hash.h"
#include "core/clock.h"
#include "core/https_client.h"

namespace catalog {

const char* subscriberStatusName(SubscriberStatus s) {
  switch (s) {
    case SubscriberStatus::kActive: return "active";
    case SubscriberStatus::kSuspended: return "suspended";
    case SubscriberStatus::kDisabled: return "disabled";
  }
  return "active";
}

std::optional<SubscriberStatus> parseSubscriberStatus(std::string_view name) {
  if (name == "active") return SubscriberStatus::kActive;
  if (name == "suspended") return SubscriberStatus::kSuspended;
  if (name == "disabled") return SubscriberStatus::kDisabled;
  return std::nullopt;
}

const char* dunningName(Dunning d) {
  switch (d) {
    case Dunning::kNone: return "";
    case Dunning::kThrottle: return "throttle";
    case Dunning::kWalled: return "walled";
    case Dunning::kSuspend: return "suspend";
  }
  return "";
}

std::optional<Dunning> parseDunning(std::string_view name) {
  if (name.empty() || name == "none") return Dunning::kNone;
  if (name == "throttle") return Dunning::kThrottle;
  if (name == "walled") return Dunning::kWalled;
  if (name == "suspend") return Dunning::kSuspend;
  return std::nullopt;
}

namespace {

// dunning-url: an https URL with a host (core::parseHttpsUrl), no whitespace or control characters
// (it is written into a RADIUS attribute and an HTML attribute), at most kMaxDunningUrlOctets.
core::Status checkDunningUrl(const std::string& url) {
  if (url.size() > kMaxDunningUrlOctets)
    return core::invalidArgument("dunning-url: longer than " + std::to_string(kMaxDunningUrlOctets) + " octets");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
      return core::invalidArgument("dunning-url: spaces, quotes, angle brackets and control characters are not allowed");
  // Lower-case, as every reader of it compares (the gateway's walled garden, a NAS's redirect).
  if (url.rfind("https://", 0) != 0) return core::invalidArgument("dunning-url: must start with https://");
  core::Result<core::HttpsEndpoint> ep = core::parseHttpsUrl(url);
  if (!ep.isOk()) return ep.status().withContext("dunning-url");
  return core::Status::ok();
}

}  // namespace

// Built on first use, so a static initializer of another library (a daemon's command table) that
// asks for it gets it whole, whatever order the program's statics are built in.
const std::vector<core::command::Arg>& subscriberArguments() {
  using namespace core::command;
  static const std::vector<Arg> args = {text("username", true, kMaxUsernameOctets), secret("password"),
                                        text("plan", false, 64),                   text("mac", false, 64),
                                        text("expires", false, 64),                text("status", false, 16),
                                        text("static-ip", false, 64),              secret("nt-hash"),
                                        secret("password-hash"),                   text("dunning", false, 16),
                                        text("dunning-rate", false, 64),
                                        text("dunning-url", false, kMaxDunningUrlOctets)};
  return args;
}

core::Result<SubscriberFields> parseSubscriberFields(const core::CommandArgs& a) {
  EDGE_RETURN_IF_ERROR(a.only(subscriberArguments()));
  SubscriberFields f;
  for (auto [key, field] : {std::pair{"username", &f.username}, std::pair{"password", &f.password},
                            std::pair{"plan", &f.plan}}) {
    core::Result<std::optional<std::string>> v = a.text(key);
    if (!v.isOk()) return v.status();
    *field = std::move(*v);
  }
  core::Result<std::optional<std::string>> nt = a.text("nt-hash");
  if (!nt.isOk()) return nt.status();
  if (*nt && !(*nt)->empty()) {
    f.ntHash = aaa::auth::parseNtHashHex(**nt);
    if (!f.ntHash) return core::invalidArgument("nt-hash: expected 32 hex digits");
  }
  core::Result<std::optional<std::string>> hash = a.text("password-hash");
  if (!hash.isOk()) return hash.status();
  if (*hash && !(*hash)->empty()) {
    core::Result<std::string> stored = aaa::auth::passwordHashFromHeader(**hash);
    if (!stored.isOk()) return stored.status().withContext("password-hash");
    f.passwordHash = *stored;
  }
  core::Result<std::optional<std::string>> status = a.text("status");
  if (!status.isOk()) return status.status();
  if (*status) {
    std::optional<SubscriberStatus> st = parseSubscriberStatus(**status);
    if (!st) return core::invalidArgument("status: '" + **status + "' is not one of: active, suspended, disabled");
    f.status = *st;
  }
  core::Result<std::optional<std::string>> expires = a.text("expires");
  if (!expires.isOk()) return expires.status();
  if (*expires) {
    if ((*expires)->empty() || **expires == "never") {
      f.expiresAt = 0;
    } else {
      core::Result<int64_t> t = core::parseIso8601(**expires);
      if (!t.isOk()) return t.status().withContext("expires");
      f.expiresAt = *t;
    }
  }
  core::Result<std::optional<std::string>> mac = a.text("mac");
  if (!mac.isOk()) return mac.status();
  if (*mac) {
    if ((*mac)->empty()) {
      f.mac.emplace();  // clears the binding
    } else {
      std::optional<MacAddress> m = aaa::auth::parseMac(**mac);
      if (!m) return core::invalidArgument("mac: '" + **mac + "' is not a MAC address (e.g. aa:bb:cc:dd:ee:ff)");
      f.mac = m;
    }
  }
  core::Result<std::optional<std::string>> ip = a.text("static-ip");
  if (!ip.isOk()) return ip.status();
  if (*ip) {
    if ((*ip)->empty()) {
      f.staticIp.emplace();  // clears the address
    } else {
      std::optional<IpAddress> parsed = parseIp(**ip);
      if (!parsed || !parsed->isV4()) return core::invalidArgument("static-ip: '" + **ip + "' is not an IPv4 address");
      f.staticIp = parsed;
    }
  }
  core::Result<std::optional<std::string>> dunning = a.text("dunning");
  if (!dunning.isOk()) return dunning.status();
  if (*dunning) {
    std::optional<Dunning> d = parseDunning(**dunning);
    if (!d) return core::invalidArgument("dunning: '" + **dunning + "' is not one of: '' (none), throttle, walled, suspend");
    f.dunning = *d;
  }
  core::Result<std::optional<std::string>> rate = a.text("dunning-rate");
  if (!rate.isOk()) return rate.status();
  if (*rate) {
    if ((*rate)->empty()) {
      f.dunningRate = billing::Rate{};  // cleared
    } else {
      core::Result<billing::Rate> r = billing::parseRatePair(**rate);
      if (!r.isOk()) return r.status().withContext("dunning-rate");
      f.dunningRate = *r;
    }
  }
  core::Result<std::optional<std::string>> url = a.text("dunning-url");
  if (!url.isOk()) return url.status();
  if (*url) {
    if (!(*url)->empty()) EDGE_RETURN_IF_ERROR(checkDunningUrl(**url));
    f.dunningUrl = **url;
  }
  return f;
}

core::Status validateSubscriber(const SubscriberFields& f, SubscriberChange change) {
  if (!f.username || f.username->empty()) return core::invalidArgument("username is required");
  if (f.username->size() > kMaxUsernameOctets)
    return core::invalidArgument("username: longer than " + std::to_string(kMaxUsernameOctets) +
                                 " octets (RFC 2865 5.1)");
  const bool add = change == SubscriberChange::kAdd;
  if (add && !f.plan) return core::invalidArgument("plan is required");
  // An empty password in an add is no password (a CSV row's empty cell, a spec without one); in a
  // set it would remove the password, which only deleting the subscriber does.
  if (f.password && (!add || !f.password->empty())) {
    core::Result<aaa::auth::Credentials> c = aaa::auth::credentialsFromPassword(*f.password, false);
    if (!c.isOk()) return c.status().withContext("password");
  }
  const bool hasCleartext = f.password && !f.password->empty();
  if (int(hasCleartext) + int(f.ntHash.has_value()) + int(f.passwordHash.has_value()) > 1)
    return core::invalidArgument("password, nt-hash, password-hash: give only one (a subscriber has one password)");
  // Throttle needs a rate: given here, or (a set) stored before; applySubscriberFields checks the result.
  const bool rateCleared = f.dunningRate && f.dunningRate->downBps == 0;
  if (f.dunning == Dunning::kThrottle && (rateCleared || (add && !f.dunningRate)))
    return core::invalidArgument("dunning-rate: required while dunning is 'throttle' (DOWN/UP, e.g. 512k/256k)");
  const bool hasPassword = hasCleartext || f.ntHash || f.passwordHash;
  if (add && !hasPassword && !aaa::auth::parseMac(*f.username)) return core::invalidArgument("password is required");
  return core::Status::ok();
}

core::Status applySubscriberFields(const SubscriberFields& f, const PlanLookup& findPlan, bool keepCleartext,
                                   Subscriber& s) {
  if (f.plan) {
    std::optional<int64_t> id = findPlan(*f.plan);
    if (!id) return core::notFound("plan: no plan named '" + *f.plan + "' (see plan list)");
    s.planId = *id;
  }
  if (f.status) s.status = *f.status;
  if (f.expiresAt) s.expiresAt = *f.expiresAt;
  if (f.mac) s.mac = *f.mac;
  if (f.staticIp) s.staticIp = *f.staticIp;
  if (f.dunning) s.dunning = *f.dunning;
  if (f.dunningRate) s.dunningRate = *f.dunningRate;
  if (f.dunningUrl) s.dunningUrl = *f.dunningUrl;
  if (s.dunning == Dunning::kThrottle && s.dunningRate.downBps == 0)
    return core::invalidArgument("dunning-rate: required while dunning is 'throttle' (DOWN/UP, e.g. 512k/256k)");
  if (f.password && !f.password->empty()) EDGE_RETURN_IF_ERROR(setPassword(s, *f.password, keepCleartext));
  if (f.ntHash) {
    s.ntHash = *f.ntHash;
    s.cleartext.clear();
    s.papHash.clear();
  }
  if (f.passwordHash) {
    s.papHash = *f.passwordHash;
    s.ntHash.reset();
    s.cleartext.clear();
  }
  return core::Status::ok();
}

core::Status setPassword(Subscriber& s, std::string_view password, bool keepCleartext) {
  core::Result<aaa::auth::Credentials> c = aaa::auth::credentialsFromPassword(password, keepCleartext);
  if (!c.isOk()) return c.status().withContext("password");
  s.ntHash = c->ntHash;
  s.cleartext = c->cleartext.value_or("");
  s.papHash.clear();
  return core::Status::ok();
}

std::string canonicalUsername(std::string_view username) {
  std::optional<MacAddress> mac = aaa::auth::parseMac(username);
  return mac ? aaa::auth::formatMac(*mac) : std::string(username);
}

}  // namespace catalog
