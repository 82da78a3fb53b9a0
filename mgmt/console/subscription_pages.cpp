// What a tenant pays the platform (issue 24, ADR 0071): "Your subscription" for the tenant's owner and
// billing people (tier, price, period, what is owed, the platform's invoices to it and one invoice's
// lines; paying by the month or by the year), and "Tenant billing" for the platform's staff (every
// tenant with its price and what it owes). Reads and changes are the platform-* commands of mgmtd's
// table, called with the visitor's caller: a tenant's people reach only their own tenant's.
#include <map>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

// An invoice of the platform as the pages list it.
Json platformInvoiceRow(const Json& i, const std::string& tenantQuery) {
  const int64_t open = number(i, "total-minor") - number(i, "paid-minor");
  return Json{{"id", text(i, "id")},
              {"number", text(i, "number")},
              {"issued", text(i, "issued")},
              {"due", text(i, "due")},
              {"total", text(i, "total") + " " + text(i, "currency")},
              {"paid", text(i, "paid") + " " + text(i, "currency")},
              {"state", open <= 0 ? "paid" : number(i, "paid-minor") > 0 ? "partly paid" : "open"},
              {"reference", text(i, "reference")},
              {"href", "/subscription/invoice?id=" + core::web::urlEncode(text(i, "id")) + tenantQuery}};
}

}  // namespace

HttpResponse Console::subscriptionPage(const HttpRequest& r, const Visitor& v, std::vector<Message> messages,
                                       int status) {
  const std::string tenant = tenantOf(r, v);
  Json args = tenantArgs(r, v);
  core::ControlReply shown = run(v, "platform-subscription-show", args);
  if (!shown.ok()) return refuse(v, shown);
  const Json& s = shown.arguments;
  const std::string tenantQuery = v.user.platform() ? "&tenant=" + core::web::urlEncode(tenant) : "";
  Json invoices = Json::array();
  for (const Json& i : s.value("invoices", Json::array())) invoices.push_back(platformInvoiceRow(i, tenantQuery));
  const Json sub = s.value("subscription", Json());
  const Json prices = s.value("prices", Json::object());
  const bool billed = s.value("billed", false);
  const std::string period = billed ? text(sub, "period") : "";
  if (!query(r, "period").empty() && messages.empty())
    messages.push_back(Message::ok("Saved: you are billed by the " + query(r, "period") +
                                   " from today; the days already paid are credited."));
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"name", text(s, "tenant")},
            {"tier", text(s, "tier")},
            {"billed", billed},
            {"demo", s.value("demo", false)},
            {"status", text(s, "status")},
            {"price", billed ? text(sub, "price") : ""},
            {"period", period},
            {"yearly", period == "year"},
            {"month_price", text(prices, "month")},
            {"year_price", text(prices, "year")},
            {"next", billed ? text(sub, "billed-until") : ""},
            {"since", billed ? text(sub, "start") : ""},
            {"owed", text(s, "owed")},
            {"credit", text(s, "credit")},
            {"has_credit", number(s, "credit-minor") > 0},
            {"invoices", invoices},
            {"has_invoices", !invoices.empty()},
            {"may_change", billed && may(v, "platform-subscription-set")}};
  const std::string heading = v.user.platform() ? "Subscription of " + text(s, "tenant") : "Your subscription";
  data["heading"] = heading;
  return page(v, "subscription", heading, data, std::move(messages), status);
}

HttpResponse Console::subscriptionPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args{{"period", field(form, "period")}};
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "platform-subscription-set", args);
  if (!reply.ok()) {
    if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400) return refuse(v, reply);
    HttpRequest again = r;
    if (!tenant.empty()) again.query["tenant"] = tenant;
    return subscriptionPage(again, v, {Message::error("Not changed: " + reply.text)}, 400);
  }
  return core::web::redirect(303,
                             "/subscription?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&") +
                                 "period=" + core::web::urlEncode(field(form, "period")),
                             "Your subscription");
}

HttpResponse Console::platformInvoicePage(const HttpRequest& r, const Visitor& v) {
  const std::string tenant = tenantOf(r, v);
  Json args = tenantArgs(r, v);
  args["invoice"] = query(r, "id");
  core::ControlReply shown = run(v, "platform-invoice-show", args);
  if (!shown.ok()) return refuse(v, shown);
  const Json& i = shown.arguments;
  Json lines = Json::array();
  for (const Json& l : i["lines"])
    lines.push_back({{"description", text(l, "description")}, {"amount", text(l, "amount")}});
  const std::string currency = text(i, "currency");
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"back", "/subscription" + (v.user.platform() ? "?tenant=" + core::web::urlEncode(tenant) : std::string())},
            {"number", text(i, "number")},
            {"issued", text(i, "issued")},
            {"due", text(i, "due")},
            {"reference", text(i, "reference")},
            {"state", platformInvoiceRow(i, "")["state"]},
            {"lines", lines},
            {"net", text(i, "net") + " " + currency},
            {"tax", text(i, "tax") + " " + currency},
            {"total", text(i, "total") + " " + currency},
            {"paid", text(i, "paid") + " " + currency}};
  return page(v, "platform_invoice", "Invoice " + text(i, "number"), data);
}

HttpResponse Console::tenantBillingPage(const HttpRequest&, const Visitor& v) {
  core::ControlReply list = run(v, "platform-billing-list", Json::object());
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  for (const Json& t : list.arguments)
    rows.push_back({{"id", text(t, "tenant-id")},
                    {"name", text(t, "tenant")},
                    {"tier", text(t, "tier")},
                    {"state", t.value("demo", false) ? "demo (not billed)"
                                                      : t.value("billed", false) ? "billed" : text(t, "status") + " (not billed)"},
                    {"price", t.value("billed", false) ? text(t, "price") + " a " + text(t, "period") : std::string("")},
                    {"owed", text(t, "owed")}});
  return page(v, "tenant_billing", "Tenant billing",
              Json{{"rows", rows}, {"none", rows.empty()}, {"summary", list.text}});
}

}  // namespace mgmt::console
