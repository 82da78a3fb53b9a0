// The support bundle (issue 22): what a technician hands to support when something is wrong, as one
// .tar.gz: the running config with its secrets redacted, the event log, status, stats, counters,
// versions. edged assembles it from its own commands' answers (edge/app/edged_support.cpp); this
// file has the pure parts: redaction and an in-memory tar.gz with a size limit.
//
// Contract
// - redactSecrets replaces the value of every key that names a secret (isSecretKey), at any depth,
//   by "(redacted)"; other values are kept. An empty value stays empty (so "not set" is still seen).
// - TarGz builds a POSIX ustar archive (IEEE Std 1003.1-2001 "pax" interchange format, ustar
//   header) of regular files, mode 0600, in memory, gzip-compressed at finish() (RFC 1952). add()
//   refuses (kResourceExhausted) once the archive would pass maxBytes before compression, and
//   names over 99 bytes or with ".." or a leading "/" (kInvalidArgument): the reader extracts it
//   anywhere safely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/status.h"

namespace edge {

// "secret", "password", "passphrase", "community", "token", "psk", "private", or a key that is or ends
// in "key" ("trusted-key", "api-key"): case-insensitive.
bool isSecretKey(const std::string& key);
core::Json redactSecrets(const core::Json& document);
constexpr const char* kRedacted = "(redacted)";

class TarGz {
 public:
  explicit TarGz(size_t maxBytes) : maxBytes_(maxBytes) {}
  core::Status add(const std::string& name, const std::string& content, int64_t mtime);
  // The .tar.gz bytes; the writer is empty afterwards.
  core::Result<std::string> finish();
  size_t size() const { return tar_.size(); }

 private:
  size_t maxBytes_;
  std::string tar_;
};

}  // namespace edge
