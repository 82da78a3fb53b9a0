// The device API's wire types: every one round-trips through JSON; missing and mistyped fields are
// named; the claim token survives its text form and a damaged one is refused.
#include "core/sync_wire.h"

#include <set>
#include <string>

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

// One value of every wire type with every field set to a value of its own (a field left out of a
// type's table would not reach the wire), what it must look like on the wire (keys, order, bytes),
// and which of its keys may be absent.
template <class F>
void forEveryType(F&& f) {
  const Command cmd1{7, "disconnect", Json{{"user", "alice"}}};
  const Command cmd2{8, "disconnect", Json{{"user", "bob"}}};
  const CentralAccount ann{"ann@isp.example", "technician", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"};
  const CentralAccount bob{"bob@isp.example", "admin", "$argon2id$v=19$m=64,t=1,p=1$c2FsdB$aGFzaB"};
  const Change plan{"plan", "home", 8, true, Json{{"name", "home"}, {"down", "10M"}}};
  const Change sub{"subscriber", "bob", 9, false, Json{{"username", "bob"}}};
  const UsageRow row1{1, 100, "s1", "alice", 5000000000LL, 7, 60};
  const UsageRow row2{2, 101, "s2", "bob", 11, 12, 13};
  const SessionSummary sum1{4, "s1", "alice", "bras", 100, 160, 5000000001LL, 9, 60, "user-request"};
  const SessionSummary sum2{5, "s2", "bob", "hotspot", 101, 170, 21, 22, 69, "idle-timeout"};
  const Event ev1{1, 100, "subscriber-added", Json{{"username", "bob"}}};
  const Event ev2{2, 101, "tech-action", Json{{"action", "reboot"}}};
  f(EnrollRequest{"s3cret", "CSR", "box-1", "1.2.3", "ECSR"},
    R"({"secret":"s3cret","csr":"CSR","hostname":"box-1","version":"1.2.3","eap-csr":"ECSR"})",
    {"hostname", "version", "eap-csr"});
  f(EnrollResponse{"d-1", "t-1", "Acme", "CERT", "CA", "LIC", "KEY", 30, "ECERT", "d-1.t-1.eap.internal"},
    R"({"device-id":"d-1","tenant-id":"t-1","tenant-name":"Acme","certificate":"CERT","ca-certificate":"CA",)"
    R"("license":"LIC","license-key":"KEY","poll-interval":30,"eap-certificate":"ECERT",)"
    R"("eap-name":"d-1.t-1.eap.internal"})",
    {"eap-certificate", "eap-name"});
  f(RenewRequest{"CSR-2", "ECSR-2"}, R"({"csr":"CSR-2","eap-csr":"ECSR-2"})", {"eap-csr"});
  f(RenewResponse{"CERT-2", "ECERT-2", "n.example"},
    R"({"certificate":"CERT-2","eap-certificate":"ECERT-2","eap-name":"n.example"})", {"eap-certificate", "eap-name"});
  f(CheckinRequest{"1.2.3", 11, 1795000000, 50, 7, 3, "lic-1", "valid", 42, Json{{"disk", 80}},
                   {LiveNas{"bras", {"alice", "bob"}}, LiveNas{"hotspot", {"carol"}}}, 4},
    R"({"version":"1.2.3","uptime":11,"clock":1795000000,"subscribers":50,"sessions":7,"backlog":3,)"
    R"("license-id":"lic-1","license-state":"valid","cursor":42,"health":{"disk":80},)"
    R"("live":[{"nas":"bras","users":["alice","bob"]},{"nas":"hotspot","users":["carol"]}],"live-omitted":4})",
    {"health", "live", "live-omitted"});
  f(cmd1, R"({"id":7,"kind":"disconnect","arguments":{"user":"alice"}})", {"arguments"});
  f(ann, R"({"email":"ann@isp.example","role":"technician","password-hash":"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"})",
    {});
  f(CheckinResponse{30, 1795000001, 44, "DOC", "1.3.0", true, {cmd1, cmd2}, "V1", {ann, bob}},
    R"({"poll-interval":30,"server-time":1795000001,"cursor":44,"license":"DOC","desired-version":"1.3.0",)"
    R"("renew-certificate":true,"commands":[{"id":7,"kind":"disconnect","arguments":{"user":"alice"}},)"
    R"({"id":8,"kind":"disconnect","arguments":{"user":"bob"}}],"accounts-version":"V1",)"
    R"("accounts":[{"email":"ann@isp.example","role":"technician","password-hash":"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"},)"
    R"({"email":"bob@isp.example","role":"admin","password-hash":"$argon2id$v=19$m=64,t=1,p=1$c2FsdB$aGFzaB"}]})",
    {"license", "desired-version", "renew-certificate", "commands", "accounts-version", "accounts"});
  f(plan, R"({"kind":"plan","name":"home","version":8,"deleted":true,"spec":{"name":"home","down":"10M"}})",
    {"spec"});
  f(ChangePage{9, true, true, {plan, sub}},
    R"({"cursor":9,"full":true,"more":true,"changes":[)"
    R"({"kind":"plan","name":"home","version":8,"deleted":true,"spec":{"name":"home","down":"10M"}},)"
    R"({"kind":"subscriber","name":"bob","version":9,"deleted":false,"spec":{"username":"bob"}}]})",
    {});
  f(row1,
    R"({"seq":1,"at":100,"session":"s1","username":"alice","input-octets":5000000000,"output-octets":7,)"
    R"("session-time":60})",
    {});
  f(sum1,
    R"({"id":4,"session":"s1","username":"alice","nas":"bras","started":100,"stopped":160,)"
    R"("input-octets":5000000001,"output-octets":9,"session-time":60,"close-reason":"user-request"})",
    {"close-reason"});
  f(UsageBatch{"usage:1-2", {row1, row2}, {sum1, sum2}},
    R"({"idempotency-key":"usage:1-2","rows":[)"
    R"({"seq":1,"at":100,"session":"s1","username":"alice","input-octets":5000000000,"output-octets":7,)"
    R"("session-time":60},)"
    R"({"seq":2,"at":101,"session":"s2","username":"bob","input-octets":11,"output-octets":12,"session-time":13}],)"
    R"("sessions":[)"
    R"({"id":4,"session":"s1","username":"alice","nas":"bras","started":100,"stopped":160,)"
    R"("input-octets":5000000001,"output-octets":9,"session-time":60,"close-reason":"user-request"},)"
    R"({"id":5,"session":"s2","username":"bob","nas":"hotspot","started":101,"stopped":170,)"
    R"("input-octets":21,"output-octets":22,"session-time":69,"close-reason":"idle-timeout"}]})",
    {"sessions"});
  f(UsageAck{2, 5, 3, 1}, R"({"watermark":2,"session-watermark":5,"accepted":3,"duplicates":1})",
    {"session-watermark"});
  f(ev1, R"({"seq":1,"at":100,"kind":"subscriber-added","data":{"username":"bob"}})", {"data"});
  f(EventBatch{{ev1, ev2}},
    R"({"events":[{"seq":1,"at":100,"kind":"subscriber-added","data":{"username":"bob"}},)"
    R"({"seq":2,"at":101,"kind":"tech-action","data":{"action":"reboot"}}]})",
    {});
  f(EventAck{2}, R"({"watermark":2})", {});
  f(CommandResult{7, true, "1 session disconnected"}, R"({"id":7,"ok":true,"text":"1 session disconnected"})",
    {"text"});
}

// The name a type error gives the JSON type of a field's value.
std::string expectedName(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_number_integer()) return "integer";
  if (v.is_boolean()) return "boolean";
  if (v.is_object()) return "object";
  return "list";
}

template <class T>
std::string errorOf(const Json& j) {
  core::Result<T> r = fromJson<T>(j);
  return r.isOk() ? "(accepted)" : r.status().message();
}

// A field whose value has the wrong JSON type: a string gets a number, anything else a string.
Json mistyped(const Json& v) { return v.is_string() ? Json(1) : Json("1"); }
std::string mistypedName(const Json& v) { return v.is_string() ? "integer" : "string"; }

}  // namespace

TEST_GROUP(SyncWire){};

TEST(SyncWire, EveryTypeRoundTrips) {
  roundTrip(EnrollRequest{"s3cret", "-----BEGIN CERTIFICATE REQUEST-----", "box-1", "0.1.0", "ECSR"});
  roundTrip(EnrollResponse{"d-1", "t-1", "acme", "CERT", "CA", "LIC", "KEY", 30, "ECERT", "n.example"});
  roundTrip(RenewRequest{"CSR", "ECSR"});
  roundTrip(RenewResponse{"CERT", "ECERT", "n.example"});
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

// ADR 0074: the open sessions a check-in carries, grouped and bounded on the box, checked on mgmt.
TEST(SyncWire, LiveSessionsAreGroupedByNasAndBounded) {
  int64_t omitted = -1;
  std::vector<LiveNas> live = groupLiveSessions(
      {{"bras", "bob"}, {"hotspot", "carol"}, {"bras", "alice"}, {"bras", "bob"}, {"bras", ""}, {"bras", std::string(254, 'x')},
       {"bras", "bad\xff"}, {"n\xc3", "dave"}},
      &omitted);
  STRCMP_EQUAL(R"([{"nas":"bras","users":["alice","bob"]},{"nas":"hotspot","users":["carol"]}])",
               Json(std::vector<Json>{toJson(live[0]), toJson(live[1])}).dump().c_str());
  CHECK_EQUAL(4, omitted);  // empty, past 253 bytes, not UTF-8 (a name, a NAS); bob's second session is one pair

  // Past 20,000 usernames: the rest is left out and counted; mgmt takes what the box sends.
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 20005; ++i) many.emplace_back("bras", "user" + std::to_string(100000 + i));
  CheckinRequest in;
  in.live = groupLiveSessions(many, &in.liveOmitted);
  LONGS_EQUAL(20000, in.live.at(0).users.size());
  CHECK_EQUAL(5, in.liveOmitted);
  CHECK_TRUE(fromJson<CheckinRequest>(Json::parse(toJson(in).dump())).isOk());
  // And 512 KiB of names: long names stop sooner.
  many.clear();
  for (int i = 0; i < 3000; ++i) many.emplace_back("bras", std::string(240, 'a') + std::to_string(1000 + i));
  in.live = groupLiveSessions(many, &in.liveOmitted);
  CHECK_TRUE(in.live.at(0).users.size() < 3000);
  CHECK_EQUAL(3000 - static_cast<int64_t>(in.live.at(0).users.size()), in.liveOmitted);
  CHECK_TRUE(toJson(in).dump().size() < 600 * 1024);

  // mgmt refuses more than the bounds, naming the field.
  Json big = toJson(CheckinRequest{});
  Json users = Json::array();
  for (int i = 0; i < 20001; ++i) users.push_back("u" + std::to_string(i));
  big["live"] = Json::array({Json{{"nas", "bras"}, {"users", users}}});
  core::Result<CheckinRequest> refused = fromJson<CheckinRequest>(big);
  CHECK_FALSE(refused.isOk());
  STRCMP_CONTAINS("field 'live'", refused.status().message().c_str());
  big["live"] = Json::array({Json{{"nas", "bras"}, {"users", Json::array({""})}}});
  STRCMP_CONTAINS("live[0]: field 'users'", fromJson<CheckinRequest>(big).status().message().c_str());
  big["live"] = Json::array({Json{{"nas", "bras"}, {"users", Json::array({1})}}});
  STRCMP_EQUAL("live[0]: users[0]: expected string, got integer", fromJson<CheckinRequest>(big).status().message().c_str());
  big["live"] = Json::array();
  big["live-omitted"] = -1;
  CHECK_FALSE(fromJson<CheckinRequest>(big).isOk());
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

TEST(SyncWire, EveryFieldOfEveryTypeRoundTripsAsPinned) {
  forEveryType([](const auto& value, const char* wire, const std::set<std::string>&) {
    using T = std::decay_t<decltype(value)>;
    STRCMP_EQUAL(wire, toJson(value).dump().c_str());  // every member goes out, under its key
    core::Result<T> back = fromJson<T>(Json::parse(wire));
    CHECK_TRUE_TEXT(back.isOk(), back.status().message().c_str());
    STRCMP_EQUAL(wire, toJson(*back).dump().c_str());  // and comes back into the same member
  });
}

TEST(SyncWire, EveryFieldIsNamedWhenAbsentOrMistyped) {
  forEveryType([](const auto& value, const char* wire, const std::set<std::string>& optional) {
    using T = std::decay_t<decltype(value)>;
    const Json full = Json::parse(wire);
    const Json defaults = toJson(T{});
    for (const auto& [key, v] : full.items()) {
      Json absent = full;
      absent.erase(key);
      Json null = full;
      null[key] = nullptr;
      if (optional.count(key) != 0) {
        // An absent (or null) optional field keeps the member's default.
        core::Result<T> r = fromJson<T>(absent);
        CHECK_TRUE_TEXT(r.isOk(), (key + ": " + r.status().message()).c_str());
        STRCMP_EQUAL(defaults[key].dump().c_str(), toJson(*r)[key].dump().c_str());
        CHECK_TRUE_TEXT(fromJson<T>(null).isOk(), key.c_str());
      } else {
        STRCMP_EQUAL(("field '" + key + "' is missing").c_str(), errorOf<T>(absent).c_str());
        STRCMP_EQUAL(("field '" + key + "' is missing").c_str(), errorOf<T>(null).c_str());
      }
      Json wrong = full;
      wrong[key] = mistyped(v);
      STRCMP_EQUAL(("field '" + key + "': expected " + expectedName(v) + ", got " + mistypedName(v)).c_str(),
                   errorOf<T>(wrong).c_str());
      if (!v.is_array()) continue;
      // In a list, the item is named by its index: drop or mistype the first key of item [1].
      const std::string first = v[1].begin().key();
      Json itemAbsent = full;
      itemAbsent[key][1].erase(first);
      STRCMP_EQUAL((key + "[1]: field '" + first + "' is missing").c_str(), errorOf<T>(itemAbsent).c_str());
      Json itemWrong = full;
      itemWrong[key][1][first] = mistyped(v[1][first]);
      STRCMP_EQUAL((key + "[1]: field '" + first + "': expected " + expectedName(v[1][first]) + ", got " +
                    mistypedName(v[1][first]))
                       .c_str(),
                   errorOf<T>(itemWrong).c_str());
      Json notObject = full;
      notObject[key][1] = 1;
      STRCMP_EQUAL((key + "[1]: expected a JSON object, got integer").c_str(), errorOf<T>(notObject).c_str());
    }
    STRCMP_EQUAL("expected a JSON object, got list", errorOf<T>(Json::array()).c_str());
    Json unknown = full;
    unknown["not-a-field"] = 1;  // unknown keys are ignored: either end may be newer
    CHECK_TRUE(fromJson<T>(unknown).isOk());
  });
}

TEST(SyncWire, ValueChecksAreNamed) {
  Json page = toJson(ChangePage{1, false, false, {Change{"plan", "a", 1, false, Json::object()}}});
  page["changes"][0]["kind"] = "nas";
  STRCMP_EQUAL("changes[0]: field 'kind': 'nas' is not plan or subscriber", errorOf<ChangePage>(page).c_str());
  STRCMP_EQUAL("seq must be positive and counters not negative",
               errorOf<UsageRow>(toJson(UsageRow{0, 0, "s", "u", 0, 0, 0})).c_str());
  const UsageRow one{1, 0, "s", "u", 0, 0, 0};
  const UsageRow negative{2, 0, "s", "u", 0, -1, 0};
  STRCMP_EQUAL("rows[1]: seq must be positive and counters not negative",
               errorOf<UsageBatch>(toJson(UsageBatch{"k", {one, negative}, {}})).c_str());
  // A central account: a rung of the box's ladder and an argon2id hash, nothing else.
  CheckinResponse answer;
  answer.accounts.push_back({"ann@isp.example", "root", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"});
  STRCMP_EQUAL("accounts[0]: field 'role': 'root' is not technician or admin",
               errorOf<CheckinResponse>(toJson(answer)).c_str());
  answer.accounts[0] = {"ann@isp.example", "technician", "$6$salt$crypt"};
  STRCMP_EQUAL("accounts[0]: field 'password-hash': not an argon2id hash", errorOf<CheckinResponse>(toJson(answer)).c_str());
  STRCMP_EQUAL("rows: seq must ascend", errorOf<UsageBatch>(toJson(UsageBatch{"k", {one, one}, {}})).c_str());
}

TEST(SyncWire, ClaimTokenTextIsPinned) {
  // A token `mgmtctl claim create` printed before the field tables still reads, and encodes the same.
  const std::string text =
      "edge1.eyJ1cmwiOiJodHRwczovL21nbXQuZXhhbXBsZTo4NDQzIiwiY2EiOiJhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
      "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhIiwic2VjcmV0IjoiMDEyMzQ1Njc4OWFiY2RlZiJ9";
  core::Result<ClaimToken> t = decodeClaimToken(text);
  CHECK_TRUE_TEXT(t.isOk(), t.status().message().c_str());
  STRCMP_EQUAL("https://mgmt.example:8443", t->url.c_str());
  STRCMP_EQUAL(std::string(64, 'a').c_str(), t->caFingerprint.c_str());
  STRCMP_EQUAL("0123456789abcdef", t->secret.c_str());
  STRCMP_EQUAL(text.c_str(), encodeClaimToken(*t).c_str());
  STRCMP_EQUAL("the claim token is damaged: its CA fingerprint is not SHA-256",
               decodeClaimToken(encodeClaimToken(ClaimToken{"https://x", "abc", "s"})).status().message().c_str());
}
