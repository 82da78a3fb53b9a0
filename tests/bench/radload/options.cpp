#include "tests/bench/radload/options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdlib>

namespace bench::radload {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: radload [options]\n"
               "\n"
               "Sends PAP Access-Requests (Message-Authenticator first) or Accounting-Requests and\n"
               "verifies every reply.\n"
               "\n"
               "  --mode auth|acct         Access-Requests (default) or Accounting-Requests (RFC 2866)\n"
               "  --server HOST:PORT       server (default 127.0.0.1:1812)\n"
               "  --secret S               shared secret (default testing123)\n"
               "  --users N                users are PREFIX0 .. PREFIX(N-1), picked at random (default 1000)\n"
               "  --user-prefix P          user name prefix (default u)\n"
               "  --password-prefix P      password prefix: user uK has password pK (default p)\n"
               "  --concurrency C          requests outstanding at most (default 64); one UDP socket\n"
               "                           per 64, each cycling through its 256 identifiers\n"
               "  --duration S             send for S seconds (default 5 unless --count)\n"
               "  --count N                send N requests\n"
               "  --rate R                 open loop: send R requests/s on a fixed schedule\n"
               "                           (default: closed loop, C outstanding at all times)\n"
               "  --expect accept|reject|any  expected reply code (default accept)\n"
               "  --timeout-ms MS          a request unanswered after MS is a timeout (default 1000)\n"
               "  --nas-ip A.B.C.D         NAS-IP-Address (default 127.0.0.1)\n"
               "  --seed N                 random seed (default: from the clock)\n"
               "  --stall-probe S          send nothing: spin S seconds on this core and report how\n"
               "                           long it was taken away (vCPU pauses, other tasks)\n"
               "\n"
               "Accounting mode (--mode acct; --expect does not apply, Accounting-Response expected):\n"
               "  --sessions N             sessions side by side (default 10000); users picked at\n"
               "                           random from --users\n"
               "  --interims K             Interim-Updates per session between Start and Stop\n"
               "                           (default 4: a mix of 1 Start, 4 Interims, 1 Stop)\n"
               "  --session-prefix P       Acct-Session-Id is P-XXXXXXXX (default: random per run;\n"
               "                           give a unique one per run against the same database)\n"
               "\n"
               "Output: one JSON line. Exit status 1 when a reply failed verification or had the\n"
               "wrong code, 2 on usage errors, 0 otherwise (timeouts are reported, not fatal).\n");
}

namespace {

bool parseUnsigned(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

bool parseDouble(const char* text, double* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno != 0 || end == nullptr || *end != '\0' || !(v >= 0)) return false;
  *out = v;
  return true;
}


}  // namespace

bool parseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "radload: %s needs a value (or is unknown)\n", arg.c_str());
      return false;
    }
    const char* value = argv[++i];
    uint64_t n = 0;
    bool ok = true;
    if (arg == "--server") {
      std::string v = value;
      size_t colon = v.rfind(':');
      ok = colon != std::string::npos && parseUnsigned(v.c_str() + colon + 1, &n) && n > 0 && n < 65536;
      if (ok) {
        o->serverHost = v.substr(0, colon);
        o->serverPort = static_cast<uint16_t>(n);
      }
    } else if (arg == "--secret") {
      o->secret = value;
      ok = !o->secret.empty();
    } else if (arg == "--users") {
      ok = parseUnsigned(value, &o->users) && o->users > 0;
    } else if (arg == "--user-prefix") {
      o->userPrefix = value;
    } else if (arg == "--password-prefix") {
      o->passwordPrefix = value;
    } else if (arg == "--concurrency") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 65536;
      o->concurrency = static_cast<uint32_t>(n);
    } else if (arg == "--duration") {
      ok = parseDouble(value, &o->durationS) && o->durationS > 0;
    } else if (arg == "--count") {
      ok = parseUnsigned(value, &o->count) && o->count > 0;
    } else if (arg == "--rate") {
      ok = parseDouble(value, &o->rate) && o->rate > 0;
    } else if (arg == "--expect") {
      std::string v = value;
      if (v == "accept") o->expect = Expect::kAccept;
      else if (v == "reject") o->expect = Expect::kReject;
      else if (v == "any") o->expect = Expect::kAny;
      else ok = false;
    } else if (arg == "--timeout-ms") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 60000;
      o->timeoutMs = static_cast<uint32_t>(n);
    } else if (arg == "--nas-ip") {
      in_addr a{};
      ok = inet_pton(AF_INET, value, &a) == 1;
      o->nasIp = value;
    } else if (arg == "--seed") {
      ok = parseUnsigned(value, &o->seed);
    } else if (arg == "--stall-probe") {
      ok = parseDouble(value, &o->stallProbeS) && o->stallProbeS > 0;
    } else if (arg == "--mode") {
      std::string v = value;
      if (v == "auth") o->mode = Mode::kAuth;
      else if (v == "acct") o->mode = Mode::kAcct;
      else ok = false;
    } else if (arg == "--sessions") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 10000000;
      o->sessions = static_cast<uint32_t>(n);
    } else if (arg == "--interims") {
      ok = parseUnsigned(value, &n) && n <= 1000;
      o->interims = static_cast<uint32_t>(n);
    } else if (arg == "--session-prefix") {
      o->sessionPrefix = value;
      ok = !o->sessionPrefix.empty() && o->sessionPrefix.size() <= 200;
    } else {
      std::fprintf(stderr, "radload: unknown option %s\n", arg.c_str());
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "radload: bad value for %s: '%s'\n", arg.c_str(), value);
      return false;
    }
  }
  if (o->durationS == 0 && o->count == 0) o->durationS = 5;
  // The longest user/password is prefix + 20 digits; RFC 2865 5.2 caps the password at 128 octets
  // and 5.1 the attribute at 253.
  if (o->userPrefix.size() + 20 > 253 || o->passwordPrefix.size() + 20 > 128) {
    std::fprintf(stderr, "radload: prefixes too long\n");
    return false;
  }
  return true;
}

}  // namespace bench::radload
