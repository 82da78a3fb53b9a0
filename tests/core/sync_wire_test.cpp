// The device API's wire types: every one round-trips through JSON; missing and mistyped fields are
// named; the claim token survives its text form and a damaged one is refused.
#include "core/sync_wire.h"

#include <CppUTest/TestHarness.h>

using namespace core::sync;
using core::Json;

namespace {

template <class T>
T roundTrip(const T& value) {
  Json j = toJson(value);
  core::Result<T> back = fromJson<T>(Json::parse(j.dump()));
  CHECK_TRUE_TEXT(back.isOk(), back.status().message().c_str());
  STRCMP_EQUAL(j.dump().c_str(), toJson(*back).dump().c_str());
  return *back;
}

}  // namespace

TEST_GROUP(SyncWire){};

TEST(SyncWire, EveryTypeRoundTrips) {
  roundTrip(EnrollRequest{"s3cret", "-----BEGIN CERTIFICATE REQUEST-----", "box-1", "0.1.0"});
  roundTrip(EnrollResponse{"d-1", "t-1", "acme", "CERT", "CA", "LIC", "KEY", 30});
  roundTrip(RenewRequest{"CSR"});
  roundTrip(RenewResponse{"CERT"});
  CheckinRequest in;
  in.version = "0.1.0";
  in.uptime = 12;
  in.clock = 1795000000;
  in.subscribers = 50;
  in.sessions = 7;
  in.backlog = 3;
  in.licenseId = "lic-1";
  in.licenseState = "valid";
  in.cursor = 42;
  in.health = Json{{"disk", 80}};
  CHECK_EQUAL(42, roundTrip(in).cursor);
  CheckinResponse out;
  out.pollInterval = 60;
  out.serverTime = 1795000000;
  out.cursor = 44;
  out.license = "DOC";
  out.renewCertificate = true;
  out.commands.push_back(Command{7, "disconnect", Json{{"user", "alice"}}});
  CheckinResponse back = roundTrip(out);
  CHECK_EQUAL(1u, back.commands.size());
  STRCMP_EQUAL("alice", back.commands[0].arguments["user"].get<std::string>().c_str());
  ChangePage page;
  page.cursor = 9;
  page.more = true;
  page.changes.push_back(Change{"plan", "home", 8, false, Json{{"name", "home"}, {"down", "10M"}}});
  page.changes.push_back(Change{"subscriber", "bob", 9, true, Json::object()});
  CHECK_EQUAL(2u, roundTrip(page).changes.size());
  UsageBatch batch;
  batch.idempotencyKey = "usage:1-2";
  batch.rows.push_back(UsageRow{1, 100, "s1", "alice", 5000000000LL, 7, 60});
  batch.rows.push_back(UsageRow{2, 101, "s1", "alice", 1, 2, 3});
  batch.sessions.push_back(SessionSummary{4, "s1", "alice", "bras", 100, 160, 5000000001LL, 9, 60, "user-request"});
  UsageBatch batchBack = roundTrip(batch);
  CHECK_EQUAL(5000000000LL, batchBack.rows[0].inputOctets);
  STRCMP_EQUAL("user-request", batchBack.sessions[0].closeReason.c_str());
  roundTrip(UsageAck{2, 4, 2, 0});
  EventBatch events;
  events.events.push_back(Event{1, 100, "subscriber-added", Json{{"username", "bob"}}});
  roundTrip(events);
  roundTrip(EventAck{1});
  roundTrip(CommandResult{7, true, "1 session disconnected"});
}

TEST(SyncWire, ErrorsNameTheField) {
  core::Result<EnrollRequest> missing = fromJson<EnrollRequest>(Json{{"secret", "x"}});
  CHECK_FALSE(missing.isOk());
  STRCMP_EQUAL("field 'csr' is missing", missing.status().message().c_str());
  core::Result<UsageBatch> typed = fromJson<UsageBatch>(Json{{"idempotency-key", "k"}, {"rows", Json::array({Json{{"seq", "1"}}})}});
  CHECK_FALSE(typed.isOk());
  STRCMP_EQUAL("rows[0]: field 'seq': expected integer, got string", typed.status().message().c_str());
  core::Result<UsageBatch> order = fromJson<UsageBatch>(toJson(UsageBatch{"k", {UsageRow{2, 0, "s", "u", 0, 0, 0}, UsageRow{1, 0, "s", "u", 0, 0, 0}}, {}}));
  CHECK_FALSE(order.isOk());
  core::Result<UsageRow> negative = fromJson<UsageRow>(toJson(UsageRow{1, 0, "s", "u", -5, 0, 0}));
  CHECK_FALSE(negative.isOk());
  CHECK_FALSE(parseBody<CheckinRequest>("{not json").isOk());
  CHECK_FALSE(fromJson<Change>(toJson(Change{"nas", "x", 1, false, Json::object()})).isOk());
}

TEST(SyncWire, ClaimTokenSurvivesItsTextForm) {
  ClaimToken t{"https://mgmt.example:8443", std::string(64, 'a'), "0123456789abcdef"};
  std::string text = encodeClaimToken(t);
  CHECK_TRUE(text.rfind("edge1.", 0) == 0);
  CHECK_TRUE(text.find_first_of("+/= \n") == std::string::npos);  // one copy-pasteable word
  core::Result<ClaimToken> back = decodeClaimToken(text + "\n");
  CHECK_TRUE(back.isOk());
  STRCMP_EQUAL(t.url.c_str(), back->url.c_str());
  STRCMP_EQUAL(t.secret.c_str(), back->secret.c_str());
  CHECK_FALSE(decodeClaimToken("hello").isOk());
  CHECK_FALSE(decodeClaimToken(text.substr(0, text.size() - 10)).isOk());
  ClaimToken shortPin{"https://x", "abc", "s"};
  CHECK_FALSE(decodeClaimToken(encodeClaimToken(shortPin)).isOk());
}
