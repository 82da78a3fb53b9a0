// A demo tenant's sample data: what a prospect sees (3 plans, 50 subscribers, 30 days of usage).
#pragma once

#include <cstdint>

#include "core/status.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::app {

// Written in the caller's transaction (tenant-add's), through the catalog's and usage's own rules.
core::Status writeDemoData(store::Transaction& tx, const tenancy::Tenant& tenant, int64_t now);

}  // namespace mgmt::app
