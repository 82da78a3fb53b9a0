// radload's command line: the options of a run and their parsing (usage() is the reference).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace bench::radload {

enum class Expect { kAccept, kReject, kAny };
enum class Mode { kAuth, kAcct };

struct Options {
  std::string serverHost = "127.0.0.1";
  uint16_t serverPort = 1812;
  std::string secret = "testing123";
  uint64_t users = 1000;
  std::string userPrefix = "u";
  std::string passwordPrefix = "p";
  uint32_t concurrency = 64;
  double durationS = 0;
  uint64_t count = 0;
  double rate = 0;  // requests/s; 0 = closed loop
  Expect expect = Expect::kAccept;
  uint32_t timeoutMs = 1000;
  std::string nasIp = "127.0.0.1";
  uint64_t seed = 0;
  double stallProbeS = 0;  // > 0: only measure this core's pauses (see stallProbe)
  Mode mode = Mode::kAuth;
  uint32_t sessions = 10000;  // acct: sessions side by side
  uint32_t interims = 4;      // acct: Interim-Updates per session between its Start and Stop
  std::string sessionPrefix;  // acct: Acct-Session-Id prefix (default: random per run)
};

// Prints the usage text to `out`.
void usage(FILE* out);
// Returns false (after printing why) on a usage error; exits 0 after printing the usage for --help.
bool parseOptions(int argc, char** argv, Options* o);

}  // namespace bench::radload
