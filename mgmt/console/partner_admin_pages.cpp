// Managing the partner programme in the console (issue 25, ADR 0055, 0065): the platform's and a
// tenant's admins review applications (approve, or reject with the reason the applicant is mailed),
// give territories (with the conflict rules' words: which territory wins at a place and why), publish
// agreement versions and see who accepted which, and read the automatic tier review with its last
// run. Every read and change is a partner command run with the visitor's caller: a tenant's people
// reach only their resellers (another tenant's partner, territory or application is the command's
// not-found), the platform names a tenant with ?tenant=ID or manages its own partners without one.
#include <algorithm>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Field;
using core::web::Message;

namespace {

// The HTTP status of a refused command, and whether the form shows it next to a field (400, 409)
// rather than refusing the page (403, 404, ...).
int statusOf(const core::ControlReply& reply) { return core::command::httpStatus(core::command::publicCode(reply.code)); }
bool formProblem(const core::ControlReply& reply) {
  const int s = statusOf(reply);
  return s == 400 || s == 409;
}

// The error a form keeps for `key` (an application's or the page's form), "" when none.
std::string errorOf(const Json& form, const std::string& key) {
  if (!form.is_object() || !form.contains("errors") || !form["errors"].contains(key)) return "";
  return form["errors"][key].get<std::string>();
}
std::string valueOf(const Json& form, const std::string& key) {
  if (!form.is_object() || !form.contains("values") || !form["values"].contains(key)) return "";
  return form["values"][key].get<std::string>();
}

}  // namespace

void Console::addPartnerAdminRoutes(const PageRoute& get, const PageRoute& post) {
  get("/partners/applications", [this](const HttpRequest& r, const Visitor& v) { return applicationsPage(r, v); });
  post("/partners/applications", [this](const HttpRequest& r, const Visitor& v) { return applicationDecide(r, v); });
  get("/partners/territories", [this](const HttpRequest& r, const Visitor& v) { return territoriesPage(r, v); });
  post("/partners/territories", [this](const HttpRequest& r, const Visitor& v) { return territoryAdd(r, v); });
  post("/partners/territories/remove", [this](const HttpRequest& r, const Visitor& v) { return territoryRemove(r, v); });
  get("/partners/agreements", [this](const HttpRequest& r, const Visitor& v) { return agreementsPage(r, v); });
  post("/partners/agreements", [this](const HttpRequest& r, const Visitor& v) { return agreementPublish(r, v); });
  get("/partners/tiers", [this](const HttpRequest& r, const Visitor& v) { return tiersPage(r, v); });
}

std::optional<HttpResponse> Console::partnerAdminHead(const HttpRequest& r, const Visitor& v, const std::string& current,
                                                      Json& data, Json& args) {
  // The management pages are for the people who manage partners; a partner's own have their portal.
  if (v.user.partner())
    return page(v, "refused", "Not for partners", Json::object(),
                {Message::error("This page is for the people who manage partners: your own figures are under Earnings.")},
                403);
  args = Json::object();
  const std::string tenant = v.user.platform() ? query(r, "tenant").substr(0, 64) : "";
  if (!tenant.empty()) args["tenant"] = tenant;
  const std::string q = tenant.empty() ? "" : "?tenant=" + core::web::urlEncode(tenant);
  Json tabs = Json::array();
  static const char* const kTabs[][2] = {{"", "Partners"},
                                         {"/applications", "Applications"},
                                         {"/territories", "Territories"},
                                         {"/agreements", "Agreements"},
                                         {"/tiers", "Tiers"}};
  for (const auto& t : kTabs)
    tabs.push_back({{"href", std::string("/partners") + t[0] + q}, {"text", t[1]}, {"current", current == t[0]}});
  data["admin_tabs"] = tabs;
  data["tenant"] = tenant;
  data["platform"] = v.user.platform();
  // Whose partners: the platform's own (no tenant named), or a tenant's resellers.
  data["scope_platform"] = v.user.platform() && tenant.empty();
  data["scope_text"] = v.user.platform() ? (tenant.empty() ? "the platform's partners" : "the resellers of tenant " + tenant)
                                         : "this tenant's resellers";
  return std::nullopt;
}

// ---- applications ----

HttpResponse Console::applicationsPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                       int status) {
  Json data = Json::object(), args;
  if (auto refused = partnerAdminHead(r, v, "/applications", data, args)) return std::move(*refused);
  core::ControlReply list = run(v, "partner-application-list", args);
  if (!list.ok()) return refuse(v, list);
  const bool mayDecide = may(v, "partner-application-decide");
  const std::string formId = form.is_object() ? form.value("id", "") : "";
  Json pending = Json::array(), decided = Json::array();
  for (const Json& a : list.arguments["applications"]) {
    const std::string id = text(a, "id");
    Json row{{"id", id},          {"name", text(a, "name")},       {"company", text(a, "company")},
             {"email", text(a, "email")}, {"type", text(a, "type")}, {"country", text(a, "country")},
             {"message", text(a, "message")}, {"submitted", text(a, "submitted")}, {"status", text(a, "status")},
             {"reason", text(a, "reason")}, {"partner", text(a, "partner")}, {"reviewed_by", text(a, "reviewed-by")},
             {"reviewed", text(a, "reviewed")}};
    if (text(a, "status") != "pending") {
      decided.push_back(row);
      continue;
    }
    const Json mine = id == formId ? form : Json();
    row["may_decide"] = mayDecide;
    row["currency"] = core::web::renderField(Field{
        "currency", "currency-" + id, "Currency they are paid in", "text",
        mine.is_null() ? "EUR" : valueOf(mine, "currency"), errorOf(mine, "currency"),
        {{"maxlength", "3"}, {"autocapitalize", "characters"}, {"aria-describedby", "currency-help-" + id}}});
    Json tiers = Json::array();
    const std::string tier = mine.is_null() ? "bronze" : valueOf(mine, "tier");
    for (const char* t : {"bronze", "silver", "gold", "platinum"}) tiers.push_back({{"value", t}, {"selected", tier == t}});
    row["tiers"] = tiers;
    row["tier_error"] = errorOf(mine, "tier");
    row["reason"] = core::web::renderField(Field{
        "reason", "reason-" + id, "Reason (the applicant reads it)", "text", valueOf(mine, "reason"), errorOf(mine, "reason"),
        {{"maxlength", "1000"}, {"aria-describedby", "reason-help-" + id}}});
    pending.push_back(row);
  }
  data["pending"] = pending;
  data["no_pending"] = pending.empty();
  data["decided"] = decided;
  data["has_decided"] = !decided.empty();
  if (messages.empty() && !query(r, "decided").empty())
    messages.push_back(Message::ok("Application " + query(r, "decided").substr(0, 32) +
                                   " decided; the applicant is mailed the decision."));
  return page(v, "partner_applications", "Partner applications", data, std::move(messages), status);
}

HttpResponse Console::applicationDecide(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> f = core::web::parseForm(r.body);
  const std::string id = field(f, "id"), decision = field(f, "decision");
  Json args{{"id", id}, {"decision", decision}};
  if (v.user.platform() && !field(f, "tenant").empty()) args["tenant"] = field(f, "tenant");
  if (decision == "approve") {
    args["currency"] = field(f, "currency");
    if (!field(f, "tier").empty()) args["tier"] = field(f, "tier");
  } else if (!field(f, "reason").empty()) {
    args["reason"] = field(f, "reason");
  }
  core::ControlReply reply = run(v, "partner-application-decide", args);
  const std::string tenantQ = args.contains("tenant") ? "tenant=" + core::web::urlEncode(field(f, "tenant")) + "&" : "";
  if (reply.ok())
    return core::web::redirect(303, "/partners/applications?" + tenantQ + "decided=" + core::web::urlEncode(id),
                               "Applications");
  if (!formProblem(reply)) return refuse(v, reply);
  auto [name, message] = fieldOf(reply.text, {"reason", "currency", "tier"});
  if (name.empty()) name = decision == "approve" ? "currency" : "reason";
  HttpRequest again = r;
  if (args.contains("tenant")) again.query["tenant"] = field(f, "tenant");
  Json errors = Json::object();
  errors[name] = message;
  return applicationsPage(
      again, v,
      Json{{"id", id},
           {"values", {{"currency", field(f, "currency")}, {"tier", field(f, "tier")}, {"reason", field(f, "reason")}}},
           {"errors", errors}},
      {Message::error("Application " + id + " not " + (decision == "approve" ? "approved" : "rejected") + ": " + message)},
      statusOf(reply));
}

// ---- territories ----

HttpResponse Console::territoriesPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                      int status) {
  Json data = Json::object(), args;
  if (auto refused = partnerAdminHead(r, v, "/territories", data, args)) return std::move(*refused);
  core::ControlReply list = run(v, "partner-territory-list", args);
  if (!list.ok()) return refuse(v, list);
  core::ControlReply partners = run(v, "partner-list", args);
  if (!partners.ok()) return refuse(v, partners);
  const bool scopePlatform = data["scope_platform"].get<bool>();
  const std::string scopeTenant = data["tenant"].get<std::string>();
  const bool mayChange = may(v, "partner-territory-add");
  Json rows = Json::array();
  for (const Json& t : list.arguments["territories"])
    rows.push_back({{"id", number(t, "id")},
                    {"partner", text(t, "partner-name")},
                    {"place", text(t, "place")},
                    {"exclusive", t.value("exclusive", false)},
                    {"added", text(t, "added")},
                    {"may_remove", mayChange}});
  // The partner select: the scope's partners only (the platform's list without a tenant has every
  // tenant's resellers too; territories compete within one scope).
  Json options = Json::array();
  const std::string chosen = valueOf(form, "partner");
  for (const Json& p : partners.arguments["partners"]) {
    const bool platformPartner = text(p, "level") == "platform";
    if (v.user.platform() && (scopePlatform != platformPartner || (!scopePlatform && text(p, "tenant") != scopeTenant)))
      continue;
    if (text(p, "status") != "active") continue;
    options.push_back({{"value", text(p, "id")}, {"text", text(p, "name")}, {"selected", text(p, "id") == chosen}});
  }
  auto place = [&](const char* name, const char* label, const char* max, const std::string& value, const std::string& error,
                   const std::string& prefix) {
    return core::web::renderField(Field{name, prefix + name, label, "text", value, error,
                                        {{"maxlength", max}, {"aria-describedby", prefix + "place-help"}}});
  };
  data["rows"] = rows;
  data["none"] = rows.empty();
  data["may_change"] = mayChange && !options.empty();
  data["no_partner"] = options.empty();
  data["partners"] = options;
  data["partner_error"] = errorOf(form, "partner");
  data["exclusive_checked"] = valueOf(form, "exclusive") == "true";
  data["country"] = place("country", "Country (ISO code, such as DE)", "2", valueOf(form, "country"), errorOf(form, "country"), "t-");
  data["region"] = place("region", "Region (optional)", "64", valueOf(form, "region"), errorOf(form, "region"), "t-");
  data["city"] = place("city", "City (optional)", "64", valueOf(form, "city"), errorOf(form, "city"), "t-");
  data["postal"] = place("postal", "Postal code (optional)", "16", valueOf(form, "postal"), errorOf(form, "postal"), "t-");
  // "Who wins here": the rules' answer for a place, in words (attribution-explain).
  const bool check = !query(r, "check").empty();
  Json checkErrors = Json::object();
  if (check) {
    Json explain = args;
    for (const char* k : {"country", "region", "city", "postal"})
      if (!query(r, k).empty()) explain[k] = query(r, k).substr(0, 64);
    if (scopePlatform) explain["platform"] = true;
    core::ControlReply answer = run(v, "attribution-explain", explain);
    if (answer.ok()) {
      const Json& a = answer.arguments;
      data["checked"] = true;
      data["checked_place"] = text(a, "place");
      data["why"] = text(a, "why");
      Json covering = Json::array();
      bool first = true;
      for (const Json& t : a.value("covering", Json::array())) {
        covering.push_back({{"partner", text(t, "partner-name")}, {"place", text(t, "place")},
                            {"exclusive", t.value("exclusive", false)}, {"added", text(t, "added")}, {"wins", first}});
        first = false;
      }
      data["covering"] = covering;
      data["none_covers"] = covering.empty();
    } else if (formProblem(answer)) {
      auto [name, message] = fieldOf(answer.text, {"country", "region", "city", "postal"});
      checkErrors[name.empty() ? "country" : name] = message;
      if (status == 200) status = statusOf(answer);
    } else {
      return refuse(v, answer);
    }
  }
  auto checkField = [&](const char* name, const char* label, const char* max) {
    return place(name, label, max, query(r, name).substr(0, 64),
                 checkErrors.contains(name) ? checkErrors[name].get<std::string>() : "", "w-");
  };
  data["w_country"] = checkField("country", "Country", "2");
  data["w_region"] = checkField("region", "Region", "64");
  data["w_city"] = checkField("city", "City", "64");
  data["w_postal"] = checkField("postal", "Postal code", "16");
  return page(v, "partner_territories", "Territories", data, std::move(messages), status);
}

HttpResponse Console::territoryAdd(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> f = core::web::parseForm(r.body);
  Json args{{"partner", field(f, "partner")}, {"country", field(f, "country")},
            {"exclusive", field(f, "exclusive") == "true"}};
  for (const char* k : {"region", "city", "postal"})
    if (!field(f, k).empty()) args[k] = field(f, k);
  if (v.user.platform() && !field(f, "tenant").empty()) args["tenant"] = field(f, "tenant");
  HttpRequest again = r;
  if (args.contains("tenant")) again.query["tenant"] = field(f, "tenant");
  core::ControlReply reply = run(v, "partner-territory-add", args);
  if (reply.ok()) {
    // Said at once: every territory the new one overlaps and who wins there, so nobody is surprised.
    std::vector<Message> messages{Message::ok(reply.text + ".")};
    for (const Json& o : reply.arguments.value("overlaps", Json::array()))
      messages.push_back(Message::ok("At " + text(o, "at") + ": " + text(o, "why")));
    return territoriesPage(again, v, nullptr, std::move(messages), 200);
  }
  if (!formProblem(reply)) return refuse(v, reply);
  auto [name, message] = fieldOf(reply.text, {"partner", "country", "region", "city", "postal"});
  Json errors = Json::object();
  errors[name.empty() ? "country" : name] = message;
  Json values = Json::object();
  for (const char* k : {"partner", "country", "region", "city", "postal", "exclusive"}) values[k] = field(f, k);
  return territoriesPage(again, v, Json{{"values", values}, {"errors", errors}},
                         {Message::error("Territory not added: " + message)}, statusOf(reply));
}

HttpResponse Console::territoryRemove(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> f = core::web::parseForm(r.body);
  Json args = Json::object();
  const std::string id = field(f, "id");
  if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return page(v, "refused", "Not done", Json::object(), {Message::error("id: which territory")}, 400);
  args["id"] = std::stoll(id);
  if (v.user.platform() && !field(f, "tenant").empty()) args["tenant"] = field(f, "tenant");
  core::ControlReply reply = run(v, "partner-territory-remove", args);
  if (!reply.ok()) return refuse(v, reply);
  HttpRequest again = r;
  if (args.contains("tenant")) again.query["tenant"] = field(f, "tenant");
  return territoriesPage(again, v, nullptr, {Message::ok(reply.text + ".")}, 200);
}

// ---- agreements ----

HttpResponse Console::agreementsPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                     int status) {
  Json data = Json::object(), args;
  if (auto refused = partnerAdminHead(r, v, "/agreements", data, args)) return std::move(*refused);
  core::ControlReply current = run(v, "agreement-show", Json::object());
  if (!current.ok() && statusOf(current) != 404) return refuse(v, current);
  data["has_current"] = current.ok();
  if (current.ok()) {
    data["version"] = number(current.arguments, "version");
    data["agreement_title"] = text(current.arguments, "title");
    data["body"] = text(current.arguments, "body");
    data["published"] = text(current.arguments, "published");
  }
  // Who accepted which version: each partner of the scope (agreement-show --partner decides reach).
  core::ControlReply partners = run(v, "partner-list", args);
  if (!partners.ok()) return refuse(v, partners);
  const bool scopePlatform = data["scope_platform"].get<bool>();
  Json rows = Json::array();
  int count = 0;
  for (const Json& p : partners.arguments["partners"]) {
    if (v.user.platform() && scopePlatform != (text(p, "level") == "platform")) continue;
    if (v.user.platform() && !scopePlatform && text(p, "tenant") != data["tenant"].get<std::string>()) continue;
    if (++count > 200) break;  // a page, not a report: mgmtctl agreement show --partner has the rest
    Json row{{"name", text(p, "name")}, {"id", text(p, "id")}, {"accepted", Json::array()}, {"current", false}};
    if (current.ok()) {
      Json show{{"partner", text(p, "id")}};
      core::ControlReply acc = run(v, "agreement-show", show);
      if (!acc.ok()) continue;
      row["current"] = acc.arguments.value("current-accepted", false);
      for (const Json& a : acc.arguments.value("acceptances", Json::array()))
        row["accepted"].push_back({{"version", number(a, "version")}, {"person", text(a, "person")}, {"at", text(a, "accepted-at")}});
    }
    row["none"] = row["accepted"].empty();
    rows.push_back(row);
  }
  data["rows"] = rows;
  data["no_partner"] = rows.empty();
  data["may_publish"] = v.user.platform() && may(v, "agreement-publish");
  data["title_field"] = core::web::renderField(Field{"title", "a-title", "Title", "text", valueOf(form, "title"),
                                                     errorOf(form, "title"), {{"maxlength", "200"}, {"required", ""}}});
  data["body_value"] = valueOf(form, "body");
  data["body_error"] = errorOf(form, "body");
  return page(v, "partner_agreements", "Partner agreement", data, std::move(messages), status);
}

HttpResponse Console::agreementPublish(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> f = core::web::parseForm(r.body);
  core::ControlReply reply = run(v, "agreement-publish", Json{{"title", field(f, "title")}, {"body", field(f, "body")}});
  if (reply.ok()) return agreementsPage(r, v, nullptr, {Message::ok(reply.text + ".")}, 200);
  if (!formProblem(reply)) return refuse(v, reply);
  auto [name, message] = fieldOf(reply.text, {"title", "body"});
  Json errors = Json::object();
  errors[name.empty() ? "title" : name] = message;
  return agreementsPage(r, v, Json{{"values", {{"title", field(f, "title")}, {"body", field(f, "body")}}}, {"errors", errors}},
                        {Message::error("Not published: " + message)}, statusOf(reply));
}

// ---- tiers ----

HttpResponse Console::tiersPage(const HttpRequest& r, const Visitor& v) {
  Json data = Json::object(), args;
  if (auto refused = partnerAdminHead(r, v, "/tiers", data, args)) return std::move(*refused);
  // A review without --apply: what the rules call for today, and the scheduled review's last run.
  core::ControlReply review = run(v, "partner-tiers-review", args);
  if (!review.ok() && statusOf(review) != 409) return refuse(v, review);  // 409: no rules for this level
  data["has_rules"] = review.ok();
  if (!review.ok()) {
    data["no_rules"] = review.text;
    return page(v, "partner_tiers", "Partner tiers", data);
  }
  const Json& a = review.arguments;
  const Json last = a.value("last-run", Json());
  data["has_last_run"] = last.is_object();
  if (last.is_object()) {
    data["last_at"] = text(last, "at");
    data["last_note"] = text(last, "note");
  }
  Json rows = Json::array();
  for (const Json& p : a.value("partners", Json::array()))
    rows.push_back({{"name", text(p, "name")}, {"tier", text(p, "tier")}, {"proposed", text(p, "proposed")},
                    {"changes", text(p, "tier") != text(p, "proposed")}, {"revenue", text(p, "revenue")},
                    {"why", text(p, "why")}});
  data["rows"] = rows;
  data["none"] = rows.empty();
  data["date"] = text(a, "date");
  return page(v, "partner_tiers", "Partner tiers", data);
}

}  // namespace mgmt::console
