// Taxes on an invoice: one rate per customer region, prices with or without tax, customers that are
// exempt or reverse-charged (they pay no tax; the invoice says why).
//
// Rounding (docs/billing.md, "Tax"): tax is computed once per invoice on its net total, rounded half
// away from zero to a minor unit, so a credit note mirrors its invoice exactly.
//  - prices without tax: net = amount, tax = round(net * rate / 10000);
//  - prices with tax: gross = amount, net = round(gross * 10000 / (10000 + rate)), tax = gross - net;
//  - exempt or reverse-charge: tax = 0; with prices that include tax they pay the net above.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace billing {

enum class TaxTreatment { kStandard, kExempt, kReverseCharge };
core::Result<TaxTreatment> parseTaxTreatment(const std::string& text);  // standard|exempt|reverse-charge
const char* taxTreatmentName(TaxTreatment t);

// "16", "7.7", "8.25" (percent, at most two decimals, 0..100) -> basis points.
core::Result<int64_t> parseTaxRate(const std::string& text);
std::string formatTaxRate(int64_t basisPoints);  // 770 -> "7.7"

struct Taxed {
  int64_t net = 0;
  int64_t tax = 0;
  int64_t gross = 0;
};
Taxed applyTax(int64_t amount, int64_t rateBasisPoints, bool pricesIncludeTax, TaxTreatment treatment);

// num / den rounded half away from zero (den > 0).
int64_t divRoundHalfAway(__int128 num, __int128 den);

}  // namespace billing
