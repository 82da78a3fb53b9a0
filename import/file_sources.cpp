#include "import/file_sources.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "import/freeradius_users.h"
#include "import/mikrotik_um.h"
#include "import/routeros_script.h"
#include "import/splynx.h"

namespace importer {
namespace {

core::Status withPath(const std::string& path, const core::Status& s) {
  return core::invalidArgument(path + ": " + s.message());
}

core::Result<ImportPlan> readFreeradiusUsers(const std::string& from, const MapOptions& options) {
  EDGE_ASSIGN_OR_RETURN(std::string text, readSourceFile(from, kMaxUsersFileOctets));
  core::Result<std::vector<UsersEntry>> entries = parseFreeradiusUsers(text);
  if (!entries.isOk()) return withPath(from, entries.status());
  return mapFreeradiusUsers(*entries, options);
}

core::Result<ImportPlan> readMikrotikUserManager(const std::string& from, const MapOptions& options) {
  EDGE_ASSIGN_OR_RETURN(std::string text, readSourceFile(from, kMaxRouterOsScriptOctets));
  core::Result<std::vector<RouterOsCommand>> commands = parseRouterOsScript(text);
  if (!commands.isOk()) return withPath(from, commands.status());
  return mapMikrotikUserManager(*commands, options);
}

core::Result<ImportPlan> readSplynx(const std::string& from, const MapOptions& options) {
  struct stat st{};
  if (::stat(from.c_str(), &st) != 0) return core::invalidArgument(from + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return core::invalidArgument(from + ": not a folder (give the folder holding customers.csv and internet_services.csv)");
  SplynxExport data;
  struct Table {
    const char* file;
    CsvTable* into;
    bool optional;
  };
  for (const Table& t : {Table{"customers.csv", &data.customers, false}, Table{"internet_services.csv", &data.services, false},
                         Table{"tariffs.csv", &data.tariffs, true}}) {
    std::string path = from + "/" + t.file;
    if (t.optional && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) continue;
    EDGE_ASSIGN_OR_RETURN(std::string text, readSourceFile(path, kMaxCsvOctets));
    core::Result<CsvTable> table = parseCsv(text);
    if (!table.isOk()) return withPath(path, table.status());
    *t.into = std::move(*table);
    if (t.optional) data.haveTariffs = true;
  }
  return mapSplynx(data, options);
}

constexpr FileSource kSources[] = {
    {"freeradius-users", "a users file (mods-config/files/authorize)", readFreeradiusUsers},
    {"mikrotik-um", "a RouterOS /user-manager export (.rsc)", readMikrotikUserManager},
    {"splynx", "a folder with customers.csv, internet_services.csv [and tariffs.csv]", readSplynx},
};

}  // namespace

FileSources fileSources() { return {std::begin(kSources), std::end(kSources)}; }

const FileSource* findFileSource(const std::string& name) {
  for (const FileSource* s = std::begin(kSources); s != std::end(kSources); ++s)
    if (name == s->name) return s;
  return nullptr;
}

core::Result<std::string> readSourceFile(const std::string& path, size_t maxOctets) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return core::invalidArgument(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return core::invalidArgument(path + ": is a folder");
  if (static_cast<uint64_t>(st.st_size) > maxOctets)
    return core::invalidArgument(path + ": larger than " + std::to_string(maxOctets >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::invalidArgument(path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace importer
