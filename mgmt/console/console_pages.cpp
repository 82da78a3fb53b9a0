// The console's pages: each reads through one or two commands with the visitor's caller and renders
// a template; forms post to a command and show its refusal next to the field it names.
#include <algorithm>
#include <cstdio>
#include <map>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

// "1.2 GB", "800 kB": rounded for people (core::formatSize is exact, for configuration).
std::string bytes(int64_t n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// "3 h 4 min", "12 min", "40 s".
std::string duration(int64_t s) {
  if (s >= 3600) return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
  if (s >= 60) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

// A device's health from its last check-in against the poll interval it was given.
std::string health(const Json& d) {
  if (text(d, "status") != "active") return text(d, "status");
  if (!d.contains("seconds-since-checkin") || d["seconds-since-checkin"].is_null()) return "never checked in";
  int64_t s = d["seconds-since-checkin"].get<int64_t>();
  if (s <= 300) return "ok";
  if (s <= 3600) return "late";
  return "offline";
}

const std::vector<std::string>& customerFields() {
  static const std::vector<std::string> fields = {"name", "email", "phone", "address", "notes", "tags", "username"};
  return fields;
}

}  // namespace

std::string Console::tenantOf(const HttpRequest& r, const Visitor& v) const {
  return v.user.platform() ? query(r, "tenant") : v.user.tenantId;
}

Json Console::tenantArgs(const HttpRequest& r, const Visitor& v) const {
  Json args = Json::object();
  if (v.user.platform()) args["tenant"] = query(r, "tenant");
  return args;
}

HttpResponse Console::home(const HttpRequest& r, const Visitor& v) {
  if (v.user.partner()) return partnerPage(r, v);
  if (v.user.platform()) return tenantsPage(r, v);
  return dashboardPage(r, v);
}

HttpResponse Console::tenantsPage(const HttpRequest&, const Visitor& v) {
  core::ControlReply list = run(v, "tenant-list", Json::object());
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  int64_t subscribers = 0, devices = 0;
  for (const Json& t : list.arguments) {
    subscribers += number(t, "subscribers");
    devices += number(t, "devices");
    rows.push_back({{"id", text(t, "id")},
                    {"name", text(t, "name")},
                    {"tier", text(t, "tier")},
                    {"status", text(t, "status")},
                    {"demo", t.value("demo", false)},
                    {"subscribers", number(t, "subscribers")},
                    {"cap", number(t, "subscriber-cap") == 0 ? std::string("unlimited") : text(t, "subscriber-cap")},
                    {"devices", number(t, "devices")},
                    {"expires", text(t, "expires-at")},
                    {"expired", t.value("expired", false)}});
  }
  return page(v, "tenants", "Tenants",
              Json{{"rows", rows}, {"none", rows.empty()}, {"count", rows.size()}, {"subscribers", subscribers},
                   {"devices", devices}});
}

HttpResponse Console::dashboardPage(const HttpRequest& r, const Visitor& v) {
  Json args = tenantArgs(r, v);
  core::ControlReply t = run(v, "tenant-show", args);
  if (!t.ok()) return refuse(v, t);
  const std::string tenant = text(t.arguments, "id");
  core::ControlReply devices = run(v, "device-list", Json{{"tenant", tenant}});
  Json healthCounts = Json{{"ok", 0}, {"late", 0}, {"offline", 0}, {"other", 0}};
  if (devices.ok())
    for (const Json& d : devices.arguments) {
      std::string h = health(d);
      if (h == "ok" || h == "late" || h == "offline") healthCounts[h] = healthCounts[h].get<int>() + 1;
      else healthCounts["other"] = healthCounts["other"].get<int>() + 1;
    }
  core::ControlReply usage = run(v, "usage", Json{{"tenant", tenant}});
  int64_t in = 0, out = 0;
  Json top = Json::array();
  if (usage.ok()) {
    std::vector<Json> rows(usage.arguments.begin(), usage.arguments.end());
    for (const Json& u : rows) {
      in += number(u, "input-octets");
      out += number(u, "output-octets");
    }
    std::sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
      return number(a, "input-octets") + number(a, "output-octets") > number(b, "input-octets") + number(b, "output-octets");
    });
    for (size_t i = 0; i < rows.size() && i < 10; ++i)
      top.push_back({{"username", text(rows[i], "username")},
                     {"down", bytes(number(rows[i], "output-octets"))},
                     {"up", bytes(number(rows[i], "input-octets"))},
                     {"total", number(rows[i], "input-octets") + number(rows[i], "output-octets")}});
  }
  // The chart: the top subscribers' totals (uPlot reads the series from the page's JSON).
  Json chart = Json{{"labels", Json::array()}, {"values", Json::array()}};
  for (const Json& x : top) {
    chart["labels"].push_back(x["username"]);
    chart["values"].push_back(static_cast<double>(x["total"].get<int64_t>()) / 1e6);
  }
  const Json& a = t.arguments;
  // A tenant's own people see its name in the header (their brand); the platform's the tenant's here.
  return page(v, "dashboard", v.user.platform() ? text(a, "name") : std::string("Dashboard"),
              Json{{"tenant", tenant},
                   {"name", text(a, "name")},
                   {"tier", text(a, "tier")},
                   {"status", text(a, "status")},
                   {"demo", a.value("demo", false)},
                   {"expires", text(a, "expires-at")},
                   {"subscribers", number(a, "subscribers")},
                   {"cap", number(a, "subscriber-cap") == 0 ? std::string("unlimited") : text(a, "subscriber-cap")},
                   {"plans", number(a, "plans")},
                   {"devices", number(a, "devices")},
                   {"health", healthCounts},
                   {"features", a.value("features", Json::array())},
                   {"usage_in", bytes(in)},
                   {"usage_out", bytes(out)},
                   {"top", top},
                   {"has_top", !top.empty()},
                   {"chart", chart.dump()},
                   {"platform", v.user.platform()}});
}

HttpResponse Console::devicesPage(const HttpRequest& r, const Visitor& v) {
  core::ControlReply list = run(v, "device-list", tenantArgs(r, v));
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  for (const Json& d : list.arguments) {
    const Json& rep = d.contains("reported") ? d["reported"] : Json::object();
    rows.push_back({{"id", text(d, "id")},
                    {"hostname", text(d, "hostname")},
                    {"status", text(d, "status")},
                    {"health", health(d)},
                    {"last", text(d, "last-checkin")},
                    {"version", rep.is_object() ? text(rep, "version") : ""},
                    {"certificate", text(d, "certificate-expires-at")}});
  }
  return page(v, "devices", "Devices",
              Json{{"rows", rows}, {"none", rows.empty()}, {"tenant", tenantOf(r, v)}, {"platform", v.user.platform()}});
}

HttpResponse Console::plansPage(const HttpRequest& r, const Visitor& v) {
  core::ControlReply list = run(v, "plan-list", tenantArgs(r, v));
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  for (const Json& p : list.arguments) {
    rows.push_back({{"name", text(p, "name")},
                    {"rate", text(p, "down") + " / " + text(p, "up")},
                    {"price", text(p, "price")},
                    {"quota", text(p, "data-quota")},
                    {"validity", text(p, "validity")}});
  }
  return page(v, "plans", "Plans",
              Json{{"rows", rows}, {"none", rows.empty()}, {"tenant", tenantOf(r, v)}, {"platform", v.user.platform()}});
}

HttpResponse Console::customersPage(const HttpRequest& r, const Visitor& v) {
  Json args = tenantArgs(r, v);
  const std::string search = query(r, "q");
  if (!search.empty()) args["search"] = search.substr(0, 256);
  int64_t pageNo = 0;
  std::string p = query(r, "page");
  if (!p.empty() && p.size() < 6 && p.find_first_not_of("0123456789") == std::string::npos) pageNo = std::stoll(p);
  constexpr int64_t kPage = 50;
  args["limit"] = kPage + 1;  // one more: whether there is a next page
  args["offset"] = pageNo * kPage;
  core::ControlReply list = run(v, "customer-list", args);
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  const Json& found = list.arguments["customers"];
  for (size_t i = 0; i < found.size() && i < static_cast<size_t>(kPage); ++i) {
    const Json& c = found[i];
    std::string tags;
    for (const Json& t : c["tags"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
    rows.push_back({{"id", text(c, "id")},      {"name", text(c, "name")},         {"email", text(c, "email")},
                    {"phone", text(c, "phone")}, {"username", text(c, "username")}, {"tags", tags}});
  }
  const std::string tenant = v.user.platform() ? "tenant=" + core::web::urlEncode(tenantOf(r, v)) + "&" : "";
  Json data{{"rows", rows},
            {"none", rows.empty()},
            {"q", search},
            {"searched", !search.empty()},
            {"total", number(list.arguments, "total")},
            {"shown", rows.size()},
            {"tenant", tenantOf(r, v)},
            {"platform", v.user.platform()},
            {"tenant_q", tenant},
            {"may_add", may(v, "customer-add")}};
  if (pageNo > 0) data["prev"] = "/customers?" + tenant + "q=" + core::web::urlEncode(search) + "&page=" + std::to_string(pageNo - 1);
  if (found.size() > static_cast<size_t>(kPage))
    data["next"] = "/customers?" + tenant + "q=" + core::web::urlEncode(search) + "&page=" + std::to_string(pageNo + 1);
  return page(v, "customers", "Customers", data);
}

HttpResponse Console::customerPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<core::web::Message> messages,
                                   int status) {
  const std::string id = form.is_object() ? form.value("id", "") : query(r, "id");
  // A refused post shows the form again for the tenant it was posted for.
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json values = Json::object();
  Json errors = Json::object();
  if (form.is_object()) {
    values = form["values"];
    errors = form["errors"];
  } else if (!id.empty()) {
    Json args = tenantArgs(r, v);
    args["id"] = id;
    core::ControlReply c = run(v, "customer-show", args);
    if (!c.ok()) return refuse(v, c);
    values = c.arguments;
    std::string tags;
    for (const Json& t : c.arguments["tags"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
    values["tags"] = tags;
  }
  struct Def {
    const char* name;
    const char* label;
    const char* type;
    const char* help;
  };
  static const Def defs[] = {
      {"name", "Name", "text", "As it appears on invoices."},
      {"email", "Email", "email", "For invoices and notices."},
      {"phone", "Phone", "tel", "With the country code, like +351 912 345 678."},
      {"address", "Service address", "textarea", "Where the service is delivered."},
      {"tags", "Tags", "text", "Separated by commas: letters, digits, - and _ (vip, fiber)."},
      {"username", "Subscriber (RADIUS account)", "text", "The username of one of this tenant's subscribers, if they have one."},
      {"notes", "Notes", "textarea", "Only your staff sees these."},
  };
  Json fields = Json::array();
  for (const Def& d : defs) {
    std::string value = values.is_object() && values.contains(d.name) ? text(values, d.name) : "";
    std::string error = errors.is_object() && errors.contains(d.name) ? errors[d.name].get<std::string>() : "";
    std::string fieldId = std::string("f-") + d.name;
    Json f{{"textarea", std::string(d.type) == "textarea"},
           {"id", fieldId},
           {"name", d.name},
           {"label", d.label},
           {"value", value},
           {"error", error},
           {"has_error", !error.empty()},
           {"help", d.help}};
    if (std::string(d.type) != "textarea") {
      std::vector<std::pair<std::string, std::string>> attrs = {{"aria-describedby", fieldId + "-help"}};
      if (std::string(d.name) == "name") attrs.push_back({"required", ""});
      f["input"] = core::web::renderField(core::web::Field{d.name, fieldId, d.label, d.type, value, error, attrs});
    }
    fields.push_back(std::move(f));
  }
  Json data{{"id", id},
            {"editing", !id.empty()},
            {"fields", fields},
            {"tenant", tenant},
            {"platform", v.user.platform()},
            {"may_save", may(v, id.empty() ? "customer-add" : "customer-set")},
            {"may_delete", !id.empty() && may(v, "customer-del")}};
  return page(v, "customer", id.empty() ? "New customer" : "Customer", data, std::move(messages), status);
}

HttpResponse Console::customerPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string id = field(form, "id");
  Json args = Json::object();
  if (v.user.platform()) args["tenant"] = field(form, "tenant");
  Json values = Json::object();
  for (const std::string& f : customerFields()) {
    args[f] = field(form, f);
    values[f] = field(form, f);
  }
  if (!id.empty()) args["id"] = id;
  core::ControlReply reply = run(v, id.empty() ? "customer-add" : "customer-set", args);
  if (!reply.ok()) {
    int status = core::command::httpStatus(core::command::publicCode(reply.code));
    if (status != 400) return refuse(v, reply);
    auto [name, message] = fieldOf(reply.text, customerFields());
    Json errors = Json::object();
    std::vector<core::web::Message> messages;
    if (!name.empty()) {
      errors[name] = message;
      messages.push_back(core::web::Message::error("Not saved: check the " + name + " field."));
    } else {
      messages.push_back(core::web::Message::error("Not saved: " + message));
    }
    return customerPage(r, v, Json{{"id", id}, {"tenant", v.user.platform() ? field(form, "tenant") : ""}, {"values", values},
                                   {"errors", errors}},
                        std::move(messages), 400);
  }
  std::string tenant = v.user.platform() ? "&tenant=" + core::web::urlEncode(field(form, "tenant")) : "";
  return core::web::redirect(303, "/customer?id=" + core::web::urlEncode(text(reply.arguments, "id")) + tenant + "&saved=1",
                             "Saved");
}

HttpResponse Console::customerDelete(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  Json args{{"id", field(form, "id")}};
  if (v.user.platform()) args["tenant"] = field(form, "tenant");
  core::ControlReply reply = run(v, "customer-del", args);
  if (!reply.ok()) return refuse(v, reply);
  std::string tenant = v.user.platform() ? "?tenant=" + core::web::urlEncode(field(form, "tenant")) : "";
  return core::web::redirect(303, "/customers" + tenant, "Customers");
}

HttpResponse Console::sessionsPage(const HttpRequest& r, const Visitor& v) {
  Json args = tenantArgs(r, v);
  std::string user = query(r, "user");
  if (!user.empty()) args["user"] = user.substr(0, 253);
  args["limit"] = 200;
  core::ControlReply list = run(v, "session-list", args);
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  // The chart: traffic per day of the sessions shown (by stop time).
  std::map<std::string, std::pair<int64_t, int64_t>> perDay;
  for (const Json& s : list.arguments) {
    rows.push_back({{"username", text(s, "username")},
                    {"nas", text(s, "nas")},
                    {"started", text(s, "started")},
                    {"stopped", text(s, "stopped")},
                    {"down", bytes(number(s, "output-octets"))},
                    {"up", bytes(number(s, "input-octets"))},
                    {"time", duration(number(s, "session-time"))},
                    {"reason", text(s, "close-reason")}});
    std::string day = text(s, "stopped").substr(0, 10);
    perDay[day].first += number(s, "output-octets");
    perDay[day].second += number(s, "input-octets");
  }
  Json chart = Json{{"labels", Json::array()}, {"down", Json::array()}, {"up", Json::array()}};
  for (const auto& [day, io] : perDay) {
    chart["labels"].push_back(day);
    chart["down"].push_back(static_cast<double>(io.first) / 1e6);
    chart["up"].push_back(static_cast<double>(io.second) / 1e6);
  }
  return page(v, "sessions", "Sessions and usage",
              Json{{"rows", rows},
                   {"none", rows.empty()},
                   {"user", user},
                   {"tenant", tenantOf(r, v)},
                   {"platform", v.user.platform()},
                   {"chart", chart.dump()},
                   {"has_chart", !perDay.empty()}});
}

}  // namespace mgmt::console
