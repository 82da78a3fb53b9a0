#include "mgmt/partners/partner_store.h"

#include <algorithm>
#include <functional>

namespace mgmt::partners {

using ::billing::commissions::Books;
using ::billing::commissions::Entry;
using ::billing::commissions::EntryKind;
using store::Row;

namespace {

constexpr const char* kPartnerColumns =
    "id, scope, name, type, tier, status, currency, referral_code, email, hold_days, min_payout, created_at, "
    "referral_window_days, iban, bic";

Partner partnerFrom(const Row& r) {
  Partner p;
  p.id = r.text(0);
  p.scope = r.text(1);
  p.name = r.text(2);
  p.type = r.text(3);
  p.tier = r.text(4);
  p.status = r.text(5);
  p.currency = r.text(6);
  p.referralCode = r.text(7);
  p.email = r.text(8);
  p.holdDays = r.int64(9);
  p.minPayout = r.int64(10);
  p.createdAt = r.int64(11);
  p.referralWindowDays = r.int64(12);
  p.iban = r.text(13);
  p.bic = r.text(14);
  return p;
}

constexpr const char* kEntryColumns =
    "seq, kind, amount, exact, day, period, release_day, tenant_id, username, invoice_id, payment_id, base, note, ref";

EntryKind kindFrom(const std::string& k) {
  if (k == "clawback") return EntryKind::kClawback;
  if (k == "bonus") return EntryKind::kBonus;
  if (k == "payout") return EntryKind::kPayout;
  return EntryKind::kAccrual;
}

Entry entryFrom(const Row& r) {
  Entry e;
  e.seq = r.int64(0);
  e.kind = kindFrom(r.text(1));
  e.amount = r.int64(2);
  e.exact = r.int64(3);
  e.day = r.int64(4);
  e.period = r.int64(5);
  e.releaseDay = r.int64(6);
  e.tenantId = r.text(7);
  e.username = r.text(8);
  e.invoiceId = r.text(9);
  e.paymentId = r.text(10);
  e.base = r.int64(11);
  e.part = r.text(12);
  e.ref = r.text(13);
  return e;
}

std::vector<Entry> entriesFrom(const std::vector<Row>& rows) {
  std::vector<Entry> out;
  for (const Row& r : rows) out.push_back(entryFrom(r));
  return out;
}

Attribution attributionFrom(const Row& r) {
  return Attribution{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.int64(5), r.int64(6)};
}
constexpr const char* kAttributionColumns = "tenant_id, username, partner_id, source, note, from_day, created_at";

constexpr const char* kPayoutColumns =
    "id, partner_id, currency, status, end_to_end_id, amount, approved_day, paid_day, created_at, batch_id, "
    "exported_at, bank_ref";
Payout payoutFrom(const Row& r) {
  return Payout{r.text(0),  r.text(1),  r.text(2),   r.text(3),  r.text(4),  r.int64(5), r.int64(6),
                r.int64(7), r.int64(8), r.text(9), r.int64(10), r.text(11)};
}

}  // namespace

core::Status PartnerStore::insertPartner(const Partner& p) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec(std::string("INSERT INTO partners (") + kPartnerColumns +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
               {p.id, p.scope, p.name, p.type, p.tier, p.status, p.currency, p.referralCode, p.email, p.holdDays,
                p.minPayout, p.createdAt, p.referralWindowDays, p.iban, p.bic})
          .status());
  return tx_.exec("INSERT INTO commission_state (partner_id) VALUES ($1)", {p.id}).status();
}

core::Status PartnerStore::updatePartner(const Partner& p) {
  return tx_
      .exec("UPDATE partners SET name = $2, tier = $3, status = $4, email = $5, hold_days = $6, min_payout = $7, "
            "referral_window_days = $8, iban = $9, bic = $10 WHERE id = $1",
            {p.id, p.name, p.tier, p.status, p.email, p.holdDays, p.minPayout, p.referralWindowDays, p.iban, p.bic})
      .status();
}

core::Result<std::optional<Partner>> PartnerStore::partner(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kPartnerColumns + " FROM partners WHERE id = $1", {id}));
  if (!r) return std::optional<Partner>();
  return std::optional<Partner>(partnerFrom(*r));
}

core::Result<std::optional<Partner>> PartnerStore::partnerByCode(const std::string& code) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kPartnerColumns +
                                                               " FROM partners WHERE referral_code = $1",
                                                           {code}));
  if (!r) return std::optional<Partner>();
  return std::optional<Partner>(partnerFrom(*r));
}

core::Result<std::vector<Partner>> PartnerStore::partners(const std::optional<std::string>& scope) {
  std::vector<Row> rows;
  if (scope) {
    EDGE_ASSIGN_OR_RETURN(rows, tx_.query(std::string("SELECT ") + kPartnerColumns +
                                              " FROM partners WHERE scope = $1 ORDER BY name, id",
                                          {*scope}));
  } else {
    EDGE_ASSIGN_OR_RETURN(rows, tx_.query(std::string("SELECT ") + kPartnerColumns + " FROM partners ORDER BY scope, name, id"));
  }
  std::vector<Partner> out;
  for (const Row& r : rows) out.push_back(partnerFrom(r));
  return out;
}

core::Status PartnerStore::setTier(const std::string& partnerId, int64_t fromDay, const std::string& tier,
                                   const std::string& reason) {
  return tx_
      .exec("INSERT INTO partner_tiers (partner_id, from_day, tier, reason) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (partner_id, from_day) DO UPDATE SET tier = excluded.tier, reason = excluded.reason",
            {partnerId, fromDay, tier, reason})
      .status();
}

core::Result<std::map<int64_t, std::string>> PartnerStore::tiers(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT from_day, tier FROM partner_tiers WHERE partner_id = $1", {partnerId}));
  std::map<int64_t, std::string> out;
  for (const Row& r : rows) out[r.int64(0)] = r.text(1);
  return out;
}

core::Status PartnerStore::putPlan(const std::string& scope, const std::string& name, const std::string& spec, int64_t at) {
  return tx_
      .exec("INSERT INTO commission_plans (scope, name, spec, created_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (scope, name) DO UPDATE SET spec = excluded.spec",
            {scope, name, spec, at})
      .status();
}

core::Result<std::optional<std::string>> PartnerStore::plan(const std::string& scope, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT spec FROM commission_plans WHERE scope = $1 AND name = $2", {scope, name}));
  if (!r) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0));
}

core::Result<std::vector<std::pair<std::string, std::string>>> PartnerStore::plans(const std::string& scope) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT name, spec FROM commission_plans WHERE scope = $1 ORDER BY name", {scope}));
  std::vector<std::pair<std::string, std::string>> out;
  for (const Row& r : rows) out.emplace_back(r.text(0), r.text(1));
  return out;
}

core::Status PartnerStore::assignPlan(const std::string& partnerId, int64_t fromDay, const std::string& plan,
                                      const std::string& spec) {
  return tx_
      .exec("INSERT INTO partner_plans (partner_id, from_day, plan, spec) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (partner_id, from_day) DO UPDATE SET plan = excluded.plan, spec = excluded.spec",
            {partnerId, fromDay, plan, spec})
      .status();
}

core::Result<std::map<int64_t, std::pair<std::string, std::string>>> PartnerStore::partnerPlans(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT from_day, plan, spec FROM partner_plans WHERE partner_id = $1", {partnerId}));
  std::map<int64_t, std::pair<std::string, std::string>> out;
  for (const Row& r : rows) out[r.int64(0)] = {r.text(1), r.text(2)};
  return out;
}

core::Status PartnerStore::attribute(const Attribution& a) {
  return tx_
      .exec("INSERT INTO attributions (tenant_id, username, from_day, partner_id, source, note, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, username, from_day) DO UPDATE SET "
            "partner_id = excluded.partner_id, source = excluded.source, note = excluded.note",
            {a.tenantId, a.username, a.fromDay, a.partnerId, a.source, a.note, a.createdAt})
      .status();
}

core::Result<std::optional<Attribution>> PartnerStore::attributionAt(const std::string& tenantId,
                                                                     const std::string& username, int64_t day) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kAttributionColumns +
                                         " FROM attributions WHERE tenant_id = $1 AND username = $2 AND from_day <= $3 "
                                         "ORDER BY from_day DESC LIMIT 1",
                                     {tenantId, username, day}));
  if (!r) return std::optional<Attribution>();
  return std::optional<Attribution>(attributionFrom(*r));
}

core::Result<std::vector<Attribution>> PartnerStore::attributions(const std::string& tenantId, const std::string& username,
                                                                  const std::string& partnerId) {
  std::string sql = std::string("SELECT ") + kAttributionColumns + " FROM attributions WHERE 1 = 1";
  store::Params params;
  auto add = [&](const char* column, const std::string& v) {
    if (v.empty()) return;
    params.push_back(v);
    sql += std::string(" AND ") + column + " = $" + std::to_string(params.size());
  };
  add("tenant_id", tenantId);
  add("username", username);
  add("partner_id", partnerId);
  sql += " ORDER BY tenant_id, username, from_day LIMIT 10000";
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql, params));
  std::vector<Attribution> out;
  for (const Row& r : rows) out.push_back(attributionFrom(r));
  return out;
}

core::Result<int64_t> PartnerStore::exactTotal(const std::string& partnerId) {
  return tx_.queryInt64("SELECT exact_total FROM commission_state WHERE partner_id = $1", {partnerId});
}

core::Status PartnerStore::appendEntry(const std::string& partnerId, const Entry& e, int64_t at) {
  // The partner's state row orders its entries: seq and the exact total move together.
  EDGE_ASSIGN_OR_RETURN(int64_t seq,
                        tx_.queryInt64("UPDATE commission_state SET next_seq = next_seq + 1, exact_total = exact_total + $2 "
                                       "WHERE partner_id = $1 RETURNING next_seq - 1",
                                       {partnerId, e.exact}));
  return tx_
      .exec(std::string("INSERT INTO commission_entries (partner_id, ") + kEntryColumns +
                ", created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            {partnerId, seq, ::billing::commissions::entryKindName(e.kind), e.amount, e.exact, e.day, e.period,
             e.releaseDay, e.tenantId, e.username, e.invoiceId, e.paymentId, e.base, e.part, e.ref, at})
      .status();
}

core::Result<std::vector<Entry>> PartnerStore::entries(const std::string& partnerId, int64_t fromDay, int64_t toDay,
                                                       int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kEntryColumns +
                                      " FROM commission_entries WHERE partner_id = $1 AND day >= $2 AND day <= $3 "
                                      "ORDER BY seq LIMIT $4",
                                  {partnerId, fromDay, toDay, limit}));
  return entriesFrom(rows);
}

core::Result<std::vector<Entry>> PartnerStore::entriesOfInvoice(const std::string& partnerId, const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kEntryColumns +
                                      " FROM commission_entries WHERE partner_id = $1 AND invoice_id = $2 ORDER BY seq",
                                  {partnerId, invoiceId}));
  return entriesFrom(rows);
}

core::Result<std::vector<Entry>> PartnerStore::entriesOfPayment(const std::string& paymentId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kEntryColumns + ", partner_id" +
                                      " FROM commission_entries WHERE payment_id = $1 AND kind = 'accrual' ORDER BY seq",
                                  {paymentId}));
  std::vector<Entry> out;
  for (const Row& r : rows) {
    Entry e = entryFrom(r);
    e.ref = r.text(14) + "\n" + e.ref;  // the partner, then the ref (the caller splits)
    out.push_back(e);
  }
  return out;
}

core::Result<bool> PartnerStore::otherInvoiceAccrued(const std::string& partnerId, const std::string& tenantId,
                                                     const std::string& username, int64_t fromDay,
                                                     const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT 1 FROM commission_entries WHERE partner_id = $1 AND tenant_id = $2 AND "
                                     "username = $3 AND day >= $4 AND invoice_id <> $5 AND kind = 'accrual' LIMIT 1",
                                     {partnerId, tenantId, username, fromDay, invoiceId}));
  return r.has_value();
}

core::Result<Books::InvoiceState> PartnerStore::invoice(const std::string& partnerId, const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT paid, base FROM commission_invoices WHERE partner_id = $1 AND invoice_id = $2",
                                     {partnerId, invoiceId}));
  Books::InvoiceState s;
  if (r) {
    s.paid = r->int64(0);
    s.base = r->int64(1);
  }
  return s;
}

core::Status PartnerStore::setInvoice(const std::string& partnerId, const std::string& invoiceId,
                                      const Books::InvoiceState& s) {
  return tx_
      .exec("INSERT INTO commission_invoices (partner_id, invoice_id, paid, base) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (partner_id, invoice_id) DO UPDATE SET paid = excluded.paid, base = excluded.base",
            {partnerId, invoiceId, s.paid, s.base})
      .status();
}

core::Result<int64_t> PartnerStore::volume(const std::string& partnerId, int64_t month) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT volume FROM commission_volumes WHERE partner_id = $1 AND period = $2",
                                     {partnerId, month}));
  return r ? r->int64(0) : 0;
}

core::Status PartnerStore::setVolume(const std::string& partnerId, int64_t month, int64_t volume) {
  return tx_
      .exec("INSERT INTO commission_volumes (partner_id, period, volume) VALUES ($1, $2, $3) "
            "ON CONFLICT (partner_id, period) DO UPDATE SET volume = excluded.volume",
            {partnerId, month, volume})
      .status();
}

namespace {

constexpr size_t kInChunk = 200;  // names per IN (...) list (see appendEntries on SQLite's parameters)

// "$from, $from+1, ..." for n parameters.
std::string placeholders(size_t from, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? ", $" : "$") + std::to_string(from + i);
  return out;
}

// Runs `sql` (with "{IN}" where the list goes) over `names` in chunks, `head` before the names.
core::Status inChunks(store::Transaction& tx, const std::string& sql, const store::Params& head,
                      const std::vector<std::string>& names, const std::function<void(const Row&)>& each) {
  const size_t at = sql.find("{IN}");
  for (size_t i = 0; i < names.size(); i += kInChunk) {
    const size_t n = std::min(kInChunk, names.size() - i);
    store::Params params = head;
    for (size_t j = i; j < i + n; ++j) params.push_back(names[j]);
    std::string text = sql.substr(0, at) + placeholders(head.size() + 1, n) + sql.substr(at + 4);
    EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx.query(text, params));
    for (const Row& r : rows) each(r);
  }
  return core::Status::ok();
}

// Multi-row INSERT ... VALUES (...), (...) <tail>, `width` values per row, in chunks.
core::Status insertRows(store::Transaction& tx, const std::string& head, const std::string& tail, size_t width,
                        const std::vector<store::Params>& rows) {
  const size_t perStatement = 512 / width;  // parameters per statement: see appendEntries
  for (size_t i = 0; i < rows.size(); i += perStatement) {
    const size_t n = std::min(perStatement, rows.size() - i);
    std::string sql = head + " VALUES ";
    store::Params params;
    for (size_t j = 0; j < n; ++j) {
      sql += (j ? ", (" : "(") + placeholders(params.size() + 1, width) + ")";
      params.insert(params.end(), rows[i + j].begin(), rows[i + j].end());
    }
    EDGE_RETURN_IF_ERROR(tx.exec(sql + " " + tail, params).status());
  }
  return core::Status::ok();
}

}  // namespace

core::Result<std::vector<Attribution>> PartnerStore::attributionsOf(const std::string& tenantId,
                                                                   const std::vector<std::string>& usernames) {
  std::vector<Attribution> out;
  EDGE_RETURN_IF_ERROR(inChunks(tx_,
                                std::string("SELECT ") + kAttributionColumns +
                                    " FROM attributions WHERE tenant_id = $1 AND username IN ({IN})",
                                {tenantId}, usernames, [&](const Row& r) { out.push_back(attributionFrom(r)); }));
  return out;
}

core::Result<std::vector<PartnerStore::Accrued>> PartnerStore::accruedInvoices(const std::string& tenantId,
                                                                              const std::vector<std::string>& usernames) {
  std::vector<Accrued> out;
  EDGE_RETURN_IF_ERROR(inChunks(tx_,
                                "SELECT partner_id, username, invoice_id, max(day) FROM commission_entries "
                                "WHERE tenant_id = $1 AND username IN ({IN}) AND kind = 'accrual' "
                                "GROUP BY partner_id, username, invoice_id",
                                {tenantId}, usernames,
                                [&](const Row& r) { out.push_back({r.text(0), r.text(1), r.text(2), r.int64(3)}); }));
  return out;
}

core::Result<std::map<std::string, Books::InvoiceState>> PartnerStore::invoiceStates(const std::string& partnerId,
                                                                                    const std::vector<std::string>& invoiceIds) {
  std::map<std::string, Books::InvoiceState> out;
  EDGE_RETURN_IF_ERROR(inChunks(tx_,
                                "SELECT invoice_id, paid, base FROM commission_invoices WHERE partner_id = $1 AND "
                                "invoice_id IN ({IN})",
                                {partnerId}, invoiceIds,
                                [&](const Row& r) { out[r.text(0)] = Books::InvoiceState{r.int64(1), r.int64(2)}; }));
  return out;
}

core::Result<std::map<int64_t, int64_t>> PartnerStore::volumes(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT period, volume FROM commission_volumes WHERE partner_id = $1", {partnerId}));
  std::map<int64_t, int64_t> out;
  for (const Row& r : rows) out[r.int64(0)] = r.int64(1);
  return out;
}

core::Result<std::pair<int64_t, int64_t>> PartnerStore::state(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT next_seq, exact_total FROM commission_state WHERE partner_id = $1", {partnerId}));
  if (!r) return core::corrupt("partner '" + partnerId + "' has no commission state");
  return std::make_pair(r->int64(0), r->int64(1));
}

core::Status PartnerStore::appendEntries(const std::vector<std::pair<std::string, Entry>>& entries, int64_t at) {
  if (entries.empty()) return core::Status::ok();
  std::vector<store::Params> rows;
  rows.reserve(entries.size());
  for (const auto& [partnerId, e] : entries)
    rows.push_back({partnerId, e.seq, ::billing::commissions::entryKindName(e.kind), e.amount, e.exact, e.day, e.period,
                    e.releaseDay, e.tenantId, e.username, e.invoiceId, e.paymentId, e.base, e.part, e.ref, at});
  // SQLite looks a numbered parameter up by a linear scan (sqlite3VListNumToName), so a statement's
  // cost grows with the square of its parameters: on SQLite the rows go 32 at a time (512
  // parameters); PostgreSQL takes them in one COPY.
  const size_t step = tx_.backend() == store::Backend::kSqlite ? 32 : rows.size();
  for (size_t i = 0; i < rows.size(); i += step) {
    const std::vector<store::Params> part(rows.begin() + i, rows.begin() + std::min(rows.size(), i + step));
    EDGE_RETURN_IF_ERROR(tx_
                             .copyRows("commission_entries",
                                       {"partner_id", "seq", "kind", "amount", "exact", "day", "period", "release_day",
                                        "tenant_id", "username", "invoice_id", "payment_id", "base", "note", "ref",
                                        "created_at"},
                                       part)
                             .status());
  }
  return core::Status::ok();
}

core::Status PartnerStore::putInvoiceStates(const std::vector<InvoiceRow>& rows) {
  std::vector<store::Params> params;
  params.reserve(rows.size());
  for (const InvoiceRow& r : rows) params.push_back({r.partnerId, r.invoiceId, r.state.paid, r.state.base});
  return insertRows(tx_, "INSERT INTO commission_invoices (partner_id, invoice_id, paid, base)",
                    "ON CONFLICT (partner_id, invoice_id) DO UPDATE SET paid = excluded.paid, base = excluded.base", 4,
                    params);
}

core::Status PartnerStore::putVolumes(const std::string& partnerId, const std::map<int64_t, int64_t>& volumes) {
  std::vector<store::Params> params;
  for (const auto& [period, volume] : volumes) params.push_back({partnerId, period, volume});
  return insertRows(tx_, "INSERT INTO commission_volumes (partner_id, period, volume)",
                    "ON CONFLICT (partner_id, period) DO UPDATE SET volume = excluded.volume", 3, params);
}

core::Status PartnerStore::setState(const std::string& partnerId, int64_t nextSeq, int64_t exactTotal) {
  return tx_
      .exec("UPDATE commission_state SET next_seq = $2, exact_total = $3 WHERE partner_id = $1",
            {partnerId, nextSeq, exactTotal})
      .status();
}

core::Result<int64_t> PartnerStore::progress(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT last_entry FROM commission_progress WHERE tenant_id = $1", {tenantId}));
  return r ? r->int64(0) : 0;
}

core::Status PartnerStore::setProgress(const std::string& tenantId, int64_t lastEntry) {
  return tx_
      .exec("INSERT INTO commission_progress (tenant_id, last_entry) VALUES ($1, $2) "
            "ON CONFLICT (tenant_id) DO UPDATE SET last_entry = excluded.last_entry",
            {tenantId, lastEntry})
      .status();
}

core::Result<int64_t> PartnerStore::balance(const std::string& partnerId, int64_t throughDay) {
  return tx_.queryInt64("SELECT coalesce(sum(amount), 0) FROM commission_entries WHERE partner_id = $1 AND day <= $2",
                        {partnerId, throughDay});
}

core::Result<int64_t> PartnerStore::onHold(const std::string& partnerId, int64_t day) {
  return tx_.queryInt64("SELECT coalesce(sum(amount), 0) FROM commission_entries WHERE partner_id = $1 AND day <= $2 "
                        "AND release_day > $2 AND amount > 0 AND kind IN ('accrual', 'bonus')",
                        {partnerId, day});
}

core::Result<std::map<std::string, int64_t>> PartnerStore::sumsByKind(const std::string& partnerId, int64_t fromDay,
                                                                      int64_t toDay) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT kind, coalesce(sum(amount), 0) FROM commission_entries WHERE partner_id = $1 "
                                  "AND day >= $2 AND day <= $3 GROUP BY kind",
                                  {partnerId, fromDay, toDay}));
  std::map<std::string, int64_t> out;
  for (const Row& r : rows) out[r.text(0)] = r.int64(1);
  return out;
}

core::Result<std::pair<int64_t, int64_t>> PartnerStore::seqRange(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT count(*), coalesce(max(seq), 0) FROM commission_entries WHERE partner_id = $1",
                                     {partnerId}));
  return std::make_pair(r->int64(0), r->int64(1));
}

core::Result<std::pair<int64_t, int64_t>> PartnerStore::sums(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT coalesce(sum(amount), 0), coalesce(sum(exact), 0) FROM commission_entries "
                                     "WHERE partner_id = $1",
                                     {partnerId}));
  return std::make_pair(r->int64(0), r->int64(1));
}

core::Status PartnerStore::insertPayout(const Payout& p) {
  return tx_
      .exec(std::string("INSERT INTO commission_payouts (") + kPayoutColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            {p.id, p.partnerId, p.currency, p.status, p.endToEndId, p.amount, p.approvedDay, p.paidDay, p.createdAt,
             p.batchId, p.exportedAt, p.bankRef})
      .status();
}

core::Result<std::optional<Payout>> PartnerStore::payout(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kPayoutColumns +
                                                               " FROM commission_payouts WHERE id = $1",
                                                           {id}));
  if (!r) return std::optional<Payout>();
  return std::optional<Payout>(payoutFrom(*r));
}

core::Status PartnerStore::markPaid(const std::string& id, int64_t day) {
  return tx_.exec("UPDATE commission_payouts SET status = 'paid', paid_day = $2 WHERE id = $1", {id, day}).status();
}

core::Result<std::vector<Payout>> PartnerStore::payouts(const std::string& partnerId, const std::string& status) {
  std::string sql = std::string("SELECT ") + kPayoutColumns + " FROM commission_payouts WHERE 1 = 1";
  store::Params params;
  if (!partnerId.empty()) {
    params.push_back(partnerId);
    sql += " AND partner_id = $" + std::to_string(params.size());
  }
  if (!status.empty()) {
    params.push_back(status);
    sql += " AND status = $" + std::to_string(params.size());
  }
  sql += " ORDER BY created_at, id LIMIT 10000";
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql, params));
  std::vector<Payout> out;
  for (const Row& r : rows) out.push_back(payoutFrom(r));
  return out;
}

core::Result<std::optional<Payout>> PartnerStore::payoutByEndToEnd(const std::string& endToEndId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kPayoutColumns +
                                                               " FROM commission_payouts WHERE end_to_end_id = $1",
                                                           {endToEndId}));
  if (!r) return std::optional<Payout>();
  return std::optional<Payout>(payoutFrom(*r));
}

core::Result<std::vector<Payout>> PartnerStore::payoutsOfBatch(const std::string& batchId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(std::string("SELECT ") + kPayoutColumns +
                                                             " FROM commission_payouts WHERE batch_id = $1 ORDER BY id",
                                                         {batchId}));
  std::vector<Payout> out;
  for (const Row& r : rows) out.push_back(payoutFrom(r));
  return out;
}

core::Status PartnerStore::setBatch(const std::string& payoutId, const std::string& batchId, int64_t at) {
  return tx_
      .exec("UPDATE commission_payouts SET batch_id = $2, exported_at = $3 WHERE id = $1 AND batch_id = ''",
            {payoutId, batchId, at})
      .status();
}

core::Status PartnerStore::markPaidByBank(const std::string& payoutId, int64_t day, const std::string& bankRef) {
  return tx_
      .exec("UPDATE commission_payouts SET status = 'paid', paid_day = $2, bank_ref = $3 WHERE id = $1 AND status = 'approved'",
            {payoutId, day, bankRef})
      .status();
}

core::Status PartnerStore::putPayoutAccount(const PayoutAccount& a) {
  return tx_
      .exec("INSERT INTO payout_accounts (scope, name, iban, bic, updated_at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (scope) DO UPDATE SET name = excluded.name, iban = excluded.iban, bic = excluded.bic, "
            "updated_at = excluded.updated_at",
            {a.scope, a.name, a.iban, a.bic, a.updatedAt})
      .status();
}

core::Result<std::optional<PayoutAccount>> PartnerStore::payoutAccount(const std::string& scope) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT scope, name, iban, bic, updated_at FROM payout_accounts WHERE scope = $1", {scope}));
  if (!r) return std::optional<PayoutAccount>();
  return std::optional<PayoutAccount>(PayoutAccount{r->text(0), r->text(1), r->text(2), r->text(3), r->int64(4)});
}

core::Result<bool> PartnerStore::insertStatement(const Statement& s, int64_t at) {
  EDGE_ASSIGN_OR_RETURN(
      int64_t n,
      tx_.exec("INSERT INTO commission_statements (partner_id, period, opening, accrued, clawed_back, bonus, paid_out, "
               "closing, on_hold, payable, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
               "ON CONFLICT (partner_id, period) DO NOTHING",
               {s.partnerId, s.period, s.opening, s.accrued, s.clawedBack, s.bonus, s.paidOut, s.closing, s.onHold,
                s.payable, at}));
  return n > 0;
}

core::Result<std::vector<Statement>> PartnerStore::statements(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT partner_id, period, opening, accrued, clawed_back, bonus, paid_out, closing, "
                                  "on_hold, payable FROM commission_statements WHERE partner_id = $1 ORDER BY period",
                                  {partnerId}));
  std::vector<Statement> out;
  for (const Row& r : rows)
    out.push_back(Statement{r.text(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5), r.int64(6),
                            r.int64(7), r.int64(8), r.int64(9)});
  return out;
}

core::Status PartnerStore::deleteTenant(const std::string& tenantId) {
  for (const char* table : {"commission_statements", "commission_payouts", "commission_entries", "commission_invoices",
                            "commission_volumes", "commission_state", "partner_plans", "partner_tiers",
                            "partner_branding", "partner_logos"})
    EDGE_RETURN_IF_ERROR(tx_.exec(std::string("DELETE FROM ") + table +
                                      " WHERE partner_id IN (SELECT id FROM partners WHERE scope = $1)",
                                  {tenantId})
                             .status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM attributions WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM commission_plans WHERE scope = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM payout_accounts WHERE scope = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM commission_progress WHERE tenant_id = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM partners WHERE scope = $1", {tenantId}).status();
}

}  // namespace mgmt::partners
