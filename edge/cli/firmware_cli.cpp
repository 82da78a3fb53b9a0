#include "edge/cli/firmware_cli.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <memory>

#include "core/cli.h"
#include "core/config.h"
#include "core/control_socket.h"
#include "core/json.h"
#include "core/sync_wire.h"
#include "core/clock.h"
#include "firmware/download.h"
#include "firmware/https_source.h"
#include "firmware/installer.h"
#include "firmware/slots.h"

namespace edge {

namespace {

constexpr const char* kDefaultConfig = "/etc/edged/firmware.json";

struct FirmwareConfig {
  std::string hardware;
  std::string publicKey;
  std::string stateDir;
  std::string esp;
  std::string slotA;
  std::string slotB;
  std::string cmdline;
  std::string versionFile;
  std::string kernelOptions;
  int64_t tries = 3;
  int64_t soakSeconds = 120;
  int64_t intervalSeconds = 10;
  std::string portalUrl;
  std::string rebootCommand;
  std::string identityDir;
  std::string downloadServerName;
  int64_t desireMaxAgeSeconds = 600;
  int64_t retryHoldSeconds = 3600;
};

const core::ConfigTable<FirmwareConfig>& configTable() {
  static const core::ConfigTable<FirmwareConfig> table = [] {
    core::ConfigTable<FirmwareConfig> t;
    t.string("hardware", &FirmwareConfig::hardware, "edge-x86_64", "This box's hardware name (bundles list theirs)")
        .string("public-key", &FirmwareConfig::publicKey, "/etc/edged/firmware.pub", "The firmware key (PEM public key)",
                core::absolutePath)
        .string("state-dir", &FirmwareConfig::stateDir, "/var/lib/edge-firmware",
                "Where the security floor, the install in progress and unreported outcomes live (data partition)",
                core::absolutePath)
        .string("esp", &FirmwareConfig::esp, "/boot/efi", "The EFI system partition's mount point", core::absolutePath)
        .string("slot-a", &FirmwareConfig::slotA, "/dev/disk/by-partlabel/edge-root-a", "Root slot A", core::absolutePath)
        .string("slot-b", &FirmwareConfig::slotB, "/dev/disk/by-partlabel/edge-root-b", "Root slot B", core::absolutePath)
        .string("cmdline", &FirmwareConfig::cmdline, "/proc/cmdline", "The kernel command line (edge.slot=a|b)",
                core::absolutePath)
        .string("version-file", &FirmwareConfig::versionFile, "/usr/lib/edge/version",
                "The running root filesystem's version", core::absolutePath)
        .string("kernel-options", &FirmwareConfig::kernelOptions, "", "More kernel options for the slots' boot entries")
        .integer("tries", &FirmwareConfig::tries, 3, 1, 9, "Boots a new slot gets before the loader gives up on it")
        .integer("soak-seconds", &FirmwareConfig::soakSeconds, 120, 0, 3600,
                 "How long the data plane must keep working before a new slot is committed")
        .integer("check-interval-seconds", &FirmwareConfig::intervalSeconds, 10, 1, 600,
                 "How often the gate checks during the soak window")
        .string("portal-url", &FirmwareConfig::portalUrl, "",
                "http://ADDRESS:PORT/ of the captive portal when the gateway is on (\"\" = not checked)")
        .string("reboot-command", &FirmwareConfig::rebootCommand, "systemctl reboot", "How the box reboots")
        .string("identity-dir", &FirmwareConfig::identityDir, "/var/lib/edged/sync",
                "The device's mTLS identity for downloads (mgmt-ca.pem, device.pem, device-key.pem from enrollment)",
                core::absolutePath)
        .string("download-server-name", &FirmwareConfig::downloadServerName, core::sync::kServerName,
                "The name the download server's certificate must carry")
        .integer("desire-max-age-seconds", &FirmwareConfig::desireMaxAgeSeconds, 600, 1, 86400,
                 "firmware follow acts on the management plane's desired version only when edged's last check-in "
                 "that said it is at most this old (it is said only inside the maintenance window)")
        .integer("retry-hold-seconds", &FirmwareConfig::retryHoldSeconds, 3600, 0, 30 * 86400,
                 "A version this box refused or rolled back is not followed again for this long");
    return t;
  }();
  return table;
}

struct Invocation {
  std::string verb;
  std::string source;
  std::string configPath;
  bool reboot = false;
  bool noReboot = false;
};

int usageError(const std::string& message) {
  std::fprintf(stderr, "edgectl: %s\nusage: edgectl firmware install FILE|URL [--config F] [--reboot]\n"
                       "       edgectl firmware follow [--config F]\n"
                       "       edgectl firmware status [--config F]\n"
                       "       edgectl firmware gate [--config F] [--no-reboot]\n",
               message.c_str());
  return 2;
}

core::Result<std::string> trimmedFile(const std::string& path, const std::string& what) {
  EDGE_ASSIGN_OR_RETURN(std::string text, core::readTextFile(path, what));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

std::unique_ptr<firmware::SlotSet> slotsOf(const FirmwareConfig& c) {
  firmware::EspSlotConfig e;
  e.esp = c.esp;
  e.devices = {{"a", c.slotA}, {"b", c.slotB}};
  e.cmdlineFile = c.cmdline;
  e.kernelOptions = c.kernelOptions;
  return firmware::makeEspSlotSet(std::move(e));
}

// One edgectl firmware at a time: the state file has one writer.
class StateLock {
 public:
  static core::Result<std::unique_ptr<StateLock>> take(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return core::errnoStatus("cannot create " + dir, errno);
    int fd = ::open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return core::errnoStatus("cannot open " + dir + "/lock", errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return core::failedPrecondition("another edgectl firmware command is running");
    }
    return std::unique_ptr<StateLock>(new StateLock(fd));
  }
  ~StateLock() { ::close(fd_); }

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

// GET the portal's page over plain HTTP; any answer below 500 counts (a redirect is the portal working).
core::Status portalAnswers(const std::string& url) {
  if (url.rfind("http://", 0) != 0) return core::invalidArgument("portal-url must start with http://");
  std::string rest = url.substr(7);
  std::string hostPort = rest.substr(0, rest.find('/'));
  std::string path = rest.find('/') == std::string::npos ? "/" : rest.substr(rest.find('/'));
  std::string host = hostPort;
  std::string port = "80";
  if (hostPort.find(':') != std::string::npos) {
    host = hostPort.substr(0, hostPort.rfind(':'));
    port = hostPort.substr(hostPort.rfind(':') + 1);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr)
    return core::unavailable("portal: cannot resolve " + host);
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  if (fd >= 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  ::freeaddrinfo(found);
  if (!connected) {
    if (fd >= 0) ::close(fd);
    return core::unavailable("portal: nothing answers at " + hostPort);
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + hostPort + "\r\n\r\n";
  bool sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  char buffer[64] = {};
  ssize_t n = sent ? ::recv(fd, buffer, sizeof buffer - 1, 0) : -1;
  ::close(fd);
  int status = 0;
  if (n < 12 || std::sscanf(buffer, "HTTP/1.%*d %d", &status) != 1)
    return core::unavailable("portal: no HTTP answer from " + url);
  if (status >= 500) return core::unavailable("portal: " + url + " answered " + std::to_string(status));
  return core::Status::ok();
}

core::Result<core::Json> call(const std::string& socketPath, const std::string& command, const core::Json& args) {
  EDGE_ASSIGN_OR_RETURN(core::Json reply, core::controlCall(socketPath, command, args, 15000, "edged"));
  int result = reply.value("result", 1);
  if (result != core::kControlSuccess && result != core::kControlEmpty)
    return core::unavailable(command + ": " + core::jsonText(reply.value("text", core::Json(""))));
  return reply;
}

// The data plane, as the gate sees it: edged answers and is the same process through the soak
// window, its RADIUS server answers a test login (a Reject is an answer), the ledger answers a read,
// and the portal answers when one is configured. mgmt is never asked.
std::function<core::Status()> dataPlaneCheck(const std::string& socketPath, const FirmwareConfig& c) {
  auto firstPid = std::make_shared<int64_t>(0);
  return [socketPath, c, firstPid]() -> core::Status {
    core::Result<core::Json> status = call(socketPath, "status", nullptr);
    if (!status.isOk()) return core::unavailable("edged is not up: " + status.status().message());
    int64_t pid = (*status)["arguments"].value("pid", int64_t{0});
    if (*firstPid == 0) *firstPid = pid;
    if (pid != *firstPid)
      return core::unavailable("edged restarted during the soak window (pid " + std::to_string(*firstPid) + ", now " +
                               std::to_string(pid) + ")");
    core::Result<core::Json> login =
        call(socketPath, "radius-test-login",
             core::Json{{"username", "edge-firmware-gate"}, {"password", "self-test"}});
    if (!login.isOk()) return core::unavailable("RADIUS self-test: " + login.status().message());
    core::Result<core::Json> ledger = call(socketPath, "session-history", core::Json{{"user", "edge-firmware-gate"}, {"limit", 1}});
    if (!ledger.isOk()) return core::unavailable("the ledger: " + ledger.status().message());
    if (!c.portalUrl.empty()) EDGE_RETURN_IF_ERROR(portalAnswers(c.portalUrl));
    return core::Status::ok();
  };
}

void printProgress(const char* what, uint64_t done, uint64_t total, int& lastPercent) {
  int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
  if (percent / 5 == lastPercent / 5 && done != total) return;
  lastPercent = percent;
  std::printf("%s: %3d%% (%llu of %llu bytes)\n", what, percent, static_cast<unsigned long long>(done),
              static_cast<unsigned long long>(total));
  std::fflush(stdout);
}

int fail(const core::Status& s) {
  std::fprintf(stderr, "edgectl: %s\n", s.message().c_str());
  return s.code() == core::Code::kInvalidArgument ? 2 : 1;
}

core::Status loadIdentity(const FirmwareConfig& c, core::HttpsClientOptions& h) {
  h.serverName = c.downloadServerName;
  for (auto [field, file] : {std::pair<std::string*, const char*>{&h.caCertPem, "/mgmt-ca.pem"},
                             {&h.clientCertPem, "/device.pem"},
                             {&h.clientKeyPem, "/device-key.pem"}}) {
    EDGE_ASSIGN_OR_RETURN(*field, core::readTextFile(c.identityDir + file, "the device identity"));
  }
  return core::Status::ok();
}

std::string downloadDir(const FirmwareConfig& c) { return c.stateDir + "/download"; }

// Drops the downloads in state-dir/download except `keep` (and its length record).
void dropDownloads(const FirmwareConfig& c, const std::string& keep) {
  DIR* d = ::opendir(downloadDir(c).c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || (!keep.empty() && (name == keep || name == keep + ".length"))) continue;
    ::unlink((downloadDir(c) + "/" + name).c_str());
  }
  ::closedir(d);
}

// Why a bundle is refused (its signature, a block, its manifest, the box's rules), as opposed to a
// failure worth retrying (the network, the disk).
bool isRefusal(const core::Status& s) {
  return s.code() == core::Code::kPermissionDenied || s.code() == core::Code::kFailedPrecondition ||
         s.code() == core::Code::kCorrupt || s.code() == core::Code::kInvalidArgument;
}

struct Fetched {
  std::string path;
  core::Status refusal = core::Status::ok();  // the bundle's header was refused as it came in
};

// A bundle from mgmt's device API into state-dir/download/NAME, resumed after what an earlier run
// fetched and synced; the header is checked against `policy` as soon as it is in.
core::Result<Fetched> fetchBundle(const FirmwareConfig& c, const std::string& url, const std::string& name,
                                  const std::string& key, const firmware::InstallPolicy& policy, bool json) {
  firmware::DownloadOptions d;
  EDGE_ASSIGN_OR_RETURN(d.https.endpoint, core::parseHttpsUrl(url));
  EDGE_RETURN_IF_ERROR(loadIdentity(c, d.https));
  size_t slash = url.find('/', 8);
  d.urlPath = slash == std::string::npos ? "/" : url.substr(slash);
  if (const char* r = std::getenv("EDGE_FIRMWARE_RANGE_BYTES")) d.rangeBytes = std::strtoull(r, nullptr, 10);
  if (const char* every = std::getenv("EDGE_FIRMWARE_CHECKPOINT_BYTES")) d.syncBytes = std::strtoull(every, nullptr, 10);
  int lastPercent = -5;
  if (!json) d.progress = [&lastPercent](uint64_t done, uint64_t total) { printProgress("downloading", done, total, lastPercent); };
  Fetched f;
  d.checkHeader = [&key, &policy, &f, &c](const std::string& path) -> core::Status {
    core::Result<firmware::FileSource> source = firmware::FileSource::open(path);
    if (!source.isOk()) return source.status();
    core::Result<firmware::BundleHeader> h = firmware::openBundle(*source, key, policy);
    if (!h.isOk()) {
      f.refusal = h.status();
      return f.refusal;
    }
    // The whole bundle must fit beside the box's data: said now, not when the disk is full.
    const uint64_t need = firmware::kBundleHeaderBytes + h->manifestBytes.size() + h->signature.size() +
                          h->manifest.payload.size;
    struct statvfs fs{};
    struct stat st{};
    if (::statvfs(downloadDir(c).c_str(), &fs) == 0 && ::stat(path.c_str(), &st) == 0) {
      const uint64_t room = uint64_t{fs.f_bavail} * fs.f_frsize + static_cast<uint64_t>(st.st_size);
      if (room < need + (16ull << 20))
        f.refusal = core::resourceExhausted("the bundle needs " + std::to_string(need >> 20) + " MiB in " +
                                            downloadDir(c) + ", which has " + std::to_string(room >> 20) +
                                            " MiB free (16 MiB are kept for the box's data)");
    }
    return f.refusal;
  };
  if (::mkdir(downloadDir(c).c_str(), 0700) != 0 && errno != EEXIST)
    return core::errnoStatus("cannot create " + downloadDir(c), errno);
  dropDownloads(c, name);
  f.path = downloadDir(c) + "/" + name;
  core::Result<firmware::DownloadResult> got = firmware::download(d, f.path);
  if (!f.refusal.isOk()) return f;
  if (!got.isOk()) return got.status().withContext("downloading " + url);
  if (!json && got->resumedAt > 0)
    std::printf("download resumed at byte %llu of %llu\n", static_cast<unsigned long long>(got->resumedAt),
                static_cast<unsigned long long>(got->size));
  return f;
}

firmware::InstallOptions installOptions(const FirmwareConfig& c, const std::string& key, const std::string& running) {
  firmware::InstallOptions o;
  o.hardware = c.hardware;
  o.publicKeyPem = key;
  o.runningVersion = running;
  o.tries = static_cast<int>(c.tries);
  // The CLI's own test hook: EDGE_FIRMWARE_CHECKPOINT_BYTES makes checkpoints frequent (kill -9 tests).
  if (const char* every = std::getenv("EDGE_FIRMWARE_CHECKPOINT_BYTES")) o.checkpointBytes = std::strtoull(every, nullptr, 10);
  return o;
}

void printInstalled(const firmware::InstallResult& r, const FirmwareConfig& c, bool json) {
  if (json) {
    std::printf("%s\n", core::Json{{"slot", r.slot}, {"version", r.version}, {"resumed-blocks", r.resumedBlocks},
                                   {"written-blocks", r.writtenBlocks}, {"tries", c.tries}}
                            .dump(2)
                            .c_str());
    return;
  }
  std::printf("%s is installed in slot %s%s; it boots next, on trial for %lld boots, and is committed only after its "
              "health gate (%lld s)\n",
              r.version.c_str(), r.slot.c_str(),
              r.resumedBlocks ? (" (resumed after " + std::to_string(r.resumedBlocks) + " blocks)").c_str() : "",
              static_cast<long long>(c.tries), static_cast<long long>(c.soakSeconds));
}

// A file is verified whole before its first byte goes to the slot (installFile); a URL is downloaded
// into the state folder first (resumable), then installed as a file.
int install(const Invocation& inv, const FirmwareConfig& c, bool json) {
  core::Result<std::string> key = core::readTextFile(c.publicKey, "the firmware key");
  if (!key.isOk()) return fail(key.status());
  core::Result<std::string> running = trimmedFile(c.versionFile, "the running version");
  if (!running.isOk()) return fail(running.status());
  if (inv.source.rfind("http://", 0) == 0)
    return fail(core::invalidArgument("firmware downloads are https:// only (mutual TLS with the device certificate)"));
  firmware::InstallOptions o = installOptions(c, *key, *running);
  std::string file = inv.source;
  const bool downloaded = inv.source.rfind("https://", 0) == 0;
  if (downloaded) {
    core::Result<firmware::FirmwareState> state = firmware::loadState(c.stateDir + "/state.json");
    if (!state.isOk()) return fail(state.status());
    core::Result<firmware::InstallPolicy> policy = firmware::installPolicy(*state, o);
    if (!policy.isOk()) return fail(policy.status());
    core::Result<Fetched> f = fetchBundle(c, inv.source, "manual.bundle", *key, *policy, json);
    if (!f.isOk()) return fail(f.status());
    if (!f->refusal.isOk()) {
      dropDownloads(c, "");
      return fail(f->refusal);
    }
    file = f->path;
  }
  int lastPercent = -5;
  if (!json) o.progress = [&lastPercent](uint64_t done, uint64_t total) { printProgress("writing", done, total, lastPercent); };
  std::unique_ptr<firmware::SlotSet> slots = slotsOf(c);
  core::Result<firmware::InstallResult> r = firmware::installFile(*slots, c.stateDir + "/state.json", file, o);
  if (downloaded && (r.isOk() || isRefusal(r.status()))) dropDownloads(c, "");
  if (!r.isOk()) return fail(r.status());
  printInstalled(*r, c, json);
  if (inv.reboot) return std::system(c.rebootCommand.c_str()) == 0 ? 0 : 1;
  return 0;
}

int status(const FirmwareConfig& c, bool json) {
  core::Result<firmware::FirmwareState> s = firmware::loadState(c.stateDir + "/state.json");
  if (!s.isOk()) return fail(s.status());
  std::unique_ptr<firmware::SlotSet> slots = slotsOf(c);
  core::Json out = firmware::stateToJson(*s);
  core::Result<std::string> booted = slots->booted();
  out["booted"] = booted.isOk() ? core::Json(*booted) : core::Json(nullptr);
  core::Result<std::string> running = trimmedFile(c.versionFile, "the running version");
  out["running-version"] = running.isOk() ? core::Json(*running) : core::Json(nullptr);
  for (const char* slot : {"a", "b"}) {
    core::Result<firmware::SlotEntry> e = slots->entry(slot);
    if (!e.isOk()) continue;
    out["entries"][slot] = {{"state", firmware::entryStateName(e->state)}, {"tries-left", e->triesLeft},
                            {"tries-done", e->triesDone}};
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("booted slot     %s\n", core::jsonText(out["booted"]).c_str());
  std::printf("running version %s\n", core::jsonText(out["running-version"]).c_str());
  std::printf("security floor  %s\n", s->securityFloor.empty() ? "(none)" : s->securityFloor.c_str());
  for (const char* slot : {"a", "b"})
    if (out.contains("entries") && out["entries"].contains(slot))
      std::printf("slot %s entry    %s (tries left %s)\n", slot, core::jsonText(out["entries"][slot]["state"]).c_str(),
                  core::jsonText(out["entries"][slot]["tries-left"]).c_str());
  if (s->hasInstall)
    std::printf("install         %s into slot %s: %s%s\n", s->install.version.c_str(), s->install.slot.c_str(),
                s->install.stage.c_str(), s->install.reason.empty() ? "" : (" (" + s->install.reason + ")").c_str());
  for (const firmware::Outcome& o : s->unreported)
    std::printf("not reported    %s %s %s slot %s %s\n", o.at.c_str(), o.outcome.c_str(), o.version.c_str(), o.slot.c_str(),
                o.reason.c_str());
  return 0;
}

int gate(const Invocation& inv, const FirmwareConfig& c, const std::string& socketPath, bool json) {
  firmware::GateOptions o;
  core::Result<std::string> running = trimmedFile(c.versionFile, "the running version");
  if (!running.isOk()) return fail(running.status());
  o.runningVersion = *running;
  o.soakSeconds = static_cast<int>(c.soakSeconds);
  o.intervalSeconds = static_cast<int>(c.intervalSeconds);
  o.check = dataPlaneCheck(socketPath, c);
  o.holdSeconds = c.retryHoldSeconds;
  std::unique_ptr<firmware::SlotSet> slots = slotsOf(c);
  const std::string statePath = c.stateDir + "/state.json";
  core::Result<firmware::GateResult> r = firmware::runGate(*slots, statePath, o);
  if (!r.isOk()) return fail(r.status());
  // Outcomes go to edged's events now that the gate has decided (kept for the next run if edged
  // cannot take them).
  core::Status told = firmware::report(statePath, [&socketPath](const firmware::Outcome& out) -> core::Status {
    core::Result<core::Json> reply =
        call(socketPath, "firmware-report",
             core::Json{{"outcome", out.outcome}, {"version", out.version}, {"slot", out.slot}, {"reason", out.reason},
                        {"at", out.at}});
    return reply.isOk() ? core::Status::ok() : reply.status();
  });
  if (json) {
    std::printf("%s\n", core::Json{{"text", r->text}, {"reported", told.isOk()}}.dump(2).c_str());
  } else {
    std::printf("%s\n", r->text.c_str());
    if (!told.isOk()) std::printf("outcomes not reported yet (kept for the next run): %s\n", told.message().c_str());
  }
  if (r->action == firmware::GateResult::Action::kRebootToRollBack) {
    // Exit 1 either way: the slot failed (the unit shows failed until the old slot is up again).
    if (!inv.noReboot && std::system(c.rebootCommand.c_str()) != 0)
      std::fprintf(stderr, "edgectl: '%s' failed: reboot the box to return to the previous slot\n", c.rebootCommand.c_str());
    return 1;
  }
  return 0;
}

// The box's word on a bundle it would not write: held here for retry-hold-seconds, and told to edged
// (an event, and a firmware-outcome for mgmt at the next sync, which it asks for now); kept for the
// gate's next report when edged cannot take it.
void reportRefusal(const FirmwareConfig& c, const std::string& socketPath, const std::string& version,
                   const std::string& slot, const core::Status& why) {
  const std::string statePath = c.stateDir + "/state.json";
  core::Result<firmware::FirmwareState> state = firmware::loadState(statePath);
  if (!state.isOk()) return;
  const int64_t now = core::SystemClock::instance().unixSeconds();
  const std::string at = core::formatRfc3339(core::SystemClock::instance().wallNow());
  firmware::holdVersion(*state, version, why.message(), now + c.retryHoldSeconds);
  core::Result<core::Json> told =
      call(socketPath, "firmware-report",
           core::Json{{"outcome", "refused"}, {"version", version}, {"slot", slot}, {"reason", why.message()}, {"at", at}});
  if (told.isOk()) (void)call(socketPath, "sync-now", nullptr);
  else state->unreported.push_back(firmware::Outcome{"refused", version, slot, why.message(), at});
  core::Status saved = firmware::saveState(statePath, *state);
  if (!saved.isOk()) std::fprintf(stderr, "edgectl: %s\n", saved.message().c_str());
  dropDownloads(c, "");
}

// What the management plane wants this box to run, from edged's last check-in: the version and how
// many seconds ago it was said ("" = no opinion; age -1 = never).
struct Desire {
  std::string version;
  std::string mgmtUrl;
  int64_t age = -1;
};

core::Result<Desire> desire(const std::string& socketPath) {
  EDGE_ASSIGN_OR_RETURN(core::Json reply, call(socketPath, "sync-status", nullptr));
  const core::Json& a = reply["arguments"];
  Desire d;
  if (!a.is_object() || a.value("state", std::string()) == "not-enrolled") return d;
  d.mgmtUrl = a.value("url", std::string());
  while (!d.mgmtUrl.empty() && d.mgmtUrl.back() == '/') d.mgmtUrl.pop_back();
  if (a.contains("firmware") && a["firmware"].is_object()) {
    const core::Json& f = a["firmware"];
    d.version = f.value("desired-version", std::string());
    if (f.contains("age-seconds") && f["age-seconds"].is_number_integer()) d.age = f["age-seconds"].get<int64_t>();
  }
  return d;
}

int said(bool json, const std::string& action, const std::string& text, int code = 0) {
  if (json) std::printf("%s\n", core::Json{{"action", action}, {"text", text}}.dump(2).c_str());
  else std::printf("%s\n", text.c_str());
  return code;
}

// edgectl firmware follow (edge-firmware-follow.timer): the box follows its rollout. It acts only on a
// desired version edged heard at a check-in at most desire-max-age-seconds ago (mgmt says it only
// inside the tenant's maintenance window): download (resumed), verify the whole bundle, install into
// the other slot, and reboot when the word is still fresh; the gate reports after the reboot.
int follow(const FirmwareConfig& c, const std::string& socketPath, bool json) {
  core::Result<Desire> d = desire(socketPath);
  if (!d.isOk()) return fail(d.status().withContext("asking edged what the management plane wants"));
  if (d->version.empty()) return said(json, "none", "the management plane asks for no firmware change");
  if (d->age < 0 || d->age > c.desireMaxAgeSeconds)
    return said(json, "wait", "the management plane's word (" + d->version + ") is not fresh (" +
                                  (d->age < 0 ? std::string("no check-in yet") : std::to_string(d->age) + " s old") +
                                  "); waiting for a check-in inside the maintenance window");
  core::Result<firmware::Version> wanted = firmware::parseVersion(d->version, "the desired version");
  if (!wanted.isOk()) return fail(wanted.status());
  core::Result<std::string> key = core::readTextFile(c.publicKey, "the firmware key");
  if (!key.isOk()) return fail(key.status());
  core::Result<std::string> running = trimmedFile(c.versionFile, "the running version");
  if (!running.isOk()) return fail(running.status());
  if (*running == d->version) return said(json, "none", "this box runs " + *running + " already");

  const std::string statePath = c.stateDir + "/state.json";
  core::Result<firmware::FirmwareState> state = firmware::loadState(statePath);
  if (!state.isOk()) return fail(state.status());
  std::unique_ptr<firmware::SlotSet> slots = slotsOf(c);
  core::Result<std::string> booted = slots->booted();
  if (!booted.isOk()) return fail(booted.status());
  const std::string target = firmware::otherSlot(*booted);
  const int64_t now = core::SystemClock::instance().unixSeconds();
  if (const firmware::HeldVersion* h = firmware::heldAt(*state, d->version, now))
    return said(json, "held", d->version + " was refused or rolled back here (" + h->reason + "); not followed again for " +
                                  std::to_string(h->until - now) + " s");

  const firmware::PendingInstall& p = state->install;
  const bool installed = state->hasInstall && p.stage == "installed" && p.version == d->version;
  if (installed && p.slot == *booted)
    return said(json, "gate", d->version + " runs on trial in slot " + p.slot + "; its health gate decides");
  if (!installed) {
    firmware::InstallOptions o = installOptions(c, *key, *running);
    core::Result<firmware::InstallPolicy> policy = firmware::installPolicy(*state, o);
    if (!policy.isOk()) return fail(policy.status());
    const std::string url = d->mgmtUrl + "/v1/firmware/" + wanted->text();
    core::Result<Fetched> f = fetchBundle(c, url, wanted->text() + ".bundle", *key, *policy, json);
    if (!f.isOk()) return fail(f.status());
    // Refused at its header (signature, rules, no room), or when read whole (a block, the end).
    core::Status refused = f->refusal;
    if (refused.isOk()) {
      refused = firmware::verifyBundleFile(f->path, *key, *policy).status();
      if (!refused.isOk() && !isRefusal(refused)) return fail(refused);  // the disk: try again later
    }
    if (!refused.isOk()) {
      reportRefusal(c, socketPath, wanted->text(), target, refused);
      return said(json, "refused", "refused " + wanted->text() + " before writing it: " + refused.message(), 1);
    }
    // Verified whole; install() checks each block again as it writes it.
    int lastPercent = -5;
    if (!json) o.progress = [&lastPercent](uint64_t done, uint64_t total) { printProgress("writing", done, total, lastPercent); };
    core::Result<firmware::FileSource> source = firmware::FileSource::open(f->path);
    if (!source.isOk()) return fail(source.status());
    core::Result<firmware::InstallResult> r = firmware::install(*slots, statePath, *source, o);
    if (!r.isOk()) return fail(r.status());
    dropDownloads(c, "");
    if (!json) printInstalled(*r, c, false);
  }
  // The agreed point: the management plane still says so (inside the window), freshly.
  core::Result<Desire> again = desire(socketPath);
  if (!again.isOk() || again->version != d->version || again->age < 0 || again->age > c.desireMaxAgeSeconds)
    return said(json, "installed", d->version + " is installed in slot " + target +
                                       "; it reboots into it when the management plane says so again (maintenance window)");
  said(json, "reboot", "rebooting into slot " + target + " to run " + d->version + " (on trial until its health gate)");
  std::fflush(stdout);
  if (std::system(c.rebootCommand.c_str()) != 0) {
    std::fprintf(stderr, "edgectl: '%s' failed\n", c.rebootCommand.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int runFirmwareCli(const std::vector<std::string>& words, const std::string& socketPath, bool json) {
  if (words.empty()) return usageError("firmware needs install, follow, status or gate");
  Invocation inv;
  inv.verb = words[0];
  if (const char* env = std::getenv("EDGE_FIRMWARE_CONFIG")) inv.configPath = env;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--config" && i + 1 < words.size()) {
      inv.configPath = words[++i];
    } else if (w == "--reboot" && inv.verb == "install") {
      inv.reboot = true;
    } else if (w == "--no-reboot" && inv.verb == "gate") {
      inv.noReboot = true;
    } else if (inv.verb == "install" && inv.source.empty() && w.rfind("--", 0) != 0) {
      inv.source = w;
    } else {
      return usageError("firmware " + inv.verb + ": unexpected '" + w + "'");
    }
  }
  if (inv.verb != "install" && inv.verb != "status" && inv.verb != "gate" && inv.verb != "follow")
    return usageError("unknown firmware command '" + inv.verb + "'");
  if (inv.verb == "install" && inv.source.empty()) return usageError("firmware install needs a FILE");
  if (inv.configPath.empty()) inv.configPath = kDefaultConfig;
  core::Result<core::Json> doc = core::loadJsonFile(inv.configPath);
  if (!doc.isOk()) return fail(doc.status());
  core::Result<FirmwareConfig> config = configTable().parse(*doc);
  if (!config.isOk()) return fail(core::invalidArgument(inv.configPath + ": " + config.status().message()));
  if (inv.verb == "status") return status(*config, json);
  core::Result<std::unique_ptr<StateLock>> lock = StateLock::take(config->stateDir);
  if (!lock.isOk()) return fail(lock.status());
  if (inv.verb == "install") return install(inv, *config, json);
  if (inv.verb == "follow") return follow(*config, socketPath, json);
  return gate(inv, *config, socketPath, json);
}

}  // namespace edge
