#include "import/read_plan.h"

#include "import/file_sources.h"
#include "import/freeradius_sql.h"

namespace importer {

core::Result<ImportPlan> readImportPlan(const std::string& source, const std::string& from, const MapOptions& options,
                                        const std::function<void(const std::string&)>& progress) {
  if (source == "freeradius-sql" || source == "daloradius")
    return readSqlImportPlan(source, from, options, progress);
  if (const FileSource* file = findFileSource(source)) return file->read(from, options);
  return core::notFound("--source '" + source +
                        "' is not supported (freeradius-users, freeradius-sql, daloradius, mikrotik-um and splynx are; "
                        "docs/migration.md)");
}

}  // namespace importer
