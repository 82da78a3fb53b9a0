// edge-snmp-poll: polls the network devices of a file once over SNMP (Net-SNMP's client API) and
// writes one line per device (edge/netmon/device_state.h pollLine) on standard output. edged runs it
// as a supervised child each poll round (ADR 0062): Net-SNMP's process-wide state (init_snmp,
// snmp_shutdown) belongs to edged's AgentX subagent, which starts and stops with the license, so the
// client lives in a process of its own.
//
//   edge-snmp-poll FILE     FILE (0600, written by edged): {"timeout-ms": N, "devices": [{"name",
//                           "address", "port", "community" | "user", "auth-password", "priv-password"}]}
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/json.h"
#include "edge/netmon/device_state.h"

namespace {

using core::Json;
using edge::netmon::InterfaceSample;
using edge::netmon::PollResult;

struct Session {
  void* handle = nullptr;
  ~Session() {
    if (handle != nullptr) snmp_sess_close(handle);
  }
};

std::string errorOf(void* h, int status) {
  if (status == STAT_TIMEOUT) return "timeout";
  int liberr = 0, syserr = 0;
  char* text = nullptr;
  snmp_sess_error(h, &liberr, &syserr, &text);
  std::string out = edge::netmon::printable(text != nullptr ? text : "error", 200);
  free(text);
  return out;
}

// Every row of one column (root) below it: index -> variable. Returns "" or the error.
std::string walk(void* h, const std::vector<oid>& root, const std::function<void(oid, const netsnmp_variable_list&)>& row) {
  std::vector<oid> cur = root;
  for (int rounds = 0; rounds < 256; ++rounds) {
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
    pdu->non_repeaters = 0;
    pdu->max_repetitions = 32;
    snmp_add_null_var(pdu, cur.data(), cur.size());
    netsnmp_pdu* resp = nullptr;
    int status = snmp_sess_synch_response(h, pdu, &resp);
    if (status != STAT_SUCCESS || resp == nullptr) {
      if (resp != nullptr) snmp_free_pdu(resp);
      return errorOf(h, status);
    }
    if (resp->errstat != SNMP_ERR_NOERROR) {
      std::string e = snmp_errstring(static_cast<int>(resp->errstat));
      snmp_free_pdu(resp);
      return e;
    }
    bool done = resp->variables == nullptr;
    for (netsnmp_variable_list* v = resp->variables; v != nullptr; v = v->next_variable) {
      if (v->type == SNMP_ENDOFMIBVIEW || v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
          v->name_length <= root.size() || std::memcmp(v->name, root.data(), root.size() * sizeof(oid)) != 0) {
        done = true;
        break;
      }
      row(v->name[root.size()], *v);
      cur.assign(v->name, v->name + v->name_length);
    }
    snmp_free_pdu(resp);
    if (done) return "";
  }
  return "";
}

int64_t integerOf(const netsnmp_variable_list& v) {
  return v.val.integer != nullptr ? static_cast<int64_t>(*v.val.integer) : 0;
}

PollResult poll(const Json& d, int64_t timeoutMs) {
  PollResult r;
  r.name = d.value("name", std::string());
  netsnmp_session s;
  snmp_sess_init(&s);
  std::string address = d.value("address", std::string());
  std::string peer = (address.find(':') != std::string::npos ? "udp6:[" + address + "]" : "udp:" + address) + ":" +
                     std::to_string(d.value("port", int64_t{161}));
  s.peername = const_cast<char*>(peer.c_str());
  s.timeout = static_cast<long>(timeoutMs) * 1000;
  s.retries = 0;
  std::string community = d.value("community", std::string());
  std::string user = d.value("user", std::string());
  std::string authPass = d.value("auth-password", std::string());
  std::string privPass = d.value("priv-password", std::string());
  if (!user.empty()) {
    s.version = SNMP_VERSION_3;
    s.securityName = const_cast<char*>(user.c_str());
    s.securityNameLen = user.size();
    s.securityLevel = privPass.empty() ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_AUTHPRIV;
    s.securityAuthProto = usmHMACSHA1AuthProtocol;
    s.securityAuthProtoLen = USM_AUTH_PROTO_SHA_LEN;
    s.securityAuthKeyLen = USM_AUTH_KU_LEN;
    if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                    reinterpret_cast<const u_char*>(authPass.data()), authPass.size(), s.securityAuthKey,
                    &s.securityAuthKeyLen) != SNMPERR_SUCCESS) {
      r.error = "cannot derive the SNMPv3 authentication key";
      return r;
    }
    if (!privPass.empty()) {
      s.securityPrivProto = usmAESPrivProtocol;
      s.securityPrivProtoLen = USM_PRIV_PROTO_AES_LEN;
      s.securityPrivKeyLen = USM_PRIV_KU_LEN;
      if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                      reinterpret_cast<const u_char*>(privPass.data()), privPass.size(), s.securityPrivKey,
                      &s.securityPrivKeyLen) != SNMPERR_SUCCESS) {
        r.error = "cannot derive the SNMPv3 privacy key";
        return r;
      }
    }
  } else {
    s.version = SNMP_VERSION_2c;
    s.community = reinterpret_cast<u_char*>(community.data());
    s.community_len = community.size();
  }
  Session session;
  session.handle = snmp_sess_open(&s);
  if (session.handle == nullptr) {
    r.error = "cannot open a session to " + peer;
    return r;
  }
  // sysUpTime.0
  static const oid kUptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  snmp_add_null_var(pdu, kUptime, OID_LENGTH(kUptime));
  netsnmp_pdu* resp = nullptr;
  int status = snmp_sess_synch_response(session.handle, pdu, &resp);
  if (status != STAT_SUCCESS || resp == nullptr || resp->errstat != SNMP_ERR_NOERROR || resp->variables == nullptr ||
      resp->variables->type != ASN_TIMETICKS) {
    r.error = status != STAT_SUCCESS ? errorOf(session.handle, status) : "no sysUpTime in the answer";
    if (resp != nullptr) snmp_free_pdu(resp);
    return r;
  }
  r.uptimeTicks = static_cast<uint32_t>(*resp->variables->val.integer);
  snmp_free_pdu(resp);
  // IF-MIB ifTable: ifDescr, ifAdminStatus, ifOperStatus, ifInErrors, ifOutErrors.
  std::map<oid, InterfaceSample> rows;
  const std::vector<oid> kIf = {1, 3, 6, 1, 2, 1, 2, 2, 1};
  for (oid column : {2, 7, 8, 14, 20}) {
    std::vector<oid> root = kIf;
    root.push_back(column);
    std::string err = walk(session.handle, root, [&](oid index, const netsnmp_variable_list& v) {
      InterfaceSample& i = rows[index];
      i.index = static_cast<int64_t>(index);
      if (column == 2 && v.type == ASN_OCTET_STR)
        i.name = edge::netmon::printable(std::string(reinterpret_cast<const char*>(v.val.string), v.val_len), 64);
      else if (column == 7) i.admin = integerOf(v);
      else if (column == 8) i.oper = integerOf(v);
      else if (column == 14) i.inErrors = static_cast<uint32_t>(integerOf(v));
      else if (column == 20) i.outErrors = static_cast<uint32_t>(integerOf(v));
    });
    if (!err.empty()) {
      r.error = err;
      return r;
    }
    if (rows.size() > 4096) break;
  }
  for (auto& [index, row] : rows) r.interfaces.push_back(std::move(row));
  r.ok = true;
  return r;
}

// Net-SNMP keeps the SNMPv3 users a session created (keys by user and engine) for the process: the
// next device with the same user and engine would be answered with those keys, not its own pass
// phrases. Each device starts from none.
void forgetUsmUsers() {
  while (struct usmUser* u = usm_get_userList()) {
    usm_remove_user(u);
    usm_free_user(u);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: edge-snmp-poll FILE\n";
    return 2;
  }
  core::Result<Json> doc = core::loadJsonFile(argv[1]);
  if (!doc.isOk() || !doc->is_object() || !(*doc)["devices"].is_array()) {
    std::cerr << "edge-snmp-poll: " << (doc.isOk() ? std::string("devices: expected list") : doc.status().message()) << "\n";
    return 2;
  }
  ::setenv("MIBS", "", 1);
  ::setenv("MIBDIRS", "", 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
  snmp_disable_log();
  init_snmp("edge-snmp-poll");
  const int64_t timeoutMs = doc->value("timeout-ms", int64_t{2000});
  for (const Json& d : (*doc)["devices"]) {
    if (!d.is_object()) continue;
    std::cout << edge::netmon::pollLine(poll(d, timeoutMs)) << std::endl;
    forgetUsmUsers();
  }
  snmp_shutdown("edge-snmp-poll");
  return 0;
}
