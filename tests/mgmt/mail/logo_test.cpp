// A tenant's uploaded logo through the command layer (branding-logo-set/clear, issue 23): checked by
// its bytes (PNG or JPEG only, at most 256 KiB and 1024x1024), stored per tenant, another tenant can
// neither set nor clear it, a purge removes it.
#include "core/pki.h"
#include "mgmt/mail/logo_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

std::string png(uint32_t w, uint32_t h, size_t padTo = 0) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += std::string("\0\0\0\x0d", 4) + "IHDR";
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((v >> s) & 0xff);
  b += std::string("\x08\x06\0\0\0\0\0\0\0", 9);
  if (b.size() < padTo) b += std::string(padTo - b.size(), '\0');
  return b;
}

std::optional<mgmt::mail::Logo> stored(Fixture& f, const std::string& tenantId) {
  std::optional<mgmt::mail::Logo> out;
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(out, mgmt::mail::LogoStore(tx).get(tenantId));
                   return core::Status::ok();
                 })
                 .isOk());
  return out;
}

Json image(const std::string& bytes) { return Json{{"image", core::pki::base64Encode(bytes)}}; }
}  // namespace

TEST_GROUP(Logo){};

TEST(Logo, ChecksTheBytesNotTheName) {
  STRCMP_EQUAL("logo: not a PNG or JPEG",
               mgmt::mail::checkLogo("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>").status().message().c_str());
  STRCMP_EQUAL("logo: empty", mgmt::mail::checkLogo("").status().message().c_str());
  STRCMP_EQUAL("logo: larger than 256 KiB", mgmt::mail::checkLogo(png(10, 10, 256 * 1024 + 1)).status().message().c_str());
  STRCMP_EQUAL("logo: wider than 1024 px", mgmt::mail::checkLogo(png(1025, 10)).status().message().c_str());
  STRCMP_EQUAL("logo: taller than 1024 px", mgmt::mail::checkLogo(png(10, 1025)).status().message().c_str());
  core::Result<mgmt::mail::Logo> ok = mgmt::mail::checkLogo(png(1024, 1024, 256 * 1024));
  CHECK_TRUE(ok.isOk());
  STRCMP_EQUAL("image/png", ok->contentType.c_str());
  STRCMP_EQUAL(core::pki::sha256Hex(png(1024, 1024, 256 * 1024)).c_str(), ok->sha256.c_str());
}

TEST(Logo, SetShownClearedPerTenantOnly) {
  Fixture f;
  std::string acme = f.tenant("acme", "basic");
  std::string other = f.tenant("other", "basic");
  std::string free = f.tenant("corner", "free");
  core::ControlReply set = f.call("branding-logo-set", image(png(200, 64)), Caller{acme});
  CHECK_EQUAL_TEXT(0, set.result, set.text.c_str());
  STRCMP_EQUAL("image/png", set.arguments["content-type"].get<std::string>().c_str());
  LONGS_EQUAL(200, set.arguments["width"].get<int64_t>());
  std::optional<mgmt::mail::Logo> kept = stored(f, acme);
  CHECK_TRUE(kept.has_value());
  CHECK_TRUE(png(200, 64) == kept->bytes);
  STRCMP_EQUAL(set.arguments["etag"].get<std::string>().c_str(), kept->sha256.c_str());

  // Bad files are refused with the words shown next to the field; nothing stored changes.
  core::ControlReply svg = f.call("branding-logo-set", image("<svg/>"), Caller{acme});
  CHECK_TRUE(core::Code::kInvalidArgument == svg.code);
  STRCMP_EQUAL("logo: not a PNG or JPEG", svg.text.c_str());
  STRCMP_EQUAL("logo: wider than 1024 px", f.call("branding-logo-set", image(png(4000, 10)), Caller{acme}).text.c_str());
  core::ControlReply notBase64 = f.call("branding-logo-set", Json{{"image", "%%%"}}, Caller{acme});
  CHECK_TRUE(notBase64.text.find("image") != std::string::npos);
  CHECK_TRUE(png(200, 64) == stored(f, acme)->bytes);

  // Another tenant cannot reach acme's logo: naming acme is refused, its own call touches its own.
  Json onAcme = image(png(10, 10));
  onAcme["tenant"] = "acme";
  CHECK_TRUE(f.call("branding-logo-set", onAcme, Caller{other}).result != 0);
  CHECK_TRUE(f.call("branding-logo-clear", Json{{"tenant", "acme"}}, Caller{other}).result != 0);
  CHECK_TRUE(png(200, 64) == stored(f, acme)->bytes);
  CHECK_FALSE(stored(f, other).has_value());
  // The free tier has no custom branding.
  CHECK_TRUE(core::Code::kPermissionDenied == f.call("branding-logo-set", image(png(10, 10)), Caller{free}).code);

  core::ControlReply cleared = f.call("branding-logo-clear", Json::object(), Caller{acme});
  CHECK_EQUAL_TEXT(0, cleared.result, cleared.text.c_str());
  CHECK_TRUE(cleared.arguments["cleared"].get<bool>());
  CHECK_FALSE(stored(f, acme).has_value());
  CHECK_FALSE(f.call("branding-logo-clear", Json::object(), Caller{acme}).arguments["cleared"].get<bool>());
}
