#include "mgmt/api/payments_api.h"

#include <functional>

#include "core/log.h"
#include "mgmt/api/api_status.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

using tenancy::scoped;  // the caller rule every service shares (mgmt/tenancy/caller.h)

HttpResponse webhookError(int status, const core::Status& s) {
  return HttpResponse::json(status, Json{{"error", s.message()}, {"code", core::command::publicCodeName(
                                                                             core::command::publicCode(s.code()))}});
}

}  // namespace

void routePaymentsApi(core::HttpServer& server, billing::CollectionService& collection) {
  core::HttpRouteLimits limits;
  limits.maxBodyBytes = billing::CollectionService::kMaxWebhookBytes;
  server.route(
      "POST", "/api/v1/payments/webhook",
      [&collection](const HttpRequest& req) {
        auto tenant = req.query.find("tenant");
        if (tenant == req.query.end() || tenant->second.empty() || tenant->second.size() > 64)
          return webhookError(400, core::invalidArgument("tenant: the webhook URL names the tenant (?tenant=ID)"));
        auto header = req.headers.find("stripe-signature");
        core::Result<Json> done =
            collection.webhook(tenant->second, header == req.headers.end() ? "" : header->second, req.body);
        if (done.isOk()) return HttpResponse::json(200, *done);
        const core::Status& s = done.status();
        switch (s.code()) {
          case core::Code::kPermissionDenied: return webhookError(401, s);
          case core::Code::kInvalidArgument:
          case core::Code::kAlreadyExists: return webhookError(400, s);
          case core::Code::kNotFound: return webhookError(404, s);
          default:
            core::logWarning("payments webhook: ", s.toString());
            return webhookError(httpStatusOf(s.code()), s);
        }
      },
      limits);
}

void bindCollectionCommands(core::command::Table& table, billing::CollectionService& collection,
                            billing::TopupService& topups) {
  auto& c = collection;
  table.bind("payment-provider-set", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.setProvider(a, who); }));
  table.bind("checkout-create", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.createCheckout(a, who); }));
  table.bind("bank-import", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.importStatement(a, who); }));
  table.bind("bank-line-list", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.listLines(a, who); }));
  table.bind("bank-line-accept", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.acceptLine(a, who); }));
  table.bind("refund-create", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.refund(a, who); }));
  table.bind("bank-line-reject", scoped([&c](const Json& a, const tenancy::Caller& who) { return c.rejectLine(a, who); }));
  auto& t = topups;
  table.bind("topup-product-set", scoped([&t](const Json& a, const tenancy::Caller& who) { return t.setProduct(a, who); }));
  table.bind("topup-product-list", scoped([&t](const Json& a, const tenancy::Caller& who) { return t.listProducts(a, who); }));
  table.bind("topup-product-del", scoped([&t](const Json& a, const tenancy::Caller& who) { return t.deleteProduct(a, who); }));
  table.bind("topup-order-list", scoped([&t](const Json& a, const tenancy::Caller& who) { return t.listOrders(a, who); }));
}

}  // namespace mgmt::api
