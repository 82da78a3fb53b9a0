// The console's Reports page (issue 24 "Reports"; docs/billing.md "Reports"): revenue by month (MRR,
// ARPU, churned revenue over the last 12 months), accounts receivable aging and the tax report, each
// as a chart drawn on the server (SVG, no script) with its table beside it for screen readers and
// copying, and each as a CSV download. Every figure is a reply of billing-revenue, billing-aging or
// billing-tax-report run with the visitor's caller: a tenant's people read their own tenant only
// (the command's scoping), the platform names one with ?tenant=ID.
#include <algorithm>
#include <ctime>

#include "billing/rating/rules.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

// SVG text is ours (months, digits, bucket names) but escaped all the same.
std::string reportSvgText(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// One series as bars, labelled below, the highest value written at the top of the axis: drawn on the
// server like the signup funnel and the partner earnings, sized by its viewBox (phone widths too).
std::string reportBarsSvg(const std::string& id, const std::string& title, const std::vector<std::string>& labels,
                          const std::vector<int64_t>& values, const std::string& topText, const char* colour) {
  int64_t top = 1;
  for (int64_t v : values) top = std::max(top, v);
  const int slot = 40, bar = 26, height = 140, left = 64, bottom = 22;
  const int width = left + static_cast<int>(values.size()) * slot + 8;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"report-chart\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height + bottom + 6) +
                    "\" role=\"img\" aria-labelledby=\"" + id + "-title\"><title id=\"" + id + "-title\">" +
                    reportSvgText(title) + " (the table below has the figures)</title>";
  svg += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(height) + "\" x2=\"" + std::to_string(width) +
         "\" y2=\"" + std::to_string(height) + "\" stroke=\"currentColor\"/>";
  svg += "<text x=\"" + std::to_string(left - 4) + "\" y=\"12\" text-anchor=\"end\" font-size=\"10\" fill=\"currentColor\">" +
         reportSvgText(topText) + "</text>";
  for (size_t i = 0; i < values.size(); ++i) {
    const int x = left + 6 + static_cast<int>(i) * slot;
    const int h = static_cast<int>(std::max<int64_t>(0, values[i]) * (height - 16) / top);
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(height - h) + "\" width=\"" + std::to_string(bar) +
           "\" height=\"" + std::to_string(h) + "\" fill=\"" + colour + "\"/>";
    svg += "<text x=\"" + std::to_string(x + bar / 2) + "\" y=\"" + std::to_string(height + 15) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"currentColor\">" + reportSvgText(labels[i]) + "</text>";
  }
  return svg + "</svg>";
}

std::string reportDay(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The tax report's period from the query: this year so far by default ([1 January, tomorrow)).
std::pair<std::string, std::string> taxPeriodOf(const HttpRequest& r) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string from = query(r, "from").substr(0, 10), to = query(r, "to").substr(0, 10);
  if (from.empty()) from = reportDay(now).substr(0, 4) + "-01-01";
  if (to.empty()) to = reportDay(now + 86400);
  return {from, to};
}

// A refusal naming "from"/"to" ("from '2026-13-01': ..." or "to: must be after from").
std::string taxFieldOf(const std::string& message) {
  for (const char* f : {"from", "to"}) {
    const std::string n = f;
    if (message.rfind(n + ":", 0) == 0 || message.rfind(n + " '", 0) == 0) return n;
  }
  return "";
}

HttpResponse reportCsvDownload(const core::ControlReply& reply, const std::string& name) {
  HttpResponse csv;
  csv.contentType = "text/csv; charset=utf-8";
  csv.body = reply.arguments.value("csv", std::string());
  csv.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return csv;
}

}  // namespace

void Console::addReportRoutes(const PageRoute& get) {
  get("/reports", [this](const HttpRequest& r, const Visitor& v) { return reportsPage(r, v); });
  get("/reports/revenue.csv", [this](const HttpRequest& r, const Visitor& v) {
    Json args = tenantArgs(r, v);
    args["format"] = "csv";
    core::ControlReply reply = run(v, "billing-revenue", args);
    return reply.ok() ? reportCsvDownload(reply, "revenue.csv") : refuse(v, reply);
  });
  get("/reports/aging.csv", [this](const HttpRequest& r, const Visitor& v) {
    Json args = tenantArgs(r, v);
    args["format"] = "csv";
    core::ControlReply reply = run(v, "billing-aging", args);
    return reply.ok() ? reportCsvDownload(reply, "aging.csv") : refuse(v, reply);
  });
  get("/reports/tax.csv", [this](const HttpRequest& r, const Visitor& v) {
    Json args = tenantArgs(r, v);
    const auto [from, to] = taxPeriodOf(r);
    args["from"] = from;
    args["to"] = to;
    args["format"] = "csv";
    core::ControlReply reply = run(v, "billing-tax-report", args);
    return reply.ok() ? reportCsvDownload(reply, "tax-" + from + "-" + to + ".csv") : refuse(v, reply);
  });
}

HttpResponse Console::reportsPage(const HttpRequest& r, const Visitor& v) {
  const std::string tenant = tenantOf(r, v);
  const Json args = tenantArgs(r, v);
  Json data{{"tenant", tenant}, {"platform", v.user.platform()}, {"has_tenant", !tenant.empty()},
            {"q", v.user.platform() ? "tenant=" + core::web::urlEncode(tenant) : std::string()},
            {"qa", v.user.platform() ? "?tenant=" + core::web::urlEncode(tenant) : std::string()},
            {"qt", v.user.platform() ? "tenant=" + core::web::urlEncode(tenant) + "&" : std::string()}};
  core::ControlReply revenue = run(v, "billing-revenue", args);
  if (!revenue.ok()) {
    if (revenue.code != core::Code::kFailedPrecondition) return refuse(v, revenue);
    data["not_set_up"] = true;  // billing not set up: the page says how
    data["not_set_up_text"] = revenue.text;
    return page(v, "reports", "Reports", data);
  }
  const Json& rev = revenue.arguments;
  const std::string currency = text(rev, "currency");
  auto money = [&currency](int64_t minor) { return ::billing::formatMoney(minor, currency); };
  data["currency"] = currency;
  data["with_tax"] = rev.value("prices-include-tax", false);
  std::vector<std::string> months;
  std::vector<int64_t> mrr, arpu, churned;
  Json rows = Json::array();
  int64_t topMrr = 0, topArpu = 0, topChurned = 0;
  for (const Json& m : rev["months"]) {
    const std::string month = text(m, "month");
    months.push_back(month.substr(5));  // "03": the table has the year
    mrr.push_back(number(m, "mrr-minor"));
    arpu.push_back(number(m, "arpu-minor"));
    churned.push_back(number(m, "churned-minor"));
    topMrr = std::max(topMrr, mrr.back());
    topArpu = std::max(topArpu, arpu.back());
    topChurned = std::max(topChurned, churned.back());
    rows.push_back({{"month", month}, {"close", text(m, "close")}, {"mrr", money(mrr.back())},
                    {"customers", number(m, "paying-customers")}, {"arpu", money(arpu.back())}, {"churned", money(churned.back())},
                    {"churned_subs", number(m, "churned-subscriptions")}});
  }
  data["revenue"] = rows;
  data["mrr_chart"] = reportBarsSvg("mrr-chart", "MRR at each month's close, the last 12 months", months, mrr, money(topMrr), "#2e8b57");
  data["arpu_chart"] = reportBarsSvg("arpu-chart", "ARPU at each month's close, the last 12 months", months, arpu, money(topArpu), "#4a6fa5");
  data["churn_chart"] = reportBarsSvg("churn-chart", "Churned revenue per month, the last 12 months", months, churned,
                                      money(topChurned), "#b5523b");

  core::ControlReply aging = run(v, "billing-aging", args);
  if (!aging.ok()) return refuse(v, aging);
  static const char* const kAgingBuckets[][2] = {
      {"current", "not due"}, {"1-30", "1-30"}, {"31-60", "31-60"}, {"61-90", "61-90"}, {"over-90", "90+"}};
  const Json& totals = aging.arguments["totals"];
  std::vector<std::string> bucketLabels;
  std::vector<int64_t> bucketValues;
  Json buckets = Json::array();
  int64_t topBucket = 0;
  for (const auto& b : kAgingBuckets) {
    bucketLabels.push_back(b[1]);
    bucketValues.push_back(number(totals, (std::string(b[0]) + "-minor").c_str()));
    topBucket = std::max(topBucket, bucketValues.back());
  }
  Json customers = Json::array();
  for (const Json& c : aging.arguments["customers"]) {
    if (customers.size() >= 50) break;  // the CSV has every customer
    Json cells = Json::array();
    for (const auto& b : kAgingBuckets) cells.push_back({{"v", money(number(c, (std::string(b[0]) + "-minor").c_str()))}});
    customers.push_back({{"customer", text(c, "customer")}, {"cells", cells}, {"total", money(number(c, "total-minor"))}});
  }
  for (size_t i = 0; i < bucketValues.size(); ++i)
    buckets.push_back({{"bucket", bucketLabels[i]}, {"amount", money(bucketValues[i])}});
  data["aging_total"] = money(number(totals, "total-minor"));
  data["aging_date"] = text(aging.arguments, "date");
  data["aging_customers"] = customers;
  data["aging_count"] = aging.arguments["customers"].size();
  data["aging_more"] = aging.arguments["customers"].size() > 50;
  data["has_aging"] = !aging.arguments["customers"].empty();
  data["aging_buckets"] = buckets;
  data["aging_chart"] = reportBarsSvg("aging-chart", "What customers owe by days overdue", bucketLabels, bucketValues,
                                      money(topBucket), "#8a5fb0");

  const auto [from, to] = taxPeriodOf(r);
  Json taxArgs = args;
  taxArgs["from"] = from;
  taxArgs["to"] = to;
  core::ControlReply tax = run(v, "billing-tax-report", taxArgs);
  std::vector<Message> messages;
  int status = 200;
  std::string fromError, toError;
  if (!tax.ok()) {
    if (tax.code != core::Code::kInvalidArgument) return refuse(v, tax);
    (taxFieldOf(tax.text) == "to" ? toError : fromError) = tax.text;
    messages.push_back(Message::error("The tax report's period is not right: see the dates."));
    status = 400;
  } else {
    Json taxRows = Json::array();
    for (const Json& t : tax.arguments["rows"])
      taxRows.push_back({{"region", text(t, "region").empty() ? "(no region)" : text(t, "region")},
                         {"rate", text(t, "rate-percent")}, {"treatment", text(t, "treatment")},
                         {"documents", number(t, "documents")}, {"net", text(t, "net")}, {"tax", text(t, "tax")}});
    data["tax_rows"] = taxRows;
    data["has_tax"] = !taxRows.empty();
    data["tax_text"] = tax.text;
    data["tax_ok"] = true;
  }
  using core::web::Field;
  data["from_field"] = core::web::renderField(Field{"from", "tax-from", "From (first day)", "date", from, fromError,
                                                    {{"required", ""}, {"aria-describedby", "tax-period-help"}}});
  data["to_field"] = core::web::renderField(Field{"to", "tax-to", "To (the day after the last)", "date", to, toError,
                                                  {{"required", ""}, {"aria-describedby", "tax-period-help"}}});
  data["tax_q"] = "from=" + core::web::urlEncode(from) + "&to=" + core::web::urlEncode(to);
  return page(v, "reports", "Reports", data, std::move(messages), status);
}

}  // namespace mgmt::console
