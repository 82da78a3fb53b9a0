// A tenant's uploaded logo, served by mgmtd (issue 23, ADR 0030):
//
//   GET /branding/logo/TENANT-ID
//     200 the image: Content-Type image/png or image/jpeg (the sniffed type, never the declared one),
//         X-Content-Type-Options: nosniff, Cache-Control: public, max-age=300, ETag "SHA256";
//     304 when If-None-Match names that ETag; 404 when the tenant has no uploaded logo (the page or
//     mail then shows the platform's).
//
//   GET /branding/partner-logo/PARTNER-ID
//     the same for a white-label partner's uploaded logo (ADR 0064).
//
// Public by design, like the logo in a sent mail: mail clients and the self-care portal fetch it
// without a session. It says nothing but the image; setting or clearing it goes through the command
// layer (branding-logo-set/clear), so another tenant cannot change it.
#pragma once

#include <string>

#include "core/http_server.h"
#include "mgmt/store/sql.h"

namespace mgmt::api {

constexpr const char* kLogoPath = "/branding/logo/";
constexpr const char* kPartnerLogoPath = "/branding/partner-logo/";

void routeLogoApi(core::HttpServer& server, store::Storage& storage);

}  // namespace mgmt::api
