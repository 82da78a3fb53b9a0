#include "mgmt/mail/mail_store.h"

namespace mgmt::mail {

using store::Row;

namespace {

constexpr const char* kColumns =
    "id, tenant_id, recipient, template, subject, body_text, body_html, state, attempts, next_attempt_at, "
    "created_at, sent_at, last_error";

OutboxMessage fromRow(const Row& r) {
  OutboxMessage m;
  m.id = r.int64(0);
  m.tenantId = r.text(1);
  m.recipient = r.text(2);
  m.templateName = r.text(3);
  m.subject = r.text(4);
  m.bodyText = r.text(5);
  m.bodyHtml = r.text(6);
  m.state = r.text(7);
  m.attempts = r.int64(8);
  m.nextAttemptAt = r.int64(9);
  m.createdAt = r.int64(10);
  m.sentAt = r.int64(11);
  m.lastError = r.text(12);
  return m;
}

}  // namespace

core::Result<int64_t> MailStore::insert(const OutboxMessage& m, const std::string& variablesJson) {
  EDGE_ASSIGN_OR_RETURN(int64_t id, insertMessage(m, variablesJson));
  if (m.logo)
    EDGE_RETURN_IF_ERROR(tx_.exec("UPDATE mail_outbox SET logo_type = $2, logo = $3 WHERE id = $1",
                                  {id, m.logo->contentType, store::Value::Bytes{m.logo->data}})
                             .status());
  return id;
}

core::Result<int64_t> MailStore::insertMessage(const OutboxMessage& m, const std::string& variablesJson) {
  if (m.attachment) {
    return tx_.queryInt64(
        "INSERT INTO mail_outbox (tenant_id, recipient, template, variables, subject, body_text, body_html, "
        "next_attempt_at, created_at, attachment_name, attachment_type, attachment) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        {m.tenantId, m.recipient, m.templateName, variablesJson, m.subject, m.bodyText, m.bodyHtml, m.nextAttemptAt,
         m.createdAt, m.attachment->filename, m.attachment->contentType, store::Value::Bytes{m.attachment->data}});
  }
  EDGE_ASSIGN_OR_RETURN(
      int64_t id,
      tx_.queryInt64("INSERT INTO mail_outbox (tenant_id, recipient, template, variables, subject, body_text, "
                     "body_html, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                     {m.tenantId, m.recipient, m.templateName, variablesJson, m.subject, m.bodyText, m.bodyHtml,
                      m.nextAttemptAt, m.createdAt}));
  return id;
}

core::Result<std::vector<OutboxMessage>> MailStore::due(int64_t now, int limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kColumns +
                                      ", attachment_name, attachment_type, attachment, logo_type, logo"
                                      " FROM mail_outbox WHERE state = 'pending' AND next_attempt_at <= $1 "
                                      "ORDER BY next_attempt_at, id LIMIT $2",
                                  {now, int64_t{limit}}));
  std::vector<OutboxMessage> out;
  for (const Row& r : rows) {
    out.push_back(fromRow(r));
    if (!r.text(13).empty()) out.back().attachment = Attachment{r.text(13), r.text(14), r.bytes(15)};
    if (!r.text(16).empty()) out.back().logo = Attachment{"logo", r.text(16), r.bytes(17)};
  }
  return out;
}

core::Result<std::vector<OutboxMessage>> MailStore::recent(const std::string& tenantId, int limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kColumns +
                                      " FROM mail_outbox WHERE $1 = '*' OR tenant_id = $1 ORDER BY id DESC LIMIT $2",
                                  {tenantId, int64_t{limit}}));
  std::vector<OutboxMessage> out;
  for (const Row& r : rows) out.push_back(fromRow(r));
  return out;
}

core::Result<bool> MailStore::markSent(int64_t id, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE mail_outbox SET state = 'sent', sent_at = $2, "
                                            "attempts = attempts + 1, last_error = '' "
                                            "WHERE id = $1 AND state = 'pending'",
                                            {id, now}));
  return n == 1;
}

core::Status MailStore::markAttempt(int64_t id, const std::string& error, int64_t nextAt, bool giveUp) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, "
                                            "next_attempt_at = $3, state = $4 WHERE id = $1 AND state = 'pending'",
                                            {id, error, nextAt, giveUp ? "failed" : "pending"}));
  (void)n;
  return core::Status::ok();
}

core::Result<std::optional<StoredTemplate>> MailStore::templateOf(const std::string& tenantId,
                                                                   const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT subject, body_text, body_html FROM mail_templates "
                                     "WHERE tenant_id = $1 AND name = $2",
                                     {tenantId, name}));
  if (!row) return std::optional<StoredTemplate>{};
  return std::optional<StoredTemplate>{StoredTemplate{row->text(0), row->text(1), row->text(2)}};
}

core::Status MailStore::putTemplate(const std::string& tenantId, const std::string& name, const StoredTemplate& t,
                                    int64_t now) {
  return tx_
      .exec("INSERT INTO mail_templates (tenant_id, name, subject, body_text, body_html, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, name) DO UPDATE SET "
            "subject = excluded.subject, body_text = excluded.body_text, body_html = excluded.body_html, "
            "updated_at = excluded.updated_at",
            {tenantId, name, t.subject, t.text, t.html, now})
      .status();
}

core::Result<std::optional<Branding>> MailStore::branding(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT display_name, logo_url, primary_colour, accent_colour "
                                     "FROM tenant_branding WHERE tenant_id = $1",
                                     {tenantId}));
  if (!row) return std::optional<Branding>{};
  return std::optional<Branding>{Branding{row->text(0), row->text(1), row->text(2), row->text(3)}};
}

core::Status MailStore::putBranding(const std::string& tenantId, const Branding& b, int64_t now) {
  return tx_
      .exec("INSERT INTO tenant_branding (tenant_id, display_name, logo_url, primary_colour, accent_colour, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO UPDATE SET "
            "display_name = excluded.display_name, logo_url = excluded.logo_url, "
            "primary_colour = excluded.primary_colour, accent_colour = excluded.accent_colour, "
            "updated_at = excluded.updated_at",
            {tenantId, b.displayName, b.logoUrl, b.primaryColour, b.accentColour, now})
      .status();
}

core::Result<std::optional<Branding>> MailStore::partnerBranding(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT display_name, primary_colour, accent_colour "
                                     "FROM partner_branding WHERE partner_id = $1",
                                     {partnerId}));
  if (!row) return std::optional<Branding>{};
  return std::optional<Branding>{Branding{row->text(0), "", row->text(1), row->text(2)}};
}

core::Status MailStore::putPartnerBranding(const std::string& partnerId, const Branding& b, int64_t now) {
  return tx_
      .exec("INSERT INTO partner_branding (partner_id, display_name, primary_colour, accent_colour, updated_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner_id) DO UPDATE SET "
            "display_name = excluded.display_name, primary_colour = excluded.primary_colour, "
            "accent_colour = excluded.accent_colour, updated_at = excluded.updated_at",
            {partnerId, b.displayName, b.primaryColour, b.accentColour, now})
      .status();
}

core::Result<std::optional<PartnerOwner>> MailStore::partnerOwner(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT scope, status, name FROM partners WHERE id = $1", {partnerId}));
  if (!row) return std::optional<PartnerOwner>{};
  return std::optional<PartnerOwner>{PartnerOwner{row->text(0), row->text(1), row->text(2)}};
}

core::Result<std::optional<std::string>> MailStore::resellerAt(const std::string& tenantId, const std::string& username,
                                                               int64_t day) {
  // The attribution in force on `day` (the latest from_day not after it; a detached one has no
  // partner), when it is to one of this tenant's own resellers.
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT a.partner_id, COALESCE(p.scope, '') FROM attributions a "
                                     "LEFT JOIN partners p ON p.id = a.partner_id "
                                     "WHERE a.tenant_id = $1 AND a.username = $2 AND a.from_day <= $3 "
                                     "ORDER BY a.from_day DESC LIMIT 1",
                                     {tenantId, username, day}));
  if (!row || row->text(0).empty() || row->text(1) != tenantId) return std::optional<std::string>{};
  return std::optional<std::string>{row->text(0)};
}

core::Status MailStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM mail_outbox WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM mail_templates WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM tenant_branding WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM tenant_logos WHERE tenant_id = $1", {tenantId}).status());
  return core::Status::ok();
}

}  // namespace mgmt::mail
