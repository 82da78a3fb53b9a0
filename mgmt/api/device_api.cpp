#include "mgmt/api/device_api.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "core/log.h"
#include "core/sync_wire.h"
#include "mgmt/api/api_status.h"
#include "mgmt/fleet/rollout_rules.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

// The most one ranged answer carries; a longer range is answered in part, with the exact
// Content-Range (the box asks again from there: firmware/https_source.cpp).
constexpr uint64_t kMaxRangeBytes = 8 * 1024 * 1024;

template <class T>
HttpResponse answer(const core::Result<T>& r) {
  if (!r.isOk()) return errorResponse(r.status());
  return HttpResponse::json(200, core::sync::toJson(*r));
}

}  // namespace

void routeDeviceApi(core::HttpServer& server, const DeviceApi& api) {
  // The CA certificate, for the box to compare with the fingerprint in its claim token.
  server.route("GET", "/v1/ca", [api](const HttpRequest&) {
    HttpResponse r;
    r.contentType = "application/x-pem-file";
    r.body = api.authority.caCertPem();
    return r;
  });
  // Enrollment is the one unauthenticated body: a claim secret, a hostname and a CSR fit in 8 KiB.
  core::HttpRouteLimits enrollLimits;
  enrollLimits.maxBodyBytes = 8 * 1024;
  server.route("POST", "/v1/enroll", [api](const HttpRequest& req) {
    core::Result<core::sync::EnrollRequest> body = core::sync::parseBody<core::sync::EnrollRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    core::Result<core::sync::EnrollResponse> r = api.fleet.enroll(*body, api.clock.unixSeconds());
    if (!r.isOk()) core::logWarning("device API: enrollment from ", req.remote, " refused: ", r.status().message());
    else core::logInfo("device API: device ", r->deviceId, " enrolled for tenant ", r->tenantName, " from ", req.remote);
    return answer(r);
  }, enrollLimits);
  // Every other path: the verified client certificate names the device. It is checked twice: before
  // the body is read (admission), and for the handler, which needs the Device.
  auto identify = [api](const HttpRequest& req, fleet::Device& out) -> std::optional<HttpResponse> {
    if (req.peerCertificateDer.empty()) {
      std::string why = req.peerCertificateProblem.empty() ? "a client certificate is required"
                                                           : "the client certificate is " + req.peerCertificateProblem;
      return HttpResponse::jsonError(401, why);
    }
    core::Result<fleet::Device> device = api.fleet.authenticate(req.peerCertificateDer);
    if (!device.isOk()) {
      core::logWarning("device API: ", req.path, " from ", req.remote, " refused: ", device.status().message());
      return errorResponse(device.status());
    }
    out = *device;
    return std::nullopt;
  };
  core::HttpRouteLimits devicesOnly;
  devicesOnly.admit = [identify](const HttpRequest& req) {
    fleet::Device d;
    return identify(req, d);
  };
  auto authed = [identify](auto fn) {
    return [identify, fn](const HttpRequest& req) -> HttpResponse {
      fleet::Device d;
      if (std::optional<HttpResponse> refused = identify(req, d)) return *refused;
      return fn(d, req);
    };
  };
  server.route("POST", "/v1/checkin", authed([api](const fleet::Device& d, const HttpRequest& req) {
    core::Result<core::sync::CheckinRequest> body = core::sync::parseBody<core::sync::CheckinRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return answer(api.fleet.checkin(d, *body, api.clock.unixSeconds()));
  }), devicesOnly);
  // Firmware bundles of the catalog, to a device its rollout offered the version (ADR 0052), in
  // ranges: 206 with the exact Content-Range; the box verifies every block against the signature.
  if (api.rollouts != nullptr) {
    server.route("GET", "/v1/firmware/*", authed([api](const fleet::Device& d, const HttpRequest& req) {
      const std::string version = req.path.substr(std::string("/v1/firmware/").size());
      core::Result<std::pair<std::string, int64_t>> file = api.rollouts->download(d.id, version, api.clock.unixSeconds());
      if (!file.isOk()) return errorResponse(file.status());
      const uint64_t total = static_cast<uint64_t>(file->second);
      auto it = req.headers.find("range");
      if (it == req.headers.end())
        return HttpResponse::jsonError(400, "Range: required (bytes=FIRST-LAST, at most 8 MiB a request)");
      std::optional<std::pair<uint64_t, std::optional<uint64_t>>> range = fleet::parseRangeHeader(it->second);
      if (!range) return HttpResponse::jsonError(400, "Range: expected bytes=FIRST-LAST or bytes=FIRST-");
      if (range->first >= total) {
        HttpResponse r = HttpResponse::jsonError(416, "Range: starts at or past the end (" + std::to_string(total) + " bytes)");
        r.headers.push_back({"Content-Range", "bytes */" + std::to_string(total)});
        return r;
      }
      uint64_t last = std::min(range->second.value_or(total - 1), total - 1);
      last = std::min(last, range->first + kMaxRangeBytes - 1);
      HttpResponse r;
      r.status = 206;
      r.contentType = "application/octet-stream";
      r.body.resize(static_cast<size_t>(last - range->first + 1));
      int fd = ::open(file->first.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        core::logWarning("device API: firmware ", version, ": opening ", file->first, ": ", std::strerror(errno));
        return HttpResponse::jsonError(503, "the firmware file is not available on this mgmtd");
      }
      size_t done = 0;
      while (done < r.body.size()) {
        ssize_t n = ::pread(fd, r.body.data() + done, r.body.size() - done, static_cast<off_t>(range->first + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(fd);
      if (done != r.body.size()) return HttpResponse::jsonError(503, "the firmware file is shorter than the catalog says");
      r.headers.push_back({"Content-Range", "bytes " + std::to_string(range->first) + "-" + std::to_string(last) + "/" +
                                                std::to_string(total)});
      r.headers.push_back({"Accept-Ranges", "bytes"});
      return r;
    }), devicesOnly);
  }
  server.route("GET", "/v1/changes", authed([api](const fleet::Device& d, const HttpRequest& req) {
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
    return answer(api.catalog.changes(d.tenantId, *cursor, *limit));
  }), devicesOnly);
  server.route("POST", "/v1/usage", authed([api](const fleet::Device& d, const HttpRequest& req) {
    core::Result<core::sync::UsageBatch> body = core::sync::parseBody<core::sync::UsageBatch>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return answer(api.usage.upload(d, *body));
  }), devicesOnly);
  server.route("POST", "/v1/events", authed([api](const fleet::Device& d, const HttpRequest& req) {
    core::Result<core::sync::EventBatch> body = core::sync::parseBody<core::sync::EventBatch>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    return answer(api.usage.events(d, *body, api.clock.unixSeconds()));
  }), devicesOnly);
  server.route("POST", "/v1/results", authed([api](const fleet::Device& d, const HttpRequest& req) {
    core::Result<core::sync::CommandResult> body = core::sync::parseBody<core::sync::CommandResult>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    core::Status s = api.fleet.commandResult(d, *body, api.clock.unixSeconds());
    if (!s.isOk()) return errorResponse(s);
    return HttpResponse::json(200, Json::object());
  }), devicesOnly);
  server.route("POST", "/v1/renew", authed([api](const fleet::Device& d, const HttpRequest& req) {
    core::Result<core::sync::RenewRequest> body = core::sync::parseBody<core::sync::RenewRequest>(req.body);
    if (!body.isOk()) return HttpResponse::jsonError(400, body.status().message());
    core::Result<core::sync::RenewResponse> r = api.fleet.renew(d, *body, api.clock.unixSeconds());
    if (r.isOk()) core::logInfo("device API: device ", d.id, " renewed its certificate");
    return answer(r);
  }), devicesOnly);
}

}  // namespace mgmt::api
