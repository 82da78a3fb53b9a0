// White label (issues 23 and 25, ADR 0064) on the storage of this run: a tenant's uploaded logo goes
// inline in its mail (cid:brand-logo, multipart/related; the text part stays plain); a reseller's
// people set their own brand (and only theirs) when the tenant's tier has the white-label plugin,
// the refusal naming the plugin and the tier; the mail of a customer attributed to the reseller
// carries the reseller's name, colours and logo, the others' the tenant's, and a tier without white
// label shows the tenant's again.
#include "core/pki.h"
#include "mgmt/mail/brand.h"
#include "mgmt/mail/mail_sender.h"
#include "mgmt/mail/mail_store.h"
#include "mgmt/mail/outbox.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::mail::OutboxMessage;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

std::string png(uint32_t w, uint32_t h, char fill) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += std::string("\0\0\0\x0d", 4) + "IHDR";
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((v >> s) & 0xff);
  b += std::string("\x08\x06\0\0\0\0\0\0\0", 9);
  return b + std::string(32, fill);
}

bool hasText(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

core::ControlReply asPartner(Fixture& f, const std::string& partnerId, const std::string& command, const Json& args) {
  return f.table->call(core::command::Caller{"partner", "partner:" + partnerId, "test"}, command, args);
}

// The pending messages as the sender reads them (with their inline logo), oldest first.
std::vector<OutboxMessage> due(Fixture& f) {
  std::vector<OutboxMessage> out;
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(out, mgmt::mail::MailStore(tx).due(f.now() + 1, 100));
                   return core::Status::ok();
                 })
                 .isOk());
  return out;
}

void mail(Fixture& f, const std::string& tenant, const std::string& to, const std::string& username) {
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    return mgmt::mail::enqueue(tx, tenant, to, "outage-notice",
                               Json{{"customer", username}, {"title", "Outage"}, {"summary", "Fixed soon."}}, f.now(),
                               nullptr, username)
        .status();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
}

// The base64 lines of one MIME part's body, joined (what follows `header` up to the next boundary).
std::string partAfter(const std::string& message, const std::string& header) {
  size_t at = message.find(header);
  if (at == std::string::npos) return "";
  at = message.find("\r\n\r\n", at) + 4;
  std::string b64;
  for (size_t i = at; i < message.size() && message[i] != '-'; ++i)
    if (message[i] != '\r' && message[i] != '\n') b64 += message[i];
  core::Result<std::string> bytes = core::pki::base64Decode(b64, "part");
  return bytes.isOk() ? *bytes : "";
}
}  // namespace

TEST_GROUP(Brand){};

TEST(Brand, ATenantsUploadedLogoTravelsInlineInItsMail) {
  Fixture f;
  std::string acme = f.tenant("acme", "basic");
  std::string other = f.tenant("other", "basic");
  const std::string logo = png(64, 32, 'a');
  CHECK_EQUAL(0, f.call("branding-logo-set", Json{{"image", core::pki::base64Encode(logo)}}, Caller{acme}).result);
  CHECK_EQUAL(0, f.call("branding-set", Json{{"display-name", "Acme Net"}, {"primary-colour", "#112233"}}, Caller{acme}).result);
  mail(f, acme, "c1@acme.example", "c1");
  mail(f, other, "c2@other.example", "c2");
  std::vector<OutboxMessage> m = due(f);
  CHECK_EQUAL(2u, m.size());
  // acme's: its name, colour and logo, the logo as an inline part the HTML names by its Content-ID.
  STRCMP_EQUAL("Acme Net: Outage", m[0].subject.c_str());
  CHECK_TRUE(hasText(m[0].bodyHtml, "src=\"cid:brand-logo\""));
  CHECK_TRUE(hasText(m[0].bodyHtml, "#112233"));
  CHECK_TRUE(m[0].logo.has_value());
  CHECK_TRUE(logo == m[0].logo->data);
  const std::string wire = mgmt::mail::formatMessage(m[0], "mgmt@platform.example", f.now());
  CHECK_TRUE(hasText(wire, "Content-Type: multipart/related; type=\"text/html\""));
  CHECK_TRUE(hasText(wire, "Content-ID: <brand-logo>"));
  CHECK_TRUE(hasText(wire, "Content-Disposition: inline; filename=\"logo.png\""));
  CHECK_TRUE(logo == partAfter(wire, "Content-ID: <brand-logo>"));
  // The text part is plain text: the brand's name, no markup and no cid.
  const std::string text = partAfter(wire, "Content-Type: text/plain");
  CHECK_TRUE(hasText(text, "Acme Net"));
  CHECK_FALSE(hasText(text, "cid:"));
  CHECK_FALSE(hasText(text, "<"));
  // The other tenant's mail shows nothing of acme's: no logo, its own name.
  CHECK_FALSE(m[1].logo.has_value());
  CHECK_FALSE(hasText(m[1].bodyHtml, "cid:"));
  CHECK_FALSE(hasText(m[1].bodyHtml, "Acme Net"));
  STRCMP_EQUAL("other: Outage", m[1].subject.c_str());
  CHECK_FALSE(hasText(mgmt::mail::formatMessage(m[1], "mgmt@platform.example", f.now()), "multipart/related"));
}

TEST(Brand, AResellerSetsItsOwnBrandOnlyWithWhiteLabel) {
  Fixture f;
  std::string isp = f.tenant("isp", "premium");
  std::string small = f.tenant("small", "basic");
  core::ControlReply shop = f.call("partner-add", Json{{"name", "Corner Shop"}, {"type", "white-label"}, {"currency", "USD"}}, Caller{isp});
  CHECK_EQUAL_TEXT(0, shop.result, shop.text.c_str());
  core::ControlReply rival = f.call("partner-add", Json{{"name", "Rival"}, {"type", "authorized-dealer"}, {"currency", "USD"}}, Caller{isp});
  core::ControlReply basicShop = f.call("partner-add", Json{{"name", "Basic Shop"}, {"type", "white-label"}, {"currency", "USD"}}, Caller{small});
  const std::string shopId = shop.arguments["id"].get<std::string>(), rivalId = rival.arguments["id"].get<std::string>(),
                    basicId = basicShop.arguments["id"].get<std::string>();

  // The reseller's own person sets its name, colours and logo.
  core::ControlReply set = asPartner(f, shopId, "partner-brand-set",
                                     Json{{"display-name", "Corner Net"}, {"primary-colour", "#aa0000"}});
  CHECK_EQUAL_TEXT(0, set.result, set.text.c_str());
  CHECK_TRUE(set.arguments["white-label"].get<bool>());
  STRCMP_EQUAL("Corner Net", set.arguments["shown"]["name"].get<std::string>().c_str());
  core::ControlReply logo = asPartner(f, shopId, "partner-brand-logo-set", Json{{"image", core::pki::base64Encode(png(20, 20, 'p'))}});
  CHECK_EQUAL_TEXT(0, logo.result, logo.text.c_str());
  // Bad input names its field.
  core::ControlReply bad = asPartner(f, shopId, "partner-brand-set", Json{{"primary-colour", "red"}});
  CHECK_TRUE(core::Code::kInvalidArgument == bad.code);
  STRCMP_EQUAL("primary-colour: #rrggbb", bad.text.c_str());
  STRCMP_EQUAL("logo: not a PNG or JPEG",
               asPartner(f, shopId, "partner-brand-logo-set", Json{{"image", core::pki::base64Encode("<svg/>")}}).text.c_str());
  // Another partner, and another tenant, cannot reach it: the not-found of a missing partner.
  CHECK_TRUE(core::Code::kNotFound == asPartner(f, rivalId, "partner-brand-set", Json{{"partner", shopId}, {"display-name", "x"}}).code);
  CHECK_TRUE(core::Code::kNotFound == asPartner(f, rivalId, "partner-brand-show", Json{{"partner", shopId}}).code);
  std::string rivalIsp = f.tenant("rival-isp", "premium");
  CHECK_TRUE(core::Code::kNotFound == f.call("partner-brand-logo-clear", Json{{"partner", shopId}}, Caller{rivalIsp}).code);
  CHECK_TRUE(core::Code::kNotFound == f.call("partner-brand-show", Json{{"partner", shopId}}, Caller{rivalIsp}).code);
  core::ControlReply shown = f.call("partner-brand-show", Json{{"partner", shopId}}, Caller{isp});
  CHECK_EQUAL(0, shown.result);
  STRCMP_EQUAL("Corner Net", shown.arguments["display-name"].get<std::string>().c_str());
  CHECK_TRUE(shown.arguments["logo"].get<bool>());
  // On a tier without white label the refusal names the plugin and the tier that has it, for the
  // reseller's person and the tenant's admin alike.
  core::ControlReply refused = asPartner(f, basicId, "partner-brand-set", Json{{"display-name", "Basic Net"}});
  CHECK_TRUE(core::Code::kPermissionDenied == refused.code);
  CHECK_TRUE_TEXT(hasText(refused.text, "white-label") && hasText(refused.text, "premium"), refused.text.c_str());
  CHECK_TRUE(core::Code::kPermissionDenied ==
             f.call("partner-brand-logo-set", Json{{"partner", basicId}, {"image", core::pki::base64Encode(png(2, 2, 'b'))}},
                    Caller{small}).code);
  // A partner still changes nothing else.
  CHECK_TRUE(asPartner(f, shopId, "partner-set", Json{{"partner", shopId}, {"name", "x"}}).result != 0);
}

TEST(Brand, AResellersCustomersGetItsBrandInMailWhileTheTierAllowsIt) {
  Fixture f;
  std::string isp = f.tenant("isp", "premium");
  CHECK_EQUAL(0, f.call("branding-set", Json{{"display-name", "ISP Net"}}, Caller{isp}).result);
  CHECK_EQUAL(0, f.call("branding-logo-set", Json{{"image", core::pki::base64Encode(png(8, 8, 'i'))}}, Caller{isp}).result);
  core::ControlReply shop = f.call("partner-add", Json{{"name", "Corner Shop"}, {"type", "white-label"}, {"currency", "USD"}}, Caller{isp});
  const std::string shopId = shop.arguments["id"].get<std::string>();
  CHECK_EQUAL(0, asPartner(f, shopId, "partner-brand-set", Json{{"display-name", "Corner Net"}, {"accent-colour", "#00aa00"}}).result);
  const std::string shopLogo = png(16, 16, 's');
  CHECK_EQUAL(0, asPartner(f, shopId, "partner-brand-logo-set", Json{{"image", core::pki::base64Encode(shopLogo)}}).result);
  core::ControlReply at = f.call("attribution-set", Json{{"username", "u1"}, {"partner", shopId}, {"date", "2020-01-01"}}, Caller{isp});
  CHECK_EQUAL_TEXT(0, at.result, at.text.c_str());

  mail(f, isp, "u1@example.net", "u1");
  mail(f, isp, "u2@example.net", "u2");
  std::vector<OutboxMessage> m = due(f);
  CHECK_EQUAL(2u, m.size());
  STRCMP_EQUAL("Corner Net: Outage", m[0].subject.c_str());
  CHECK_TRUE(hasText(m[0].bodyHtml, "#00aa00"));
  CHECK_FALSE(hasText(m[0].bodyHtml, "ISP Net"));
  CHECK_TRUE(m[0].logo && shopLogo == m[0].logo->data);
  STRCMP_EQUAL("ISP Net: Outage", m[1].subject.c_str());
  CHECK_TRUE(m[1].logo && png(8, 8, 'i') == m[1].logo->data);

  // Detached from the reseller: the tenant's brand again.
  CHECK_EQUAL(0, f.call("attribution-set", Json{{"username", "u1"}, {"detach", true}, {"date", "2020-02-01"}}, Caller{isp}).result);
  mail(f, isp, "u1@example.net", "u1");
  STRCMP_EQUAL("ISP Net: Outage", due(f).back().subject.c_str());
  // Attributed again, but the tenant moved to a tier without white label: the tenant's brand.
  CHECK_EQUAL(0, f.call("attribution-set", Json{{"username", "u1"}, {"partner", shopId}, {"date", "2020-03-01"}}, Caller{isp}).result);
  mail(f, isp, "u1@example.net", "u1");
  STRCMP_EQUAL("Corner Net: Outage", due(f).back().subject.c_str());
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", "isp"}, {"tier", "basic"}}).result);
  mail(f, isp, "u1@example.net", "u1");
  STRCMP_EQUAL("ISP Net: Outage", due(f).back().subject.c_str());
}
