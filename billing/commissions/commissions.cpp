#include "billing/commissions/commissions.h"

#include <algorithm>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"

namespace billing::commissions {

const char* const kPartnerTypes[8] = {"authorized-dealer", "value-added-reseller", "system-integrator", "distributor",
                                      "technology-partner", "referral-partner", "white-label", "franchise"};
const char* const kTiers[4] = {"bronze", "silver", "gold", "platinum"};

bool isPartnerType(const std::string& type) {
  return std::find(std::begin(kPartnerTypes), std::end(kPartnerTypes), type) != std::end(kPartnerTypes);
}
bool isTier(const std::string& tier) { return std::find(std::begin(kTiers), std::end(kTiers), tier) != std::end(kTiers); }

namespace {

core::Result<int64_t> money(const core::Json& spec, const char* key, const std::string& currency) {
  const core::Json& v = spec[key];
  if (!v.is_string()) return core::invalidArgument(std::string(key) + ": expected an amount such as \"15.00\"");
  core::Result<int64_t> m = ::billing::parseMoney(v.get<std::string>(), currency);
  if (!m.isOk()) return core::invalidArgument(std::string(key) + ": " + m.status().message());
  if (*m < 0) return core::invalidArgument(std::string(key) + ": must not be negative");
  return *m;
}

core::Result<int64_t> basisPoints(const core::Json& v, const std::string& key) {
  if (!v.is_number_integer()) return core::invalidArgument(key + ": expected whole basis points (1000 = 10%)");
  int64_t bp = v.get<int64_t>();
  if (bp < 0 || bp > 10000) return core::invalidArgument(key + ": must be 0..10000 basis points");
  return bp;
}

std::string moneyText(int64_t minor, const std::string& currency) {
  std::string s = ::billing::formatMoney(minor, currency);
  return s.substr(0, s.find(' '));
}

// floor division for a positive divisor
int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

core::Result<Plan> parsePlan(const core::Json& spec, const std::string& currency) {
  if (!spec.is_object()) return core::invalidArgument("spec: expected an object");
  static const char* const kKeys[] = {"flat", "rate-bp", "brackets", "bracket-mode", "tier-bp", "recurring",
                                      "bonus-target", "bonus"};
  for (auto it = spec.begin(); it != spec.end(); ++it)
    if (std::find(std::begin(kKeys), std::end(kKeys), it.key()) == std::end(kKeys))
      return core::invalidArgument(it.key() + ": not a commission plan key");
  Plan p;
  if (spec.contains("flat")) {
    EDGE_ASSIGN_OR_RETURN(p.flatMinor, money(spec, "flat", currency));
  }
  if (spec.contains("rate-bp")) {
    EDGE_ASSIGN_OR_RETURN(p.rateBp, basisPoints(spec["rate-bp"], "rate-bp"));
  }
  if (spec.contains("brackets")) {
    const core::Json& bs = spec["brackets"];
    if (!bs.is_array() || bs.empty() || bs.size() > 20) return core::invalidArgument("brackets: expected 1..20 brackets");
    for (size_t i = 0; i < bs.size(); ++i) {
      std::string key = "brackets[" + std::to_string(i) + "]";
      if (!bs[i].is_object() || !bs[i].contains("from") || !bs[i].contains("rate-bp"))
        return core::invalidArgument(key + ": expected {\"from\": amount, \"rate-bp\": n}");
      Bracket b;
      core::Result<int64_t> from = money(bs[i], "from", currency);
      if (!from.isOk()) return core::invalidArgument(key + "." + from.status().message());
      b.fromMinor = *from;
      EDGE_ASSIGN_OR_RETURN(b.rateBp, basisPoints(bs[i]["rate-bp"], key + ".rate-bp"));
      if (i == 0 && b.fromMinor != 0) return core::invalidArgument(key + ".from: the first bracket starts at 0");
      if (i > 0 && b.fromMinor <= p.brackets.back().fromMinor)
        return core::invalidArgument(key + ".from: brackets must start at increasing amounts");
      p.brackets.push_back(b);
    }
  }
  if (spec.contains("bracket-mode")) {
    const core::Json& m = spec["bracket-mode"];
    if (m == "whole") p.bracketMode = BracketMode::kWhole;
    else if (m == "marginal") p.bracketMode = BracketMode::kMarginal;
    else return core::invalidArgument("bracket-mode: expected \"whole\" (the reached bracket's rate on the whole month) or \"marginal\" (each bracket's rate on the part inside it)");
  }
  if (spec.contains("tier-bp")) {
    if (!spec["tier-bp"].is_object()) return core::invalidArgument("tier-bp: expected {\"gold\": 200, ...}");
    for (auto it = spec["tier-bp"].begin(); it != spec["tier-bp"].end(); ++it) {
      if (!isTier(it.key())) return core::invalidArgument("tier-bp." + it.key() + ": not a tier (bronze, silver, gold, platinum)");
      EDGE_ASSIGN_OR_RETURN(p.tierBp[it.key()], basisPoints(it.value(), "tier-bp." + it.key()));
    }
  }
  if (spec.contains("recurring")) {
    const core::Json& r = spec["recurring"];
    if (r == "lifetime") p.recurrence = Recurrence::kLifetime;
    else if (r == "once") p.recurrence = Recurrence::kOnce;
    else if (r.is_number_integer() && r.get<int64_t>() >= 1 && r.get<int64_t>() <= 120) {
      p.recurrence = Recurrence::kMonths;
      p.months = r.get<int64_t>();
    } else {
      return core::invalidArgument("recurring: expected \"lifetime\", \"once\" or a number of months 1..120");
    }
  }
  if (spec.contains("bonus-target") != spec.contains("bonus"))
    return core::invalidArgument(spec.contains("bonus") ? "bonus-target: needed with bonus" : "bonus: needed with bonus-target");
  if (spec.contains("bonus")) {
    EDGE_ASSIGN_OR_RETURN(p.bonusTargetMinor, money(spec, "bonus-target", currency));
    EDGE_ASSIGN_OR_RETURN(p.bonusMinor, money(spec, "bonus", currency));
    if (p.bonusTargetMinor == 0) return core::invalidArgument("bonus-target: must be above 0");
  }
  if (p.flatMinor == 0 && p.rateBp == 0 && p.brackets.empty() && p.bonusMinor == 0 && p.tierBp.empty())
    return core::invalidArgument("spec: a plan pays something: flat, rate-bp, brackets or bonus");
  return p;
}

core::Json planJson(const Plan& p, const std::string& currency) {
  core::Json j = core::Json::object();
  if (p.flatMinor) j["flat"] = moneyText(p.flatMinor, currency);
  if (p.rateBp) j["rate-bp"] = p.rateBp;
  if (!p.brackets.empty()) {
    j["brackets"] = core::Json::array();
    for (const Bracket& b : p.brackets) j["brackets"].push_back({{"from", moneyText(b.fromMinor, currency)}, {"rate-bp", b.rateBp}});
    j["bracket-mode"] = p.bracketMode == BracketMode::kWhole ? "whole" : "marginal";
  }
  if (!p.tierBp.empty()) {
    j["tier-bp"] = core::Json::object();
    for (const auto& [tier, bp] : p.tierBp) j["tier-bp"][tier] = bp;
  }
  if (p.recurrence == Recurrence::kLifetime) j["recurring"] = "lifetime";
  else if (p.recurrence == Recurrence::kOnce) j["recurring"] = "once";
  else j["recurring"] = p.months;
  if (p.bonusMinor) {
    j["bonus-target"] = moneyText(p.bonusTargetMinor, currency);
    j["bonus"] = moneyText(p.bonusMinor, currency);
  }
  return j;
}

int64_t roundExact(int64_t exact) { return floorDiv(exact + kExactPerMinor / 2, kExactPerMinor); }

int64_t bracketExact(const Plan& plan, int64_t volume) {
  if (plan.brackets.empty() || volume <= 0) return 0;
  if (plan.bracketMode == BracketMode::kWhole) {
    int64_t rate = 0;
    for (const Bracket& b : plan.brackets)
      if (volume >= b.fromMinor) rate = b.rateBp;
    return volume * rate;
  }
  int64_t exact = 0;
  for (size_t i = 0; i < plan.brackets.size(); ++i) {
    int64_t lo = plan.brackets[i].fromMinor;
    int64_t hi = i + 1 < plan.brackets.size() ? plan.brackets[i + 1].fromMinor : volume;
    if (volume <= lo) break;
    exact += (std::min(volume, hi) - lo) * plan.brackets[i].rateBp;
  }
  return exact;
}

int64_t paidBase(int64_t paid, int64_t net, int64_t total) {
  if (total <= 0 || paid <= 0) return 0;
  if (paid >= total) return net;
  return static_cast<int64_t>(static_cast<__int128>(paid) * net / total);
}

int64_t monthOf(int64_t day) {
  int64_t y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  return y * 100 + m;
}
int64_t monthStartDay(int64_t month) { return daysFromCivil(month / 100, static_cast<unsigned>(month % 100), 1); }
int64_t nextMonth(int64_t month) { return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1; }
int64_t quarterStartMonth(int64_t month) { return month / 100 * 100 + ((month % 100 - 1) / 3) * 3 + 1; }
int64_t addMonths(int64_t day, int64_t months) {
  int64_t y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  int64_t idx = y * 12 + (m - 1) + months;
  int64_t ny = idx / 12;
  unsigned nm = static_cast<unsigned>(idx % 12 + 1);
  return daysFromCivil(ny, nm, std::min(d, monthLength(ny, nm)));
}

bool eligible(const Plan& plan, int64_t attributedFrom, int64_t issueDay, bool firstPaidInvoice) {
  switch (plan.recurrence) {
    case Recurrence::kLifetime: return true;
    case Recurrence::kOnce: return firstPaidInvoice;
    case Recurrence::kMonths: return issueDay < addMonths(attributedFrom, plan.months);
  }
  return false;
}

const char* entryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kAccrual: return "accrual";
    case EntryKind::kClawback: return "clawback";
    case EntryKind::kBonus: return "bonus";
    case EntryKind::kPayout: return "payout";
  }
  return "?";
}

core::Status post(Books& books, Entry e) {
  if (e.kind == EntryKind::kAccrual || e.kind == EntryKind::kClawback || e.kind == EntryKind::kBonus) {
    EDGE_ASSIGN_OR_RETURN(int64_t running, books.exactTotal());
    e.amount = roundExact(running + e.exact) - roundExact(running);
  }
  return books.append(e);
}

core::Status onPayment(Books& books, const Terms& t, const Payment& p) {
  if (p.amount <= 0) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(bool paidBefore,
                        books.otherInvoiceAccrued(p.tenantId, p.username, t.attributedFrom, p.invoiceId));
  EDGE_ASSIGN_OR_RETURN(Books::InvoiceState inv, books.invoice(p.invoiceId));
  bool firstPaidInvoice = !paidBefore;
  Books::InvoiceState after = inv;
  after.paid = inv.paid + p.amount;
  int64_t base = std::max<int64_t>(0, paidBase(after.paid, p.net, p.total) - inv.base);
  after.base = inv.base + base;
  EDGE_RETURN_IF_ERROR(books.setInvoice(p.invoiceId, after));
  if (!eligible(t.plan, t.attributedFrom, p.issueDay, firstPaidInvoice)) return core::Status::ok();
  Entry e;
  e.kind = EntryKind::kAccrual;
  e.day = p.day;
  e.period = monthOf(p.day);
  e.releaseDay = p.day + t.holdDays;
  e.tenantId = p.tenantId;
  e.username = p.username;
  e.invoiceId = p.invoiceId;
  e.paymentId = p.paymentId;
  e.base = base;
  int64_t rate = t.plan.rateBp;
  auto tb = t.plan.tierBp.find(t.tier);
  if (tb != t.plan.tierBp.end()) rate += tb->second;
  // A percent entry for every payment with a base, even at rate 0: it is where the base is traced
  // (the month's volume, and what a reversal takes back).
  if (base > 0) {
    Entry pe = e;
    pe.part = "percent";
    pe.exact = base * rate;
    pe.ref = "pay:" + p.paymentId + ":" + p.invoiceId + ":percent";
    EDGE_ASSIGN_OR_RETURN(int64_t v, books.volume(e.period));
    EDGE_RETURN_IF_ERROR(books.setVolume(e.period, v + base));
    EDGE_RETURN_IF_ERROR(post(books, pe));
    if (!t.monthPlan.brackets.empty()) {
      Entry te = e;
      te.part = "tiered";
      te.exact = bracketExact(t.monthPlan, v + base) - bracketExact(t.monthPlan, v);
      te.ref = "pay:" + p.paymentId + ":" + p.invoiceId + ":tiered";
      EDGE_RETURN_IF_ERROR(post(books, te));
    }
  }
  if (t.plan.flatMinor > 0 && !paidBefore && inv.paid == 0) {
    Entry fe = e;
    fe.part = "flat";
    fe.base = 0;
    fe.exact = t.plan.flatMinor * kExactPerMinor;
    fe.ref = "pay:" + p.paymentId + ":" + p.invoiceId + ":flat";
    EDGE_RETURN_IF_ERROR(post(books, fe));
  }
  return core::Status::ok();
}

core::Status onReversal(Books& books, const std::function<Plan(int64_t)>& planAt, const std::string& invoiceId,
                        const std::string& paymentId, int64_t amountReversed, int64_t day, const std::string& ref) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Entry> entries, books.entriesOfInvoice(invoiceId));
  EDGE_ASSIGN_OR_RETURN(Books::InvoiceState inv, books.invoice(invoiceId));
  // What is still standing of each accrual: an accrual is reversed at most once (its ref names it).
  std::map<std::string, bool> reversed;
  for (const Entry& e : entries)
    if (e.kind == EntryKind::kClawback) reversed[e.ref.substr(e.ref.find("|") + 1)] = true;
  int64_t baseBack = 0;
  // Entries come in seq order: a payment's percent entry (which lowers the month's volume) before its
  // tiered one, so the tiered reversal adds that base back to see the volume as it stood.
  std::map<std::string, int64_t> tieredBackLater;
  for (const Entry& e : entries) {
    if (e.kind != EntryKind::kAccrual || reversed.count(e.ref)) continue;
    if (!paymentId.empty() && e.paymentId != paymentId) continue;
    Entry c = e;
    c.kind = EntryKind::kClawback;
    c.day = day;
    c.releaseDay = day;
    c.ref = ref + "|" + e.ref;
    if (e.part == "tiered") {
      // f(V - base) - f(V) of the original month, V as it is now (the percent entry moves V).
      EDGE_ASSIGN_OR_RETURN(int64_t v, books.volume(e.period));
      Plan plan = planAt(monthStartDay(e.period));
      c.exact = bracketExact(plan, v - e.base + tieredBackLater[e.paymentId]) - bracketExact(plan, v + tieredBackLater[e.paymentId]);
    } else {
      c.exact = -e.exact;
    }
    if (e.part == "percent") {
      EDGE_ASSIGN_OR_RETURN(int64_t v, books.volume(e.period));
      EDGE_RETURN_IF_ERROR(books.setVolume(e.period, std::max<int64_t>(0, v - e.base)));
      tieredBackLater[e.paymentId] = e.base;
    }
    if (e.part == "percent") baseBack += e.base;
    c.amount = 0;
    c.base = -e.base;
    EDGE_RETURN_IF_ERROR(post(books, c));
  }
  Books::InvoiceState after = inv;
  if (paymentId.empty()) {
    after.paid = 0;
    after.base = 0;
  } else {
    after.paid = std::max<int64_t>(0, inv.paid - amountReversed);
    after.base = std::max<int64_t>(0, inv.base - baseBack);
  }
  return books.setInvoice(invoiceId, after);
}

core::Result<int64_t> quarterVolume(Books& books, int64_t quarterMonth) {
  int64_t v = 0, m = quarterMonth;
  for (int i = 0; i < 3; ++i, m = nextMonth(m)) {
    EDGE_ASSIGN_OR_RETURN(int64_t x, books.volume(m));
    v += x;
  }
  return v;
}

}  // namespace billing::commissions
