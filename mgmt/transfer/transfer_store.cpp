#include "mgmt/transfer/transfer_store.h"

#include <algorithm>

namespace mgmt::transfer {

using store::Backend;
using store::Row;
using store::Value;

const std::vector<TableSpec>& platformTables() {
  // mgmt/mgmt_schema.cpp's tables, every one (a table missing here stops the copy before a row is
  // written), each after the tables its foreign keys reference; rows without a foreign key follow
  // their owners all the same.
  static const std::vector<TableSpec> tables = {
      {"tenants", {"id"}},
      {"plans", {"tenant_id", "name"}},
      {"subscribers", {"tenant_id", "username"}},
      {"claims", {"id"}},
      {"devices", {"id"}},
      {"usage", {"device_id", "seq"}},
      {"usage_totals", {"tenant_id", "username"}},
      {"sessions", {"device_id", "id"}},
      {"device_events", {"device_id", "seq"}},
      {"commands", {"id"}},
      {"tokens", {"id"}},
      {"customers", {"tenant_id", "id"}},
      {"customer_keys", {"tenant_id", "term", "customer_id"}},
      {"tenant_branding", {"tenant_id"}},
      {"mail_templates", {"tenant_id", "name"}},
      {"mail_outbox", {"id"}},
      {"signups", {"id"}},
      {"jobs", {"id"}},
      {"signup_funnel", {"week"}},
      // People and the audit log (migration 3), billing (4): owners before what references them.
      {"people", {"id"}},
      {"recovery_codes", {"person_id", "code_sha256"}},
      {"auth_sessions", {"id"}},
      {"password_links", {"token_sha256"}},
      {"audit_log", {"id"}},
      {"billing_settings", {"tenant_id"}},
      {"tax_rates", {"tenant_id", "region"}},
      {"billing_customers", {"tenant_id", "username"}},
      {"subscriptions", {"id"}},
      {"subscription_segments", {"subscription_id", "from_day"}},
      {"billed_periods", {"subscription_id", "period_start"}},
      {"charges", {"id"}},
      {"invoices", {"id"}},
      {"invoice_lines", {"invoice_id", "line"}},
      {"ledger_entries", {"tenant_id", "id"}},
      {"ledger_lines", {"tenant_id", "entry_id", "account"}},
      {"ledger_balances", {"tenant_id", "account"}},
      {"payments", {"id"}},
      {"payment_allocations", {"payment_id", "invoice_id"}},
      // Payments that arrive by themselves (migration 11, ADR 0039).
      {"payment_providers", {"tenant_id"}},
      {"checkout_sessions", {"tenant_id", "id"}},
      {"webhook_events", {"tenant_id", "event_id"}},
      {"webhook_signatures", {"tenant_id", "signature"}},
      {"bank_statements", {"tenant_id", "id"}},
      {"bank_lines", {"tenant_id", "ref"}},
      // Top-ups bought in self-care, refunds and chargebacks (migration 22, ADR 0058).
      {"topup_products", {"tenant_id", "name"}},
      {"topup_orders", {"tenant_id", "id"}},
      {"payment_reversals", {"tenant_id", "id"}},
      {"invoice_mailing", {"tenant_id"}},  // migration 8: invoices mailed as PDFs
      // Insight (migration 7): daily features, models, scores.
      {"insight_customer_days", {"tenant_id", "customer_id", "day"}},
      {"insight_tenant_days", {"tenant_id", "day"}},
      {"insight_models", {"tenant_id"}},
      {"insight_scores", {"tenant_id", "customer_id"}},
      // Partners and the commission ledger (migration 9).
      {"partners", {"id"}},
      {"partner_tiers", {"partner_id", "from_day"}},
      {"commission_plans", {"scope", "name"}},
      {"partner_plans", {"partner_id", "from_day"}},
      {"attributions", {"tenant_id", "username", "from_day"}},
      {"commission_state", {"partner_id"}},
      {"commission_entries", {"partner_id", "seq"}},
      {"commission_invoices", {"partner_id", "invoice_id"}},
      {"commission_volumes", {"partner_id", "period"}},
      {"commission_progress", {"tenant_id"}},
      {"commission_payouts", {"id"}},
      {"commission_statements", {"partner_id", "period"}},
      {"import_batches", {"tenant_id", "id"}},  // migration 13: import batches (ADR 0049)
      {"dunning_policies", {"tenant_id"}},  // migration 14: dunning (ADR 0047)
      {"dunning_state", {"tenant_id", "subscription_id"}},
      {"dunning_log", {"id"}},
      {"firmware_releases", {"version"}},  // migration 16: firmware rollouts (ADR 0052)
      {"maintenance_windows", {"tenant_id"}},
      {"rollouts", {"id"}},
      {"rollout_devices", {"rollout_id", "device_id"}},
      {"fleet_alerts", {"id"}},  // migration 17: monitoring and notifications (ADR 0054)
      {"alert_customers", {"alert_id", "username"}},
      {"notification_settings", {"tenant_id"}},
      {"notification_prefs", {"tenant_id", "customer_id"}},
      {"planned_maintenance", {"id"}},
      {"notifications", {"id"}},
      {"tenant_logos", {"tenant_id"}},  // migration 18: tenants' uploaded logos (issue 23)
      {"payout_accounts", {"scope"}},  // migration 20: the payer's account of partner payouts (ADR 0056)
      // Migration 21: the partner programme (ADR 0055).
      {"partner_territories", {"id"}},
      {"partner_applications", {"id"}},
      {"partner_agreements", {"version"}},
      {"partner_acceptances", {"partner_id", "version", "person"}},
      {"partner_tier_rules", {"scope"}},
      {"network_devices", {"box_id", "name"}},  // migration 23: the boxes' network devices (ADR 0062)
      {"partner_referral_visits", {"partner_id", "day", "visitor"}},  // migration 24: referral-link visits
      {"partner_branding", {"partner_id"}},  // migration 25: a reseller's brand (ADR 0064)
      {"partner_logos", {"partner_id"}},
      {"network_inventory", {"box_id", "name"}},  // migration 26: sites and links of network devices (ADR 0068)
      {"box_sites", {"box_id"}},
      {"box_live_sessions", {"box_id"}},  // migration 28: the sessions open on each box (ADR 0074)
      {"insight_runs", {"day"}},  // migration 29: the daily insight run (ADR 0074)
      {"refund_requests", {"tenant_id", "request_key"}},  // migration 30: refunds started from mgmt, by key (ADR 0072)
  };
  return tables;
}

namespace {

// Names come from platformTables() or the database's catalog, never from a user; quoted anyway, so
// a column named like a keyword reads the same on both backends.
std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string columnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + quoted(c);
  return out;
}

// SQLite allows 32766 parameters in a statement, PostgreSQL 65535; rows per INSERT stay well below.
constexpr size_t kMaxParameters = 30000;
constexpr size_t kMaxRowsPerStatement = 500;

}  // namespace

core::Result<std::vector<std::string>> TransferStore::tableNames() {
  const char* sql = tx_.backend() == Backend::kSqlite
                        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_'"
                        : "SELECT table_name::text FROM information_schema.tables "
                          "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'";
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql));
  std::vector<std::string> names;
  for (const Row& r : rows) {
    std::string name = r.text(0);
    // Not copied: the schema's own record, the device API's TLS ticket keys (ADR 0044), which
    // live one rotation period and which the target's mgmtd makes for itself (boxes shake hands in
    // full once), and the web surfaces' sessions, keys, codes and attempts (ADR 0051): people sign
    // in again on the new platform, and its mgmtd makes its own CSRF keys.
    static const char* const kNotCopied[] = {"schema_migrations", "tls_ticket_keys", "web_sessions",
                                             "web_keys", "selfcare_codes", "selfcare_attempts"};
    if (std::find(std::begin(kNotCopied), std::end(kNotCopied), name) == std::end(kNotCopied))
      names.push_back(std::move(name));
  }
  return names;
}

core::Result<std::vector<std::string>> TransferStore::columns(const std::string& table) {
  const char* sql = tx_.backend() == Backend::kSqlite
                        ? "SELECT name FROM pragma_table_info($1) ORDER BY cid"
                        : "SELECT column_name::text FROM information_schema.columns "
                          "WHERE table_schema = current_schema() AND table_name::text = $1 ORDER BY ordinal_position";
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql, {table}));
  if (rows.empty()) return core::notFound("no table " + table);
  std::vector<std::string> names;
  for (const Row& r : rows) names.push_back(r.text(0));
  return names;
}

core::Result<int64_t> TransferStore::count(const std::string& table) {
  return tx_.queryInt64("SELECT count(*) FROM " + quoted(table));
}

core::Result<std::vector<Row>> TransferStore::readBatch(const TableSpec& table, const std::vector<std::string>& columns,
                                                        const std::vector<Value>& after, int64_t limit) {
  std::string sql = "SELECT " + columnList(columns) + " FROM " + quoted(table.name);
  store::Params params;
  if (!after.empty()) {
    if (after.size() != table.key.size()) return core::internalError("transfer: key of " + table.name + " mismatched");
    // Row values: (a, b) > ($1, $2) is the lexicographic order of ORDER BY a, b on both backends.
    std::string placeholders;
    for (size_t i = 0; i < after.size(); ++i) {
      placeholders += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
      params.push_back(after[i]);
    }
    sql += " WHERE (" + columnList(table.key) + ") > (" + placeholders + ")";
  }
  // The limit is ours, a number: written in (as a parameter, GCC 12 sees a variant it takes for
  // uninitialized).
  sql += " ORDER BY " + columnList(table.key) + " LIMIT " + std::to_string(limit);
  return tx_.query(sql, params);
}

core::Status TransferStore::insertRows(const std::string& table, const std::vector<std::string>& columns,
                                       const std::vector<Row>& rows) {
  if (columns.empty()) return core::internalError("transfer: no columns for " + table);
  const size_t perStatement = std::max<size_t>(1, std::min(kMaxRowsPerStatement, kMaxParameters / columns.size()));
  const std::string head = "INSERT INTO " + quoted(table) + " (" + columnList(columns) + ") VALUES ";
  for (size_t first = 0; first < rows.size(); first += perStatement) {
    const size_t last = std::min(rows.size(), first + perStatement);
    std::string sql = head;
    store::Params params;
    params.reserve((last - first) * columns.size());
    for (size_t r = first; r < last; ++r) {
      if (rows[r].size() != columns.size()) return core::internalError("transfer: a row of " + table + " is short");
      sql += r == first ? "(" : ", (";
      for (size_t c = 0; c < columns.size(); ++c) {
        params.push_back(rows[r].value(c));
        sql += (c == 0 ? "$" : ", $") + std::to_string(params.size());
      }
      sql += ")";
    }
    EDGE_RETURN_IF_ERROR(tx_.exec(sql, params).status());
  }
  return core::Status::ok();
}

core::Status TransferStore::deleteAll() {
  const std::vector<TableSpec>& tables = platformTables();
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM " + quoted(it->name)).status());
  }
  return core::Status::ok();
}

core::Result<int64_t> TransferStore::advanceIdentities() {
  if (tx_.backend() != Backend::kPostgres) return int64_t{0};
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> identities,
                        tx_.query("SELECT table_name::text, column_name::text FROM information_schema.columns "
                                  "WHERE table_schema = current_schema() AND is_identity = 'YES'"));
  int64_t set = 0;
  for (const Row& r : identities) {
    const std::string table = r.text(0), column = r.text(1);
    const std::vector<TableSpec>& known = platformTables();
    if (std::none_of(known.begin(), known.end(), [&](const TableSpec& t) { return t.name == table; })) continue;
    // is_called false: the next value drawn is max + 1 (1 on an empty table).
    EDGE_RETURN_IF_ERROR(tx_.query("SELECT setval(pg_get_serial_sequence($1, $2), "
                                   "COALESCE((SELECT max(" + quoted(column) + ") FROM " + quoted(table) + "), 0) + 1, false)",
                                   {table, column})
                             .status());
    ++set;
  }
  return set;
}

core::Result<std::map<std::string, UsageSums>> TransferStore::sums(const std::string& sql) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql));
  std::map<std::string, UsageSums> out;
  for (const Row& r : rows) out[r.text(0)] = UsageSums{r.int64(1), r.int64(2), r.int64(3), r.int64(4)};
  return out;
}

core::Result<std::map<std::string, UsageSums>> TransferStore::usageByDevice() {
  return sums("SELECT device_id, count(*), sum(input_octets), sum(output_octets), sum(session_time) "
              "FROM usage GROUP BY device_id");
}

core::Result<std::map<std::string, UsageSums>> TransferStore::usageByTenant() {
  return sums("SELECT tenant_id, count(*), sum(input_octets), sum(output_octets), sum(session_time) "
              "FROM usage GROUP BY tenant_id");
}

core::Result<std::map<std::string, UsageSums>> TransferStore::totalsByTenant() {
  return sums("SELECT tenant_id, sum(records), sum(input_octets), sum(output_octets), sum(session_time) "
              "FROM usage_totals GROUP BY tenant_id");
}

}  // namespace mgmt::transfer
