// Edged's license and SNMP: what the license lets the box do (the command gate, the subscriber cap,
// the SNMP feature), the license as `status` shows it, and the SNMP agent's view and settings.
#include "edge/app/edged.h"

#include "core/ids.h"
#include "core/license.h"
#include "core/log.h"

namespace edge {

snmp::MibView Edged::snmpView() {
  snmp::MibSource src;
  src.counters = mibCounters_.get();
  auto snap = radius_->snapshot();
  for (const aaa::policy::NasClient& nas : snap->nas) {
    snmp::NasRow row;
    row.id = nas.id;
    row.name = nas.name;
    row.address = nas.prefix.address.bytes;
    row.ipv4 = nas.prefix.address.isV4();
    row.coaPort = nas.coaPort;
    src.nas.push_back(std::move(row));
  }
  for (const aaa::policy::Plan& p : snap->plans) src.plans.push_back({p.id, p.name});
  src.ident = std::string("edged ") + kVersion;
  src.upCentiseconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - startedMono_).count() /
      10);
  src.resetCentiseconds = src.upCentiseconds;  // counters start at zero with the process, never reset
  src.now = core::SystemClock::instance().unixSeconds();
  if (std::optional<core::License> l = license_.current()) src.license = {l->tier, l->tenant};
  return snmp::buildMibView(src);
}

core::Status Edged::applySnmpLicense() {
  std::optional<core::License> l = license_.current();
  bool allowed = !l || l->hasFeature(core::kFeatureSnmp);  // an unlicensed box is a standalone one
  SnmpConfig snmp;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    snmp = config_.snmp;
  }
  if (snmp_ && !allowed) {
    std::shared_ptr<SnmpAgent> agent = snmp_;
    {
      std::lock_guard<std::mutex> lock(snmpMu_);
      snmp_.reset();
    }
    agent->stop();
    core::logWarning("snmp: SNMP is not part of the ", l->tier, " tier's license: the subagent is off");
    (void)recordEvent("snmp-off", "not part of the " + l->tier + " tier's license");
  } else if (!snmp_ && snmp.enabled && allowed) {
    auto agent = std::make_shared<SnmpAgent>(counters_, [this] { return snmpView(); });
    EDGE_RETURN_IF_ERROR(agent->start(snmp));
    std::lock_guard<std::mutex> lock(snmpMu_);
    snmp_ = std::move(agent);
  } else if (!snmp_ && snmp.enabled && !snmpRefusalLogged_) {
    snmpRefusalLogged_ = true;
    core::logWarning("snmp: snmp.enabled is set but SNMP is not part of the ", l->tier, " tier's license");
  }
  return core::Status::ok();
}

std::optional<core::ControlReply> Edged::licenseGate(const core::command::Spec& spec, const core::Json& args) {
  if (spec.effect != core::command::Spec::Effect::kChange) return std::nullopt;  // reads and actions always run
  const std::string& command = spec.name;
  std::optional<core::License> l = license_.current();
  if (!l) return std::nullopt;  // an unlicensed box (never enrolled) is a standalone one
  auto refuse = [this](const std::string& text) {
    licenseRefusals_.inc();
    return std::optional<core::ControlReply>(core::ControlReply::error(core::failedPrecondition(text)));
  };
  int64_t warningDays = 30;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    warningDays = config_.alerts.licenseWarningDays;
  }
  int64_t now = license_.observeClock(core::SystemClock::instance().unixSeconds());
  core::LicenseState state = core::licenseState(&*l, now, warningDays);
  if (state == core::LicenseState::kExpired)
    return refuse("the license expired on " + core::formatRfc3339(core::WallTime(std::chrono::seconds(l->expiresAt))) +
                  " and its " + std::to_string(l->graceDays) +
                  "-day grace period is over: management changes are frozen until a renewed license arrives "
                  "(existing subscribers are still served)");
  if (state == core::LicenseState::kNone)
    return refuse("the installed license is not valid yet: management changes wait for its start");
  // subscriber-import asks capRefusal() itself, once its rows are validated (only valid new rows count).
  if (command == "subscriber-add") {
    bool exists = args.contains("username") && args["username"].is_string() &&
                  radius_->snapshot()->findSubscriber(args["username"].get<std::string>()) != nullptr;
    if (!exists) {
      if (std::optional<std::string> text = capRefusal(*l, 1)) return refuse(*text);
    }
  }
  if (!spec.feature.empty() && !l->hasFeature(spec.feature))
    return refuse(spec.feature + " are not part of the " + l->tier + " tier's license");
  // Fair use is a feature of some plans, not of a command: it is gated by the argument.
  if ((command == "plan-add" || command == "plan-set") && args.contains("fup") && !l->hasFeature(core::kFeatureFairUse)) {
    bool clearing = args["fup"] == "none";
    if (!clearing) return refuse("fair-use rules are not part of the " + l->tier + " tier's license");
  }
  return std::nullopt;
}

std::optional<std::string> Edged::capRefusal(const core::License& l, size_t adding) {
  size_t have = radius_->snapshot()->subscriberCount();
  if (l.subscriberCap == 0 || have + adding <= l.subscriberCap) return std::nullopt;
  return "the license allows " + std::to_string(l.subscriberCap) + " subscribers (" + l.tier + " tier) and this box has " +
         std::to_string(have) + (adding > 1 ? " (adding " + std::to_string(adding) + ")" : std::string()) +
         ": no new subscriber was added (existing subscribers keep working; upgrade the tier for more)";
}

core::Json Edged::licenseJson() {
  int64_t warningDays = 30;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    warningDays = config_.alerts.licenseWarningDays;
  }
  int64_t now = license_.observeClock(core::SystemClock::instance().unixSeconds());
  std::optional<core::License> l = license_.current();
  core::Json j = core::Json::object();
  j["state"] = core::licenseStateName(core::licenseState(l ? &*l : nullptr, now, warningDays));
  j["trusted-key"] = license_.trustedKeyPath();
  if (l) {
    j["license"] = core::licenseToJson(*l);
    int64_t left = l->expiresAt - now;
    j["days-to-expiry"] = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
    j["expires"] = core::formatRfc3339(core::WallTime(std::chrono::seconds(l->expiresAt)));
  }
  return j;
}

core::ControlReply Edged::snmpConfig(const core::Json& args) {
  auto text = [&](const char* key, const std::string& def) -> std::string {
    return args.is_object() && args.contains(key) && args[key].is_string() ? args[key].get<std::string>() : def;
  };
  auto generated = [] {
    uint8_t bytes[12];
    core::secureRandom(bytes, sizeof bytes);
    return core::toHex(bytes, sizeof bytes);
  };
  // snmpd.conf tokens: no whitespace, quotes or comment characters.
  auto plain = [](const std::string& v) {
    for (char c : v)
      if (c <= ' ' || c == '"' || c == '\'' || c == '#' || c == '\\' || c > '~') return false;
    return true;
  };
  std::string user = text("user", "");
  if (user.empty() || !plain(user) || user.size() > 32)
    return core::ControlReply::error("user is required: 1-32 characters, no spaces, quotes or '#'");
  std::string auth = text("auth-passphrase", "");
  std::string priv = text("priv-passphrase", "");
  bool madeAuth = auth.empty(), madePriv = priv.empty();
  if (madeAuth) auth = generated();
  if (madePriv) priv = generated();
  for (const auto& [key, value] : {std::pair<const char*, std::string>{"auth-passphrase", auth}, {"priv-passphrase", priv}})
    if (value.size() < 8 || !plain(value))
      return core::ControlReply::error(std::string(key) + ": at least 8 characters, no spaces, quotes or '#'");
  std::string listen = text("listen", "udp:161,udp6:161");
  if (!plain(listen)) return core::ControlReply::error("listen: an snmpd agentaddress such as udp:192.0.2.1:161");
  std::string location = text("location", "");
  std::string contact = text("contact", "");
  std::string socket;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    socket = config_.snmp.agentxSocket;
  }
  std::string c;
  c += "# snmpd.conf for the edged appliance, written by `edgectl snmp config` on " +
       core::formatRfc3339(core::SystemClock::instance().wallNow()) + ".\n";
  c += "# Install it as /etc/snmp/snmpd.conf (it replaces Debian's, whose 'rocommunity public' lines it\n";
  c += "# deliberately leaves out), then restart snmpd. It holds SNMPv3 secrets: keep it mode 0600.\n\n";
  c += "# Where snmpd listens for managers (LibreNMS, Zabbix, PRTG, Observium).\n";
  c += "agentaddress " + listen + "\n\n";
  c += "# AgentX: edged joins as a subagent (edged's snmp.agentx-socket) and serves the RADIUS MIBs\n";
  c += "# (RFC 4669, 4671, 4672) and EDGED-MIB.\n";
  c += "master agentx\n";
  c += "agentXSocket " + socket + "\n";
  c += "agentXPerms 0660 0755\n\n";
  c += "# SNMPv3 only, authPriv (SHA-256 authentication, AES privacy). No v1/v2c community exists.\n";
  c += "createUser " + user + " SHA-256 " + auth + " AES " + priv + "\n";
  c += "rouser -s usm " + user + " priv\n";
  if (!location.empty() && plain(location)) c += "\nsysLocation " + location + "\n";
  if (!contact.empty() && plain(contact)) c += "sysContact " + contact + "\n";
  core::Json out{{"content", c}, {"user", user}};
  if (madeAuth) out["auth-passphrase"] = auth;
  if (madePriv) out["priv-passphrase"] = priv;
  std::string note = madeAuth || madePriv ? " (generated passphrases are in the file; note them for your NMS)" : "";
  return core::ControlReply::success("snmpd.conf for SNMPv3 user " + user + note, out);
}

}  // namespace edge
