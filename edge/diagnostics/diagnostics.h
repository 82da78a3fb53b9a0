// The technician's diagnostics on the box (issue 22), every one a command of edged's table, so
// `edgectl` runs them too and the command layer decides who may (technician and admin):
//
//   radius-test-login  an Access-Request (PAP or CHAP) to edged's own auth port, sent from the
//                      built-in loopback NAS "diagnostics" (127.0.0.87, like the gateway's NAS, ADR
//                      0010): the real server path, answered Accept or Reject with the reply's
//                      attributes, and for a reject the reason in words (the server's AuthEvent).
//   nas-probe          whether a NAS's dynamic authorization port (RFC 5176) answers us: a
//                      Status-Server (RFC 5997), then a Disconnect-Request for a session that cannot
//                      exist; a verified answer proves reachability and the shared secret.
//   diag-ping, diag-traceroute, diag-dns, diag-tls, radius-capture, diag-stop
//                      runs (runs.h): supervised children (child.h) or the TLS check of mgmt, their
//                      output streamed to the page as it comes; edgectl waits for the end.
//   diag-runs          the recent runs (the last 50, in memory): who, what, target, when, how long,
//                      outcome, and whether the caller may read the output (viewer).
//   diag-output        one run's output and capture file (technician): the caller's own runs; an
//                      admin's and root's, anyone's. Another person's run answers as an unknown one.
//
// Threading: handlers run under the command table's lock and only start runs or build packets; every
// wait (a child, a RADIUS answer, a TLS handshake) is on a run's thread or in a ControlReply::later.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/event_bus.h"
#include "edge/diagnostics/runs.h"

namespace edge {
class RadiusService;
}

namespace edge::diagnostics {

inline constexpr const char* kNasName = "diagnostics";
inline constexpr const char* kNasAddress = "127.0.0.87";

// Where mgmt is, for the TLS check: the enrolled URL and CA (empty when not enrolled).
struct MgmtEndpoint {
  std::string url;
  std::string caPem;
};

struct DiagnosticsDeps {
  RadiusService* radius = nullptr;
  core::EventBus* events = nullptr;
  std::string dataDir;                    // captures are written to dataDir/diagnostics (0700)
  std::function<MgmtEndpoint()> mgmt;     // absent: the TLS check needs a --url
  // The dynamic authorization ports of the NAS clients (for the capture filter).
  std::function<std::vector<uint16_t>()> dynauthPorts;
};

struct NasTarget {
  std::string name;
  std::string address;  // numeric
  uint16_t port = 0;
  std::string secret;
};

class Diagnostics {
 public:
  explicit Diagnostics(DiagnosticsDeps deps);
  ~Diagnostics();

  // Registers the loopback NAS with a fresh secret, finds the tools, subscribes to auth events.
  // After the RADIUS service started.
  core::Status start();
  void stop();
  void registerCommands(core::command::Table& commands);

  static constexpr size_t kRunsKept = 50;

  // For the technician UI: follows the run `id` of `owner` (see Run::follow); false when there is no
  // such run of that owner.
  bool follow(const std::string& id, const std::string& owner, Sink sink);

 private:
  core::ControlReply startRun(const core::Json& args, const core::command::Caller& caller, const std::string& tool);
  core::ControlReply testLogin(const core::Json& args);
  core::ControlReply listRuns(const core::command::Caller& caller);
  core::ControlReply runOutput(const core::Json& args, const core::command::Caller& caller);
  core::ControlReply nasProbe(const core::Json& args);
  core::Result<Runs::Job> job(const std::string& tool, const core::Json& args, std::string* target);
  Runs::Job captureJob(int seconds);
  void tlsCheck(Run& run, const MgmtEndpoint& mgmt);

  struct AuthSeen;
  DiagnosticsDeps deps_;
  std::string secret_;
  std::string radiusHost_;
  uint16_t authPort_ = 0, acctPort_ = 0;
  std::string ping_, traceroute_, dig_, tcpdump_;
  Runs runs_{RunsOptions{kRunsKept}};
  std::shared_ptr<AuthSeen> seen_;
  bool started_ = false;
};

// Reply attributes as a person reads them: "Session-Timeout = 3600", "Mikrotik-Rate-Limit = "10M/5M"".
std::string describeAttribute(const aaa::radius::Dictionary& dictionary, const aaa::radius::Attribute& attribute);

}  // namespace edge::diagnostics
