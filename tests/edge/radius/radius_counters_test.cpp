// The RADIUS counters other areas read by handle (edge/radius/radius_counters.h): the server-wide
// ones are the very counters the servers declare, and a NAS client's request counters are found
// once the servers declare them (at the NAS's first request) without being declared by the reader.
#include "edge/radius/radius_counters.h"

#include <string>

#include "aaa/radius/acct_server.h"
#include "aaa/radius/server.h"
#include "core/counters.h"

#include <CppUTest/TestHarness.h>

using aaa::radius::AcctCounters;
using aaa::radius::AuthCounters;

TEST_GROUP(RadiusCounters){};

TEST(RadiusCounters, AreTheCountersTheServersDeclare) {
  core::CounterRegistry r;
  AuthCounters auth = AuthCounters::registerIn(r, "");  // what AuthServer declares
  AcctCounters acct = AcctCounters::registerIn(r, "");
  edge::RadiusCounters read(r);
  POINTERS_EQUAL(auth.accessRejects, read.auth.accessRejects);
  POINTERS_EQUAL(acct.writeFailures, read.acct.writeFailures);
  auth.accessRequests->inc(4);
  LONGS_EQUAL(4, read.auth.accessRequests->value());
  read.sessionsOnline.set(7);
  LONGS_EQUAL(7, r.valueOf("radius_sessions_online"));
  // The names /metrics and SNMP show are those of before.
  LONGS_EQUAL(4, r.valueOf("radius_auth_access_requests_total"));
  POINTERS_EQUAL(r.find("radius_acct_write_failures_total"), read.acct.writeFailures);
  POINTERS_EQUAL(r.find("radius_auth_access_rejects_total"),
                 AuthCounters::find(r, &AuthCounters::accessRejects, ""));
}

TEST(RadiusCounters, ANasClientsRequestsAreFoundOnceDeclaredAndNeverDeclaredByTheReader) {
  core::CounterRegistry r;
  edge::NasRequestCounters nas1;
  LONGS_EQUAL(0, nas1.requests(r, "nas1"));
  LONGS_EQUAL(0, r.list().size());  // looking declared nothing
  POINTERS_EQUAL(nullptr, AuthCounters::find(r, &AuthCounters::accessRequests, "nas1"));

  // The auth server sees nas1's first Access-Request; the accounting server nas1's and nas2's.
  AuthCounters::registerIn(r, "nas1").accessRequests->inc(2);
  LONGS_EQUAL(2, nas1.requests(r, "nas1"));
  AcctCounters::registerIn(r, "nas1").requests->inc(3);
  AcctCounters::registerIn(r, "nas2").requests->inc(100);
  LONGS_EQUAL(5, nas1.requests(r, "nas1"));
  POINTERS_EQUAL(r.find("radius_auth_client_access_requests_total", {{"nas", "nas1"}}),
                 AuthCounters::find(r, &AuthCounters::accessRequests, "nas1"));
  POINTERS_EQUAL(r.find("radius_acct_client_requests_total", {{"nas", "nas2"}}),
                 AcctCounters::find(r, &AcctCounters::requests, "nas2"));
  AuthCounters::registerIn(r, "nas1").accessRequests->inc();
  LONGS_EQUAL(6, nas1.requests(r, "nas1"));
}
