// What reaches billing's arithmetic from outside: creditor references as payers and bank statements
// give them, dates and tax rates as operators type them (billing/invoicing), and the proration and
// tax of amounts anywhere in range.
// Input: a selector octet, then the text (or values through FuzzedDataProvider).
// Properties: a reference that parses is normalized, RF + two digits + 1..21 of [0-9A-Z], and
// creditorReference(body) gives it back (its check digits are the only right ones); a date that
// parses formats back to itself; a rate formats and parses back; a prorated piece never charges more
// than the exact value plus half a minor unit and leaves the residual in [-1/2, 1/2); tax: net + tax
// == gross, and a credit mirrors its invoice.
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/creditor_reference.h"
#include "billing/invoicing/proration.h"
#include "billing/invoicing/tax.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "invoicing";

void reference(const std::string& text) {
  core::Result<std::string> r = billing::parseCreditorReference(text);
  if (!r.isOk()) return;
  const std::string& ref = *r;
  FUZZ_CHECK(ref.size() >= 5 && ref.size() <= 25 && ref.compare(0, 2, "RF") == 0, "bad shape: " + ref);
  for (size_t i = 2; i < ref.size(); ++i)
    FUZZ_CHECK((ref[i] >= '0' && ref[i] <= '9') || (i >= 4 && ref[i] >= 'A' && ref[i] <= 'Z'), "bad character: " + ref);
  core::Result<std::string> again = billing::creditorReference(ref.substr(4));
  FUZZ_CHECK(again.isOk() && *again == ref, "check digits are not the computed ones: " + ref);
  FUZZ_CHECK(*billing::parseCreditorReference(billing::formatCreditorReference(ref)) == ref, "print form does not parse back");
}

void day(const std::string& text) {
  core::Result<int64_t> d = billing::parseDay(text, "date");
  if (!d.isOk()) return;
  FUZZ_CHECK(billing::formatDay(*d) == text, "date '" + text + "' prints as " + billing::formatDay(*d));
}

void rate(const std::string& text) {
  core::Result<int64_t> bp = billing::parseTaxRate(text);
  if (!bp.isOk()) return;
  FUZZ_CHECK(*bp >= 0 && *bp <= 10000, "rate out of range");
  FUZZ_CHECK(*billing::parseTaxRate(billing::formatTaxRate(*bp)) == *bp, "rate does not round-trip: " + text);
}

void arithmetic(FuzzedDataProvider& in) {
  static const int64_t kLengths[] = {28, 29, 30, 31, 89, 90, 91, 92, 365, 366};
  billing::Piece p;
  p.periodDays = kLengths[in.ConsumeIntegralInRange<int>(0, 9)];
  p.days = in.ConsumeIntegralInRange<int64_t>(0, p.periodDays);
  p.priceMinor = in.ConsumeIntegralInRange<int64_t>(-billing::kMaxPrice, billing::kMaxPrice);
  p.factor = in.ConsumeIntegralInRange<int64_t>(0, 10000);
  int64_t residual = in.ConsumeIntegralInRange<int64_t>(-billing::kResidualScale / 2, billing::kResidualScale / 2 - 1);
  const int64_t before = residual;
  core::Result<__int128> exact = billing::exactValue(p);
  FUZZ_CHECK(exact.isOk(), "a valid piece refused");
  const int64_t amount = billing::chargeWithResidual(*exact, residual);
  // amount + residual == exact + before, exactly.
  FUZZ_CHECK(static_cast<__int128>(amount) * billing::kResidualScale + residual == *exact + before, "value lost");
  FUZZ_CHECK(2 * static_cast<__int128>(residual) >= -static_cast<__int128>(billing::kResidualScale) &&
                 2 * static_cast<__int128>(residual) < static_cast<__int128>(billing::kResidualScale),
             "residual out of [-1/2, 1/2)");
  const int64_t amountTaxed = in.ConsumeIntegralInRange<int64_t>(-billing::kMaxPrice, billing::kMaxPrice);
  const int64_t bp = in.ConsumeIntegralInRange<int64_t>(0, 10000);
  const bool inclusive = in.ConsumeBool();
  const auto treatment = static_cast<billing::TaxTreatment>(in.ConsumeIntegralInRange<int>(0, 2));
  billing::Taxed t = billing::applyTax(amountTaxed, bp, inclusive, treatment);
  billing::Taxed c = billing::applyTax(-amountTaxed, bp, inclusive, treatment);
  FUZZ_CHECK(t.net + t.tax == t.gross, "net + tax != gross");
  FUZZ_CHECK(c.net == -t.net && c.tax == -t.tax && c.gross == -t.gross, "a credit does not mirror its invoice");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      reference(text);
      break;
    case 1:
      day(text);
      break;
    case 2:
      rate(text);
      break;
    default: {
      FuzzedDataProvider in(data + 1, size - 1);
      arithmetic(in);
    }
  }
  return 0;
}
