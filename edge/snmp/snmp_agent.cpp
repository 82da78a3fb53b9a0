#include "edge/snmp/snmp_agent.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "core/log.h"

// The AgentX session to the master; NULL while edged is not joined (not declared in the headers).
extern "C" {
extern netsnmp_session* main_session;
}

namespace edge {

namespace {

using snmp::MibValue;
using snmp::Oid;

// Net-SNMP calls back into C functions: one agent per process, reached through this pointer (only
// ever used on the agent's thread).
struct AgentState {
  SnmpAgent::ViewSource source;
  std::shared_ptr<snmp::MibView> view;
  std::chrono::steady_clock::time_point builtAt;
  core::Counter* requests = nullptr;
  std::string lastLog;
};
AgentState* g_state = nullptr;

const snmp::MibView& currentView() {
  auto now = std::chrono::steady_clock::now();
  if (!g_state->view || now - g_state->builtAt > std::chrono::milliseconds(200)) {
    g_state->view = std::make_shared<snmp::MibView>(g_state->source());
    g_state->builtAt = now;
  }
  return *g_state->view;
}

std::vector<oid> toNetSnmp(const Oid& o) { return std::vector<oid>(o.begin(), o.end()); }

void setValue(netsnmp_variable_list* vb, const MibValue& v) {
  switch (v.type) {
    case MibValue::Type::kInteger: {
      long l = static_cast<long>(v.number);
      snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof(l));
      return;
    }
    case MibValue::Type::kOctetString:
      snmp_set_var_typed_value(vb, ASN_OCTET_STR, v.octets.data(), v.octets.size());
      return;
    default: break;
  }
  u_long u = static_cast<u_long>(v.number);
  u_char type = ASN_UNSIGNED;
  if (v.type == MibValue::Type::kCounter32) type = ASN_COUNTER;
  if (v.type == MibValue::Type::kGauge32) type = ASN_GAUGE;
  if (v.type == MibValue::Type::kTimeTicks) type = ASN_TIMETICKS;
  snmp_set_var_typed_value(vb, type, &u, sizeof(u));
}

int answerRequests(netsnmp_handler_registration* reg, netsnmp_agent_request_info* reqinfo,
                   netsnmp_request_info* requests) {
  const snmp::MibView& view = currentView();
  const Oid root(reg->rootoid, reg->rootoid + reg->rootoid_len);
  for (netsnmp_request_info* r = requests; r != nullptr; r = r->next) {
    if (r->processed) continue;
    g_state->requests->inc();
    const Oid name(r->requestvb->name, r->requestvb->name + r->requestvb->name_length);
    if (reqinfo->mode == MODE_GET) {
      const MibValue* v = view.get(name);
      if (v == nullptr) netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
      else setValue(r->requestvb, *v);
    } else if (reqinfo->mode == MODE_GETNEXT) {
      const MibValue* same = r->inclusive ? view.get(name) : nullptr;
      if (same != nullptr) {
        setValue(r->requestvb, *same);
        continue;
      }
      const std::pair<const Oid, MibValue>* next = view.next(name);
      if (next == nullptr || !snmp::oidStartsWith(next->first, root)) continue;  // the agent moves on
      std::vector<oid> o = toNetSnmp(next->first);
      snmp_set_var_objid(r->requestvb, o.data(), o.size());
      setValue(r->requestvb, next->second);
    }
  }
  return SNMP_ERR_NOERROR;
}

// Net-SNMP's C code calls these: nothing may unwind through it (an allocation failure while
// building a value answers genErr instead).
int handleRequests(netsnmp_mib_handler*, netsnmp_handler_registration* reg, netsnmp_agent_request_info* reqinfo,
                   netsnmp_request_info* requests) noexcept {
  try {
    return answerRequests(reg, reqinfo, requests);
  } catch (...) {
    return SNMP_ERR_GENERR;
  }
}

// Net-SNMP's own log lines go to ours; a repeated line (the master is still gone) is written once.
int logToOurs(int, int, void* serverArg, void*) noexcept {
  try {
    auto* m = static_cast<snmp_log_message*>(serverArg);
    if (m == nullptr || m->msg == nullptr || g_state == nullptr) return 0;
    std::string text = m->msg;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.empty() || text == g_state->lastLog) return 0;
    g_state->lastLog = text;
    if (m->priority <= LOG_WARNING) core::logWarning("snmp: ", text);
    else core::logDebug("snmp: ", text);
  } catch (...) {
  }
  return 0;
}

// A receiver as Net-SNMP's peer name: "udp:192.0.2.9:162", "udp6:[2001:db8::9]:162".
std::string peerName(const TrapReceiver& r) {
  return (r.ipv6 ? "udp6:[" + r.host + "]" : "udp:" + r.host) + ":" + std::to_string(r.port);
}

void noop(unsigned int, void*) {}

}  // namespace

SnmpAgent::SnmpAgent(core::CounterRegistry& counters, ViewSource source)
    : counters_(counters), source_(std::move(source)) {}

SnmpAgent::~SnmpAgent() { stop(); }

core::Status SnmpAgent::start(const SnmpConfig& config) {
  if (running_) return core::failedPrecondition("the SNMP agent already runs");
  if (g_state != nullptr) return core::failedPrecondition("one SNMP agent per process");
  config_ = config;
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return core::Status::ok();
}

void SnmpAgent::stop() {
  if (!running_) return;
  stopping_ = true;
  thread_.join();
  running_ = false;
}

void SnmpAgent::notify(const Alert& alert) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.size() < 1000) pending_.push_back(alert);
}

void SnmpAgent::run() {
  AgentState state;
  state.source = source_;
  state.requests = &counters_.counter("snmp_requests_total", "Variables answered for the SNMP master agent");
  core::Counter& connectedGauge = counters_.gauge("snmp_agentx_connected", "1 while joined to the snmpd master agent");
  core::Counter& connects = counters_.counter("snmp_agentx_connects_total", "Times edged joined the snmpd master agent");
  core::Counter& sent = counters_.counter("snmp_notifications_sent_total", "Notifications sent, per receiver");
  core::Counter& failed = counters_.counter("snmp_notification_failures_total", "Notifications that could not be sent");
  g_state = &state;

  snmp_disable_log();
  snmp_enable_calllog();
  snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, logToOurs, nullptr);
  netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
  netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, config_.agentxSocket.c_str());
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                     static_cast<int>(config_.pingInterval));
  // No configuration files, persistent state or MIB files: everything comes from edged's config.
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
  netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
  // No MIB files either (OIDs are numbers here); otherwise the library parses Debian's few MIB
  // files at start and logs every module they import that Debian main does not ship.
  ::setenv("MIBS", "", 1);
  ::setenv("MIBDIRS", "", 1);
  init_agent("edged");

  struct Root {
    const char* name;
    const Oid& oid;
  };
  const Root roots[] = {{"RADIUS-AUTH-SERVER-MIB", snmp::kRadiusAuthServMib},
                        {"RADIUS-ACC-SERVER-MIB", snmp::kRadiusAccServMib},
                        {"RADIUS-DYNAUTH-CLIENT-MIB", snmp::kRadiusDynAuthClientMib},
                        {"EDGED-MIB", snmp::edgedMib()}};
  for (const Root& root : roots) {
    std::vector<oid> o = toNetSnmp(root.oid);
    netsnmp_handler_registration* reg =
        netsnmp_create_handler_registration(root.name, handleRequests, o.data(), o.size(), HANDLER_CAN_RONLY);
    if (reg == nullptr || netsnmp_register_handler(reg) != MIB_REGISTERED_OK)
      core::logError("snmp: cannot register ", root.name, " at ", snmp::oidText(root.oid));
  }
  init_snmp("edged");

  // Notification sessions, one per receiver (SNMPv2c).
  std::vector<netsnmp_session*> receivers;
  for (const std::string& r : config_.trapReceivers) {
    netsnmp_session s;
    snmp_sess_init(&s);
    s.version = SNMP_VERSION_2c;
    std::string peer = peerName(*parseTrapReceiver(r));  // validated with the config
    s.peername = const_cast<char*>(peer.c_str());
    s.community = reinterpret_cast<u_char*>(const_cast<char*>(config_.trapCommunity.c_str()));
    s.community_len = config_.trapCommunity.size();
    netsnmp_session* open = snmp_open(&s);  // copies what it keeps
    if (open == nullptr) core::logError("snmp: cannot open a notification session to ", r);
    else receivers.push_back(open);
  }

  // Wake at least every 200 ms: stop requests and queued notifications.
  snmp_alarm_register_hr(timeval{0, 200000}, SA_REPEAT, noop, nullptr);
  core::logInfo("snmp: AgentX subagent for ", config_.agentxSocket, " (ping every ", config_.pingInterval, " s), ",
                receivers.size(), " notification receiver(s)");

  const Oid sysUpTime = {1, 3, 6, 1, 2, 1, 1, 3, 0};
  const Oid snmpTrapOid = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
  bool wasConnected = false;
  while (!stopping_) {
    agent_check_and_process(1);

    bool isConnected = main_session != nullptr;
    if (isConnected != wasConnected) {
      if (isConnected) {
        connects.inc();
        core::logInfo("snmp: joined the master agent at ", config_.agentxSocket);
      } else {
        core::logWarning("snmp: lost the master agent at ", config_.agentxSocket, "; trying again every ",
                         config_.pingInterval, " s");
      }
      state.lastLog.clear();
      wasConnected = isConnected;
      connected_ = isConnected;
      connectedGauge.set(isConnected ? 1 : 0);
    }

    std::deque<Alert> alerts;
    {
      std::lock_guard<std::mutex> lock(mu_);
      alerts.swap(pending_);
    }
    for (const Alert& alert : alerts) {
      const snmp::MibView& view = currentView();
      const Oid& base = snmp::edgedMib();
      netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
      u_long ticks = netsnmp_get_agent_uptime();
      std::vector<oid> o = toNetSnmp(sysUpTime);
      snmp_pdu_add_variable(pdu, o.data(), o.size(), ASN_TIMETICKS, &ticks, sizeof(ticks));
      std::vector<oid> trap = toNetSnmp(snmp::oidJoin(base, {0, static_cast<uint32_t>(alert.kind)}));
      o = toNetSnmp(snmpTrapOid);
      snmp_pdu_add_variable(pdu, o.data(), o.size(), ASN_OBJECT_ID, trap.data(), trap.size() * sizeof(oid));
      // The objects the notification carries (EDGED-MIB OBJECTS clauses), then the text.
      std::vector<Oid> objects;
      switch (alert.kind) {
        case AlertKind::kLicenseExpiring:
        case AlertKind::kLicenseExpired: objects = {{1, 3, 1, 0}, {1, 3, 4, 0}}; break;
        case AlertKind::kSyncFailing: objects = {{1, 4, 1, 0}, {1, 4, 2, 0}}; break;
        case AlertKind::kDiskLow: objects = {{1, 6, 2, 0}, {1, 6, 3, 0}}; break;
        case AlertKind::kAcctWriteFailing: objects = {{1, 6, 4, 0}}; break;
        default: break;
      }
      for (const Oid& rel : objects) {
        Oid full = base;
        full.insert(full.end(), rel.begin(), rel.end());
        const MibValue* v = view.get(full);
        if (v == nullptr) continue;
        netsnmp_variable_list* vb = snmp_varlist_add_variable(&pdu->variables, nullptr, 0, ASN_NULL, nullptr, 0);
        std::vector<oid> fo = toNetSnmp(full);
        snmp_set_var_objid(vb, fo.data(), fo.size());
        setValue(vb, *v);
      }
      if (alert.kind == AlertKind::kNasSilent) {
        std::vector<oid> nasOid = toNetSnmp(snmp::oidJoin(base, {1, 7, 2, 0}));
        snmp_pdu_add_variable(pdu, nasOid.data(), nasOid.size(), ASN_OCTET_STR, alert.nas.data(), alert.nas.size());
      }
      std::vector<oid> textOid = toNetSnmp(snmp::oidJoin(base, {1, 7, 1, 0}));
      snmp_pdu_add_variable(pdu, textOid.data(), textOid.size(), ASN_OCTET_STR, alert.text.data(), alert.text.size());
      for (netsnmp_session* r : receivers) {
        netsnmp_pdu* copy = snmp_clone_pdu(pdu);
        if (copy != nullptr && snmp_send(r, copy) != 0) {
          sent.inc();
        } else {
          if (copy != nullptr) snmp_free_pdu(copy);
          failed.inc();
          core::logWarning("snmp: notification ", alertKindName(alert.kind), " to ", r->peername, " not sent");
        }
      }
      snmp_free_pdu(pdu);
    }
  }

  for (netsnmp_session* r : receivers) snmp_close(r);
  snmp_shutdown("edged");
  connected_ = false;
  connectedGauge.set(0);
  g_state = nullptr;
}

}  // namespace edge
