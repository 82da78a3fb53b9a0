// The console's Network devices and Notification settings pages (issue 26, ADR 0062 and 0054).
// Network devices: what the tenant's boxes poll over SNMP, as last reported (answering or since when
// not, uptime, interfaces down, when the box last reported), what depends on each (the NAS it serves
// and the subscribers whose sessions ran through it within the impact window) and its open alert.
// Notification settings: who is told of an outage or planned maintenance and by what channel (the
// tenant's channels, the SMS account, the webhook, quiet hours) as a form whose refusals are shown next
// to the field they name, and one customer's own channel. Reads and changes are mgmtd's commands with
// the visitor's caller like every page (people managers change the settings, tenant changers a
// customer's channel, everyone of the tenant reads).
#include <map>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

// 93784 -> "1 d 2 h"; 0 -> "".
std::string duration(int64_t seconds) {
  if (seconds <= 0) return "";
  const int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60;
  if (d > 0) return std::to_string(d) + " d " + std::to_string(h) + " h";
  if (h > 0) return std::to_string(h) + " h " + std::to_string(m) + " min";
  return std::to_string(m) + " min";
}

std::string withTenant(const std::string& path, const std::string& tenant, const std::string& rest) {
  std::string q = tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant);
  if (!rest.empty()) q += (q.empty() ? "" : "&") + rest;
  return q.empty() ? path : path + "?" + q;
}

// The settings form's text fields: (key of the settings document, label, input type, help).
struct SettingField {
  const char* key;
  const char* label;
  const char* type;
  const char* help;
};
const std::vector<SettingField>& settingFields() {
  static const std::vector<SettingField> fields = {
      {"sms-api-url", "SMS provider URL", "url", "The provider's API base (Twilio's Messages API shape), https only."},
      {"sms-account", "SMS account", "text", "The account (SID) at the provider."},
      {"sms-token", "SMS token", "password", "Kept secret: leave empty to keep the one set."},
      {"sms-from", "SMS sender", "tel", "The number messages come from, as +E.164 (+15551234567)."},
      {"webhook-url", "Webhook URL", "url", "Your systems' https address; each POST is signed Edge-Signature (HMAC-SHA256)."},
      {"webhook-secret", "Webhook secret", "password", "At least 16 characters; leave empty to keep the one set."},
      {"quiet-hours", "Quiet hours", "text", "No SMS between these local times, as HH:MM-HH:MM (22:00-07:00); empty: none."},
      {"utc-offset-minutes", "Local time (minutes from UTC)", "number", "-720 to 840; 60 for UTC+1."}};
  return fields;
}

std::vector<std::string> settingKeys() {
  std::vector<std::string> keys = {"email", "sms", "channel", "customer"};
  for (const SettingField& f : settingFields()) keys.push_back(f.key);
  return keys;
}

bool isSecret(const SettingField& f) { return std::string(f.type) == "password"; }

// A refusal's text under `key` of the page's data, only when there is one (an empty text is still a
// section to mustache).
void putError(Json& data, const char* key, const std::string& error) {
  if (!error.empty()) data[key] = error;
}

}  // namespace

HttpResponse Console::networkPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                  int status) {
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json scope = Json::object();
  if (v.user.platform()) scope["tenant"] = tenant;
  core::ControlReply reply = run(v, "network-device-list", scope);
  if (!reply.ok()) return refuse(v, reply);
  const bool mayDescribe = may(v, "network-device-put");
  // The device being edited (?box=B&name=N from its row), else what a refused post typed.
  const std::string editBox = form.is_object() ? form.value("box", "") : query(r, "box");
  const std::string editName = form.is_object() ? form.value("name", "") : query(r, "name");
  Json edited = Json::object();
  Json rows = Json::array();
  int64_t down = 0;
  for (const Json& d : reply.arguments["devices"]) {
    const bool reported = d.value("reported", false);
    const bool reachable = d.value("reachable", true);
    if (reported && !reachable) ++down;
    std::string interfaces;
    for (const Json& i : d["interfaces-down"]) interfaces += (interfaces.empty() ? "" : ", ") + i.get<std::string>();
    std::string nas, behind;
    for (const Json& n : d["nas-served"]) nas += (nas.empty() ? "" : ", ") + n.get<std::string>();
    for (const Json& n : d["downstream"]) behind += (behind.empty() ? "" : ", ") + n.get<std::string>();
    std::string depends = nas.empty() ? "no NAS: no subscriber's session is known to run through it"
                                      : "NAS " + nas + ": " + std::to_string(number(d, "subscribers")) +
                                            " subscriber(s) with a session through it lately, " +
                                            std::to_string(number(d, "online")) + " online now";
    if (!behind.empty()) depends = "devices " + behind + "; " + depends;
    std::string state = !reported   ? "not reported by the box (add it to its network.devices)"
                        : reachable ? "answering"
                                    : "not answering since " + minuteUtc(number(d, "since"));
    if (text(d, "box") == editBox && text(d, "name") == editName) edited = d;
    const std::string editQuery = "box=" + core::web::urlEncode(text(d, "box")) + "&name=" + core::web::urlEncode(text(d, "name"));
    rows.push_back({{"name", d["name"]},
                    {"kind", text(d, "kind").empty() ? "device" : text(d, "kind")},
                    {"box", d["box"]},
                    {"hostname", d["hostname"]},
                    {"bad", reported && !reachable},
                    {"status", state},
                    {"uptime", duration(number(d, "uptime"))},
                    {"interfaces", interfaces},
                    {"reported", minuteUtc(number(d, "reported-at"))},
                    {"changed", reported ? minuteUtc(number(d, "changed-at")) : ""},
                    {"site", d["site"]},
                    {"upstream", d["upstream"]},
                    {"note", d["note"]},
                    {"depends", depends},
                    {"alert", number(d, "alert")},
                    {"has_alert", number(d, "alert") > 0},
                    {"edit", withTenant("/network", v.user.platform() ? tenant : "", editQuery) + "#describe"},
                    {"may_edit", mayDescribe},
                    {"may_remove", mayDescribe && d.value("described", false)}});
  }
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"rows", rows},
            {"has_rows", !rows.empty()},
            {"count", rows.size()},
            {"down", down},
            {"may_describe", mayDescribe}};
  if (mayDescribe) {
    static const std::vector<std::string> fields = {"box", "name", "site", "upstream", "note"};
    std::map<std::string, std::string> errors;
    const std::string action = form.is_object() ? form.value("action", "") : "";
    if (form.is_object() && form.contains("error")) {
      auto [name, why] = fieldOf(form.value("error", ""), fields);
      errors[(action == "site" ? "site-" : "") + (name.empty() ? "form" : name)] = why;
    }
    auto value = [&](const char* key) {
      if (form.is_object() && action == "describe") return form.value(key, "");
      return text(edited, key);
    };
    core::ControlReply devices = run(v, "device-list", scope);
    Json boxes = Json::array(), siteBoxes = Json::array();
    const std::string chosen = value("box").empty() ? editBox : value("box");
    const std::string siteChosen = form.is_object() && action == "site" ? form.value("box", "") : "";
    if (devices.ok())
      for (const Json& b : devices.arguments) {
        if (text(b, "status") != "active") continue;
        const std::string id = text(b, "id");
        const std::string label = id + (text(b, "hostname").empty() ? "" : " (" + text(b, "hostname") + ")");
        boxes.push_back({{"id", id}, {"label", label}, {"selected", id == chosen}});
        siteBoxes.push_back({{"id", id}, {"label", label}, {"selected", id == siteChosen}});
      }
    data["boxes"] = boxes;
    data["site_boxes"] = siteBoxes;
    putError(data, "box_error", errors["box"]);
    putError(data, "site_box_error", errors["site-box"]);
    data["editing"] = !edited.empty();
    using core::web::Field;
    data["name"] = core::web::renderField(Field{"name", "name", "Device name (as in the box's network.devices)", "text",
                                                value("name"), errors["name"],
                                                {{"required", ""}, {"maxlength", "64"}, {"aria-describedby", "name-help"}}});
    data["site"] = core::web::renderField(Field{"site", "site", "Site (optional)", "text", value("site"), errors["site"],
                                                {{"maxlength", "64"}, {"aria-describedby", "site-help"}}});
    data["upstream"] = core::web::renderField(Field{"upstream", "upstream", "Hangs off (optional)", "text",
                                                    value("upstream"), errors["upstream"],
                                                    {{"maxlength", "64"}, {"aria-describedby", "upstream-help"}}});
    data["note"] = core::web::renderField(Field{"note", "note", "Note (optional)", "text", value("note"), errors["note"],
                                                {{"maxlength", "500"}}});
    data["box_site"] = core::web::renderField(Field{
        "site", "box-site", "Site", "text", action == "site" ? form.value("site", "") : "", errors["site-site"],
        {{"maxlength", "64"}, {"aria-describedby", "box-site-help"}}});
    putError(data, "form_error", errors["form"].empty() ? errors["site-form"] : errors["form"]);
  }
  const std::string saved = query(r, "saved");
  if (saved == "describe") messages.push_back(Message::ok("Saved: the device's description is in the list."));
  if (saved == "remove") messages.push_back(Message::ok("Removed: what the box reports of it stays."));
  if (saved == "site") messages.push_back(Message::ok("Saved: the box's alerts and devices are at that site."));
  return page(v, "network", "Network devices", data, std::move(messages), status);
}

HttpResponse Console::networkPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(posted, "tenant") : "";
  const std::string action = field(posted, "action");
  Json args = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  Json back{{"tenant", tenant}, {"action", action}, {"box", field(posted, "box")}};
  std::string command, refusal;
  if (action == "describe") {
    command = "network-device-put";
    for (const char* key : {"box", "name", "site", "upstream", "note"}) {
      back[key] = field(posted, key);
      if (!field(posted, key).empty()) args[key] = field(posted, key);
    }
    if (field(posted, "box").empty()) refusal = "box: choose the box that polls it";
    else if (field(posted, "name").empty()) refusal = "name: required";
  } else if (action == "remove") {
    command = "network-device-remove";
    args["box"] = field(posted, "box");
    args["name"] = field(posted, "name");
  } else if (action == "site") {
    command = "box-site-set";
    back["site"] = field(posted, "site");
    args["box"] = field(posted, "box");
    args["site"] = field(posted, "site");
    if (field(posted, "box").empty()) refusal = "box: choose a box";
  } else {
    return refuse(v, core::ControlReply::error(core::invalidArgument("action: expected describe, remove or site")));
  }
  core::ControlReply reply = refusal.empty() ? run(v, command, args)
                                             : core::ControlReply::error(core::invalidArgument(refusal));
  if (!reply.ok()) {
    // A field's refusal (and another tenant's box, "box: no box ...") is shown next to the field.
    const bool fieldError = core::command::httpStatus(core::command::publicCode(reply.code)) == 400 ||
                            (action != "remove" && reply.text.rfind("box: ", 0) == 0);
    if (!fieldError || action == "remove") return refuse(v, reply);
    back["error"] = reply.text;
    HttpRequest again = r;
    again.query["tenant"] = tenant;
    return networkPage(again, v, back, {Message::error("Not saved: " + reply.text)}, 400);
  }
  return core::web::redirect(303, withTenant("/network", tenant, "saved=" + action), "Network devices");
}

HttpResponse Console::notifySettingsPage(const HttpRequest& r, const Visitor& v, Json form,
                                         std::vector<Message> messages, int status) {
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json scope = Json::object();
  if (v.user.platform()) scope["tenant"] = tenant;
  core::ControlReply reply = run(v, "notification-settings-get", scope);
  if (!reply.ok()) return refuse(v, reply);
  const Json& s = reply.arguments;
  std::map<std::string, std::string> errors;
  if (form.is_object() && form.contains("error")) {
    std::string why = form.value("error", "");
    const std::string prefix = "notification settings: ";
    if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    auto [name, rest] = fieldOf(why, settingKeys());
    errors[name.empty() ? "form" : name] = rest;
  }
  const bool posted = form.is_object() && form.value("action", "") == "settings";
  auto shown = [&](const char* key) {  // a refused post shows what was typed; secrets never come back
    if (posted && form.contains(key)) return form.value(key, "");
    return text(s, key);
  };
  Json fields = Json::array();
  for (const SettingField& f : settingFields()) {
    std::vector<std::pair<std::string, std::string>> attributes = {{"aria-describedby", std::string(f.key) + "-help"}};
    std::string value = isSecret(f) ? "" : shown(f.key);
    if (isSecret(f)) {
      attributes.emplace_back("autocomplete", "new-password");
      if (text(s, f.key) == "(set)") attributes.emplace_back("placeholder", "(set)");
    }
    if (std::string(f.key) == "utc-offset-minutes") {
      attributes.emplace_back("min", "-720");
      attributes.emplace_back("max", "840");
    }
    fields.push_back({{"html", core::web::renderField(core::web::Field{f.key, f.key, f.label, f.type, value,
                                                                       errors[f.key], attributes})},
                      {"id", f.key},
                      {"help", f.help}});
  }
  auto on = [&](const char* key) {
    if (posted) return form.value(key, "") == "1";
    return s.contains(key) && s[key].is_boolean() && s[key].get<bool>();
  };
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"may_change", may(v, "notification-settings-set")},
            {"may_prefer", may(v, "notification-preference-set")},
            {"email", on("email")},
            {"sms", on("sms")},
            {"fields", fields}};
  putError(data, "email_error", errors["email"]);
  putError(data, "sms_error", errors["sms"]);
  putError(data, "form_error", errors["form"]);
  const std::string chosen = form.is_object() ? form.value("channel", "") : "";
  data["customer"] = core::web::renderField(core::web::Field{
      "customer", "customer", "Customer id", "text", form.is_object() ? form.value("customer", "") : "",
      errors["customer"], {{"required", ""}, {"maxlength", "64"}, {"aria-describedby", "customer-help"}}});
  Json channels = Json::array();
  for (const char* c : {"email", "sms", "none"}) channels.push_back({{"value", c}, {"selected", chosen == c}});
  data["channels"] = channels;
  putError(data, "channel_error", errors["channel"]);
  if (query(r, "saved") == "settings") messages.push_back(Message::ok("Saved: the next notifications follow them."));
  if (query(r, "saved") == "preference") messages.push_back(Message::ok("Saved: that customer is told by the channel chosen."));
  return page(v, "notify_settings", "Notification settings", data, std::move(messages), status);
}

HttpResponse Console::notifySettingsPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(posted, "tenant") : "";
  const std::string action = field(posted, "action");
  Json args = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  Json back{{"tenant", tenant}, {"action", action}};
  core::ControlReply reply;
  std::string saved;
  if (action == "settings") {
    Json patch{{"email", field(posted, "email") == "1"}, {"sms", field(posted, "sms") == "1"}};
    back["email"] = field(posted, "email");
    back["sms"] = field(posted, "sms");
    std::string refusal;
    for (const SettingField& f : settingFields()) {
      const std::string value = field(posted, f.key);
      if (!isSecret(f)) back[f.key] = value;
      if (isSecret(f) && value.empty()) continue;  // keep the one set
      if (std::string(f.key) == "utc-offset-minutes") {
        if (value.empty() || value.size() > 5 || value.find_first_not_of("-0123456789") != std::string::npos ||
            value.find('-', 1) != std::string::npos || value == "-") {
          if (refusal.empty()) refusal = "notification settings: utc-offset-minutes: a whole number of minutes";
          continue;
        }
        patch[f.key] = static_cast<int64_t>(std::stoll(value));
      } else {
        patch[f.key] = value;
      }
    }
    args["settings"] = patch.dump();
    reply = refusal.empty() ? run(v, "notification-settings-set", args)
                            : core::ControlReply::error(core::invalidArgument(refusal));
    saved = "settings";
  } else if (action == "preference") {
    args["customer"] = field(posted, "customer");
    args["channel"] = field(posted, "channel");
    back["customer"] = field(posted, "customer");
    back["channel"] = field(posted, "channel");
    std::string refusal;
    if (field(posted, "customer").empty()) refusal = "customer: required";
    reply = refusal.empty() ? run(v, "notification-preference-set", args)
                            : core::ControlReply::error(core::invalidArgument(refusal));
    // Another tenant's customer or one that does not exist ("customer: no customer ..."): next to the field.
    if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kNotFound)
      reply = core::ControlReply::error(core::invalidArgument(reply.text));
    saved = "preference";
  } else {
    return refuse(v, core::ControlReply::error(core::invalidArgument("action: expected settings or preference")));
  }
  if (!reply.ok()) {
    if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400) return refuse(v, reply);
    back["error"] = reply.text;
    HttpRequest again = r;
    again.query["tenant"] = tenant;
    return notifySettingsPage(again, v, back, {Message::error("Not saved: " + reply.text)}, 400);
  }
  return core::web::redirect(303, withTenant("/notification-settings", tenant, "saved=" + saved),
                             "Notification settings");
}

}  // namespace mgmt::console
