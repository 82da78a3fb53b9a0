#include "firmware/manifest.h"

#include <limits>

namespace firmware {

namespace {

bool isHexDigest(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

core::Result<std::string> text(const core::Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string())
    return core::invalidArgument(std::string("manifest: ") + key + " must be a string");
  return j[key].get<std::string>();
}

core::Result<Version> versionField(const core::Json& j, const char* key) {
  core::Result<std::string> t = text(j, key);
  if (!t.isOk()) return t.status();
  return parseVersion(*t, std::string("manifest: ") + key);
}

core::Result<uint64_t> unsignedField(const core::Json& j, const char* key) {
  // Parsed text gives unsigned numbers; a Json built in code may hold a signed one.
  if (!j.contains(key) || !j[key].is_number_integer() || (!j[key].is_number_unsigned() && j[key].get<int64_t>() < 0))
    return core::invalidArgument(std::string("manifest: payload ") + key + " must be a non-negative integer");
  return j[key].get<uint64_t>();
}

core::Result<Payload> payloadFromJson(const core::Json& j) {
  if (!j.is_object()) return core::invalidArgument("manifest: payload must be an object");
  Payload p;
  core::Result<std::string> type = text(j, "type");
  if (!type.isOk()) return core::invalidArgument("manifest: payload type must be a string");
  if (*type != kPayloadRootfs)
    return core::invalidArgument("manifest: payload type must be \"rootfs\" (a root filesystem image)");
  p.type = *type;
  core::Result<uint64_t> size = unsignedField(j, "size");
  if (!size.isOk()) return size.status();
  if (*size == 0) return core::invalidArgument("manifest: payload size must be above 0");
  p.size = *size;
  core::Result<std::string> digest = text(j, "sha256");
  if (!digest.isOk() || !isHexDigest(*digest))
    return core::invalidArgument("manifest: payload sha256 must be 64 lowercase hex digits");
  p.sha256 = *digest;
  core::Result<uint64_t> blockSize = unsignedField(j, "block-size");
  if (!blockSize.isOk()) return blockSize.status();
  if (*blockSize < kMinBlockSize || *blockSize > kMaxBlockSize || (*blockSize & (*blockSize - 1)) != 0)
    return core::invalidArgument("manifest: payload block-size must be a power of two from 64 KiB to 64 MiB");
  p.blockSize = static_cast<uint32_t>(*blockSize);
  if (!j.contains("blocks") || !j["blocks"].is_array())
    return core::invalidArgument("manifest: payload blocks must be a list of SHA-256 digests");
  uint64_t expected = (p.size + p.blockSize - 1) / p.blockSize;
  if (expected > kMaxBlocks)
    return core::invalidArgument("manifest: payload has more than " + std::to_string(kMaxBlocks) + " blocks");
  if (j["blocks"].size() != expected)
    return core::invalidArgument("manifest: payload blocks lists " + std::to_string(j["blocks"].size()) +
                                 " digests, size and block-size need " + std::to_string(expected));
  for (const core::Json& b : j["blocks"]) {
    if (!b.is_string() || !isHexDigest(b.get<std::string>()))
      return core::invalidArgument("manifest: payload blocks must be 64 lowercase hex digits each");
    p.blocks.push_back(b.get<std::string>());
  }
  return p;
}

}  // namespace

std::string Version::text() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(parts[i]);
  }
  return out;
}

core::Result<Version> parseVersion(const std::string& text, const std::string& what) {
  Version v;
  auto bad = [&] {
    return core::invalidArgument(what + " must be a version of 1 to 4 dot-separated numbers (like 1.4.2)");
  };
  if (text.empty() || text.size() > 64) return bad();
  uint64_t part = 0;
  size_t digits = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      if (digits == 0 || v.parts.size() == 4) return bad();
      v.parts.push_back(static_cast<uint32_t>(part));
      part = 0;
      digits = 0;
    } else if (text[i] >= '0' && text[i] <= '9') {
      part = part * 10 + static_cast<uint64_t>(text[i] - '0');
      if (++digits > 9) return bad();
    } else {
      return bad();
    }
  }
  if (v.parts.size() > 4) return bad();
  return v;
}

int compareVersions(const Version& a, const Version& b) {
  size_t n = std::max(a.parts.size(), b.parts.size());
  for (size_t i = 0; i < n; ++i) {
    uint32_t x = i < a.parts.size() ? a.parts[i] : 0;
    uint32_t y = i < b.parts.size() ? b.parts[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

core::Json manifestToJson(const Manifest& m) {
  core::Json j{{"format", kManifestFormat},
               {"version", m.version.text()},
               {"compatible", m.compatible},
               {"min-version", m.minVersion.text()},
               {"security-floor", m.securityFloor.text()},
               {"payload",
                {{"type", m.payload.type},
                 {"size", m.payload.size},
                 {"sha256", m.payload.sha256},
                 {"block-size", m.payload.blockSize},
                 {"blocks", m.payload.blocks}}}};
  if (!m.description.empty()) j["description"] = m.description;
  return j;
}

core::Result<Manifest> manifestFromJson(const core::Json& j) {
  if (!j.is_object()) return core::invalidArgument("manifest: expected an object");
  if (!j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kManifestFormat)
    return core::invalidArgument(std::string("manifest: format must be \"") + kManifestFormat + "\"");
  Manifest m;
  EDGE_ASSIGN_OR_RETURN(m.version, versionField(j, "version"));
  EDGE_ASSIGN_OR_RETURN(m.minVersion, versionField(j, "min-version"));
  EDGE_ASSIGN_OR_RETURN(m.securityFloor, versionField(j, "security-floor"));
  if (compareVersions(m.securityFloor, m.version) > 0)
    return core::invalidArgument("manifest: security-floor must not be above version");
  if (!j.contains("compatible") || !j["compatible"].is_array() || j["compatible"].empty() ||
      j["compatible"].size() > 64)
    return core::invalidArgument("manifest: compatible must be a list of 1 to 64 hardware names");
  for (const core::Json& h : j["compatible"]) {
    if (!h.is_string() || h.get<std::string>().empty() || h.get<std::string>().size() > 64)
      return core::invalidArgument("manifest: compatible must hold hardware names of 1 to 64 characters");
    m.compatible.push_back(h.get<std::string>());
  }
  if (!j.contains("payload")) return core::invalidArgument("manifest: payload is missing");
  EDGE_ASSIGN_OR_RETURN(m.payload, payloadFromJson(j["payload"]));
  if (j.contains("description")) {
    if (!j["description"].is_string() || j["description"].get<std::string>().size() > 1024)
      return core::invalidArgument("manifest: description must be a string of at most 1024 bytes");
    m.description = j["description"].get<std::string>();
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "format" && k != "version" && k != "compatible" && k != "min-version" && k != "security-floor" &&
        k != "payload" && k != "description")
      return core::invalidArgument("manifest: unknown key '" + k.substr(0, 64) + "'");
  }
  return m;
}

core::Result<Manifest> parseManifest(std::string_view bytes) {
  core::JsonLimits limits;
  limits.maxBytes = kMaxManifestBytes;
  limits.maxDepth = 4;
  core::Result<core::Json> j = core::parseJsonWithComments(bytes, "manifest", limits);
  if (!j.isOk()) return j.status();
  return manifestFromJson(*j);
}

}  // namespace firmware
