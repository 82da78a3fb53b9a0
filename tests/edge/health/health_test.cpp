// HealthMonitor: the alerts it raises from the gauges and counters, each once when its condition
// starts and again only after it cleared (docs/operator-guide.md, "Notifications"). Time is the
// `now` given to tick(); the disk's numbers come from a probe the test sets.
#include "edge/health/health.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "aaa/radius/acct_server.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/license.h"
#include "core/pki.h"
#include "edge/license/license_store.h"
#include "edge/radius/radius_service.h"
#include "edge/sync/sync_counters.h"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int64_t kStart = 1800000000;  // 2027-01-15

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/health-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_GROUP(HealthMonitor) {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<core::CounterRegistry> counters;
  std::unique_ptr<core::EventBus> events;
  std::unique_ptr<edge::RadiusService> radius;  // not started: an empty snapshot, no sessions
  std::unique_ptr<edge::LicenseStore> license;
  std::unique_ptr<edge::HealthMonitor> health;
  std::vector<edge::Alert> alerts;
  uint64_t freeBytes = 900, sizeBytes = 1000;
  int64_t now = kStart;

  void setup() override {
    dir = std::make_unique<TempDir>();
    counters = std::make_unique<core::CounterRegistry>();
    events = std::make_unique<core::EventBus>();
    radius = std::make_unique<edge::RadiusService>(*counters, *events);
    license = std::make_unique<edge::LicenseStore>();
    CHECK_TRUE(license->open(dir->path, dir->path + "/license-key.pem").isOk());
    health = std::make_unique<edge::HealthMonitor>(*counters, *events, *radius, *license);
    health->setDiskProbe([this](const std::string&, uint64_t* f, uint64_t* s) {
      *f = freeBytes;
      *s = sizeBytes;
      return true;
    });
    edge::AlertsConfig config;
    config.syncFailingSeconds = 3600;
    config.diskLowPercent = 10;
    config.nasSilentSeconds = 0;
    config.authFailureBurst = 0;
    health->configure(config, dir->path);
    events->subscribe<edge::Alert>([this](const edge::Alert& a) { alerts.push_back(a); });
  }

  void teardown() override {
    health.reset();
    radius.reset();
    license.reset();
    events.reset();
    counters.reset();
    dir.reset();
    alerts.clear();
    alerts.shrink_to_fit();
  }

  // One alert check (they run every 5 s of the main loop's ticks); returns the alerts it raised.
  std::vector<edge::Alert> check(int64_t advance = 5) {
    now += advance;
    size_t before = alerts.size();
    health->tick(now);
    return std::vector<edge::Alert>(alerts.begin() + static_cast<std::ptrdiff_t>(before), alerts.end());
  }

  // What the sync agent sets, through the sync area's declaration (edge/sync/sync_counters.h).
  void sync(int state, int64_t lastSuccess) {
    edge::SyncCounters c(*counters);
    c.state.set(static_cast<uint64_t>(state));
    c.lastSuccess.set(static_cast<uint64_t>(lastSuccess));
  }

  int64_t raised(const char* kind) { return counters->valueOf("edged_alerts_total", {{"alert", kind}}); }

  void installLicense(int64_t expiresAt, int64_t graceDays, int64_t issuedAt) {
    core::Result<std::string> key = core::pki::generateKey();
    CHECK_TRUE(key.isOk());
    core::Result<std::string> pub = core::pki::publicKeyOf(*key);
    CHECK_TRUE(pub.isOk());
    FILE* f = std::fopen((dir->path + "/license-key.pem").c_str(), "w");
    CHECK_TRUE(f != nullptr);
    std::fputs(pub->c_str(), f);
    std::fclose(f);
    core::License l;
    l.id = "L-" + std::to_string(issuedAt);
    l.tenant = "acme";
    l.tier = "basic";
    l.subscriberCap = 1000;
    l.features = {"vouchers", "snmp"};
    l.issuedAt = issuedAt;
    l.notBefore = kStart - 86400;
    l.expiresAt = expiresAt;
    l.graceDays = graceDays;
    core::Result<std::string> doc = core::signLicense(l, *key);
    CHECK_TRUE(doc.isOk());
    // A new key each time: the store reads the trusted key file at every install.
    core::Result<core::License> installed = license->install(*doc);
    CHECK_TRUE_TEXT(installed.isOk(), installed.status().message().c_str());
  }
};

TEST(HealthMonitor, SyncFailingIsRaisedAfterTheThresholdOnceAndAgainAfterAClear) {
  check(0);
  sync(2, now);
  CHECK_EQUAL(0u, check().size());
  // Failing, but the last success is recent: not yet.
  sync(3, now - 60);
  CHECK_EQUAL(0u, check().size());
  // Past the threshold since the last success: raised once.
  sync(3, now - 3601);
  std::vector<edge::Alert> a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kSyncFailing);
  CHECK_TRUE(contains(a[0].text, "failed for more than 3600 s"));
  // Still failing: nothing new.
  CHECK_EQUAL(0u, check().size());
  CHECK_EQUAL(0u, check(600).size());
  // A success clears it; failing again for the threshold raises it again.
  sync(2, now);
  CHECK_EQUAL(0u, check().size());
  sync(3, now - 7200);
  a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kSyncFailing);
  LONGS_EQUAL(2, raised("sync-failing"));
}

// A box whose first check-in after enrollment fails has no last success (0): "failed for more than
// an hour" must not be said five seconds later.
TEST(HealthMonitor, SyncFailingWithoutAnySuccessCountsFromWhenTheFailureWasSeen) {
  check(0);
  sync(3, 0);
  CHECK_EQUAL(0u, check().size());
  CHECK_EQUAL(0u, check(1800).size());
  std::vector<edge::Alert> a = check(1801);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kSyncFailing);
}

TEST(HealthMonitor, DiskLowIsRaisedBelowTheThresholdAndReArmedAbove) {
  CHECK_EQUAL(0u, check(0).size());  // 90% free
  freeBytes = 50;                    // 5% free, threshold 10%
  std::vector<edge::Alert> a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kDiskLow);
  CHECK_TRUE(contains(a[0].text, "has 5% free (threshold 10%)"));
  CHECK_TRUE(contains(a[0].text, dir->path));
  CHECK_EQUAL(0u, check().size());
  // Back at the threshold is not above it: still the same episode.
  freeBytes = 100;
  CHECK_EQUAL(0u, check().size());
  freeBytes = 50;
  CHECK_EQUAL(0u, check().size());
  // Above the threshold clears it; below again raises it again.
  freeBytes = 110;
  CHECK_EQUAL(0u, check().size());
  freeBytes = 20;
  a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(contains(a[0].text, "has 2% free"));
  LONGS_EQUAL(2, raised("disk-low"));
  // The gauges show what the probe said.
  LONGS_EQUAL(20, counters->valueOf("edged_data_free_bytes"));
  LONGS_EQUAL(1000, counters->valueOf("edged_data_size_bytes"));
}

TEST(HealthMonitor, DiskLowIsOffAtZero) {
  edge::AlertsConfig config;
  config.diskLowPercent = 0;
  config.nasSilentSeconds = 0;
  config.authFailureBurst = 0;
  health->configure(config, dir->path);
  freeBytes = 0;
  CHECK_EQUAL(0u, check(0).size());
  CHECK_EQUAL(0u, check().size());
}

TEST(HealthMonitor, AccountingWriteFailingIsRaisedOncePerEpisode) {
  core::Counter& failures = *aaa::radius::AcctCounters::registerIn(*counters, "").writeFailures;
  CHECK_EQUAL(0u, check(0).size());
  failures.inc(3);
  std::vector<edge::Alert> a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kAcctWriteFailing);
  CHECK_TRUE(contains(a[0].text, "3 accounting records failed to commit"));
  // The disk stays full: records keep failing, check after check. One alert, not one every 5 s.
  failures.inc(2);
  CHECK_EQUAL(0u, check().size());
  failures.inc(1);
  CHECK_EQUAL(0u, check().size());
  // A check without new failures clears it; the next failure raises it again.
  CHECK_EQUAL(0u, check().size());
  failures.inc(1);
  a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(contains(a[0].text, "1 accounting records failed to commit"));
  LONGS_EQUAL(2, raised("acct-write-failing"));
}

// The license's states from expiring on are announced once each: expiring, expired (grace days
// begin), and expired again when the grace days are over (the second expiry notification).
TEST(HealthMonitor, LicenseExpiryIsAnnouncedOncePerState) {
  const int64_t expires = kStart + 40 * 86400;
  installLicense(expires, 14, kStart - 3600);
  CHECK_EQUAL(0u, check(0).size());  // valid: 40 days left, warning from 30
  LONGS_EQUAL(2, counters->valueOf("edged_license_state"));
  std::vector<edge::Alert> a = check(11 * 86400);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kLicenseExpiring);
  CHECK_TRUE(contains(a[0].text, "expires in 29 days"));
  CHECK_EQUAL(0u, check(86400).size());
  a = check(expires - now);  // the moment it expires
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kLicenseExpired);
  CHECK_TRUE(contains(a[0].text, "has expired; 14 grace days"));
  LONGS_EQUAL(4, counters->valueOf("edged_license_state"));
  CHECK_EQUAL(0u, check(13 * 86400).size());
  a = check(expires + 14 * 86400 - now);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kLicenseExpired);
  CHECK_TRUE(contains(a[0].text, "grace days are over"));
  LONGS_EQUAL(5, counters->valueOf("edged_license_state"));
  CHECK_EQUAL(0u, check(86400).size());
  LONGS_EQUAL(2, raised("license-expired"));
  // A renewed license: valid again, and its own expiry is announced again.
  installLicense(now + 20 * 86400, 14, now);
  a = check();
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kLicenseExpiring);
  LONGS_EQUAL(2, raised("license-expiring"));
}

// Certificates (edge/certs hands the findings over): checked once a minute; each certificate is
// announced when it starts to need someone and again when it gets worse (expiring, then expired),
// not at every check; edged_alerts_active counts the certificates in each state.
TEST(HealthMonitor, CertificatesAreAnnouncedOncePerCertificateAndState) {
  std::vector<edge::CertificateFinding> findings;
  int checks = 0;
  health->setCertificateCheck([&](int64_t) {
    ++checks;
    return findings;
  });
  auto active = [this](const char* alert) { return counters->valueOf("edged_alerts_active", {{"alert", alert}}); };
  CHECK_EQUAL(0u, check(0).size());
  LONGS_EQUAL(1, checks);
  findings = {{"eap-certificate", false, "EAP server certificate (/e/eap.pem): expires in 12 days (2027-01-01): renew it"}};
  CHECK_EQUAL(0u, check().size());  // 5 s later: not read again yet
  LONGS_EQUAL(1, checks);
  std::vector<edge::Alert> a = check(60);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kCertificateExpiring);
  STRCMP_EQUAL("EAP server certificate (/e/eap.pem): expires in 12 days (2027-01-01): renew it", a[0].text.c_str());
  LONGS_EQUAL(1, active("certificate-expiring"));
  LONGS_EQUAL(0, active("certificate-expired"));
  // Still expiring a minute later, and a second certificate joins: only the new one is announced.
  findings.push_back({"eap-crl", true, "EAP client CRL (/e/crl.pem): out of date since 2026-12-01"});
  a = check(60);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kCertificateExpired);
  LONGS_EQUAL(1, active("certificate-expiring"));
  LONGS_EQUAL(1, active("certificate-expired"));
  // The first one expires: announced again, as expired.
  findings[0] = {"eap-certificate", true, "EAP server certificate (/e/eap.pem): expired on 2027-01-01"};
  a = check(60);
  CHECK_EQUAL(1u, a.size());
  CHECK_TRUE(a[0].kind == edge::AlertKind::kCertificateExpired);
  LONGS_EQUAL(0, active("certificate-expiring"));
  LONGS_EQUAL(2, active("certificate-expired"));
  // Renewed: the condition clears; were it to expire again later it would be announced again.
  findings.clear();
  CHECK_EQUAL(0u, check(60).size());
  LONGS_EQUAL(0, active("certificate-expired"));
  findings = {{"eap-certificate", false, "EAP server certificate (/e/eap.pem): expires in 29 days (2028-01-01): renew it"}};
  CHECK_EQUAL(1u, check(60).size());
  LONGS_EQUAL(2, raised("certificate-expiring"));
  LONGS_EQUAL(2, raised("certificate-expired"));
}

// What the check-in reports in health.alerts (mgmt raises a fleet alarm from it, ADR 0054): the
// alerts whose condition holds now, by name; gone when the condition clears.
TEST(HealthMonitor, ActiveAlertsNameTheConditionsThatHoldNow) {
  check(0);
  auto has = [this](const char* name) {
    std::vector<std::string> a = health->activeAlerts();
    return std::find(a.begin(), a.end(), name) != a.end();
  };
  CHECK_FALSE(has("disk-low"));
  freeBytes = 50;
  check();
  CHECK_TRUE(has("disk-low"));
  freeBytes = 900;
  check();
  CHECK_FALSE(has("disk-low"));
}

TEST(HealthMonitor, NetworkDeviceAlertsAreRaisedOncePerEpisodeAndStayOutOfTheBoxsOwnAlerts) {
  edge::netmon::DeviceState sw;
  sw.name = "sw1";
  sw.nas = "bras";
  sw.kind = "switch";
  health->setNetworkSource([&sw] { return std::vector<edge::netmon::DeviceState>{sw}; });
  CHECK_TRUE(check().empty());
  sw.reachable = false;
  sw.failedPolls = 3;
  sw.lastError = "timeout";
  std::vector<edge::Alert> raisedNow = check();
  LONGS_EQUAL(1, raisedNow.size());
  CHECK(raisedNow[0].kind == edge::AlertKind::kDeviceUnreachable);
  STRCMP_EQUAL("sw1", raisedNow[0].nas.c_str());
  CHECK_TRUE(contains(raisedNow[0].text, "switch sw1 (NAS bras)"));
  CHECK_TRUE(check().empty());  // once per episode
  LONGS_EQUAL(1, counters->valueOf("edged_alerts_active", {{"alert", "device-unreachable"}}));
  // Not the box's own health: the check-in carries them in health.network instead.
  std::vector<std::string> active = health->activeAlerts();
  CHECK_TRUE(std::find(active.begin(), active.end(), "device-unreachable") == active.end());
  // Back after a reboot, with an interface down.
  sw.reachable = true;
  sw.reboots = 1;
  sw.interfacesDown = {"ge-0/0/1"};
  raisedNow = check();
  LONGS_EQUAL(2, raisedNow.size());
  CHECK(raisedNow[0].kind == edge::AlertKind::kDeviceRebooted);
  CHECK(raisedNow[1].kind == edge::AlertKind::kInterfaceDown);
  CHECK_TRUE(contains(raisedNow[1].text, "ge-0/0/1"));
  LONGS_EQUAL(0, counters->valueOf("edged_alerts_active", {{"alert", "device-unreachable"}}));
  LONGS_EQUAL(1, counters->valueOf("edged_alerts_active", {{"alert", "interface-down"}}));
  CHECK_TRUE(check().empty());
  sw.reachable = false;  // a second episode is raised again
  LONGS_EQUAL(1, check().size());
  LONGS_EQUAL(2, raised("device-unreachable"));
}
