#include "mgmt/api/admin_api.h"

#include <optional>

#include "core/log.h"
#include "mgmt/api/api_status.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

// The HTTP status of a failed command, from its code, never its wording.
int statusFor(const core::ControlReply& r) {
  if (r.result == core::kControlUnsupported) return 404;
  return httpStatusOf(r.code);
}

}  // namespace

void routeAdminApi(core::HttpServer& server, core::command::Table& commands, access::AccessService& access) {
  // The caller is decided from the header before a body is read (admission), and again for the
  // handler, which needs it.
  auto identify = [&access](const HttpRequest& req, tenancy::Caller& out) -> std::optional<HttpResponse> {
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0) {
      HttpResponse r = HttpResponse::jsonError(401, "an 'Authorization: Bearer TOKEN' header is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    core::Result<std::optional<tenancy::Caller>> caller = access.tokenCaller(auth->second.substr(7));
    if (!caller.isOk()) {
      core::logWarning("admin API: a token could not be checked: ", caller.status().message());
      return errorResponse(caller.status());
    }
    if (!*caller) return HttpResponse::jsonError(401, "unknown token");
    out = **caller;
    return std::nullopt;
  };
  core::HttpRouteLimits tokensOnly;
  tokensOnly.admit = [identify](const HttpRequest& req) {
    tenancy::Caller c;
    return identify(req, c);
  };
  for (const core::command::Spec& spec : commands.specs()) {
    // mgmtd's own commands (status, shutdown, list-commands) and CLI-only ones are for the control
    // socket.
    if (spec.cliOnly || spec.name == "status" || spec.name == "shutdown" || spec.name == "list-commands") continue;
    const std::string name = spec.name;
    const bool read = !spec.mutates();
    server.route(read ? "GET" : "POST", "/api/v1/" + name, [&commands, name, identify](const HttpRequest& req) {
      tenancy::Caller caller;
      if (std::optional<HttpResponse> refused = identify(req, caller)) return *refused;
      Json args = Json::object();
      if (req.method == "GET") {
        for (const auto& [k, v] : req.query) args[k] = v;
      } else if (!req.body.empty()) {
        core::Result<Json> parsed = core::parseJsonWithComments(req.body, "body");
        if (!parsed.isOk()) return HttpResponse::jsonError(400, parsed.status().message());
        if (!parsed->is_object()) return HttpResponse::jsonError(400, "the body must be a JSON object");
        args = std::move(*parsed);
      }
      core::ControlReply r = commands.call(
          core::command::Caller{caller.platform() ? "platform" : "tenant", caller.tenantId, "admin API token"}, name, args);
      if (r.result != core::kControlSuccess)
        return HttpResponse::json(statusFor(r), Json{{"error", r.text}, {"code", r.toJson().value("code", "not-found")}});
      return HttpResponse::json(200, Json{{"text", r.text}, {"data", r.arguments}});
    }, tokensOnly);
  }
}

}  // namespace mgmt::api
