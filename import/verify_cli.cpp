#include "import/verify_cli.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "import/file_sources.h"
#include "import/radius_client.h"
#include "import/read_plan.h"
#include "import/verify.h"

namespace importer {
namespace {

// HOST:PORT or [V6]:PORT, and the secret from a file (never on the command line, where ps shows it).
core::Result<RadiusServer> server(const std::string& what, const std::string& address, const std::string& secretFile) {
  RadiusServer s;
  size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  std::string port = colon == std::string::npos ? "1812" : address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    return core::invalidArgument(what + ": '" + address + "' is not HOST:PORT");
  s.host = host;
  s.port = static_cast<uint16_t>(std::stoi(port));
  if (secretFile.empty()) return core::invalidArgument(what + "-secret-file: required (the NAS secret, in a file)");
  EDGE_ASSIGN_OR_RETURN(s.secret, readSourceFile(secretFile, 4096));
  while (!s.secret.empty() && (s.secret.back() == '\n' || s.secret.back() == '\r')) s.secret.pop_back();
  return s;
}

constexpr const char* kVerifyUsage =
    "import verify --source S --from PATH|DSN [--default-plan NAME]\n"
    "                 --theirs HOST:PORT --theirs-secret-file FILE --ours HOST:PORT --ours-secret-file FILE\n"
    "                 [--sample N] [--rate PER-SECOND] [--seed N] [--timeout MS] [--no-chap] [--nas-ip IP]\n"
    "                 [--passwords FILE]\n"
    "  --passwords FILE: lines 'username,password' for subscribers the source has only as a hash\n";

// The shadow check (import/verify.h, ADR 0050).
int runImportVerifyImpl(const std::vector<std::string>& words, bool json, const char* program) {
  std::map<std::string, std::string> v;
  bool chap = true;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    static const std::set<std::string> keys = {"--source", "--from", "--default-plan", "--theirs", "--theirs-secret-file",
                                               "--ours", "--ours-secret-file", "--sample", "--rate", "--seed", "--nas-ip", "--timeout",
                                               "--passwords"};
    if (w == "--help") {
      std::printf("usage: %s %s", program, kVerifyUsage);
      return 0;
    }
    if (w == "--no-chap") {
      chap = false;
    } else if (keys.count(w) && i + 1 < words.size()) {
      v[w] = words[++i];
    } else {
      std::fprintf(stderr, "%s: import verify: unexpected '%s'\n", program, w.c_str());
      std::fprintf(stderr, "usage: %s %s", program, kVerifyUsage);
      return 2;
    }
  }
  for (const char* need : {"--source", "--from", "--theirs", "--ours"})
    if (!v.count(need)) {
      std::fprintf(stderr, "%s: import verify: %s is required\n", program, need);
      std::fprintf(stderr, "usage: %s %s", program, kVerifyUsage);
      return 2;
    }
  VerifyOptions o;
  o.chap = chap;
  auto number = [&](const char* key, double* out) {
    if (!v.count(key)) return true;
    char* end = nullptr;
    *out = std::strtod(v[key].c_str(), &end);
    if (end == v[key].c_str() || *end != '\0') {
      std::fprintf(stderr, "%s: import verify: %s '%s' is not a number\n", program, key, v[key].c_str());
      return false;
    }
    return true;
  };
  double sample = static_cast<double>(o.sample), seed = static_cast<double>(o.seed), timeout = o.timeoutMs;
  if (!number("--sample", &sample) || !number("--rate", &o.ratePerSecond) || !number("--seed", &seed) ||
      !number("--timeout", &timeout))
    return 2;
  if (timeout < 300 || timeout > 30000) {
    std::fprintf(stderr, "%s: import verify: --timeout: 300 to 30000 ms\n", program);
    return 2;
  }
  o.timeoutMs = static_cast<int>(timeout);
  if (sample < 1) sample = 0;
  o.sample = static_cast<size_t>(sample);
  o.seed = static_cast<uint64_t>(seed);
  if (v.count("--nas-ip")) o.nasIp = v["--nas-ip"];
  if (v.count("--passwords")) {
    core::Result<std::string> text = readSourceFile(v["--passwords"], 16u << 20);
    if (!text.isOk()) {
      std::fprintf(stderr, "%s: import verify: --passwords: %s\n", program, text.status().message().c_str());
      return 2;
    }
    size_t start = 0;
    for (int line = 1; start < text->size(); ++line) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string row = text->substr(start, end - start);
      start = end + 1;
      if (!row.empty() && row.back() == '\r') row.pop_back();
      if (row.empty() || row[0] == '#') continue;
      size_t comma = row.find(',');
      if (comma == std::string::npos || comma == 0 || comma + 1 == row.size()) {
        std::fprintf(stderr, "%s: import verify: %s: line %d: expected username,password\n", program,
                     v["--passwords"].c_str(), line);
        return 2;
      }
      o.passwords[row.substr(0, comma)] = row.substr(comma + 1);
    }
  }
  for (auto [who, into] : {std::pair{"theirs", &o.theirs}, std::pair{"ours", &o.ours}}) {
    core::Result<RadiusServer> s = server(std::string("--") + who, v["--" + std::string(who)],
                                                    v["--" + std::string(who) + "-secret-file"]);
    if (!s.isOk()) {
      std::fprintf(stderr, "%s: import verify: %s\n", program, s.status().message().c_str());
      return 2;
    }
    *into = *s;
  }
  core::Result<ImportPlan> plan = readImportPlan(v["--source"], v["--from"], MapOptions{v["--default-plan"], ""});
  if (!plan.isOk()) {
    std::fprintf(stderr, "%s: import verify: %s\n", program, plan.status().message().c_str());
    return plan.status().code() == core::Code::kNotFound ? 2 : 1;
  }
  core::Result<VerifyReport> r =
      shadowCheck(*plan, o, radiusClient(), [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  if (!r.isOk()) {
    std::fprintf(stderr, "%s: import verify: %s\n", program, r.status().message().c_str());
    return 2;
  }
  if (json) std::printf("%s\n", verifyJson(*r).dump(2).c_str());
  else std::printf("%s", verifyText(*r).c_str());
  bool unpredicted = false;
  for (const VerifyDifference& d : r->differences) unpredicted = unpredicted || !d.predicted;
  return unpredicted || !r->errors.empty() ? 1 : 0;
}

}  // namespace

int runImportVerify(const std::vector<std::string>& words, bool json, const char* program) {
  return runImportVerifyImpl(words, json, program);
}

}  // namespace importer
