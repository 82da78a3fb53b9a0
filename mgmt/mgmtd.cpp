#include "mgmt/mgmtd.h"

#include <unistd.h>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/log.h"
#include "core/sync_wire.h"
#include "mgmt/mgmt_commands.h"
#include "mgmt/mgmt_schema.h"

namespace mgmt {

const char* const kVersion = "0.1.0";

namespace {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

std::string parentDir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

int64_t nowSeconds() { return core::SystemClock::instance().unixSeconds(); }

HttpResponse jsonResponse(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.contentType = "application/json";
  r.body = body.dump() + "\n";
  return r;
}

template <class T>
HttpResponse apiResponse(const ApiResult<T>& r) {
  if (r.error) return HttpResponse::jsonError(r.error->status, r.error->message);
  return jsonResponse(200, core::sync::toJson(r.value));
}

// HTTP status for a failed operator command: what the message says went wrong.
// The HTTP status of a failed command, from its code (core/command/command.h), never its wording.
int statusFor(const core::ControlReply& r) {
  if (r.result == core::kControlUnsupported) return 404;
  return core::command::httpStatus(core::command::publicCode(r.code));
}

}  // namespace

Mgmtd::Mgmtd(std::string configPath, MgmtConfig config)
    : configPath_(std::move(configPath)),
      config_(std::move(config)),
      commands_(mgmtRoles(), mgmtCommandSpecs()),
      control_(commands_) {
  if (config_.pidFile.empty()) config_.pidFile = config_.dataDir + "/mgmtd.pid";
}

Mgmtd::~Mgmtd() { stop(); }

core::Status Mgmtd::start() {
  EDGE_RETURN_IF_ERROR(loop_.init());
  core::Logger::instance().setLevel(*core::parseLogLevel(config_.logLevel));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(config_.dataDir, 0700, "data-dir"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.pidFile), 0755, "pid-file folder"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.controlSocket), 0750, "control-socket folder"));
  EDGE_RETURN_IF_ERROR(pidFile_.acquire(config_.pidFile, "mgmtd"));

  core::StoreOptions options;
  options.path = config_.databasePath();
  options.synchronous = core::StoreOptions::Synchronous::kFull;  // usage acknowledged to a box is never lost
  options.migrations = mgmtMigrations();
  core::Result<std::unique_ptr<core::Database>> db = core::Database::open(options);
  if (!db.isOk()) return db.status();
  db_ = std::move(*db);

  int64_t now = nowSeconds();
  EDGE_RETURN_IF_ERROR(authority_.open(config_, now).withContext("PKI"));
  platform_ = std::make_unique<Platform>(config_, authority_, *db_);
  EDGE_RETURN_IF_ERROR(platform_->ensureAdminToken(config_.dataDir + "/admin-token"));

  for (const Platform::CommandInfo& c : Platform::commands())
    commands_.bind(c.name, [this, name = c.name](const Json& args, const core::command::Caller& caller) {
      return platform_->call(name, args, Caller{caller.scope});
    });
  commands_.bind("status", [this](const Json&, const core::command::Caller&) {
    return core::ControlReply::success("mgmtd is running", statusJson());
  });
  commands_.bind("shutdown", [this](const Json&, const core::command::Caller&) {
    loop_.requestStop();
    return core::ControlReply::success("mgmtd is stopping");
  });
  std::string unbound = commands_.unbound();
  if (!unbound.empty()) return core::internalError("commands declared in mgmt/mgmt_commands without a handler: " + unbound);
  EDGE_RETURN_IF_ERROR(control_.start(config_.controlSocket));

  core::HttpServerOptions device;
  device.name = "device API";
  device.listen = config_.deviceApi.listen;
  device.port = static_cast<uint16_t>(config_.deviceApi.port);
  device.connectionLimit = 1024;
  // Many boxes may sit behind one carrier-grade NAT, but a box holds one connection at a time; a
  // connection costs at most connectionMemoryLimit until its caller is known (routes admit first).
  device.perAddressLimit = 256;
  device.maxBodyBytes = 4 * 1024 * 1024;  // only for a verified device certificate (authed routes)
  device.requestSeconds = static_cast<unsigned>(config_.deviceApi.requestSeconds);
  device.tlsCertPem = authority_.serverCertPem();
  device.tlsKeyPem = authority_.serverKeyPem();
  device.clientTrustPem = authority_.caCertPem();
  deviceApi_ = std::make_unique<core::HttpServer>(device);
  routeDeviceApi(*deviceApi_);
  EDGE_RETURN_IF_ERROR(deviceApi_->start().withContext("device-api"));
  config_.deviceApi.port = deviceApi_->port();

  core::HttpServerOptions admin;
  admin.name = "admin API";
  admin.listen = config_.adminApi.listen;
  admin.port = static_cast<uint16_t>(config_.adminApi.port);
  admin.tlsCertPem = authority_.serverCertPem();
  admin.tlsKeyPem = authority_.serverKeyPem();
  admin.connectionLimit = 256;
  admin.perAddressLimit = 32;
  admin.maxBodyBytes = 1024 * 1024;
  admin.requestSeconds = static_cast<unsigned>(config_.adminApi.requestSeconds);
  adminApi_ = std::make_unique<core::HttpServer>(admin);
  routeAdminApi(*adminApi_);
  EDGE_RETURN_IF_ERROR(adminApi_->start().withContext("admin-api"));
  config_.adminApi.port = adminApi_->port();

  startedUnix_ = now;
  started_ = true;
  core::logInfo("mgmtd ", kVersion, " started: device API ", config_.effectivePublicUrl(), ", admin API port ",
                config_.adminApi.port, ", CA fingerprint ", authority_.caFingerprint());
  core::sdNotify("READY=1\nSTATUS=serving");
  return core::Status::ok();
}

void Mgmtd::routeDeviceApi(core::HttpServer& server) {
  // The CA certificate, for the box to compare with the fingerprint in its claim token.
  server.route("GET", "/v1/ca", [this](const HttpRequest&) {
    HttpResponse r;
    r.contentType = "application/x-pem-file";
    r.body = authority_.caCertPem();
    return r;
  });
  // Enrollment is the one unauthenticated body: a claim secret, a hostname and a CSR fit in 8 KiB.
  core::HttpRouteLimits enrollLimits;
  enrollLimits.maxBodyBytes = 8 * 1024;
  server.route("POST", "/v1/enroll", [this](const HttpRequest& req) {
    core::Result<core::sync::EnrollRequest> body = core::sync::parseBody<core::sync::EnrollRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    ApiResult<core::sync::EnrollResponse> r = platform_->enroll(*body, nowSeconds());
    if (r.error) core::logWarning("device API: enrollment from ", req.remote, " refused: ", r.error->message);
    else core::logInfo("device API: device ", r.value.deviceId, " enrolled for tenant ", r.value.tenantName, " from ", req.remote);
    return apiResponse(r);
  }, enrollLimits);
  // Every other path: the verified client certificate names the device. It is checked twice: before
  // the body is read (admission), and for the handler, which needs the Device.
  auto identify = [this](const HttpRequest& req, Device& out) -> std::optional<HttpResponse> {
    if (req.peerCertificateDer.empty()) {
      std::string why = req.peerCertificateProblem.empty() ? "a client certificate is required"
                                                           : "the client certificate is " + req.peerCertificateProblem;
      return HttpResponse::jsonError(401, why);
    }
    ApiResult<Device> device = platform_->authenticate(req.peerCertificateDer);
    if (device.error) {
      core::logWarning("device API: ", req.path, " from ", req.remote, " refused: ", device.error->message);
      return HttpResponse::jsonError(device.error->status, device.error->message);
    }
    out = device.value;
    return std::nullopt;
  };
  core::HttpRouteLimits devicesOnly;
  devicesOnly.admit = [identify](const HttpRequest& req) {
    Device d;
    return identify(req, d);
  };
  auto authed = [identify](auto fn) {
    return [identify, fn](const HttpRequest& req) -> HttpResponse {
      Device d;
      if (std::optional<HttpResponse> refused = identify(req, d)) return *refused;
      return fn(d, req);
    };
  };
  server.route("POST", "/v1/checkin", authed([this](const Device& d, const HttpRequest& req) {
    core::Result<core::sync::CheckinRequest> body = core::sync::parseBody<core::sync::CheckinRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return apiResponse(platform_->checkin(d, *body, nowSeconds()));
  }), devicesOnly);
  server.route("GET", "/v1/changes", authed([this](const Device& d, const HttpRequest& req) {
    auto number = [&](const char* key, int64_t def) -> std::optional<int64_t> {
      auto it = req.query.find(key);
      if (it == req.query.end()) return def;
      char* end = nullptr;
      long long v = std::strtoll(it->second.c_str(), &end, 10);
      if (it->second.empty() || *end != '\0') return std::nullopt;
      return v;
    };
    std::optional<int64_t> cursor = number("cursor", 0), limit = number("limit", 500);
    if (!cursor || !limit || *limit < 1 || *limit > 5000)
      return HttpResponse::jsonError(400, "cursor and limit must be numbers (limit 1..5000)");
    return apiResponse(platform_->changes(d, *cursor, *limit));
  }), devicesOnly);
  server.route("POST", "/v1/usage", authed([this](const Device& d, const HttpRequest& req) {
    core::Result<core::sync::UsageBatch> body = core::sync::parseBody<core::sync::UsageBatch>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return apiResponse(platform_->usage(d, *body));
  }), devicesOnly);
  server.route("POST", "/v1/events", authed([this](const Device& d, const HttpRequest& req) {
    core::Result<core::sync::EventBatch> body = core::sync::parseBody<core::sync::EventBatch>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return apiResponse(platform_->events(d, *body, nowSeconds()));
  }), devicesOnly);
  server.route("POST", "/v1/results", authed([this](const Device& d, const HttpRequest& req) {
    core::Result<core::sync::CommandResult> body = core::sync::parseBody<core::sync::CommandResult>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    ApiResult<bool> r = platform_->commandResult(d, *body, nowSeconds());
    if (r.error) return HttpResponse::jsonError(r.error->status, r.error->message);
    return jsonResponse(200, Json::object());
  }), devicesOnly);
  server.route("POST", "/v1/renew", authed([this](const Device& d, const HttpRequest& req) {
    core::Result<core::sync::RenewRequest> body = core::sync::parseBody<core::sync::RenewRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    ApiResult<core::sync::RenewResponse> r = platform_->renew(d, *body, nowSeconds());
    if (!r.error) core::logInfo("device API: device ", d.id, " renewed its certificate");
    return apiResponse(r);
  }), devicesOnly);
}

void Mgmtd::routeAdminApi(core::HttpServer& server) {
  // One route per operator command: GET /api/v1/NAME?args for reads, POST /api/v1/NAME {args} for
  // changes; the bearer token decides the caller (platform, or one tenant).
  // The caller is decided from the header before a body is read (admission), and again for the
  // handler, which needs the Caller.
  auto identify = [this](const HttpRequest& req, Caller& out) -> std::optional<HttpResponse> {
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0) {
      HttpResponse r = HttpResponse::jsonError(401, "an 'Authorization: Bearer TOKEN' header is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    std::optional<Caller> caller = platform_->tokenCaller(auth->second.substr(7));
    if (!caller) return HttpResponse::jsonError(401, "unknown token");
    out = *caller;
    return std::nullopt;
  };
  core::HttpRouteLimits tokensOnly;
  tokensOnly.admit = [identify](const HttpRequest& req) {
    Caller c;
    return identify(req, c);
  };
  for (const Platform::CommandInfo& c : Platform::commands()) {
    std::string name = c.name;
    server.route(c.readOnly ? "GET" : "POST", "/api/v1/" + name, [this, name, identify](const HttpRequest& req) {
      Caller caller;
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
      core::ControlReply r = commands_.call(
          core::command::Caller{caller.platform() ? "platform" : "tenant", caller.tenantId, "admin API token"}, name, args);
      if (r.result != core::kControlSuccess)
        return jsonResponse(statusFor(r), Json{{"error", r.text}, {"code", r.toJson().value("code", "not-found")}});
      return jsonResponse(200, Json{{"text", r.text}, {"data", r.arguments}});
    }, tokensOnly);
  }
}

Json Mgmtd::statusJson() {
  Json j = platform_->statusJson();
  j["version"] = kVersion;
  j["pid"] = ::getpid();
  j["uptime-seconds"] = nowSeconds() - startedUnix_;
  j["config-file"] = configPath_;
  j["data-dir"] = config_.dataDir;
  j["device-api"] = config_.effectivePublicUrl();
  j["device-api-port"] = config_.deviceApi.port;
  j["admin-api-port"] = config_.adminApi.port;
  j["admin-token-file"] = config_.dataDir + "/admin-token";
  j["poll-interval"] = config_.devicePollInterval;
  return j;
}

int Mgmtd::run() {
  for (;;) {
    switch (loop_.wait(1000)) {
      case core::DaemonLoop::Event::kStop:
        core::logInfo("mgmtd stopping");
        return 0;
      case core::DaemonLoop::Event::kReload:
        core::logWarning("mgmtd: configuration reload is not supported; restart mgmtd to apply changes");
        break;
      case core::DaemonLoop::Event::kTick:
        break;
    }
  }
}

void Mgmtd::stop() {
  if (!started_) return;
  started_ = false;
  core::sdNotify("STOPPING=1");
  control_.stop();
  if (deviceApi_) deviceApi_->stop();
  if (adminApi_) adminApi_->stop();
  platform_.reset();
  db_.reset();
  pidFile_.release();
}

}  // namespace mgmt
