#include "edge/snmp/snmp_mib.h"

#include <algorithm>
#include <iterator>

#include "aaa/radius/acct_server.h"
#include "aaa/radius/server.h"

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

using aaa::radius::AcctCounters;
using aaa::radius::AuthCounters;

// The columns, in MIB order, of what aaa/radius declares, as its handles structs' members: their
// names and help are written once, in aaa/radius's tables, and found through AuthCounters::find /
// AcctCounters::find (a renamed family cannot silently read 0 here).
constexpr core::Counter* AuthCounters::*kAuthTotals[] = {
    &AuthCounters::accessRequests,   &AuthCounters::invalidRequests,         &AuthCounters::dupAccessRequests,
    &AuthCounters::accessAccepts,    &AuthCounters::accessRejects,           &AuthCounters::accessChallenges,
    &AuthCounters::malformedAccessRequests, &AuthCounters::badAuthenticators, &AuthCounters::packetsDropped,
    &AuthCounters::unknownTypes};
// radiusAuthClientExtTable from column 5 (RFC 4669 has no per-client InvalidRequests).
constexpr core::Counter* AuthCounters::*kAuthClient[] = {
    &AuthCounters::accessRequests,   &AuthCounters::dupAccessRequests,       &AuthCounters::accessAccepts,
    &AuthCounters::accessRejects,    &AuthCounters::accessChallenges,        &AuthCounters::malformedAccessRequests,
    &AuthCounters::badAuthenticators, &AuthCounters::packetsDropped,         &AuthCounters::unknownTypes};
constexpr core::Counter* AcctCounters::*kAcctTotals[] = {
    &AcctCounters::requests,          &AcctCounters::invalidRequests, &AcctCounters::dupRequests,
    &AcctCounters::responses,         &AcctCounters::malformedRequests, &AcctCounters::badAuthenticators,
    &AcctCounters::packetsDropped,    &AcctCounters::noRecords,       &AcctCounters::unknownTypes};
// radiusAccClientExtTable from column 5 (RFC 4671 starts the client's counters with PacketsDropped).
constexpr core::Counter* AcctCounters::*kAcctClient[] = {
    &AcctCounters::packetsDropped,    &AcctCounters::requests,          &AcctCounters::dupRequests,
    &AcctCounters::responses,         &AcctCounters::badAuthenticators, &AcctCounters::malformedRequests,
    &AcctCounters::noRecords,         &AcctCounters::unknownTypes};
// radiusDynAuthServerTable, per kind (Disconnect from column 7, CoA from 19).
struct DynAuthColumn {
  const char* name;
  bool gauge;
};
constexpr DynAuthColumn kDynAuthPerKind[] = {{"requests_total", false},
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
constexpr size_t kPerKind = std::size(kDynAuthPerKind);

// Where each group starts in the scalars row and in a NAS row.
constexpr size_t kScalarAuth = 0;
constexpr size_t kScalarAcct = kScalarAuth + std::size(kAuthTotals);
constexpr size_t kScalarDisconnectInvalid = kScalarAcct + std::size(kAcctTotals);
constexpr size_t kScalarCoaInvalid = kScalarDisconnectInvalid + 1;
constexpr size_t kScalarSessionsOnline = kScalarCoaInvalid + 1;
constexpr size_t kScalarAcctWriteFailures = kScalarSessionsOnline + 1;
constexpr size_t kScalarEapQueueFull = kScalarAcctWriteFailures + 1;
constexpr size_t kNasAuth = 0;
constexpr size_t kNasAcct = kNasAuth + std::size(kAuthClient);
constexpr size_t kNasRoundTrip = kNasAcct + std::size(kAcctClient);
constexpr size_t kNasDisconnect = kNasRoundTrip + 1;
constexpr size_t kNasCoa = kNasDisconnect + kPerKind;
constexpr size_t kNasUnknownTypes = kNasCoa + kPerKind;

using Slot = MibCounters::Slot;
using Row = MibCounters::Row;

Slot authSlot(core::Counter* AuthCounters::*which, const std::string& nas) {
  return {[which, nas](const core::CounterRegistry& r) { return AuthCounters::find(r, which, nas); }, nullptr};
}

Slot acctSlot(core::Counter* AcctCounters::*which, const std::string& nas) {
  return {[which, nas](const core::CounterRegistry& r) { return AcctCounters::find(r, which, nas); }, nullptr};
}

// The dynauth client's families have no handles table in aaa/radius (dynauth_client.h lists them):
// found by name.
Slot namedSlot(std::string name, std::map<std::string, std::string> labels) {
  return {[name = std::move(name), labels = std::move(labels)](const core::CounterRegistry& r) {
            return r.find(name, labels);
          },
          nullptr};
}

Row scalarSlots() {
  Row row;
  for (auto which : kAuthTotals) row.push_back(authSlot(which, ""));
  for (auto which : kAcctTotals) row.push_back(acctSlot(which, ""));
  row.push_back(namedSlot("radius_dynauth_client_disconnect_invalid_server_addresses_total", {}));
  row.push_back(namedSlot("radius_dynauth_client_coa_invalid_server_addresses_total", {}));
  row.push_back(namedSlot("radius_sessions_online", {}));
  row.push_back(acctSlot(&AcctCounters::writeFailures, ""));
  // Declared by the auth server's EAP lane when it starts (aaa/radius/server.cpp), so found by name.
  row.push_back(namedSlot("radius_eap_queue_full_total", {}));
  return row;
}

Row nasSlots(const std::string& nas) {
  const std::map<std::string, std::string> labels = {{"nas", nas}};
  Row row;
  for (auto which : kAuthClient) row.push_back(authSlot(which, nas));
  for (auto which : kAcctClient) row.push_back(acctSlot(which, nas));
  const std::string dynauth = "radius_dynauth_server_";
  row.push_back(namedSlot(dynauth + "round_trip_time_seconds", labels));
  for (const char* kind : {"disconnect_", "coa_"})
    for (const DynAuthColumn& c : kDynAuthPerKind) row.push_back(namedSlot(dynauth + kind + c.name, labels));
  row.push_back(namedSlot(dynauth + "unknown_types_total", labels));
  return row;
}

uint64_t read(const core::Counter* c) { return c == nullptr ? 0 : c->value(); }

}  // namespace

EdgedHandles EdgedHandles::of(const HealthCounters& h, const SyncCounters& s, const GatewayGauges& g,
                              const aaa::eap::EapCounters& eap, const aaa::radius::RadsecCounters& radsec) {
  EdgedHandles e;
  e.eap = eap;
  e.radsec = radsec;
  e.subscribers = &h.subscribers;
  e.subscribersActive = &h.subscribersActive;
  e.subscribersSuspended = &h.subscribersSuspended;
  e.subscribersDisabled = &h.subscribersDisabled;
  e.licenseState = &h.licenseState;
  e.licenseCap = &h.licenseCap;
  e.licenseExpiry = &h.licenseExpiry;
  e.syncState = &s.state;
  e.syncLastSuccess = &s.lastSuccess;
  e.syncBacklog = &s.backlog;
  e.gatewayClients = &g.authorizedClients;
  e.gatewayClasses = &g.shapingClasses;
  e.commitSeconds = &h.commitSeconds;
  e.dataFree = &h.dataFree;
  e.dataSize = &h.dataSize;
  return e;
}

MibCounters::MibCounters(const core::CounterRegistry& registry, EdgedHandles edged)
    : registry_(registry), edged_(edged), scalars_(scalarSlots()) {}

MibCounters::~MibCounters() = default;

void MibCounters::resolve(Row& row, bool force) {
  for (Slot& slot : row)
    if (slot.handle == nullptr && force) slot.handle = slot.find(registry_);
}

void MibCounters::refresh(const std::vector<NasRow>& nas, const std::vector<PlanRow>& plans) {
  const uint64_t generation = registry_.generation();
  const bool grew = generation != generation_;
  generation_ = generation;
  resolve(scalars_, grew);
  std::map<std::string, Row> nasRows;
  for (const NasRow& n : nas) {
    auto it = nas_.find(n.name);
    if (it == nas_.end()) {
      Row row = nasSlots(n.name);
      resolve(row, true);
      nasRows.emplace(n.name, std::move(row));
    } else {
      resolve(it->second, grew);
      nasRows.emplace(n.name, std::move(it->second));
    }
  }
  nas_.swap(nasRows);
  std::map<std::string, Row> planRows;
  for (const PlanRow& p : plans) {
    auto it = plans_.find(p.name);
    if (it == plans_.end()) {
      Row row{namedSlot("radius_plan_sessions_online", {{"plan", p.name}})};
      resolve(row, true);
      planRows.emplace(p.name, std::move(row));
    } else {
      resolve(it->second, grew);
      planRows.emplace(p.name, std::move(it->second));
    }
  }
  plans_.swap(planRows);
}

const MibCounters::Row& MibCounters::nasRow(const std::string& nas) const { return nas_.at(nas); }

const MibCounters::Slot& MibCounters::planSessions(const std::string& plan) const { return plans_.at(plan).front(); }

namespace {

std::string inetAddress(const NasRow& nas) {
  if (nas.ipv4) return std::string(reinterpret_cast<const char*>(nas.address.data()) + 12, 4);
  return std::string(reinterpret_cast<const char*>(nas.address.data()), 16);
}

uint32_t idx(int64_t id) { return static_cast<uint32_t>(std::clamp<int64_t>(id, 1, 2147483647)); }

// The scalars both server MIBs share: Ident (1), UpTime (2), ResetTime (3), ConfigReset (4) and
// the totals from column 5 on (COUNT slots of the scalars row from FIRST).
void serverScalars(const Oid& serv, const MibSource& src, size_t first, size_t count, MibView& view) {
  view.set(oidJoin(serv, {1, 0}), MibValue::octetString(src.ident));
  view.set(oidJoin(serv, {2, 0}), MibValue::timeTicks(src.upCentiseconds));
  view.set(oidJoin(serv, {3, 0}), MibValue::timeTicks(src.resetCentiseconds));
  view.set(oidJoin(serv, {4, 0}), MibValue::integer(4));  // ConfigReset: running(4)
  const Row& scalars = src.counters->scalars();
  for (size_t k = 0; k < count; ++k)
    view.set(oidJoin(serv, {static_cast<uint32_t>(5 + k), 0}), MibValue::counter32(scalars[first + k].value()));
}

// A per-client Ext table: InetAddressType (2), InetAddress (3), ID (4), the counters from column 5
// (COUNT slots of the NAS's row from FIRST), then the counter discontinuity.
void clientTable(const Oid& entry, const MibSource& src, size_t first, size_t count, MibView& view) {
  for (const NasRow& nas : src.nas) {
    uint32_t i = idx(nas.id);
    const Row& row = src.counters->nasRow(nas.name);
    view.set(oidJoin(entry, {2, i}), MibValue::integer(nas.ipv4 ? 1 : 2));
    view.set(oidJoin(entry, {3, i}), MibValue::octetString(inetAddress(nas)));
    view.set(oidJoin(entry, {4, i}), MibValue::octetString(nas.name));
    uint32_t column = 5;
    for (size_t k = 0; k < count; ++k)
      view.set(oidJoin(entry, {column++, i}), MibValue::counter32(row[first + k].value()));
    view.set(oidJoin(entry, {column, i}), MibValue::timeTicks(src.resetCentiseconds));
  }
}

// RFC 4669: radiusAuthServ scalars and radiusAuthClientExtTable (16).
void authServer(const MibSource& src, MibView& view) {
  const Oid serv = oidJoin(kRadiusAuthServMib, {1, 1});  // radiusAuthServMIBObjects.radiusAuthServ
  serverScalars(serv, src, kScalarAuth, std::size(kAuthTotals), view);
  clientTable(oidJoin(serv, {16, 1}), src, kNasAuth, std::size(kAuthClient), view);
}

// RFC 4671: radiusAccServ scalars and radiusAccClientExtTable (15).
void accServer(const MibSource& src, MibView& view) {
  const Oid serv = oidJoin(kRadiusAccServMib, {1, 1});
  serverScalars(serv, src, kScalarAcct, std::size(kAcctTotals), view);
  clientTable(oidJoin(serv, {15, 1}), src, kNasAcct, std::size(kAcctClient), view);
}

void dynAuthClient(const MibSource& src, MibView& view) {
  const Oid objects = oidJoin(kRadiusDynAuthClientMib, {1});
  const Row& scalars = src.counters->scalars();
  view.set(oidJoin(objects, {1, 1, 0}), MibValue::counter32(scalars[kScalarDisconnectInvalid].value()));
  view.set(oidJoin(objects, {1, 2, 0}), MibValue::counter32(scalars[kScalarCoaInvalid].value()));
  // radiusDynAuthServerTable: per kind, columns in kDynAuthPerKind's order (Disconnect from 7, CoA from 19).
  const Oid entry = oidJoin(objects, {2, 1});
  for (const NasRow& nas : src.nas) {
    uint32_t i = idx(nas.id);
    const Row& row = src.counters->nasRow(nas.name);
    view.set(oidJoin(entry, {2, i}), MibValue::integer(nas.ipv4 ? 1 : 2));
    view.set(oidJoin(entry, {3, i}), MibValue::octetString(inetAddress(nas)));
    view.set(oidJoin(entry, {4, i}), MibValue::unsigned32(nas.coaPort));
    view.set(oidJoin(entry, {5, i}), MibValue::octetString(nas.name));
    // Held in microseconds; TimeTicks are centiseconds.
    view.set(oidJoin(entry, {6, i}), MibValue::timeTicks(row[kNasRoundTrip].value() / 10000));
    uint32_t column = 7;
    for (size_t first : {kNasDisconnect, kNasCoa}) {
      for (size_t k = 0; k < kPerKind; ++k) {
        uint64_t value = row[first + k].value();
        view.set(oidJoin(entry, {column++, i}),
                 kDynAuthPerKind[k].gauge ? MibValue::gauge32(value) : MibValue::counter32(value));
      }
    }
    view.set(oidJoin(entry, {31, i}), MibValue::counter32(row[kNasUnknownTypes].value()));
    view.set(oidJoin(entry, {32, i}), MibValue::timeTicks(src.resetCentiseconds));
  }
}

void edged(const MibSource& src, MibView& view) {
  const EdgedHandles& h = src.counters->edged();
  const Row& scalars = src.counters->scalars();
  const Oid objects = oidJoin(edgedMib(), {1});
  const Oid subs = oidJoin(objects, {1});
  view.set(oidJoin(subs, {1, 0}), MibValue::gauge32(read(h.subscribers)));
  view.set(oidJoin(subs, {2, 0}), MibValue::gauge32(read(h.subscribersActive)));
  view.set(oidJoin(subs, {3, 0}), MibValue::gauge32(read(h.subscribersSuspended)));
  view.set(oidJoin(subs, {4, 0}), MibValue::gauge32(read(h.subscribersDisabled)));

  const Oid sessions = oidJoin(objects, {2});
  view.set(oidJoin(sessions, {1, 0}), MibValue::gauge32(scalars[kScalarSessionsOnline].value()));
  for (const PlanRow& plan : src.plans) {
    uint32_t i = idx(plan.id);
    view.set(oidJoin(sessions, {2, 1, 2, i}), MibValue::octetString(plan.name));
    view.set(oidJoin(sessions, {2, 1, 3, i}), MibValue::gauge32(src.counters->planSessions(plan.name).value()));
  }

  const Oid license = oidJoin(objects, {3});
  uint64_t state = read(h.licenseState);
  view.set(oidJoin(license, {1, 0}), MibValue::integer(state == 0 ? 1 : static_cast<int64_t>(state)));
  view.set(oidJoin(license, {2, 0}), MibValue::octetString(src.license.tier));
  view.set(oidJoin(license, {3, 0}), MibValue::unsigned32(read(h.licenseCap)));
  int64_t expiry = static_cast<int64_t>(read(h.licenseExpiry));
  int64_t days = 0;
  if (expiry != 0) {
    int64_t left = expiry - src.now;
    days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);  // floor: the day it expired is -1
  }
  view.set(oidJoin(license, {4, 0}), MibValue::integer(std::clamp<int64_t>(days, -2147483647, 2147483647)));
  view.set(oidJoin(license, {5, 0}), MibValue::octetString(src.license.tenant));

  const Oid sync = oidJoin(objects, {4});
  uint64_t syncState = read(h.syncState);
  view.set(oidJoin(sync, {1, 0}), MibValue::integer(syncState == 0 ? 1 : static_cast<int64_t>(syncState)));
  view.set(oidJoin(sync, {2, 0}), MibValue::unsigned32(read(h.syncLastSuccess)));
  view.set(oidJoin(sync, {3, 0}), MibValue::gauge32(read(h.syncBacklog)));

  const Oid gateway = oidJoin(objects, {5});
  view.set(oidJoin(gateway, {1, 0}), MibValue::gauge32(read(h.gatewayClients)));
  view.set(oidJoin(gateway, {2, 0}), MibValue::gauge32(read(h.gatewayClasses)));

  const Oid journal = oidJoin(objects, {6});
  view.set(oidJoin(journal, {1, 0}), MibValue::gauge32(read(h.commitSeconds)));  // held in microseconds
  uint64_t freeBytes = read(h.dataFree);
  uint64_t sizeBytes = read(h.dataSize);
  view.set(oidJoin(journal, {2, 0}), MibValue::gauge32(freeBytes / (1024 * 1024)));
  view.set(oidJoin(journal, {3, 0}), MibValue::gauge32(sizeBytes == 0 ? 0 : freeBytes * 100 / sizeBytes));
  view.set(oidJoin(journal, {4, 0}), MibValue::counter32(scalars[kScalarAcctWriteFailures].value()));

  // edgedEap (8): the EAP conversations of the auth port, in EapCounters' order.
  const Oid eap = oidJoin(objects, {8});
  const aaa::eap::EapCounters& c = h.eap;
  view.set(oidJoin(eap, {1, 0}), MibValue::counter32(read(c.started)));
  view.set(oidJoin(eap, {2, 0}), MibValue::gauge32(read(c.open)));
  uint32_t column = 3;
  for (const core::Counter* counter : {c.refused, c.timedOut, c.unknownState, c.malformed, c.tlsFailures, c.accepts,
                                       c.rejects})
    view.set(oidJoin(eap, {column++, 0}), MibValue::counter32(read(counter)));
  view.set(oidJoin(eap, {column++, 0}), MibValue::counter32(scalars[kScalarEapQueueFull].value()));
  view.set(oidJoin(eap, {column++, 0}), MibValue::counter32(read(c.resumed)));
  view.set(oidJoin(eap, {column++, 0}), MibValue::counter32(read(c.resumptionRefused)));
  view.set(oidJoin(eap, {column, 0}), MibValue::gauge32(read(c.resumptionSessions)));

  // edgedRadsec (9): the RadSec listener.
  const Oid radsec = oidJoin(objects, {9});
  const aaa::radius::RadsecCounters& r = h.radsec;
  column = 1;
  for (const core::Counter* counter : {r.connectionsAccepted, r.connectionsRefused, r.handshakeFailures,
                                       r.unknownCertificates, r.malformedFrames, r.idleTimeouts})
    view.set(oidJoin(radsec, {column++, 0}), MibValue::counter32(read(counter)));
  view.set(oidJoin(radsec, {column, 0}), MibValue::gauge32(read(r.connectionsOpen)));
}

}  // namespace

MibView buildMibView(const MibSource& source) {
  MibView view;
  if (source.counters == nullptr) return view;
  source.counters->refresh(source.nas, source.plans);
  authServer(source, view);
  accServer(source, view);
  dynAuthClient(source, view);
  edged(source, view);
  return view;
}

}  // namespace edge::snmp
