// Bank statements as CSV exports (billing/payments/bank_statement.h): bank-import --format csv.
// Input: the CSV text.
// Properties: every line that parses has a non-empty ref, a positive amount within kMaxPrice, a
// three-letter currency and cells no longer than the field limit; a statement that parses also
// parses when its lines end in CRLF instead of LF, to the same entries.
#include <cstdint>
#include <string>

#include "billing/invoicing/proration.h"
#include "billing/payments/bank_statement.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "bank_csv";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string csv(reinterpret_cast<const char*>(data), size);
  core::Result<billing::BankStatement> s = billing::parseBankCsv(csv);
  if (!s.isOk()) {
    FUZZ_CHECK(!s.status().message().empty(), "a refusal without a message");
    return 0;
  }
  for (const billing::BankEntry& e : s->entries) {
    FUZZ_CHECK(!e.ref.empty(), "a line without a ref");
    FUZZ_CHECK(e.amount > 0 && e.amount <= billing::kMaxPrice, "amount out of range");
    FUZZ_CHECK(e.currency.size() == 3, "currency '" + e.currency + "'");
    for (const std::string* f : {&e.ref, &e.name, &e.reference, &e.text})
      FUZZ_CHECK(f->size() <= billing::kMaxStatementField + 1, "a cell longer than the field limit");
  }
  // CRLF line ends read the same, when no cell holds a line break or a CR of its own.
  if (csv.find('\r') == std::string::npos && csv.find('"') == std::string::npos) {
    std::string crlf;
    for (char c : csv) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    core::Result<billing::BankStatement> again = billing::parseBankCsv(crlf);
    FUZZ_CHECK(again.isOk(), "CRLF form refused: " + again.status().message());
    FUZZ_CHECK(again->entries.size() == s->entries.size(), "CRLF form gives another number of lines");
    for (size_t i = 0; i < s->entries.size(); ++i)
      FUZZ_CHECK(again->entries[i].ref == s->entries[i].ref && again->entries[i].amount == s->entries[i].amount &&
                     again->entries[i].text == s->entries[i].text,
                 "CRLF form gives another line " + std::to_string(i));
  }
  return 0;
}
