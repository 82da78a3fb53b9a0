// The appliance's installed license (data-dir/license.json), verified with the trusted license key
// of the management plane (config license.trusted-key; enrollment puts it there).
//
// Replacement rules: a document that does not verify (tampered, or signed by another key) is
// refused; so is one for another tenant than the installed license's, and one not newer (issued-at)
// than it. The file is written atomically (temporary file, fsync, rename), so a crash leaves the old
// or the new license, never half of one. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/license.h"
#include "core/status.h"

namespace edge {

class LicenseStore {
 public:
  // Loads the installed license, if any. A stored license that no longer verifies is an error
  // (the caller logs it and runs without a license).
  core::Status open(const std::string& dataDir, const std::string& trustedKeyPath);
  core::Result<core::License> install(const std::string& document);
  std::optional<core::License> current() const;
  const std::string& trustedKeyPath() const { return keyPath_; }

 private:
  core::Result<std::string> trustedKey() const;

  mutable std::mutex mu_;
  std::string path_;
  std::string keyPath_;
  std::optional<core::License> current_;
};

}  // namespace edge
