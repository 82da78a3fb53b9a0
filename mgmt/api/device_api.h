// The device API (mutual TLS): the routes boxes call (enroll, check-in, changes, usage, events,
// command results, renewal), as a thin adapter: parse the body, identify the device by its verified
// certificate (before the body is read, and again for the handler), call one service method, and
// answer its value or its Status (api_status.h: the code decides the HTTP status).
#pragma once

#include "core/clock.h"
#include "core/http_server.h"
#include "mgmt/authority.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/fleet/fleet_service.h"
#include "mgmt/fleet/rollout_service.h"
#include "mgmt/usage/usage_service.h"

namespace mgmt::api {

struct DeviceApi {
  fleet::FleetService& fleet;
  catalog::CatalogService& catalog;
  usage::UsageService& usage;
  const Authority& authority;
  const core::Clock& clock;
  fleet::RolloutService* rollouts = nullptr;  // GET /v1/firmware/VERSION (ADR 0052); null: no downloads
};

// The routes keep a copy of `api` (its references must outlive the server).
void routeDeviceApi(core::HttpServer& server, const DeviceApi& api);

}  // namespace mgmt::api
