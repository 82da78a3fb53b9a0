#include "billing/invoicing/calendar.h"

#include <cstdio>

namespace billing {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, exact for any int64 year
// we meet).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& year, unsigned& month, unsigned& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
}

unsigned monthLength(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

core::Result<int64_t> parseDay(const std::string& text, const std::string& field) {
  auto bad = [&] { return core::invalidArgument(field + " '" + text + "': expected a date such as 2026-01-31"); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return bad();
  const int64_t y = std::stoll(text.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoul(text.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoul(text.substr(8, 2)));
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > monthLength(y, m)) return bad();
  return daysFromCivil(y, m, d);
}

std::string formatDay(int64_t day) {
  int64_t y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

namespace {

int64_t monthIndexOf(int64_t day) {
  int64_t y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  return y * 12 + (m - 1);
}

// The boundary in month index `mi`: the anchor day, or the month's last day when it is shorter.
int64_t boundary(int64_t mi, unsigned anchorDay) {
  const int64_t y = mi >= 0 ? mi / 12 : (mi - 11) / 12;
  const unsigned m = static_cast<unsigned>(mi - y * 12) + 1;
  const unsigned len = monthLength(y, m);
  return daysFromCivil(y, m, anchorDay < len ? anchorDay : len);
}

int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

Period periodContaining(const PeriodRule& rule, int64_t day) {
  const int64_t months = rule.months;
  const int64_t base = monthIndexOf(rule.startDay);
  int64_t k = floorDiv(monthIndexOf(day) - base, months);
  // Boundaries are in the months base + k * months; the one for `day`'s month may lie after it.
  while (boundary(base + k * months, rule.anchorDay) > day) --k;
  while (boundary(base + (k + 1) * months, rule.anchorDay) <= day) ++k;
  return Period{boundary(base + k * months, rule.anchorDay), boundary(base + (k + 1) * months, rule.anchorDay)};
}

Period periodAfter(const PeriodRule& rule, const Period& p, int64_t n) {
  const int64_t months = rule.months;
  const int64_t base = monthIndexOf(rule.startDay);
  // The boundary p.start lies in month base + k * months (boundaries never leave their month).
  const int64_t k = floorDiv(monthIndexOf(p.start) - base, months) + n;
  return Period{boundary(base + k * months, rule.anchorDay), boundary(base + (k + 1) * months, rule.anchorDay)};
}

}  // namespace billing
