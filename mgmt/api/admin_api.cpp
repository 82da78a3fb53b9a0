#include "mgmt/api/admin_api.h"

#include <optional>
#include <variant>

#include "core/command/reply.h"
#include "core/log.h"
#include "mgmt/api/api_status.h"
#include "mgmt/api/auth_api.h"
#include "mgmt/api/openapi.h"

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

void routeAdminApi(core::HttpServer& server, core::command::Table& commands, access::SignInService& signIn,
                   AdminApiPolicy policy) {
  // The caller is decided from the header before a body is read (admission), and again for the
  // handler, which needs it.
  auto identify = [&signIn](const HttpRequest& req, access::Principal& out) -> std::optional<HttpResponse> {
    auto who = identifyBearer(signIn, req);
    if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
    out = std::get<access::Principal>(who);
    if (out.mfaPending)
      return HttpResponse::json(403, Json{{"error", "a platform role needs one-time codes: enrol them (POST /api/v1/auth/totp/begin) and sign in again"},
                                          {"code", "permission-denied"}});
    return std::nullopt;
  };
  core::HttpRouteLimits tokensOnly;
  tokensOnly.admit = [identify](const HttpRequest& req) {
    access::Principal p;
    return identify(req, p);
  };
  for (const core::command::Spec& spec : commands.specs()) {
    // mgmtd's own commands (status, shutdown, list-commands) and CLI-only ones are for the control
    // socket.
    if (!servedByAdminApi(spec)) continue;
    const std::string name = spec.name;
    const bool read = !spec.mutates();
    server.route(read ? "GET" : "POST", "/api/v1/" + name, [&commands, name, identify, policy](const HttpRequest& req) {
      access::Principal principal;
      if (std::optional<HttpResponse> refused = identify(req, principal)) return *refused;
      const std::string tenant = principal.level == access::Level::kTenant ? principal.tenantId : "";
      if (policy.rateLimiter != nullptr && !tenant.empty()) {
        if (std::optional<HttpResponse> limited = policy.rateLimiter->admit(principal.sessionId, tenant)) return *limited;
      }
      Json args = Json::object();
      if (req.method == "GET") {
        for (const auto& [k, v] : req.query) args[k] = v;
      } else if (!req.body.empty()) {
        core::Result<Json> parsed = core::parseJsonWithComments(req.body, "body");
        if (!parsed.isOk()) return HttpResponse::jsonError(400, parsed.status().message());
        if (!parsed->is_object()) return HttpResponse::jsonError(400, "the body must be a JSON object");
        args = std::move(*parsed);
      }
      core::ControlReply r = commands.call(principal.caller(req.remote), name, args);
      if (r.result != core::kControlSuccess)
        return HttpResponse::json(statusFor(r), Json{{"error", r.text}, {"code", r.toJson().value("code", "not-found")}});
      if (policy.onTenantActivity && !tenant.empty()) policy.onTenantActivity(tenant);
      if (name == "audit-export") {
        HttpResponse csv;
        csv.contentType = "text/csv; charset=utf-8";
        csv.body = r.arguments.value("csv", std::string());
        csv.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit.csv\"");
        return csv;
      }
      return HttpResponse::json(200, Json{{"text", r.text}, {"data", r.arguments}});
    }, tokensOnly);
  }
}

}  // namespace mgmt::api
