// fleet_sim: a fleet of simulated appliances against mgmtd's device API, for tests/bench/fleet_bench.py.
//
//   fleet_sim --token TOKEN --devices N --interval S --duration S --usage-devices K --usage-rows R
//
// Enrolls N devices with one multi-use claim token (each its own P-256 key and CSR, as a box does),
// then checks every device in once per `interval` seconds, spread evenly, for `duration` seconds,
// each check-in a new mutual-TLS connection like the box's client. Then K devices upload R usage
// rows each in batches of 1000, 4 at a time. Prints one JSON object with the figures; the reference
// in the same run is the TLS floor: GET /v1/ca on a fresh connection, no database behind it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/https_client.h"
#include "core/pki.h"
#include "core/sync_wire.h"

namespace {

using Clock = std::chrono::steady_clock;
using core::Json;

struct Device {
  core::HttpsClientOptions tls;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

long arg(int argc, char** argv, const char* name, long def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return std::strtol(argv[i + 1], nullptr, 10);
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tokenText;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--token") tokenText = argv[i + 1];
  long devices = arg(argc, argv, "--devices", 100), interval = arg(argc, argv, "--interval", 60);
  long duration = arg(argc, argv, "--duration", 60), usageDevices = arg(argc, argv, "--usage-devices", 20);
  long usageRows = arg(argc, argv, "--usage-rows", 5000), threads = arg(argc, argv, "--threads", 4);
  core::Result<core::sync::ClaimToken> token = core::sync::decodeClaimToken(tokenText);
  if (!token.isOk()) {
    std::fprintf(stderr, "fleet_sim: %s\n", token.status().message().c_str());
    return 2;
  }
  core::HttpsClientOptions open;
  open.endpoint = *core::parseHttpsUrl(token->url);
  core::Result<core::HttpsResponse> ca = core::httpsRequest(open, "GET", "/v1/ca");
  if (!ca.isOk() || ca->status != 200) {
    std::fprintf(stderr, "fleet_sim: cannot fetch the CA\n");
    return 1;
  }
  core::HttpsClientOptions pinned = open;
  pinned.caCertPem = ca->body;
  pinned.serverName = core::sync::kServerName;

  // Enrollment, `threads` at a time.
  std::vector<Device> fleet(static_cast<size_t>(devices));
  std::atomic<long> next{0}, failures{0};
  auto t0 = Clock::now();
  auto enrollWorker = [&] {
    for (long i; (i = next++) < devices;) {
      std::string key = *core::pki::generateKey();
      core::sync::EnrollRequest req{token->secret, *core::pki::createCsr(key, "sim-" + std::to_string(i)), "sim", "sim"};
      core::Result<core::HttpsResponse> r = core::httpsRequest(pinned, "POST", "/v1/enroll", core::sync::toJson(req).dump());
      if (!r.isOk() || r->status != 200) {
        ++failures;
        continue;
      }
      core::Result<core::sync::EnrollResponse> e = core::sync::parseBody<core::sync::EnrollResponse>(r->body);
      fleet[static_cast<size_t>(i)].tls = pinned;
      fleet[static_cast<size_t>(i)].tls.clientCertPem = e->certificate;
      fleet[static_cast<size_t>(i)].tls.clientKeyPem = key;
    }
  };
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t) pool.emplace_back(enrollWorker);
  for (auto& t : pool) t.join();
  pool.clear();
  double enrollSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failures > 0) {
    std::fprintf(stderr, "fleet_sim: %ld enrollments failed\n", failures.load());
    return 1;
  }

  // Check-ins: device i at offset i * interval / devices within each interval, for `duration` s.
  std::mutex mu;
  std::vector<double> checkinMs, floorMs;
  std::atomic<long> checkinFailures{0}, late{0};
  long total = devices * std::max(1L, duration / interval);
  next = 0;
  auto start = Clock::now();
  auto checkinWorker = [&] {
    for (long n; (n = next++) < total;) {
      long device = n % devices;
      auto due = start + std::chrono::microseconds(static_cast<long long>(n) * interval * 1000000 / devices);
      if (Clock::now() > due + std::chrono::seconds(1)) ++late;
      std::this_thread::sleep_until(due);
      core::sync::CheckinRequest in;
      in.version = "sim";
      in.subscribers = 500;
      in.sessions = 120;
      auto a = Clock::now();
      core::Result<core::HttpsResponse> r =
          core::httpsRequest(fleet[static_cast<size_t>(device)].tls, "POST", "/v1/checkin", core::sync::toJson(in).dump());
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - a).count();
      if (!r.isOk() || r->status != 200) ++checkinFailures;
      std::lock_guard<std::mutex> lock(mu);
      checkinMs.push_back(ms);
      if (n % 10 == 0) {  // the TLS floor, interleaved: same server, same moment, no database
        auto b = Clock::now();
        (void)core::httpsRequest(pinned, "GET", "/v1/ca");
        floorMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - b).count());
      }
    }
  };
  for (long t = 0; t < threads * 4; ++t) pool.emplace_back(checkinWorker);
  for (auto& t : pool) t.join();
  pool.clear();
  double checkinSeconds = std::chrono::duration<double>(Clock::now() - start).count();

  // Usage ingest.
  std::atomic<long> rowsSent{0}, usageFailures{0};
  next = 0;
  auto u0 = Clock::now();
  auto usageWorker = [&] {
    for (long d; (d = next++) < std::min(usageDevices, devices);) {
      for (long first = 1; first <= usageRows; first += 1000) {
        core::sync::UsageBatch batch;
        for (long s = first; s < first + 1000 && s <= usageRows; ++s)
          batch.rows.push_back({s, 1795000000 + s, "sess-" + std::to_string(s / 10), "user" + std::to_string(s % 500),
                                1000 + s, 50000 + s, 60});
        batch.idempotencyKey = "usage:" + std::to_string(first);
        core::Result<core::HttpsResponse> r =
            core::httpsRequest(fleet[static_cast<size_t>(d)].tls, "POST", "/v1/usage", core::sync::toJson(batch).dump());
        if (!r.isOk() || r->status != 200) ++usageFailures;
        else rowsSent += static_cast<long>(batch.rows.size());
      }
    }
  };
  for (long t = 0; t < threads; ++t) pool.emplace_back(usageWorker);
  for (auto& t : pool) t.join();
  double usageSeconds = std::chrono::duration<double>(Clock::now() - u0).count();

  Json out{{"devices", devices},
           {"enroll-seconds", enrollSeconds},
           {"checkins", static_cast<long>(checkinMs.size())},
           {"checkin-seconds", checkinSeconds},
           {"checkin-failures", checkinFailures.load()},
           {"checkins-late", late.load()},
           {"checkin-p50-ms", percentile(checkinMs, 0.5)},
           {"checkin-p99-ms", percentile(checkinMs, 0.99)},
           {"floor-p50-ms", percentile(floorMs, 0.5)},
           {"floor-p99-ms", percentile(floorMs, 0.99)},
           {"usage-rows", rowsSent.load()},
           {"usage-failures", usageFailures.load()},
           {"usage-seconds", usageSeconds},
           {"usage-rows-per-second", usageSeconds > 0 ? static_cast<double>(rowsSent.load()) / usageSeconds : 0}};
  std::printf("%s\n", out.dump().c_str());
  return checkinFailures == 0 && usageFailures == 0 ? 0 : 1;
}
