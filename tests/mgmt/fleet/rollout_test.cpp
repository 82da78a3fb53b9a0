// Firmware rollouts (ADR 0052): the pure rules (maintenance windows, rings, which box in which ring,
// the decision over boxes' states, a property test of decide() against a plain reference over random
// outcomes), and the service on the storage of this run: a bundle verified into the catalog, boxes
// told the version at check-in only when their ring is open and inside their window, canaries that
// roll back pause the rollout by themselves, rings that open only on boxes committed and healthy, the
// report deadline, resume and abort, tenants seeing only their own.
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>

#include "core/pki.h"
#include "firmware/bundle.h"
#include "mgmt/fleet/rollout_rules.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::fleet::BoxState;
using mgmt::fleet::Decision;
using mgmt::fleet::decide;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

// 2026-01-05 was a Monday.
constexpr int64_t kMonday = 1767571200;

std::string errorOf(const core::Status& s) { return s.message(); }

}  // namespace

TEST_GROUP(RolloutRules){};

TEST(RolloutRules, WindowsParseAndContainTimes) {
  core::Result<mgmt::fleet::MaintenanceWindow> w = mgmt::fleet::parseWindow("Mon-Fri 01:00-05:00 UTC");
  CHECK_TRUE(w.isOk());
  STRCMP_EQUAL("Mon-Fri 01:00-05:00 UTC", w->text().c_str());
  CHECK_TRUE(mgmt::fleet::insideWindow(*w, kMonday + 2 * 3600));
  CHECK_FALSE(mgmt::fleet::insideWindow(*w, kMonday + 5 * 3600));       // the end is outside
  CHECK_FALSE(mgmt::fleet::insideWindow(*w, kMonday + 5 * 86400 + 7200));  // Saturday
  // Past midnight: Friday 22:00 to Saturday 02:00 is Friday's window.
  w = mgmt::fleet::parseWindow("Fri 22:00-02:00 UTC");
  CHECK_TRUE(w.isOk());
  CHECK_TRUE(mgmt::fleet::insideWindow(*w, kMonday + 4 * 86400 + 23 * 3600));
  CHECK_TRUE(mgmt::fleet::insideWindow(*w, kMonday + 5 * 86400 + 3600));
  CHECK_FALSE(mgmt::fleet::insideWindow(*w, kMonday + 3600));  // Monday 01:00 follows Sunday
  STRCMP_EQUAL("daily 00:00-24:00 UTC", mgmt::fleet::parseWindow("daily 00:00-24:00 UTC")->text().c_str());
  STRCMP_EQUAL("Mon,Wed,Sat-Sun 01:00-02:00 UTC",
               mgmt::fleet::parseWindow("Mon,Wed,Sat-Sun 01:00-02:00 UTC")->text().c_str());
  STRCMP_EQUAL("window: unknown day 'Mun' (Mon, Tue, Wed, Thu, Fri, Sat, Sun or daily)",
               errorOf(mgmt::fleet::parseWindow("Mun-Fri 01:00-05:00 UTC").status()).c_str());
  STRCMP_EQUAL("window: '25:00' is not a time HH:MM (00:00 to 24:00)",
               errorOf(mgmt::fleet::parseWindow("daily 25:00-05:00 UTC").status()).c_str());
  STRCMP_EQUAL("window: the time zone must be UTC (got 'CET')",
               errorOf(mgmt::fleet::parseWindow("daily 01:00-05:00 CET").status()).c_str());
  CHECK_TRUE(mgmt::fleet::parseWindow("daily 01:00 UTC").status().code() == core::Code::kInvalidArgument);
}

TEST(RolloutRules, RingsAreCheckedAndAssignedByShare) {
  auto bad = [](const char* json) { return errorOf(mgmt::fleet::parseRings(Json::parse(json)).status()); };
  STRCMP_EQUAL("rings[1].percent: must be above the ring before it (50%): percentages are cumulative",
               bad(R"([{"name":"a","percent":50},{"name":"b","percent":10},{"name":"c","percent":100}])").c_str());
  STRCMP_EQUAL("rings: the last ring must be \"percent\": 100, so that every box is in a ring",
               bad(R"([{"name":"a","devices":["d-1"]},{"name":"b","percent":50}])").c_str());
  STRCMP_EQUAL("rings[0]: give either devices or percent", bad(R"([{"name":"a"},{"name":"b","percent":100}])").c_str());
  STRCMP_EQUAL("rings[1].devices: 'd-1' is in two rings",
               bad(R"([{"name":"a","devices":["d-1"]},{"name":"b","devices":["d-1"]},{"name":"c","percent":100}])").c_str());
  STRCMP_EQUAL("rings[0].size: unknown key (name, devices or percent)",
               bad(R"([{"name":"a","size":3},{"name":"b","percent":100}])").c_str());

  auto rings = mgmt::fleet::parseRings(Json::parse(
      R"([{"name":"canary","devices":["d-00","d-01"]},{"name":"ten","percent":10},{"name":"half","percent":50},{"name":"all","percent":100}])"));
  CHECK_TRUE(rings.isOk());
  std::vector<std::string> devices;
  for (int i = 0; i < 22; ++i) devices.push_back("d-" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  auto assigned = mgmt::fleet::assignRings("r-1", *rings, devices);
  CHECK_TRUE(assigned.isOk());
  int counts[4] = {0, 0, 0, 0};
  for (const auto& [d, ring] : *assigned) ++counts[ring];
  CHECK_EQUAL(22u, assigned->size());
  CHECK_EQUAL(2, counts[0]);
  CHECK_EQUAL(2, counts[1]);   // 10% of 20, rounded up
  CHECK_EQUAL(8, counts[2]);   // up to 50%
  CHECK_EQUAL(10, counts[3]);  // the rest
  CHECK_EQUAL(0, assigned->at("d-01"));
  // The same rollout places the same box in the same ring.
  CHECK_TRUE(*assigned == *mgmt::fleet::assignRings("r-1", *rings, devices));
  STRCMP_EQUAL("rings[0].devices: no active device 'd-00' in the rollout's scope (see device list)",
               errorOf(mgmt::fleet::assignRings("r-1", *rings, {"d-05"}).status()).c_str());
}

// decide() over random boxes and states, against a plain reference: the open ring moves past ring k
// only when every box of rings <= k is healthy or failed with failures within the threshold; it pauses
// exactly when the failures of the open rings (timed-out offers counted) exceed the threshold.
TEST(RolloutRules, DecideAgreesWithAPlainReference) {
  std::mt19937 rnd(20261207);
  const char* states[] = {"pending",   "offered", "downloading", "installed", "booted",
                          "committed", "healthy", "rolled-back", "failed"};
  for (int round = 0; round < 3000; ++round) {
    const int ringCount = 1 + static_cast<int>(rnd() % 4);
    const int openRing = static_cast<int>(rnd() % ringCount);
    const int threshold = static_cast<int>(rnd() % 60);
    const int64_t now = 100000, deadline = 1000;
    std::vector<BoxState> boxes;
    const int n = static_cast<int>(rnd() % 12);
    for (int i = 0; i < n; ++i) {
      BoxState b;
      b.device = "d-" + std::to_string(i);
      b.ring = static_cast<int>(rnd() % ringCount);
      // Mostly healthy, so that rings do advance in many rounds; a ring not open yet was never told
      // anything (its boxes are pending).
      b.state = b.ring > openRing ? "pending" : rnd() % 3 == 0 ? states[rnd() % 9] : "healthy";
      const int p = mgmt::fleet::boxProgress(b.state);
      b.offeredAt = p >= 1 ? now - static_cast<int64_t>(rnd() % (2 * deadline)) : 0;
      boxes.push_back(b);
    }
    Decision d = decide(boxes, openRing, ringCount, threshold, deadline, now);
    // Reference.
    auto failedRef = [&](const BoxState& b) {
      const int p = mgmt::fleet::boxProgress(b.state);
      return mgmt::fleet::boxFailed(b.state) || (p >= 1 && p < 5 && now - b.offeredAt > deadline);
    };
    int ring = openRing;
    bool pause = false, done = false;
    for (;;) {
      int total = 0, failed = 0, settled = 0;
      for (const BoxState& b : boxes)
        if (b.ring <= ring) {
          ++total;
          failed += failedRef(b);
          settled += failedRef(b) || b.state == "healthy";
        }
      if (failed * 100 > threshold * total) { pause = true; break; }
      if (settled < total) break;
      if (ring + 1 >= ringCount) { done = true; break; }
      ++ring;
    }
    CHECK_EQUAL(pause, d.pause);
    CHECK_EQUAL(done, d.done);
    CHECK_EQUAL(ring, d.openRing);
    for (const std::string& id : d.timedOut) {
      const BoxState& b = boxes[std::stoi(id.substr(2))];
      CHECK_TRUE(b.ring <= openRing && failedRef(b) && !mgmt::fleet::boxFailed(b.state));
    }
    CHECK_TRUE(!d.pause || !d.reason.empty());
  }
}

TEST_GROUP(Rollouts){};

namespace {

struct Catalog {
  std::string privatePem, publicPem, keyFile, bundleFile;
};

// A firmware key and a signed bundle of `version` for edge-x86_64, in files under the fixture's folder.
Catalog makeBundle(Fixture& f, const std::string& version, const std::string& privatePem = "", int seed = 0) {
  Catalog c;
  c.privatePem = privatePem.empty() ? *core::pki::generateKey() : privatePem;
  c.publicPem = *core::pki::publicKeyOf(c.privatePem);
  firmware::Manifest m;
  m.version = *firmware::parseVersion(version, "v");
  m.compatible = {"edge-x86_64"};
  m.minVersion = *firmware::parseVersion("1.0", "v");
  m.securityFloor = *firmware::parseVersion("1.5", "v");
  std::string payload(200000, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 + static_cast<size_t>(seed));
  firmware::StringSource source(payload);
  CHECK_TRUE(firmware::describePayload(source, 65536, m).isOk());
  std::string manifest = firmware::manifestToJson(m).dump();
  std::string bytes = *firmware::headerBytes(manifest, *firmware::signManifest(manifest, c.privatePem)) + payload;
  c.keyFile = f.dir + "/firmware-" + version + ".pem";
  c.bundleFile = f.dir + "/edge-" + version + ".bundle";
  std::ofstream(c.keyFile) << c.publicPem;
  std::ofstream(c.bundleFile, std::ios::binary) << bytes;
  f.config.firmwareKey = c.keyFile;
  return c;
}

std::string desired(Fixture& f, const mgmt::fleet::Device& d, const std::string& running = "1.9") {
  core::sync::CheckinRequest in;
  in.version = running;
  core::Result<core::sync::CheckinResponse> r = f.platform->fleet.checkin(d, in, f.now());
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  return r->desiredVersion;
}

int64_t seq = 0;
void outcome(Fixture& f, const mgmt::fleet::Device& d, const std::string& what, const std::string& version,
             const std::string& reason = "") {
  core::sync::EventBatch batch;
  batch.events.push_back({++seq, f.now(), "firmware-outcome",
                          Json{{"outcome", what}, {"version", version}, {"slot", "b"}, {"reason", reason}}});
  CHECK_TRUE(f.platform->usage.events(d, batch, f.now()).isOk());
}

std::string boxState(Fixture& f, const std::string& rollout, const std::string& device) {
  core::ControlReply r = f.call("rollout-show", Json{{"rollout", rollout}});
  for (const Json& b : r.arguments["boxes"])
    if (b["device"] == device) return b["state"].get<std::string>() + (b["reason"] == "" ? "" : ": " + b["reason"].get<std::string>());
  return "(none)";
}

}  // namespace

TEST(Rollouts, TheCatalogTakesOnlyBundlesSignedByTheFirmwareKey) {
  Fixture f;
  Catalog c = makeBundle(f, "2.1.0");
  core::ControlReply added = f.call("firmware-add", Json{{"file", c.bundleFile}, {"channel", "stable"}});
  CHECK_EQUAL_TEXT(0, added.result, added.text.c_str());
  STRCMP_EQUAL("2.1.0", added.arguments["version"].get<std::string>().c_str());
  STRCMP_EQUAL("1.5", added.arguments["security-floor"].get<std::string>().c_str());
  STRCMP_EQUAL("edge-x86_64", added.arguments["hardware"][0].get<std::string>().c_str());
  CHECK_EQUAL(0, ::access((f.dir + "/firmware/2.1.0.bundle").c_str(), R_OK));
  // Again: the same bytes are the same release.
  CHECK_EQUAL(0, f.call("firmware-add", Json{{"file", c.bundleFile}, {"channel", "stable"}}).result);
  CHECK_EQUAL(1u, f.call("firmware-list", Json::object()).arguments.size());
  CHECK_EQUAL(0u, f.call("firmware-list", Json{{"channel", "beta"}}).arguments.size());
  // The same version again with other bytes (another payload signed by the same key): refused, the kept
  // file unchanged.
  const std::string kept = f.dir + "/firmware/2.1.0.bundle";
  std::ifstream before(kept, std::ios::binary);
  const std::string keptBytes((std::istreambuf_iterator<char>(before)), std::istreambuf_iterator<char>());
  Catalog resigned = makeBundle(f, "2.1.0", c.privatePem, 1);
  core::ControlReply twice = f.call("firmware-add", Json{{"file", resigned.bundleFile}, {"channel", "stable"}});
  CHECK_TRUE(twice.code == core::Code::kAlreadyExists);
  STRCMP_EQUAL("file: version 2.1.0 is in the catalog already, with other bytes", twice.text.c_str());
  std::ifstream after(kept, std::ios::binary);
  CHECK_TRUE(keptBytes == std::string((std::istreambuf_iterator<char>(after)), std::istreambuf_iterator<char>()));
  // Another key's bundle, a flipped payload byte, a bad channel: refused, nothing kept.
  Catalog other = makeBundle(f, "2.2.0");
  f.config.firmwareKey = c.keyFile;
  core::ControlReply foreign = f.call("firmware-add", Json{{"file", other.bundleFile}, {"channel", "beta"}});
  CHECK_TRUE(foreign.code == core::Code::kPermissionDenied);
  {
    std::fstream b(c.bundleFile, std::ios::in | std::ios::out | std::ios::binary);
    b.seekp(-100, std::ios::end);
    b.put('!');
  }
  std::string copy = f.dir + "/tampered.bundle";
  CHECK_EQUAL(0, std::system(("cp " + c.bundleFile + " " + copy).c_str()));
  core::ControlReply tampered = f.call("firmware-add", Json{{"file", copy}, {"channel", "stable"}});
  CHECK_TRUE(tampered.result != 0);
  core::ControlReply channel = f.call("firmware-add", Json{{"file", other.bundleFile}, {"channel", "nightly"}});
  STRCMP_EQUAL("channel: expected stable or beta (got 'nightly')", channel.text.c_str());
  CHECK_EQUAL(1u, f.call("firmware-list", Json::object()).arguments.size());
  // Tenants read the catalog but do not add to it.
  std::string t = f.tenant("acme", "basic");
  CHECK_EQUAL(1u, f.call("firmware-list", Json::object(), Caller{t}).arguments.size());
  CHECK_TRUE(f.call("firmware-add", Json{{"file", c.bundleFile}, {"channel", "beta"}}, Caller{t}).code ==
             core::Code::kPermissionDenied);
}

TEST(Rollouts, CanariesThatRollBackPauseTheRolloutByItself) {
  Fixture f;
  Catalog c = makeBundle(f, "2.1.0");
  CHECK_EQUAL(0, f.call("firmware-add", Json{{"file", c.bundleFile}, {"channel", "stable"}}).result);
  f.tenant("acme", "basic");
  std::vector<mgmt::fleet::Device> boxes;
  for (int i = 0; i < 6; ++i) boxes.push_back(f.enroll("acme"));
  Json rings = Json::array({Json{{"name", "canary"}, {"devices", {boxes[0].id, boxes[1].id}}},
                            Json{{"name", "half"}, {"percent", 50}}, Json{{"name", "all"}, {"percent", 100}}});
  core::ControlReply made = f.call("rollout-create", Json{{"tenant", "acme"}, {"version", "2.1.0"},
                                                          {"rings", rings.dump()}, {"failure-percent", 20}});
  CHECK_EQUAL_TEXT(0, made.result, made.text.c_str());
  const std::string id = made.arguments["id"].get<std::string>();
  CHECK_EQUAL(6, made.arguments["boxes"].get<int>());
  // A second rollout for the same tenant waits for this one.
  CHECK_TRUE(f.call("rollout-create", Json{{"tenant", "acme"}, {"version", "2.1.0"}, {"rings", rings.dump()}}).code ==
             core::Code::kFailedPrecondition);
  // Only the canaries are told.
  STRCMP_EQUAL("2.1.0", desired(f, boxes[0]).c_str());
  STRCMP_EQUAL("2.1.0", desired(f, boxes[1]).c_str());
  for (int i = 2; i < 6; ++i) STRCMP_EQUAL("", desired(f, boxes[i]).c_str());
  STRCMP_EQUAL("offered", boxState(f, id, boxes[0].id).c_str());
  outcome(f, boxes[0], "installed", "2.1.0");
  outcome(f, boxes[0], "committed", "2.1.0");
  outcome(f, boxes[0], "installed", "2.1.0");  // a late duplicate does not move it back
  STRCMP_EQUAL("committed", boxState(f, id, boxes[0].id).c_str());
  STRCMP_EQUAL("2.1.0", desired(f, boxes[0], "2.1.0").c_str());
  STRCMP_EQUAL("healthy", boxState(f, id, boxes[0].id).c_str());
  outcome(f, boxes[1], "rolled-back", "2.1.0", "health gate failed after 20 s: RADIUS self-test: timeout");
  STRCMP_EQUAL("rolled-back: health gate failed after 20 s: RADIUS self-test: timeout",
               boxState(f, id, boxes[1].id).c_str());
  // The job pauses it: 1 of 2 is above 20%.
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  core::ControlReply shown = f.call("rollout-show", Json{{"rollout", id}});
  STRCMP_EQUAL("paused", shown.arguments["state"].get<std::string>().c_str());
  STRCMP_EQUAL("1 of 2 boxes in rings 1-1 failed (rolled back, failed gate or no report within 3600 s): above the "
               "threshold of 20%",
               shown.arguments["reason"].get<std::string>().c_str());
  STRCMP_EQUAL("canary", shown.arguments["open-ring"].get<std::string>().c_str());
  CHECK_EQUAL(1, shown.arguments["rings"][0]["states"]["rolled-back"].get<int>());
  CHECK_EQUAL(1, shown.arguments["rings"][0]["states"]["healthy"].get<int>());
  for (int i = 2; i < 6; ++i) STRCMP_EQUAL("", desired(f, boxes[i]).c_str());
  STRCMP_EQUAL("", desired(f, boxes[1]).c_str());         // a box that rolled back is not told again
  STRCMP_EQUAL("2.1.0", desired(f, boxes[0], "2.1.0").c_str());  // a healthy one stays on it
  // Resumed as it is, it pauses again at the next round; resumed with a retry, the canary is told again.
  CHECK_EQUAL(0, f.call("rollout-resume", Json{{"rollout", id}}).result);
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  STRCMP_EQUAL("paused", f.call("rollout-show", Json{{"rollout", id}}).arguments["state"].get<std::string>().c_str());
  CHECK_EQUAL(0, f.call("rollout-resume", Json{{"rollout", id}, {"retry-failed", true}}).result);
  STRCMP_EQUAL("2.1.0", desired(f, boxes[1]).c_str());
  outcome(f, boxes[1], "committed", "2.1.0");
  desired(f, boxes[1], "2.1.0");
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  shown = f.call("rollout-show", Json{{"rollout", id}});
  STRCMP_EQUAL("running", shown.arguments["state"].get<std::string>().c_str());
  STRCMP_EQUAL("half", shown.arguments["open-ring"].get<std::string>().c_str());
  int told = 0;
  for (int i = 2; i < 6; ++i) told += desired(f, boxes[i]) == "2.1.0";
  CHECK_EQUAL(shown.arguments["rings"][1]["boxes"].get<int>(), told);
  CHECK_EQUAL(2, told);  // half of the 4 others
  // Abort: nobody is told any more, and it cannot be resumed.
  CHECK_EQUAL(0, f.call("rollout-abort", Json{{"rollout", id}}).result);
  for (int i = 0; i < 6; ++i) STRCMP_EQUAL("", desired(f, boxes[i], i < 2 ? "2.1.0" : "1.9").c_str());
  CHECK_TRUE(f.call("rollout-resume", Json{{"rollout", id}}).code == core::Code::kFailedPrecondition);
}

TEST(Rollouts, RingsOpenOnlyOnHealthyBoxesInsideTheWindowAndSilenceFails) {
  Fixture f;
  Catalog c = makeBundle(f, "2.1.0");
  CHECK_EQUAL(0, f.call("firmware-add", Json{{"file", c.bundleFile}, {"channel", "beta"}}).result);
  std::string t = f.tenant("acme", "basic");
  mgmt::fleet::Device a = f.enroll("acme"), b = f.enroll("acme");
  f.clock.setWall(kMonday * 1000 + 12 * 3600 * 1000);  // Monday noon
  core::ControlReply bad = f.call("maintenance-window-set", Json{{"window", "Mon-Fri 1:00-05:00 UTC"}}, Caller{t});
  STRCMP_EQUAL("window: '1:00' is not a time HH:MM (00:00 to 24:00)", bad.text.c_str());
  CHECK_EQUAL(0, f.call("maintenance-window-set", Json{{"window", "Mon-Fri 01:00-05:00 UTC"}}, Caller{t}).result);
  Json rings = Json::array({Json{{"name", "first"}, {"devices", {a.id}}}, Json{{"name", "rest"}, {"percent", 100}}});
  core::ControlReply made = f.call(
      "rollout-create", Json{{"version", "2.1.0"}, {"rings", rings.dump()}, {"failure-percent", 0}, {"report-seconds", 600}},
      Caller{t});
  CHECK_EQUAL_TEXT(0, made.result, made.text.c_str());
  const std::string id = made.arguments["id"].get<std::string>();
  STRCMP_EQUAL("", desired(f, a).c_str());  // outside the window
  f.clock.setWall((kMonday + 86400 + 2 * 3600) * 1000);  // Tuesday 02:00
  STRCMP_EQUAL("2.1.0", desired(f, a).c_str());
  STRCMP_EQUAL("", desired(f, b).c_str());  // its ring is not open
  outcome(f, a, "committed", "2.1.0");
  // Committed but not yet seen running it: the ring stays.
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  STRCMP_EQUAL("first", f.call("rollout-show", Json{{"rollout", id}}).arguments["open-ring"].get<std::string>().c_str());
  core::sync::CheckinRequest alerting;
  alerting.version = "2.1.0";
  alerting.health = Json{{"alerts", {"ledger: read failed"}}};
  CHECK_TRUE(f.platform->fleet.checkin(a, alerting, f.now()).isOk());
  STRCMP_EQUAL("committed", boxState(f, id, a.id).c_str());
  desired(f, a, "2.1.0");
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  STRCMP_EQUAL("rest", f.call("rollout-show", Json{{"rollout", id}}).arguments["open-ring"].get<std::string>().c_str());
  STRCMP_EQUAL("2.1.0", desired(f, b).c_str());
  // b never reports: after the deadline it has failed, and with a threshold of 0% the rollout pauses.
  f.clock.advance(std::chrono::seconds(601));
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  STRCMP_EQUAL("failed: no report within 600 s of the offer", boxState(f, id, b.id).c_str());
  STRCMP_EQUAL("paused", f.call("rollout-show", Json{{"rollout", id}}).arguments["state"].get<std::string>().c_str());
  // Another tenant neither sees nor moves it; the platform sees it.
  std::string other = f.tenant("globex", "basic");
  CHECK_TRUE(f.call("rollout-show", Json{{"rollout", id}}, Caller{other}).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("rollout-resume", Json{{"rollout", id}}, Caller{other}).code == core::Code::kNotFound);
  CHECK_EQUAL(0u, f.call("rollout-list", Json::object(), Caller{other}).arguments.size());
  CHECK_EQUAL(1u, f.call("rollout-list", Json::object(), Caller{t}).arguments.size());
  CHECK_EQUAL(1u, f.call("rollout-list", Json::object()).arguments.size());
  CHECK_TRUE(f.call("maintenance-window-get", Json{{"tenant", "acme"}}, Caller{other}).code == core::Code::kNotFound);
  STRCMP_EQUAL("Mon-Fri 01:00-05:00 UTC",
               f.call("maintenance-window-get", Json::object(), Caller{t}).arguments["window"].get<std::string>().c_str());
  // A box resumed with a retry that then commits finishes the rollout.
  CHECK_EQUAL(0, f.call("rollout-resume", Json{{"rollout", id}, {"retry-failed", true}}, Caller{t}).result);
  STRCMP_EQUAL("2.1.0", desired(f, b).c_str());
  outcome(f, b, "committed", "2.1.0");
  desired(f, b, "2.1.0");
  CHECK_EQUAL(0, f.call("rollout-advance", Json::object()).result);
  STRCMP_EQUAL("done", f.call("rollout-show", Json{{"rollout", id}}).arguments["state"].get<std::string>().c_str());
}
