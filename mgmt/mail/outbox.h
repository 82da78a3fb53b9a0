// Email: a durable outbox in mgmt's storage (table mail_outbox, migration 3; ADR 0029).
//
// A service that decides to send mail calls enqueue() inside its own unit of work, so the mail exists
// exactly when the change that caused it was committed (a rolled-back signup sends nothing; a
// committed password reset is never without its mail). The message is rendered there, from the
// template of the tenant (mail_templates) or the platform's default of the same name, with the
// tenant's branding (tenant_branding: name, logo URL, colours) or the platform's.
//
// Delivery is MailSender's (mail_sender.h): SMTP over libcurl, retried with backoff, a row marked sent
// once. A crash between the SMTP server's "250 OK" and the mark sends that message again (at least
// once): its Message-ID header is fixed per row, so a receiver can tell the copy.
//
// Templates (mustache, core/web's renderer): "subject" and "text" write variables as {{{name}}}, the
// HTML part as {{name}} (escaped). Every template sees the caller's variables plus "brand" (name,
// logo-url, primary-colour, accent-colour). Platform defaults (outbox.cpp): "signup-verify"
// (link, business), "demo-ready" (tenant, console-url), "demo-reminder" (tenant, days-left, expires),
// "demo-expired" (tenant, purge-date), "invitation" (link, days, email, role, name: a new person's
// first password), "password-reset" (link, minutes), "welcome-paid" (tenant, tier),
// "invoice-issued" (customer, number, issued, due, total, reference, portal-url; sent with the
// invoice's PDF attached, mgmt/billing/invoice_mailer.h), "selfcare-code" (customer, code, minutes:
// a self-care portal sign-in code, mgmt/selfcare), "dunning-reminder" (customer, days, due, owed,
// consequence, portal-url: a dunning step's mail, mgmt/billing/dunning_service.h), "outage-notice"
// (customer, title, summary: an outage or planned maintenance, mgmt/monitoring).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::mail {

// What a tenant's mail looks like; empty fields fall back to the platform's.
struct Branding {
  std::string displayName;    // "Harbour Net"
  std::string logoUrl;        // https URL of an image, or empty
  std::string primaryColour;  // "#rrggbb"
  std::string accentColour;   // "#rrggbb"
};

// The platform's own branding (platform mail, and every field a tenant left empty).
const Branding& platformBranding();

// A file sent with a message (at most one per message: an invoice's PDF).
struct Attachment {
  std::string filename;     // "invoice-12.pdf": letters, digits, '.', '-', '_' only
  std::string contentType;  // "application/pdf"
  std::string data;         // the bytes
};
constexpr size_t kMaxAttachmentBytes = 5 * 1024 * 1024;

// One message as stored.
struct OutboxMessage {
  int64_t id = 0;
  std::string tenantId;  // "" = platform mail
  std::string recipient, templateName, subject, bodyText, bodyHtml;
  std::string state;  // pending, sent, failed
  int64_t attempts = 0, nextAttemptAt = 0, createdAt = 0, sentAt = 0;
  std::string lastError;
  std::optional<Attachment> attachment;  // read by MailStore::due (the sender), not by recent()
  // The uploaded logo the HTML part shows as cid:brand-logo (ADR 0064), sent inline beside it;
  // read by MailStore::due only.
  std::optional<Attachment> logo;
};

// The Content-ID of a mail's inline logo.
constexpr const char* kLogoContentId = "brand-logo";

// Limits enqueue() checks (kInvalidArgument naming the field otherwise).
constexpr size_t kMaxRecipientBytes = 254;  // RFC 5321 section 4.5.3.1.3 (path), less the brackets

// Puts one message in the outbox, in the caller's unit of work. `tenantId` "" for platform mail.
// `to` must be one plain address (local@domain, no display name, no CR/LF or commas).
// `templateName` one of the platform's defaults (or a name the tenant has a template for); unknown:
// kNotFound. `variables` a JSON object of strings/numbers. Returns the message's id.
// `attachment`, when given, is sent as a second part of a multipart/mixed message (kInvalidArgument
// for a filename outside [A-Za-z0-9._-], a content type that is not type/subtype, or more than
// kMaxAttachmentBytes).
// `customer`, the username of the tenant's customer the mail is for, gives it that customer's brand:
// its white-label reseller's when it has one (brand.h customerBrand), else the tenant's. The brand's
// uploaded logo goes with the message as an inline image (cid:brand-logo); a logo linked by URL is
// shown by its URL; the text part names the brand only.
core::Result<int64_t> enqueue(store::Transaction& tx, const std::string& tenantId, const std::string& to,
                              const std::string& templateName, const core::Json& variables, int64_t now,
                              const Attachment* attachment = nullptr, const std::string& customer = "");

// The platform's template names, in order.
std::vector<std::string> templateNames();

// Whether `address` is one plain address enqueue() accepts.
bool validAddress(const std::string& address);

// A tenant's branding (kInvalidArgument naming the field: colours "#rrggbb", logo an https:// URL
// of at most 512 bytes, name at most 100) and its templates.
core::Status setBranding(store::Transaction& tx, const std::string& tenantId, const Branding& branding, int64_t now);
core::Result<Branding> brandingOf(store::Transaction& tx, const std::string& tenantId);
// A white-label partner's name and colours (the same checks; no logo URL: its logo is uploaded).
core::Status setPartnerBranding(store::Transaction& tx, const std::string& partnerId, const Branding& branding,
                                int64_t now);
// A tenant's own version of a template (it must parse, and its name be a platform default's).
core::Status setTemplate(store::Transaction& tx, const std::string& tenantId, const std::string& name,
                         const std::string& subject, const std::string& text, const std::string& html, int64_t now);

// The outbox for tests and the console: the newest messages first (a tenant's, or all with "*").
core::Result<std::vector<OutboxMessage>> recent(store::Transaction& tx, const std::string& tenantId, int limit);

}  // namespace mgmt::mail
