// SQLite result codes as a Status an operator can act on (core/store.h, "Errors").
#include "core/store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace core {

namespace {

std::string parentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// SQLITE_CANTOPEN says nothing about why; look at the filesystem to tell the operator what to fix.
Status cantOpen(const std::string& path, bool readOnly, int sysErrno, const std::string& detail) {
  const std::string dir = parentDir(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) return notFound("cannot open database " + path + ": directory " + dir + " does not exist");
    return errnoStatus("cannot open database " + path + ": directory " + dir, err);
  }
  if (!S_ISDIR(st.st_mode)) {
    return notFound("cannot open database " + path + ": " + dir + " is not a directory");
  }
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    return invalidArgument("cannot open database " + path + ": it is a directory");
  }
  if (!exists && readOnly) return notFound("database " + path + " does not exist");
  if (!readOnly && ::access(dir.c_str(), W_OK | X_OK) != 0) {
    int err = errno;
    // Even an existing file needs a writable directory: WAL creates <db>-wal and <db>-shm beside it.
    return permissionDenied("cannot open database " + path + " for writing: directory " + dir +
                            " is not writable (" + std::strerror(err) +
                            "; the database and its -wal and -shm files live there)");
  }
  if (sysErrno != 0) return errnoStatus("cannot open database " + path, sysErrno);
  return ioError("cannot open database " + path + ": " + detail);
}

}  // namespace

Status Database::error(int rc) const { return errorWith(rc, sqlite3_errmsg(db_)); }

// One place turns SQLite's codes into a Status an operator can act on. The message starts with what
// is wrong in plain words and ends with SQLite's own text.
Status Database::errorWith(int rc, const std::string& sqliteMessage) const {
  const std::string detail = sqliteMessage.empty() ? std::string(sqlite3_errstr(rc)) : sqliteMessage;
  const int sysErrno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return resourceExhausted("disk full while writing " + path_ + ": " + detail);
    case SQLITE_READONLY:
      if (readOnly_) return permissionDenied("database " + path_ + " was opened read-only: " + detail);
      if (rc == SQLITE_READONLY_DIRECTORY) {
        return permissionDenied("database " + path_ + " is read-only: its directory " + parentDir(path_) +
                                " is not writable: " + detail);
      }
      return permissionDenied("database " + path_ + " is read-only (file permissions or read-only filesystem): " +
                              detail);
    case SQLITE_CORRUPT:
      return corrupt("database " + path_ + " is corrupt: " + detail);
    case SQLITE_NOTADB:
      return corrupt(path_ + " is not a SQLite database (or its header is damaged): " + detail);
    case SQLITE_CANTOPEN:
      return cantOpen(path_, readOnly_, sysErrno, detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return unavailable("database " + path_ + " is locked by another connection (gave up after " +
                         std::to_string(busyTimeoutMs_) + " ms): " + detail);
    case SQLITE_PERM:
      return permissionDenied("access to database " + path_ + " denied: " + detail);
    case SQLITE_AUTH:
      if (transactionDenied_) {
        return failedPrecondition("BEGIN/COMMIT/ROLLBACK refused on " + path_ +
                                  ": this code runs inside a transaction owned by the store (migration or "
                                  "writer job)");
      }
      return permissionDenied("access to database " + path_ + " denied: " + detail);
    case SQLITE_IOERR:
      if (sysErrno == ENOSPC || sysErrno == EDQUOT) {
        return resourceExhausted("disk full while writing " + path_ + ": " + detail);
      }
      if (sysErrno == EROFS || sysErrno == EACCES || sysErrno == EPERM) {
        return permissionDenied("database " + path_ + " is read-only (file permissions or read-only filesystem): " +
                                detail + ": " + std::strerror(sysErrno));
      }
      return ioError("I/O error on database " + path_ + ": " + detail +
                     (sysErrno != 0 ? std::string(": ") + std::strerror(sysErrno) : std::string()));
    case SQLITE_NOMEM:
      return resourceExhausted("out of memory using database " + path_ + ": " + detail);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return alreadyExists("duplicate key in database " + path_ + ": " + detail);
      }
      return invalidArgument("constraint failed in database " + path_ + ": " + detail);
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return invalidArgument("database " + path_ + ": " + detail);
    case SQLITE_INTERRUPT:
    case SQLITE_PROTOCOL:
      return unavailable("database " + path_ + ": " + detail);
    default:
      // SQLITE_ERROR (bad SQL, missing table), MISUSE, SCHEMA...: our code is wrong, not the disk.
      return internalError("SQL error in database " + path_ + ": " + detail);
  }
}

}  // namespace core
