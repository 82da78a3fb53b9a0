// One way for every front end (edgectl, mgmtctl, the console) to turn `--source S --from X` into an
// ImportPlan: the SQL sources (freeradius-sql, daloradius: a DSN, import/freeradius_sql.h) and the
// file sources' table (freeradius-users, mikrotik-um, splynx: import/file_sources.h).
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "import/mapping.h"

namespace importer {

// NotFound naming the sources there are when `source` is none of them; the source's own error
// (naming the file and line, or the database) otherwise. `progress` gets the SQL sources' lines.
core::Result<ImportPlan> readImportPlan(const std::string& source, const std::string& from, const MapOptions& options,
                                        const std::function<void(const std::string&)>& progress = {});

}  // namespace importer
