// The technician UI's Vouchers page: the list by batch and state, generating a batch, revoking a code
// or a batch, and a batch's printable sheet (voucher-export's own HTML). Through WebUi::run like
// every page.
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers


core::HttpResponse WebUi::vouchersPage(const core::HttpRequest& r, const Visitor& v,
                                       std::vector<core::web::Message> messages, core::Json form, int status) {
  std::string batch = query(r, "batch"), state = query(r, "state");
  if (state != "unused" && state != "active" && state != "expired" && state != "revoked") state = "";
  core::Json args{{"limit", 500}};
  if (!batch.empty()) args["batch"] = batch;
  if (!state.empty()) args["state"] = state;
  core::ControlReply list = run(v, r, "voucher-list", args);
  core::Json rows = core::Json::array();
  if (list.arguments.is_array())
    for (const core::Json& x : list.arguments)
      rows.push_back({{"code", textOf(x, "code")},
                      {"batch", textOf(x, "batch")},
                      {"plan", textOf(x, "plan")},
                      {"state", textOf(x, "state")},
                      {"valid_until", textOf(x, "valid-until").empty() ? "-" : textOf(x, "valid-until")},
                      {"price", textOf(x, "price")},
                      {"revocable", textOf(x, "state") == "unused" || textOf(x, "state") == "active"}});
  if (!list.ok()) messages.push_back(core::web::Message::error(list.text));
  // The generate form: plans to choose from, values and errors of a refused post.
  core::ControlReply plans = run(v, r, "plan-list", core::Json::object());
  core::Json errors = form.value("errors", core::Json::object());
  auto value = [&form](const char* k) { return form.contains(k) && form[k].is_string() ? form[k].get<std::string>() : ""; };
  core::Json planOptions = core::Json::array();
  if (plans.arguments.is_array())
    for (const core::Json& p : plans.arguments)
      planOptions.push_back({{"value", textOf(p, "name")}, {"selected", textOf(p, "name") == value("plan")}});
  std::string fields =
      core::web::renderField({"count", "v-count", "How many", "number", value("count").empty() ? "10" : value("count"),
                              errors.value("count", ""),
                              {{"min", std::to_string(specArg("voucher-generate", "count").min)},
                               {"max", std::to_string(specArg("voucher-generate", "count").max)},
                               {"required", ""}}}) +
      core::web::renderField({"valid-for", "v-valid-for", "Valid for after first use (e.g. 1d; empty: the plan's)",
                              "text", value("valid-for"), errors.value("valid-for", ""), {{"maxlength", "32"}}}) +
      core::web::renderField({"price", "v-price", "Price (e.g. 2.00; empty: free)", "text", value("price"),
                              errors.value("price", ""), {{"maxlength", "32"}}}) +
      core::web::renderField({"batch", "v-batch", "Batch name (empty: one is made)", "text", value("batch"),
                              errors.value("batch", ""), {{"maxlength", "64"}}});
  core::Json states = core::Json::array();
  for (const char* s : {"", "unused", "active", "expired", "revoked"})
    states.push_back({{"value", s}, {"text", *s ? s : "any"}, {"selected", state == s}});
  core::Json data{{"rows", rows}, {"none", rows.empty()}, {"f_batch", batch}, {"states", states},
                  {"plans", planOptions}, {"fields", fields}};
  if (errors.contains("plan")) data["plan_error"] = errors["plan"];
  if (!batch.empty()) data["sheet_url"] = "/vouchers/sheet?batch=" + core::web::urlEncode(batch);
  return page(v, "vouchers", "Vouchers", data, std::move(messages), status);
}

core::HttpResponse WebUi::voucherPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  auto statusOf = [](const core::ControlReply& reply) {
    return reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
  };
  if (action == "revoke") {
    core::Json args = core::Json::object();
    if (!field(form, "code").empty()) args["code"] = field(form, "code");
    if (!field(form, "batch").empty()) args["batch"] = field(form, "batch");
    core::ControlReply reply = run(v, r, "voucher-revoke", args);
    if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
      return refuse(v, reply);
    return vouchersPage(r, v, {reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text)},
                        core::Json::object(), statusOf(reply));
  }
  core::Json shown = core::Json::object();
  for (const char* k : {"plan", "count", "valid-for", "price", "batch"}) shown[k] = field(form, k);
  core::Json errors = core::Json::object();
  if (field(form, "plan").empty()) errors["plan"] = "choose the plan the vouchers give";
  std::string count = field(form, "count");
  std::string countError = integerFieldError(count, specArg("voucher-generate", "count"));
  if (!countError.empty()) errors["count"] = countError;
  if (!errors.empty()) {
    shown["errors"] = errors;
    return vouchersPage(r, v, {core::web::Message::error("no voucher was made: see the form")}, shown, 400);
  }
  core::Json args{{"plan", field(form, "plan")}, {"count", std::stoll(count)}};
  for (const char* k : {"valid-for", "price", "batch"})
    if (!field(form, k).empty()) args[k] = field(form, k);
  core::ControlReply reply = run(v, r, "voucher-generate", args);
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  if (!reply.ok())
    return vouchersPage(r, v, {core::web::Message::error("no voucher was made: " + reply.text)}, shown, statusOf(reply));
  std::vector<core::web::Message> done = {core::web::Message::ok(reply.text)};
  core::HttpRequest listed = r;
  listed.query["batch"] = textOf(reply.arguments, "batch");
  return vouchersPage(listed, v, std::move(done));
}

core::HttpResponse WebUi::voucherSheet(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "voucher-export", core::Json{{"batch", query(r, "batch")}, {"format", "html"}});
  if (!reply.ok()) return refuse(v, reply);
  // The sheet is voucher-export's own document (everything in it escaped by the export), printed from
  // the browser: its inline styles are allowed, nothing else.
  core::HttpResponse out;
  out.contentType = "text/html; charset=utf-8";
  out.body = textOf(reply.arguments, "content");
  out.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
  out.headers.emplace_back("X-Frame-Options", "DENY");
  return out;
}

}  // namespace edge::webui
