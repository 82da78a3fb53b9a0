#include "edge/license/license_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/config.h"

namespace edge {

namespace {

core::Status writeAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return core::internalError("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return core::internalError("cannot write " + path + ": " + std::strerror(errno));
  }
  return core::Status::ok();
}

}  // namespace

core::Status LicenseStore::open(const std::string& dataDir, const std::string& trustedKeyPath) {
  std::lock_guard<std::mutex> lock(mu_);
  path_ = dataDir + "/license.json";
  keyPath_ = trustedKeyPath.empty() ? dataDir + "/license-key.pem" : trustedKeyPath;
  current_.reset();
  clockPath_ = dataDir + "/clock-high";
  if (core::Result<std::string> high = core::readTextFile(clockPath_, "the clock guard"); high.isOk())
    clockHigh_ = clockSaved_ = std::strtoll(high->c_str(), nullptr, 10);
  if (::access(path_.c_str(), F_OK) != 0) return core::Status::ok();
  core::Result<std::string> doc = core::readTextFile(path_, "the installed license");
  if (!doc.isOk()) return doc.status();
  core::Result<std::string> key = trustedKey();
  if (!key.isOk()) return key.status();
  core::Result<core::License> license = core::verifySignedLicense(*doc, *key);
  if (!license.isOk()) return license.status().withContext(path_);
  current_ = *license;
  return core::Status::ok();
}

core::Result<std::string> LicenseStore::trustedKey() const {
  core::Result<std::string> key = core::readTextFile(keyPath_, "the trusted license key (license.trusted-key)");
  if (!key.isOk())
    return core::failedPrecondition(key.status().message() +
                                    " (enrollment installs it; or set license.trusted-key to the management plane's "
                                    "license public key)");
  return key;
}

core::Result<core::License> LicenseStore::install(const std::string& document) {
  std::lock_guard<std::mutex> lock(mu_);
  core::Result<std::string> key = trustedKey();
  if (!key.isOk()) return key.status();
  core::Result<core::License> license = core::verifySignedLicense(document, *key);
  if (!license.isOk()) return license.status();
  if (current_) {
    if (license->tenant != current_->tenant)
      return core::permissionDenied("this license is for tenant '" + license->tenant + "', the installed one for '" +
                                    current_->tenant + "'; the installed license stays");
    if (license->issuedAt <= current_->issuedAt)
      return core::failedPrecondition("this license (" + license->id + ") is not newer than the installed one (" +
                                      current_->id + "); the installed license stays");
  }
  EDGE_RETURN_IF_ERROR(writeAtomically(path_, document));
  current_ = *license;
  return license;
}

core::Result<core::License> LicenseStore::replaceTrust(const std::string& keyPem, const std::string& document) {
  std::lock_guard<std::mutex> lock(mu_);
  core::Result<core::License> license = core::verifySignedLicense(document, keyPem);
  if (!license.isOk()) return license.status();
  EDGE_RETURN_IF_ERROR(writeAtomically(keyPath_, keyPem));
  EDGE_RETURN_IF_ERROR(writeAtomically(path_, document));
  current_ = *license;
  return license;
}

int64_t LicenseStore::observeClock(int64_t now, int64_t slack) {
  int64_t monotonic =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return observeClockAt(now, monotonic, slack);
}

int64_t LicenseStore::observeClockAt(int64_t now, int64_t monotonic, int64_t slack) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t elapsed = observed_ ? std::max<int64_t>(0, monotonic - lastMonotonic_) : 0;
  const bool first = !observed_;
  observed_ = true;
  lastMonotonic_ = monotonic;
  if (now + slack < clockHigh_ + elapsed) {
    clockHigh_ += elapsed;  // time still passes while the clock is wrong
    const int64_t back = clockHigh_ - now;
    // Whole seconds of the wall and the monotonic clock tick at different moments: while behind, the
    // distance wavers by a second from one observation to the next. Only a new setback is a new one.
    if (!behind_ || back > rollback_ + slack) ++rollbacks_;
    behind_ = true;
    rollback_ = back;
    return clockHigh_;
  }
  behind_ = false;
  if (!first && now > clockHigh_ + elapsed + slack) {
    // Ahead of what the monotonic clock allows: judge at it, remember only what really passed.
    clockHigh_ += elapsed;
  } else if (now > clockHigh_) {
    clockHigh_ = now;
  }
  // Written at most once a minute: losing the last minute after a crash is within the slack.
  if (!clockPath_.empty() && clockHigh_ - clockSaved_ >= 60) {
    if (writeAtomically(clockPath_, std::to_string(clockHigh_) + "\n").isOk()) clockSaved_ = clockHigh_;
  }
  return std::max(now, clockHigh_ - slack);  // (now itself after a forward jump)
}

int64_t LicenseStore::rollbackSeconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rollback_;
}

uint64_t LicenseStore::rollbacks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rollbacks_;
}

std::optional<core::License> LicenseStore::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace edge
