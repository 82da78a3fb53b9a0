// fleet_sim: a fleet of simulated appliances against mgmtd's device API, for tests/bench/fleet_bench.py.
//
//   fleet_sim enroll --token TOKEN --devices N --out FILE [--threads T]
//   fleet_sim run --fleet FILE --url URL [--devices N] [--interval S] [--duration S] [--workers W]
//                 [--max-seconds S] [--floor-every K] [--usage-devices D] [--usage-rows R] [--usage-threads T]
//
// enroll: N devices through the real enrollment path, as boxes do it: each its own P-256 key and CSR,
// POST /v1/enroll with one multi-use claim token over TLS pinned to the mgmt CA, the certificate
// mgmt's CA signs bound to a new device record. FILE gets the CA and every device's key and
// certificate (JSON lines), so that a benchmark can enroll a large fleet once and reuse it (the
// device records stay in the database it enrolled into; fleet_bench.py caches both).
//
// run: the fleet in FILE (the first N devices) checks in through URL, every device once per
// `interval` seconds at its own offset (i * interval / N), for `duration` seconds; each check-in is
// a new mutual-TLS connection, as the box's client (core::HttpsClient) makes it: with --resume 1
// (the default) it offers the TLS session of the device's previous connection, so a server that
// issues tickets resumes it (no certificates, signatures or key exchange); --resume 0 shakes hands
// in full every time (the box before session resumption). When resuming, a warm-up first gives every
// device the session its last check-in would have left it (one GET /v1/ca each, as fast as the
// workers go, not counted). The reference in the same run is the TLS floor: every K-th check-in, the
// same device fetches GET /v1/ca over a new connection made the same way (the same handshake, no
// database behind it); every M-th (--full-floor-every) also over a connection with a full handshake,
// for what resumption saves. Then the usage phase: D devices each upload R usage rows in batches of
// 1000, T uploads at a time, each device's subscribers its own. Prints one JSON object.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
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
  std::string key, cert;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string text(int argc, char** argv, const char* name, const std::string& def = "") {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return argv[i + 1];
  return def;
}

long number(int argc, char** argv, const char* name, long def) {
  std::string v = text(argc, argv, name);
  return v.empty() ? def : std::strtol(v.c_str(), nullptr, 10);
}

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Keeps the first error of a kind, for the report.
class FirstError {
 public:
  void note(const core::Result<core::HttpsResponse>& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!text_.empty()) return;
    text_ = r.isOk() ? "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200) : r.status().toString();
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

int enroll(int argc, char** argv) {
  const long devices = number(argc, argv, "--devices", 100), threads = number(argc, argv, "--threads", 4);
  const std::string out = text(argc, argv, "--out");
  core::Result<core::sync::ClaimToken> token = core::sync::decodeClaimToken(text(argc, argv, "--token"));
  if (!token.isOk() || out.empty()) {
    std::fprintf(stderr, "fleet_sim enroll: --token TOKEN and --out FILE needed (%s)\n",
                 token.isOk() ? "no --out" : token.status().message().c_str());
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

  std::vector<Device> fleet(static_cast<size_t>(devices));
  std::atomic<long> next{0}, failures{0};
  FirstError firstError;
  auto t0 = Clock::now();
  auto worker = [&] {
    for (long i; (i = next++) < devices;) {
      std::string key = *core::pki::generateKey();
      core::sync::EnrollRequest req{token->secret, *core::pki::createCsr(key, "sim-" + std::to_string(i)), "sim", "sim"};
      core::Result<core::HttpsResponse> r = core::httpsRequest(pinned, "POST", "/v1/enroll", core::sync::toJson(req).dump());
      core::Result<core::sync::EnrollResponse> e =
          r.isOk() && r->status == 200 ? core::sync::parseBody<core::sync::EnrollResponse>(r->body)
                                       : core::Result<core::sync::EnrollResponse>(core::internalError("enroll"));
      if (!e.isOk()) {
        ++failures;
        firstError.note(r);
        continue;
      }
      fleet[static_cast<size_t>(i)] = Device{key, e->certificate};
    }
  };
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failures > 0) {
    std::fprintf(stderr, "fleet_sim: %ld enrollments failed, first: %s\n", failures.load(), firstError.text().c_str());
    return 1;
  }
  std::ofstream f(out + ".tmp");
  f << Json{{"ca", ca->body}, {"devices", devices}}.dump() << "\n";
  for (const Device& d : fleet) f << Json{{"key", d.key}, {"cert", d.cert}}.dump() << "\n";
  f.close();
  if (!f || std::rename((out + ".tmp").c_str(), out.c_str()) != 0) {
    std::fprintf(stderr, "fleet_sim: cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("%s\n", Json{{"devices", devices}, {"enroll-seconds", msSince(t0) / 1000}}.dump().c_str());
  return 0;
}

int run(int argc, char** argv) {
  const std::string fleetFile = text(argc, argv, "--fleet"), url = text(argc, argv, "--url");
  std::ifstream in(fleetFile);
  std::string line;
  if (!in || !std::getline(in, line) || url.empty()) {
    std::fprintf(stderr, "fleet_sim run: --fleet FILE (from fleet_sim enroll) and --url URL needed\n");
    return 2;
  }
  core::HttpsClientOptions base;
  const bool resume = number(argc, argv, "--resume", 1) != 0;
  base.resumeSessions = resume;
  core::Result<core::HttpsEndpoint> endpoint = core::parseHttpsUrl(url);
  if (!endpoint.isOk()) {
    std::fprintf(stderr, "fleet_sim: %s\n", endpoint.status().message().c_str());
    return 2;
  }
  base.endpoint = *endpoint;
  base.caCertPem = Json::parse(line)["ca"].get<std::string>();
  base.serverName = core::sync::kServerName;
  std::vector<core::HttpsClientOptions> fleet;
  const long wanted = number(argc, argv, "--devices", 1L << 30);
  while (static_cast<long>(fleet.size()) < wanted && std::getline(in, line)) {
    Json d = Json::parse(line);
    fleet.push_back(base);
    fleet.back().clientCertPem = d["cert"].get<std::string>();
    fleet.back().clientKeyPem = d["key"].get<std::string>();
  }
  const long devices = static_cast<long>(fleet.size());
  const long interval = number(argc, argv, "--interval", 60), duration = number(argc, argv, "--duration", 60);
  const long workers = number(argc, argv, "--workers", 64), floorEvery = number(argc, argv, "--floor-every", 10);
  const long fullFloorEvery = number(argc, argv, "--full-floor-every", 100);
  // A machine that cannot keep up (the simulator's own handshakes need CPU too) would stretch the
  // phase without end: after this long no more check-ins start, and those left are counted.
  const long maxSeconds = number(argc, argv, "--max-seconds", 0);
  const long usageDevices = std::min(number(argc, argv, "--usage-devices", 20), devices);
  const long usageRows = number(argc, argv, "--usage-rows", 5000), usageThreads = number(argc, argv, "--usage-threads", 4);
  if (devices == 0 || (wanted != (1L << 30) && devices < wanted)) {
    std::fprintf(stderr, "fleet_sim: %s holds %ld devices, %ld asked for\n", fleetFile.c_str(), devices, wanted);
    return 2;
  }

  // Each device's client, made in the warm-up (parsing a key and checking it against its certificate
  // is a scalar multiplication: not something to do 20,000 times before the first check-in).
  std::vector<std::unique_ptr<core::HttpsClient>> clients(static_cast<size_t>(devices));
  std::atomic<long> next{0}, warmFailures{0};
  FirstError warmError;
  const long warmDevices = duration > 0 || usageDevices > 0 ? (duration > 0 ? devices : usageDevices) : 0;
  const auto w0 = Clock::now();
  auto warmWorker = [&] {
    for (long i; (i = next++) < warmDevices;) {
      core::Result<std::unique_ptr<core::HttpsClient>> c = core::HttpsClient::create(fleet[static_cast<size_t>(i)]);
      if (!c.isOk()) {
        ++warmFailures;
        warmError.note(c.status());
        continue;
      }
      clients[static_cast<size_t>(i)] = std::move(*c);
      if (!resume) continue;
      core::Result<core::HttpsResponse> r = clients[static_cast<size_t>(i)]->request("GET", "/v1/ca");
      if (!r.isOk() || r->status != 200) {
        ++warmFailures;
        warmError.note(r);
      }
    }
  };
  std::vector<std::thread> pool;
  for (long t = 0; t < std::min(workers, 16L); ++t) pool.emplace_back(warmWorker);
  for (auto& t : pool) t.join();
  pool.clear();
  const double warmSeconds = std::chrono::duration<double>(Clock::now() - w0).count();
  if (warmFailures > 0) {
    std::fprintf(stderr, "fleet_sim: %ld devices failed the warm-up, first: %s\n", warmFailures.load(),
                 warmError.text().c_str());
    return 1;
  }
  // fleet_bench.py starts its CPU accounting here, so the warm-up's handshakes are not counted.
  std::fprintf(stderr, "fleet_sim: warm\n");
  std::fflush(stderr);

  // Check-ins: device i at offset i * interval / devices within each interval.
  std::mutex mu;
  std::vector<double> checkinMs, floorMs, fullFloorMs;
  checkinMs.reserve(static_cast<size_t>(devices * std::max(1L, duration / interval)));
  std::atomic<long> checkinFailures{0}, floorFailures{0}, late{0}, skipped{0}, resumed{0};
  next = 0;
  FirstError checkinError, floorError;
  const long total = duration > 0 ? devices * std::max(1L, duration / interval) : 0;
  const auto start = Clock::now();
  auto checkinWorker = [&] {
    for (long n; (n = next++) < total;) {
      if (maxSeconds > 0 && Clock::now() > start + std::chrono::seconds(maxSeconds)) {
        ++skipped;
        continue;
      }
      core::HttpsClient& client = *clients[static_cast<size_t>(n % devices)];
      auto due = start + std::chrono::microseconds(static_cast<long long>(n) * interval * 1000000 / devices);
      if (Clock::now() > due + std::chrono::seconds(1)) ++late;
      std::this_thread::sleep_until(due);
      core::sync::CheckinRequest req;
      req.version = "sim";
      req.subscribers = 500;
      req.sessions = 120;
      auto a = Clock::now();
      core::Result<core::HttpsResponse> r = client.request("POST", "/v1/checkin", core::sync::toJson(req).dump());
      double ms = msSince(a);
      if (client.lastResumed()) ++resumed;
      if (!r.isOk() || r->status != 200) {
        ++checkinFailures;
        checkinError.note(r);
      }
      double floor = -1;
      if (floorEvery > 0 && n % floorEvery == 0) {  // the same handshake, no database
        auto b = Clock::now();
        core::Result<core::HttpsResponse> f = client.request("GET", "/v1/ca");
        floor = msSince(b);
        if (!f.isOk() || f->status != 200) {
          ++floorFailures;
          floorError.note(f);
        }
      }
      double fullFloor = -1;
      if (resume && fullFloorEvery > 0 && n % fullFloorEvery == 0) {  // what a handshake costs without the session
        auto b = Clock::now();
        core::Result<core::HttpsResponse> f = core::httpsRequest(client.options(), "GET", "/v1/ca");
        fullFloor = msSince(b);
        if (!f.isOk() || f->status != 200) {
          ++floorFailures;
          floorError.note(f);
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      checkinMs.push_back(ms);
      if (floor >= 0) floorMs.push_back(floor);
      if (fullFloor >= 0) fullFloorMs.push_back(fullFloor);
    }
  };
  for (long t = 0; t < workers; ++t) pool.emplace_back(checkinWorker);
  for (auto& t : pool) t.join();
  pool.clear();
  const double checkinSeconds = std::chrono::duration<double>(Clock::now() - start).count();

  // Usage ingest: device d's rows name its own subscribers (a subscriber is served by one POP).
  std::atomic<long> rowsSent{0}, usageFailures{0}, batches{0};
  std::vector<double> batchMs;
  FirstError usageError;
  next = 0;
  const auto u0 = Clock::now();
  auto usageWorker = [&] {
    for (long d; (d = next++) < usageDevices;) {
      for (long first = 1; first <= usageRows; first += 1000) {
        core::sync::UsageBatch batch;
        for (long s = first; s < first + 1000 && s <= usageRows; ++s)
          batch.rows.push_back({s, 1795000000 + s, "sess-" + std::to_string(s / 10),
                                "d" + std::to_string(d) + "-user" + std::to_string(s % 500), 1000 + s, 50000 + s, 60});
        batch.idempotencyKey = "usage:" + std::to_string(first);
        auto a = Clock::now();
        core::Result<core::HttpsResponse> r =
            clients[static_cast<size_t>(d)]->request("POST", "/v1/usage", core::sync::toJson(batch).dump());
        double ms = msSince(a);
        ++batches;
        if (!r.isOk() || r->status != 200) {
          ++usageFailures;
          usageError.note(r);
          continue;
        }
        rowsSent += static_cast<long>(batch.rows.size());
        std::lock_guard<std::mutex> lock(mu);
        batchMs.push_back(ms);
      }
    }
  };
  for (long t = 0; t < usageThreads; ++t) pool.emplace_back(usageWorker);
  for (auto& t : pool) t.join();
  const double usageSeconds = std::chrono::duration<double>(Clock::now() - u0).count();

  Json out{{"devices", devices},
           {"interval", interval},
           {"resume", resume},
           {"warmup-seconds", warmSeconds},
           {"checkins-resumed", resumed.load()},
           {"full-floor-samples", static_cast<long>(fullFloorMs.size())},
           {"full-floor-p50-ms", percentile(fullFloorMs, 0.5)},
           {"full-floor-p99-ms", percentile(fullFloorMs, 0.99)},
           {"checkins", static_cast<long>(checkinMs.size())},
           {"checkin-seconds", checkinSeconds},
           {"checkin-failures", checkinFailures.load()},
           {"checkin-first-error", checkinError.text()},
           {"checkins-late", late.load()},
           {"checkins-not-started", skipped.load()},
           {"checkin-p50-ms", percentile(checkinMs, 0.5)},
           {"checkin-p99-ms", percentile(checkinMs, 0.99)},
           {"checkin-max-ms", percentile(checkinMs, 1.0)},
           {"floor-samples", static_cast<long>(floorMs.size())},
           {"floor-failures", floorFailures.load()},
           {"floor-first-error", floorError.text()},
           {"floor-p50-ms", percentile(floorMs, 0.5)},
           {"floor-p99-ms", percentile(floorMs, 0.99)},
           {"usage-rows", rowsSent.load()},
           {"usage-batches", batches.load()},
           {"usage-failures", usageFailures.load()},
           {"usage-first-error", usageError.text()},
           {"usage-seconds", usageSeconds},
           {"usage-batch-p50-ms", percentile(batchMs, 0.5)},
           {"usage-batch-p99-ms", percentile(batchMs, 0.99)},
           {"usage-rows-per-second", usageSeconds > 0 ? static_cast<double>(rowsSent.load()) / usageSeconds : 0}};
  std::printf("%s\n", out.dump().c_str());
  return checkinFailures == 0 && usageFailures == 0 && floorFailures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "enroll") return enroll(argc, argv);
  if (mode == "run") return run(argc, argv);
  std::fprintf(stderr, "usage: fleet_sim enroll --token TOKEN --devices N --out FILE [--threads T]\n"
                       "       fleet_sim run --fleet FILE --url URL [--devices N] [--interval S] [--duration S]\n"
                       "                     [--workers W] [--max-seconds S] [--floor-every K] [--usage-devices D]\n"
                       "                     [--usage-rows R]\n"
                       "                     [--usage-threads T] [--resume 0|1] [--full-floor-every M]\n");
  return 2;
}
