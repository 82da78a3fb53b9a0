#include "mgmt/fleet/rollout_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <set>

#include "core/command_args.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/pki.h"
#include "firmware/bundle.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/fleet/rollout_rules.h"
#include "mgmt/fleet/rollout_store.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::fleet {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

Json releaseJson(const ReleaseRow& r) {
  Json hw = Json::parse(r.hardware, nullptr, false);
  return Json{{"version", r.version},       {"channel", r.channel},
              {"hardware", hw.is_discarded() ? Json::array() : hw},
              {"security-floor", r.securityFloor}, {"min-version", r.minVersion},
              {"size", r.size},             {"sha256", r.sha256},
              {"added-at", iso(r.createdAt)}};
}

std::vector<Ring> ringsOf(const RolloutRow& r) {
  core::Result<std::vector<Ring>> rings = parseRings(Json::parse(r.rings, nullptr, false));
  return rings.isOk() ? *rings : std::vector<Ring>{};
}

Json rolloutJson(const RolloutRow& r, const std::vector<RolloutBoxRow>* boxes) {
  std::vector<Ring> rings = ringsOf(r);
  Json j{{"id", r.id},
         {"tenant", r.tenantId.empty() ? Json(nullptr) : Json(r.tenantId)},
         {"version", r.version},
         {"state", r.state},
         {"reason", r.reason},
         {"open-ring", r.ring < static_cast<int64_t>(rings.size()) ? rings[r.ring].name : ""},
         {"failure-percent", r.failurePercent},
         {"report-seconds", r.reportSeconds},
         {"created-at", iso(r.createdAt)},
         {"updated-at", iso(r.updatedAt)}};
  if (!boxes) return j;
  Json ringList = Json::array();
  for (size_t i = 0; i < rings.size(); ++i) {
    Json counts = Json::object();
    for (const char* s : kBoxStates) counts[s] = 0;
    int64_t n = 0;
    for (const RolloutBoxRow& b : *boxes)
      if (b.ring == static_cast<int64_t>(i)) {
        ++n;
        counts[b.state] = counts.value(b.state, 0) + 1;
      }
    const bool open = r.state != "aborted" && static_cast<int64_t>(i) <= r.ring;
    ringList.push_back(Json{{"name", rings[i].name}, {"boxes", n}, {"open", open}, {"states", counts}});
  }
  j["rings"] = ringList;
  Json list = Json::array();
  for (const RolloutBoxRow& b : *boxes)
    list.push_back(Json{{"device", b.deviceId},
                        {"tenant", b.tenantId},
                        {"ring", b.ring < static_cast<int64_t>(rings.size()) ? rings[b.ring].name : ""},
                        {"state", b.state},
                        {"reason", b.reason},
                        {"offered-at", iso(b.offeredAt)},
                        {"updated-at", iso(b.updatedAt)}});
  j["boxes"] = list;
  return j;
}

// The rollout named by the `rollout` argument as the caller may see it: a tenant sees its own only.
core::Result<RolloutRow> rolloutArgument(store::Transaction& tx, const CommandArgs& a, const Caller& caller) {
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("rollout"));
  EDGE_ASSIGN_OR_RETURN(std::optional<RolloutRow> r, RolloutStore(tx).rollout(id));
  if (!r || (!caller.platform() && r->tenantId != caller.tenantId))
    return core::notFound("rollout: no rollout '" + id + "' (see rollout list)");
  return *r;
}

// Copies the bundle into the catalog's folder (a temporary name, synced, then renamed) and hashes it on
// the way: a bundle is a root filesystem image, never held in memory whole.
core::Result<std::pair<int64_t, std::string>> keepCopy(const std::string& from, const std::string& dir,
                                                       const std::string& to) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return core::errnoStatus("creating " + dir, errno);
  const std::string tmp = to + ".tmp";
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return core::errnoStatus("file: opening " + from, errno);
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out < 0) {
    int e = errno;
    ::close(in);
    return core::errnoStatus("writing " + tmp, e);
  }
  core::pki::Sha256Stream sha;
  std::vector<char> buffer(1 << 20);
  int64_t size = 0;
  core::Status st;
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = core::errnoStatus("file: reading " + from, errno);
      break;
    }
    if (n == 0) break;
    sha.update(buffer.data(), static_cast<size_t>(n));
    size += n;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        st = core::errnoStatus("writing " + tmp, errno);
        break;
      }
      done += w;
    }
    if (!st.isOk()) break;
  }
  if (st.isOk() && ::fsync(out) != 0) st = core::errnoStatus("syncing " + tmp, errno);
  ::close(in);
  ::close(out);
  if (st.isOk() && ::rename(tmp.c_str(), to.c_str()) != 0) st = core::errnoStatus("renaming " + tmp, errno);
  if (!st.isOk()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return std::make_pair(size, sha.finishHex());
}

bool healthyReport(const core::sync::CheckinRequest& request, const std::string& version) {
  if (request.version != version) return false;
  return !(request.health.is_object() && request.health.contains("alerts") && request.health["alerts"].is_array() &&
           !request.health["alerts"].empty());
}

}  // namespace

RolloutService::RolloutService(Deps deps) : d_(std::move(deps)) {}

ControlReply RolloutService::addRelease(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"file", "channel"}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("the firmware catalog is the platform's"));
  EDGE_ASSIGN_OR_RETURN(std::string file, a.required("file"));
  EDGE_ASSIGN_OR_RETURN(std::string channel, a.required("channel"));
  if (channel != "stable" && channel != "beta")
    return ControlReply::error(core::invalidArgument("channel: expected stable or beta (got '" + channel + "')"));
  if (!d_.firmwareKey) return ControlReply::error(core::failedPrecondition("firmware-key: not configured"));
  EDGE_ASSIGN_OR_RETURN(std::string key, d_.firmwareKey());
  // Signature and manifest, then the payload against its signed digests to the end (a truncated or
  // altered bundle is refused): nothing unverified is kept.
  core::Result<firmware::BundleHeader> header = firmware::verifyBundleFile(file, key, firmware::InstallPolicy{});
  if (!header.isOk()) return ControlReply::error(header.status().withContext("file: " + file));
  const firmware::Manifest& m = header->manifest;
  ReleaseRow row;
  row.version = m.version.text();
  row.channel = channel;
  row.hardware = Json(m.compatible).dump();
  row.securityFloor = m.securityFloor.text();
  row.minVersion = m.minVersion.text();
  row.path = d_.firmwareDir + "/" + row.version + ".bundle";
  row.createdAt = d_.clock.unixSeconds();
  // The copy is what boxes download; the catalog row names its digest. (A file that changed between
  // the check and the copy is caught by the box, which verifies every block against the signature.)
  EDGE_ASSIGN_OR_RETURN(auto copied, keepCopy(file, d_.firmwareDir, row.path + ".new"));
  row.size = copied.first;
  row.sha256 = copied.second;
  // The file takes its place before the row names it (a crash in between leaves a file no row names,
  // which the next add of that version replaces), and never over another file of the same version.
  std::optional<ReleaseRow> old;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(old, RolloutStore(tx).release(row.version));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (old) ::unlink((row.path + ".new").c_str());
  if (old && old->sha256 != row.sha256)
    return ControlReply::error(
        core::alreadyExists("file: version " + row.version + " is in the catalog already, with other bytes"));
  if (!old && ::rename((row.path + ".new").c_str(), row.path.c_str()) != 0)
    return ControlReply::error(core::errnoStatus("renaming " + row.path + ".new", errno));
  bool fresh = false;
  if (!old) {
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(fresh, RolloutStore(tx).insertRelease(row));
      return core::Status::ok();
    }));
  }
  return ControlReply::success(std::string(fresh ? "added " : "already in the catalog: ") + row.version + " (" + channel + ")",
                          releaseJson(row));
}

ControlReply RolloutService::listReleases(const Json& args, const Caller&) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"channel"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> channel, a.text("channel"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::vector<ReleaseRow> rows, RolloutStore(tx).releases(channel.value_or("")));
        for (const ReleaseRow& r : rows) list.push_back(releaseJson(r));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " release(s)", list);
}

ControlReply RolloutService::setWindow(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "window"}));
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required("window"));
  std::optional<MaintenanceWindow> w;
  if (text != "none") {
    EDGE_ASSIGN_OR_RETURN(MaintenanceWindow parsed, parseWindow(text));
    w = parsed;
  }
  std::string name;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    name = t.name;
    if (!w) return RolloutStore(tx).clearWindow(t.id);
    return RolloutStore(tx).setWindow(t.id, w->text(), d_.clock.unixSeconds());
  }));
  return ControlReply::success(w ? "maintenance window of " + name + ": " + w->text()
                            : "maintenance window of " + name + " cleared (updates at any time)",
                          Json{{"window", w ? Json(w->text()) : Json(nullptr)}});
}

ControlReply RolloutService::getWindow(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  std::optional<std::string> spec;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(spec, RolloutStore(tx).window(t.id));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(spec ? *spec : "none (updates at any time)", Json{{"window", spec ? Json(*spec) : Json(nullptr)}});
}

ControlReply RolloutService::create(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "version", "rings", "failure-percent", "report-seconds"}));
  EDGE_ASSIGN_OR_RETURN(std::string version, a.required("version"));
  EDGE_ASSIGN_OR_RETURN(std::string ringsText, a.required("rings"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> failurePercent, a.integer("failure-percent", 0, 100));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> reportSeconds, a.integer("report-seconds", 300, 14 * 86400));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tenantArg, a.text("tenant"));
  core::JsonLimits limits;
  limits.maxDepth = 4;
  EDGE_ASSIGN_OR_RETURN(Json ringsJson, core::parseJsonWithComments(ringsText, "rings", limits));
  EDGE_ASSIGN_OR_RETURN(std::vector<Ring> rings, parseRings(ringsJson));
  RolloutRow row;
  row.id = "r-" + core::uuidV4().substr(0, 8);
  row.version = version;
  row.rings = ringsToJson(rings).dump();
  row.failurePercent = failurePercent.value_or(10);
  row.reportSeconds = reportSeconds.value_or(3600);
  row.createdAt = row.updatedAt = d_.clock.unixSeconds();
  int64_t boxes = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    RolloutStore rs(tx);
    if (!caller.platform() || tenantArg) {
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
      row.tenantId = t.id;
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<ReleaseRow> release, rs.release(version));
    if (!release) return core::notFound("version: no release '" + version + "' in the catalog (see firmware list)");
    // One rollout per scope at a time; a platform-wide one excludes every other.
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> active, rs.activeRollouts());
    for (const std::string& id : active) {
      EDGE_ASSIGN_OR_RETURN(std::optional<RolloutRow> other, rs.rollout(id));
      if (other && (other->tenantId.empty() || row.tenantId.empty() || other->tenantId == row.tenantId))
        return core::failedPrecondition("rollout " + other->id + " (" + other->version + ") is " + other->state +
                                        ": abort it or let it finish first");
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<DeviceRow> devices, FleetStore(tx).devices(row.tenantId));
    std::vector<std::string> ids;
    std::map<std::string, std::string> tenantOf;
    for (const DeviceRow& d : devices)
      if (d.status == "active") {
        ids.push_back(d.id);
        tenantOf[d.id] = d.tenantId;
      }
    if (ids.empty()) return core::failedPrecondition("no active device in the rollout's scope");
    EDGE_ASSIGN_OR_RETURN(auto assigned, assignRings(row.id, rings, ids));
    EDGE_RETURN_IF_ERROR(rs.insertRollout(row));
    for (const auto& [device, ring] : assigned) {
      RolloutBoxRow b;
      b.rolloutId = row.id;
      b.deviceId = device;
      b.tenantId = tenantOf[device];
      b.ring = ring;
      b.updatedAt = row.createdAt;
      EDGE_RETURN_IF_ERROR(rs.insertBox(b));
    }
    boxes = static_cast<int64_t>(assigned.size());
    return core::Status::ok();
  }));
  return ControlReply::success("rollout " + row.id + " of " + version + " to " + std::to_string(boxes) + " box(es), ring '" +
                              rings[0].name + "' open",
                          Json{{"id", row.id}, {"boxes", boxes}});
}

ControlReply RolloutService::list(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tenantArg, a.text("tenant"));
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        std::string tenantId;
        const bool all = caller.platform() && !tenantArg;
        if (!all) {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          tenantId = t.id;
        }
        EDGE_ASSIGN_OR_RETURN(std::vector<RolloutRow> rows, RolloutStore(tx).rollouts(tenantId, all));
        for (const RolloutRow& r : rows) out.push_back(rolloutJson(r, nullptr));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " rollout(s)", out);
}

ControlReply RolloutService::show(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"rollout"}));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(RolloutRow r, rolloutArgument(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<RolloutBoxRow> boxes, RolloutStore(tx).boxes(r.id));
        out = rolloutJson(r, &boxes);
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("rollout " + out["id"].get<std::string>() + ": " + out["state"].get<std::string>(), out);
}

ControlReply RolloutService::pause(const Json& args, const Caller& caller) { return move(args, caller, "pause"); }
ControlReply RolloutService::resume(const Json& args, const Caller& caller) { return move(args, caller, "resume"); }
ControlReply RolloutService::abort(const Json& args, const Caller& caller) { return move(args, caller, "abort"); }

ControlReply RolloutService::move(const Json& args, const Caller& caller, const char* verb) {
  CommandArgs a(args);
  const std::string v = verb;
  if (v == "pause") EDGE_RETURN_IF_ERROR(a.only({"rollout", "reason"}));
  else if (v == "resume") EDGE_RETURN_IF_ERROR(a.only({"rollout", "retry-failed", "failure-percent"}));
  else EDGE_RETURN_IF_ERROR(a.only({"rollout"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> retry, a.boolean("retry-failed"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> percent, a.integer("failure-percent", 0, 100));
  std::string id, state;
  const int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    RolloutStore rs(tx);
    EDGE_ASSIGN_OR_RETURN(RolloutRow r, rolloutArgument(tx, a, caller));
    id = r.id;
    std::string to;
    if (v == "pause") {
      if (r.state != "running") return core::failedPrecondition("rollout " + r.id + " is " + r.state + ", not running");
      to = "paused";
    } else if (v == "resume") {
      if (r.state != "paused") return core::failedPrecondition("rollout " + r.id + " is " + r.state + ", not paused");
      to = "running";
    } else {
      if (r.state != "running" && r.state != "paused")
        return core::failedPrecondition("rollout " + r.id + " is " + r.state + " already");
      to = "aborted";
    }
    if (percent)
      EDGE_RETURN_IF_ERROR(tx.exec("UPDATE rollouts SET failure_percent = $1 WHERE id = $2", {*percent, r.id}).status());
    if (retry.value_or(false)) {
      EDGE_ASSIGN_OR_RETURN(std::vector<RolloutBoxRow> boxes, rs.boxes(r.id));
      for (const RolloutBoxRow& b : boxes)
        if (boxFailed(b.state)) EDGE_RETURN_IF_ERROR(rs.setBox(r.id, b.deviceId, "pending", "", 0, now));
    }
    const std::string why = v == "pause" ? "paused by hand" + (reason ? ": " + *reason : std::string())
                            : v == "abort" ? "aborted by hand" : "";
    EDGE_ASSIGN_OR_RETURN(bool moved, rs.moveRollout(r.id, r.state, r.ring, to, r.ring, why, now));
    if (!moved) return core::failedPrecondition("rollout " + r.id + " changed meanwhile; try again");
    state = to;
    return core::Status::ok();
  }));
  return ControlReply::success("rollout " + id + " " + state, Json{{"id", id}, {"state", state}});
}

ControlReply RolloutService::advanceCommand(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("the rollout job is the platform's"));
  EDGE_ASSIGN_OR_RETURN(Report r, advance(d_.clock.unixSeconds()));
  return ControlReply::success("rings opened " + std::to_string(r.opened) + ", paused " + std::to_string(r.paused) +
                              ", done " + std::to_string(r.done) + ", boxes timed out " + std::to_string(r.timedOut),
                          Json{{"opened", r.opened}, {"paused", r.paused}, {"done", r.done}, {"timed-out", r.timedOut}});
}

core::Result<RolloutService::Report> RolloutService::advance(int64_t now) {
  Report report;
  std::vector<std::string> ids;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(ids, RolloutStore(tx).activeRollouts());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  for (const std::string& id : ids) {
    // Each rollout in its own unit of work: one failing does not hold the others.
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      RolloutStore rs(tx);
      EDGE_ASSIGN_OR_RETURN(std::optional<RolloutRow> r, rs.rollout(id));
      if (!r || r->state != "running") return core::Status::ok();
      const std::vector<Ring> rings = ringsOf(*r);
      EDGE_ASSIGN_OR_RETURN(std::vector<RolloutBoxRow> rows, rs.boxes(id));
      std::vector<BoxState> boxes;
      for (const RolloutBoxRow& b : rows) boxes.push_back({b.deviceId, static_cast<int>(b.ring), b.state, b.offeredAt});
      Decision d = decide(boxes, static_cast<int>(r->ring), static_cast<int>(rings.size()),
                          static_cast<int>(r->failurePercent), r->reportSeconds, now);
      for (const std::string& device : d.timedOut)
        for (const RolloutBoxRow& b : rows)
          if (b.deviceId == device)
            EDGE_RETURN_IF_ERROR(rs.setBox(id, device, "failed",
                                           "no report within " + std::to_string(r->reportSeconds) + " s of the offer",
                                           b.offeredAt, now));
      report.timedOut += static_cast<int64_t>(d.timedOut.size());
      std::string state = d.pause ? "paused" : d.done ? "done" : "running";
      if (state == "running" && d.openRing == r->ring) return core::Status::ok();
      EDGE_ASSIGN_OR_RETURN(bool moved, rs.moveRollout(id, "running", r->ring, state, d.openRing, d.reason, now));
      if (!moved) return core::Status::ok();  // paused or aborted meanwhile: that wins
      if (d.pause) ++report.paused;
      else if (d.done) ++report.done;
      if (d.openRing > r->ring) report.opened += d.openRing - r->ring;
      return core::Status::ok();
    }));
  }
  return report;
}

core::Result<std::pair<std::string, int64_t>> RolloutService::download(const std::string& deviceId,
                                                                       const std::string& version, int64_t now) {
  std::pair<std::string, int64_t> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    RolloutStore rs(tx);
    EDGE_ASSIGN_OR_RETURN(auto active, rs.activeBox(deviceId));
    const core::Status none = core::notFound("no firmware " + version.substr(0, 64) + " offered to this device");
    if (!active || active->first.version != version || active->first.state != "running") return none;
    const RolloutBoxRow& b = active->second;
    const int p = boxProgress(b.state);
    if (p < 1) return none;  // not offered (yet)
    EDGE_ASSIGN_OR_RETURN(std::optional<ReleaseRow> release, rs.release(version));
    if (!release) return none;
    if (b.state == "offered") EDGE_RETURN_IF_ERROR(rs.setBox(b.rolloutId, deviceId, "downloading", "", b.offeredAt, now));
    out = {release->path, release->size};
    return core::Status::ok();
  }));
  return out;
}

core::Result<std::string> desiredVersionAt(store::Transaction& tx, const std::string& deviceId,
                                           const std::string& tenantId, const core::sync::CheckinRequest& request,
                                           int64_t now) {
  RolloutStore rs(tx);
  EDGE_ASSIGN_OR_RETURN(auto active, rs.activeBox(deviceId));
  if (!active) return std::string();
  const RolloutRow& r = active->first;
  const RolloutBoxRow& b = active->second;
  if (boxFailed(b.state)) return std::string();
  if (b.state == "committed" && healthyReport(request, r.version)) {
    EDGE_RETURN_IF_ERROR(rs.setBox(r.id, deviceId, "healthy", "", b.offeredAt, now));
    return r.version;
  }
  if (boxProgress(b.state) >= kCommitted) return r.version;  // it runs the version: keep it there
  if (r.state != "running" || b.ring > r.ring) return std::string();
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec, rs.window(tenantId));
  if (spec) {
    core::Result<MaintenanceWindow> w = parseWindow(*spec);
    if (w.isOk() && !insideWindow(*w, now)) return std::string();
  }
  if (b.state == "pending") {
    // A box that runs the version already (installed by hand) is healthy at once.
    if (healthyReport(request, r.version)) {
      EDGE_RETURN_IF_ERROR(rs.setBox(r.id, deviceId, "healthy", "running it already", now, now));
      return r.version;
    }
    EDGE_RETURN_IF_ERROR(rs.setBox(r.id, deviceId, "offered", "", now, now));
  }
  return r.version;
}

core::Status recordFirmwareOutcome(store::Transaction& tx, const std::string& deviceId, const Json& data, int64_t now) {
  if (!data.is_object()) return core::Status::ok();
  const std::string outcome = data.value("outcome", ""), version = data.value("version", ""),
                    reason = data.value("reason", "");
  RolloutStore rs(tx);
  EDGE_ASSIGN_OR_RETURN(auto active, rs.activeBox(deviceId));
  if (!active || active->first.version != version) return core::Status::ok();  // not about a rollout's version
  const RolloutRow& r = active->first;
  const RolloutBoxRow& b = active->second;
  if (boxFailed(b.state)) return core::Status::ok();
  if (outcome == "rolled-back")
    return rs.setBox(r.id, deviceId, "rolled-back", reason.substr(0, 1024), b.offeredAt, now);
  // The box refused the bundle before writing it (signature, a block, the floor): it will not run it.
  if (outcome == "refused")
    return rs.setBox(r.id, deviceId, "failed", ("the box refused the bundle: " + reason).substr(0, 1024), b.offeredAt,
                     now);
  const int p = boxProgress(outcome);
  if (p < 3 || p > kCommitted || p <= boxProgress(b.state)) return core::Status::ok();  // only forward
  return rs.setBox(r.id, deviceId, outcome, "", b.offeredAt, now);
}

namespace {

using Serve = ControlReply (RolloutService::*)(const Json&, const Caller&);

core::command::Table::Handler scoped(RolloutService& s, Serve serve) {
  return tenancy::scoped([&s, serve](const Json& args, const tenancy::Caller& c) { return (s.*serve)(args, c); });
}

}  // namespace

void bindRolloutCommands(core::command::Table& table, RolloutService& s) {
  table.bind("firmware-add", scoped(s, &RolloutService::addRelease));
  table.bind("firmware-list", scoped(s, &RolloutService::listReleases));
  table.bind("maintenance-window-set", scoped(s, &RolloutService::setWindow));
  table.bind("maintenance-window-get", scoped(s, &RolloutService::getWindow));
  table.bind("rollout-create", scoped(s, &RolloutService::create));
  table.bind("rollout-list", scoped(s, &RolloutService::list));
  table.bind("rollout-show", scoped(s, &RolloutService::show));
  table.bind("rollout-pause", scoped(s, &RolloutService::pause));
  table.bind("rollout-resume", scoped(s, &RolloutService::resume));
  table.bind("rollout-abort", scoped(s, &RolloutService::abort));
  table.bind("rollout-advance", scoped(s, &RolloutService::advanceCommand));
}

}  // namespace mgmt::fleet
