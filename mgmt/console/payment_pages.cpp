// The console's payments (issue 24 "refunds"; docs/billing.md "Refunds from the console"): the
// payments received, one payment with the invoices it paid, and for an online payment the refund form
// (amount, reason) over refund-create. The form carries an idempotency key drawn when it is shown and
// kept when it comes back refused, so submitting it twice (a double click, a reload of the POST) gives
// the first refund back instead of a second one; the command refuses more than the payment has left
// ("amount: at most ..."), shown next to the amount. Reads and the refund run with the visitor's
// caller: another tenant's payment is not found, a role without refund-create is refused.
#include "core/pki.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

// Which refund field a refusal names: "amount: ...", "amount '...': ...", "reason: ...".
std::string refundFieldOf(const std::string& message) {
  for (const char* f : {"amount", "reason"}) {
    const std::string n = f;
    if (message.rfind(n + ":", 0) == 0 || message.rfind(n + " '", 0) == 0) return n;
  }
  return "";
}

}  // namespace

void Console::addPaymentRoutes(const PageRoute& get, const PageRoute& post) {
  get("/payments", [this](const HttpRequest& r, const Visitor& v) { return paymentsPage(r, v); });
  get("/payment", [this](const HttpRequest& r, const Visitor& v) { return paymentPage(r, v); });
  post("/payment/refund", [this](const HttpRequest& r, const Visitor& v) { return refundPost(r, v); });
}

HttpResponse Console::paymentsPage(const HttpRequest& r, const Visitor& v) {
  const std::string tenant = tenantOf(r, v);
  Json args = tenantArgs(r, v);
  const std::string customer = query(r, "customer").substr(0, 253);
  if (!customer.empty()) args["username"] = customer;
  args["limit"] = 200;
  core::ControlReply list = run(v, "payment-list", args);
  if (!list.ok()) return refuse(v, list);
  const std::string q = v.user.platform() ? "&tenant=" + core::web::urlEncode(tenant) : "";
  Json rows = Json::array();
  for (const Json& p : list.arguments)
    rows.push_back({{"href", "/payment?id=" + core::web::urlEncode(text(p, "id")) + q},
                    {"id", text(p, "id")}, {"day", text(p, "day")}, {"customer", text(p, "customer")},
                    {"method", p.value("online", false) ? std::string("online") : text(p, "method")},
                    {"amount", text(p, "amount")}, {"refunded", number(p, "refunded-minor") > 0 ? text(p, "refunded") : ""}});
  Json data{{"tenant", tenant}, {"platform", v.user.platform()}, {"has_tenant", !tenant.empty()}, {"rows", rows},
            {"none", rows.empty()}, {"customer", customer}, {"may_refund", may(v, "refund-create")}};
  return page(v, "payments", "Payments", data);
}

HttpResponse Console::paymentPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                  int status) {
  const bool posted = form.is_object();
  const std::string tenant = posted ? form.value("tenant", "") : tenantOf(r, v);
  const std::string id = posted ? form.value("id", "") : query(r, "id").substr(0, 64);
  Json args = Json::object();
  if (v.user.platform()) args["tenant"] = tenant;
  args["payment"] = id;
  core::ControlReply shown = run(v, "payment-show", args);
  if (!shown.ok()) return refuse(v, shown);
  const Json& p = shown.arguments;
  if (!posted && !query(r, "refunded").empty())
    messages.push_back(Message::ok("Refunded: the provider's refund " + query(r, "refunded").substr(0, 64) +
                                   " is booked, with a credit note for what the payment had paid on invoices."));
  if (!posted && !query(r, "pending").empty())
    messages.push_back(Message::ok("The provider has the refund " + query(r, "pending").substr(0, 64) +
                                   " pending: submit the same form again once it succeeds to book it."));
  Json invoices = Json::array();
  for (const Json& i : p["invoices"])
    invoices.push_back({{"invoice", text(i, "invoice")}, {"number", text(i, "number")}, {"paid", text(i, "paid")}});
  const Json values = posted ? form["values"] : Json::object();
  const Json errors = posted ? form["errors"] : Json::object();
  const int64_t refundable = number(p, "refundable-minor");
  const bool mayRefund = may(v, "refund-create") && p.value("online", false) && refundable > 0;
  using core::web::Field;
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"payment", p},
            {"id", text(p, "id")},
            {"invoices", invoices},
            {"has_invoices", !invoices.empty()},
            {"refunded_any", number(p, "refunded-minor") > 0},
            {"online", p.value("online", false)},
            {"may_refund", mayRefund},
            {"role_may_refund", may(v, "refund-create")},
            {"key", posted ? text(values, "key") : core::pki::randomHex(16)},
            {"amount", core::web::renderField(Field{"amount", "refund-amount", "Amount to refund (" + text(p, "currency") + ")",
                                                    "text", posted ? text(values, "amount") : text(p, "refundable").substr(0, text(p, "refundable").find(' ')),
                                                    text(errors, "amount"),
                                                    {{"inputmode", "decimal"}, {"required", ""}, {"maxlength", "32"},
                                                     {"aria-describedby", "refund-amount-help"}}})},
            {"reason", core::web::renderField(Field{"reason", "refund-reason", "Reason", "text", posted ? text(values, "reason") : "",
                                                    text(errors, "reason"),
                                                    {{"required", ""}, {"maxlength", "200"}, {"aria-describedby", "refund-reason-help"}}})},
            {"form_error", text(errors, "")}};
  return page(v, "payment", "Payment " + text(p, "id"), data, std::move(messages), status);
}

HttpResponse Console::refundPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  const std::string id = field(form, "id"), amount = field(form, "amount"), reason = field(form, "reason"),
                    key = field(form, "key");
  Json values{{"amount", amount}, {"reason", reason}, {"key", key}};
  auto again = [&](Json errors, const std::string& message, int status) {
    return paymentPage(r, v, Json{{"tenant", tenant}, {"id", id}, {"values", values}, {"errors", errors}},
                       {Message::error("Not refunded: " + message)}, status);
  };
  if (reason.empty()) return again(Json{{"reason", "Say why the money goes back (the credit note and the provider keep it)."}},
                                   "say why.", 400);
  Json args{{"payment", id}, {"amount", amount}, {"reason", reason}, {"key", key}};
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "refund-create", args);
  const std::string q = tenant.empty() ? "" : "&tenant=" + core::web::urlEncode(tenant);
  if (reply.ok()) {
    const std::string refund = text(reply.arguments, "refund");
    const bool booked = reply.arguments.value("booked", false);
    return core::web::redirect(303, "/payment?id=" + core::web::urlEncode(id) + q + (booked ? "&refunded=" : "&pending=") +
                                        core::web::urlEncode(refund),
                               "Payment");
  }
  const int http = core::command::httpStatus(core::command::publicCode(reply.code));
  if (http == 403 || http == 404) return refuse(v, reply);
  const std::string named = refundFieldOf(reply.text);
  if (!named.empty()) {
    const size_t colon = reply.text.find(": ");
    return again(Json{{named, colon == std::string::npos ? reply.text : reply.text.substr(colon + 2)}}, "check the " + named + ".",
                 http == 500 ? 400 : http);
  }
  return again(Json{{"", reply.text}}, reply.text, http);
}

}  // namespace mgmt::console
