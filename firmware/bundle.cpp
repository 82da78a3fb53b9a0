#include "firmware/bundle.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/pki.h"

namespace firmware {

namespace {

constexpr const char* kKeyName = "the firmware key";

uint32_t readU32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

void appendU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// Fills exactly `size` bytes; kCorrupt naming `what` when the source ends first.
core::Status readExactly(ByteSource& source, char* buffer, size_t size, const std::string& what) {
  size_t done = 0;
  while (done < size) {
    core::Result<size_t> n = source.read(buffer + done, size - done);
    if (!n.isOk()) return n.status();
    if (*n == 0) return core::corrupt("the bundle is cut short (in " + what + ")");
    done += *n;
  }
  return core::Status::ok();
}

}  // namespace

core::Status ByteSource::skip(uint64_t bytes) {
  std::vector<char> buffer(static_cast<size_t>(std::min<uint64_t>(bytes, 1 << 20)));
  while (bytes > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(bytes, buffer.size()));
    core::Result<size_t> n = read(buffer.data(), want);
    if (!n.isOk()) return n.status();
    if (*n == 0) return core::corrupt("the bundle is cut short (before the resumed block)");
    bytes -= *n;
  }
  return core::Status::ok();
}

core::Status FileSource::skip(uint64_t bytes) {
  off_t at = ::lseek(fd_, 0, SEEK_CUR);
  off_t end = ::lseek(fd_, 0, SEEK_END);
  if (at < 0 || end < 0) return core::errnoStatus("cannot seek in " + path_, errno);
  if (static_cast<uint64_t>(end - at) < bytes) return core::corrupt("the bundle is cut short (before the resumed block)");
  if (::lseek(fd_, at + static_cast<off_t>(bytes), SEEK_SET) < 0) return core::errnoStatus("cannot seek in " + path_, errno);
  return core::Status::ok();
}

core::Result<FileSource> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::errnoStatus("cannot open " + path, errno);
  return FileSource(fd, path);
}

FileSource::FileSource(FileSource&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

core::Result<size_t> FileSource::read(char* buffer, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return core::errnoStatus("cannot read " + path_, errno);
  }
}

core::Result<size_t> StringSource::read(char* buffer, size_t size) {
  size_t n = std::min(size, bytes_.size() - offset_);
  std::memcpy(buffer, bytes_.data() + offset_, n);
  offset_ += n;
  return n;
}

core::Result<BundleHeader> readHeader(ByteSource& source) {
  char fixed[kBundleHeaderBytes];
  EDGE_RETURN_IF_ERROR(readExactly(source, fixed, sizeof fixed, "the header"));
  if (std::memcmp(fixed, kBundleMagic, sizeof kBundleMagic) != 0)
    return core::corrupt("not a firmware bundle (the file does not start with EDGEFW, format 1)");
  uint32_t manifestLength = readU32(fixed + 8);
  uint32_t signatureLength = readU32(fixed + 12);
  if (manifestLength == 0 || manifestLength > kMaxManifestBytes)
    return core::corrupt("the bundle's manifest length is " + std::to_string(manifestLength) + " (1 to " +
                         std::to_string(kMaxManifestBytes) + " bytes)");
  if (signatureLength > kMaxSignatureBytes)
    return core::corrupt("the bundle's signature length is " + std::to_string(signatureLength) + " (at most " +
                         std::to_string(kMaxSignatureBytes) + " bytes)");
  BundleHeader h;
  h.manifestBytes.resize(manifestLength);
  EDGE_RETURN_IF_ERROR(readExactly(source, h.manifestBytes.data(), manifestLength, "the manifest"));
  h.signature.resize(signatureLength);
  EDGE_RETURN_IF_ERROR(readExactly(source, h.signature.data(), signatureLength, "the signature"));
  EDGE_ASSIGN_OR_RETURN(h.manifest, parseManifest(h.manifestBytes));
  return h;
}

core::Status checkPolicy(const Manifest& m, const InstallPolicy& policy) {
  if (!policy.hardware.empty()) {
    bool fits = false;
    for (const std::string& h : m.compatible) fits = fits || h == policy.hardware;
    if (!fits) {
      std::string list;
      for (const std::string& h : m.compatible) list += (list.empty() ? "" : ", ") + h;
      return core::failedPrecondition("the bundle is for " + list + ", not for this hardware (" + policy.hardware + ")");
    }
  }
  if (!policy.running.parts.empty() && compareVersions(policy.running, m.minVersion) < 0)
    return core::failedPrecondition("version " + m.version.text() + " installs only over " + m.minVersion.text() +
                                    " or later; this box runs " + policy.running.text() +
                                    " (install an intermediate version first)");
  if (!policy.securityFloor.parts.empty() && compareVersions(m.version, policy.securityFloor) < 0)
    return core::failedPrecondition("refusing a downgrade to " + m.version.text() + ": below the security floor " +
                                    policy.securityFloor.text() + " this box has reached");
  return core::Status::ok();
}

core::Result<BundleHeader> openBundle(ByteSource& source, const std::string& publicKeyPem, const InstallPolicy& policy) {
  core::Result<BundleHeader> h = readHeader(source);
  if (!h.isOk()) return h.status();
  if (h->signature.empty()) return core::permissionDenied("the bundle is not signed (fwtool sign)");
  core::Status verified = core::pki::verifyBytes(h->manifestBytes, h->signature, publicKeyPem, kKeyName);
  if (verified.code() == core::Code::kPermissionDenied)
    return core::permissionDenied("the bundle's signature does not verify with the firmware key "
                                  "(tampered, or signed by another key)");
  EDGE_RETURN_IF_ERROR(verified);
  EDGE_RETURN_IF_ERROR(checkPolicy(h->manifest, policy));
  return h;
}

size_t payloadBlockSize(const Manifest& m, size_t block) {
  uint64_t start = uint64_t{m.payload.blockSize} * block;
  if (start >= m.payload.size) return 0;
  return static_cast<size_t>(std::min<uint64_t>(m.payload.blockSize, m.payload.size - start));
}

core::Status streamPayload(ByteSource& source, const Manifest& m, const PayloadSink& sink, const Progress& progress,
                           size_t firstBlock) {
  if (firstBlock > m.payload.blocks.size())
    return core::invalidArgument("resuming at block " + std::to_string(firstBlock) + " of " +
                                 std::to_string(m.payload.blocks.size()));
  std::vector<char> block(m.payload.blockSize);
  core::pki::Sha256Stream whole;
  core::pki::Sha256Stream one;
  uint64_t done = uint64_t{m.payload.blockSize} * firstBlock;
  if (done > m.payload.size) done = m.payload.size;
  for (size_t i = firstBlock; i < m.payload.blocks.size(); ++i) {
    size_t size = static_cast<size_t>(std::min<uint64_t>(m.payload.blockSize, m.payload.size - done));
    EDGE_RETURN_IF_ERROR(readExactly(source, block.data(), size, "payload block " + std::to_string(i)));
    one.update(block.data(), size);
    if (one.finishHex() != m.payload.blocks[i])
      return core::corrupt("payload block " + std::to_string(i) + " (bytes " + std::to_string(done) + "..) does not "
                           "match the signed manifest (the payload was altered); the stream stopped before it");
    whole.update(block.data(), size);
    EDGE_RETURN_IF_ERROR(sink(block.data(), size));
    done += size;
    if (progress) progress(done, m.payload.size);
  }
  // Resumed: the earlier blocks were checked by the caller against their digests (see bundle.h).
  if (firstBlock == 0 && whole.finishHex() != m.payload.sha256)
    return core::corrupt("the payload's SHA-256 does not match the signed manifest");
  char extra;
  core::Result<size_t> more = source.read(&extra, 1);
  if (!more.isOk()) return more.status();
  if (*more != 0) return core::corrupt("the bundle has bytes after its payload");
  return core::Status::ok();
}

core::Result<BundleHeader> verifyBundleFile(const std::string& path, const std::string& publicKeyPem,
                                            const InstallPolicy& policy) {
  EDGE_ASSIGN_OR_RETURN(FileSource source, FileSource::open(path));
  EDGE_ASSIGN_OR_RETURN(BundleHeader header, openBundle(source, publicKeyPem, policy));
  EDGE_RETURN_IF_ERROR(streamPayload(source, header.manifest, [](const char*, size_t) { return core::Status::ok(); }));
  return header;
}

core::Status describePayload(ByteSource& payload, uint32_t blockSize, Manifest& m) {
  if (blockSize < kMinBlockSize || blockSize > kMaxBlockSize || (blockSize & (blockSize - 1)) != 0)
    return core::invalidArgument("the block size must be a power of two from 64 KiB to 64 MiB");
  std::vector<char> block(blockSize);
  core::pki::Sha256Stream whole;
  core::pki::Sha256Stream one;
  m.payload.blockSize = blockSize;
  m.payload.blocks.clear();
  m.payload.size = 0;
  for (;;) {
    size_t filled = 0;
    while (filled < blockSize) {
      core::Result<size_t> n = payload.read(block.data() + filled, blockSize - filled);
      if (!n.isOk()) return n.status();
      if (*n == 0) break;
      filled += *n;
    }
    if (filled == 0) break;
    one.update(block.data(), filled);
    whole.update(block.data(), filled);
    m.payload.blocks.push_back(one.finishHex());
    m.payload.size += filled;
    if (m.payload.blocks.size() > kMaxBlocks)
      return core::invalidArgument("the payload needs more than " + std::to_string(kMaxBlocks) +
                                   " blocks: use a larger block size");
    if (filled < blockSize) break;
  }
  if (m.payload.size == 0) return core::invalidArgument("the payload is empty");
  m.payload.sha256 = whole.finishHex();
  return core::Status::ok();
}

core::Result<std::string> headerBytes(const std::string& manifestBytes, const std::string& signature) {
  if (manifestBytes.empty() || manifestBytes.size() > kMaxManifestBytes)
    return core::invalidArgument("the manifest must be 1 to " + std::to_string(kMaxManifestBytes) + " bytes");
  if (signature.size() > kMaxSignatureBytes) return core::invalidArgument("the signature is too long");
  std::string out(kBundleMagic, sizeof kBundleMagic);
  appendU32(out, static_cast<uint32_t>(manifestBytes.size()));
  appendU32(out, static_cast<uint32_t>(signature.size()));
  out += manifestBytes;
  out += signature;
  return out;
}

core::Result<std::string> signManifest(const std::string& manifestBytes, const std::string& firmwareKeyPem) {
  return core::pki::signBytes(manifestBytes, firmwareKeyPem, kKeyName);
}

}  // namespace firmware
