// Calendar days and billing periods for invoicing. A day is a UTC civil day counted from 1970-01-01
// (day 0); periods are [start, end) in days. No clock, no time zone: the caller says which day it is.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace billing {

int64_t daysFromCivil(int64_t year, unsigned month, unsigned day);  // month 1..12, day 1..31
void civilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day);
unsigned monthLength(int64_t year, unsigned month);

// "2026-01-31" -> day; an error naming `field` for anything else (a day that does not exist too).
core::Result<int64_t> parseDay(const std::string& text, const std::string& field);
std::string formatDay(int64_t day);  // "2026-01-31"

// A subscription's billing periods: `months` long (1, 3 or 12), each starting on `anchorDay` of its
// month (the month's last day when it is shorter: the 31st becomes Feb 28), in the months
// start's month + k * months. The first period is the one holding the start (it may begin before the
// start: the part before is not billed).
struct Period {
  int64_t start = 0;
  int64_t end = 0;
  int64_t days() const { return end - start; }
  bool operator==(const Period& o) const { return start == o.start && end == o.end; }
};
struct PeriodRule {
  int64_t startDay = 0;
  unsigned anchorDay = 1;
  unsigned months = 1;
};
Period periodContaining(const PeriodRule& rule, int64_t day);
// The period `n` periods after `p` (n may be negative).
Period periodAfter(const PeriodRule& rule, const Period& p, int64_t n);

}  // namespace billing
