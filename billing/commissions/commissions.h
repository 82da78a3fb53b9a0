// Commission arithmetic for partners and resellers (issue 25; docs/partners.md; ADR 0041): plans,
// their parsing, and the engine that turns billing events (money actually paid, credit notes,
// chargebacks) into commission ledger entries. Pure: no clock, no I/O; the state it reads and writes
// is behind `Books` (the partners store in mgmt, an in-memory map in tests).
//
// Contract (the rules docs/partners.md writes down):
//  - Money is integer minor units. Contributions are computed exactly in 1/10000 of a minor unit
//    ("exact"); an entry's amount is the change of the partner's rounded (half up) running exact
//    total, so the sum of a partner's entries is always the rounded sum of the
//    exact contributions: no cent drifts over any number of payments.
//  - The base of a payment is its share of the invoice's revenue without tax: the invoice's base is
//    floor(paid * net / total) of what has been paid of it so far, and a payment's base is the
//    change; a fully paid invoice's base is exactly its net.
//  - Percent part: base * (rate + the bonus of the partner's tier on the payment's day) / 10000.
//  - Tiered part: by the partner's paid base in the payment's calendar month (its "volume"), with
//    the brackets of the plan in force on the month's first day (so a month has one scale): whole
//    mode applies the rate of the bracket the volume reaches to the whole volume, marginal mode each
//    bracket's rate to the part inside it; a payment earns f(V + base) - f(V).
//  - Flat part: once per attributed account, on the first payment of its first invoice that earns
//    under the attribution. "First invoice" is the first to earn anything, even if later reversed.
//  - Recurrence: lifetime; N months (invoices issued before the attribution's day + N months);
//    once (only the account's first paid invoice under the attribution).
//  - A credit note reverses everything accrued on its invoice; a chargeback reverses what one payment
//    brought. Tiered parts come back as f(V - base) - f(V) of the original month. Clawbacks are
//    negative entries released at once: they are netted against future earnings, never taken from a
//    payout already made.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace billing::commissions {

constexpr int64_t kExactPerMinor = 10000;

struct Bracket {
  int64_t fromMinor = 0;  // the month's volume from which this bracket's rate applies
  int64_t rateBp = 0;
};
enum class BracketMode { kWhole, kMarginal };
enum class Recurrence { kLifetime, kMonths, kOnce };

struct Plan {
  int64_t flatMinor = 0;             // per sale
  int64_t rateBp = 0;                // percentage of paid revenue, in basis points
  std::vector<Bracket> brackets;     // tiered by monthly volume (ascending fromMinor, the first 0)
  BracketMode bracketMode = BracketMode::kWhole;
  std::map<std::string, int64_t> tierBp;  // extra basis points by partner tier
  Recurrence recurrence = Recurrence::kLifetime;
  int64_t months = 0;                // Recurrence::kMonths
  int64_t bonusTargetMinor = 0;      // quarterly performance bonus: volume target
  int64_t bonusMinor = 0;            //   and what reaching it pays
};

extern const char* const kPartnerTypes[8];  // authorized-dealer ... franchise
extern const char* const kTiers[4];         // bronze silver gold platinum
bool isPartnerType(const std::string& type);
bool isTier(const std::string& tier);

// {"flat": "15.00", "rate-bp": 1000, "brackets": [{"from": "0", "rate-bp": 500}, ...],
//  "bracket-mode": "whole"|"marginal", "tier-bp": {"gold": 200}, "recurring": "lifetime"|"once"|N,
//  "bonus-target": "5000.00", "bonus": "200.00"}; money in the partner's currency. Errors name the key.
core::Result<Plan> parsePlan(const core::Json& spec, const std::string& currency);
core::Json planJson(const Plan& plan, const std::string& currency);

int64_t roundExact(int64_t exact);  // half up: floor((exact + 5000) / 10000)
int64_t bracketExact(const Plan& plan, int64_t volume);
int64_t paidBase(int64_t paid, int64_t net, int64_t total);
int64_t monthOf(int64_t day);        // 202601
int64_t monthStartDay(int64_t month);
int64_t nextMonth(int64_t month);
int64_t quarterStartMonth(int64_t month);  // 202604 for 202605
int64_t addMonths(int64_t day, int64_t months);  // the same day of the month, clamped to its length
bool eligible(const Plan& plan, int64_t attributedFrom, int64_t issueDay, bool firstPaidInvoice);

enum class EntryKind { kAccrual, kClawback, kBonus, kPayout };
const char* entryKindName(EntryKind kind);

struct Entry {
  EntryKind kind = EntryKind::kAccrual;
  std::string part;  // "percent", "tiered", "flat", "bonus", "payout"
  int64_t amount = 0;
  int64_t exact = 0;
  int64_t base = 0;
  int64_t day = 0;
  int64_t period = 0;  // the month the money belongs to (tiered clawbacks: the original month)
  int64_t releaseDay = 0;
  std::string tenantId, username, invoiceId, paymentId;
  std::string ref;  // unique per partner
  int64_t seq = 0;
};

// What the engine keeps for one partner. Implementations write through to storage.
class Books {
 public:
  struct InvoiceState {
    int64_t paid = 0;
    int64_t base = 0;
  };
  virtual ~Books() = default;
  virtual core::Result<InvoiceState> invoice(const std::string& invoiceId) = 0;
  virtual core::Status setInvoice(const std::string& invoiceId, const InvoiceState& state) = 0;
  virtual core::Result<int64_t> volume(int64_t month) = 0;
  virtual core::Status setVolume(int64_t month, int64_t volume) = 0;
  // The running exact total of every entry so far.
  virtual core::Result<int64_t> exactTotal() = 0;
  // Appends `e` (its amount already set) and moves the exact total by e.exact.
  virtual core::Status append(const Entry& e) = 0;
  virtual core::Result<std::vector<Entry>> entriesOfInvoice(const std::string& invoiceId) = 0;
  // Whether another invoice of the account than `invoiceId` earned an accrual of this partner on or
  // after `fromDay` (flat per sale and "once" pay on the first invoice only).
  virtual core::Result<bool> otherInvoiceAccrued(const std::string& tenantId, const std::string& username,
                                                 int64_t fromDay, const std::string& invoiceId) = 0;
};

struct Terms {
  Plan plan;           // in force on the event's day
  Plan monthPlan;      // in force on the first day of the event's month: its brackets judge the month
  std::string tier;    // the partner's tier on the event's day
  int64_t holdDays = 0;
  int64_t attributedFrom = 0;
};

struct Payment {
  std::string tenantId, username, invoiceId, paymentId;
  int64_t day = 0;       // when the money arrived
  int64_t issueDay = 0;  // the invoice's
  int64_t amount = 0;    // allocated to the invoice, > 0
  int64_t net = 0, total = 0;
};

// Posts what `p` earns (0..3 entries); `planAt` gives the plan in force on a day (tiered clawbacks).
core::Status onPayment(Books& books, const Terms& terms, const Payment& p);
// A credit note on the invoice (paymentId empty) or a chargeback of one payment: reverses what it
// brought. `planAt(day)` is the plan in force on a day (tiered parts use the month's first day).
core::Status onReversal(Books& books, const std::function<Plan(int64_t)>& planAt, const std::string& invoiceId,
                        const std::string& paymentId, int64_t amountReversed, int64_t day, const std::string& ref);
// The quarterly bonus for the quarter starting `quarterMonth` when its volume reached the target;
// posted on `day`; nothing when not reached or already posted (ref).
core::Result<int64_t> quarterVolume(Books& books, int64_t quarterMonth);

// Sets e.amount from the running totals and appends it.
core::Status post(Books& books, Entry e);

}  // namespace billing::commissions
