#include "edge/snmp/snmp_mib.h"

#include <algorithm>

namespace edge::snmp {

// The enterprise number is read from docs/mib/EDGED-MIB.txt by CMake (edge/CMakeLists.txt).
#ifndef EDGE_ENTERPRISE_NUMBER
#error "EDGE_ENTERPRISE_NUMBER must come from docs/mib/EDGED-MIB.txt (see edge/CMakeLists.txt)"
#endif

const Oid kRadiusAuthServMib = {1, 3, 6, 1, 2, 1, 67, 1, 1};
const Oid kRadiusAccServMib = {1, 3, 6, 1, 2, 1, 67, 2, 1};
const Oid kRadiusDynAuthClientMib = {1, 3, 6, 1, 2, 1, 145};

uint32_t enterpriseNumber() { return EDGE_ENTERPRISE_NUMBER; }

const Oid& edgedMib() {
  static const Oid oid = {1, 3, 6, 1, 4, 1, EDGE_ENTERPRISE_NUMBER};
  return oid;
}

std::string oidText(const Oid& oid) {
  std::string s;
  for (size_t i = 0; i < oid.size(); ++i) s += (i ? "." : "") + std::to_string(oid[i]);
  return s;
}

bool oidStartsWith(const Oid& oid, const Oid& prefix) {
  return oid.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), oid.begin());
}

Oid oidJoin(const Oid& base, std::initializer_list<uint32_t> tail) {
  Oid o = base;
  o.insert(o.end(), tail.begin(), tail.end());
  return o;
}

const MibValue* MibView::get(const Oid& oid) const {
  auto it = entries_.find(oid);
  return it == entries_.end() ? nullptr : &it->second;
}

const std::pair<const Oid, MibValue>* MibView::next(const Oid& oid) const {
  auto it = entries_.upper_bound(oid);
  return it == entries_.end() ? nullptr : &*it;
}

namespace {

// Raw registry values by name and the value of their one label ("" when unlabelled).
class Values {
 public:
  explicit Values(const core::CounterRegistry& registry) {
    for (const core::CounterInfo& c : registry.list()) {
      std::string label = c.labels.empty() ? std::string() : c.labels.begin()->second;
      values_[{c.name, label}] = c.counter->value();
    }
  }
  uint64_t operator()(const std::string& name, const std::string& label = {}) const {
    auto it = values_.find({name, label});
    return it == values_.end() ? 0 : it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, uint64_t> values_;
};

std::string inetAddress(const NasRow& nas) {
  if (nas.ipv4) return std::string(reinterpret_cast<const char*>(nas.address.data()) + 12, 4);
  return std::string(reinterpret_cast<const char*>(nas.address.data()), 16);
}

uint32_t idx(int64_t id) { return static_cast<uint32_t>(std::clamp<int64_t>(id, 1, 2147483647)); }

// The scalars both server MIBs share: Ident (1), UpTime (2), ResetTime (3), ConfigReset (4) and
// the totals from column 5 on, read from PREFIX + name.
void serverScalars(const Oid& serv, const MibSource& src, const Values& v, const std::string& prefix,
                   std::initializer_list<const char*> totals, MibView& view) {
  view.set(oidJoin(serv, {1, 0}), MibValue::octetString(src.ident));
  view.set(oidJoin(serv, {2, 0}), MibValue::timeTicks(src.upCentiseconds));
  view.set(oidJoin(serv, {3, 0}), MibValue::timeTicks(src.resetCentiseconds));
  view.set(oidJoin(serv, {4, 0}), MibValue::integer(4));  // ConfigReset: running(4)
  uint32_t column = 5;
  for (const char* name : totals) view.set(oidJoin(serv, {column++, 0}), MibValue::counter32(v(prefix + name)));
}

// A per-client Ext table: InetAddressType (2), InetAddress (3), ID (4), the counters from column 5
// (PREFIX + name, labelled with the NAS), then the counter discontinuity.
void clientTable(const Oid& entry, const MibSource& src, const Values& v, const std::string& prefix,
                 std::initializer_list<const char*> columns, MibView& view) {
  for (const NasRow& nas : src.nas) {
    uint32_t i = idx(nas.id);
    view.set(oidJoin(entry, {2, i}), MibValue::integer(nas.ipv4 ? 1 : 2));
    view.set(oidJoin(entry, {3, i}), MibValue::octetString(inetAddress(nas)));
    view.set(oidJoin(entry, {4, i}), MibValue::octetString(nas.name));
    uint32_t column = 5;
    for (const char* name : columns)
      view.set(oidJoin(entry, {column++, i}), MibValue::counter32(v(prefix + name, nas.name)));
    view.set(oidJoin(entry, {column, i}), MibValue::timeTicks(src.resetCentiseconds));
  }
}

// RFC 4669: radiusAuthServ scalars and radiusAuthClientExtTable (16).
void authServer(const MibSource& src, const Values& v, MibView& view) {
  const Oid serv = oidJoin(kRadiusAuthServMib, {1, 1});  // radiusAuthServMIBObjects.radiusAuthServ
  serverScalars(serv, src, v, "radius_auth_",
                {"access_requests_total", "invalid_requests_total", "dup_access_requests_total",
                 "access_accepts_total", "access_rejects_total", "access_challenges_total",
                 "malformed_access_requests_total", "bad_authenticators_total", "packets_dropped_total",
                 "unknown_types_total"},
                view);
  clientTable(oidJoin(serv, {16, 1}), src, v, "radius_auth_client_",
              {"access_requests_total", "dup_access_requests_total", "access_accepts_total", "access_rejects_total",
               "access_challenges_total", "malformed_access_requests_total", "bad_authenticators_total",
               "packets_dropped_total", "unknown_types_total"},
              view);
}

// RFC 4671: radiusAccServ scalars and radiusAccClientExtTable (15).
void accServer(const MibSource& src, const Values& v, MibView& view) {
  const Oid serv = oidJoin(kRadiusAccServMib, {1, 1});
  serverScalars(serv, src, v, "radius_acct_",
                {"requests_total", "invalid_requests_total", "dup_requests_total", "responses_total",
                 "malformed_requests_total", "bad_authenticators_total", "packets_dropped_total", "no_records_total",
                 "unknown_types_total"},
                view);
  clientTable(oidJoin(serv, {15, 1}), src, v, "radius_acct_client_",
              {"packets_dropped_total", "requests_total", "dup_requests_total", "responses_total",
               "bad_authenticators_total", "malformed_requests_total", "no_records_total", "unknown_types_total"},
              view);
}

void dynAuthClient(const MibSource& src, const Values& v, MibView& view) {
  const Oid objects = oidJoin(kRadiusDynAuthClientMib, {1});
  view.set(oidJoin(objects, {1, 1, 0}),
           MibValue::counter32(v("radius_dynauth_client_disconnect_invalid_server_addresses_total")));
  view.set(oidJoin(objects, {1, 2, 0}), MibValue::counter32(v("radius_dynauth_client_coa_invalid_server_addresses_total")));
  // radiusDynAuthServerTable: per kind, columns in this order (Disconnect from 7, CoA from 19).
  struct Column {
    const char* name;
    bool gauge;
  };
  static const Column kPerKind[] = {{"requests_total", false},
                                    {"auth_only_requests_total", false},
                                    {"retransmissions_total", false},
                                    {"acks_total", false},
                                    {"naks_total", false},
                                    {"nak_auth_only_requests_total", false},
                                    {"nak_session_no_context_total", false},
                                    {"malformed_responses_total", false},
                                    {"bad_authenticators_total", false},
                                    {"pending_requests", true},
                                    {"timeouts_total", false},
                                    {"packets_dropped_total", false}};
  const Oid entry = oidJoin(objects, {2, 1});
  const std::string prefix = "radius_dynauth_server_";
  for (const NasRow& nas : src.nas) {
    uint32_t i = idx(nas.id);
    view.set(oidJoin(entry, {2, i}), MibValue::integer(nas.ipv4 ? 1 : 2));
    view.set(oidJoin(entry, {3, i}), MibValue::octetString(inetAddress(nas)));
    view.set(oidJoin(entry, {4, i}), MibValue::unsigned32(nas.coaPort));
    view.set(oidJoin(entry, {5, i}), MibValue::octetString(nas.name));
    // Held in microseconds; TimeTicks are centiseconds.
    view.set(oidJoin(entry, {6, i}), MibValue::timeTicks(v(prefix + "round_trip_time_seconds", nas.name) / 10000));
    uint32_t column = 7;
    for (const char* kind : {"disconnect_", "coa_"}) {
      for (const Column& c : kPerKind) {
        uint64_t value = v(prefix + kind + c.name, nas.name);
        view.set(oidJoin(entry, {column++, i}), c.gauge ? MibValue::gauge32(value) : MibValue::counter32(value));
      }
    }
    view.set(oidJoin(entry, {31, i}), MibValue::counter32(v(prefix + "unknown_types_total", nas.name)));
    view.set(oidJoin(entry, {32, i}), MibValue::timeTicks(src.resetCentiseconds));
  }
}

void edged(const MibSource& src, const Values& v, MibView& view) {
  const Oid objects = oidJoin(edgedMib(), {1});
  const Oid subs = oidJoin(objects, {1});
  view.set(oidJoin(subs, {1, 0}), MibValue::gauge32(v("edged_subscribers")));
  view.set(oidJoin(subs, {2, 0}), MibValue::gauge32(v("edged_subscribers_active")));
  view.set(oidJoin(subs, {3, 0}), MibValue::gauge32(v("edged_subscribers_suspended")));
  view.set(oidJoin(subs, {4, 0}), MibValue::gauge32(v("edged_subscribers_disabled")));

  const Oid sessions = oidJoin(objects, {2});
  view.set(oidJoin(sessions, {1, 0}), MibValue::gauge32(v("radius_sessions_online")));
  for (const PlanRow& plan : src.plans) {
    uint32_t i = idx(plan.id);
    view.set(oidJoin(sessions, {2, 1, 2, i}), MibValue::octetString(plan.name));
    view.set(oidJoin(sessions, {2, 1, 3, i}), MibValue::gauge32(v("radius_plan_sessions_online", plan.name)));
  }

  const Oid license = oidJoin(objects, {3});
  uint64_t state = v("edged_license_state");
  view.set(oidJoin(license, {1, 0}), MibValue::integer(state == 0 ? 1 : static_cast<int64_t>(state)));
  view.set(oidJoin(license, {2, 0}), MibValue::octetString(src.license.tier));
  view.set(oidJoin(license, {3, 0}), MibValue::unsigned32(v("edged_license_subscriber_cap")));
  int64_t expiry = static_cast<int64_t>(v("edged_license_expiry_timestamp_seconds"));
  int64_t days = 0;
  if (expiry != 0) {
    int64_t left = expiry - src.now;
    days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);  // floor: the day it expired is -1
  }
  view.set(oidJoin(license, {4, 0}), MibValue::integer(std::clamp<int64_t>(days, -2147483647, 2147483647)));
  view.set(oidJoin(license, {5, 0}), MibValue::octetString(src.license.tenant));

  const Oid sync = oidJoin(objects, {4});
  uint64_t syncState = v("edged_sync_state");
  view.set(oidJoin(sync, {1, 0}), MibValue::integer(syncState == 0 ? 1 : static_cast<int64_t>(syncState)));
  view.set(oidJoin(sync, {2, 0}), MibValue::unsigned32(v("edged_sync_last_success_timestamp_seconds")));
  view.set(oidJoin(sync, {3, 0}), MibValue::gauge32(v("edged_sync_backlog_records")));

  const Oid gateway = oidJoin(objects, {5});
  view.set(oidJoin(gateway, {1, 0}), MibValue::gauge32(v("gateway_authorized_clients")));
  view.set(oidJoin(gateway, {2, 0}), MibValue::gauge32(v("gateway_shaping_classes")));

  const Oid journal = oidJoin(objects, {6});
  view.set(oidJoin(journal, {1, 0}), MibValue::gauge32(v("acct_journal_commit_seconds")));  // held in microseconds
  uint64_t freeBytes = v("edged_data_free_bytes");
  uint64_t sizeBytes = v("edged_data_size_bytes");
  view.set(oidJoin(journal, {2, 0}), MibValue::gauge32(freeBytes / (1024 * 1024)));
  view.set(oidJoin(journal, {3, 0}), MibValue::gauge32(sizeBytes == 0 ? 0 : freeBytes * 100 / sizeBytes));
  view.set(oidJoin(journal, {4, 0}), MibValue::counter32(v("radius_acct_write_failures_total")));
}

}  // namespace

MibView buildMibView(const MibSource& source) {
  MibView view;
  if (source.counters == nullptr) return view;
  Values values(*source.counters);
  authServer(source, values, view);
  accServer(source, values, view);
  dynAuthClient(source, values, view);
  edged(source, values, view);
  return view;
}

}  // namespace edge::snmp
