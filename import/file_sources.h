// The importer's file sources as one table (issue 30): what `--source NAME --from PATH` reads and how,
// so edgectl and mgmtctl take a source by looking it up here rather than by code of their own.
// (The SQL sources, which take a connection string, are import/freeradius_sql.h.)
#pragma once

#include <string>

#include "core/status.h"
#include "import/mapping.h"

namespace importer {

struct FileSource {
  const char* name;  // --source
  const char* from;  // what --from names, for the usage text
  // Reads and maps; InvalidArgument "PATH: ..." naming the file (and line) on any error.
  core::Result<ImportPlan> (*read)(const std::string& from, const MapOptions& options);
};

// freeradius-users, mikrotik-um, splynx (a static table: nothing is allocated).
struct FileSources {
  const FileSource* begin;
  const FileSource* end;
};
FileSources fileSources();
const FileSource* findFileSource(const std::string& name);

// A whole file, refused past maxOctets or when it is a folder; errors "PATH: reason".
core::Result<std::string> readSourceFile(const std::string& path, size_t maxOctets);

}  // namespace importer
