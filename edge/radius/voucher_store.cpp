#include "edge/radius/voucher_store.h"

namespace edge {

core::Result<int64_t> insertVoucherBatch(core::Database& db, const VoucherBatchRow& b) {
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO voucher_batches(name, plan_id, count, prefix, valid_for, price_minor, currency, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.isOk()) return st.status();
  core::Status r = st->bindText(1, b.name)
                       .bindInt64(2, b.planId)
                       .bindInt64(3, b.count)
                       .bindText(4, b.prefix)
                       .bindInt64(5, b.validFor)
                       .bindInt64(6, b.priceMinor)
                       .bindText(7, b.currency)
                       .bindInt64(8, b.createdAt)
                       .run();
  if (!r.isOk()) return r;
  return db.lastInsertRowId();
}

core::Result<std::vector<VoucherRow>> loadVouchers(core::Database& db, const std::string& batch, const std::string& code) {
  core::Result<core::Statement> st = db.prepare(
      "SELECT s.username, b.name, p.name, s.status, s.mac, s.first_login, s.expires_at, s.validity_seconds, "
      "b.price_minor, b.currency, b.created_at FROM subscribers s JOIN voucher_batches b ON b.id = s.voucher_batch "
      "JOIN plans p ON p.id = s.plan_id WHERE s.voucher_batch <> 0 AND (?1 = '' OR b.name = ?1) AND "
      "(?2 = '' OR s.username = ?2) ORDER BY b.id, s.id");
  if (!st.isOk()) return st.status();
  st->bindText(1, batch).bindText(2, code);
  std::vector<VoucherRow> out;
  for (;;) {
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) return out;
    VoucherRow v;
    v.code = st->columnText(0);
    v.batch = st->columnText(1);
    v.plan = st->columnText(2);
    v.status = st->columnText(3);
    v.mac = st->columnText(4);
    v.firstLogin = st->columnInt64(5);
    v.expiresAt = st->columnInt64(6);
    v.validFor = st->columnInt64(7);
    v.priceMinor = st->columnInt64(8);
    v.currency = st->columnText(9);
    v.createdAt = st->columnInt64(10);
    out.push_back(std::move(v));
  }
}

}  // namespace edge
