#include "firmware/download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "core/files.h"
#include "firmware/https_source.h"

namespace firmware {

namespace {

uint32_t readU32(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

// The length recorded by the last checkpoint; 0 when there is none (or it cannot be read).
uint64_t recordedLength(const std::string& path) {
  int fd = ::open((path + ".length").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[32] = {};
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  return end != text ? v : 0;
}

core::Status checkpoint(int fd, const std::string& path, uint64_t length) {
  if (::fdatasync(fd) != 0) return core::errnoStatus("syncing " + path, errno);
  return core::writeFileAtomically(path + ".length", std::to_string(length) + "\n", 0600);
}

// The header's length once its first 16 bytes are known (0 = not yet, or not a bundle: the
// verification says why).
uint64_t headerLength(int fd, uint64_t have) {
  if (have < kBundleHeaderBytes) return 0;
  unsigned char fixed[kBundleHeaderBytes];
  if (::pread(fd, fixed, sizeof fixed, 0) != static_cast<ssize_t>(sizeof fixed)) return 0;
  uint32_t m = readU32(fixed + 8), s = readU32(fixed + 12);
  if (m == 0 || m > kMaxManifestBytes || s > kMaxSignatureBytes) return kBundleHeaderBytes;  // refused when checked
  return kBundleHeaderBytes + uint64_t{m} + s;
}

}  // namespace

core::Result<DownloadResult> download(const DownloadOptions& o, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::errnoStatus("cannot open " + path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return core::errnoStatus("cannot read " + path, errno);
  // Only what a checkpoint synced and recorded counts: a tail written after it may be torn.
  DownloadResult result;
  result.resumedAt = std::min<uint64_t>(recordedLength(path), static_cast<uint64_t>(st.st_size));
  if (::ftruncate(fd, static_cast<off_t>(result.resumedAt)) != 0) return core::errnoStatus("cannot cut " + path, errno);

  HttpsRangeSource source(o.https, o.urlPath, o.rangeBytes);
  uint64_t at = result.resumedAt;
  if (at > 0) EDGE_RETURN_IF_ERROR(source.skip(at));
  bool headerChecked = false;
  auto maybeCheckHeader = [&]() -> core::Status {
    if (headerChecked || !o.checkHeader) return core::Status::ok();
    uint64_t need = headerLength(fd, at);
    if (need == 0 || at < need) return core::Status::ok();
    headerChecked = true;
    return o.checkHeader(path);
  };
  EDGE_RETURN_IF_ERROR(maybeCheckHeader());
  std::vector<char> buffer(1 << 20);
  uint64_t sinceSync = 0;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(size_t n, source.read(buffer.data(), buffer.size()));
    if (n == 0) break;
    for (size_t done = 0; done < n;) {
      ssize_t w = ::pwrite(fd, buffer.data() + done, n - done, static_cast<off_t>(at + done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return core::errnoStatus("writing " + path, errno);
      done += static_cast<size_t>(w);
    }
    at += n;
    sinceSync += n;
    if (sinceSync >= o.syncBytes) {
      sinceSync = 0;
      EDGE_RETURN_IF_ERROR(checkpoint(fd, path, at));
    }
    if (o.progress) o.progress(at, std::max(at, source.total()));
    EDGE_RETURN_IF_ERROR(maybeCheckHeader());
  }
  if (at == 0) return core::corrupt("GET " + o.urlPath + ": the server sent no bytes");
  EDGE_RETURN_IF_ERROR(checkpoint(fd, path, at));
  result.size = at;
  return result;
}

}  // namespace firmware
