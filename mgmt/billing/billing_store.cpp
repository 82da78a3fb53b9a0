#include "mgmt/billing/billing_store.h"

#include <cstring>
#include <map>

namespace mgmt::billing {

using store::Params;
using store::Row;

namespace {

constexpr const char* kInvoiceColumns =
    "id, tenant_id, username, kind, status, number, currency, net, tax, total, paid, tax_region, tax_rate_bp, "
    "tax_treatment, prices_include_tax, reference, credits, credited, issue_day, due_day, created_at";

Invoice invoiceFrom(const Row& r) {
  Invoice i;
  i.id = r.text(0);
  i.tenantId = r.text(1);
  i.username = r.text(2);
  i.kind = r.text(3);
  i.status = r.text(4);
  i.number = r.optInt64(5);
  i.currency = r.text(6);
  i.net = r.int64(7);
  i.tax = r.int64(8);
  i.total = r.int64(9);
  i.paid = r.int64(10);
  i.taxRegion = r.text(11);
  i.taxRateBp = r.int64(12);
  i.taxTreatment = r.text(13);
  i.pricesIncludeTax = r.int64(14) != 0;
  i.reference = r.text(15);
  i.credits = r.text(16);
  i.credited = r.int64(17) != 0;
  i.issueDay = r.int64(18);
  i.dueDay = r.int64(19);
  i.createdAt = r.int64(20);
  return i;
}

constexpr const char* kSubscriptionColumns =
    "id, tenant_id, username, period_months, anchor_day, prepaid, start_day, trial_days, discount_bp, "
    "discount_periods, end_day, billed_until, residual, created_at";

Subscription subscriptionFrom(const Row& r) {
  Subscription s;
  s.id = r.text(0);
  s.tenantId = r.text(1);
  s.username = r.text(2);
  s.periodMonths = r.int64(3);
  s.anchorDay = r.int64(4);
  s.prepaid = r.int64(5) != 0;
  s.startDay = r.int64(6);
  s.trialDays = r.int64(7);
  s.discountBp = r.int64(8);
  s.discountPeriods = r.int64(9);
  s.endDay = r.int64(10);
  s.billedUntil = r.int64(11);
  s.residual = r.int64(12);
  s.createdAt = r.int64(13);
  return s;
}

// Keys whose values differ between two (key, value) listings, a missing key counting as 0.
std::vector<std::string> differing(const std::vector<Row>& a, const std::vector<Row>& b) {
  std::map<std::string, std::pair<int64_t, int64_t>> both;
  for (const Row& r : a) both[r.text(0)].first = r.int64(1);
  for (const Row& r : b) both[r.text(0)].second = r.int64(1);
  std::vector<std::string> out;
  for (const auto& [key, v] : both)
    if (v.first != v.second) out.push_back(key);
  return out;
}

}  // namespace

core::Result<std::optional<Settings>> BillingStore::settings(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT currency, prices_include_tax, payment_days FROM billing_settings "
                                     "WHERE tenant_id = $1",
                                     {tenantId}));
  if (!r) return std::optional<Settings>();
  return std::optional<Settings>(Settings{r->text(0), r->int64(1) != 0, r->int64(2)});
}

core::Status BillingStore::putSettings(const std::string& tenantId, const Settings& s) {
  return tx_
      .exec("INSERT INTO billing_settings (tenant_id, currency, prices_include_tax, payment_days) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant_id) DO UPDATE SET currency = excluded.currency, "
            "prices_include_tax = excluded.prices_include_tax, payment_days = excluded.payment_days",
            {tenantId, s.currency, s.pricesIncludeTax, s.paymentDays})
      .status();
}

core::Result<int64_t> BillingStore::takeNumbers(const std::string& tenantId, const std::string& kind, int64_t n) {
  if (kind == "invoice")
    return tx_.queryInt64("UPDATE billing_settings SET next_invoice = next_invoice + $2 WHERE tenant_id = $1 "
                          "RETURNING next_invoice - $2",
                          {tenantId, n});
  return tx_.queryInt64("UPDATE billing_settings SET next_credit_note = next_credit_note + $2 WHERE tenant_id = $1 "
                        "RETURNING next_credit_note - $2",
                        {tenantId, n});
}

core::Result<int64_t> BillingStore::takeEntryIds(const std::string& tenantId, int64_t n) {
  return tx_.queryInt64("UPDATE billing_settings SET next_entry = next_entry + $2 WHERE tenant_id = $1 "
                        "RETURNING next_entry - $2",
                        {tenantId, n});
}

core::Status BillingStore::putTaxRate(const std::string& tenantId, const TaxRate& r) {
  return tx_
      .exec("INSERT INTO tax_rates (tenant_id, region, rate_bp, name) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant_id, region) DO UPDATE SET rate_bp = excluded.rate_bp, name = excluded.name",
            {tenantId, r.region, r.rateBp, r.name})
      .status();
}

core::Result<std::optional<TaxRate>> BillingStore::taxRate(const std::string& tenantId, const std::string& region) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT region, rate_bp, name FROM tax_rates WHERE tenant_id = $1 AND region = $2",
                                     {tenantId, region}));
  if (!r) return std::optional<TaxRate>();
  return std::optional<TaxRate>(TaxRate{r->text(0), r->int64(1), r->text(2)});
}

core::Result<std::vector<TaxRate>> BillingStore::taxRates(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT region, rate_bp, name FROM tax_rates WHERE tenant_id = $1 ORDER BY region",
                                  {tenantId}));
  std::vector<TaxRate> out;
  for (const Row& r : rows) out.push_back(TaxRate{r.text(0), r.int64(1), r.text(2)});
  return out;
}

core::Status BillingStore::putCustomer(const std::string& tenantId, const Customer& c) {
  return tx_
      .exec("INSERT INTO billing_customers (tenant_id, username, region, tax_status, tax_id) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (tenant_id, username) DO UPDATE SET region = excluded.region, "
            "tax_status = excluded.tax_status, tax_id = excluded.tax_id",
            {tenantId, c.username, c.region, c.taxStatus, c.taxId})
      .status();
}

core::Result<std::optional<Customer>> BillingStore::customer(const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT username, region, tax_status, tax_id FROM billing_customers "
                                     "WHERE tenant_id = $1 AND username = $2",
                                     {tenantId, username}));
  if (!r) return std::optional<Customer>();
  return std::optional<Customer>(Customer{r->text(0), r->text(1), r->text(2), r->text(3)});
}

core::Status BillingStore::insertSubscription(const Subscription& s) {
  EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO subscriptions (id, tenant_id, username, period_months, anchor_day, prepaid, "
                                "start_day, trial_days, discount_bp, discount_periods, end_day, billed_until, residual, "
                                "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                                {s.id, s.tenantId, s.username, s.periodMonths, s.anchorDay, s.prepaid, s.startDay,
                                 s.trialDays, s.discountBp, s.discountPeriods, s.endDay, s.billedUntil, s.residual,
                                 s.createdAt})
                           .status());
  for (const Segment& g : s.segments) EDGE_RETURN_IF_ERROR(putSegment(s.id, g));
  return core::Status::ok();
}

namespace {

// Attaches segments to subscriptions read in id order (rows ordered by subscription, then day).
void attachSegments(std::vector<Subscription>& subs, const std::vector<Row>& rows) {
  size_t i = 0;
  for (const Row& r : rows) {
    const std::string id = r.text(0);
    while (i < subs.size() && subs[i].id < id) ++i;
    if (i < subs.size() && subs[i].id == id) subs[i].segments.push_back(Segment{r.int64(1), r.text(2), r.int64(3), r.int64(4)});
  }
}

}  // namespace

core::Result<std::optional<Subscription>> BillingStore::subscription(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kSubscriptionColumns +
                                      " FROM subscriptions WHERE tenant_id = $1 AND id = $2",
                                  {tenantId, id}));
  if (rows.empty()) return std::optional<Subscription>();
  std::vector<Subscription> subs{subscriptionFrom(rows[0])};
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> segs,
                        tx_.query("SELECT subscription_id, from_day, plan, plan_version, price FROM subscription_segments "
                                  "WHERE subscription_id = $1 ORDER BY from_day",
                                  {id}));
  attachSegments(subs, segs);
  return std::optional<Subscription>(std::move(subs[0]));
}

core::Result<std::vector<Subscription>> BillingStore::subscriptions(const std::string& tenantId,
                                                                    const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kSubscriptionColumns +
                                      " FROM subscriptions WHERE tenant_id = $1 AND ($2 = '' OR username = $2) ORDER BY id",
                                  {tenantId, username}));
  std::vector<Subscription> subs;
  for (const Row& r : rows) subs.push_back(subscriptionFrom(r));
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> segs,
                        tx_.query("SELECT g.subscription_id, g.from_day, g.plan, g.plan_version, g.price "
                                  "FROM subscription_segments g JOIN subscriptions s ON s.id = g.subscription_id "
                                  "WHERE s.tenant_id = $1 AND ($2 = '' OR s.username = $2) "
                                  "ORDER BY g.subscription_id, g.from_day",
                                  {tenantId, username}));
  attachSegments(subs, segs);
  return subs;
}

core::Result<std::vector<Subscription>> BillingStore::dueSubscriptions(const std::string& tenantId, int64_t day,
                                                                       const std::string& afterId, int64_t limit) {
  // With the customer's tax data (one statement, not one more per invoice).
  std::string columns;
  for (const char* c = kSubscriptionColumns; *c != 0;) {
    const char* comma = std::strchr(c, ',');
    std::string name = comma ? std::string(c, comma) : std::string(c);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    columns += (columns.empty() ? "s." : ", s.") + name;
    c = comma ? comma + 1 : c + std::strlen(c);
  }
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT " + columns +
                                      ", c.username, c.region, c.tax_status, c.tax_id FROM subscriptions s "
                                      "LEFT JOIN billing_customers c ON c.tenant_id = s.tenant_id AND c.username = s.username "
                                      "WHERE s.tenant_id = $1 AND s.id > $2 AND s.billed_until <= $3 "
                                      "AND (s.end_day = 0 OR s.billed_until < s.end_day) ORDER BY s.id LIMIT $4",
                                  {tenantId, afterId, day, limit}));
  std::vector<Subscription> subs;
  for (const Row& r : rows) {
    subs.push_back(subscriptionFrom(r));
    if (!r.isNull(14)) subs.back().customer = Customer{r.text(14), r.text(15), r.text(16), r.text(17)};
  }
  if (subs.empty()) return subs;
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> segs,
                        tx_.query("SELECT subscription_id, from_day, plan, plan_version, price FROM subscription_segments "
                                  "WHERE subscription_id > $1 AND subscription_id <= $2 "
                                  "ORDER BY subscription_id, from_day",
                                  {afterId, subs.back().id}));
  attachSegments(subs, segs);
  return subs;
}

core::Status BillingStore::updateProgress(const std::string& id, int64_t billedUntil, int64_t residual) {
  return tx_.exec("UPDATE subscriptions SET billed_until = $2, residual = $3 WHERE id = $1", {id, billedUntil, residual})
      .status();
}

core::Status BillingStore::setEndDay(const std::string& id, int64_t endDay) {
  return tx_.exec("UPDATE subscriptions SET end_day = $2 WHERE id = $1", {id, endDay}).status();
}

core::Status BillingStore::putSegment(const std::string& subscriptionId, const Segment& g) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM subscription_segments WHERE subscription_id = $1 AND from_day >= $2",
                                {subscriptionId, g.fromDay})
                           .status());
  return tx_
      .exec("INSERT INTO subscription_segments (subscription_id, from_day, plan, plan_version, price) "
            "VALUES ($1, $2, $3, $4, $5)",
            {subscriptionId, g.fromDay, g.plan, g.planVersion, g.price})
      .status();
}

core::Result<int64_t> BillingStore::periodsWithoutInvoice(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM billed_periods b JOIN subscriptions s ON s.id = b.subscription_id "
                        "LEFT JOIN invoices i ON i.id = b.invoice_id WHERE s.tenant_id = $1 AND i.id IS NULL",
                        {tenantId});
}

core::Status BillingStore::insertCharge(const std::string& tenantId, const Charge& c) {
  return tx_
      .exec("INSERT INTO charges (id, tenant_id, username, subscription_id, description, amount, day) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {c.id, tenantId, c.username, c.subscriptionId, c.description, c.amount, c.day})
      .status();
}

core::Result<std::vector<Charge>> BillingStore::openCharges(const std::string& tenantId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT id, username, subscription_id, description, amount, day FROM charges "
                                  "WHERE tenant_id = $1 AND invoice_id = '' ORDER BY username, id LIMIT $2",
                                  {tenantId, limit}));
  std::vector<Charge> out;
  for (const Row& r : rows) out.push_back(Charge{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4), r.int64(5)});
  return out;
}

core::Status BillingStore::attachCharge(const std::string& chargeId, const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE charges SET invoice_id = $2 WHERE id = $1 AND invoice_id = ''",
                                            {chargeId, invoiceId}));
  if (n != 1) return core::internalError("charge '" + chargeId + "' is on an invoice already");
  return core::Status::ok();
}

core::Status BillingStore::insertInvoice(const Invoice& i, const std::vector<InvoiceLine>& lines) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec(std::string("INSERT INTO invoices (") + kInvoiceColumns +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
                   "$20, $21)",
               {i.id, i.tenantId, i.username, i.kind, i.status, i.number, i.currency, i.net, i.tax, i.total, i.paid,
                i.taxRegion, i.taxRateBp, i.taxTreatment, i.pricesIncludeTax, i.reference, i.credits, i.credited,
                i.issueDay, i.dueDay, i.createdAt})
          .status());
  int64_t n = 0;
  for (const InvoiceLine& l : lines)
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO invoice_lines (invoice_id, line, description, subscription_id, from_day, "
                                  "to_day, amount) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                  {i.id, ++n, l.description, l.subscriptionId, l.fromDay, l.toDay, l.amount})
                             .status());
  return core::Status::ok();
}

core::Result<std::optional<Invoice>> BillingStore::invoice(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kInvoiceColumns +
                                                               " FROM invoices WHERE tenant_id = $1 AND id = $2",
                                                           {tenantId, id}));
  if (!r) return std::optional<Invoice>();
  return std::optional<Invoice>(invoiceFrom(*r));
}

core::Result<std::optional<Invoice>> BillingStore::invoiceByReference(const std::string& tenantId,
                                                                      const std::string& reference) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kInvoiceColumns +
                                                               " FROM invoices WHERE tenant_id = $1 AND reference = $2",
                                                           {tenantId, reference}));
  if (!r) return std::optional<Invoice>();
  return std::optional<Invoice>(invoiceFrom(*r));
}

core::Result<std::vector<Invoice>> BillingStore::invoices(const std::string& tenantId, const std::string& username,
                                                          const std::string& status, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kInvoiceColumns +
                                      " FROM invoices WHERE tenant_id = $1 AND ($2 = '' OR username = $2) "
                                      "AND ($3 = '' OR status = $3) ORDER BY CASE WHEN status = 'draft' THEN 1 ELSE 0 END DESC, "
                                      "issue_day DESC, number DESC, created_at DESC, id DESC LIMIT $4",
                                  {tenantId, username, status, limit}));
  std::vector<Invoice> out;
  for (const Row& r : rows) out.push_back(invoiceFrom(r));
  return out;
}

core::Result<std::vector<InvoiceLine>> BillingStore::lines(const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT description, subscription_id, from_day, to_day, amount FROM invoice_lines "
                                  "WHERE invoice_id = $1 ORDER BY line",
                                  {invoiceId}));
  std::vector<InvoiceLine> out;
  for (const Row& r : rows) out.push_back(InvoiceLine{r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4)});
  return out;
}

core::Result<std::vector<Invoice>> BillingStore::drafts(const std::string& tenantId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kInvoiceColumns +
                                      " FROM invoices WHERE tenant_id = $1 AND status = 'draft' ORDER BY id LIMIT $2",
                                  {tenantId, limit}));
  std::vector<Invoice> out;
  for (const Row& r : rows) out.push_back(invoiceFrom(r));
  return out;
}

core::Status BillingStore::issue(const Invoice& i) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("UPDATE invoices SET status = 'issued', number = $2, reference = $3, issue_day = $4, "
                                 "due_day = $5, paid = $6 WHERE id = $1 AND status = 'draft'",
                                 {i.id, i.number, i.reference, i.issueDay, i.dueDay, i.paid}));
  if (n != 1) return core::failedPrecondition("invoice '" + i.id + "' is not a draft");
  return core::Status::ok();
}

core::Status BillingStore::addPaid(const std::string& invoiceId, int64_t amount) {
  return tx_.exec("UPDATE invoices SET paid = paid + $2 WHERE id = $1", {invoiceId, amount}).status();
}

core::Status BillingStore::markCredited(const std::string& invoiceId) {
  return tx_.exec("UPDATE invoices SET credited = 1, paid = total WHERE id = $1", {invoiceId}).status();
}

core::Result<std::vector<Invoice>> BillingStore::openInvoices(const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kInvoiceColumns +
                                      " FROM invoices WHERE tenant_id = $1 AND username = $2 AND status = 'issued' "
                                      "AND kind = 'invoice' AND paid < total ORDER BY number",
                                  {tenantId, username}));
  std::vector<Invoice> out;
  for (const Row& r : rows) out.push_back(invoiceFrom(r));
  return out;
}

core::Result<std::vector<BillingStore::OpenByDue>> BillingStore::openByDueDay(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT username, due_day, sum(total - paid) FROM invoices WHERE tenant_id = $1 "
                                  "AND status = 'issued' AND kind = 'invoice' AND paid < total "
                                  "GROUP BY username, due_day ORDER BY username, due_day",
                                  {tenantId}));
  std::vector<OpenByDue> out;
  for (const Row& r : rows) out.push_back(OpenByDue{r.text(0), r.int64(1), r.int64(2)});
  return out;
}

core::Result<std::vector<BillingStore::TaxSum>> BillingStore::taxSums(const std::string& tenantId, int64_t fromDay,
                                                                      int64_t toDay) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT tax_region, tax_treatment, tax_rate_bp, sum(net), sum(tax), count(*) "
                                  "FROM invoices WHERE tenant_id = $1 AND status = 'issued' AND issue_day >= $2 "
                                  "AND issue_day < $3 GROUP BY tax_region, tax_rate_bp, tax_treatment "
                                  "ORDER BY tax_region, tax_rate_bp, tax_treatment",
                                  {tenantId, fromDay, toDay}));
  std::vector<TaxSum> out;
  for (const Row& r : rows) out.push_back(TaxSum{r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5)});
  return out;
}

namespace {

// "INSERT INTO <head> VALUES ($1, ..., $k), ..." for `rows` rows of `columns` values.
std::string multiRowInsert(const char* head, size_t columns, size_t rows, const char* tail) {
  std::string sql = std::string("INSERT INTO ") + head + " VALUES ";
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < columns; ++c) sql += (c == 0 ? "$" : ", $") + std::to_string(++n);
    sql += ")";
  }
  return sql + tail;
}

// Inserts `rows` (each `columns` values, flattened) in chunks of at most `perStatement` rows whose
// sizes are powers of two, so the texts repeat.
core::Status insertRows(store::Transaction& tx, const char* head, size_t columns, const Params& values,
                        size_t perStatement, const char* tail = "") {
  const size_t rows = values.size() / columns;
  for (size_t done = 0; done < rows;) {
    size_t chunk = perStatement;
    while (chunk > rows - done) chunk /= 2;
    Params part(values.begin() + static_cast<std::ptrdiff_t>(done * columns),
                values.begin() + static_cast<std::ptrdiff_t>((done + chunk) * columns));
    EDGE_RETURN_IF_ERROR(tx.exec(multiRowInsert(head, columns, chunk, tail), part).status());
    done += chunk;
  }
  return core::Status::ok();
}

}  // namespace

core::Status BillingStore::insertEntries(const std::string& tenantId, int64_t firstId, int64_t at,
                                         const std::vector<Entry>& entries) {
  Params heads, lines;
  int64_t id = firstId;
  for (const Entry& e : entries) {
    heads.insert(heads.end(), {tenantId, id, at, e.kind, e.ref});
    for (const LedgerLine& l : e.lines) lines.insert(lines.end(), {tenantId, id, l.account, l.amount});
    ++id;
  }
  EDGE_RETURN_IF_ERROR(insertRows(tx_, "ledger_entries (tenant_id, id, at, kind, ref)", 5, heads, kRowsPerInsert));
  return insertRows(tx_, "ledger_lines (tenant_id, entry_id, account, amount)", 4, lines, kRowsPerInsert);
}

core::Status BillingStore::insertInvoices(const std::vector<Invoice>& invoices,
                                          const std::vector<std::vector<InvoiceLine>>& lines) {
  Params heads, rows;
  for (size_t k = 0; k < invoices.size(); ++k) {
    const Invoice& i = invoices[k];
    heads.insert(heads.end(), {i.id, i.tenantId, i.username, i.kind, i.status, i.number, i.currency, i.net, i.tax,
                               i.total, i.paid, i.taxRegion, i.taxRateBp, i.taxTreatment, i.pricesIncludeTax,
                               i.reference, i.credits, i.credited, i.issueDay, i.dueDay, i.createdAt});
    int64_t n = 0;
    for (const InvoiceLine& l : lines[k])
      rows.insert(rows.end(), {i.id, ++n, l.description, l.subscriptionId, l.fromDay, l.toDay, l.amount});
  }
  const std::string head = std::string("invoices (") + kInvoiceColumns + ")";
  EDGE_RETURN_IF_ERROR(insertRows(tx_, head.c_str(), 21, heads, kRowsPerInsert));
  return insertRows(tx_, "invoice_lines (invoice_id, line, description, subscription_id, from_day, to_day, amount)", 7,
                    rows, kRowsPerInsert);
}

core::Status BillingStore::claimPeriods(const std::vector<Claim>& claims) {
  // Plain INSERTs: a key taken already is a duplicate, which fails the unit of work.
  Params rows;
  for (const Claim& c : claims) rows.insert(rows.end(), {c.subscriptionId, c.periodStart, c.invoiceId});
  return insertRows(tx_, "billed_periods (subscription_id, period_start, invoice_id)", 3, rows, kRowsPerInsert);
}

namespace {

// "(VALUES ($1, ..), ..) AS v" for `rows` rows of `columns`: its columns are v.column1.. on both
// backends.
std::string valuesTable(size_t columns, size_t rows) {
  std::string sql = "(VALUES ";
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < columns; ++c) sql += (c == 0 ? "$" : ", $") + std::to_string(++n);
    sql += ")";
  }
  return sql + ") AS v";
}

// Runs `sql(valuesTable)` over `values` in power-of-two chunks; returns the rows changed.
core::Result<int64_t> updateRows(store::Transaction& tx, const std::string& before, const std::string& after,
                                 size_t columns, const Params& values, size_t perStatement) {
  const size_t rows = values.size() / columns;
  int64_t changed = 0;
  for (size_t done = 0; done < rows;) {
    size_t chunk = perStatement;
    while (chunk > rows - done) chunk /= 2;
    Params part(values.begin() + static_cast<std::ptrdiff_t>(done * columns),
                values.begin() + static_cast<std::ptrdiff_t>((done + chunk) * columns));
    EDGE_ASSIGN_OR_RETURN(int64_t n, tx.exec(before + valuesTable(columns, chunk) + after, part));
    changed += n;
    done += chunk;
  }
  return changed;
}

}  // namespace

core::Status BillingStore::updateProgress(const std::vector<Subscription>& subs) {
  Params rows;
  for (const Subscription& s : subs) rows.insert(rows.end(), {s.id, s.billedUntil, s.residual});
  EDGE_ASSIGN_OR_RETURN(int64_t n, updateRows(tx_, "UPDATE subscriptions SET billed_until = v.column2, "
                                                   "residual = v.column3 FROM ",
                                              " WHERE subscriptions.id = v.column1", 3, rows, kRowsPerInsert));
  if (n != static_cast<int64_t>(subs.size())) return core::internalError("billing: a subscription went away during a run");
  return core::Status::ok();
}

core::Status BillingStore::issue(const std::vector<Invoice>& invoices) {
  Params rows;
  for (const Invoice& i : invoices)
    rows.insert(rows.end(), {i.id, i.number, i.reference, i.issueDay, i.dueDay, i.paid});
  EDGE_ASSIGN_OR_RETURN(int64_t n, updateRows(tx_, "UPDATE invoices SET status = 'issued', number = v.column2, "
                                                   "reference = v.column3, issue_day = v.column4, due_day = v.column5, "
                                                   "paid = v.column6 FROM ",
                                              " WHERE invoices.id = v.column1 AND invoices.status = 'draft'", 6, rows,
                                              kRowsPerInsert));
  if (n != static_cast<int64_t>(invoices.size())) return core::failedPrecondition("an invoice is not a draft any more");
  return core::Status::ok();
}

core::Status BillingStore::addToBalances(const std::string& tenantId, const std::map<std::string, int64_t>& deltas) {
  // In account order (two units of work touching the same accounts lock them in the same order);
  // each account once per statement, as ON CONFLICT requires.
  Params rows;
  for (const auto& [account, delta] : deltas) rows.insert(rows.end(), {tenantId, account, delta});
  return insertRows(tx_, "ledger_balances (tenant_id, account, balance)", 3, rows, kRowsPerInsert,
                    " ON CONFLICT (tenant_id, account) DO UPDATE SET balance = ledger_balances.balance + excluded.balance");
}

core::Result<int64_t> BillingStore::balance(const std::string& tenantId, const std::string& account) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT balance FROM ledger_balances WHERE tenant_id = $1 AND account = $2",
                                     {tenantId, account}));
  return r ? r->int64(0) : 0;
}

core::Result<std::vector<LedgerLine>> BillingStore::balances(const std::string& tenantId, const std::string& prefix,
                                                             bool nonZero) {
  if (prefix.empty()) return core::invalidArgument("balances: an empty prefix");
  std::string past = prefix;
  past.back() = static_cast<char>(past.back() + 1);  // "credit:" .. "credit;": the prefix's range of the key
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT account, balance FROM ledger_balances WHERE tenant_id = $1 "
                                  "AND account >= $2 AND account < $3 AND ($4 = 0 OR balance <> 0) ORDER BY account",
                                  {tenantId, prefix, past, nonZero}));
  std::vector<LedgerLine> out;
  for (const Row& r : rows) out.push_back(LedgerLine{r.text(0), r.int64(1)});
  return out;
}

core::Result<bool> BillingStore::insertPayment(const Payment& p) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("INSERT INTO payments (id, tenant_id, username, method, amount, currency, "
                                            "reference, idempotency_key, day, created_at) "
                                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                                            "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING",
                                            {p.id, p.tenantId, p.username, p.method, p.amount, p.currency, p.reference,
                                             p.key, p.day, p.createdAt}));
  return n == 1;
}

core::Result<std::optional<Payment>> BillingStore::paymentByKey(const std::string& tenantId, const std::string& key) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT id, tenant_id, username, method, currency, reference, idempotency_key, "
                                     "amount, day, created_at FROM payments WHERE tenant_id = $1 AND idempotency_key = $2",
                                     {tenantId, key}));
  if (!r) return std::optional<Payment>();
  return std::optional<Payment>(Payment{r->text(0), r->text(1), r->text(2), r->text(3), r->text(4), r->text(5),
                                        r->text(6), r->int64(7), r->int64(8), r->int64(9)});
}

core::Result<std::optional<Payment>> BillingStore::payment(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT id, tenant_id, username, method, currency, reference, idempotency_key, "
                                     "amount, day, created_at FROM payments WHERE tenant_id = $1 AND id = $2",
                                     {tenantId, id}));
  if (!r) return std::optional<Payment>();
  return std::optional<Payment>(Payment{r->text(0), r->text(1), r->text(2), r->text(3), r->text(4), r->text(5),
                                        r->text(6), r->int64(7), r->int64(8), r->int64(9)});
}

core::Result<std::optional<Invoice>> BillingStore::creditNoteByReference(const std::string& tenantId,
                                                                         const std::string& reference) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kInvoiceColumns +
                                         " FROM invoices WHERE tenant_id = $1 AND kind = 'credit-note' AND reference = $2",
                                     {tenantId, reference}));
  if (!r) return std::optional<Invoice>();
  return std::optional<Invoice>(invoiceFrom(*r));
}

core::Result<int64_t> BillingStore::creditedAmount(const std::string& tenantId, const std::string& invoiceId) {
  return tx_.queryInt64("SELECT COALESCE(-sum(total), 0) FROM invoices WHERE tenant_id = $1 AND kind = 'credit-note' "
                        "AND credits = $2",
                        {tenantId, invoiceId});
}

core::Status BillingStore::insertAllocation(const std::string& paymentId, const std::string& invoiceId, int64_t amount) {
  return tx_
      .exec("INSERT INTO payment_allocations (payment_id, invoice_id, amount) VALUES ($1, $2, $3)",
            {paymentId, invoiceId, amount})
      .status();
}

core::Result<int64_t> BillingStore::unbalancedEntries(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM (SELECT entry_id FROM ledger_lines WHERE tenant_id = $1 "
                        "GROUP BY entry_id HAVING sum(amount) <> 0) u",
                        {tenantId});
}

core::Result<std::vector<std::string>> BillingStore::balanceMismatches(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> kept,
                        tx_.query("SELECT account, balance FROM ledger_balances WHERE tenant_id = $1", {tenantId}));
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> summed,
                        tx_.query("SELECT account, sum(amount) FROM ledger_lines WHERE tenant_id = $1 GROUP BY account",
                                  {tenantId}));
  return differing(kept, summed);
}

core::Result<BillingStore::Numbers> BillingStore::numbers(const std::string& tenantId, const std::string& kind) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT count(DISTINCT number), coalesce(min(number), 0), coalesce(max(number), 0) "
                                     "FROM invoices WHERE tenant_id = $1 AND kind = $2 AND status = 'issued'",
                                     {tenantId, kind}));
  Numbers n;
  if (r) {
    n.count = r->int64(0);
    n.min = r->int64(1);
    n.max = r->int64(2);
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> s,
                        tx_.queryOne("SELECT next_invoice, next_credit_note FROM billing_settings WHERE tenant_id = $1",
                                     {tenantId}));
  if (s) n.next = kind == "invoice" ? s->int64(0) : s->int64(1);
  return n;
}

core::Result<int64_t> BillingStore::issuedWithoutEntry(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM invoices i WHERE i.tenant_id = $1 AND i.status = 'issued' AND NOT EXISTS "
                        "(SELECT 1 FROM ledger_entries e WHERE e.tenant_id = $1 AND e.ref = i.id)",
                        {tenantId});
}

core::Result<std::vector<std::string>> BillingStore::receivableMismatches(const std::string& tenantId) {
  // What a customer's issued invoices leave open must be its receivable account's balance.
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> kept,
                        tx_.query("SELECT substr(account, 12), balance FROM ledger_balances WHERE tenant_id = $1 "
                                  "AND substr(account, 1, 11) = 'receivable:'",
                                  {tenantId}));
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> open,
                        tx_.query("SELECT username, sum(total - paid) FROM invoices WHERE tenant_id = $1 "
                                  "AND status = 'issued' AND kind = 'invoice' AND total >= 0 GROUP BY username",
                                  {tenantId}));
  return differing(kept, open);
}

core::Status BillingStore::deleteTenant(const std::string& tenantId) {
  // Rows that hang off a parent without a tenant column of their own go first, by their parent.
  static const char* const kByParent[] = {
      "DELETE FROM payment_allocations WHERE payment_id IN (SELECT id FROM payments WHERE tenant_id = $1)",
      "DELETE FROM payment_allocations WHERE invoice_id IN (SELECT id FROM invoices WHERE tenant_id = $1)",
      "DELETE FROM invoice_lines WHERE invoice_id IN (SELECT id FROM invoices WHERE tenant_id = $1)",
      "DELETE FROM billed_periods WHERE subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = $1)",
      "DELETE FROM subscription_segments WHERE subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = $1)",
  };
  for (const char* sql : kByParent) EDGE_RETURN_IF_ERROR(tx_.exec(sql, {tenantId}).status());
  for (const char* table : {"charges", "invoices", "payments", "subscriptions", "ledger_lines", "ledger_entries",
                            "ledger_balances", "billing_customers", "tax_rates", "billing_settings",
                            "invoice_mailing"})
    EDGE_RETURN_IF_ERROR(
        tx_.exec(std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", {tenantId}).status());
  return core::Status::ok();
}

core::Result<std::vector<BillingStore::MailingDue>> BillingStore::mailingDue(int64_t limit) {
  // next_invoice is the number the next issued invoice takes: what lies below it is issued.
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT s.tenant_id, COALESCE(m.mailed_through, 0), s.next_invoice - 1 "
                                  "FROM billing_settings s LEFT JOIN invoice_mailing m ON m.tenant_id = s.tenant_id "
                                  "WHERE s.next_invoice - 1 > COALESCE(m.mailed_through, 0) ORDER BY s.tenant_id LIMIT $1",
                                  {limit}));
  std::vector<MailingDue> out;
  for (const Row& r : rows) out.push_back(MailingDue{r.text(0), r.int64(1), r.int64(2)});
  return out;
}

core::Result<std::vector<Invoice>> BillingStore::issuedByNumber(const std::string& tenantId, const std::string& kind,
                                                                int64_t after, int64_t upTo) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kInvoiceColumns +
                                      " FROM invoices WHERE tenant_id = $1 AND kind = $2 AND number > $3 AND "
                                      "number <= $4 ORDER BY number",
                                  {tenantId, kind, after, upTo}));
  std::vector<Invoice> out;
  for (const Row& r : rows) out.push_back(invoiceFrom(r));
  return out;
}

core::Result<std::optional<Invoice>> BillingStore::issuedInvoice(const std::string& tenantId, const std::string& kind,
                                                                 int64_t number) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> found, issuedByNumber(tenantId, kind, number - 1, number));
  if (found.empty()) return std::optional<Invoice>();
  return std::optional<Invoice>(found.front());
}

core::Result<bool> BillingStore::moveMailedThrough(const std::string& tenantId, int64_t from, int64_t to, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("INSERT INTO invoice_mailing (tenant_id, mailed_through, updated_at) VALUES ($1, $3, $4) "
                                 "ON CONFLICT (tenant_id) DO UPDATE SET mailed_through = excluded.mailed_through, "
                                 "updated_at = excluded.updated_at WHERE invoice_mailing.mailed_through = $2",
                                 {tenantId, from, to, now}));
  return n == 1;  // a new row (no mark yet: from is 0), or the mark was at `from`
}

}  // namespace mgmt::billing
