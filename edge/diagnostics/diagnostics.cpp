// The diagnostics service: its commands, the runs of the tools and the TLS check of mgmt. The
// RADIUS parts (test login, NAS probe) are in radius_probe.cpp.
#include "edge/diagnostics/diagnostics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>

#include "core/clock.h"
#include "core/command_args.h"
#include "core/https_client.h"
#include "core/pki.h"
#include "core/sync_wire.h"
#include "edge/diagnostics/child.h"
#include "edge/diagnostics/pcap.h"
#include "edge/diagnostics/target.h"
#include "edge/radius/radius_service.h"

namespace edge::diagnostics {

using core::ControlReply;
using core::Json;

namespace {

constexpr int kCaptureMaxSeconds = 60;
constexpr int64_t kCaptureMaxBytes = 16 * 1024 * 1024;

bool boolArg(const Json& args, const char* name, bool fallback) {
  if (!args.is_object() || !args.contains(name)) return fallback;
  const Json& v = args[name];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    return s == "yes" || s == "true" || s == "1";
  }
  return fallback;
}

std::string textArg(const Json& args, const char* name) {
  if (!args.is_object() || !args.contains(name) || !args[name].is_string()) return "";
  return args[name].get<std::string>();
}

// "2026-12-07 00:12:03 UTC".
std::string iso(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

Diagnostics::Diagnostics(DiagnosticsDeps deps) : deps_(std::move(deps)) {}

Diagnostics::~Diagnostics() { stop(); }

void Diagnostics::stop() { runs_.stopAll(); }

bool Diagnostics::follow(const std::string& id, const std::string& owner, Sink sink) {
  std::shared_ptr<Run> run = runs_.find(id, owner);
  if (!run) return false;
  run->follow(std::move(sink));
  return true;
}

namespace {

// Who started a run: the caller's label (a UI account's name), root's "control socket".
std::string ownerOf(const core::command::Caller& caller) {
  return caller.label.empty() ? "control socket" : caller.label;
}

// A run's output and capture file: for the person who started it, an admin, and root. A technician
// does not read a colleague's (a capture holds subscribers' RADIUS traffic); a viewer has no runs.
bool mayRead(const Run& run, const core::command::Caller& caller) {
  return caller.role.empty() || caller.role == "admin" || run.owner() == ownerOf(caller);
}

}  // namespace

ControlReply Diagnostics::listRuns(const core::command::Caller& caller) {
  Json rows = Json::array();
  for (const std::shared_ptr<Run>& run : runs_.list()) {
    Json row = run->summaryJson();
    row["started"] = iso(run->startedAt());
    row["output"] = mayRead(*run, caller);
    rows.push_back(std::move(row));
  }
  return ControlReply::success(std::to_string(rows.size()) + " recent diagnostics runs (the last " +
                                   std::to_string(kRunsKept) + " are kept while edged runs)",
                               rows);
}

ControlReply Diagnostics::runOutput(const Json& args, const core::command::Caller& caller) {
  EDGE_ASSIGN_OR_RETURN(std::string id, core::CommandArgs(args).required("run"));
  std::shared_ptr<Run> run = runs_.get(id);
  // Another person's run answers as an unknown one: its existence is in the list, not its output.
  if (!run || !mayRead(*run, caller)) return ControlReply(core::notFound("no diagnostics run " + id + " of yours"));
  Json out = run->summaryJson();
  out["started"] = iso(run->startedAt());
  Json full = run->toJson();
  out["lines"] = full["lines"];
  out["lines-dropped"] = full["lines-dropped"];
  std::string file = run->done() ? run->file() : "";
  out["file"] = file;
  out["file-name"] = file.empty() ? "" : run->fileName();
  std::string text = run->output();
  text += run->tool() + " " + (run->done() ? out.value("summary", "") : "still running");
  if (!file.empty()) text += "\nfile: " + file;
  if (out.value("file-expired", false)) text += "\nits capture file expired (kept an hour)";
  return ControlReply::success(text, out);
}

void Diagnostics::registerCommands(core::command::Table& commands) {
  using core::command::Caller;
  for (const char* tool : {"ping", "traceroute", "dns", "tls"}) {
    std::string t = tool;
    commands.bind(std::string("diag-") + tool,
                  [this, t](const Json& args, const Caller& caller) { return startRun(args, caller, t); });
  }
  commands.bind("radius-capture",
                [this](const Json& args, const Caller& caller) { return startRun(args, caller, "capture"); });
  commands.bind("diag-stop", [this](const Json&, const Caller& caller) -> ControlReply {
    EDGE_RETURN_IF_ERROR(runs_.stop(caller.label));
    return ControlReply::success("stopping your run");
  });
  commands.bind("diag-runs", [this](const Json&, const Caller& caller) { return listRuns(caller); });
  commands.bind("diag-output", [this](const Json& args, const Caller& caller) { return runOutput(args, caller); });
  commands.bind("radius-test-login", [this](const Json& args, const Caller&) { return testLogin(args); });
  commands.bind("nas-probe", [this](const Json& args, const Caller&) { return nasProbe(args); });
}

ControlReply Diagnostics::startRun(const Json& args, const core::command::Caller& caller, const std::string& tool) {
  std::string target;
  EDGE_ASSIGN_OR_RETURN(Runs::Job work, job(tool, args, &target));
  bool wait = boolArg(args, "wait", true);
  std::string owner = ownerOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::shared_ptr<Run> run, runs_.start(owner, tool, target, !wait, std::move(work)));
  if (!wait) return ControlReply::success(tool + " started", Json{{"run", run->id()}});
  // edgectl: the run's output when it has ended (the wait is outside the handlers' lock).
  return ControlReply::later([run]() -> ControlReply {
    run->waitDone((kCaptureMaxSeconds + 15) * 1000);
    Json out = run->toJson();
    std::string text = run->output();
    std::string summary = out.value("summary", "");
    text += run->tool() + " " + (summary.empty() ? "still running" : summary);
    if (!run->file().empty()) text += "\nfile: " + run->file() + " (kept for an hour, or until edged stops)";
    out["file"] = run->file();
    if (out.value("failed", false)) return ControlReply::error(core::failedPrecondition(text), out);
    return ControlReply::success(text, out);
  });
}

core::Result<Runs::Job> Diagnostics::job(const std::string& tool, const Json& args, std::string* target) {
  auto needs = [](const std::string& program, const char* package) -> core::Status {
    if (program.empty())
      return core::failedPrecondition(std::string("this box lacks the ") + package + " package (scripts/setup installs it)");
    return core::Status::ok();
  };
  auto childJob = [](std::vector<std::string> argv, ChildLimits limits) -> Runs::Job {
    return [argv = std::move(argv), limits](Run& run) {
      ChildCallbacks cb;
      cb.onLine = [&run](const std::string& l) { run.line(l); };
      cb.shouldStop = [&run] { return run.shouldStop(); };
      cb.onIdle = [&run] { run.idle(); };
      core::Result<ChildResult> r = runChild(argv, limits, cb);
      if (!r.isOk())
        run.finish(r.status().message(), true);
      else
        run.finish(r->describe(limits), false);
    };
  };
  if (tool == "ping" || tool == "traceroute" || tool == "dns") {
    *target = textArg(args, "target");
    EDGE_RETURN_IF_ERROR(validateTarget(*target).withContext("target"));
  }
  if (tool == "ping") {
    EDGE_RETURN_IF_ERROR(needs(ping_, "iputils-ping"));
    // Five echo requests a second apart, each waited for at most 2 s; numeric output (no reverse DNS).
    return childJob({ping_, "-n", "-c", "5", "-W", "2", *target}, ChildLimits{20, 64 * 1024, 512});
  }
  if (tool == "traceroute") {
    EDGE_RETURN_IF_ERROR(needs(traceroute_, "traceroute"));
    // One probe per hop, 2 s each, 20 hops at most: a dead path ends within a minute.
    return childJob({traceroute_, "-n", "-q", "1", "-w", "2", "-m", "20", *target}, ChildLimits{60, 64 * 1024, 512});
  }
  if (tool == "dns") {
    EDGE_RETURN_IF_ERROR(needs(dig_, "dnsutils"));
    std::string type = textArg(args, "type");
    if (type.empty()) type = "A";
    std::transform(type.begin(), type.end(), type.begin(), ::toupper);
    static const std::set<std::string> kTypes = {"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV", "SOA", "PTR"};
    if (!kTypes.count(type)) return core::invalidArgument("type: one of A, AAAA, CNAME, MX, NS, TXT, SRV, SOA, PTR");
    std::vector<std::string> argv = {dig_, "+time=2", "+tries=2", "+nocookie"};
    if (isIpAddress(*target) || type == "PTR") {
      if (!isIpAddress(*target)) return core::invalidArgument("target: a PTR lookup takes an IP address");
      argv.insert(argv.end(), {"-x", *target});
    } else {
      argv.insert(argv.end(), {*target, type});
    }
    // The box's own resolvers (/etc/resolv.conf), as edged itself resolves names.
    return childJob(argv, ChildLimits{15, 64 * 1024, 512});
  }
  if (tool == "tls") {
    MgmtEndpoint mgmt = deps_.mgmt ? deps_.mgmt() : MgmtEndpoint{};
    std::string url = textArg(args, "url");
    if (!url.empty()) {
      EDGE_RETURN_IF_ERROR(core::parseHttpsUrl(url).status().withContext("url"));
      mgmt.url = url;
    }
    if (mgmt.url.empty())
      return core::failedPrecondition("this box is not enrolled: give the management plane's URL (--url https://host:port)");
    *target = mgmt.url;
    return Runs::Job([this, mgmt](Run& run) { tlsCheck(run, mgmt); });
  }
  if (tool == "capture") {
    EDGE_RETURN_IF_ERROR(needs(tcpdump_, "tcpdump"));
    int64_t seconds = 10;
    if (args.is_object() && args.contains("seconds")) {
      EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> s, core::CommandArgs(args).integer("seconds", 1, kCaptureMaxSeconds));
      if (s) seconds = *s;
    }
    if (seconds < 1 || seconds > kCaptureMaxSeconds)
      return core::invalidArgument("seconds: from 1 to " + std::to_string(kCaptureMaxSeconds));
    *target = std::to_string(seconds) + " s";
    return captureJob(static_cast<int>(seconds));
  }
  return core::invalidArgument("no diagnostics tool '" + tool + "'");
}

Runs::Job Diagnostics::captureJob(int seconds) {
  // The fixed filter: RADIUS authentication, accounting and dynamic authorization, nothing else
  // (no subscriber traffic is captured).
  std::set<uint16_t> ports = {authPort_, acctPort_, 3799};
  if (deps_.dynauthPorts)
    for (uint16_t p : deps_.dynauthPorts()) ports.insert(p);
  ports.erase(0);
  std::vector<std::string> filter = {"udp", "and", "("};
  bool first = true;
  for (uint16_t p : ports) {
    if (!first) filter.push_back("or");
    filter.insert(filter.end(), {"port", std::to_string(p)});
    first = false;
  }
  filter.push_back(")");
  std::string dir = deps_.dataDir + "/diagnostics";
  std::string program = tcpdump_;
  return [dir, program, filter, seconds](Run& run) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      run.finish("cannot create " + dir + ": " + std::strerror(errno), true);
      return;
    }
    std::string name = "radius-" + iso(core::SystemClock::instance().unixSeconds()) + ".pcap";
    std::replace(name.begin(), name.end(), ' ', '-');
    std::replace(name.begin(), name.end(), ':', '-');
    std::string path = dir + "/capture-" + run.id() + ".pcap";
    // edged opens the file (0600, in its own folder) and tcpdump writes the capture to its standard
    // output: tcpdump may drop its privileges and still write it.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      run.finish("cannot create " + path + ": " + std::strerror(errno), true);
      return;
    }
    run.setFile(path, name);
    // -U: each packet written as it comes; -s 4200: a whole RADIUS datagram (4096) with its headers;
    // -c: a packet count limit as well as the size limit below.
    std::vector<std::string> argv = {program, "-i", "any", "-n", "-U", "-s", "4200", "-c", "100000", "-w", "-"};
    argv.insert(argv.end(), filter.begin(), filter.end());
    run.line("capturing for " + std::to_string(seconds) + " s: " + [&] {
      std::string f;
      for (const std::string& w : filter) f += (f.empty() ? "" : " ") + w;
      return f;
    }());
    ChildCallbacks cb;
    cb.onLine = [&run](const std::string& l) { run.line(l); };
    bool tooBig = false;
    cb.shouldStop = [&run, &path, &tooBig] {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && st.st_size > kCaptureMaxBytes) tooBig = true;
      return tooBig || run.shouldStop();
    };
    cb.onIdle = [&run] { run.idle(); };
    ChildLimits limits{seconds, 64 * 1024, 512};
    core::Result<ChildResult> r = runChild(argv, limits, cb, fd);
    ::close(fd);
    if (!r.isOk()) {
      run.finish(r.status().message(), true);
      return;
    }
    std::string data;
    {
      FILE* f = std::fopen(path.c_str(), "rb");
      if (f != nullptr) {
        char buf[65536];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
        std::fclose(f);
      }
    }
    core::Result<PcapSummary> s = summarizePcap(data);
    if (!s.isOk()) {
      run.finish("tcpdump " + r->describe(limits) + "; it wrote no capture (" + s.status().message() + ")", true);
      return;
    }
    std::string how = r->outcome == ChildResult::Outcome::kTimeLimit ? "after " + std::to_string(seconds) + " s"
                      : tooBig ? "at the size limit (" + std::to_string(kCaptureMaxBytes / (1024 * 1024)) + " MiB)"
                               : "tcpdump " + r->describe(limits);
    run.finish("captured " + std::to_string(s->packets) + " packets (" + std::to_string(data.size()) + " bytes), ended " +
                   how,
               false);
  };
}

void Diagnostics::tlsCheck(Run& run, const MgmtEndpoint& mgmt) {
  core::HttpsClientOptions o;
  core::Result<core::HttpsEndpoint> ep = core::parseHttpsUrl(mgmt.url);
  if (!ep.isOk()) {
    run.finish(ep.status().message(), true);
    return;
  }
  o.endpoint = *ep;
  o.caCertPem = mgmt.caPem;
  o.serverName = mgmt.caPem.empty() ? "" : core::sync::kServerName;
  o.timeoutMs = 5000;
  run.line("connecting to " + ep->host + " port " + std::to_string(ep->port) + " ...");
  core::Result<core::TlsProbe> p = core::tlsProbe(o);
  if (!p.isOk()) {
    run.line(p.status().message());
    run.finish("no TLS connection", true);
    return;
  }
  char ms[64];
  std::snprintf(ms, sizeof ms, "%.1f ms; TLS handshake done at %.1f ms", p->connectMs, p->handshakeMs);
  run.line(std::string("connected in ") + ms);
  run.line("protocol " + p->version + ", cipher suite " + p->cipherSuite);
  int64_t now = core::SystemClock::instance().unixSeconds();
  for (size_t i = 0; i < p->chainDer.size(); ++i) {
    core::Result<core::pki::CertInfo> c = core::pki::certificateInfo(p->chainDer[i]);
    std::string which = i == 0 ? "server certificate" : "chain certificate " + std::to_string(i);
    if (!c.isOk()) {
      run.line(which + ": does not parse (" + c.status().message() + ")");
      continue;
    }
    std::string subject = "CN=" + c->commonName + (c->organizationalUnit.empty() ? "" : ", OU=" + c->organizationalUnit);
    run.line(which + ": subject " + subject);
    run.line("  issuer CN=" + c->issuerCommonName);
    int64_t days = (c->notAfter - now) / 86400;
    std::string left = c->notAfter < now ? "EXPIRED " + std::to_string(-days) + " days ago"
                                         : std::to_string(days) + " days left";
    run.line("  valid " + iso(c->notBefore) + " to " + iso(c->notAfter) + " (" + left + ")");
    run.line("  SHA-256 fingerprint " + c->fingerprint);
  }
  if (mgmt.caPem.empty()) {
    run.line("verification: not checked (this box is not enrolled, so it has no management CA)");
    run.finish("TLS answers; not verified", false);
    return;
  }
  run.line(std::string("verification against the enrolled management CA: ") + (p->verified ? "OK, " : "FAILED: ") +
           p->verification);
  run.finish(p->verified ? "TLS answers and verifies" : "TLS answers but does NOT verify", !p->verified);
}

}  // namespace edge::diagnostics
