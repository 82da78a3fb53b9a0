#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace core {

Status writeFileAtomically(const std::string& path, const std::string& content, int mode) {
  // A name of its own in the same folder (rename stays within one file system): two writers of
  // the same path (two processes starting at once) each rename their own whole file, the last one
  // wins, and neither renames away the other's temporary file. mkostemp creates it 0600.
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return errnoStatus("writing " + path + ".tmp.*", errno);
  ::fchmod(fd, static_cast<mode_t>(mode));  // the umask may have narrowed open's mode
  size_t done = 0;
  bool ok = true;
  while (ok && done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return errnoStatus("writing " + path, err);
  }
  return Status::ok();
}

}  // namespace core
