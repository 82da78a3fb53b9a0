#include "billing/rating/rules.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <limits>
#include <type_traits>

#include "core/units.h"

namespace billing {

namespace {

struct Civil {
  int64_t y;
  unsigned m;  // 1..12
  unsigned d;  // 1..31
};

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Civil civilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{y + (m <= 2), m, d};
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::tm localTm(int64_t unix) {
  time_t t = static_cast<time_t>(unix);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

// Local day number (days since 1970-01-01 in local dates) of a Unix time.
int64_t localDay(int64_t unix) {
  std::tm tm = localTm(unix);
  return daysFromCivil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
}

// Unix time of the local midnight that starts local day `day` (the first instant of that date, also
// when DST skips midnight itself).
int64_t localMidnight(int64_t day) {
  Civil c = civilFromDays(day);
  std::tm tm{};
  tm.tm_year = static_cast<int>(c.y - 1900);
  tm.tm_mon = static_cast<int>(c.m - 1);
  tm.tm_mday = static_cast<int>(c.d);
  tm.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&tm));
}

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

uint64_t saturatingSub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

uint32_t minuteOfDay(int64_t unix) {
  std::tm tm = localTm(unix);
  return static_cast<uint32_t>(tm.tm_hour * 60 + tm.tm_min);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

core::Result<Rate> parseRatePair(const std::string& text, const std::string& whole) {
  size_t slash = text.find('/');
  if (slash == std::string::npos)
    return core::invalidArgument("'" + whole + "': a rate is DOWN/UP, e.g. 2M/1M");
  core::Result<uint64_t> down = core::parseRate(text.substr(0, slash));
  if (!down.isOk()) return down.status();
  core::Result<uint64_t> up = core::parseRate(text.substr(slash + 1));
  if (!up.isOk()) return up.status();
  if (*down == 0 || *up == 0) return core::invalidArgument("'" + whole + "': rates must be above zero");
  return Rate{*down, *up};
}

core::Result<uint32_t> parseClock(const std::string& text, const std::string& whole) {
  if (text.size() != 5 || text[2] != ':' || !std::isdigit(static_cast<unsigned char>(text[0])) ||
      !std::isdigit(static_cast<unsigned char>(text[1])) || !std::isdigit(static_cast<unsigned char>(text[3])) ||
      !std::isdigit(static_cast<unsigned char>(text[4])))
    return core::invalidArgument("'" + whole + "': times are HH:MM, e.g. 00:00-06:00");
  uint32_t h = static_cast<uint32_t>((text[0] - '0') * 10 + (text[1] - '0'));
  uint32_t m = static_cast<uint32_t>((text[3] - '0') * 10 + (text[4] - '0'));
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return core::invalidArgument("'" + whole + "': no such time of day");
  return h * 60 + m;
}

std::string twoDigits(uint32_t v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string clockText(uint32_t minute) { return twoDigits(minute / 60) + ":" + twoDigits(minute % 60); }

std::string rateText(const Rate& r) { return core::formatRate(r.downBps) + "/" + core::formatRate(r.upBps); }

}  // namespace

bool TimeWindow::contains(uint32_t m) const {
  if (startMinute == endMinute) return true;  // all day
  if (startMinute < endMinute) return m >= startMinute && m < endMinute;
  return m >= startMinute || m < endMinute;
}

Interval periodAt(const PeriodSpec& spec, int64_t now, int64_t anchor) {
  const int64_t today = localDay(now);
  const bool bySubscriber = spec.anchor == PeriodAnchor::kSubscriber;
  const int64_t anchorDay = localDay(anchor);
  int64_t start = today;
  int64_t end = today + 1;
  switch (spec.unit) {
    case PeriodUnit::kDay:
      break;
    case PeriodUnit::kWeek: {
      // 1970-01-01 was a Thursday: day 4 (1970-01-05) is the first Monday.
      int64_t base = bySubscriber ? anchorDay : 4;
      start = base + 7 * floorDiv(today - base, 7);
      end = start + 7;
      break;
    }
    case PeriodUnit::kDays: {
      int64_t n = std::max<int64_t>(1, spec.days);
      int64_t base = bySubscriber ? anchorDay : 0;
      start = base + n * floorDiv(today - base, n);
      end = start + n;
      break;
    }
    case PeriodUnit::kMonth: {
      Civil t = civilFromDays(today);
      unsigned anchorDom = bySubscriber ? civilFromDays(anchorDay).d : 1;
      auto startIn = [&](int64_t y, unsigned m) {
        return daysFromCivil(y, m, std::min(anchorDom, daysInMonth(y, m)));
      };
      auto next = [](int64_t y, unsigned m) { return m == 12 ? Civil{y + 1, 1, 1} : Civil{y, m + 1, 1}; };
      auto prev = [](int64_t y, unsigned m) { return m == 1 ? Civil{y - 1, 12, 1} : Civil{y, m - 1, 1}; };
      int64_t thisStart = startIn(t.y, t.m);
      if (today >= thisStart) {
        Civil n = next(t.y, t.m);
        start = thisStart;
        end = startIn(n.y, n.m);
      } else {
        Civil p = prev(t.y, t.m);
        start = startIn(p.y, p.m);
        end = thisStart;
      }
      break;
    }
  }
  return Interval{localMidnight(start), localMidnight(end)};
}

const TimeWindow* windowAt(const BillingRules& rules, int64_t now) {
  if (rules.windows.empty()) return nullptr;
  uint32_t m = minuteOfDay(now);
  for (const TimeWindow& w : rules.windows)
    if (w.contains(m)) return &w;
  return nullptr;
}

bool countsAgainstData(const BillingRules& rules, int64_t at) {
  const TimeWindow* w = windowAt(rules, at);
  return w == nullptr || !w->uncounted;
}

QuotaDecision evaluate(const BillingRules& rules, const Rate& planRate, const QuotaUsage& usage, int64_t now) {
  QuotaDecision d;
  d.rate = planRate;
  const TimeWindow* w = windowAt(rules, now);
  if (w != nullptr) d.window = static_cast<int>(w - rules.windows.data());
  const bool freeTime = w != nullptr && w->uncounted;
  // A top-up moves every threshold up by its bytes.
  const uint64_t bonus = usage.bonusBytes;
  auto reached = [&](uint64_t threshold) { return usage.bytes >= threshold + bonus; };

  // The hard stop: the first block/redirect tier, or the data quota, whichever comes first.
  std::optional<uint64_t> stop;
  bool stopRedirects = false;
  for (const FupTier& t : rules.tiers) {
    if (t.kind != FupTier::Kind::kRate) {
      stop = t.afterBytes;
      stopRedirects = t.kind == FupTier::Kind::kRedirect;
      break;
    }
  }
  if (rules.dataQuota > 0 && (!stop || rules.dataQuota < *stop)) {
    stop = rules.dataQuota;
    stopRedirects = false;
  }
  for (size_t i = 0; i < rules.tiers.size(); ++i) {
    const FupTier& t = rules.tiers[i];
    if (!reached(t.afterBytes)) break;
    d.tier = static_cast<int>(i);
    if (t.kind == FupTier::Kind::kRate) d.rate = t.rate;
  }
  if (stop) {
    d.remainingBytes = saturatingSub(*stop + bonus, usage.bytes);
    if (reached(*stop) && !freeTime) {
      d.allow = false;
      d.redirect = stopRedirects;
      d.reason = "data quota used up";
    }
  }
  if (w != nullptr && w->rate) {
    // Inside a window with its own rate: the window's rate when traffic is free there, else the
    // lower of the window's and the tier's.
    d.rate = freeTime ? *w->rate
                      : Rate{std::min(d.rate.downBps, w->rate->downBps), std::min(d.rate.upBps, w->rate->upBps)};
  }
  if (rules.timeQuota > 0) {
    uint64_t limit = rules.timeQuota + usage.bonusSeconds;
    d.remainingSeconds = saturatingSub(limit, usage.seconds);
    if (usage.seconds >= limit) {
      d.allow = false;
      d.redirect = false;
      d.reason = d.reason.empty() ? "time quota used up" : d.reason + ", time quota used up";
    }
  }
  return d;
}

core::Result<PeriodSpec> parsePeriod(const std::string& text) {
  std::string t = lower(text);
  PeriodSpec p;
  if (t == "day") {
    p.unit = PeriodUnit::kDay;
  } else if (t == "week") {
    p.unit = PeriodUnit::kWeek;
  } else if (t == "month") {
    p.unit = PeriodUnit::kMonth;
  } else if (t.size() >= 2 && t.back() == 'd' &&
             std::all_of(t.begin(), t.end() - 1, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
             t.size() <= 5) {
    p.unit = PeriodUnit::kDays;
    p.days = static_cast<uint32_t>(std::stoul(t.substr(0, t.size() - 1)));
    if (p.days < 1 || p.days > 3660) return core::invalidArgument("period '" + text + "': N days must be 1 to 3660");
  } else {
    return core::invalidArgument("period '" + text + "' is not one of: day, week, month, Nd (e.g. 30d)");
  }
  return p;
}

core::Result<PeriodAnchor> parseAnchor(const std::string& text) {
  std::string t = lower(text);
  if (t == "calendar") return PeriodAnchor::kCalendar;
  if (t == "subscriber") return PeriodAnchor::kSubscriber;
  return core::invalidArgument("period anchor '" + text + "' is not one of: calendar, subscriber");
}

core::Result<FupTier> parseFup(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    return core::invalidArgument("fair-use tier '" + text + "': expected BYTES:DOWN/UP, BYTES:block or BYTES:redirect");
  core::Result<uint64_t> bytes = core::parseSize(text.substr(0, colon));
  if (!bytes.isOk()) return core::invalidArgument("fair-use tier '" + text + "': " + bytes.status().message());
  if (*bytes == 0) return core::invalidArgument("fair-use tier '" + text + "': the threshold must be above zero");
  FupTier t;
  t.afterBytes = *bytes;
  std::string action = lower(text.substr(colon + 1));
  if (action == "block") {
    t.kind = FupTier::Kind::kBlock;
  } else if (action == "redirect") {
    t.kind = FupTier::Kind::kRedirect;
  } else {
    core::Result<Rate> r = parseRatePair(action, text);
    if (!r.isOk()) return r.status();
    t.rate = *r;
  }
  return t;
}

core::Result<Rate> parseRatePair(const std::string& text) { return parseRatePair(text, text); }

std::string formatRatePair(const Rate& rate) { return rateText(rate); }

core::Result<TimeWindow> parseWindow(const std::string& text) {
  // HH:MM-HH:MM:what
  if (text.size() < 13 || text[5] != '-' || text[11] != ':')
    return core::invalidArgument("window '" + text + "': expected HH:MM-HH:MM:uncounted or HH:MM-HH:MM:DOWN/UP");
  core::Result<uint32_t> from = parseClock(text.substr(0, 5), text);
  if (!from.isOk()) return from.status();
  core::Result<uint32_t> to = parseClock(text.substr(6, 5), text);
  if (!to.isOk()) return to.status();
  TimeWindow w;
  w.startMinute = *from;
  w.endMinute = *to % 1440;
  std::string what = lower(text.substr(12));
  if (what == "uncounted") {
    w.uncounted = true;
  } else {
    core::Result<Rate> r = parseRatePair(what, text);
    if (!r.isOk()) return r.status();
    w.rate = *r;
  }
  return w;
}

core::Result<uint64_t> parseDuration(const std::string& text) {
  if (text.size() < 2) return core::invalidArgument("duration '" + text + "': expected a number and s, m, h, d or w");
  char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
  uint64_t mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : unit == 'w' ? 604800 : 0;
  std::string digits = text.substr(0, text.size() - 1);
  if (mult == 0 || digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return core::invalidArgument("duration '" + text + "': expected a number and s, m, h, d or w (e.g. 10h, 30d)");
  uint64_t v = std::stoull(digits) * mult;
  if (v == 0) return core::invalidArgument("duration '" + text + "' must be above zero");
  return v;
}

int currencyExponent(const std::string& currency) {
  static const char* const kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                      "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static const char* const kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  for (const char* c : kZero)
    if (currency == c) return 0;
  for (const char* c : kThree)
    if (currency == c) return 3;
  return 2;
}

core::Result<int64_t> parseMoney(const std::string& amount, const std::string& currency) {
  if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return core::invalidArgument("currency '" + currency + "': expected an ISO 4217 code such as USD, EUR, KES");
  const int exp = currencyExponent(currency);
  size_t dot = amount.find('.');
  std::string whole = amount.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : amount.substr(dot + 1);
  auto digitsOnly = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  if (whole.empty() || !digitsOnly(whole) || !digitsOnly(frac) || (dot != std::string::npos && frac.empty()) ||
      whole.size() > 12)
    return core::invalidArgument("price '" + amount + "': expected an amount such as 19.99");
  if (static_cast<int>(frac.size()) > exp)
    return core::invalidArgument("price '" + amount + "': " + currency + " has " + std::to_string(exp) +
                                 " decimal place(s)");
  while (static_cast<int>(frac.size()) < exp) frac += '0';
  int64_t scale = 1;
  for (int i = 0; i < exp; ++i) scale *= 10;
  return std::stoll(whole) * scale + (frac.empty() ? 0 : std::stoll(frac));
}

core::Status validate(const BillingRules& r) {
  for (size_t i = 0; i < r.tiers.size(); ++i) {
    if (i > 0 && r.tiers[i].afterBytes <= r.tiers[i - 1].afterBytes)
      return core::invalidArgument("fup: tiers must ascend: '" + formatFup(r.tiers[i]) + "' comes after '" +
                                   formatFup(r.tiers[i - 1]) + "'");
    if (i > 0 && r.tiers[i - 1].kind != FupTier::Kind::kRate)
      return core::invalidArgument("fup: nothing can follow '" + formatFup(r.tiers[i - 1]) + "' (access ends there)");
  }
  for (const FupTier& t : r.tiers)
    if (r.dataQuota > 0 && t.afterBytes > r.dataQuota)
      return core::invalidArgument("fup: tier '" + formatFup(t) + "' lies beyond the data quota (" +
                                   core::formatSize(r.dataQuota) + ") and could never apply");
  if (r.priceMinor < 0) return core::invalidArgument("price: must not be negative");
  if (r.priceMinor > 0 && r.currency.empty()) return core::invalidArgument("currency: required with a price");
  return core::Status::ok();
}

core::Json rulesToJson(const BillingRules& r) {
  core::Json j = core::Json::object();
  j["price"] = r.priceMinor;
  j["currency"] = r.currency;
  j["period"] = formatPeriod(r.period);
  j["period-anchor"] = r.period.anchor == PeriodAnchor::kSubscriber ? "subscriber" : "calendar";
  j["data-quota"] = r.dataQuota;
  j["time-quota"] = r.timeQuota;
  j["validity"] = r.validitySeconds;
  core::Json fup = core::Json::array();
  for (const FupTier& t : r.tiers) fup.push_back(formatFup(t));
  j["fup"] = fup;
  core::Json windows = core::Json::array();
  for (const TimeWindow& w : r.windows) windows.push_back(formatWindow(w));
  j["windows"] = windows;
  return j;
}

namespace {

// A whole number from the rules' JSON. nlohmann's value<uint64_t>() casts a float or a negative
// number silently, and a float beyond 2^64 is undefined behaviour (found by
// tests/fuzz/units_fuzz.cpp): only JSON integers of the right sign are taken.
template <class T>
core::Status wholeNumber(const core::Json& j, const char* key, T* out) {
  if (!j.contains(key)) return core::Status::ok();
  const core::Json& v = j[key];
  const bool fits = std::is_signed_v<T> ? v.is_number_integer() &&
                                              (!v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t{INT64_MAX})
                                        : v.is_number_unsigned();
  if (!fits)
    return core::invalidArgument(std::string("billing rules: '") + key + "' must be a whole number" +
                                 (std::is_signed_v<T> ? "" : " of at least 0") + ", got " + v.dump());
  *out = v.get<T>();
  return core::Status::ok();
}

}  // namespace

core::Result<BillingRules> rulesFromJson(const core::Json& j) {
  if (!j.is_object()) return core::invalidArgument("billing rules: expected a JSON object");
  BillingRules r;
  try {
    EDGE_RETURN_IF_ERROR(wholeNumber(j, "price", &r.priceMinor));
    r.currency = j.value("currency", std::string());
    core::Result<PeriodSpec> period = parsePeriod(j.value("period", std::string("month")));
    if (!period.isOk()) return period.status();
    core::Result<PeriodAnchor> anchor = parseAnchor(j.value("period-anchor", std::string("calendar")));
    if (!anchor.isOk()) return anchor.status();
    r.period = *period;
    r.period.anchor = *anchor;
    EDGE_RETURN_IF_ERROR(wholeNumber(j, "data-quota", &r.dataQuota));
    EDGE_RETURN_IF_ERROR(wholeNumber(j, "time-quota", &r.timeQuota));
    EDGE_RETURN_IF_ERROR(wholeNumber(j, "validity", &r.validitySeconds));
    for (const core::Json& f : j.value("fup", core::Json::array())) {
      core::Result<FupTier> t = parseFup(f.get<std::string>());
      if (!t.isOk()) return t.status();
      r.tiers.push_back(*t);
    }
    for (const core::Json& w : j.value("windows", core::Json::array())) {
      core::Result<TimeWindow> t = parseWindow(w.get<std::string>());
      if (!t.isOk()) return t.status();
      r.windows.push_back(*t);
    }
  } catch (const std::exception& e) {
    return core::invalidArgument(std::string("billing rules: ") + e.what());
  }
  EDGE_RETURN_IF_ERROR(validate(r));
  return r;
}

std::string formatPeriod(const PeriodSpec& p) {
  switch (p.unit) {
    case PeriodUnit::kDay: return "day";
    case PeriodUnit::kWeek: return "week";
    case PeriodUnit::kMonth: return "month";
    case PeriodUnit::kDays: return std::to_string(p.days) + "d";
  }
  return "month";
}

std::string formatFup(const FupTier& t) {
  std::string head = core::formatSize(t.afterBytes) + ":";
  switch (t.kind) {
    case FupTier::Kind::kBlock: return head + "block";
    case FupTier::Kind::kRedirect: return head + "redirect";
    case FupTier::Kind::kRate: return head + rateText(t.rate);
  }
  return head;
}

std::string formatWindow(const TimeWindow& w) {
  return clockText(w.startMinute) + "-" + clockText(w.endMinute) + ":" + (w.uncounted ? "uncounted" : rateText(*w.rate));
}

std::string formatDuration(uint64_t s) {
  if (s == 0) return "0s";
  if (s % 604800 == 0) return std::to_string(s / 604800) + "w";
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::string formatMoney(int64_t minor, const std::string& currency) {
  const int exp = currencyExponent(currency);
  std::string sign = minor < 0 ? "-" : "";
  uint64_t v = minor < 0 ? static_cast<uint64_t>(-(minor + 1)) + 1 : static_cast<uint64_t>(minor);
  uint64_t scale = 1;
  for (int i = 0; i < exp; ++i) scale *= 10;
  std::string text = sign + std::to_string(v / scale);
  if (exp > 0) {
    std::string frac = std::to_string(v % scale);
    text += "." + std::string(static_cast<size_t>(exp) - frac.size(), '0') + frac;
  }
  return currency.empty() ? text : text + " " + currency;
}

}  // namespace billing
