// SessionService on a temporary accounting database with a real ledger, and a UDP socket on
// loopback acting as the NAS (it ACKs, NAKs or stays silent): sessions selected by id and user,
// Disconnect and CoA commands through edged's command table (an ACKed Disconnect marks the ledger;
// a silent NAS leaves the request "queued" after the wait while another command answers at once),
// the CoA of a plan change, a user's sessions found by the ledger (young ones included) for a quota
// event, and the sweep closing a stale session.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aaa/acct/ledger.h"
#include "aaa/radius/acct_server.h"
#include "aaa/radius/packet.h"
#include "aaa/radius/reply.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/counters.h"
#include "core/store.h"
#include "edge/commands/edge_commands.h"
#include "edge/radius/session_service.h"
#include "tests/support/radius_dictionary.h"

// CppUTest last: its leak detector #defines new.
#include "tests/edge/radius/service_fixture.h"

#include <CppUTest/TestHarness.h>

namespace {

using aaa::radius::PacketCode;
using aaa::radius::testing::attributes;
using core::ControlReply;
using core::Json;
using edge::SessionService;
using edge::test::codeOf;
using std::chrono::milliseconds;

constexpr const char* kSecret = "coa-secret";

// Built before main(), so that CppUTest's per-test leak check does not see these statics.
const aaa::radius::Attributes& kAttributes = attributes();
const std::vector<core::Migration>& kAcctMigrations = aaa::acct::migrations();
// A NAS on loopback: answers every CoA-/Disconnect-Request with an ACK or a NAK, or stays silent.
class FakeNas {
 public:
  enum class Mode { kAck, kNak, kSilent };
  explicit FakeNas(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&in), sizeof in);
    socklen_t len = sizeof in;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&in), &len);
    port_ = ntohs(in.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeNas() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  // The codes of the requests received (retransmissions included).
  std::vector<int> codes() {
    std::lock_guard<std::mutex> lock(mu_);
    return codes_;
  }
  // The requests received, decoded (those that decode with the secret).
  std::vector<aaa::radius::Packet> packets() {
    std::lock_guard<std::mutex> lock(mu_);
    return packets_;
  }
  bool waitFor(size_t n, milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (codes().size() >= n) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return codes().size() >= n;
  }

 private:
  void run() {
    std::vector<uint8_t> buf(4096);
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      sockaddr_storage from{};
      socklen_t fromLen = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (n < 20) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        codes_.push_back(buf[0]);
        core::Result<aaa::radius::Packet> request = aaa::radius::decode(buf.data(), static_cast<size_t>(n), kSecret);
        if (request.isOk()) packets_.push_back(std::move(*request));
      }
      if (mode_ == Mode::kSilent) continue;
      // RFC 5176 3.4: the ACK or NAK of the request's code, signed over its authenticator.
      aaa::radius::Packet p;
      bool disconnect = buf[0] == static_cast<uint8_t>(PacketCode::kDisconnectRequest);
      p.code = mode_ == Mode::kAck ? (disconnect ? PacketCode::kDisconnectAck : PacketCode::kCoaAck)
                                   : (disconnect ? PacketCode::kDisconnectNak : PacketCode::kCoaNak);
      p.id = buf[1];
      p.attributes.push_back({kAttributes.messageAuthenticator, aaa::radius::Value::octets(std::string(16, '\0'))});
      if (mode_ == Mode::kNak) p.attributes.push_back({kAttributes.errorCause, aaa::radius::Value::uint32(503)});
      aaa::radius::Authenticator requestAuth{};
      std::memcpy(requestAuth.data(), buf.data() + 4, 16);
      core::Result<std::vector<uint8_t>> wire = aaa::radius::encode(p, kSecret, &requestAuth);
      if (wire.isOk())
        ::sendto(fd_, wire->data(), wire->size(), 0, reinterpret_cast<const sockaddr*>(&from), fromLen);
    }
  }

  Mode mode_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<int> codes_;
  std::vector<aaa::radius::Packet> packets_;
  std::thread thread_;
};

}  // namespace

TEST_GROUP(Sessions) {
  std::string dir;
  std::unique_ptr<core::Writer> writer;
  std::unique_ptr<aaa::acct::Ledger> ledger;
  std::unique_ptr<aaa::radius::SessionCounts> counts;
  std::unique_ptr<aaa::policy::SnapshotHolder> snapshots;
  std::unique_ptr<core::CounterRegistry> counters;
  std::unique_ptr<FakeNas> nas;
  std::unique_ptr<SessionService> service;
  std::unique_ptr<core::command::Table> table;
  core::StoreOptions options;
  int64_t now = 0;

  void setup() override {
    options = edge::test::openTempDb("edge-session-test", "acct.db", kAcctMigrations, dir, writer, nullptr);
    ledger = std::make_unique<aaa::acct::Ledger>();
    counts = std::make_unique<aaa::radius::SessionCounts>();
    snapshots = std::make_unique<aaa::policy::SnapshotHolder>();
    counters = std::make_unique<core::CounterRegistry>();
    now = core::SystemClock::instance().unixSeconds();
  }

  void teardown() override {
    table.reset();
    service.reset();
    if (writer) writer->stop();
    writer.reset();
    nas.reset();
    ledger.reset();
    counts.reset();
    snapshots.reset();
    counters.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // The NAS, two plans and three subscribers in the snapshot, then the service and its commands.
  void start(FakeNas::Mode mode) {
    nas = std::make_unique<FakeNas>(mode);
    aaa::policy::NasClient n;
    n.id = 1;
    n.name = "nas1";
    n.prefix = *aaa::policy::parsePrefix("127.0.0.1");
    n.secret = kSecret;
    n.vendor = aaa::policy::VendorProfile::kMikrotik;
    n.coaPort = nas->port();
    std::vector<aaa::policy::Plan> plans(2);
    plans[0].id = 1;
    plans[0].name = "home";
    plans[0].downBps = 10000000;
    plans[0].upBps = 2000000;
    plans[1].id = 2;
    plans[1].name = "office";
    plans[1].downBps = 50000000;
    plans[1].upBps = 50000000;
    plans[1].sessionTimeout = 3600;
    plans[1].idleTimeout = 600;
    std::vector<aaa::policy::Subscriber> subs;
    for (const auto& [name, plan] : {std::pair<const char*, int64_t>{"alice", 1}, {"bob", 1}, {"carol", 2}}) {
      aaa::policy::Subscriber s;
      s.id = static_cast<int64_t>(subs.size()) + 1;
      s.username = name;
      s.planId = plan;
      subs.push_back(s);
    }
    snapshots->publishFull({n}, plans, subs);

    aaa::radius::RetryPolicy quick;
    quick.initial = milliseconds(300);
    quick.maxTransmissions = 0;  // every exchange with a silent NAS lasts maxDuration
    quick.maxInterval = milliseconds(300);
    quick.maxDuration = milliseconds(800);
    quick.jitter = 0;
    core::Result<std::unique_ptr<SessionService>> made = SessionService::open(SessionService::Deps{
        *writer, *ledger, options, *snapshots, kAttributes, *counts, *counters, core::SystemClock::instance(), 10,
        quick, {}, {}});
    CHECK_TRUE_TEXT(made.isOk(), made.status().message().c_str());
    service = std::move(*made);
    table = edge::test::edgedCommandTable();
    service->registerCommands(*table);  // as RadiusService has it do
  }

  // A session starts (Accounting-Start through the ledger): its uid.
  std::string open(const std::string& user, const std::string& acctSessionId, int64_t staleAfter = 600) {
    aaa::acct::AcctRecord r;
    r.statusType = aaa::acct::kStart;
    r.acctSessionId = acctSessionId;
    r.username = user;
    r.nas = "nas1";
    r.nasAddress = "127.0.0.1";
    r.framedIp = "10.9.0." + std::to_string(acctSessionId.size());
    r.uid = aaa::acct::sessionUid(r.nas, r.acctSessionId, 0, "");
    r.eventTime = now;
    r.staleAfter = staleAfter;
    auto change = std::make_shared<aaa::acct::LedgerChange>();
    core::Status s = writer->submit([&](core::Database& db) { return ledger->apply(db, r, change.get()); }).get();
    CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
    counts->apply(*change);
    return r.uid;
  }

  ControlReply call(const std::string& name, const Json& args = Json::object()) {
    return table->call(core::command::Caller::root(), name, args);
  }
};

TEST(Sessions, SelectionByIdAndUserAndTheRefusals) {
  start(FakeNas::Mode::kAck);
  std::string a1 = open("alice", "s-a1");
  open("alice", "s-a2");
  open("bob", "s-b1");
  ControlReply r = call("session-list");
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("3 live sessions", r.text.c_str());  // young sessions too: the ledger was settled
  r = call("session-list", Json{{"user", "alice"}});
  STRCMP_EQUAL("2 live sessions", r.text.c_str());
  r = call("session-show", Json{{"id", a1.substr(0, 8)}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL(("session " + a1).c_str(), r.text.c_str());
  STRCMP_EQUAL("alice", r.arguments.at("username").get<std::string>().c_str());
  STRCMP_EQUAL("not-found", codeOf(call("session-show", Json{{"id", "ffffffffff"}})));

  r = call("session-disconnect", Json::object());
  STRCMP_EQUAL("invalid-argument", codeOf(r));
  STRCMP_EQUAL("give either id or user", r.text.c_str());
  r = call("session-disconnect", Json{{"id", a1}, {"user", "alice"}});
  STRCMP_EQUAL("give either id or user", r.text.c_str());
  r = call("session-coa", Json{{"user", "dave"}});
  STRCMP_EQUAL("not-found", codeOf(r));
  STRCMP_EQUAL("no live session of 'dave'", r.text.c_str());
  r = call("session-disconnect", Json{{"id", "ffffffffff"}});
  STRCMP_EQUAL("not-found", codeOf(r));
  LONGS_EQUAL(0, nas->codes().size());  // nothing was sent for a refused command

  // By user: one request per live session of that user.
  r = call("session-coa", Json{{"user", "alice"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("2 of 2 session(s) changed", r.text.c_str());
  LONGS_EQUAL(2, r.arguments.size());
  for (const Json& one : r.arguments) STRCMP_EQUAL("ack", one.at("outcome").get<std::string>().c_str());
  STRCMP_EQUAL("10M/2M", r.arguments[0].at("rate").get<std::string>().c_str());  // the plan's rate
  LONGS_EQUAL(2, nas->codes().size());
  LONGS_EQUAL(43, nas->codes()[0]);  // CoA-Request
}

TEST(Sessions, AnAckedDisconnectMarksTheSessionInTheLedger) {
  start(FakeNas::Mode::kAck);
  std::string b1 = open("bob", "s-b1");
  ControlReply r = call("session-disconnect", Json{{"id", b1}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("1 of 1 session(s) disconnected", r.text.c_str());
  STRCMP_EQUAL("ack", r.arguments[0].at("outcome").get<std::string>().c_str());
  LONGS_EQUAL(40, nas->codes().at(0));  // Disconnect-Request
  r = call("session-show", Json{{"id", b1}});
  STRCMP_EQUAL("disconnecting", r.arguments.at("state").get<std::string>().c_str());
}

TEST(Sessions, ANakIsAFailedPreconditionWithTheResults) {
  start(FakeNas::Mode::kNak);
  open("carol", "s-c1");
  ControlReply r = call("session-coa", Json{{"user", "carol"}});
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL("failed-precondition", codeOf(r));
  STRCMP_EQUAL("0 of 1 session(s) changed", r.text.c_str());
  STRCMP_EQUAL("nak", r.arguments[0].at("outcome").get<std::string>().c_str());
  LONGS_EQUAL(503, r.arguments[0].at("error-cause").get<int64_t>());
  STRCMP_EQUAL("50M/50M", r.arguments[0].at("rate").get<std::string>().c_str());
}

TEST(Sessions, ASilentNasLeavesItQueuedWhileAnotherCommandAnswersAtOnce) {
  start(FakeNas::Mode::kSilent);
  // Five sessions on one silent NAS: its worker gives each exchange up after the retry schedule
  // (0.8 s), one after the other, so the last are still queued when the command stops waiting
  // (the schedule and 2 s).
  std::string a1 = open("alice", "s-a1");
  for (const char* id : {"s-a2", "s-a3", "s-a4", "s-a5"}) open("alice", id);
  auto waiting = std::async(std::launch::async, [&] { return call("session-disconnect", Json{{"user", "alice"}}); });
  CHECK(nas->waitFor(1, milliseconds(2000)));  // the first request is out; the command waits for answers
  auto started = std::chrono::steady_clock::now();
  ControlReply other = call("session-list");
  auto took = std::chrono::steady_clock::now() - started;
  CHECK_TRUE_TEXT(other.ok(), other.text.c_str());
  CHECK_TEXT(took < milliseconds(700), "a second command waited for the NAS");
  CHECK(waiting.wait_for(milliseconds(0)) != std::future_status::ready);  // still waiting meanwhile
  ControlReply r = waiting.get();
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL("unavailable", codeOf(r));
  STRCMP_CONTAINS("0 of 5 session(s) disconnected; ", r.text.c_str());
  STRCMP_CONTAINS("still queued for a busy or silent NAS (the result goes to the log)", r.text.c_str());
  size_t queued = 0, timedOut = 0;
  for (const Json& one : r.arguments) {
    std::string outcome = one.at("outcome").get<std::string>();
    queued += outcome == "queued" ? 1 : 0;
    timedOut += outcome == "timeout" ? 1 : 0;
    if (outcome == "queued") CHECK(one.at("job").get<uint64_t>() > 0);
  }
  CHECK(queued >= 1);
  LONGS_EQUAL(5, queued + timedOut);
  // Without waiting: the answer at once.
  started = std::chrono::steady_clock::now();
  r = call("session-disconnect", Json{{"id", a1}, {"wait", "no"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("1 Disconnect-Request(s) queued (results go to the log)", r.text.c_str());
  CHECK(std::chrono::steady_clock::now() - started < milliseconds(700));
}

TEST(Sessions, APlanChangeSendsACoaToThatPlansSessionsOnly) {
  start(FakeNas::Mode::kAck);
  open("alice", "s-a1");
  open("bob", "s-b1");
  open("carol", "s-c1");
  service->planChanged({2}, "plan change");  // office: carol only
  CHECK(nas->waitFor(1, milliseconds(3000)));
  std::this_thread::sleep_for(milliseconds(200));
  LONGS_EQUAL(1, nas->codes().size());
  LONGS_EQUAL(43, nas->codes()[0]);
}

TEST(Sessions, APlanChangesCoaCarriesTheNewRateAndNoTimeouts) {
  // A CoA changes the rate only (edge/radius/enforcement.h): NASes disagree on what a Session-Timeout
  // in a CoA counts from, so the plan's session and idle timeouts come with the next Access-Accept.
  start(FakeNas::Mode::kAck);
  open("carol", "s-c1");
  service->planChanged({2}, "plan change");  // office: 50M/50M, session-timeout 3600, idle 600
  CHECK(nas->waitFor(1, milliseconds(3000)));
  std::vector<aaa::radius::Packet> sent = nas->packets();
  LONGS_EQUAL(1, sent.size());
  CHECK(sent[0].code == PacketCode::kCoaRequest);
  const aaa::radius::Attribute* user = sent[0].find(kAttributes.userName);
  CHECK(user != nullptr && user->value.bytes == "carol");
  const aaa::radius::Attribute* rate = sent[0].find(kAttributes.mikrotikRateLimit);
  CHECK_TRUE(rate != nullptr);
  std::optional<aaa::radius::RateLimit> parsed = aaa::radius::parseMikrotikRateLimit(rate->value.bytes);
  CHECK_TRUE(parsed.has_value());
  LONGS_EQUAL(50000000, parsed->downBps);
  LONGS_EQUAL(50000000, parsed->upBps);
  CHECK(sent[0].find(kAttributes.sessionTimeout) == nullptr);
  CHECK(sent[0].find(kAttributes.idleTimeout) == nullptr);
}

TEST(Sessions, AUsersSessionsComeFromTheLedgerYoungOnesIncluded) {
  start(FakeNas::Mode::kAck);
  open("alice", "s-a1");
  open("alice", "s-a2");
  open("bob", "s-b1");
  // Young sessions (ADR 0011) are in the ledger's overlay only: the ledger finds them itself.
  auto found = std::make_shared<std::vector<aaa::acct::SessionRow>>();
  core::Status s = writer->submit([&](core::Database& db) -> core::Status {
    core::Result<std::vector<aaa::acct::SessionRow>> rows = ledger->userSessions(db, "alice");
    if (rows.isOk()) *found = *rows;
    return rows.status();
  }).get();
  CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
  LONGS_EQUAL(2, found->size());
  std::set<std::string> ids;
  for (const aaa::acct::SessionRow& row : *found) {
    ids.insert(row.acctSessionId);
    STRCMP_EQUAL("alice", row.username.c_str());
    STRCMP_EQUAL("127.0.0.1", row.nasAddress.c_str());
    STRCMP_EQUAL("active", row.state.c_str());
  }
  CHECK(ids == (std::set<std::string>{"s-a1", "s-a2"}));

  service->queueUserDynAuth("alice", aaa::radius::DynAuthKind::kDisconnect, "quota used up");
  CHECK(nas->waitFor(2, milliseconds(3000)));
  LONGS_EQUAL(40, nas->codes()[0]);
  LONGS_EQUAL(40, nas->codes()[1]);
  // A quota event naming its sessions is sent as it is.
  edge::Enforcement e;
  e.username = "bob";
  e.kind = aaa::radius::DynAuthKind::kCoa;
  e.rate.downBps = 1000000;
  e.rate.upBps = 500000;
  e.why = "fair-use tier";
  e.sessions.push_back(edge::EnforcedSession{aaa::acct::sessionUid("nas1", "s-b1", 0, ""), "s-b1", "nas1", "127.0.0.1",
                                             "", ""});
  service->enforce(e);
  CHECK(nas->waitFor(3, milliseconds(3000)));
  LONGS_EQUAL(43, nas->codes()[2]);
}

TEST(Sessions, TheSweepClosesAStaleSession) {
  start(FakeNas::Mode::kAck);
  std::string stale = open("alice", "s-a1", 60);
  open("bob", "s-b1", 6000);
  CHECK(service->settleLedger().isOk());  // the sweep reads the `sessions` table
  LONGS_EQUAL(2, counts->total());
  service->tick(now + 1000);
  CHECK(writer->flush().isOk());
  LONGS_EQUAL(1, counts->total());
  LONGS_EQUAL(0, counts->count("alice"));
  ControlReply r = call("session-history", Json{{"user", "alice"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("1 closed sessions", r.text.c_str());
  STRCMP_EQUAL(stale.c_str(), r.arguments[0].at("id").get<std::string>().c_str());
  STRCMP_EQUAL("stale", r.arguments[0].at("close-reason").get<std::string>().c_str());
  r = call("session-list");
  STRCMP_EQUAL("1 live sessions", r.text.c_str());
}
