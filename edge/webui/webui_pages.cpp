// The technician UI's pages: what each shows and which command each form runs. Every read and every
// change goes through WebUi::run (the command table, with the person's role).
#include <algorithm>
#include <cstdlib>

#include "core/units.h"
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

core::Json sessionRow(const core::Json& s) {
  return {{"id", textOf(s, "id")},
          {"username", textOf(s, "username")},
          {"url", "/subscriber?u=" + core::web::urlEncode(textOf(s, "username"))},
          {"nas", textOf(s, "nas")},
          {"ip", textOf(s, "framed-ip")},
          {"station", textOf(s, "calling-station-id")},
          {"started", textOf(s, "started")},
          {"time", duration(integerOf(s, "session-time"))},
          {"down", core::formatSize(static_cast<uint64_t>(integerOf(s, "output-octets")))},
          {"up", core::formatSize(static_cast<uint64_t>(integerOf(s, "input-octets")))}};
}

// What a NAS answered to a Disconnect or CoA, one line per session.
std::vector<core::web::Message> dynAuthMessages(const core::ControlReply& reply) {
  std::vector<core::web::Message> out;
  out.push_back(reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text));
  const core::Json& a = reply.arguments;
  const core::Json* list = nullptr;
  if (a.is_array()) list = &a;
  else if (a.is_object() && a.contains("results") && a["results"].is_array()) list = &a["results"];
  if (list) {
    for (const core::Json& r : *list) {
      // {"id", "username", "nas", "outcome": ack|nak|timeout|queued|error, "message", "error-cause-text", "attempts"}
      std::string line = textOf(r, "username") + " on " + textOf(r, "nas") + ": the NAS answered " + textOf(r, "outcome");
      if (!textOf(r, "error-cause-text").empty()) line += " (Error-Cause: " + textOf(r, "error-cause-text") + ")";
      if (!textOf(r, "message").empty()) line += ": " + textOf(r, "message");
      if (integerOf(r, "attempts") > 0) line += " after " + std::to_string(integerOf(r, "attempts")) + " attempt(s)";
      out.push_back(reply.ok() ? core::web::Message::ok(line) : core::web::Message::error(line));
    }
  }
  return out;
}

}  // namespace

core::HttpResponse WebUi::overview(const Visitor& v, bool fragmentOnly) {
  core::Json data = core::Json::object();
  core::ControlReply status = run(v, {}, "status", core::Json::object());
  const core::Json& st = status.arguments;
  data["version"] = textOf(st, "version");
  data["uptime"] = duration(integerOf(st, "uptime-seconds"));
  data["started"] = textOf(st, "started-at");
  core::Json radius = st.is_object() && st.contains("radius") ? st["radius"] : core::Json::object();
  data["radius"] = facts(radius);
  core::ControlReply license = run(v, {}, "license-show", core::Json::object());
  data["license"] = license.text;
  data["license_facts"] = facts(license.arguments);
  core::ControlReply sync = run(v, {}, "sync-status", core::Json::object());
  data["sync"] = sync.text;
  data["sync_facts"] = facts(sync.arguments);
  {
    std::lock_guard<std::mutex> lock(samplesMu_);
    data["online"] = samples_.empty() ? 0 : samples_.back().sessionsOnline;
  }
  data["ui_sessions"] = sessions_.size();
  // Alerts: the latest alert events (the health monitor writes them to the event log).
  core::ControlReply events = run(v, {}, "events", core::Json{{"limit", 200}});
  core::Json alerts = core::Json::array();
  if (events.arguments.is_array())
    for (const core::Json& e : events.arguments)
      if (textOf(e, "kind").rfind("alert", 0) == 0 && alerts.size() < 5)
        alerts.push_back({{"at", textOf(e, "at")}, {"kind", textOf(e, "kind")}, {"detail", textOf(e, "detail")}});
  data["alerts"] = alerts;
  data["has_alerts"] = !alerts.empty();
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

core::HttpResponse WebUi::subscribers(const core::HttpRequest& r, const Visitor& v, bool fragmentOnly) {
  std::string q = query(r, "q");
  int64_t offset = std::max<int64_t>(0, std::atoll(query(r, "offset").c_str()));
  const int64_t limit = 25;
  core::Json args{{"limit", limit + 1}, {"offset", offset}};
  if (!q.empty()) args["search"] = q;
  core::ControlReply reply = run(v, r, "subscriber-list", args);
  core::Json rows = core::Json::array();
  bool more = false;
  // {"total": N, "subscribers": [...]}
  const core::Json& a = reply.arguments;
  const core::Json found = a.is_object() && a.contains("subscribers") ? a["subscribers"] : core::Json::array();
  if (found.is_array()) {
    for (const core::Json& s : found) {
      if (static_cast<int64_t>(rows.size()) == limit) {
        more = true;
        break;
      }
      rows.push_back({{"username", textOf(s, "username")},
                      {"url", "/subscriber?u=" + core::web::urlEncode(textOf(s, "username"))},
                      {"plan", textOf(s, "plan")},
                      {"status", textOf(s, "status")},
                      {"expires", textOf(s, "expires").empty() ? "-" : textOf(s, "expires")}});
    }
  }
  core::Json data{{"q", q}, {"rows", rows}, {"none", rows.empty()}, {"total", integerOf(a, "total")}};
  if (!reply.ok()) data["error"] = reply.text;  // mustache: an empty string would still open its section
  if (more) data["next"] = "/subscribers?q=" + core::web::urlEncode(q) + "&offset=" + std::to_string(offset + limit);
  if (offset > 0)
    data["previous"] = "/subscribers?q=" + core::web::urlEncode(q) + "&offset=" + std::to_string(std::max<int64_t>(0, offset - limit));
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
  data["facts"] = facts(s);
  data["suspended"] = textOf(s, "status") == "suspended";
  core::ControlReply sessions = run(v, r, "session-list", core::Json{{"user", name}});
  core::Json rows = core::Json::array();
  if (sessions.arguments.is_array())
    for (const core::Json& x : sessions.arguments) rows.push_back(sessionRow(x));
  data["sessions"] = rows;
  data["no_sessions"] = rows.empty();
  core::ControlReply usage = run(v, r, "usage", core::Json{{"user", name}});
  data["usage"] = usage.ok() ? facts(usage.arguments) : core::Json::array();
  if (usage.ok() && usage.arguments.is_object() && usage.arguments.contains("quota"))
    data["quota"] = facts(usage.arguments["quota"]);
  core::ControlReply explain = run(v, r, "subscriber-explain", core::Json{{"username", name}});
  core::Json lines = core::Json::array();
  if (explain.arguments.is_object() && explain.arguments.contains("explanation"))
    for (const core::Json& l : explain.arguments["explanation"]) lines.push_back(l.is_string() ? l.get<std::string>() : l.dump());
  data["explanation"] = lines;
  if (explain.arguments.is_object() && explain.arguments.contains("last-authentication"))
    data["last_auth"] = facts(explain.arguments["last-authentication"]);
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
  return page(v, "subscriber", "Subscriber " + name, data, std::move(messages), status);
}

core::HttpResponse WebUi::subscriberPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string name = field(form, "username");
  if (action == "status") {
    std::string to = field(form, "status");
    if (to != "active" && to != "suspended")
      return subscriber(r, v, {core::web::Message::error("status must be active or suspended")}, core::Json::object(), 400);
    core::ControlReply reply = run(v, r, "subscriber-set", core::Json{{"username", name}, {"status", to}});
    if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
      return refuse(v, reply);
    int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
    return subscriber(r, v,
                      {reply.ok() ? core::web::Message::ok(to == "suspended" ? name + " is suspended" : name + " is active again")
                                  : core::web::Message::error(reply.text)},
                      core::Json::object(), status);
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
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
  return subscriber(r, v, {reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text)},
                    core::Json::object(), status);
}

core::HttpResponse WebUi::sessionsPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages,
                                       int status) {
  std::string user = query(r, "user"), nas = query(r, "nas"), sort = query(r, "sort");
  if (sort != "username" && sort != "nas" && sort != "down" && sort != "time") sort = "started";
  int64_t pageNo = std::max<int64_t>(1, std::atoll(query(r, "page").c_str()));
  const size_t perPage = 50;
  core::Json args = core::Json::object();
  if (!user.empty()) args["user"] = user;
  if (!nas.empty()) args["nas"] = nas;
  core::ControlReply reply = run(v, r, "session-list", args);
  std::vector<core::Json> all;
  if (reply.arguments.is_array())
    for (const core::Json& s : reply.arguments) all.push_back(s);
  std::stable_sort(all.begin(), all.end(), [&sort](const core::Json& a, const core::Json& b) {
    if (sort == "username") return textOf(a, "username") < textOf(b, "username");
    if (sort == "nas") return textOf(a, "nas") < textOf(b, "nas");
    if (sort == "down") return integerOf(a, "output-octets") > integerOf(b, "output-octets");
    if (sort == "time") return integerOf(a, "session-time") > integerOf(b, "session-time");
    return textOf(a, "started") > textOf(b, "started");
  });
  size_t pages = std::max<size_t>(1, (all.size() + perPage - 1) / perPage);
  size_t p = std::min<size_t>(static_cast<size_t>(pageNo), pages);
  core::Json rows = core::Json::array();
  for (size_t i = (p - 1) * perPage; i < all.size() && i < p * perPage; ++i) rows.push_back(sessionRow(all[i]));
  std::string base = "/sessions?user=" + core::web::urlEncode(user) + "&nas=" + core::web::urlEncode(nas);
  core::Json sorts = core::Json::array();
  for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
           {"started", "newest"}, {"username", "user"}, {"nas", "NAS"}, {"down", "most data"}, {"time", "longest"}})
    sorts.push_back({{"href", base + "&sort=" + key}, {"text", text}, {"current", key == sort}});
  // "f_" keys: "user" is the signed-in person in every page's data.
  core::Json data{{"f_user", user}, {"f_nas", nas}, {"sort", sort}, {"rows", rows}, {"none", rows.empty()},
                  {"total", all.size()}, {"page", p}, {"pages", pages}, {"sorts", sorts}};
  if (p > 1) data["previous"] = base + "&sort=" + sort + "&page=" + std::to_string(p - 1);
  if (p < pages) data["next"] = base + "&sort=" + sort + "&page=" + std::to_string(p + 1);
  if (!reply.ok()) messages.push_back(core::web::Message::error(reply.text));
  return page(v, "sessions", "Sessions", data, std::move(messages), status);
}

core::HttpResponse WebUi::sessionPost(const core::HttpRequest& r, const Visitor& v, const std::string& command) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string id = field(form, "id");
  if (id.empty()) return sessionsPage(r, v, {core::web::Message::error("which session? (no id was given)")}, 400);
  // Waits for the NAS's answer (up to 12 s) so the page can show it.
  core::ControlReply reply = run(v, r, command, core::Json{{"id", id}, {"wait", true}});
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
  return sessionsPage(r, v, dynAuthMessages(reply), status);
}

core::HttpResponse WebUi::nasPage(const Visitor& v, std::vector<core::web::Message> messages, core::Json form, int status) {
  core::ControlReply reply = run(v, {}, "nas-list", core::Json::object());
  core::Json rows = core::Json::array();
  if (reply.arguments.is_array())
    for (const core::Json& n : reply.arguments)
      rows.push_back({{"name", textOf(n, "name")},
                      {"address", textOf(n, "address")},
                      {"vendor", textOf(n, "vendor")},
                      {"coa_port", textOf(n, "coa-port")},
                      {"nas_identifier", textOf(n, "nas-identifier")}});
  core::Json errors = form.value("errors", core::Json::object());
  auto value = [&form](const char* k) { return form.contains(k) && form[k].is_string() ? form[k].get<std::string>() : ""; };
  std::string fields =
      core::web::renderField({"name", "nas-name", "Name", "text", value("name"), errors.value("name", ""),
                              {{"maxlength", "64"}, {"required", ""}}}) +
      core::web::renderField({"address", "nas-address", "Address (IP or IP/LEN)", "text", value("address"),
                              errors.value("address", ""), {{"required", ""}}}) +
      core::web::renderField({"secret", "nas-secret", "Shared secret", "password", "", errors.value("secret", ""),
                              {{"autocomplete", "new-password"}, {"required", ""}}}) +
      core::web::renderField({"coa-port", "nas-coa-port", "CoA port", "number", value("coa-port"),
                              errors.value("coa-port", ""), {{"min", "1"}, {"max", "65535"}, {"placeholder", "3799"}}}) +
      core::web::renderField({"nas-identifier", "nas-identifier", "NAS-Identifier (optional)", "text",
                              value("nas-identifier"), errors.value("nas-identifier", ""), {{"maxlength", "253"}}});
  core::Json vendors = core::Json::array();
  std::string chosen = value("vendor").empty() ? "generic" : value("vendor");
  for (const char* vendor : {"generic", "mikrotik", "wispr", "chillispot", "cisco", "accel-ppp"})
    vendors.push_back({{"value", vendor}, {"selected", chosen == vendor}});
  core::Json data{{"rows", rows}, {"none", rows.empty()}, {"fields", fields}, {"vendors", vendors}};
  if (!reply.ok()) messages.push_back(core::web::Message::error(reply.text));
  return page(v, "nas", "NAS clients", data, std::move(messages), status);
}

core::HttpResponse WebUi::nasPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  if (action == "delete") {
    core::ControlReply reply = run(v, r, "nas-del", core::Json{{"name", field(form, "name")}});
    if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
      return refuse(v, reply);
    int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
    return nasPage(v, {reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text)},
                   core::Json::object(), status);
  }
  core::Json shown = core::Json::object();
  for (const char* k : {"name", "address", "vendor", "coa-port", "nas-identifier"}) shown[k] = field(form, k);
  core::Json errors = core::Json::object();
  if (field(form, "name").empty()) errors["name"] = "a name is needed (it labels the NAS in counters and logs)";
  if (field(form, "address").empty()) errors["address"] = "the address the NAS sends from, e.g. 10.0.0.1 or 10.0.0.0/24";
  if (field(form, "secret").empty()) errors["secret"] = "the shared secret configured on the NAS";
  std::string port = field(form, "coa-port");
  if (!port.empty() && (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
                        std::atoi(port.c_str()) < 1 || std::atoi(port.c_str()) > 65535))
    errors["coa-port"] = "a port from 1 to 65535";
  if (!errors.empty()) {
    shown["errors"] = errors;
    return nasPage(v, {core::web::Message::error("the NAS client was not saved: see the form")}, shown, 400);
  }
  core::Json args{{"name", field(form, "name")}, {"address", field(form, "address")}, {"secret", field(form, "secret")},
                  {"vendor", field(form, "vendor").empty() ? "generic" : field(form, "vendor")}};
  if (!port.empty()) args["coa-port"] = std::atoi(port.c_str());
  if (!field(form, "nas-identifier").empty()) args["nas-identifier"] = field(form, "nas-identifier");
  core::ControlReply reply = run(v, r, "nas-add", args);
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  if (!reply.ok()) {
    // The catalog's own check refused a value (its message names the value): above the form.
    return nasPage(v, {core::web::Message::error("the NAS client was not saved: " + reply.text)}, shown,
                   core::command::httpStatus(core::command::publicCode(reply.code)));
  }
  return nasPage(v, {core::web::Message::ok(reply.text)});
}

core::HttpResponse WebUi::plansPage(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "plan-list", core::Json::object());
  core::Json rows = core::Json::array();
  auto list = [](const core::Json& j, const char* key) {
    std::string out;
    if (j.contains(key) && j[key].is_array())
      for (const core::Json& x : j[key]) out += (out.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
    return out.empty() ? std::string("-") : out;
  };
  auto orDash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  if (reply.arguments.is_array())
    for (const core::Json& p : reply.arguments)
      rows.push_back({{"name", textOf(p, "name")},
                      {"rate", textOf(p, "down") + " / " + textOf(p, "up")},
                      {"price", textOf(p, "price") + (textOf(p, "price") == "free" ? "" : " a " + textOf(p, "period"))},
                      {"data_quota", orDash(textOf(p, "data-quota"))},
                      {"time_quota", orDash(textOf(p, "time-quota"))},
                      {"validity", orDash(textOf(p, "validity"))},
                      {"fup", list(p, "fup")},
                      {"windows", list(p, "windows")}});
  std::vector<core::web::Message> messages;
  if (!reply.ok()) messages.push_back(core::web::Message::error(reply.text));
  return page(v, "plans", "Plans", core::Json{{"rows", rows}, {"none", rows.empty()}}, std::move(messages));
}

core::HttpResponse WebUi::eventsPage(const core::HttpRequest& r, const Visitor& v) {
  std::string kind = query(r, "kind");
  core::ControlReply reply = run(v, r, "events", core::Json{{"limit", 500}});
  core::Json rows = core::Json::array();
  if (reply.arguments.is_array())
    for (const core::Json& e : reply.arguments) {
      if (!kind.empty() && textOf(e, "kind").find(kind) == std::string::npos) continue;
      if (rows.size() >= 200) break;
      rows.push_back({{"at", textOf(e, "at")}, {"kind", textOf(e, "kind")}, {"detail", textOf(e, "detail")}});
    }
  core::Json data{{"kind", kind}, {"rows", rows}, {"none", rows.empty()}};
  return page(v, "events", "Events", data);
}

}  // namespace edge::webui
