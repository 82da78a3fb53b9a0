// Commission arithmetic (billing/commissions): plans, brackets in both modes, and the engine against
// a small reference implementation over random histories.
//
// The reference does not round, keep running totals or go through Books: it replays the history
// into plain records (which payment earned what base at which rate, which are still standing after
// credit notes and chargebacks) and computes the exact net commission by definition at each month's
// end: sum of standing bases * (rate + tier bonus) + standing flats + for each month f(volume) with
// that month's brackets. The engine's entries, summed to the same day, must equal that rounded half
// up to the cent, and its exact contributions must equal it exactly.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "billing/commissions/commissions.h"
#include "billing/invoicing/calendar.h"

#include <CppUTest/TestHarness.h>

using namespace billing::commissions;

namespace {

uint64_t seedFor(const char* what) {
  const char* env = std::getenv("BILLING_SEED");
  const uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::printf("\n%s: seed %llu (BILLING_SEED=%llu repeats it)\n", what, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

// Books in memory (the store's contract, without SQL).
class MemoryBooks : public Books {
 public:
  std::map<std::string, InvoiceState> invoices;
  std::map<int64_t, int64_t> volumes;
  int64_t exact = 0;
  std::vector<Entry> entries;
  std::set<std::string> refs;

  core::Result<InvoiceState> invoice(const std::string& id) override { return invoices[id]; }
  core::Status setInvoice(const std::string& id, const InvoiceState& s) override {
    invoices[id] = s;
    return core::Status::ok();
  }
  core::Result<int64_t> volume(int64_t month) override { return volumes[month]; }
  core::Status setVolume(int64_t month, int64_t v) override {
    volumes[month] = v;
    return core::Status::ok();
  }
  core::Result<int64_t> exactTotal() override { return exact; }
  core::Status append(const Entry& e) override {
    if (!refs.insert(e.ref).second) return core::alreadyExists("ref " + e.ref);
    Entry c = e;
    c.seq = static_cast<int64_t>(entries.size()) + 1;
    entries.push_back(c);
    exact += e.exact;
    return core::Status::ok();
  }
  core::Result<std::vector<Entry>> entriesOfInvoice(const std::string& id) override {
    std::vector<Entry> out;
    for (const Entry& e : entries)
      if (e.invoiceId == id) out.push_back(e);
    return out;
  }
  core::Result<bool> otherInvoiceAccrued(const std::string& tenantId, const std::string& username, int64_t fromDay,
                                         const std::string& invoiceId) override {
    for (const Entry& e : entries)
      if (e.kind == EntryKind::kAccrual && e.tenantId == tenantId && e.username == username && e.day >= fromDay &&
          e.invoiceId != invoiceId)
        return true;
    return false;
  }
};

int64_t sumAmounts(const std::vector<Entry>& es, int64_t throughDay) {
  int64_t s = 0;
  for (const Entry& e : es)
    if (e.day <= throughDay) s += e.amount;
  return s;
}

Plan randomPlan(std::mt19937_64& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  Plan p;
  if (pick(0, 2) == 0) p.flatMinor = pick(1, 3000);
  if (pick(0, 3) != 0) p.rateBp = pick(0, 2500);
  if (pick(0, 1) == 0) {
    int n = static_cast<int>(pick(1, 3));
    int64_t from = 0;
    for (int i = 0; i < n; ++i) {
      p.brackets.push_back({from, pick(0, 1500)});
      from += pick(1000, 40000);
    }
    p.bracketMode = pick(0, 1) ? BracketMode::kWhole : BracketMode::kMarginal;
  }
  if (pick(0, 1) == 0) p.tierBp = {{"silver", pick(0, 300)}, {"gold", pick(0, 600)}, {"platinum", pick(0, 900)}};
  int r = static_cast<int>(pick(0, 2));
  p.recurrence = r == 0 ? Recurrence::kLifetime : r == 1 ? Recurrence::kOnce : Recurrence::kMonths;
  if (p.recurrence == Recurrence::kMonths) p.months = pick(1, 3);
  return p;
}

}  // namespace

TEST_GROUP(Commissions){};

TEST(Commissions, PlanRefusalsNameTheKey) {
  auto refusal = [](const core::Json& spec) {
    core::Result<Plan> p = parsePlan(spec, "EUR");
    CHECK_FALSE(p.isOk());
    return p.status().message();
  };
  STRCMP_CONTAINS("rate-bp:", refusal(core::Json{{"rate-bp", 20000}}).c_str());
  STRCMP_CONTAINS("flat:", refusal(core::Json{{"flat", "abc"}}).c_str());
  STRCMP_CONTAINS("brackets[1].from:", refusal(core::Json::parse(R"({"brackets":[{"from":"0","rate-bp":5},{"from":"0","rate-bp":6}]})")).c_str());
  STRCMP_CONTAINS("brackets[0].from:", refusal(core::Json::parse(R"({"brackets":[{"from":"1.00","rate-bp":5}]})")).c_str());
  STRCMP_CONTAINS("bracket-mode:", refusal(core::Json{{"rate-bp", 1}, {"bracket-mode", "half"}}).c_str());
  STRCMP_CONTAINS("tier-bp.diamond:", refusal(core::Json{{"tier-bp", {{"diamond", 5}}}}).c_str());
  STRCMP_CONTAINS("recurring:", refusal(core::Json{{"rate-bp", 1}, {"recurring", 0}}).c_str());
  STRCMP_CONTAINS("bonus-target:", refusal(core::Json{{"rate-bp", 1}, {"bonus", "10.00"}}).c_str());
  STRCMP_CONTAINS("colour:", refusal(core::Json{{"colour", "red"}}).c_str());
  STRCMP_CONTAINS("spec:", refusal(core::Json::object()).c_str());
  // A good plan reads back as it was written.
  core::Json spec = core::Json::parse(
      R"({"flat":"15.00","rate-bp":1000,"brackets":[{"from":"0.00","rate-bp":0},{"from":"1000.00","rate-bp":200}],)"
      R"("bracket-mode":"marginal","tier-bp":{"gold":200},"recurring":12,"bonus-target":"5000.00","bonus":"200.00"})");
  core::Result<Plan> p = parsePlan(spec, "EUR");
  CHECK_TRUE(p.isOk());
  CHECK_EQUAL(1500, p->flatMinor);
  CHECK_EQUAL(100000, p->brackets[1].fromMinor);
  STRCMP_EQUAL(spec.dump().c_str(), planJson(*p, "EUR").dump().c_str());
}

TEST(Commissions, BracketsWholeAndMarginal) {
  Plan p;
  p.brackets = {{0, 500}, {100000, 1000}, {500000, 1500}};  // 5% to 1000.00, 10% to 5000.00, 15% above
  p.bracketMode = BracketMode::kWhole;
  CHECK_EQUAL(99999 * 500, bracketExact(p, 99999));
  CHECK_EQUAL(100000 * 1000, bracketExact(p, 100000));  // the whole month at 10% once it reaches 1000.00
  CHECK_EQUAL(600000 * 1500, bracketExact(p, 600000));
  p.bracketMode = BracketMode::kMarginal;
  CHECK_EQUAL(99999 * 500, bracketExact(p, 99999));
  CHECK_EQUAL(100000 * 500, bracketExact(p, 100000));
  CHECK_EQUAL(100000 * 500 + 400000 * 1000 + 100000 * 1500, bracketExact(p, 600000));
  CHECK_EQUAL(0, bracketExact(p, 0));
}

TEST(Commissions, TenPercentOfAnInvoicePaidInThreesIsExactAndACreditNoteTakesAllBack) {
  MemoryBooks books;
  Terms t;
  t.plan.rateBp = 1000;
  t.monthPlan = t.plan;
  t.holdDays = 30;
  int64_t day = billing::daysFromCivil(2026, 3, 10);
  // net 100.00 + tax 21.00: three payments of 40.33, 40.33, 40.34.
  int64_t amounts[3] = {4033, 4033, 4034};
  for (int i = 0; i < 3; ++i) {
    Payment p{"t", "ana", "inv-1", "pay-" + std::to_string(i), day + i, day, amounts[i], 10000, 12100};
    CHECK_TRUE(onPayment(books, t, p).isOk());
  }
  CHECK_EQUAL(1000, sumAmounts(books.entries, day + 10));  // 10.00, not 9.99 or 10.01
  CHECK_EQUAL(10000, books.invoices["inv-1"].base);
  for (const Entry& e : books.entries) {
    STRCMP_EQUAL("inv-1", e.invoiceId.c_str());
    CHECK_EQUAL(e.day + 30, e.releaseDay);
  }
  CHECK_TRUE(onReversal(books, [&](int64_t) { return t.plan; }, "inv-1", "", 0, day + 40, "cn:cn-1").isOk());
  CHECK_EQUAL(0, sumAmounts(books.entries, day + 40));
  // Again: nothing more to take back.
  size_t n = books.entries.size();
  CHECK_TRUE(onReversal(books, [&](int64_t) { return t.plan; }, "inv-1", "", 0, day + 41, "cn:cn-1").isOk());
  CHECK_EQUAL(n, books.entries.size());
}

TEST(Commissions, RandomHistoriesAreCentExactAgainstTheReference) {
  std::mt19937_64 rng(seedFor("commission histories"));
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const int64_t start = billing::daysFromCivil(2026, 1, 1);
  const int64_t days = 120;
  for (int round = 0; round < 300; ++round) {
    // Plans and tiers changing on random days (mid-month included).
    std::map<int64_t, Plan> plans{{start - 400, randomPlan(rng)}};
    for (int i = 0, n = static_cast<int>(pick(0, 3)); i < n; ++i) plans[start + pick(1, days)] = randomPlan(rng);
    std::map<int64_t, std::string> tiers{{start - 400, "bronze"}};
    for (int i = 0, n = static_cast<int>(pick(0, 3)); i < n; ++i) tiers[start + pick(1, days)] = kTiers[pick(0, 3)];
    auto planAt = [&](int64_t day) { return std::prev(plans.upper_bound(day))->second; };
    auto tierAt = [&](int64_t day) { return std::prev(tiers.upper_bound(day))->second; };
    const char* accounts[] = {"a", "b", "c"};
    std::map<std::string, int64_t> attributedFrom;
    for (const char* a : accounts) attributedFrom[a] = start + pick(-60, 0);  // the service routes only invoices issued since

    struct Invoice {
      std::string id, account;
      int64_t issueDay, net, total, paid = 0;
      bool credited = false;
    };
    std::vector<Invoice> invoices;
    struct PaymentRec {
      std::string id, invoice;
      int64_t amount;
    };
    std::vector<PaymentRec> payments;
    std::set<std::string> chargedBack;

    MemoryBooks books;
    // The reference's records.
    struct Earned {
      std::string invoice, payment;
      int64_t base, rate, month, flat;
      bool standing = true;
    };
    std::vector<Earned> earned;
    std::map<std::string, std::pair<int64_t, int64_t>> refInvoice;  // paid, base
    std::map<std::string, std::set<std::string>> earningInvoices;    // per account
    auto referenceExact = [&]() {
      __int128 n = 0;
      std::map<int64_t, int64_t> volume;
      for (const Earned& e : earned) {
        if (!e.standing) continue;
        n += static_cast<__int128>(e.base) * e.rate + static_cast<__int128>(e.flat) * kExactPerMinor;
        volume[e.month] += e.base;
      }
      for (const auto& [month, v] : volume) n += bracketExact(planAt(monthStartDay(month)), v);
      return static_cast<int64_t>(n);
    };

    int seq = 0;
    for (int64_t day = start; day < start + days; ++day) {
      for (int k = 0, n = static_cast<int>(pick(0, 3)); k < n; ++k) {
        int64_t what = pick(0, 9);
        if (what <= 2 || invoices.empty()) {  // issue an invoice
          Invoice inv;
          inv.id = "inv-" + std::to_string(++seq);
          inv.account = accounts[pick(0, 2)];
          inv.issueDay = day;
          inv.net = pick(200, 30000);
          inv.total = inv.net + inv.net * pick(0, 25) / 100;
          invoices.push_back(inv);
          continue;
        }
        Invoice& inv = invoices[static_cast<size_t>(pick(0, static_cast<int64_t>(invoices.size()) - 1))];
        if (what <= 6) {  // a payment, partial or the rest
          if (inv.credited || inv.paid >= inv.total) continue;
          int64_t left = inv.total - inv.paid;
          int64_t amount = left <= 100 || pick(0, 1) ? left : pick(100, left);
          PaymentRec pr{"pay-" + std::to_string(++seq), inv.id, amount};
          payments.push_back(pr);
          // The engine, as the partners service drives it.
          Terms t{planAt(day), planAt(monthStartDay(monthOf(day))), tierAt(day), 14, attributedFrom[inv.account]};
          CHECK_TRUE(onPayment(books, t, Payment{"t", inv.account, inv.id, pr.id, day, inv.issueDay, amount, inv.net, inv.total}).isOk());
          // The reference.
          auto& [rpaid, rbase] = refInvoice[inv.id];
          int64_t base = std::max<int64_t>(0, paidBase(rpaid + amount, inv.net, inv.total) - rbase);
          bool firstBefore = rpaid == 0;
          rpaid += amount;
          rbase += base;
          std::set<std::string>& ei = earningInvoices[inv.account];
          bool otherEarned = !ei.empty() && !(ei.size() == 1 && ei.count(inv.id));
          bool ok = eligible(t.plan, t.attributedFrom, inv.issueDay, !otherEarned);
          if (ok) {
            int64_t flat = t.plan.flatMinor > 0 && !otherEarned && firstBefore ? t.plan.flatMinor : 0;
            int64_t rate = t.plan.rateBp + (t.plan.tierBp.count(t.tier) ? t.plan.tierBp.at(t.tier) : 0);
            if (base > 0 || flat > 0) {
              earned.push_back({inv.id, pr.id, base, rate, monthOf(day), flat});
              ei.insert(inv.id);
            }
          }
          inv.paid += amount;
        } else if (what <= 8) {  // a credit note on an issued invoice
          if (inv.credited) continue;
          inv.credited = true;
          CHECK_TRUE(onReversal(books, planAt, inv.id, "", 0, day, "cn:" + inv.id).isOk());
          for (Earned& e : earned)
            if (e.invoice == inv.id) e.standing = false;
          refInvoice[inv.id] = {0, 0};
        } else {  // a chargeback of one payment
          if (payments.empty()) continue;
          const PaymentRec& pr = payments[static_cast<size_t>(pick(0, static_cast<int64_t>(payments.size()) - 1))];
          Invoice* pinv = nullptr;
          for (Invoice& i : invoices)
            if (i.id == pr.invoice) pinv = &i;
          if (pinv->credited || chargedBack.count(pr.id)) continue;
          chargedBack.insert(pr.id);
          CHECK_TRUE(onReversal(books, planAt, pr.invoice, pr.id, pr.amount, day, "cb:" + pr.id).isOk());
          auto& [rpaid, rbase] = refInvoice[pr.invoice];
          rpaid = std::max<int64_t>(0, rpaid - pr.amount);
          for (Earned& e : earned)
            if (e.payment == pr.id && e.standing) {
              e.standing = false;
              rbase = std::max<int64_t>(0, rbase - e.base);
            }
          pinv->paid -= pr.amount;
        }
      }
      // Each month's end (and the last day): the statement's net to the cent.
      if (monthOf(day + 1) != monthOf(day) || day + 1 == start + days) {
        int64_t exact = referenceExact();
        CHECK_EQUAL_TEXT(exact, books.exact, ("exact total, round " + std::to_string(round)).c_str());
        CHECK_EQUAL_TEXT(roundExact(exact), sumAmounts(books.entries, day), ("cents, round " + std::to_string(round)).c_str());
      }
    }
    // Every entry names the invoice and payment it came from.
    for (const Entry& e : books.entries) {
      CHECK_FALSE(e.invoiceId.empty());
      CHECK_FALSE(e.paymentId.empty());
    }
  }
}
