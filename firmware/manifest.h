// The firmware manifest: what a bundle claims about its payload, signed by the firmware key
// (docs/decisions/0026-firmware-bundle-format.md).
//
// JSON keys (all required unless marked):
//   format          "edge-firmware-1"
//   version         dotted numbers, 1 to 4 parts ("1.4.2"); what the box runs after installing it
//   compatible      non-empty list of hardware names ("edge-x86_64"); the box installs only its own
//   min-version     the oldest running version this bundle may be installed over (its upgrade path)
//   security-floor  a version: once a box has run this bundle it refuses any bundle below it
//                   (a fixed hole cannot come back with an old, correctly signed bundle); <= version
//   payload         {"type": "rootfs", "size": bytes, "sha256": hex of the whole payload,
//                    "block-size": bytes, "blocks": [hex SHA-256 of each block, the last one short]}
//   description     (optional) free text for people, at most 1024 bytes
// The per-block digests let an installer check each block before it writes it, in one pass over a
// file or a download (firmware/bundle.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace firmware {

inline constexpr const char* kManifestFormat = "edge-firmware-1";
inline constexpr const char* kPayloadRootfs = "rootfs";
inline constexpr uint32_t kMinBlockSize = 64 * 1024;
inline constexpr uint32_t kMaxBlockSize = 64 * 1024 * 1024;
inline constexpr uint32_t kDefaultBlockSize = 1024 * 1024;
inline constexpr size_t kMaxBlocks = 65536;  // with 1 MiB blocks a 64 GiB image
inline constexpr size_t kMaxManifestBytes = 8 * 1024 * 1024;

// A version as dotted numbers; "1.4" and "1.4.0" are equal.
struct Version {
  std::vector<uint32_t> parts;
  std::string text() const;
};
core::Result<Version> parseVersion(const std::string& text, const std::string& what);
// <0, 0, >0 like strcmp; missing parts count as 0.
int compareVersions(const Version& a, const Version& b);

struct Payload {
  std::string type = kPayloadRootfs;
  uint64_t size = 0;
  std::string sha256;
  uint32_t blockSize = kDefaultBlockSize;
  std::vector<std::string> blocks;
};

struct Manifest {
  Version version;
  std::vector<std::string> compatible;
  Version minVersion;
  Version securityFloor;
  Payload payload;
  std::string description;
};

core::Json manifestToJson(const Manifest& manifest);
// Checks every field and that the block list matches size and block size. Errors name the field.
core::Result<Manifest> manifestFromJson(const core::Json& json);
// The manifest bytes as they are signed: through core::parseJsonWithComments with its depth limit
// and kMaxManifestBytes.
core::Result<Manifest> parseManifest(std::string_view bytes);

}  // namespace firmware
