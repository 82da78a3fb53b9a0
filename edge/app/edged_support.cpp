// edged's support bundle (issue 22): the `support-bundle` command gathers what support asks for first
// into one .tar.gz, in memory, under a size limit. Each part is the answer of one of edged's own
// commands (the same text `edgectl status`, `stats`... print as JSON), every JSON document passed
// through redactSecrets once more before it is written, so a secret that a command leaked by mistake
// still does not leave the box in a bundle.
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <microhttpd.h>

#include <cstdio>
#include <memory>

#include "core/clock.h"
#include "core/counters.h"
#include "core/pki.h"
#include "edge/app/edged.h"
#include "edge/app/support_bundle.h"

namespace edge {

namespace {

constexpr size_t kBundleLimit = 16u << 20;    // before compression
constexpr size_t kJournalLimit = 4u << 20;     // journald's share of it

// The last lines journald kept for edged, when this box runs journald; "" otherwise.
std::string journalTail() {
  if (::access("/run/systemd/journal/socket", F_OK) != 0 || ::access("/usr/bin/journalctl", X_OK) != 0) return "";
  std::unique_ptr<FILE, int (*)(FILE*)> p(
      ::popen("/usr/bin/journalctl -u edged --no-pager -n 2000 -o short-iso-precise 2>&1", "r"), ::pclose);
  if (!p) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0 && out.size() < kJournalLimit) out.append(buf, n);
  if (out.size() > kJournalLimit) out.resize(kJournalLimit);
  return out;
}

}  // namespace

core::ControlReply Edged::supportBundle() {
  // Gathered after the handler, with no lock held: the parts are commands of this same table.
  return core::ControlReply::later([this]() -> core::ControlReply {
    const int64_t now = core::SystemClock::instance().unixSeconds();
    std::string stamp = core::formatRfc3339(core::SystemClock::instance().wallNow());
    std::string day;
    for (char c : stamp)
      if (c != ':' && c != '-') day += c;
    const std::string dir = "edged-support-" + day.substr(0, 15);
    TarGz tar(kBundleLimit);
    core::Json contents = core::Json::array();
    auto add = [&](const std::string& name, const std::string& text) -> core::Status {
      EDGE_RETURN_IF_ERROR(tar.add(dir + "/" + name, text, now));
      contents.push_back(name);
      return core::Status::ok();
    };
    struct Part {
      const char* file;
      const char* command;
      core::Json args;
    };
    const Part parts[] = {{"status.json", "status", nullptr},
                          {"stats.json", "stats", nullptr},
                          {"config.json", "config-show", nullptr},
                          {"events.json", "events", core::Json{{"limit", 5000}}},
                          {"license.json", "license-show", nullptr},
                          {"sync.json", "sync-status", nullptr},
                          {"nas.json", "nas-list", nullptr},
                          {"accounts.json", "user-list", nullptr}};
    for (const Part& part : parts) {
      core::ControlReply r = commands_.call(core::command::Caller::root(), part.command, part.args);
      core::Json doc{{"command", part.command}, {"text", r.text}, {"ok", r.ok()}, {"answer", redactSecrets(r.arguments)}};
      EDGE_RETURN_IF_ERROR(add(part.file, doc.dump(2) + "\n"));
    }
    EDGE_RETURN_IF_ERROR(add("metrics.txt", core::prometheusText(counters_)));
    std::string versions = std::string("edged ") + kVersion + "\nSQLite " + sqlite3_libversion() +
                           "\nlibmicrohttpd " + MHD_get_version() + "\n";
    struct utsname u {};
    if (::uname(&u) == 0) versions += std::string("kernel ") + u.sysname + " " + u.release + " " + u.machine + "\n";
    versions += "bundle made " + stamp + "\n";
    EDGE_RETURN_IF_ERROR(add("versions.txt", versions));
    std::string journal = journalTail();
    if (!journal.empty()) EDGE_RETURN_IF_ERROR(add("journal.txt", journal));
    EDGE_ASSIGN_OR_RETURN(std::string gz, tar.finish());
    const std::string name = dir + ".tar.gz";
    return core::ControlReply::success(
        "support bundle " + name + " (" + std::to_string(gz.size()) + " bytes)",
        core::Json{{"name", name}, {"size", gz.size()}, {"contents", contents}, {"content-base64", core::pki::base64Encode(gz)}});
  });
}

}  // namespace edge
