#include "billing/invoicing/tax.h"

namespace billing {

core::Result<TaxTreatment> parseTaxTreatment(const std::string& text) {
  if (text == "standard") return TaxTreatment::kStandard;
  if (text == "exempt") return TaxTreatment::kExempt;
  if (text == "reverse-charge") return TaxTreatment::kReverseCharge;
  return core::invalidArgument("tax '" + text + "': expected standard, exempt or reverse-charge");
}

const char* taxTreatmentName(TaxTreatment t) {
  switch (t) {
    case TaxTreatment::kExempt:
      return "exempt";
    case TaxTreatment::kReverseCharge:
      return "reverse-charge";
    default:
      return "standard";
  }
}

core::Result<int64_t> parseTaxRate(const std::string& text) {
  auto bad = [&] { return core::invalidArgument("rate '" + text + "': expected a percentage 0..100 such as 16 or 7.7"); };
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 3 || frac.size() > 2 || (dot != std::string::npos && frac.empty())) return bad();
  for (char c : whole + frac)
    if (c < '0' || c > '9') return bad();
  int64_t bp = std::stoll(whole) * 100;
  if (!frac.empty()) bp += std::stoll(frac) * (frac.size() == 1 ? 10 : 1);
  if (bp > 10000) return bad();
  return bp;
}

std::string formatTaxRate(int64_t bp) {
  std::string s = std::to_string(bp / 100);
  const int64_t f = bp % 100;
  if (f == 0) return s;
  return s + "." + (f % 10 == 0 ? std::to_string(f / 10) : (f < 10 ? "0" : "") + std::to_string(f));
}

int64_t divRoundHalfAway(__int128 num, __int128 den) {
  const bool negative = num < 0;
  const __int128 a = negative ? -num : num;
  const __int128 q = (2 * a + den) / (2 * den);
  return static_cast<int64_t>(negative ? -q : q);
}

Taxed applyTax(int64_t amount, int64_t rate, bool pricesIncludeTax, TaxTreatment treatment) {
  Taxed t;
  if (pricesIncludeTax) {
    t.net = divRoundHalfAway(static_cast<__int128>(amount) * 10000, 10000 + rate);
    if (treatment == TaxTreatment::kStandard) {
      t.tax = amount - t.net;
      t.gross = amount;
    } else {
      t.gross = t.net;
    }
    return t;
  }
  t.net = amount;
  t.tax = treatment == TaxTreatment::kStandard ? divRoundHalfAway(static_cast<__int128>(amount) * rate, 10000) : 0;
  t.gross = t.net + t.tax;
  return t;
}

}  // namespace billing
