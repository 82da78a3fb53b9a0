// Billing reports (issue 24 "Reports"; docs/billing.md "Reports"): accounts receivable aging, the
// tax report, and revenue by month (MRR, ARPU, churned revenue: revenue.h).
#include <array>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/revenue.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

// The aging buckets, by days past the due day: not yet due (0 or less), then 1-30, 31-60, 61-90, 91+.
constexpr std::array<const char*, 5> kBuckets{"current", "1-30", "31-60", "61-90", "over-90"};

size_t bucketOf(int64_t daysOverdue) {
  if (daysOverdue <= 0) return 0;
  if (daysOverdue <= 30) return 1;
  if (daysOverdue <= 60) return 2;
  if (daysOverdue <= 90) return 3;
  return 4;
}

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, and prefixed with ' when
// a spreadsheet would read it as a formula (a customer name is outside input).
std::string csvCell(std::string v) {
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v = "'" + v;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

ControlReply BillingService::aging(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "date", "format"}));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  if (format && *format != "json" && *format != "csv")
    return ControlReply::error(core::invalidArgument("format '" + format->substr(0, 8) + "': expected json or csv"));
  struct Row {
    std::string customer;
    std::array<int64_t, 5> owed{};
    int64_t total = 0;
  };
  std::vector<Row> rows;
  Row totals{"total"};
  std::string currency;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        rows.clear();
        totals = Row{"total"};
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
        currency = settings.currency;
        EDGE_ASSIGN_OR_RETURN(std::vector<BillingStore::OpenByDue> open, st.openByDueDay(t.id));
        for (const BillingStore::OpenByDue& o : open) {
          if (rows.empty() || rows.back().customer != o.username) rows.push_back(Row{o.username});
          const size_t b = bucketOf(day - o.dueDay);
          rows.back().owed[b] += o.open;
          rows.back().total += o.open;
          totals.owed[b] += o.open;
          totals.total += o.open;
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));

  auto money = [&](int64_t v) { return ::billing::formatMoney(v, ""); };
  if (format.value_or("json") == "csv") {
    std::string csv = "customer";
    for (const char* b : kBuckets) csv += std::string(",") + b;
    csv += ",total\r\n";
    rows.push_back(totals);
    for (const Row& r : rows) {
      csv += csvCell(r.customer);
      for (int64_t v : r.owed) csv += "," + money(v);
      csv += "," + money(r.total) + "\r\n";
    }
    return ControlReply::success(csv, Json{{"date", ::billing::formatDay(day)}, {"currency", currency}, {"csv", csv}});
  }
  auto rowJson = [&](const Row& r) {
    Json j{{"customer", r.customer}, {"total-minor", r.total}, {"total", money(r.total)}};
    for (size_t i = 0; i < kBuckets.size(); ++i) j[std::string(kBuckets[i]) + "-minor"] = r.owed[i];
    return j;
  };
  Json customers = Json::array();
  for (const Row& r : rows) customers.push_back(rowJson(r));
  Json totalJson = rowJson(totals);
  totalJson.erase("customer");
  return ControlReply::success(std::to_string(rows.size()) + " customers owe " +
                                   ::billing::formatMoney(totals.total, currency) + " on " + ::billing::formatDay(day) +
                                   ", " + ::billing::formatMoney(totals.owed[4], currency) + " of it over 90 days overdue",
                               Json{{"date", ::billing::formatDay(day)},
                                    {"currency", currency},
                                    {"customers", customers},
                                    {"totals", totalJson}});
}

ControlReply BillingService::taxReport(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "from", "to", "format"}));
  EDGE_ASSIGN_OR_RETURN(int64_t from, dayArg(a, "from", 0));
  EDGE_ASSIGN_OR_RETURN(int64_t to, dayArg(a, "to", 0));
  if (to <= from) return ControlReply::error(core::invalidArgument("to: must be after from (the report covers [from, to))"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  if (format && *format != "json" && *format != "csv")
    return ControlReply::error(core::invalidArgument("format '" + format->substr(0, 8) + "': expected json or csv"));
  std::vector<BillingStore::TaxSum> sums;
  std::string currency;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
        currency = settings.currency;
        EDGE_ASSIGN_OR_RETURN(sums, st.taxSums(t.id, from, to));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  auto money = [](int64_t v) { return ::billing::formatMoney(v, ""); };
  auto rate = [](int64_t bp) { return std::to_string(bp / 100) + "." + (bp % 100 < 10 ? "0" : "") + std::to_string(bp % 100); };
  int64_t net = 0, tax = 0, documents = 0;
  for (const BillingStore::TaxSum& s : sums) {
    net += s.net;
    tax += s.tax;
    documents += s.documents;
  }
  const std::string period = ::billing::formatDay(from) + " to " + ::billing::formatDay(to);
  if (format.value_or("json") == "csv") {
    std::string csv = "region,rate-percent,treatment,documents,net,tax\r\n";
    for (const BillingStore::TaxSum& s : sums)
      csv += csvCell(s.region) + "," + rate(s.rateBp) + "," + csvCell(s.treatment) + "," + std::to_string(s.documents) + "," +
             money(s.net) + "," + money(s.tax) + "\r\n";
    csv += "total,,," + std::to_string(documents) + "," + money(net) + "," + money(tax) + "\r\n";
    return ControlReply::success(csv, Json{{"from", ::billing::formatDay(from)}, {"to", ::billing::formatDay(to)},
                                           {"currency", currency}, {"csv", csv}});
  }
  Json rows = Json::array();
  for (const BillingStore::TaxSum& s : sums)
    rows.push_back(Json{{"region", s.region},
                        {"rate-percent", rate(s.rateBp)},
                        {"treatment", s.treatment},
                        {"documents", s.documents},
                        {"net-minor", s.net},
                        {"tax-minor", s.tax},
                        {"net", money(s.net)},
                        {"tax", money(s.tax)}});
  return ControlReply::success("tax " + ::billing::formatMoney(tax, currency) + " on " + ::billing::formatMoney(net, currency) +
                                   " net from " + period + " (" + std::to_string(documents) + " documents)",
                               Json{{"from", ::billing::formatDay(from)},
                                    {"to", ::billing::formatDay(to)},
                                    {"currency", currency},
                                    {"rows", rows},
                                    {"totals", {{"documents", documents}, {"net-minor", net}, {"tax-minor", tax}}}});
}

ControlReply BillingService::revenue(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "date", "months", "format"}));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> monthsArg, a.integer("months", 1, 36));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  if (format && *format != "json" && *format != "csv")
    return ControlReply::error(core::invalidArgument("format '" + format->substr(0, 8) + "': expected json or csv"));
  std::vector<RevenueMonth> series;
  Settings settings;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(settings, requireSettings(st, t.id, t.name));
        EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.subscriptions(t.id, ""));
        series = revenueSeries(subs, day, static_cast<int>(monthsArg.value_or(12)));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  auto money = [](int64_t v) { return ::billing::formatMoney(v, ""); };
  auto monthText = [](int64_t start) { return ::billing::formatDay(start).substr(0, 7); };
  if (format.value_or("json") == "csv") {
    std::string csv = "month,close,mrr,paying-customers,arpu,churned,churned-subscriptions\r\n";
    for (const RevenueMonth& m : series)
      csv += monthText(m.start) + "," + ::billing::formatDay(m.close) + "," + money(m.mrr) + "," + std::to_string(m.customers) +
             "," + money(m.arpu) + "," + money(m.churned) + "," + std::to_string(m.churnedSubscriptions) + "\r\n";
    return ControlReply::success(csv, Json{{"date", ::billing::formatDay(day)}, {"currency", settings.currency}, {"csv", csv}});
  }
  Json months = Json::array();
  for (const RevenueMonth& m : series)
    months.push_back(Json{{"month", monthText(m.start)},
                          {"close", ::billing::formatDay(m.close)},
                          {"mrr-minor", m.mrr},
                          {"paying-customers", m.customers},
                          {"arpu-minor", m.arpu},
                          {"churned-minor", m.churned},
                          {"churned-subscriptions", m.churnedSubscriptions},
                          {"mrr", money(m.mrr)},
                          {"arpu", money(m.arpu)},
                          {"churned", money(m.churned)}});
  const RevenueMonth last = series.empty() ? RevenueMonth{} : series.back();
  return ControlReply::success("MRR " + ::billing::formatMoney(last.mrr, settings.currency) + " from " +
                                   std::to_string(last.customers) + " paying customers (ARPU " +
                                   ::billing::formatMoney(last.arpu, settings.currency) + ") on " + ::billing::formatDay(day) +
                                   "; " + ::billing::formatMoney(last.churned, settings.currency) + " churned this month",
                               Json{{"date", ::billing::formatDay(day)},
                                    {"currency", settings.currency},
                                    {"prices-include-tax", settings.pricesIncludeTax},
                                    {"months", months}});
}

}  // namespace mgmt::billing
