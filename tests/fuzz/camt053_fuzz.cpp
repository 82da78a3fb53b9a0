// ISO 20022 camt.053 bank statements (billing/payments/bank_statement.h): what a bank, or anyone
// able to hand an operator a file, gives bank-import. Input: the XML.
// Properties: a statement that parses has at most kMaxStatementEntries lines (credits and debits), each with a positive
// amount within kMaxPrice, a three-letter currency, a ref, and texts no longer than the field limit
// (joined Ustrd texts excepted, bounded by the input); matching every line against a small set of
// open invoices never suggests an invoice that is not in it and keeps the confidence in 0..100.
#include <cstdint>
#include <string>

#include "billing/invoicing/proration.h"
#include "billing/payments/bank_matching.h"
#include "billing/payments/bank_statement.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "camt053";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  core::Result<billing::BankStatement> s = billing::parseCamt053(xml);
  if (!s.isOk()) {
    FUZZ_CHECK(!s.status().message().empty(), "a refusal without a message");
    return 0;
  }
  FUZZ_CHECK(s->entries.size() + s->debits.size() <= billing::kMaxStatementEntries, "too many entries");
  // Debit lines (money out, reconciled against payouts by end-to-end id): the same bounds.
  for (const billing::BankEntry& e : s->debits) {
    FUZZ_CHECK(e.amount > 0 && e.amount <= billing::kMaxPrice, "debit amount out of range: " + std::to_string(e.amount));
    FUZZ_CHECK(e.currency.size() == 3, "debit currency '" + e.currency + "'");
    FUZZ_CHECK(!e.ref.empty(), "a debit line without a ref");
    FUZZ_CHECK(e.endToEndId.size() <= billing::kMaxStatementField, "end-to-end id longer than a field");
    FUZZ_CHECK(e.name.size() <= billing::kMaxStatementField, "creditor name longer than a field");
  }
  billing::Matcher matcher({{"inv-1", "alice", "RF18539007547034", "Alice Liddell", 2399, "EUR"},
                            {"inv-2", "bob", "RF712", "Bob Builder", 1000, "EUR"}});
  for (const billing::BankEntry& e : s->entries) {
    FUZZ_CHECK(e.amount > 0 && e.amount <= billing::kMaxPrice, "amount out of range: " + std::to_string(e.amount));
    FUZZ_CHECK(e.currency.size() == 3, "currency '" + e.currency + "'");
    FUZZ_CHECK(e.name.size() <= billing::kMaxStatementField, "name longer than a field");
    FUZZ_CHECK(e.reference.size() <= billing::kMaxStatementField, "reference longer than a field");
    FUZZ_CHECK(e.text.size() <= size, "text longer than the input");
    billing::Match m = matcher.match(e);
    FUZZ_CHECK(m.confidence >= 0 && m.confidence <= 100, "confidence " + std::to_string(m.confidence));
    FUZZ_CHECK(m.invoiceId.empty() || matcher.invoice(m.invoiceId) != nullptr, "suggested an unknown invoice");
  }
  return 0;
}
