#include "mgmt/mail/outbox.h"

#include <cctype>
#include <map>

#include "core/web/template.h"
#include "mgmt/mail/brand.h"
#include "mgmt/mail/mail_store.h"

namespace mgmt::mail {

namespace {

struct Defaults {
  const char* subject;
  const char* text;
  const char* html;
};

// The platform's templates. Text parts write variables raw ({{{x}}}): they are not HTML. Built at
// start-up, not on first use (a leak checker would count it in the first test that sends mail).
const std::map<std::string, Defaults> kDefaults = {
      {"signup-verify",
       {"Confirm your email for {{{business}}}",
        "Hello,\n\nSomeone (we hope you) signed up {{{business}}} for {{{brand.name}}}.\n"
        "Open this link within 24 hours to confirm your email and start your demo:\n\n{{{link}}}\n\n"
        "If this was not you, ignore this message: nothing happens without the link.\n",
        "<p>Hello,</p><p>Someone (we hope you) signed up <strong>{{business}}</strong> for {{brand.name}}.</p>"
        "<p><a href=\"{{link}}\">Confirm your email and start your demo</a> (the link works for 24 hours).</p>"
        "<p>If this was not you, ignore this message: nothing happens without the link.</p>"}},
      {"demo-ready",
       {"Your demo {{{tenant}}} is ready",
        "Your demo tenant {{{tenant}}} is ready with sample data ({{{scenario}}}).\n"
        "It runs for 7 days and every day you use it adds 7 more.\n\n{{{console-url}}}\n",
        "<p>Your demo tenant <strong>{{tenant}}</strong> is ready with sample data ({{scenario}}).</p>"
        "<p>It runs for 7 days and every day you use it adds 7 more.</p><p><a href=\"{{console-url}}\">Open the "
        "console</a></p>"}},
      {"demo-reminder",
       {"Your demo {{{tenant}}} ends in {{{days-left}}} day(s)",
        "Your demo tenant {{{tenant}}} ends on {{{expires}}} ({{{days-left}}} day(s) left).\n"
        "Convert it to a paid tier to keep your own data; the sample data goes away.\n",
        "<p>Your demo tenant <strong>{{tenant}}</strong> ends on {{expires}} ({{days-left}} day(s) left).</p>"
        "<p>Convert it to a paid tier to keep your own data; the sample data goes away.</p>"}},
      {"demo-expired",
       {"Your demo {{{tenant}}} has ended",
        "Your demo tenant {{{tenant}}} has ended and is locked. It will be deleted on {{{purge-date}}} unless "
        "you convert it to a paid tier before then.\n",
        "<p>Your demo tenant <strong>{{tenant}}</strong> has ended and is locked.</p><p>It will be deleted on "
        "{{purge-date}} unless you convert it to a paid tier before then.</p>"}},
      {"invitation",
       {"You are invited to {{{brand.name}}}",
        "Hello{{#name}} {{{name}}}{{/name}},\n\nan account at {{{brand.name}}} has been made for you ({{{email}}}, "
        "role {{{role}}}). Open this link within {{{days}}} days to choose your password and sign in:\n\n"
        "{{{link}}}\n\nThe link works once. If you did not expect this, ignore this message.\n",
        "<p>Hello{{#name}} {{name}}{{/name}},</p><p>an account at {{brand.name}} has been made for you ({{email}}, "
        "role {{role}}).</p><p><a href=\"{{link}}\">Choose your password and sign in</a> (the link works once, "
        "within {{days}} days).</p><p>If you did not expect this, ignore this message.</p>"}},
      {"partner-application-approved",
       {"Welcome to the {{{brand.name}}} partner programme",
        "Hello {{{name}}},\n\nyour application for {{{company}}} is approved: you are partner {{{partner}}}.\n"
        "{{#reason}}{{{reason}}}\n{{/reason}}A separate message invites you to choose your password and sign in "
        "to the partner portal, where you accept the partner agreement.\n",
        "<p>Hello {{name}},</p><p>your application for <strong>{{company}}</strong> is approved: you are partner "
        "{{partner}}.</p>{{#reason}}<p>{{reason}}</p>{{/reason}}<p>A separate message invites you to choose your "
        "password and sign in to the partner portal, where you accept the partner agreement.</p>"}},
      {"partner-application-rejected",
       {"Your partner application to {{{brand.name}}}",
        "Hello {{{name}}},\n\nthank you for applying with {{{company}}}. We cannot accept the application:\n\n"
        "{{{reason}}}\n",
        "<p>Hello {{name}},</p><p>thank you for applying with <strong>{{company}}</strong>. We cannot accept the "
        "application:</p><p>{{reason}}</p>"}},
      {"welcome-paid",
       {"Welcome to {{{brand.name}}}: {{{tenant}}} is on {{{tier}}}",
        "{{{tenant}}} is now on the {{{tier}}} tier. The demo's sample data has been removed; your own data "
        "stays.\n",
        "<p><strong>{{tenant}}</strong> is now on the {{tier}} tier.</p><p>The demo's sample data has been "
        "removed; your own data stays.</p>"}},
      {"invoice-issued",
       {"Invoice {{{number}}} from {{{brand.name}}}",
        "Hello {{{customer}}},\n\nyour invoice {{{number}}} of {{{issued}}} for {{{total}}} is attached as a PDF.\n"
        "Please pay by {{{due}}} with the reference {{{reference}}}.\n\nYou can see your invoices and pay in "
        "your self-care portal:\n{{{portal-url}}}\n",
        "<p>Hello {{customer}},</p><p>your invoice <strong>{{number}}</strong> of {{issued}} for "
        "<strong>{{total}}</strong> is attached as a PDF.</p><p>Please pay by {{due}} with the reference "
        "<strong>{{reference}}</strong>.</p><p><a href=\"{{portal-url}}\">Your invoices in the self-care "
        "portal</a></p>"}},
      {"dunning-reminder",
       {"Payment overdue: {{{owed}}} to {{{brand.name}}}",
        "Hello {{{customer}}},\n\nyour invoice due on {{{due}}} is {{{days}}} day(s) overdue; {{{owed}}} is open.\n"
        "{{{consequence}}}\n\nYou can see your invoices and pay in your self-care portal:\n{{{portal-url}}}\n\n"
        "If you have paid meanwhile, thank you: ignore this message.\n",
        "<p>Hello {{customer}},</p><p>your invoice due on {{due}} is {{days}} day(s) overdue; <strong>{{owed}}</strong> "
        "is open.</p><p>{{consequence}}</p><p><a href=\"{{portal-url}}\">Pay in your self-care portal</a></p>"
        "<p>If you have paid meanwhile, thank you: ignore this message.</p>"}},
      {"selfcare-code",
       {"Your sign-in code for {{{brand.name}}}",
        "Hello {{{customer}}},\n\nyour code to sign in to your account at {{{brand.name}}} is {{{code}}}.\n"
        "It works once, for {{{minutes}}} minutes. If you did not ask for it, ignore this message.\n",
        "<p>Hello {{customer}},</p><p>your code to sign in to your account at {{brand.name}} is "
        "<strong>{{code}}</strong>.</p><p>It works once, for {{minutes}} minutes. If you did not ask for it, "
        "ignore this message.</p>"}},
      {"outage-notice",
       {"{{{brand.name}}}: {{{title}}}",
        "Hello {{{customer}}},\n\n{{{summary}}}\n\n{{{brand.name}}}\n",
        "<p>Hello {{customer}},</p><p>{{summary}}</p>"}},
      {"password-reset",
       {"Reset your password",
        "Open this link within {{{minutes}}} minutes to choose a new password:\n\n{{{link}}}\n\n"
        "It works once. If you did not ask for it, ignore this message.\n",
        "<p><a href=\"{{link}}\">Choose a new password</a> (the link works once, for {{minutes}} minutes).</p>"
        "<p>If you did not ask for it, ignore this message.</p>"}},
};

const std::map<std::string, Defaults>& defaults() { return kDefaults; }

// Every HTML part in the brand's frame.
constexpr const char* kFrame =
    "<!doctype html><html><body style=\"font-family:sans-serif;margin:0\">"
    "<div style=\"background:{{brand.primary-colour}};color:#fff;padding:12px 16px\">"
    "{{#brand.logo-url}}<img src=\"{{brand.logo-url}}\" alt=\"\" height=\"32\" style=\"vertical-align:middle\"> "
    "{{/brand.logo-url}}<strong>{{brand.name}}</strong></div>"
    "<div style=\"padding:16px;border-bottom:4px solid {{brand.accent-colour}}\">{{{content}}}</div>"
    "</body></html>";

bool isHexColour(const std::string& s) {
  if (s.size() != 7 || s[0] != '#') return false;
  for (size_t i = 1; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

core::Result<std::string> render(const std::string& what, const std::string& text, const core::Json& data) {
  core::web::Templates t;
  EDGE_RETURN_IF_ERROR(t.add(what, text));
  return t.render(what, data);
}

}  // namespace

const Branding kPlatformBranding{"Edge Platform", "", "#1f4e79", "#f0a030"};

const Branding& platformBranding() { return kPlatformBranding; }

std::vector<std::string> templateNames() {
  std::vector<std::string> out;
  for (const auto& [name, tpl] : defaults()) out.push_back(name);
  return out;
}

bool validAddress(const std::string& a) {
  if (a.empty() || a.size() > kMaxRecipientBytes) return false;
  size_t at = a.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= a.size() || a.find('@', at + 1) != std::string::npos)
    return false;
  for (char c : a) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;  // no spaces, controls (CR/LF) or 8-bit
    if (c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '(' || c == ')' || c == '\\' ||
        c == '[' || c == ']' || c == ':')
      return false;
  }
  const std::string domain = a.substr(at + 1);
  if (domain.find('.') == std::string::npos && domain != "localhost") return false;
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string::npos) return false;
  return true;
}

core::Result<int64_t> enqueue(store::Transaction& tx, const std::string& tenantId, const std::string& to,
                              const std::string& templateName, const core::Json& variables, int64_t now,
                              const Attachment* attachment, const std::string& customer) {
  if (!validAddress(to)) return core::invalidArgument("to: not one plain email address");
  if (attachment) {
    const std::string& name = attachment->filename;
    if (name.empty() || name.size() > 100 || name.front() == '.' ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
      return core::invalidArgument("attachment: the file name may hold letters, digits, '.', '-' and '_' only");
    const std::string& type = attachment->contentType;
    const size_t slash = type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= type.size() || type.size() > 100 ||
        type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.+-/") != std::string::npos)
      return core::invalidArgument("attachment: the content type must be type/subtype");
    if (attachment->data.size() > kMaxAttachmentBytes) return core::invalidArgument("attachment: larger than 5 MiB");
  }
  if (!variables.is_object()) return core::invalidArgument("variables: must be an object");
  MailStore store(tx);
  StoredTemplate tpl;
  std::optional<StoredTemplate> own;
  if (!tenantId.empty()) {
    EDGE_ASSIGN_OR_RETURN(own, store.templateOf(tenantId, templateName));
  }
  if (own) {
    tpl = *own;
  } else {
    auto it = defaults().find(templateName);
    if (it == defaults().end()) return core::notFound("template: no mail template '" + templateName + "'");
    tpl = StoredTemplate{it->second.subject, it->second.text, it->second.html};
  }
  // The brand of the moment: the customer's reseller's, the tenant's or the platform's. An uploaded
  // logo travels inline with the message (mail clients show cid: images without fetching anything).
  EDGE_ASSIGN_OR_RETURN(Brand brand, customer.empty() ? tenantBrand(tx, tenantId)
                                                      : customerBrand(tx, tenantId, customer, now / 86400));
  EDGE_ASSIGN_OR_RETURN(std::optional<Logo> logo, brandLogo(tx, brand));
  core::Json data = variables;
  data["brand"] = core::Json{{"name", brand.name},
                             {"logo-url", logo ? std::string("cid:") + kLogoContentId : brand.logoUrl},
                             {"primary-colour", brand.primaryColour},
                             {"accent-colour", brand.accentColour}};
  OutboxMessage m;
  if (logo) m.logo = Attachment{"logo", logo->contentType, logo->bytes};
  m.tenantId = tenantId;
  m.recipient = to;
  m.templateName = templateName;
  EDGE_ASSIGN_OR_RETURN(m.subject, render("subject", tpl.subject, data));
  // A subject is one header line.
  for (char& c : m.subject)
    if (c == '\r' || c == '\n') c = ' ';
  EDGE_ASSIGN_OR_RETURN(m.bodyText, render("text", tpl.text, data));
  EDGE_ASSIGN_OR_RETURN(std::string content, render("html", tpl.html, data));
  core::Json frame = data;
  frame["content"] = content;
  EDGE_ASSIGN_OR_RETURN(m.bodyHtml, render("frame", kFrame, frame));
  m.createdAt = now;
  m.nextAttemptAt = now;
  if (attachment) m.attachment = *attachment;
  return store.insert(m, variables.dump());
}

namespace {

core::Status checkBranding(const Branding& b) {
  if (b.displayName.size() > 100) return core::invalidArgument("display-name: at most 100 bytes");
  for (char c : b.displayName)
    if (static_cast<unsigned char>(c) < 0x20) return core::invalidArgument("display-name: no control characters");
  if (!b.logoUrl.empty() && (b.logoUrl.size() > 512 || b.logoUrl.rfind("https://", 0) != 0 ||
                             b.logoUrl.find_first_of(" \"'<>\r\n") != std::string::npos))
    return core::invalidArgument("logo-url: an https:// URL of at most 512 bytes");
  if (!b.primaryColour.empty() && !isHexColour(b.primaryColour))
    return core::invalidArgument("primary-colour: #rrggbb");
  if (!b.accentColour.empty() && !isHexColour(b.accentColour)) return core::invalidArgument("accent-colour: #rrggbb");
  return core::Status::ok();
}

}  // namespace

core::Status setBranding(store::Transaction& tx, const std::string& tenantId, const Branding& b, int64_t now) {
  EDGE_RETURN_IF_ERROR(checkBranding(b));
  return MailStore(tx).putBranding(tenantId, b, now);
}

core::Status setPartnerBranding(store::Transaction& tx, const std::string& partnerId, const Branding& b, int64_t now) {
  if (!b.logoUrl.empty()) return core::invalidArgument("logo-url: a partner uploads its logo (partner-brand-logo-set)");
  EDGE_RETURN_IF_ERROR(checkBranding(b));
  return MailStore(tx).putPartnerBranding(partnerId, b, now);
}

core::Result<Branding> brandingOf(store::Transaction& tx, const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Branding> b, MailStore(tx).branding(tenantId));
  return b ? *b : Branding{};
}

core::Status setTemplate(store::Transaction& tx, const std::string& tenantId, const std::string& name,
                         const std::string& subject, const std::string& text, const std::string& html, int64_t now) {
  if (defaults().count(name) == 0) return core::notFound("name: no mail template '" + name + "'");
  if (subject.empty() || subject.size() > 200) return core::invalidArgument("subject: 1 to 200 bytes");
  if (text.size() > 20000) return core::invalidArgument("text: at most 20000 bytes");
  if (html.size() > 50000) return core::invalidArgument("html: at most 50000 bytes");
  const core::Json probe = core::Json::object();
  if (auto r = render("subject", subject, probe); !r.isOk()) return core::invalidArgument("subject: " + r.status().message());
  if (auto r = render("text", text, probe); !r.isOk()) return core::invalidArgument("text: " + r.status().message());
  if (auto r = render("html", html, probe); !r.isOk()) return core::invalidArgument("html: " + r.status().message());
  return MailStore(tx).putTemplate(tenantId, name, StoredTemplate{subject, text, html}, now);
}

core::Result<std::vector<OutboxMessage>> recent(store::Transaction& tx, const std::string& tenantId, int limit) {
  return MailStore(tx).recent(tenantId, limit);
}

}  // namespace mgmt::mail
