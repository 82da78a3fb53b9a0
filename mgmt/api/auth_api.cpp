#include "mgmt/api/auth_api.h"

#include "core/log.h"
#include "mgmt/api/api_status.h"
#include "mgmt/mgmt_time.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

constexpr size_t kMaxAuthBody = 4096;

HttpResponse unauthenticated(const std::string& message, const std::string& code = "unauthenticated") {
  HttpResponse r = HttpResponse::json(401, Json{{"error", message}, {"code", code}});
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// The body as a flat JSON object of strings (what every auth route takes), or the 400 naming why.
std::variant<Json, HttpResponse> body(const HttpRequest& req) {
  core::JsonLimits limits;
  limits.maxBytes = kMaxAuthBody;
  limits.maxDepth = 2;
  core::Result<Json> parsed = core::parseJsonWithComments(req.body.empty() ? "{}" : req.body, "body", limits);
  if (!parsed.isOk()) return HttpResponse::jsonError(400, parsed.status().message());
  if (!parsed->is_object()) return HttpResponse::jsonError(400, "the body must be a JSON object");
  for (const auto& [k, v] : parsed->items())
    if (!v.is_string()) return HttpResponse::jsonError(400, k + ": expected text");
  return *parsed;
}

std::string field(const Json& j, const char* key) { return j.value(key, std::string()); }

HttpResponse failure(const core::Status& s) {
  switch (s.code()) {
    case core::Code::kPermissionDenied: return unauthenticated(s.message());
    case core::Code::kFailedPrecondition:
      if (s.message() == "a one-time code is required") return unauthenticated(s.message(), "mfa-required");
      return errorResponse(s);
    case core::Code::kResourceExhausted: {
      HttpResponse r = HttpResponse::json(429, Json{{"error", s.message()}, {"code", "locked"}});
      // "... try again in N seconds"
      size_t in = s.message().rfind(" in ");
      if (in != std::string::npos) r.headers.emplace_back("Retry-After", std::to_string(std::atoll(s.message().c_str() + in + 4)));
      return r;
    }
    default:
      if (s.code() == core::Code::kInternal || s.code() == core::Code::kUnavailable || s.code() == core::Code::kIoError)
        core::logWarning("auth API: ", s.toString());
      return errorResponse(s);
  }
}

Json tokensJson(const access::SignedIn& s) {
  return Json{{"access-token", s.accessToken},   {"access-expires-at", iso(s.accessExpiresAt)},
              {"refresh-token", s.refreshToken}, {"refresh-expires-at", iso(s.refreshExpiresAt)},
              {"principal", principalJson(s.principal)}};
}

std::string bearerOf(const HttpRequest& req) {
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0) return "";
  return auth->second.substr(7);
}

}  // namespace

Json principalJson(const access::Principal& p) {
  return Json{{"person", p.personId.empty() ? Json(nullptr) : Json(p.personId)},
              {"email", p.email.empty() ? Json(nullptr) : Json(p.email)},
              {"name", p.name},
              {"level", access::levelName(p.level)},
              {"role", p.role},
              {"tenant", p.tenantId.empty() ? Json(nullptr) : Json(p.tenantId)},
              {"session", p.sessionId},
              {"mfa", p.mfa},
              {"mfa-pending", p.mfaPending}};
}

std::variant<access::Principal, HttpResponse> identifyBearer(access::SignInService& signIn, const HttpRequest& req) {
  std::string bearer = bearerOf(req);
  if (bearer.empty()) return unauthenticated("an 'Authorization: Bearer TOKEN' header is required");
  core::Result<std::optional<access::Principal>> p = signIn.authenticate(bearer);
  if (!p.isOk()) {
    core::logWarning("admin API: a token could not be checked: ", p.status().message());
    return errorResponse(p.status());
  }
  if (!*p) return unauthenticated("unknown, expired or revoked token");
  return **p;
}

void routeAuthApi(core::HttpServer& server, access::SignInService& signIn) {
  core::HttpRouteLimits open;  // no caller yet: small bodies only
  open.maxBodyBytes = kMaxAuthBody;
  core::HttpRouteLimits signedIn;
  signedIn.maxBodyBytes = kMaxAuthBody;
  signedIn.admit = [&signIn](const HttpRequest& req) -> std::optional<HttpResponse> {
    auto who = identifyBearer(signIn, req);
    if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
    return std::nullopt;
  };

  server.route("POST", "/api/v1/auth/login", [&signIn](const HttpRequest& req) {
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    const Json& j = std::get<Json>(b);
    access::LoginRequest r{field(j, "email"), field(j, "password"), field(j, "code"), req.remote};
    if (r.email.empty()) return HttpResponse::jsonError(400, "email is required");
    if (r.password.empty()) return HttpResponse::jsonError(400, "password is required");
    core::Result<access::SignedIn> s = signIn.login(r);
    if (!s.isOk()) return failure(s.status());
    return HttpResponse::json(200, tokensJson(*s));
  }, open);

  server.route("POST", "/api/v1/auth/refresh", [&signIn](const HttpRequest& req) {
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    std::string token = field(std::get<Json>(b), "refresh-token");
    if (token.empty()) return HttpResponse::jsonError(400, "refresh-token is required");
    core::Result<access::SignedIn> s = signIn.refresh(token, req.remote);
    if (!s.isOk()) return failure(s.status());
    return HttpResponse::json(200, tokensJson(*s));
  }, open);

  server.route("POST", "/api/v1/auth/logout", [&signIn](const HttpRequest& req) {
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    std::string token = field(std::get<Json>(b), "refresh-token");
    if (token.empty()) token = bearerOf(req);
    if (token.empty()) return HttpResponse::jsonError(400, "send the access token (Bearer) or refresh-token");
    core::Status s = signIn.logout(token);
    if (!s.isOk()) return failure(s);
    return HttpResponse::json(200, Json{{"text", "signed out"}});
  }, open);

  server.route("GET", "/api/v1/auth/me", [&signIn](const HttpRequest& req) {
    auto who = identifyBearer(signIn, req);
    if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
    const access::Principal& p = std::get<access::Principal>(who);
    Json sessions = Json::array();
    core::Result<std::vector<access::SessionInfo>> list = signIn.sessions(p);
    if (!list.isOk()) return failure(list.status());
    for (const access::SessionInfo& s : *list)
      sessions.push_back(Json{{"id", s.id}, {"origin", s.origin}, {"created-at", iso(s.createdAt)},
                              {"refreshed-at", iso(s.refreshedAt)}, {"expires-at", iso(s.refreshExpiresAt)}});
    Json out = principalJson(p);
    out["sessions"] = sessions;
    return HttpResponse::json(200, out);
  }, signedIn);

  server.route("POST", "/api/v1/auth/totp/begin", [&signIn](const HttpRequest& req) {
    auto who = identifyBearer(signIn, req);
    if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
    core::Result<access::TotpEnrollment> e = signIn.beginTotp(std::get<access::Principal>(who));
    if (!e.isOk()) return failure(e.status());
    return HttpResponse::json(200, Json{{"secret", e->secretBase32}, {"otpauth-uri", e->otpauthUri}});
  }, signedIn);

  server.route("POST", "/api/v1/auth/totp/confirm", [&signIn](const HttpRequest& req) {
    auto who = identifyBearer(signIn, req);
    if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    std::string code = field(std::get<Json>(b), "code");
    if (code.empty()) return HttpResponse::jsonError(400, "code is required");
    core::Result<std::vector<std::string>> codes = signIn.confirmTotp(std::get<access::Principal>(who), code);
    if (!codes.isOk()) return codes.status().code() == core::Code::kInvalidArgument ? errorResponse(codes.status())
                                                                                      : failure(codes.status());
    return HttpResponse::json(200, Json{{"recovery-codes", *codes},
                                        {"text", "one-time codes are on; keep the recovery codes (shown once); sign in again"}});
  }, signedIn);

  server.route("POST", "/api/v1/auth/password/forgot", [&signIn](const HttpRequest& req) {
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    std::string email = field(std::get<Json>(b), "email");
    if (email.empty()) return HttpResponse::jsonError(400, "email is required");
    core::Status s = signIn.requestPasswordReset(email, req.remote);
    if (!s.isOk()) return failure(s);
    return HttpResponse::json(202, Json{{"text", "if that address has an account, a link to set a new password is on its way"}});
  }, open);

  server.route("POST", "/api/v1/auth/password/reset", [&signIn](const HttpRequest& req) {
    auto b = body(req);
    if (auto* bad = std::get_if<HttpResponse>(&b)) return *bad;
    const Json& j = std::get<Json>(b);
    if (field(j, "token").empty()) return HttpResponse::jsonError(400, "token is required");
    core::Status s = signIn.resetPassword(field(j, "token"), field(j, "password"));
    if (!s.isOk()) return errorResponse(s);
    return HttpResponse::json(200, Json{{"text", "the password is set: sign in with it"}});
  }, open);
}

}  // namespace mgmt::api
