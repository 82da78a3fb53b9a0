// The Diagnostics page (issue 22): RADIUS test login, the NAS CoA/Disconnect port probe, ping,
// traceroute, DNS, the TLS check of mgmt and RADIUS captures. Every action is a command of edged's
// table run with the signed-in person's role (edge/diagnostics holds them); the page shows what came
// back. A run's output is streamed to the page over server-sent events as the tool prints it; the
// run belongs to the person who started it (the command's caller label), and only they can follow it.
// A page that goes away stops its run (edge/diagnostics/runs.h). The recent runs are listed below
// the tools (diag-runs, every role); a past run's output and capture file come through diag-output,
// which gives them to the person who ran it and to admins only.
#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/web/form.h"
#include "core/web/sse.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using detail::field;
using detail::query;
using detail::textOf;

namespace {

bool refused(const core::ControlReply& reply) {
  return !reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied;
}

int statusOf(const core::ControlReply& reply) {
  return reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
}

// Run ids are "N-hex" (edge/diagnostics/runs.cpp); anything else is not looked up.
bool plausibleRunId(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  return true;
}

// 850 ms -> "0.9 s", 75000 -> "1 min".
std::string took(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms >= 60000) return detail::duration(ms / 1000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

core::Json WebUi::recentRuns(const Visitor& v) {
  core::Json rows = core::Json::array();
  core::ControlReply list = run(v, {}, "diag-runs", core::Json::object());
  if (!list.ok() || !list.arguments.is_array()) return rows;
  for (const core::Json& row : list.arguments) {
    std::string id = textOf(row, "id");
    bool readable = row.value("output", false) && may(v.role, "diag-output");
    bool done = row.value("done", false);
    std::string who = textOf(row, "owner");
    rows.push_back({{"who", who == "control socket" ? "root (edgectl)" : who},
                    {"tool", textOf(row, "tool")},
                    {"target", textOf(row, "target")},
                    {"when", textOf(row, "started")},
                    {"took", took(detail::integerOf(row, "duration-ms"))},
                    {"outcome", done ? textOf(row, "summary") : "running"},
                    {"failed", row.value("failed", false)},
                    // null, not "": an empty string opens a mustache section.
                    {"output", readable ? core::Json("/diagnostics/output?run=" + id) : core::Json()},
                    {"download", readable && row.value("has-file", false)
                                     ? core::Json("/diagnostics/capture.pcap?run=" + id)
                                     : core::Json()},
                    {"expired", row.value("file-expired", false)}});
  }
  return rows;
}

core::HttpResponse WebUi::diagnosticsPage(const Visitor& v, core::Json result, std::vector<core::web::Message> messages,
                                          int status) {
  core::Json data = std::move(result);
  if (!data.is_object()) data = core::Json::object();
  core::Json mayDo{{"test_login", may(v.role, "radius-test-login")}, {"probe", may(v.role, "nas-probe")},
                   {"tools", may(v.role, "diag-ping")},              {"tls", may(v.role, "diag-tls")},
                   {"capture", may(v.role, "radius-capture")}};
  data["diag_may"] = mayDo;
  data["diag_any"] = mayDo["test_login"].get<bool>() || mayDo["tools"].get<bool>();
  // The NAS clients a probe can aim at (the box's own loopback NASes are not probed).
  core::ControlReply nas = run(v, {}, "nas-list", core::Json::object());
  core::Json rows = core::Json::array();
  std::string chosen = data.value("probe_name", "");
  if (nas.arguments.is_array())
    for (const core::Json& n : nas.arguments) {
      std::string name = textOf(n, "name");
      if (name == "diagnostics" || name == "gateway") continue;
      rows.push_back({{"name", name},
                      {"label", name + " (" + textOf(n, "address") + ", port " + textOf(n, "coa-port") + ")"},
                      {"selected", name == chosen}});
    }
  data["nas"] = rows;
  data["nas_none"] = rows.empty();
  core::Json tools = core::Json::array();
  std::string tool = data.value("tool", "ping");
  for (const char* t : {"ping", "traceroute", "dns"}) tools.push_back({{"value", t}, {"selected", tool == t}});
  data["tools"] = tools;
  core::Json types = core::Json::array();
  std::string type = data.value("dns_type", "A");
  for (const char* t : {"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV", "SOA", "PTR"})
    types.push_back({{"value", t}, {"selected", type == t}});
  data["dns_types"] = types;
  if (!data.contains("seconds")) data["seconds"] = "10";
  data["runs"] = recentRuns(v);
  data["runs_none"] = data["runs"].empty();
  return page(v, "diagnostics", "Diagnostics", data, std::move(messages), status);
}

core::HttpResponse WebUi::diagnosticsPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  core::Json shown = core::Json::object();
  core::Json errors = core::Json::object();
  if (action == "test-login") {
    std::string user = field(form, "username"), password = field(form, "password");
    std::string method = field(form, "method").empty() ? "pap" : field(form, "method");
    shown["login_username"] = user;
    shown["login_station"] = field(form, "calling-station-id");
    shown["login_chap"] = method == "chap";
    if (user.empty()) errors["username"] = "the subscriber's username";
    if (password.empty()) errors["password"] = "the password to test";
    if (!errors.empty()) {
      shown["login_errors"] = errors;
      return diagnosticsPage(v, shown, {core::web::Message::error("nothing was sent: see the form")}, 400);
    }
    core::Json args{{"username", user}, {"password", password}, {"method", method}};
    if (!field(form, "calling-station-id").empty()) args["calling-station-id"] = field(form, "calling-station-id");
    core::ControlReply reply = run(v, r, "radius-test-login", args);
    if (refused(reply)) return refuse(v, reply);
    if (!reply.ok()) return diagnosticsPage(v, shown, {core::web::Message::error(reply.text)}, statusOf(reply));
    const core::Json& a = reply.arguments;
    char rtt[32];
    std::snprintf(rtt, sizeof rtt, "%.1f ms", a.is_object() && a.contains("rtt-ms") && a["rtt-ms"].is_number()
                                                  ? a["rtt-ms"].get<double>()
                                                  : 0.0);
    core::Json login{{"accepted", textOf(a, "result") == "accept"},
                     {"code", textOf(a, "code")},
                     {"rtt", rtt},
                     {"reason", textOf(a, "reason-text")},
                     {"attributes", a.value("attributes", core::Json::array())}};
    login["none"] = login["attributes"].empty();
    shown["login"] = login;
    return diagnosticsPage(v, shown);
  }
  if (action == "nas-probe") {
    shown["probe_name"] = field(form, "name");
    shown["probe_address"] = field(form, "address");
    if (field(form, "name").empty()) {
      shown["probe_errors"] = core::Json{{"name", "choose a NAS client"}};
      return diagnosticsPage(v, shown, {core::web::Message::error("nothing was sent: see the form")}, 400);
    }
    core::Json args{{"name", field(form, "name")}};
    if (!field(form, "address").empty()) args["address"] = field(form, "address");
    core::ControlReply reply = run(v, r, "nas-probe", args);
    if (refused(reply)) return refuse(v, reply);
    shown["probe"] = core::Json{{"answered", reply.arguments.is_object() && reply.arguments.value("answered", false)},
                                {"text", reply.text}};
    return diagnosticsPage(v, shown, {}, reply.ok() || reply.arguments.is_object() ? 200 : statusOf(reply));
  }
  if (action == "stop") {
    core::ControlReply reply = run(v, r, "diag-stop", core::Json::object());
    if (refused(reply)) return refuse(v, reply);
    return diagnosticsPage(v, shown, {reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text)},
                           statusOf(reply));
  }
  // A run: ping, traceroute, dns, tls or capture.
  std::string tool = field(form, "tool");
  core::Json args{{"wait", false}};
  std::string command;
  shown["tool"] = tool;
  shown["target"] = field(form, "target");
  shown["dns_type"] = field(form, "type");
  if (!field(form, "seconds").empty()) shown["seconds"] = field(form, "seconds");
  if (tool == "ping" || tool == "traceroute" || tool == "dns") {
    command = "diag-" + tool;
    if (field(form, "target").empty()) errors["target"] = "a host name or an IP address";
    args["target"] = field(form, "target");
    if (tool == "dns" && !field(form, "type").empty()) args["type"] = field(form, "type");
  } else if (tool == "tls") {
    command = "diag-tls";
    if (!field(form, "url").empty()) args["url"] = field(form, "url");
  } else if (tool == "capture") {
    command = "radius-capture";
    std::string s = field(form, "seconds");
    if (s.empty() || s.size() > 2 || s.find_first_not_of("0123456789") != std::string::npos || std::atoi(s.c_str()) < 1 ||
        std::atoi(s.c_str()) > 60)
      errors["seconds"] = "from 1 to 60 seconds";
    else
      args["seconds"] = std::atoi(s.c_str());
  } else {
    return diagnosticsPage(v, shown, {core::web::Message::error("no such tool")}, 400);
  }
  if (!errors.empty()) {
    shown[tool == "capture" ? "capture_errors" : "tool_errors"] = errors;
    return diagnosticsPage(v, shown, {core::web::Message::error("nothing was started: see the form")}, 400);
  }
  core::ControlReply reply = run(v, r, command, args);
  if (refused(reply)) return refuse(v, reply);
  if (!reply.ok()) {
    // A bad target is the field's error; anything else (a run in progress, a missing tool) above.
    if (core::command::publicCode(reply.code) == core::command::PublicCode::kInvalidArgument && tool != "tls") {
      shown[tool == "capture" ? "capture_errors" : "tool_errors"] =
          core::Json{{tool == "capture" ? "seconds" : "target", reply.text}};
      return diagnosticsPage(v, shown, {core::web::Message::error("nothing was started: see the form")}, 400);
    }
    return diagnosticsPage(v, shown, {core::web::Message::error(reply.text)}, statusOf(reply));
  }
  std::string id = textOf(reply.arguments, "run");
  shown["run"] = core::Json{{"id", id},
                            {"tool", tool},
                            {"what", tool == "tls" ? "TLS check of the management plane"
                                     : tool == "capture" ? "RADIUS capture"
                                                         : tool + " " + field(form, "target")},
                            {"stream", "/diagnostics/stream?run=" + id},
                            {"download", tool == "capture" ? "/diagnostics/capture.pcap?run=" + id : ""}};
  return diagnosticsPage(v, shown);
}

core::HttpResponse WebUi::diagnosticsStream(const core::HttpRequest& r, const Visitor& v) {
  std::string id = query(r, "run");
  core::HttpResponse out;
  if (!host_.followRun || !may(v.role, "diag-ping") || !plausibleRunId(id)) return core::HttpResponse::jsonError(404, "no such run");
  out.contentType = "text/event-stream; charset=utf-8";
  out.headers.emplace_back("Cache-Control", "no-store");
  out.headers.emplace_back("X-Accel-Buffering", "no");
  out.body = core::web::sseComment("run " + id);
  out.stream = std::make_shared<core::HttpStream>();
  std::weak_ptr<core::HttpStream> weak = out.stream;
  bool found = host_.followRun(id, v.session.principal, [weak](const std::string& event, const std::string& data) {
    std::shared_ptr<core::HttpStream> s = weak.lock();
    if (!s) return false;
    if (event.empty()) return s->write(core::web::sseComment("still running"));
    bool ok = s->write(core::web::sseFrame(core::web::SseEvent{event, data, "", 0}));
    if (event == "end") s->close();
    return ok;
  });
  if (!found) return core::HttpResponse::jsonError(404, "no such run");
  return out;
}

core::HttpResponse WebUi::diagnosticsOutput(const core::HttpRequest& r, const Visitor& v) {
  std::string id = query(r, "run");
  core::ControlReply reply = run(v, r, "diag-output", core::Json{{"run", id}});
  if (refused(reply)) return refuse(v, reply);
  if (!reply.ok()) return page(v, "refused", "No such run", core::Json::object(), {core::web::Message::error(reply.text)}, statusOf(reply));
  const core::Json& a = reply.arguments;
  core::Json lines = a.value("lines", core::Json::array());
  std::string text;
  for (const core::Json& l : lines) text += (l.is_string() ? l.get<std::string>() : l.dump()) + "\n";
  int64_t dropped = detail::integerOf(a, "lines-dropped");
  if (dropped > 0) text += "(" + std::to_string(dropped) + " more lines not kept)\n";
  bool done = a.value("done", false);
  core::Json data{{"who", textOf(a, "owner") == "control socket" ? "root (edgectl)" : textOf(a, "owner")},
                  {"tool", textOf(a, "tool")},
                  {"target", textOf(a, "target")},
                  {"when", textOf(a, "started")},
                  {"took", took(detail::integerOf(a, "duration-ms"))},
                  {"outcome", done ? textOf(a, "summary") : "still running"},
                  {"failed", a.value("failed", false)},
                  {"text", text},
                  {"empty", lines.empty()},
                  {"download", textOf(a, "file").empty() ? core::Json() : core::Json("/diagnostics/capture.pcap?run=" + id)},
                  {"expired", a.value("file-expired", false)}};
  return page(v, "diagnostics_output", textOf(a, "tool") + " " + textOf(a, "target"), data);
}

core::HttpResponse WebUi::diagnosticsCapture(const core::HttpRequest& r, const Visitor& v) {
  std::string id = query(r, "run");
  if (!plausibleRunId(id)) return core::HttpResponse::jsonError(404, "no such capture");
  // Whoever may read the run's output may download its file (diag-output decides: its owner, an admin).
  core::ControlReply reply = run(v, r, "diag-output", core::Json{{"run", id}});
  if (refused(reply)) return core::HttpResponse::jsonError(403, reply.text);
  if (!reply.ok()) return core::HttpResponse::jsonError(404, reply.text);
  std::string path = textOf(reply.arguments, "file");
  if (path.empty() || textOf(reply.arguments, "tool") != "capture")
    return core::HttpResponse::jsonError(404, reply.arguments.value("file-expired", false)
                                                  ? "that capture's file expired (captures are kept an hour)"
                                                  : "that run has no capture file (yet)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::HttpResponse::jsonError(404, "the capture file is gone");
  core::HttpResponse out;
  out.contentType = "application/vnd.tcpdump.pcap";
  out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + textOf(reply.arguments, "file-name") + "\"");
  audit("ui-download", &v, r, "radius capture " + id + " (" + std::to_string(out.body.size()) + " bytes)");
  return out;
}

}  // namespace edge::webui
