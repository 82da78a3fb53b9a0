// VACUUM INTO rather than the online backup API: it runs as one read transaction on a connection of
// its own, so the copy is one point in time even while mgmtd commits (the backup API restarts, or
// copies in one step holding the same read transaction anyway), and it writes a compact file without
// the free pages. SQLite does not sync the file it writes (VACUUM INTO's documentation): we do.
#include "mgmt/store/sqlite/sqlite_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/store.h"

namespace mgmt::store::sqlite {

namespace {

core::Status syncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return core::ioError("opening " + path + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return core::ioError("syncing " + path + ": " + std::strerror(saved));
  return core::Status::ok();
}

std::string folderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

int64_t fileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

core::Result<int64_t> snapshotSqlite(const std::string& source, const std::string& destination,
                                     const std::vector<Migration>& migrations) {
  if (destination.empty()) return core::invalidArgument("snapshot: no destination file");
  if (::access(destination.c_str(), F_OK) == 0) {
    return core::alreadyExists(destination + " exists: choose a new file name (a backup is never overwritten)");
  }
  if (::access(source.c_str(), F_OK) != 0) return core::notFound("no database at " + source);
  core::StoreOptions options;
  options.path = source;
  options.readOnly = true;
  for (const Migration& m : migrations) options.migrations.push_back(core::Migration{m.version, m.name, m.sqlite});
  core::Result<std::unique_ptr<core::Database>> db = core::Database::open(options);
  if (!db.isOk()) return db.status().withContext("opening " + source + " to copy it");

  const std::string tmp = destination + ".tmp";
  ::unlink(tmp.c_str());  // a leftover of an interrupted run; VACUUM INTO refuses a non-empty file
  // Made empty and private first (VACUUM INTO fills an empty file and keeps its mode): the copy holds
  // what mgmt.db holds (secret hashes, licenses), readable by its owner only from the first byte.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return core::errnoStatus("creating " + tmp, errno);
  ::close(fd);
  {
    core::Result<core::Statement> st = (*db)->prepare("VACUUM INTO ?1");
    if (!st.isOk()) return st.status();
    st->bindText(1, tmp);
    core::Status s = st->run();
    if (!s.isOk()) {
      ::unlink(tmp.c_str());
      return s.withContext("copying " + source + " to " + tmp);
    }
  }
  db->reset();

  // The copy must open and be whole before it takes its name.
  core::StoreOptions check;
  check.path = tmp;
  check.readOnly = true;
  check.migrations = options.migrations;
  core::Status verified = [&]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::unique_ptr<core::Database> copy, core::Database::open(check));
    return copy->integrityCheck();
  }();
  if (!verified.isOk()) {
    ::unlink(tmp.c_str());
    return verified.withContext("checking the copy " + tmp);
  }
  core::Status s = syncPath(tmp, O_RDONLY);
  if (s.isOk() && ::rename(tmp.c_str(), destination.c_str()) != 0) {
    s = core::ioError("renaming " + tmp + " to " + destination + ": " + std::strerror(errno));
  }
  if (!s.isOk()) {
    ::unlink(tmp.c_str());
    return s;
  }
  EDGE_RETURN_IF_ERROR(syncPath(folderOf(destination), O_RDONLY | O_DIRECTORY));
  return fileSize(destination);
}

}  // namespace mgmt::store::sqlite
