// radload: a RADIUS load generator for benchmarks (tests/bench, docs/benchmarks.md): Access-Requests
// (--mode auth, the default) or Accounting-Requests (--mode acct).
//
// It is deliberately independent of our codec (aaa/radius): packets are encoded and replies verified
// here with nothing but mbedTLS MD5 / HMAC-MD5, so a bug in the codec cannot hide itself by being on
// both ends of the benchmark. Single-threaded, non-blocking, epoll over a few connected UDP sockets
// (at most 64 of each socket's 256 identifiers outstanding), sendmmsg/recvmmsg in batches; meant
// to be pinned to a core.
//
// Every reply is verified: Response Authenticator (RFC 2865 3), Message-Authenticator when present
// (RFC 3579 3.2; replies without one are counted) and the expected code. Nothing is retransmitted: a
// request not answered within --timeout-ms is a timeout. The result is one JSON line on stdout.
//
// Accounting mode (RFC 2866): --sessions N sessions run side by side, each a Start, --interims
// Interim-Updates with growing 64-bit counters (Octets + Gigawords), then a Stop with
// Acct-Terminate-Cause; a stopped session is replaced by a new one. A session's next record is sent
// only after its previous one was acknowledged (like a NAS); a record that timed out is sent again
// as a new request (new identifier, Acct-Delay-Time = seconds since its first attempt). Sessions
// begin at random points of their life (a fleet that was already running), so the mix of Starts,
// Interims and Stops is the steady one from the first request. The JSON counts what was acknowledged
// (sessions with at least one acknowledged record, Starts, Interims, Stops) and what is uncertain
// (timed out, never acknowledged): the benchmark checks the server's database against these.
//
// Sources: options.cpp (the command line), wire.h (RADIUS constants, MD5 and HMAC-MD5),
// generator.cpp (sockets, the send/receive loop, verification, timeouts), auth.cpp (Access-Requests),
// acct.cpp (the accounting sessions); this file runs one job and prints its JSON line.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "tests/bench/radload/generator.h"
#include "tests/bench/radload/options.h"
#include "tests/bench/radload/wire.h"

namespace bench::radload {

volatile std::sig_atomic_t gStop = 0;

namespace {

void onSignal(int) { gStop = 1; }

double percentileUs(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  if (rank == 0) rank = 1;
  if (rank > sorted.size()) rank = sorted.size();
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

// Spins reading the clock: any gap between two reads is time this core was taken away from us (the
// hypervisor pausing the vCPU, or another task). On a shared VM such pauses set a floor under every
// p99 measured, whatever the server does.
int stallProbe(double seconds) {
  const uint64_t start = nowNs();
  const uint64_t end = start + static_cast<uint64_t>(seconds * 1e9);
  uint64_t prev = start, over100us = 0, over1ms = 0, pausedNs = 0, maxNs = 0;
  for (uint64_t t = nowNs(); t < end; t = nowNs()) {
    uint64_t gap = t - prev;
    if (gap > 100000) {
      ++over100us;
      pausedNs += gap;
      if (gap > 1000000) ++over1ms;
    }
    maxNs = std::max(maxNs, gap);
    prev = t;
  }
  double total = static_cast<double>(prev - start);
  std::printf("{\"stall_probe_s\":%.3f,\"pauses_over_100us\":%llu,\"pauses_over_1ms\":%llu,\"paused_ms\":%.1f,"
              "\"paused_share\":%.4f,\"max_pause_us\":%.1f}\n",
              total / 1e9, (unsigned long long)over100us, (unsigned long long)over1ms,
              static_cast<double>(pausedNs) / 1e6, static_cast<double>(pausedNs) / total,
              static_cast<double>(maxNs) / 1000.0);
  return 0;
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace
}  // namespace bench::radload

int main(int argc, char** argv) {
  using namespace bench::radload;
  Options o;
  if (!parseOptions(argc, argv, &o)) {
    usage(stderr);
    return 2;
  }
  if (o.stallProbeS > 0) return stallProbe(o.stallProbeS);
  if (o.seed == 0) o.seed = std::random_device{}() ^ nowNs();
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  // Wake-ups for the open-loop schedule to the microsecond instead of the default 50 us slack.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);

  if (!Crypto::selfTest(o.secret)) {
    std::fprintf(stderr, "radload: HMAC-MD5 self-test failed\n");
    return 3;
  }
  Crypto crypto(o.secret);
  // The generator holds its packet buffers inline (about 0.5 MB): keep it off the stack.
  auto generator = std::make_unique<LoadGenerator>(o, crypto);
  if (!generator->open()) return 3;
  double cpu0 = cpuSeconds();
  int rc = generator->run();
  double cpu = cpuSeconds() - cpu0;
  if (rc != 0) return rc;

  const Stats& s = generator->stats();
  std::vector<uint32_t> sorted = s.latencyNs;
  std::sort(sorted.begin(), sorted.end());
  double seconds = static_cast<double>(generator->elapsedNs()) / 1e9;
  double meanUs = 0;
  for (uint32_t v : sorted) meanUs += v;
  if (!sorted.empty()) meanUs = meanUs / static_cast<double>(sorted.size()) / 1000.0;
  const char* mode = o.rate > 0 ? "open" : "closed";
  if (o.mode == Mode::kAcct) {
    LoadGenerator::Unacked u = generator->unacked();
    std::printf(
        "{\"mode\":\"%s\",\"request\":\"acct\",\"concurrency\":%u,\"target_rate\":%.0f,\"seconds\":%.3f,"
        "\"sent\":%llu,\"received\":%llu,\"responses\":%llu,\"timeouts\":%llu,\"bad_replies\":%llu,"
        "\"wrong_code\":%llu,\"late_replies\":%llu,\"unexpected_replies\":%llu,\"missed_sends\":%llu,"
        "\"send_errors\":%llu,\"icmp_errors\":%llu,\"sessions\":%u,\"interims\":%u,\"session_prefix\":\"%s\","
        "\"sessions_recorded\":%llu,\"starts_acked\":%llu,\"interims_acked\":%llu,\"stops_acked\":%llu,"
        "\"sessions_unconfirmed\":%llu,\"starts_unacked\":%llu,\"interims_unacked\":%llu,\"stops_unacked\":%llu,"
        "\"rps\":%.1f,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
        "\"client_cpu_us_per_request\":%.2f}\n",
        mode, o.concurrency, o.rate, seconds, (unsigned long long)s.sent, (unsigned long long)s.received,
        (unsigned long long)s.responses, (unsigned long long)s.timeouts, (unsigned long long)s.badReplies,
        (unsigned long long)s.wrongCode, (unsigned long long)s.lateReplies, (unsigned long long)s.unexpectedReplies,
        (unsigned long long)s.missedSends, (unsigned long long)s.sendErrors, (unsigned long long)s.icmpErrors,
        o.sessions, o.interims, generator->sessionPrefix().c_str(), (unsigned long long)s.sessionsRecorded,
        (unsigned long long)s.startsAcked, (unsigned long long)s.interimsAcked, (unsigned long long)s.stopsAcked,
        (unsigned long long)u.sessions, (unsigned long long)u.starts, (unsigned long long)u.interims,
        (unsigned long long)u.stops, static_cast<double>(s.responses) / seconds, meanUs, percentileUs(sorted, 0.50),
        percentileUs(sorted, 0.90), percentileUs(sorted, 0.99), sorted.empty() ? 0.0 : sorted.back() / 1000.0,
        s.sent > 0 ? cpu * 1e6 / static_cast<double>(s.sent) : 0.0);
    std::fflush(stdout);
    return s.badReplies > 0 || s.wrongCode > 0 || s.unexpectedReplies > 0 ? 1 : 0;
  }
  uint64_t valid = s.accepts + s.rejects;
  std::printf(
      "{\"mode\":\"%s\",\"concurrency\":%u,\"target_rate\":%.0f,\"seconds\":%.3f,\"sent\":%llu,\"received\":%llu,"
      "\"accepts\":%llu,\"rejects\":%llu,\"timeouts\":%llu,\"bad_replies\":%llu,\"wrong_code\":%llu,"
      "\"without_message_authenticator\":%llu,\"late_replies\":%llu,\"unexpected_replies\":%llu,"
      "\"missed_sends\":%llu,\"send_errors\":%llu,\"icmp_errors\":%llu,\"rps\":%.1f,\"mean_us\":%.1f,"
      "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"client_cpu_us_per_request\":%.2f}\n",
      mode, o.concurrency, o.rate, seconds, (unsigned long long)s.sent, (unsigned long long)s.received,
      (unsigned long long)s.accepts, (unsigned long long)s.rejects, (unsigned long long)s.timeouts,
      (unsigned long long)s.badReplies, (unsigned long long)s.wrongCode,
      (unsigned long long)s.withoutMessageAuthenticator, (unsigned long long)s.lateReplies,
      (unsigned long long)s.unexpectedReplies, (unsigned long long)s.missedSends, (unsigned long long)s.sendErrors,
      (unsigned long long)s.icmpErrors, static_cast<double>(valid) / seconds, meanUs, percentileUs(sorted, 0.50),
      percentileUs(sorted, 0.90), percentileUs(sorted, 0.99), sorted.empty() ? 0.0 : sorted.back() / 1000.0,
      s.sent > 0 ? cpu * 1e6 / static_cast<double>(s.sent) : 0.0);
  std::fflush(stdout);
  return s.badReplies > 0 || s.wrongCode > 0 || s.unexpectedReplies > 0 ? 1 : 0;
}
