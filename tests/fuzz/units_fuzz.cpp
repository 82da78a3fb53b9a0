// What operators type for rates, sizes, durations, money, periods, fair-use tiers and time windows
// (core/units.h, billing/rating/rules.h), and a plan's billing rules as stored JSON.
// Input: a selector octet, then the text (or values through FuzzedDataProvider).
// Properties: every parser accepts its own formatter's output and reads back the same value
// (parse(format(x)) == x for any x, and parse(format(parse(s))) == parse(s) for what it accepts);
// rulesFromJson(rulesToJson(r)) == r; the billing period holds `now` (in a zone with DST) and the
// quota decision never grants more than the quota leaves.
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "billing/rating/rules.h"
#include "core/json.h"
#include "core/units.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "units";

template <class T, class Parse, class Format>
void roundTrip(const std::string& text, Parse parse, Format format, const char* what) {
  core::Result<T> v = parse(text);
  if (!v.isOk()) return;
  const std::string printed = format(*v);
  core::Result<T> again = parse(printed);
  FUZZ_CHECK(again.isOk(), std::string(what) + ": its own text does not parse: '" + printed + "' (from '" + text + "')");
  FUZZ_CHECK(format(*again) == printed, std::string(what) + ": '" + text + "' -> '" + printed + "' -> '" + format(*again) + "'");
}

void rules(const std::string& text, FuzzedDataProvider& in) {
  core::Result<core::Json> j = core::parseJsonWithComments(text, "plan");
  if (!j.isOk()) return;
  core::Result<billing::BillingRules> r = billing::rulesFromJson(*j);
  if (!r.isOk()) return;
  core::Json rendered = billing::rulesToJson(*r);
  core::Result<billing::BillingRules> again = billing::rulesFromJson(rendered);
  FUZZ_CHECK(again.isOk() && billing::rulesToJson(*again).dump() == rendered.dump(), "rulesFromJson(rulesToJson(r)) != r");
  if (!billing::validate(*r).isOk()) return;
  const int64_t now = in.ConsumeIntegralInRange<int64_t>(946684800, 4102444800);  // 2000..2100
  const int64_t anchor = in.ConsumeIntegralInRange<int64_t>(946684800, now);
  billing::Interval p = billing::periodAt(r->period, now, anchor);
  FUZZ_CHECK(p.start <= now && now < p.end, "the period does not hold now: " + std::to_string(p.start) + " <= " +
                                                std::to_string(now) + " < " + std::to_string(p.end));
  billing::QuotaUsage usage;
  usage.bytes = in.ConsumeIntegral<uint64_t>() >> in.ConsumeIntegralInRange<int>(0, 63);
  usage.seconds = in.ConsumeIntegral<uint32_t>();
  usage.bonusBytes = in.ConsumeIntegral<uint32_t>();
  usage.bonusSeconds = in.ConsumeIntegral<uint16_t>();
  billing::Rate plan{in.ConsumeIntegral<uint32_t>(), in.ConsumeIntegral<uint32_t>()};
  billing::QuotaDecision d = billing::evaluate(*r, plan, usage, now);
  if (d.remainingBytes && r->dataQuota > 0)
    FUZZ_CHECK(*d.remainingBytes <= r->dataQuota + usage.bonusBytes || !r->tiers.empty(),
               "more bytes remain than the quota and top-ups hold");
  if (d.remainingSeconds && r->timeQuota > 0)
    FUZZ_CHECK(*d.remainingSeconds <= r->timeQuota + usage.bonusSeconds, "more seconds remain than the quota holds");
  // Past the data quota (and its top-ups), outside an uncounted window, nothing is allowed.
  if (r->dataQuota > 0 && r->tiers.empty() && usage.bytes >= r->dataQuota + usage.bonusBytes &&
      billing::countsAgainstData(*r, now))
    FUZZ_CHECK(!d.allow, "allowed past the data quota");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("TZ", "Europe/Berlin", 1);  // periods follow local days, 23 or 25 hours long at DST changes
  tzset();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 10) {
    case 0: roundTrip<uint64_t>(text, core::parseRate, core::formatRate, "rate"); break;
    case 1: roundTrip<uint64_t>(text, core::parseSize, core::formatSize, "size"); break;
    case 2: roundTrip<uint64_t>(text, billing::parseDuration, billing::formatDuration, "duration"); break;
    case 3: {
      // "AMOUNT CURRENCY": formatMoney prints the same shape.
      size_t sp = text.find(' ');
      const std::string amount = text.substr(0, sp), currency = sp == std::string::npos ? "" : text.substr(sp + 1);
      core::Result<int64_t> minor = billing::parseMoney(amount, currency);
      if (!minor.isOk()) break;
      const std::string printed = billing::formatMoney(*minor, currency);
      const size_t at = printed.rfind(' ');
      core::Result<int64_t> again = billing::parseMoney(printed.substr(0, at), currency);
      FUZZ_CHECK(again.isOk() && *again == *minor, "money: '" + text + "' -> '" + printed + "'");
      break;
    }
    case 4: roundTrip<billing::TimeWindow>(text, billing::parseWindow, billing::formatWindow, "window"); break;
    case 5: roundTrip<billing::FupTier>(text, billing::parseFup, billing::formatFup, "fair-use tier"); break;
    case 6: roundTrip<billing::PeriodSpec>(text, billing::parsePeriod, billing::formatPeriod, "period"); break;
    case 7: {
      FuzzedDataProvider in(data + 1, size - 1);
      const uint64_t v = in.ConsumeIntegral<uint64_t>() >> in.ConsumeIntegralInRange<int>(0, 63);
      using Parse = core::Result<uint64_t> (*)(const std::string&);
      using Format = std::string (*)(uint64_t);
      struct Unit {
        Parse parse;
        Format format;
        const char* what;
      };
      for (const Unit& u : {Unit{core::parseRate, core::formatRate, "rate"}, Unit{core::parseSize, core::formatSize, "size"},
                            Unit{billing::parseDuration, billing::formatDuration, "duration"}}) {
        auto [parse, format, what] = u;
        // Durations are typed as up to 9 digits and a unit, above zero; what parses prints back
        // (case 2), and values of that form do here.
        if (u.parse == billing::parseDuration && (v == 0 || v > 999999999)) continue;
        core::Result<uint64_t> back = parse(format(v));
        FUZZ_CHECK(back.isOk() && *back == v, std::string(what) + ": " + std::to_string(v) + " -> '" + format(v) + "'");
      }
      const int64_t minor = in.ConsumeIntegral<int64_t>();
      for (const char* currency : {"USD", "JPY", "BHD", ""}) {
        const std::string printed = billing::formatMoney(minor, currency);
        core::Result<int64_t> back = billing::parseMoney(printed.substr(0, printed.rfind(' ')), currency);
        if (back.isOk()) FUZZ_CHECK(*back == minor, "money: " + std::to_string(minor) + " -> '" + printed + "'");
      }
      break;
    }
    case 8: {
      core::Result<billing::PeriodAnchor> a = billing::parseAnchor(text);
      std::string lower = text;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (a.isOk())
        FUZZ_CHECK((lower == "calendar" && *a == billing::PeriodAnchor::kCalendar) ||
                       (lower == "subscriber" && *a == billing::PeriodAnchor::kSubscriber),
                   "anchor '" + text + "'");
      break;
    }
    default: {
      size_t nl = text.find('\n');
      FuzzedDataProvider in(data + 1, nl == std::string::npos ? 0 : nl);
      rules(nl == std::string::npos ? text : text.substr(nl + 1), in);
      break;
    }
  }
  return 0;
}
