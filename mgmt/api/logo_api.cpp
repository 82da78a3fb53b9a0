#include "mgmt/api/logo_api.h"

#include <optional>

#include "mgmt/mail/logo_store.h"

namespace mgmt::api {

namespace {

void routeLogos(core::HttpServer& server, store::Storage& storage, const std::string& prefix,
                mail::LogoStore::Owner owner) {
  server.route("GET", prefix + "*", [&storage, prefix, owner](const core::HttpRequest& r) {
    const std::string ownerId = r.path.substr(prefix.size());
    if (ownerId.empty() || ownerId.size() > 64 || ownerId.find('/') != std::string::npos)
      return core::HttpResponse::jsonError(404, "no such logo");
    std::optional<mail::Logo> logo;
    core::Status s = storage.transact(
        [&](store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(logo, mail::LogoStore(tx, owner).get(ownerId));
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

}  // namespace

void routeLogoApi(core::HttpServer& server, store::Storage& storage) {
  routeLogos(server, storage, kLogoPath, mail::LogoStore::Owner::kTenant);
  routeLogos(server, storage, kPartnerLogoPath, mail::LogoStore::Owner::kPartner);
}

}  // namespace mgmt::api
