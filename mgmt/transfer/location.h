// Where a platform's data is, as mgmtctl's offline commands name it: "sqlite:PATH" (a mgmt.db) or
// "postgres:DSN" (a libpq connection string, keywords or a URI).
#pragma once

#include <string>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::transfer {

// kInvalidArgument for anything else, an empty path or DSN, or a control character in it.
core::Result<store::StorageConfig> parseLocation(const std::string& text);

// The location in words for progress lines, without a DSN's password.
std::string describeLocation(const store::StorageConfig& config);

}  // namespace mgmt::transfer
