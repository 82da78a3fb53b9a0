// The firmware bundle: one file holding a signed manifest and the payload it describes
// (docs/decisions/0026-firmware-bundle-format.md).
//
// Layout (integers big-endian):
//   0   8 bytes  magic "EDGEFW\0\1"
//   8   4 bytes  manifest length M (1 .. kMaxManifestBytes)
//   12  4 bytes  signature length S (0 = not signed yet; at most kMaxSignatureBytes)
//   16  M bytes  the manifest (JSON, firmware/manifest.h)
//   ..  S bytes  DER ECDSA P-256 signature over SHA-256 of exactly those M bytes, by the firmware key
//   ..  the payload: payload.size bytes, nothing after it
//
// Contract:
//  - Nothing from a bundle is trusted before openBundle() has checked the signature with the
//    firmware public key (never the license key: a separate key, a separate file) and the install
//    policy (hardware, upgrade path, security floor).
//  - streamPayload() hands the sink a block only after that block's SHA-256 matched the signed
//    manifest, then checks the whole-payload digest and that the file ends where the payload does.
//    A tampered block stops the stream before the sink sees it; a bundle cut short stops with
//    kCorrupt. An installer that writes what the sink gets writes only verified bytes, and marks the
//    slot usable only when streamPayload() returned ok (the last check is the file's end).
//  - The library reads through ByteSource, so a file and a download are read the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "firmware/manifest.h"

namespace firmware {

inline constexpr char kBundleMagic[8] = {'E', 'D', 'G', 'E', 'F', 'W', '\0', '\1'};
inline constexpr size_t kBundleHeaderBytes = 16;
inline constexpr size_t kMaxSignatureBytes = 256;

// Where bundle bytes come from. read() fills up to `size` bytes and returns how many; 0 = the end.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual core::Result<size_t> read(char* buffer, size_t size) = 0;
  // Passes over `bytes` bytes (resuming an install); kCorrupt when the source ends first. The
  // default reads and drops them; a file seeks, a download asks for a range.
  virtual core::Status skip(uint64_t bytes);
};

// A file opened for reading (O_CLOEXEC); errors name the path.
class FileSource : public ByteSource {
 public:
  static core::Result<FileSource> open(const std::string& path);
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  ~FileSource() override;
  core::Result<size_t> read(char* buffer, size_t size) override;
  core::Status skip(uint64_t bytes) override;

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Bytes in memory (tests, the fuzz harness).
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string bytes) : bytes_(std::move(bytes)) {}
  core::Result<size_t> read(char* buffer, size_t size) override;

 private:
  std::string bytes_;
  size_t offset_ = 0;
};

// The header as read: the manifest's exact bytes, its parsed form and the signature (may be empty).
struct BundleHeader {
  std::string manifestBytes;
  std::string signature;
  Manifest manifest;
};

// Reads and parses the header, leaving `source` at the first payload byte. Checks the layout and
// the manifest's fields, not the signature: for inspecting and signing. kCorrupt for a bundle cut
// short or not a bundle, kInvalidArgument for a manifest that fails its checks.
core::Result<BundleHeader> readHeader(ByteSource& source);

// What the box knows when it decides whether a bundle may go in.
struct InstallPolicy {
  std::string hardware;   // this box's hardware name; empty = not checked (fwtool without --hardware)
  Version running;        // the version it runs; empty parts = not checked
  Version securityFloor;  // the highest security floor of what it has run; empty = none
};
// kFailedPrecondition naming the rule: another hardware, an upgrade path that does not start at
// the running version (below min-version), or a version below the security floor (a downgrade).
core::Status checkPolicy(const Manifest& manifest, const InstallPolicy& policy);

// readHeader(), then the signature with the firmware public key (kPermissionDenied: not signed, or
// not by this key), then checkPolicy(). On success `source` is at the first payload byte.
core::Result<BundleHeader> openBundle(ByteSource& source, const std::string& firmwarePublicKeyPem,
                                      const InstallPolicy& policy);

// Verified bytes go to the sink in order, block by block (see the contract above). `progress`, if
// given, is called after each block with the bytes done and the total.
//
// Resuming (firstBlock > 0): `source` stands at block firstBlock's first byte and the stream starts
// there. The whole-payload digest cannot be checked without the earlier bytes, so the caller must
// have checked blocks 0..firstBlock-1 against the manifest's block digests itself (the installer
// reads them back from the slot: firmware/installer.h); with every block matching its signed digest
// the payload is the signed one.
using PayloadSink = std::function<core::Status(const char* data, size_t size)>;
using Progress = std::function<void(uint64_t done, uint64_t total)>;
core::Status streamPayload(ByteSource& source, const Manifest& manifest, const PayloadSink& sink,
                           const Progress& progress = nullptr, size_t firstBlock = 0);
// The size of block i of the manifest's payload (the last one may be short).
size_t payloadBlockSize(const Manifest& manifest, size_t block);

// A whole bundle file, read once: openBundle(), then every payload block, the payload's digest and
// the file's end (streamPayload() into nothing). What fwtool verify, the catalog (firmware-add) and
// an install from a file (before its first write, firmware/installer.h installFile) check.
core::Result<BundleHeader> verifyBundleFile(const std::string& path, const std::string& firmwarePublicKeyPem,
                                            const InstallPolicy& policy);

// Building. describePayload() reads a payload to its end and fills manifest.payload (size, digest,
// block digests for `blockSize`).
core::Status describePayload(ByteSource& payload, uint32_t blockSize, Manifest& manifest);
// The header bytes for a manifest (exact bytes) and a signature (empty = unsigned).
core::Result<std::string> headerBytes(const std::string& manifestBytes, const std::string& signature);
// The signature of manifest bytes with the firmware private key (core/pki.h's signBytes).
core::Result<std::string> signManifest(const std::string& manifestBytes, const std::string& firmwareKeyPem);

}  // namespace firmware
