// What edged answers over SNMP, as a sorted table of OID -> typed value built from the registry's
// counters (so SNMP, /metrics and edgectl stats read the same numbers) plus the NAS and plan lists.
// The counters are read through handles (MibCounters), never looked up by name per walk.
//
// Served subtrees (docs/operator-guide.md "SNMP" lists every object):
//  - RADIUS-AUTH-SERVER-MIB (RFC 4669) 1.3.6.1.2.1.67.1.1: server scalars and radiusAuthClientExtTable
//  - RADIUS-ACC-SERVER-MIB (RFC 4671)  1.3.6.1.2.1.67.2.1: server scalars and radiusAccClientExtTable
//  - RADIUS-DYNAUTH-CLIENT-MIB (RFC 4672) 1.3.6.1.2.1.145: the CoA/Disconnect we send, per NAS
//  - EDGED-MIB (docs/mib/EDGED-MIB.txt), under the enterprise number written in that file only
// Tables are indexed by the NAS's (or plan's) database id, stable across reloads and restarts.
// 64-bit registry counters are served as Counter32 (modulo 2^32, as the RFCs define them).
//
// Pure: no Net-SNMP here (edge/snmp_agent.cpp serves the view), so the mapping is unit-tested.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aaa/eap/eap_server.h"
#include "aaa/radius/radsec_server.h"
#include "core/counters.h"
#include "edge/gateway/gateway_counters.h"
#include "edge/health/health_counters.h"
#include "edge/sync/sync_counters.h"

namespace edge::snmp {

using Oid = std::vector<uint32_t>;

std::string oidText(const Oid& oid);                       // "1.3.6.1.2.1.67"
bool oidStartsWith(const Oid& oid, const Oid& prefix);
Oid oidJoin(const Oid& base, std::initializer_list<uint32_t> tail);

// The module roots registered with the master agent.
extern const Oid kRadiusAuthServMib;      // 1.3.6.1.2.1.67.1.1
extern const Oid kRadiusAccServMib;       // 1.3.6.1.2.1.67.2.1
extern const Oid kRadiusDynAuthClientMib; // 1.3.6.1.2.1.145
// enterprises.N, N taken from docs/mib/EDGED-MIB.txt at build time (the one place it is written).
const Oid& edgedMib();
uint32_t enterpriseNumber();

struct MibValue {
  enum class Type { kInteger, kUnsigned32, kCounter32, kGauge32, kTimeTicks, kOctetString };
  Type type = Type::kInteger;
  int64_t number = 0;
  std::string octets;  // kOctetString

  static MibValue integer(int64_t v) { return {Type::kInteger, v, {}}; }
  static MibValue unsigned32(uint64_t v) { return {Type::kUnsigned32, static_cast<int64_t>(clamp32(v)), {}}; }
  static MibValue counter32(uint64_t v) { return {Type::kCounter32, static_cast<int64_t>(v & 0xffffffffu), {}}; }
  static MibValue gauge32(uint64_t v) { return {Type::kGauge32, static_cast<int64_t>(clamp32(v)), {}}; }
  static MibValue timeTicks(uint64_t centiseconds) {
    return {Type::kTimeTicks, static_cast<int64_t>(centiseconds & 0xffffffffu), {}};
  }
  static MibValue octetString(std::string v) { return {Type::kOctetString, 0, std::move(v)}; }
  static uint64_t clamp32(uint64_t v) { return v > 0xffffffffu ? 0xffffffffu : v; }
  bool operator==(const MibValue& o) const { return type == o.type && number == o.number && octets == o.octets; }
};

class MibView {
 public:
  void set(Oid oid, MibValue value) { entries_[std::move(oid)] = std::move(value); }
  const MibValue* get(const Oid& oid) const;
  // The first entry strictly after `oid`, or nullptr.
  const std::pair<const Oid, MibValue>* next(const Oid& oid) const;
  size_t size() const { return entries_.size(); }
  const std::map<Oid, MibValue>& entries() const { return entries_; }

 private:
  std::map<Oid, MibValue> entries_;
};

struct NasRow {
  int64_t id = 0;  // table index
  std::string name;
  std::array<uint8_t, 16> address{};
  bool ipv4 = true;
  uint16_t coaPort = 3799;
};

struct PlanRow {
  int64_t id = 0;
  std::string name;
};

// The text objects of the enterprise MIB (numbers come from the registry).
struct LicenseText {
  std::string tier;    // "" when no license is installed
  std::string tenant;
};

// EDGED-MIB's numbers, as handles on the counters the areas declare (edge/health/health_counters.h,
// edge/sync/sync_counters.h, edge/gateway/gateway_counters.h, aaa/eap's EapCounters and aaa/radius's
// RadsecCounters). A null handle reads 0.
struct EdgedHandles {
  const core::Counter* subscribers = nullptr;
  const core::Counter* subscribersActive = nullptr;
  const core::Counter* subscribersSuspended = nullptr;
  const core::Counter* subscribersDisabled = nullptr;
  const core::Counter* licenseState = nullptr;
  const core::Counter* licenseCap = nullptr;
  const core::Counter* licenseExpiry = nullptr;  // Unix seconds
  const core::Counter* syncState = nullptr;
  const core::Counter* syncLastSuccess = nullptr;
  const core::Counter* syncBacklog = nullptr;
  const core::Counter* gatewayClients = nullptr;
  const core::Counter* gatewayClasses = nullptr;
  const core::Counter* commitSeconds = nullptr;  // held in microseconds
  const core::Counter* dataFree = nullptr;
  const core::Counter* dataSize = nullptr;
  aaa::eap::EapCounters eap{};           // edgedEap (members null until of())
  aaa::radius::RadsecCounters radsec{};  // edgedRadsec

  // All of them, from the structs that declare them. The EAP and RadSec structs are declared by
  // edged whether or not EAP or RadSec is configured (their counters then stay 0).
  static EdgedHandles of(const HealthCounters& health, const SyncCounters& sync, const GatewayGauges& gateway,
                         const aaa::eap::EapCounters& eap, const aaa::radius::RadsecCounters& radsec);
};

// The table of handles the MIB reads, built once. EDGED-MIB's come from the areas (EdgedHandles).
// The RADIUS servers' counters (RFC 4669/4671: found through aaa/radius's AuthCounters::find and
// AcctCounters::find, by member, never by a name of ours; RFC 4672: the dynauth client's, by name;
// all declared by aaa/radius, per NAS) and the sessions
// per plan are found in the registry once: the scalars on the first view, a NAS's or a plan's row
// when it first appears. A handle still missing (a NAS no CoA was sent to yet) is looked for again
// only after the registry grew (CounterRegistry::generation). Rows of NAS clients and plans that
// left the lists are dropped.
// Threading: one reader (the SNMP agent's thread); the counters themselves are atomic.
class MibCounters {
 public:
  MibCounters(const core::CounterRegistry& registry, EdgedHandles edged);
  ~MibCounters();
  MibCounters(const MibCounters&) = delete;
  MibCounters& operator=(const MibCounters&) = delete;

  // One column's counter: how to find it without declaring it (aaa/radius's AuthCounters::find and
  // AcctCounters::find for the RFC 4669/4671 families, whose names are written only there; a name
  // and labels for the dynauth client's), and the handle once found.
  struct Slot {
    std::function<const core::Counter*(const core::CounterRegistry&)> find;
    const core::Counter* handle = nullptr;
    uint64_t value() const { return handle == nullptr ? 0 : handle->value(); }
  };
  using Row = std::vector<Slot>;

  const EdgedHandles& edged() const { return edged_; }
  // Brings the table up to date with the lists (cheap when nothing changed).
  void refresh(const std::vector<NasRow>& nas, const std::vector<PlanRow>& plans);
  const Row& scalars() const { return scalars_; }
  const Row& nasRow(const std::string& nas) const;  // refresh() made it
  const Slot& planSessions(const std::string& plan) const;

 private:
  void resolve(Row& row, bool force);

  const core::CounterRegistry& registry_;
  EdgedHandles edged_;
  uint64_t generation_ = 0;
  Row scalars_;
  std::map<std::string, Row> nas_;
  std::map<std::string, Row> plans_;  // one slot each
};

struct MibSource {
  MibCounters* counters = nullptr;
  std::vector<NasRow> nas;
  std::vector<PlanRow> plans;
  std::string ident;              // radiusAuthServIdent / radiusAccServIdent
  uint64_t upCentiseconds = 0;    // since the RADIUS server started
  uint64_t resetCentiseconds = 0; // since its last (re)initialization
  int64_t now = 0;                // Unix seconds (license days to expiry)
  LicenseText license;
};

// Refreshes source.counters, then reads every value through its handles.
MibView buildMibView(const MibSource& source);

}  // namespace edge::snmp
