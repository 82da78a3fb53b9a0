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
  // Enrollment: a new management plane's license key becomes the trusted key (written to
  // trustedKeyPath()) together with its license, which must verify with it. The enrollment's pinned
  // TLS channel is what makes the new key trustworthy.
  core::Result<core::License> replaceTrust(const std::string& keyPem, const std::string& document);

  // The clock guard: the highest wall time the box has seen is kept in data-dir/clock-high. A clock
  // set back more than `slack` seconds behind it is a rollback: the license is then judged at that
  // highest time (a set-back clock cannot extend a license). Returns the time to judge at.
  //
  // While the box runs, the highest time only advances as fast as the monotonic clock: a wall clock
  // that jumps ahead (a bad NTP answer, a typo in `date`) is used as it is, but not remembered, so
  // setting it right again is not taken for a rollback that would freeze management until then.
  int64_t observeClock(int64_t now, int64_t slack = 300);
  // The same with the monotonic clock given (seconds since any fixed point; tests).
  int64_t observeClockAt(int64_t now, int64_t monotonic, int64_t slack = 300);
  // Seconds the clock was behind the highest seen time at the last rollback (0 = none seen).
  int64_t rollbackSeconds() const;
  // Rollbacks seen since open(): one per episode. An episode starts when an observation falls behind
  // (after one that was not), or when the clock is set back further by more than the slack; the
  // second-to-second jitter between the wall and the monotonic clock while behind is not a new one.
  uint64_t rollbacks() const;
  const std::string& trustedKeyPath() const { return keyPath_; }

 private:
  core::Result<std::string> trustedKey() const;

  mutable std::mutex mu_;
  std::string path_;
  std::string keyPath_;
  std::optional<core::License> current_;
  std::string clockPath_;
  int64_t clockHigh_ = 0;
  int64_t clockSaved_ = 0;
  bool observed_ = false;   // since start: a first observation may be far ahead (the box was off)
  int64_t lastMonotonic_ = 0;
  int64_t rollback_ = 0;
  bool behind_ = false;  // the last observation was a rollback
  uint64_t rollbacks_ = 0;
};

}  // namespace edge
