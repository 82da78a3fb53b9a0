// A tenant's uploaded logo (tenant_logos, issue 23, ADR 0030), or a white-label reseller's
// (partner_logos, issue 25, ADR 0064): a PNG or JPEG, sniffed from its bytes, at most 256 KiB and
// 1024x1024, kept in the database and served by mgmtd at a stable URL per owner (its ETag the sha256
// of the bytes). SQL for both tables lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::mail {

constexpr size_t kLogoMaxBytes = 256 * 1024;
constexpr uint32_t kLogoMaxPixels = 1024;

struct Logo {
  std::string contentType;  // image/png or image/jpeg
  int64_t width = 0, height = 0;
  std::string sha256;       // hex of the bytes: the ETag
  std::string bytes;
  int64_t updatedAt = 0;
};

// The bytes as a logo, or kInvalidArgument naming the field "logo" in the words the admin reads
// next to it: "logo: not a PNG or JPEG", "logo: larger than 256 KiB", "logo: wider than 1024 px",
// "logo: taller than 1024 px", "logo: empty".
core::Result<Logo> checkLogo(const std::string& bytes);

class LogoStore {
 public:
  enum class Owner { kTenant, kPartner };
  explicit LogoStore(store::Transaction& tx, Owner owner = Owner::kTenant) : tx_(tx), owner_(owner) {}

  core::Result<std::optional<Logo>> get(const std::string& ownerId);
  // The logo's sha256 without its bytes (pages that only link to it), or nullopt.
  core::Result<std::optional<std::string>> etag(const std::string& ownerId);
  core::Status put(const std::string& ownerId, const Logo& logo, int64_t now);
  // True when there was one.
  core::Result<bool> clear(const std::string& ownerId);

 private:
  std::string table() const;
  std::string key() const;
  store::Transaction& tx_;
  Owner owner_;
};

}  // namespace mgmt::mail
