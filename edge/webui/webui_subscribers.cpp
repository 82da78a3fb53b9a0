// The technician UI's Subscribers page (search as you type: subscriber-list --find, bounded, in the
// RADIUS snapshot) and a subscriber's page: why they cannot log in (subscriber-explain: the last
// decision and the last rejects in words), live sessions, usage per day as a chart (usage), quota,
// and the changes a technician makes: suspend/resume, top-up, unbind the MAC, a new password (each
// a command with the person's role: subscriber-set, subscriber-topup).
#include <algorithm>
#include <cstdlib>

#include "core/units.h"
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

constexpr int64_t kResults = 25;  // rows per search page

core::web::Message replyMessage(const core::ControlReply& reply, const std::string& okText) {
  return reply.ok() ? core::web::Message::ok(okText.empty() ? reply.text : okText) : core::web::Message::error(reply.text);
}

int replyStatus(const core::ControlReply& reply) {
  return reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
}

bool permissionDenied(const core::ControlReply& reply) {
  return !reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied;
}

}  // namespace

core::HttpResponse WebUi::subscribers(const core::HttpRequest& r, const Visitor& v, bool fragmentOnly) {
  std::string q = query(r, "q");
  if (q.size() > 253) q.resize(253);
  int64_t offset = std::clamp<int64_t>(std::atoll(query(r, "offset").c_str()), 0, 1000);
  core::Json rows = core::Json::array();
  core::Json data{{"q", q}};
  if (!q.empty()) {
    core::ControlReply reply = run(v, r, "subscriber-list", core::Json{{"find", q}, {"limit", kResults}, {"offset", offset}});
    const core::Json& a = reply.arguments;
    if (a.is_object() && a.contains("subscribers") && a["subscribers"].is_array())
      for (const core::Json& s : a["subscribers"])
        rows.push_back({{"username", textOf(s, "username")},
                        {"url", "/subscriber?u=" + core::web::urlEncode(textOf(s, "username"))},
                        {"mac", textOf(s, "mac").empty() ? "-" : textOf(s, "mac")},
                        {"plan", textOf(s, "plan")},
                        {"status", textOf(s, "status")},
                        {"expires", textOf(s, "expires").empty() ? "-" : textOf(s, "expires")}});
    int64_t total = integerOf(a, "total");
    bool capped = a.is_object() && a.value("capped", false);
    data["total"] = (capped ? "more than " : "") + std::to_string(total);
    data["capped"] = capped;
    if (!reply.ok()) data["error"] = reply.text;  // mustache: an empty string would still open its section
    std::string base = "/subscribers?q=" + core::web::urlEncode(q) + "&offset=";
    if (offset + kResults < total) data["next"] = base + std::to_string(offset + kResults);
    if (offset > 0) data["previous"] = base + std::to_string(std::max<int64_t>(0, offset - kResults));
  } else {
    core::ControlReply reply = run(v, r, "subscriber-list", core::Json{{"limit", 1}});
    data["all"] = integerOf(reply.arguments, "total");
  }
  data["searched"] = !q.empty();
  data["rows"] = rows;
  data["none"] = rows.empty() && !q.empty();
  data["found"] = !rows.empty();
  if (fragmentOnly) return fragment("subscriber_rows", data);
  return page(v, "subscribers", "Subscribers", data);
}

core::HttpResponse WebUi::subscriber(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages,
                                     core::Json formErrors, int status) {
  std::map<std::string, std::string> form = r.method == "POST" ? core::web::parseForm(r.body) : std::map<std::string, std::string>{};
  std::string name = r.method == "POST" ? field(form, "username") : query(r, "u");
  core::ControlReply show = run(v, r, "subscriber-show", core::Json{{"username", name}});
  if (!show.ok()) return refuse(v, show);
  const core::Json& s = show.arguments;
  core::Json data = core::Json::object();
  data["username"] = name;
  data["sessions_url"] = "/sessions?user=" + core::web::urlEncode(name);
  data["usage_url"] = "/subscriber/usage?u=" + core::web::urlEncode(name);
  data["facts"] = facts(s);
  data["suspended"] = textOf(s, "status") == "suspended";
  data["mac"] = textOf(s, "mac");
  core::ControlReply sessions = run(v, r, "session-list", core::Json{{"user", name}});
  core::Json rows = core::Json::array();
  if (sessions.arguments.is_array())
    for (const core::Json& x : sessions.arguments) rows.push_back(sessionRow(x));
  data["sessions"] = rows;
  data["no_sessions"] = rows.empty();
  core::ControlReply usage = run(v, r, "usage", core::Json{{"user", name}});
  data["usage"] = usage.ok() ? facts(usage.arguments) : core::Json::array();
  if (usage.ok() && usage.arguments.is_object() && usage.arguments.contains("billing"))
    data["quota"] = facts(usage.arguments["billing"]);
  core::ControlReply explain = run(v, r, "subscriber-explain", core::Json{{"username", name}});
  const core::Json& ex = explain.arguments;
  core::Json lines = core::Json::array();
  if (ex.is_object() && ex.contains("explanation"))
    for (const core::Json& l : ex["explanation"]) lines.push_back(l.is_string() ? l.get<std::string>() : l.dump());
  data["explanation"] = lines;
  if (ex.is_object() && ex.contains("last-authentication")) data["last_auth"] = facts(ex["last-authentication"]);
  core::Json rejects = core::Json::array();
  if (ex.is_object() && ex.contains("recent-rejects") && ex["recent-rejects"].is_array())
    for (const core::Json& j : ex["recent-rejects"])
      rejects.push_back({{"at", textOf(j, "at")},
                         {"nas", textOf(j, "nas")},
                         {"station", textOf(j, "calling-station-id").empty() ? "-" : textOf(j, "calling-station-id")},
                         {"why", textOf(j, "reply-message")},
                         {"reason", textOf(j, "reason")}});
  data["rejects"] = rejects;
  data["no_rejects"] = rejects.empty();
  core::web::Field bytes{"bytes", "topup-bytes", "Data (e.g. 5GB)", "text", field(form, "bytes"),
                         formErrors.value("bytes", ""), {{"inputmode", "text"}}};
  core::web::Field time{"time", "topup-time", "Online time (e.g. 2h)", "text", field(form, "time"),
                        formErrors.value("time", ""), {}};
  core::web::Field validity{"validity", "topup-validity", "Validity (e.g. 7d)", "text", field(form, "validity"),
                            formErrors.value("validity", ""), {}};
  core::web::Field note{"note", "topup-note", "Note", "text", field(form, "note"), formErrors.value("note", ""),
                        {{"maxlength", "200"}}};
  data["topup_fields"] = core::web::renderField(bytes) + core::web::renderField(time) +
                         core::web::renderField(validity) + core::web::renderField(note);
  core::web::Field password{"password", "new-password", "New password", "password", "",
                            formErrors.value("password", ""),
                            {{"autocomplete", "new-password"}, {"required", ""}, {"maxlength", "128"}}};
  data["password_field"] = core::web::renderField(password);
  return page(v, "subscriber", "Subscriber " + name, data, std::move(messages), status);
}

core::HttpResponse WebUi::subscriberUsage(const core::HttpRequest& r, const Visitor& v) {
  // uPlot's data for the subscriber's chart: [[day starts], [down MB], [up MB]] this month.
  core::ControlReply usage = run(v, r, "usage", core::Json{{"user", query(r, "u")}});
  if (!usage.ok()) return core::HttpResponse::json(core::command::httpStatus(core::command::publicCode(usage.code)),
                                                   core::Json{{"error", usage.text}});
  core::Json t = core::Json::array(), down = core::Json::array(), up = core::Json::array();
  const core::Json& a = usage.arguments;
  if (a.is_object() && a.contains("days") && a["days"].is_array())
    for (const core::Json& d : a["days"]) {
      t.push_back(integerOf(d, "day-start"));
      down.push_back(static_cast<double>(integerOf(d, "output-octets")) / 1e6);
      up.push_back(static_cast<double>(integerOf(d, "input-octets")) / 1e6);
    }
  return core::HttpResponse::json(200, core::Json::array({t, down, up}));
}

core::HttpResponse WebUi::subscriberPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string name = field(form, "username");
  if (action == "status") {
    std::string to = field(form, "status");
    if (to != "active" && to != "suspended")
      return subscriber(r, v, {core::web::Message::error("status must be active or suspended")}, core::Json::object(), 400);
    core::ControlReply reply = run(v, r, "subscriber-set", core::Json{{"username", name}, {"status", to}});
    if (permissionDenied(reply)) return refuse(v, reply);
    return subscriber(r, v, {replyMessage(reply, to == "suspended" ? name + " is suspended" : name + " is active again")},
                      core::Json::object(), replyStatus(reply));
  }
  if (action == "unbind") {
    core::ControlReply reply = run(v, r, "subscriber-set", core::Json{{"username", name}, {"mac", ""}});
    if (permissionDenied(reply)) return refuse(v, reply);
    return subscriber(r, v, {replyMessage(reply, name + " is no longer bound to a MAC: any device may log in")},
                      core::Json::object(), replyStatus(reply));
  }
  if (action == "password") {
    std::string password = field(form, "password");
    if (password.empty() || password.size() > 128)
      return subscriber(r, v, {core::web::Message::error("the password was not changed: see the form")},
                        core::Json{{"password", "a new password, 1 to 128 characters"}}, 400);
    core::ControlReply reply = run(v, r, "subscriber-set", core::Json{{"username", name}, {"password", password}});
    if (permissionDenied(reply)) return refuse(v, reply);
    if (!reply.ok())
      return subscriber(r, v, {core::web::Message::error("the password was not changed: " + reply.text)},
                        core::Json{{"password", reply.text}}, replyStatus(reply));
    return subscriber(r, v, {core::web::Message::ok(name + " has a new password; the next login uses it")});
  }
  // Top-up: at least one of data, time, validity; each checked by the command (units, limits).
  core::Json args{{"username", name}};
  core::Json errors = core::Json::object();
  for (const char* k : {"bytes", "time", "validity", "note"})
    if (!field(form, k).empty()) args[k] = field(form, k);
  if (!args.contains("bytes") && !args.contains("time") && !args.contains("validity"))
    errors["bytes"] = "give data, online time or validity to add";
  if (!field(form, "bytes").empty() && !core::parseSize(field(form, "bytes")).isOk())
    errors["bytes"] = "a size such as 500MB or 5GB";
  if (!errors.empty()) return subscriber(r, v, {core::web::Message::error("nothing was added: see the form")}, errors, 400);
  core::ControlReply reply = run(v, r, "subscriber-topup", args);
  if (permissionDenied(reply)) return refuse(v, reply);
  return subscriber(r, v, {replyMessage(reply, "")}, core::Json::object(), replyStatus(reply));
}

}  // namespace edge::webui
