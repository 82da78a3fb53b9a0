#include "mgmt/mail/logo_store.h"

#include "core/pki.h"
#include "core/web/image.h"

namespace mgmt::mail {

core::Result<Logo> checkLogo(const std::string& bytes) {
  if (bytes.empty()) return core::invalidArgument("logo: empty");
  if (bytes.size() > kLogoMaxBytes) return core::invalidArgument("logo: larger than 256 KiB");
  core::Result<core::web::ImageInfo> image = core::web::sniffImage(bytes);
  if (!image.isOk()) return core::invalidArgument("logo: " + image.status().message());
  if (image->width > kLogoMaxPixels) return core::invalidArgument("logo: wider than 1024 px");
  if (image->height > kLogoMaxPixels) return core::invalidArgument("logo: taller than 1024 px");
  Logo logo;
  logo.contentType = image->contentType;
  logo.width = image->width;
  logo.height = image->height;
  logo.sha256 = core::pki::sha256Hex(bytes);
  logo.bytes = bytes;
  return logo;
}

// The table and key column of an owner's logos (constants: never from a request).
std::string LogoStore::table() const { return owner_ == Owner::kTenant ? "tenant_logos" : "partner_logos"; }
std::string LogoStore::key() const { return owner_ == Owner::kTenant ? "tenant_id" : "partner_id"; }

core::Result<std::optional<Logo>> LogoStore::get(const std::string& ownerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT content_type, width, height, sha256, bytes, updated_at "
                                     "FROM " + table() + " WHERE " + key() + " = $1",
                                     {ownerId}));
  if (!row) return std::optional<Logo>{};
  return std::optional<Logo>{
      Logo{row->text(0), row->int64(1), row->int64(2), row->text(3), row->bytes(4), row->int64(5)}};
}

core::Result<std::optional<std::string>> LogoStore::etag(const std::string& ownerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT sha256 FROM " + table() + " WHERE " + key() + " = $1", {ownerId}));
  if (!row) return std::optional<std::string>{};
  return std::optional<std::string>{row->text(0)};
}

core::Status LogoStore::put(const std::string& ownerId, const Logo& logo, int64_t now) {
  return tx_
      .exec("INSERT INTO " + table() + " (" + key() + ", content_type, width, height, sha256, bytes, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (" + key() + ") DO UPDATE SET "
            "content_type = excluded.content_type, width = excluded.width, height = excluded.height, "
            "sha256 = excluded.sha256, bytes = excluded.bytes, updated_at = excluded.updated_at",
            {ownerId, logo.contentType, logo.width, logo.height, logo.sha256, store::Value::Bytes{logo.bytes}, now})
      .status();
}

core::Result<bool> LogoStore::clear(const std::string& ownerId) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("DELETE FROM " + table() + " WHERE " + key() + " = $1", {ownerId}));
  return n > 0;
}

}  // namespace mgmt::mail
