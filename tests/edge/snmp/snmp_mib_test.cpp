// The OID mapping of edge/snmp_mib: registry counters at their RFC 4669/4671/4672 and EDGED-MIB
// places, tables indexed by database id, Counter32 wrap, GETNEXT order.
#include "edge/snmp/snmp_mib.h"

#include "aaa/radius/acct_server.h"
#include "aaa/radius/server.h"

#include <CppUTest/TestHarness.h>

namespace {

using edge::snmp::MibValue;
using edge::snmp::Oid;

// A lazy static: build it before main() so the leak checker does not count it.
const Oid& kEdgedMib = edge::snmp::edgedMib();

Oid parse(const std::string& text) {
  Oid o;
  size_t i = 0;
  while (i < text.size()) {
    size_t dot = text.find('.', i);
    o.push_back(static_cast<uint32_t>(std::stoul(text.substr(i, dot - i))));
    if (dot == std::string::npos) break;
    i = dot + 1;
  }
  return o;
}

int64_t number(const edge::snmp::MibView& v, const std::string& oid) {
  const MibValue* m = v.get(parse(oid));
  if (m == nullptr) FAIL(("no value at " + oid).c_str());
  return m->number;
}

struct Fixture {
  core::CounterRegistry registry;
  edge::HealthCounters health{registry};
  edge::SyncCounters sync{registry};
  edge::GatewayGauges gateway{registry};
  aaa::eap::EapCounters eap = aaa::eap::EapCounters::registerIn(registry);
  aaa::radius::RadsecCounters radsec = aaa::radius::RadsecCounters::registerIn(registry);
  edge::snmp::MibCounters counters{registry, edge::snmp::EdgedHandles::of(health, sync, gateway, eap, radsec)};
  edge::snmp::MibSource source;
  Fixture() {
    source.counters = &counters;
    edge::snmp::NasRow bras;
    bras.id = 7;
    bras.name = "bras";
    bras.address[10] = 0xff;
    bras.address[11] = 0xff;
    bras.address[12] = 192;
    bras.address[13] = 0;
    bras.address[14] = 2;
    bras.address[15] = 1;
    bras.coaPort = 3799;
    source.nas.push_back(bras);
    source.plans.push_back({3, "home"});
    source.ident = "edged test";
    source.upCentiseconds = 12345;
    source.resetCentiseconds = 12345;
  }
};

}  // namespace

TEST_GROUP(SnmpMib){};

TEST(SnmpMib, AuthServerScalarsAndClientTableAtTheRfc4669Oids) {
  Fixture f;
  f.registry.counter("radius_auth_access_requests_total", "").inc(5);
  f.registry.counter("radius_auth_access_accepts_total", "").inc(3);
  f.registry.counter("radius_auth_access_rejects_total", "").inc(2);
  f.registry.counter("radius_auth_client_access_accepts_total", "", {{"nas", "bras"}}).inc(3);
  f.registry.counter("radius_auth_client_unknown_types_total", "", {{"nas", "bras"}}).inc(9);
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  STRCMP_EQUAL("edged test", v.get(parse("1.3.6.1.2.1.67.1.1.1.1.1.0"))->octets.c_str());
  LONGS_EQUAL(12345, number(v, "1.3.6.1.2.1.67.1.1.1.1.2.0"));
  LONGS_EQUAL(4, number(v, "1.3.6.1.2.1.67.1.1.1.1.4.0"));  // running
  LONGS_EQUAL(5, number(v, "1.3.6.1.2.1.67.1.1.1.1.5.0"));
  LONGS_EQUAL(3, number(v, "1.3.6.1.2.1.67.1.1.1.1.8.0"));
  LONGS_EQUAL(2, number(v, "1.3.6.1.2.1.67.1.1.1.1.9.0"));
  // radiusAuthClientExtTable row 7 (the NAS id): IPv4 address as 4 octets, name, counters.
  LONGS_EQUAL(1, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.2.7"));
  CHECK(std::string("\xc0\x00\x02\x01", 4) == v.get(parse("1.3.6.1.2.1.67.1.1.1.1.16.1.3.7"))->octets);
  STRCMP_EQUAL("bras", v.get(parse("1.3.6.1.2.1.67.1.1.1.1.16.1.4.7"))->octets.c_str());
  LONGS_EQUAL(3, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.7.7"));
  LONGS_EQUAL(9, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.13.7"));
  CHECK(v.get(parse("1.3.6.1.2.1.67.1.1.1.1.16.1.1.7")) == nullptr);  // the index is not-accessible
}

TEST(SnmpMib, AccServerClientColumnsFollowRfc4671Order) {
  Fixture f;
  f.registry.counter("radius_acct_client_packets_dropped_total", "", {{"nas", "bras"}}).inc(1);
  f.registry.counter("radius_acct_client_requests_total", "", {{"nas", "bras"}}).inc(4);
  f.registry.counter("radius_acct_client_responses_total", "", {{"nas", "bras"}}).inc(3);
  f.registry.counter("radius_acct_no_records_total", "").inc(2);
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(2, number(v, "1.3.6.1.2.1.67.2.1.1.1.12.0"));
  LONGS_EQUAL(1, number(v, "1.3.6.1.2.1.67.2.1.1.1.15.1.5.7"));
  LONGS_EQUAL(4, number(v, "1.3.6.1.2.1.67.2.1.1.1.15.1.6.7"));
  LONGS_EQUAL(3, number(v, "1.3.6.1.2.1.67.2.1.1.1.15.1.8.7"));
}

TEST(SnmpMib, DynAuthServerTableCountsTheCoaAndDisconnectWeSend) {
  Fixture f;
  f.registry.counter("radius_dynauth_server_disconnect_requests_total", "", {{"nas", "bras"}}).inc(2);
  f.registry.counter("radius_dynauth_server_coa_requests_total", "", {{"nas", "bras"}}).inc(6);
  f.registry.counter("radius_dynauth_server_coa_acks_total", "", {{"nas", "bras"}}).inc(5);
  f.registry.gauge("radius_dynauth_server_coa_pending_requests", "", {{"nas", "bras"}}).set(1);
  f.registry.gauge("radius_dynauth_server_round_trip_time_seconds", "", {{"nas", "bras"}}, 1000000).set(250000);
  f.registry.counter("radius_dynauth_client_coa_invalid_server_addresses_total", "").inc(4);
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(4, number(v, "1.3.6.1.2.1.145.1.1.2.0"));
  LONGS_EQUAL(3799, number(v, "1.3.6.1.2.1.145.1.2.1.4.7"));
  LONGS_EQUAL(25, number(v, "1.3.6.1.2.1.145.1.2.1.6.7"));  // 250 ms in centiseconds
  LONGS_EQUAL(2, number(v, "1.3.6.1.2.1.145.1.2.1.7.7"));
  LONGS_EQUAL(6, number(v, "1.3.6.1.2.1.145.1.2.1.19.7"));
  LONGS_EQUAL(5, number(v, "1.3.6.1.2.1.145.1.2.1.22.7"));
  const MibValue* pending = v.get(parse("1.3.6.1.2.1.145.1.2.1.28.7"));
  CHECK(pending != nullptr && pending->type == MibValue::Type::kGauge32 && pending->number == 1);
}

TEST(SnmpMib, Counter32WrapsAndGauge32Saturates) {
  LONGS_EQUAL(5, MibValue::counter32((1ull << 32) + 5).number);
  LONGS_EQUAL(0xffffffffll, MibValue::gauge32(1ull << 40).number);
}

TEST(SnmpMib, EnterpriseObjectsAndNextWalksInOrder) {
  Fixture f;
  f.health.subscribers.set(12);
  f.health.planSessions("home").set(4);
  f.health.licenseState.set(4);
  f.health.licenseExpiry.set(1000000 - 86400 - 1);
  f.source.now = 1000000;
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  const std::string e = "1.3.6.1.4.1." + std::to_string(edge::snmp::enterpriseNumber());
  LONGS_EQUAL(12, number(v, e + ".1.1.1.0"));
  STRCMP_EQUAL("home", v.get(parse(e + ".1.2.2.1.2.3"))->octets.c_str());
  LONGS_EQUAL(4, number(v, e + ".1.2.2.1.3.3"));
  LONGS_EQUAL(4, number(v, e + ".1.3.1.0"));
  LONGS_EQUAL(-2, number(v, e + ".1.3.4.0"));  // expired a day and a second ago
  LONGS_EQUAL(1, number(v, e + ".1.4.1.0"));   // sync notEnrolled before the sync client sets it
  // GETNEXT from a module root lands on its first object; past the last one there is nothing.
  const auto* first = v.next(parse("1.3.6.1.2.1.67.1.1"));
  CHECK(first != nullptr);
  STRCMP_EQUAL("1.3.6.1.2.1.67.1.1.1.1.1.0", edge::snmp::oidText(first->first).c_str());
  CHECK(v.next(v.entries().rbegin()->first) == nullptr);
}

TEST(SnmpMib, ReadsThroughHandlesMadeOnceAndFindsLateCounters) {
  Fixture f;
  // An EDGED-MIB handle need not be in any registry: the view reads the handle, not a name.
  core::Counter clients;
  edge::snmp::EdgedHandles handles = edge::snmp::EdgedHandles::of(f.health, f.sync, f.gateway, f.eap, f.radsec);
  handles.gatewayClients = &clients;
  edge::snmp::MibCounters counters(f.registry, handles);
  f.source.counters = &counters;
  clients.set(17);
  core::Counter& accepts = f.registry.counter("radius_auth_client_access_accepts_total", "", {{"nas", "bras"}});
  accepts.inc(3);
  const std::string e = "1.3.6.1.4.1." + std::to_string(edge::snmp::enterpriseNumber());
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(17, number(v, e + ".1.5.1.0"));
  LONGS_EQUAL(3, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.7.7"));
  LONGS_EQUAL(0, number(v, "1.3.6.1.2.1.145.1.2.1.19.7"));  // no CoA sent to bras yet: not declared, 0
  // The handles stay: new values show without any new lookup, and a counter declared later (the
  // first CoA to the NAS) is found once the registry grew.
  uint64_t before = f.registry.generation();
  accepts.inc(2);
  clients.set(18);
  f.registry.counter("radius_dynauth_server_coa_requests_total", "", {{"nas", "bras"}}).inc(6);
  CHECK(f.registry.generation() > before);
  v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(18, number(v, e + ".1.5.1.0"));
  LONGS_EQUAL(5, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.7.7"));
  LONGS_EQUAL(6, number(v, "1.3.6.1.2.1.145.1.2.1.19.7"));
  // A NAS that left the list leaves the tables; one that comes back reads the same counters.
  std::vector<edge::snmp::NasRow> nas = f.source.nas;
  f.source.nas.clear();
  v = edge::snmp::buildMibView(f.source);
  CHECK(v.get(parse("1.3.6.1.2.1.67.1.1.1.1.16.1.7.7")) == nullptr);
  f.source.nas = nas;
  v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(5, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1.7.7"));
}

TEST(SnmpMib, ClientTablesReadTheCountersTheServersDeclareForTheNas) {
  Fixture f;
  // What AuthServer/AcctServer declare at a NAS's first request: each member gets its own value, so
  // a column reading another member (or a name aaa/radius does not declare) shows.
  aaa::radius::AuthCounters auth = aaa::radius::AuthCounters::registerIn(f.registry, "bras");
  aaa::radius::AcctCounters acct = aaa::radius::AcctCounters::registerIn(f.registry, "bras");
  aaa::radius::AcctCounters totals = aaa::radius::AcctCounters::registerIn(f.registry, "");
  auth.accessRequests->inc(101);
  auth.dupAccessRequests->inc(102);
  auth.accessAccepts->inc(103);
  auth.accessRejects->inc(104);
  auth.accessChallenges->inc(105);
  auth.malformedAccessRequests->inc(106);
  auth.badAuthenticators->inc(107);
  auth.packetsDropped->inc(108);
  auth.unknownTypes->inc(109);
  auth.invalidRequests->inc(1);  // not a client column (RFC 4669 counts it server-wide only)
  acct.packetsDropped->inc(201);
  acct.requests->inc(202);
  acct.dupRequests->inc(203);
  acct.responses->inc(204);
  acct.badAuthenticators->inc(205);
  acct.malformedRequests->inc(206);
  acct.noRecords->inc(207);
  acct.unknownTypes->inc(208);
  totals.writeFailures->inc(3);
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  // radiusAuthClientExtTable (RFC 4669), row 7: columns 5..13.
  for (uint32_t column = 5; column <= 13; ++column)
    LONGS_EQUAL(96 + column, number(v, "1.3.6.1.2.1.67.1.1.1.1.16.1." + std::to_string(column) + ".7"));
  // radiusAccClientExtTable (RFC 4671), row 7: columns 5..12.
  for (uint32_t column = 5; column <= 12; ++column)
    LONGS_EQUAL(196 + column, number(v, "1.3.6.1.2.1.67.2.1.1.1.15.1." + std::to_string(column) + ".7"));
  // EDGED-MIB's journal write failures are the accounting server's total.
  const std::string e = "1.3.6.1.4.1." + std::to_string(edge::snmp::enterpriseNumber());
  LONGS_EQUAL(3, number(v, e + ".1.6.4.0"));
}

TEST(SnmpMib, EapAndRadsecObjectsReadTheCountersAaaDeclares) {
  Fixture f;
  // Each member gets its own value, so a column reading another member shows.
  uint64_t n = 201;
  for (core::Counter* c : {f.eap.started, f.eap.open, f.eap.refused, f.eap.timedOut, f.eap.unknownState,
                           f.eap.malformed, f.eap.tlsFailures, f.eap.accepts, f.eap.rejects})
    c->set(n++);
  n = 211;  // after the queue-full counter (10): resumed, resumption refused, sessions kept
  for (core::Counter* c : {f.eap.resumed, f.eap.resumptionRefused, f.eap.resumptionSessions}) c->set(n++);
  n = 301;
  for (core::Counter* c : {f.radsec.connectionsAccepted, f.radsec.connectionsRefused, f.radsec.handshakeFailures,
                           f.radsec.unknownCertificates, f.radsec.malformedFrames, f.radsec.idleTimeouts,
                           f.radsec.connectionsOpen})
    c->set(n++);
  const std::string e = "1.3.6.1.4.1." + std::to_string(edge::snmp::enterpriseNumber());
  edge::snmp::MibView v = edge::snmp::buildMibView(f.source);
  for (uint32_t k = 1; k <= 9; ++k) LONGS_EQUAL(200 + k, number(v, e + ".1.8." + std::to_string(k) + ".0"));
  CHECK(v.get(parse(e + ".1.8.2.0"))->type == MibValue::Type::kGauge32);
  CHECK(v.get(parse(e + ".1.8.3.0"))->type == MibValue::Type::kCounter32);
  // The EAP lane's queue-full counter exists once the lane started: 0 before, found after.
  LONGS_EQUAL(0, number(v, e + ".1.8.10.0"));
  f.registry.counter("radius_eap_queue_full_total", "", {}).inc(4);
  v = edge::snmp::buildMibView(f.source);
  LONGS_EQUAL(4, number(v, e + ".1.8.10.0"));
  for (uint32_t k = 11; k <= 13; ++k) LONGS_EQUAL(200 + k, number(v, e + ".1.8." + std::to_string(k) + ".0"));
  CHECK(v.get(parse(e + ".1.8.12.0"))->type == MibValue::Type::kCounter32);
  CHECK(v.get(parse(e + ".1.8.13.0"))->type == MibValue::Type::kGauge32);
  for (uint32_t k = 1; k <= 7; ++k) LONGS_EQUAL(300 + k, number(v, e + ".1.9." + std::to_string(k) + ".0"));
  CHECK(v.get(parse(e + ".1.9.7.0"))->type == MibValue::Type::kGauge32);
  CHECK(v.get(parse(e + ".1.9.6.0"))->type == MibValue::Type::kCounter32);
}
