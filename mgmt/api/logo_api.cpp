#include "mgmt/api/logo_api.h"

#include <optional>

#include "mgmt/mail/logo_store.h"

namespace mgmt::api {

void routeLogoApi(core::HttpServer& server, store::Storage& storage) {
  server.route("GET", std::string(kLogoPath) + "*", [&storage](const core::HttpRequest& r) {
    const std::string tenantId = r.path.substr(std::string(kLogoPath).size());
    if (tenantId.empty() || tenantId.size() > 64 || tenantId.find('/') != std::string::npos)
      return core::HttpResponse::jsonError(404, "no such logo");
    std::optional<mail::Logo> logo;
    core::Status s = storage.transact(
        [&](store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(logo, mail::LogoStore(tx).get(tenantId));
          return core::Status::ok();
        },
        store::Storage::Mode::kReadOnly);
    if (!s.isOk()) return core::HttpResponse::jsonError(503, "the logo could not be read");
    if (!logo) return core::HttpResponse::jsonError(404, "no such logo");
    const std::string etag = "\"" + logo->sha256 + "\"";
    core::HttpResponse out;
    out.headers = {{"X-Content-Type-Options", "nosniff"},
                   {"Cache-Control", "public, max-age=300"},
                   {"ETag", etag},
                   {"Content-Security-Policy", "default-src 'none'"}};
    auto match = r.headers.find("if-none-match");
    if (match != r.headers.end() && match->second.find(etag) != std::string::npos) {
      out.status = 304;
      return out;
    }
    out.contentType = logo->contentType;
    out.body = std::move(logo->bytes);
    return out;
  });
}

}  // namespace mgmt::api
