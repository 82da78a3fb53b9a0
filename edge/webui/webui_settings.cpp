// The technician UI's Settings page and support bundle (issue 22): the running configuration with
// its secrets redacted (config-show, every role), "Reload" (config-reload: the same staging and
// checks as `edgectl config-reload` and SIGHUP; admin), its refusal shown next to the key it names,
// and the support bundle's .tar.gz (support-bundle; technician and admin).
#include <algorithm>

#include "core/pki.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

namespace {

// {"radius": {"threads": 2}} -> rows "radius.threads" = "2" (strings shown without quotes).
void flatten(const core::Json& j, const std::string& prefix, core::Json& rows) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, rows);
    return;
  }
  std::string value = j.is_string() ? j.get<std::string>() : j.dump();
  rows.push_back({{"key", prefix}, {"value", value}, {"id", "key-" + prefix}});
}

// The longest key of `rows` that the message names ("...: radius.threads: 99 is out of range").
std::string keyNamedIn(const std::string& message, const core::Json& rows) {
  std::string best;
  for (const core::Json& row : rows) {
    std::string key = row["key"].get<std::string>();
    size_t at = message.find(key);
    while (at != std::string::npos) {
      size_t end = at + key.size();
      bool whole = (at == 0 || message[at - 1] == ' ') && (end == message.size() || message[end] == ':' || message[end] == ' ');
      if (whole && key.size() > best.size()) best = key;
      at = message.find(key, at + 1);
    }
  }
  return best;
}

}  // namespace

core::HttpResponse WebUi::settingsPage(const core::HttpRequest& r, const Visitor& v,
                                       std::vector<core::web::Message> messages, const std::string& reloadError,
                                       int status) {
  core::ControlReply reply = run(v, r, "config-show", core::Json::object());
  if (!reply.ok()) return refuse(v, reply);
  core::Json rows = core::Json::array();
  flatten(reply.arguments, "", rows);
  std::string errorKey = reloadError.empty() ? "" : keyNamedIn(reloadError, rows);
  for (core::Json& row : rows)
    if (!errorKey.empty() && row["key"] == errorKey) row["error"] = reloadError;
  core::Json data{{"rows", rows},
                  {"may_reload", may(v.role, "config-reload")},
                  {"may_bundle", may(v.role, "support-bundle")},
                  {"error_key", errorKey}};
  return page(v, "settings", "Settings", data, std::move(messages), status);
}

core::HttpResponse WebUi::settingsReload(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "config-reload", core::Json::object());
  if (reply.code == core::Code::kPermissionDenied) return refuse(v, reply);
  if (!reply.ok())
    return settingsPage(r, v, {core::web::Message::error(reply.text + " (the running configuration was kept)")},
                        reply.text, core::command::httpStatus(core::command::publicCode(reply.code)));
  return settingsPage(r, v, {core::web::Message::ok(reply.text)});
}

core::HttpResponse WebUi::supportBundle(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "support-bundle", core::Json::object());
  if (!reply.ok()) return refuse(v, reply);
  core::Result<std::string> bytes =
      core::pki::base64Decode(detail::textOf(reply.arguments, "content-base64"), "the support bundle");
  if (!bytes.isOk()) return refuse(v, core::ControlReply(bytes.status()));
  // Reading it is not a change, but it carries the box's configuration: who took one is recorded.
  audit("ui-support-bundle", &v, r, "downloaded " + detail::textOf(reply.arguments, "name"));
  core::HttpResponse out;
  out.contentType = "application/gzip";
  out.body = std::move(*bytes);
  out.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + detail::textOf(reply.arguments, "name") + "\"");
  return out;
}

void WebUi::addSettingsRoutes(const RouteAdder& get, const RouteAdder& post) {
  get("/settings", [this](const core::HttpRequest& r, const Visitor& v) { return settingsPage(r, v); });
  post("/settings/reload", [this](const core::HttpRequest& r, const Visitor& v) { return settingsReload(r, v); });
  get("/support/bundle", [this](const core::HttpRequest& r, const Visitor& v) { return supportBundle(r, v); });
}

}  // namespace edge::webui
