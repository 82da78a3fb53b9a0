// The technician UI's Overview: health first (alerts active now and the latest alert events), then
// the box (versions, uptime, disk), license, the management plane (sync state, last contact,
// reachable or not) and RADIUS, refreshed live by htmx (/overview/live every 10 s), and the charts of
// the last hour (/overview/series: samples taken by tick()).
//
// The figures come from viewer commands (status, license-show, sync-status, events) and are the same
// for every signed-in role, so one reading serves every visitor for kOverviewSeconds: twenty
// technicians with the page open cost what one does (the RADIUS path shares the box's two cores).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/units.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

constexpr int64_t kOverviewSeconds = 2;

// A gauge of status's "counters" (keyed Prometheus-style, labels included).
int64_t gauge(const core::Json& status, const std::string& key) {
  if (!status.is_object() || !status.contains("counters")) return 0;
  const core::Json& c = status["counters"];
  auto it = c.find(key);
  return it != c.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// 83742728192 -> "83.7 GB" (decimal units, one decimal: a disk as its label says it).
std::string diskSize(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1000 && u + 1 < sizeof units / sizeof units[0]) v /= 1000, ++u;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", v, units[u]);
  return text;
}

std::string agoText(int64_t seconds) { return seconds < 0 ? "-" : duration(seconds) + " ago"; }

}  // namespace

core::Json WebUi::overviewData(const Visitor& v) {
  int64_t t = now();
  {
    std::lock_guard<std::mutex> lock(overviewMu_);
    if (!overviewCache_.is_null() && t - overviewAt_ < kOverviewSeconds) return overviewCache_;
  }
  core::Json data = core::Json::object();
  core::ControlReply status = run(v, {}, "status", core::Json::object());
  const core::Json& st = status.arguments;
  // Versions and the box.
  data["version"] = textOf(st, "version");
  data["schema"] = st.is_object() && st.contains("database") ? textOf(st["database"], "schema-version") : "";
  data["uptime"] = duration(integerOf(st, "uptime-seconds"));
  data["started"] = textOf(st, "started-at");
  int64_t diskFree = gauge(st, "edged_data_free_bytes"), diskTotal = gauge(st, "edged_data_size_bytes");
  if (diskTotal > 0) {
    int64_t pct = diskFree * 100 / diskTotal;
    data["disk"] = diskSize(diskFree) + " free of " + diskSize(diskTotal) + " (" + std::to_string(pct) + " %)";
  } else {
    data["disk"] = "not measured yet";
  }
  data["subscribers"] = gauge(st, "edged_subscribers");
  core::Json radius = st.is_object() && st.contains("radius") ? st["radius"] : core::Json::object();
  data["radius"] = facts(radius);
  // Health: the alert conditions that hold now (edged_alerts_active{alert="..."} = 1).
  core::Json active = core::Json::array();
  if (st.is_object() && st.contains("counters"))
    for (const auto& [key, value] : st["counters"].items())
      if (key.rfind("edged_alerts_active{", 0) == 0 && value.is_number() && value.get<int64_t>() > 0) {
        size_t q = key.find('"');
        size_t e = key.rfind('"');
        active.push_back(q != std::string::npos && e > q ? key.substr(q + 1, e - q - 1) : key);
      }
  data["active_alerts"] = active;
  bool certificates = false;  // the Certificates page says which and what to do
  for (const core::Json& a : active) certificates = certificates || a.get<std::string>().rfind("certificate-", 0) == 0;
  data["certificate_alert"] = certificates;
  data["healthy"] = active.empty() && status.ok();
  // License.
  core::ControlReply license = run(v, {}, "license-show", core::Json::object());
  data["license"] = license.text;
  data["license_facts"] = facts(license.arguments);
  // The management plane: reachable when the last check-in worked.
  core::ControlReply sync = run(v, {}, "sync-status", core::Json::object());
  const core::Json& sy = sync.arguments;
  std::string state = textOf(sy, "state");
  data["sync"] = textOf(sy, "summary").empty() ? sync.text : textOf(sy, "summary");
  data["mgmt"] = state == "ok"             ? "reachable"
                 : state == "failing"      ? "not reachable (" + std::to_string(integerOf(sy, "failures")) + " failed attempts)"
                 : state == "pending"      ? "enrolled, first check-in pending"
                 : state == "not-enrolled" ? "not enrolled (the box works alone)"
                                           : (state.empty() ? "unknown" : state);
  data["mgmt_ok"] = state == "ok";
  int64_t lastSuccess = gauge(st, "edged_sync_last_success_timestamp_seconds");
  data["last_contact"] = lastSuccess > 0 ? textOf(sy, "last-success") + " (" + agoText(t - lastSuccess) + ")" : "never";
  data["sync_facts"] = facts(sy);
  // The latest alert events (the health monitor writes them to the event log).
  core::ControlReply events = run(v, {}, "events", core::Json{{"limit", 200}});
  core::Json alerts = core::Json::array();
  if (events.arguments.is_array())
    for (const core::Json& e : events.arguments)
      if (textOf(e, "kind").rfind("alert", 0) == 0 && alerts.size() < 5)
        alerts.push_back({{"at", textOf(e, "at")}, {"kind", textOf(e, "kind")}, {"detail", textOf(e, "detail")}});
  data["alerts"] = alerts;
  data["has_alerts"] = !alerts.empty();
  std::lock_guard<std::mutex> lock(overviewMu_);
  overviewCache_ = data;
  overviewAt_ = t;
  return data;
}

core::HttpResponse WebUi::overview(const Visitor& v, bool fragmentOnly) {
  // The figures are the same for every role that may read them; a role below viewer reads nothing.
  core::Json data = may(v.role, "status") ? overviewData(v) : core::Json::object();
  {
    std::lock_guard<std::mutex> lock(samplesMu_);
    data["online"] = samples_.empty() ? 0 : samples_.back().sessionsOnline;
  }
  data["ui_sessions"] = sessions_.size();
  if (fragmentOnly) return fragment("overview_live", data);
  return page(v, "overview", "Overview", data);
}

core::HttpResponse WebUi::series() {
  // uPlot's data: [[times], [sessions online], [auth requests/s], [accounting requests/s]].
  core::Json t = core::Json::array(), online = core::Json::array(), auth = core::Json::array(), acct = core::Json::array();
  {
    std::lock_guard<std::mutex> lock(samplesMu_);
    for (size_t i = 0; i < samples_.size(); ++i) {
      const Sample& s = samples_[i];
      t.push_back(s.at);
      online.push_back(s.sessionsOnline);
      if (i == 0) {
        auth.push_back(nullptr);
        acct.push_back(nullptr);
        continue;
      }
      const Sample& p = samples_[i - 1];
      double dt = static_cast<double>(std::max<int64_t>(1, s.at - p.at));
      auth.push_back(static_cast<double>(std::max<int64_t>(0, s.authRequests - p.authRequests)) / dt);
      acct.push_back(static_cast<double>(std::max<int64_t>(0, s.acctRequests - p.acctRequests)) / dt);
    }
  }
  return core::HttpResponse::json(200, core::Json::array({t, online, auth, acct}));
}

}  // namespace edge::webui
