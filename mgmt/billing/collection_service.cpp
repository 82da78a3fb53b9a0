#include "mgmt/billing/collection_service.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/creditor_reference.h"
#include "billing/payments/bank_matching.h"
#include "billing/payments/bank_statement.h"
#include "billing/payments/webhook_signature.h"
#include "billing/rating/rules.h"
#include "core/https_client.h"
#include "core/log.h"
#include "core/web/form.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/reversals.h"
#include "mgmt/billing/topup_service.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

constexpr size_t kLinesPerUnit = 500;  // bank lines recorded per unit of work

std::string lowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Json lineJson(const BankLine& l) {
  Json j{{"ref", l.ref},
         {"date", ::billing::formatDay(l.day)},
         {"amount", ::billing::formatMoney(l.amount, l.currency)},
         {"amount-minor", l.amount},
         {"currency", l.currency},
         {"name", l.name},
         {"reference", l.reference},
         {"text", l.text},
         {"state", l.state},
         {"confidence", l.confidence},
         {"reasons", l.reasons},
         {"invoice", l.invoiceId},
         {"customer", l.username}};
  if (!l.paymentId.empty()) j["payment"] = l.paymentId;
  return j;
}

// A bank payment of `l` to `invoice` (or, without one, to `username`'s oldest open invoices).
core::Status payLine(BillingStore& st, const Settings& settings, const BankLine& l, const std::string& paymentId,
                    const std::optional<Invoice>& invoice, const std::string& username, int64_t now,
                    Books* books = nullptr) {
  if (l.currency != settings.currency)
    return core::failedPrecondition("line " + l.ref + ": " + l.currency + " is not the billing currency " +
                                    settings.currency);
  Payment p;
  p.id = paymentId;
  p.tenantId = l.tenantId;
  p.username = invoice ? invoice->username : username;
  p.method = "bank";
  p.currency = settings.currency;
  p.reference = invoice ? invoice->reference : "";
  p.key = "bank:" + l.ref;
  p.amount = l.amount;
  p.day = l.day;
  p.createdAt = now;
  return applyPayment(st, p, invoice, books).status();
}

}  // namespace

CollectionService::CollectionService(Deps deps) : d_(std::move(deps)) {}

core::Result<std::optional<ProviderAccount>> CollectionService::account(store::Transaction& tx,
                                                                         const std::string& tenantId) const {
  EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> stored, CollectionStore(tx).provider(tenantId));
  if (!stored) return stored;
  // Sealed values open with the key file's keys; a value stored in the clear (before the upgrade
  // that sealed them, until resealSecrets ran) is used as it is.
  ProviderAccount out = *stored;
  if (core::SecretBox::isSealed(stored->secretKey) || core::SecretBox::isSealed(stored->webhookSecret)) {
    if (!secrets_) return core::failedPrecondition("the payment provider's secrets are sealed and mgmtd has no key");
    if (core::SecretBox::isSealed(stored->secretKey)) {
      core::Result<std::string> key = secrets_->open(stored->secretKey, "payment_providers/" + tenantId + "/secret_key");
      if (!key.isOk()) return key.status().withContext("payment provider secret key of tenant " + tenantId);
      out.secretKey = *key;
    }
    if (core::SecretBox::isSealed(stored->webhookSecret)) {
      core::Result<std::string> key =
          secrets_->open(stored->webhookSecret, "payment_providers/" + tenantId + "/webhook_secret");
      if (!key.isOk()) return key.status().withContext("payment provider webhook secret of tenant " + tenantId);
      out.webhookSecret = *key;
    }
  }
  return std::optional<ProviderAccount>(out);
}

core::Result<int64_t> CollectionService::resealSecrets() {
  if (!secrets_) return int64_t{0};
  int64_t resealed = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    resealed = 0;
    CollectionStore cs(tx);
    EDGE_ASSIGN_OR_RETURN(auto all, cs.providers());
    for (const auto& [tenantId, stored] : all) {
      if (secrets_->current(stored.secretKey) && secrets_->current(stored.webhookSecret)) continue;
      EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> plain, account(tx, tenantId));
      if (!plain) continue;
      ProviderAccount sealed;
      EDGE_ASSIGN_OR_RETURN(sealed.secretKey, secrets_->seal(plain->secretKey, "payment_providers/" + tenantId + "/secret_key"));
      EDGE_ASSIGN_OR_RETURN(sealed.webhookSecret,
                            secrets_->seal(plain->webhookSecret, "payment_providers/" + tenantId + "/webhook_secret"));
      EDGE_ASSIGN_OR_RETURN(bool replaced, cs.replaceProvider(tenantId, stored, sealed));
      if (replaced) ++resealed;
    }
    return core::Status::ok();
  }));
  return resealed;
}

core::Result<int64_t> CollectionService::purgeWebhooks(int64_t retentionDays) {
  const int64_t now = d_.clock.unixSeconds();
  const int64_t eventsBefore = now - std::max<int64_t>(retentionDays, 7) * 86400, signaturesBefore = now - 3600;
  int64_t total = 0;
  for (int round = 0; round < 100; ++round) {
    int64_t n = 0;
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(n, CollectionStore(tx).purgeWebhooks(eventsBefore, signaturesBefore, 1000));
      return core::Status::ok();
    }));
    total += n;
    if (n == 0) break;
  }
  return total;
}

ControlReply CollectionService::setProvider(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "secret-key", "webhook-secret"}));
  EDGE_ASSIGN_OR_RETURN(std::string secretKey, a.required("secret-key"));
  EDGE_ASSIGN_OR_RETURN(std::string webhookSecret, a.required("webhook-secret"));
  if (secretKey.size() < 16) return ControlReply::error(core::invalidArgument("secret-key: shorter than 16 characters"));
  if (webhookSecret.size() < 16)
    return ControlReply::error(core::invalidArgument("webhook-secret: shorter than 16 characters"));
  std::string tenantId;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_RETURN_IF_ERROR(requireSettings(st, t.id, t.name).status());
    tenantId = t.id;
    ProviderAccount stored{secretKey, webhookSecret};
    if (secrets_) {
      EDGE_ASSIGN_OR_RETURN(stored.secretKey, secrets_->seal(secretKey, "payment_providers/" + t.id + "/secret_key"));
      EDGE_ASSIGN_OR_RETURN(stored.webhookSecret,
                            secrets_->seal(webhookSecret, "payment_providers/" + t.id + "/webhook_secret"));
    }
    return CollectionStore(tx).putProvider(t.id, stored, d_.clock.unixSeconds());
  }));
  const std::string path = "/api/v1/payments/webhook?tenant=" + tenantId;
  return ControlReply::success("payment provider account set; point its webhooks at " + path,
                               Json{{"tenant", tenantId}, {"webhook-path", path}});
}

ControlReply CollectionService::createCheckout(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "invoice", "success-url", "cancel-url"}));
  EDGE_ASSIGN_OR_RETURN(std::string invoiceId, a.required("invoice"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> successUrl, a.text("success-url"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> cancelUrl, a.text("cancel-url"));
  for (const std::optional<std::string>* u : {&successUrl, &cancelUrl})
    if (*u && (*u)->rfind("https://", 0) != 0 && (*u)->rfind("http://", 0) != 0)
      return ControlReply::error(core::invalidArgument("success-url and cancel-url must be http(s) URLs"));
  if (d_.providerUrl.empty())
    return ControlReply::error(core::failedPrecondition("online payments are off: set payments.provider-url in mgmtd's config"));
  // What to ask for, read in one unit of work; the provider is called with no transaction open.
  Tenant tenant;
  Invoice inv;
  ProviderAccount account;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(tenant, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_RETURN_IF_ERROR(requireSettings(st, tenant.id, tenant.name).status());
        EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> acc, this->account(tx, tenant.id));
        if (!acc) return core::failedPrecondition("no payment provider account for tenant '" + tenant.name +
                                                  "': run payment-provider-set first");
        account = *acc;
        EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> found, st.invoice(tenant.id, invoiceId));
        if (!found || found->kind != "invoice") return core::notFound("invoice: no invoice '" + invoiceId + "'");
        if (found->status != "issued") return core::failedPrecondition("invoice " + invoiceId + " is a draft: issue it first");
        if (found->paid >= found->total) return core::failedPrecondition("invoice " + invoiceId + " is paid");
        inv = *found;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  const int64_t open = inv.total - inv.paid;
  CheckoutRequest req;
  req.tenantId = tenant.id;
  req.invoiceId = inv.id;
  req.clientReference = inv.id;
  req.title = "Invoice " + (inv.number ? std::to_string(*inv.number) : inv.id);
  req.amount = open;
  req.currency = inv.currency;
  req.key = "checkout-" + inv.id + "-" + std::to_string(open);
  req.metadata = {{"invoice", inv.id}, {"reference", inv.reference}};
  req.successUrl = successUrl.value_or("");
  req.cancelUrl = cancelUrl.value_or("");
  EDGE_ASSIGN_OR_RETURN(CheckoutSession s, startCheckout(account, req));
  return ControlReply::success("checkout " + s.id + " for " + ::billing::formatMoney(open, inv.currency) + ": " + s.url,
                               Json{{"id", s.id}, {"url", s.url}, {"invoice", inv.id}, {"amount-minor", open},
                                    {"amount", ::billing::formatMoney(open, inv.currency)}});
}

core::Result<Json> CollectionService::providerPost(const ProviderAccount& account, const std::string& path,
                                                 const std::string& form, const std::string& key, const std::string& what) {
  EDGE_ASSIGN_OR_RETURN(core::HttpsEndpoint endpoint, core::parseHttpsUrl(d_.providerUrl));
  core::HttpsClientOptions options;
  options.endpoint = endpoint;
  {
    std::ifstream in(d_.providerCaFile);
    if (!in) return core::failedPrecondition("payments.provider-ca-file '" + d_.providerCaFile + "' cannot be read");
    std::stringstream pem;
    pem << in.rdbuf();
    options.caCertPem = pem.str();
  }
  options.timeoutMs = 10000;
  options.maxResponseBytes = 256 * 1024;
  core::Result<core::HttpsResponse> answer =
      core::httpsRequest(options, "POST", path, form, "application/x-www-form-urlencoded",
                         {{"Authorization", "Bearer " + account.secretKey}, {"Idempotency-Key", key}});
  if (!answer.isOk()) return core::Status(core::Code::kUnavailable, "payment provider: " + answer.status().message());
  core::Result<Json> body = core::parseJsonWithComments(answer->body, "payment provider's answer", {256 * 1024, 16});
  if (answer->status != 200) {
    std::string why = body.isOk() && (*body)["error"].is_object() ? (*body)["error"].value("message", "") : "";
    return core::Status(answer->status >= 500 ? core::Code::kUnavailable : core::Code::kFailedPrecondition,
                        "payment provider refused " + what + " (HTTP " + std::to_string(answer->status) +
                            (why.empty() ? "" : ": " + why) + ")");
  }
  if (!body.isOk()) return core::Status(core::Code::kUnavailable, "payment provider: an answer that is not JSON");
  return *body;
}

core::Result<CheckoutSession> CollectionService::startCheckout(const ProviderAccount& account, const CheckoutRequest& req) {
  if (d_.providerUrl.empty())
    return core::failedPrecondition("online payments are off: set payments.provider-url in mgmtd's config");
  using core::web::urlEncode;
  std::string form = "mode=payment&client_reference_id=" + urlEncode(req.clientReference) +
                     "&line_items%5B0%5D%5Bquantity%5D=1" +
                     "&line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=" + urlEncode(lowerCase(req.currency)) +
                     "&line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=" + std::to_string(req.amount) +
                     "&line_items%5B0%5D%5Bprice_data%5D%5Bproduct_data%5D%5Bname%5D=" + urlEncode(req.title) +
                     "&metadata%5Btenant%5D=" + urlEncode(req.tenantId);
  for (const auto& [k, v] : req.metadata) form += "&metadata%5B" + urlEncode(k) + "%5D=" + urlEncode(v);
  if (!req.successUrl.empty()) form += "&success_url=" + urlEncode(req.successUrl);
  if (!req.cancelUrl.empty()) form += "&cancel_url=" + urlEncode(req.cancelUrl);
  EDGE_ASSIGN_OR_RETURN(Json body, providerPost(account, "/v1/checkout/sessions", form, req.key, "the checkout"));
  if (!body.is_object() || !body["id"].is_string() || !body["url"].is_string())
    return core::Status(core::Code::kUnavailable, "payment provider: an answer without id and url");
  CheckoutSession s;
  s.tenantId = req.tenantId;
  s.id = body["id"].get<std::string>();
  s.url = body["url"].get<std::string>();
  s.invoiceId = req.invoiceId;
  s.orderId = req.orderId;
  s.amount = req.amount;
  s.currency = req.currency;
  s.key = req.key;
  s.createdAt = d_.clock.unixSeconds();
  if (s.id.empty() || s.id.size() > 255 || s.url.size() > 2048)
    return core::Status(core::Code::kUnavailable, "payment provider: a malformed session");
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) { return CollectionStore(tx).insertCheckout(s); }));
  return s;
}

core::Result<Json> CollectionService::webhook(const std::string& tenantId, const std::string& header,
                                              const std::string& body) {
  const int64_t now = d_.clock.unixSeconds();
  // Who the delivery claims to be for, and that tenant's secret, before the body is looked at.
  std::string secret;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        core::Result<Tenant> t = tenancy::loadTenant(tx, tenantId);
        if (!t.isOk()) return core::notFound("tenant: no tenant '" + tenantId.substr(0, 64) + "'");
        EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> acc, account(tx, tenantId));
        if (!acc) return core::notFound("tenant '" + tenantId.substr(0, 64) + "' takes no provider webhooks");
        secret = acc->webhookSecret;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  EDGE_ASSIGN_OR_RETURN(std::string signature, ::billing::verifyWebhook(header, body, secret, now));
  EDGE_ASSIGN_OR_RETURN(::billing::SignatureHeader signedHeader, ::billing::parseSignatureHeader(header));
  EDGE_ASSIGN_OR_RETURN(Json event, core::parseJsonWithComments(body, "event", {kMaxWebhookBytes, 16}));
  if (!event.is_object() || !event["id"].is_string() || !event["type"].is_string())
    return core::invalidArgument("event: an object with id and type is expected");
  const std::string eventId = event["id"].get<std::string>(), type = event["type"].get<std::string>();
  if (eventId.empty() || eventId.size() > 255 || type.size() > 255)
    return core::invalidArgument("event: id must be 1..255 characters");
  const Json empty = Json::object();
  const Json& object = event.contains("data") && event["data"].is_object() && event["data"].contains("object") &&
                               event["data"]["object"].is_object()
                           ? event["data"]["object"]
                           : empty;
  Json answer;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    CollectionStore cs(tx);
    BillingStore st(tx);
    answer = Json{{"received", true}, {"event", eventId}};
    EDGE_ASSIGN_OR_RETURN(bool fresh, cs.takeSignature(tenantId, signature, signedHeader.timestamp));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> seen, cs.eventPayment(tenantId, eventId));
    if (seen) {
      // Applied before: answered 200 so the provider stops retrying, and nothing is applied again.
      // A byte-identical delivery (same second, same body: a network retry or a replay) gets the
      // same answer; it can do no more than the first did.
      answer["duplicate"] = true;
      if (!fresh) answer["replay"] = true;
      if (!seen->empty()) answer["payment"] = *seen;
      return core::Status::ok();
    }
    // A signature is taken in the unit of work that records its event, so one seen before names an
    // event recorded before: this is not reached unless the store lost the event and kept the
    // signature. Refused rather than applied again.
    if (!fresh) return core::alreadyExists("Stripe-Signature: this signed delivery was received before (a replay)");
    std::string paymentId;
    const bool paid = type == "checkout.session.completed" && object.value("payment_status", "") == "paid";
    const std::string objectKind = object.value("object", "");
    const bool refund = (type == "refund.created" || type == "refund.updated" || type == "charge.refund.updated") &&
                        objectKind == "refund";
    const bool dispute = (type == "charge.dispute.created" || type == "charge.dispute.closed") && objectKind == "dispute";
    if (refund || dispute) {
      EDGE_ASSIGN_OR_RETURN(Json done, takeBack(tx, tenantId, eventId, type, object, now));
      answer.update(done);
      paymentId = done.value("reversal", done.value("payment", std::string()));
    } else if (!paid) {
      answer["ignored"] = "event type " + type.substr(0, 64) + " pays nothing";
    } else {
      const std::string sessionId = object.value("id", "");
      EDGE_ASSIGN_OR_RETURN(std::optional<CheckoutSession> session, cs.checkout(tenantId, sessionId.substr(0, 255)));
      if (!session) return core::invalidArgument("event " + eventId + ": checkout session '" + sessionId.substr(0, 64) + "' is not one of ours");
      if (!session->paymentId.empty()) return core::internalError("checkout " + session->id + " was paid by another event");
      if (!object["amount_total"].is_number_integer() || object["amount_total"].get<int64_t>() <= 0)
        return core::invalidArgument("event " + eventId + ": amount_total must be a positive integer");
      const int64_t amount = object["amount_total"].get<int64_t>();
      if (lowerCase(object.value("currency", "")) != lowerCase(session->currency))
        return core::invalidArgument("event " + eventId + ": currency is not the checkout's " + session->currency);
      EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, tenantId, tenantId));
      Payment p;
      p.id = newId("pay-");
      p.tenantId = tenantId;
      p.method = "online";
      p.currency = settings.currency;
      const std::string intent = object.value("payment_intent", "");
      p.key = "online:" + (intent.empty() ? session->id : intent.substr(0, 255));
      p.amount = amount;
      p.day = now / 86400;
      p.createdAt = now;
      EDGE_ASSIGN_OR_RETURN(std::optional<Payment> earlier, st.paymentByKey(tenantId, p.key));
      if (earlier) {
        paymentId = earlier->id;  // the same payment reported by another event
        answer["invoice"] = session->invoiceId;
      } else if (!session->orderId.empty()) {
        // A top-up bought in self-care: its paid invoice, and the top-up on its way to the boxes.
        EDGE_ASSIGN_OR_RETURN(Json booked, bookPaidTopup(tx, *session, p));
        answer.update(booked);
        paymentId = p.id;
      } else {
        EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(tenantId, session->invoiceId));
        if (!inv) return core::internalError("checkout " + session->id + ": its invoice is gone");
        p.username = inv->username;
        p.reference = inv->reference;
        EDGE_RETURN_IF_ERROR(applyPayment(st, p, inv).status());
        paymentId = p.id;
        answer["invoice"] = inv->id;
      }
      EDGE_RETURN_IF_ERROR(cs.setCheckoutPayment(tenantId, session->id, paymentId));
      answer["payment"] = paymentId;
      answer["amount-minor"] = amount;
    }
    return cs.insertEvent(tenantId, eventId, type.substr(0, 255), paymentId, now);
  }));
  return answer;
}

core::Result<Json> CollectionService::takeBack(store::Transaction& tx, const std::string& tenantId,
                                               const std::string& eventId, const std::string& type, const Json& object,
                                               int64_t now) {
  BillingStore st(tx);
  const std::string ref = object.value("id", ""), intent = object.value("payment_intent", "");
  const std::string status = object.value("status", "");
  if (ref.empty() || ref.size() > 255 || intent.empty() || intent.size() > 255)
    return core::invalidArgument("event " + eventId + ": the " + object.value("object", "") + " needs an id and a payment_intent");
  const Json amountJson = object.value("amount", Json());
  if (!amountJson.is_number_integer() || amountJson.get<int64_t>() <= 0)
    return core::invalidArgument("event " + eventId + ": amount must be a positive integer");
  const int64_t amount = amountJson.get<int64_t>();
  EDGE_ASSIGN_OR_RETURN(std::optional<Payment> original, st.paymentByKey(tenantId, "online:" + intent));
  // Not (yet) ours: refused, so the provider delivers it again (events may come out of order).
  if (!original) return core::invalidArgument("event " + eventId + ": no online payment for " + intent.substr(0, 64) + " (yet)");
  if (lowerCase(object.value("currency", "")) != lowerCase(original->currency))
    return core::invalidArgument("event " + eventId + ": currency is not the payment's " + original->currency);
  if (object.value("object", "") == "refund") {
    if (status != "succeeded") return Json{{"ignored", "refund " + ref.substr(0, 64) + " is " + status.substr(0, 32)}};
    return reversePayment(tx, *original, "refund", ref, amount, now);
  }
  // A dispute: the provider takes the money when it is opened (a chargeback); a won dispute brings it
  // back as a payment again; a lost one leaves the chargeback as it is.
  if (type == "charge.dispute.created") return reversePayment(tx, *original, "chargeback", ref, amount, now);
  if (status == "lost") return Json{{"dispute", ref}, {"status", "lost"}, {"note", "the chargeback stands"}};
  if (status != "won") return Json{{"ignored", "dispute " + ref.substr(0, 64) + " closed as " + status.substr(0, 32)}};
  EDGE_ASSIGN_OR_RETURN(std::optional<Payment> chargeback, st.paymentByKey(tenantId, "chargeback:" + ref));
  if (!chargeback) return Json{{"ignored", "dispute " + ref.substr(0, 64) + " took nothing here"}};
  Payment p;
  p.id = newId("pay-");
  p.tenantId = tenantId;
  p.username = original->username;
  p.method = "online";
  p.currency = original->currency;
  p.reference = original->reference;
  p.key = "dispute-won:" + ref;
  p.amount = -chargeback->amount;
  p.day = now / 86400;
  p.createdAt = now;
  EDGE_ASSIGN_OR_RETURN(std::optional<Payment> again, st.paymentByKey(tenantId, p.key));
  if (again) return Json{{"payment", again->id}, {"duplicate", true}};
  EDGE_RETURN_IF_ERROR(applyPayment(st, p, std::nullopt).status());
  return Json{{"payment", p.id}, {"dispute", ref}, {"status", "won"}, {"amount-minor", p.amount}};
}

ControlReply CollectionService::importStatement(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "format", "statement", "file"}));
  EDGE_ASSIGN_OR_RETURN(std::string format, a.required("format"));
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required("statement"));
  if (format != "camt053" && format != "csv")
    return ControlReply::error(core::invalidArgument("format '" + format.substr(0, 32) + "': expected camt053 or csv"));
  core::Result<::billing::BankStatement> parsed =
      format == "camt053" ? ::billing::parseCamt053(text) : ::billing::parseBankCsv(text);
  if (!parsed.isOk()) return ControlReply::error(core::invalidArgument("statement: " + parsed.status().message()));
  const ::billing::BankStatement& statement = *parsed;
  const int64_t now = d_.clock.unixSeconds();
  const std::string importId = newId("imp-");
  Tenant tenant;
  Settings settings;
  std::vector<::billing::OpenInvoice> open;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(tenant, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(settings, requireSettings(st, tenant.id, tenant.name));
        EDGE_ASSIGN_OR_RETURN(open, CollectionStore(tx).openInvoices(tenant.id));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  ::billing::Matcher matcher(std::move(open));
  int64_t matched = 0, review = 0, again = 0, paidMinor = 0;
  // In units of kLinesPerUnit lines: each line is recorded once (by its ref) with its payment in the
  // same unit; a crash loses at most the unit in progress, which importing the file again records.
  for (size_t from = 0; from < statement.entries.size() || from == 0; from += kLinesPerUnit) {
    const size_t to = std::min(statement.entries.size(), from + kLinesPerUnit);
    int64_t m = 0, r = 0, g = 0, pm = 0;
    std::vector<std::pair<std::string, int64_t>> paidInvoices;
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      m = r = g = pm = 0;
      paidInvoices.clear();
      CollectionStore cs(tx);
      BillingStore st(tx);
      Books books(st, tenant.id, now);  // the unit's payments post their entries together
      if (from == 0)
        EDGE_RETURN_IF_ERROR(cs.insertStatement(tenant.id, importId, format, statement.id,
                                                static_cast<int64_t>(statement.entries.size()), now));
      for (size_t i = from; i < to; ++i) {
        const ::billing::BankEntry& e = statement.entries[i];
        ::billing::Match match = matcher.match(e);
        BankLine l{tenant.id, e.ref.substr(0, 255), importId, e.day, e.amount, e.currency, e.name, e.reference,
                   e.text, match.invoiceId, match.username, match.confidence, match.reasons, "review", ""};
        std::optional<Invoice> inv;
        if (match.confidence >= ::billing::kAutoMatch && e.currency == settings.currency) {
          EDGE_ASSIGN_OR_RETURN(inv, st.invoice(tenant.id, match.invoiceId));
          // Still open as the matcher saw it (another payment may have come meanwhile).
          if (inv && inv->total - inv->paid == e.amount) l.state = "matched";
        }
        if (l.state == "matched") l.paymentId = newId("pay-");
        EDGE_ASSIGN_OR_RETURN(bool fresh, cs.insertLine(l));
        if (!fresh) {
          ++g;
          continue;
        }
        if (l.state == "matched") {
          EDGE_RETURN_IF_ERROR(payLine(st, settings, l, l.paymentId, inv, "", now, &books));
          paidInvoices.emplace_back(l.invoiceId, l.amount);
          ++m;
          pm += l.amount;
        } else {
          ++r;
        }
      }
      return books.flush();
    }));
    for (const auto& [invoice, amount] : paidInvoices) matcher.paid(invoice, amount);
    matched += m, review += r, again += g, paidMinor += pm;
    if (statement.entries.empty()) break;
  }
  // Money out: each debit line the payouts area recognises is recorded once (by its ref) with the
  // payout it paid, or in review with the reason; the others are skipped as before.
  int64_t payoutsPaid = 0, payoutsReview = 0, notOurs = 0;
  for (size_t from = 0; from < statement.debits.size(); from += kLinesPerUnit) {
    const size_t to = std::min(statement.debits.size(), from + kLinesPerUnit);
    int64_t p = 0, r = 0, g = 0, n = 0;
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      p = r = g = n = 0;
      CollectionStore cs(tx);
      for (size_t i = from; i < to; ++i) {
        const ::billing::BankEntry& e = statement.debits[i];
        if (!d_.outgoing) {
          ++n;
          continue;
        }
        const std::string ref = e.ref.substr(0, 255);
        EDGE_ASSIGN_OR_RETURN(std::optional<BankLine> before, cs.line(tenant.id, ref));
        if (before) {
          ++g;
          continue;
        }
        EDGE_ASSIGN_OR_RETURN(OutgoingVerdict v, d_.outgoing(tx, tenant.id, e, ref));
        if (!v.ours) {
          ++n;
          continue;
        }
        BankLine l{tenant.id, ref, importId, e.day, -e.amount, e.currency, e.name, e.endToEndId, e.text, "", "",
                   v.matched ? 100 : 0, v.matched ? "outgoing: end-to-end id and amount match payout " + v.payoutId : v.reason,
                   v.matched ? "matched" : "review", v.payoutId};
        EDGE_RETURN_IF_ERROR(cs.insertLine(l).status());
        ++(v.matched ? p : r);
      }
      return core::Status::ok();
    }));
    payoutsPaid += p, payoutsReview += r, again += g, notOurs += n;
  }
  return ControlReply::success(
      std::to_string(statement.entries.size()) + " lines: " + std::to_string(matched) + " matched and paid (" +
          ::billing::formatMoney(paidMinor, settings.currency) + "), " + std::to_string(review) + " to review, " +
          std::to_string(again) + " imported before" +
          (payoutsPaid + payoutsReview > 0 ? "; payouts: " + std::to_string(payoutsPaid) + " reconciled, " +
                                                 std::to_string(payoutsReview) + " to review"
                                           : ""),
      Json{{"import", importId}, {"statement", statement.id}, {"lines", statement.entries.size()},
           {"matched", matched}, {"review", review + payoutsReview}, {"imported-before", again},
           {"skipped", statement.skipped + notOurs}, {"paid-minor", paidMinor}, {"payouts-reconciled", payoutsPaid},
           {"payouts-review", payoutsReview}});
}

ControlReply CollectionService::listLines(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "state", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> state, a.text("state"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  if (state && *state != "matched" && *state != "review" && *state != "accepted" && *state != "rejected")
    return ControlReply::error(core::invalidArgument("state '" + state->substr(0, 32) + "': expected matched, review, accepted or rejected"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<BankLine> lines,
                              CollectionStore(tx).lines(t.id, state.value_or(""), limit.value_or(100)));
        list = Json::array();
        for (const BankLine& l : lines) list.push_back(lineJson(l));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " bank lines", list);
}

ControlReply CollectionService::acceptLine(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "ref", "invoice", "username"}));
  EDGE_ASSIGN_OR_RETURN(std::string ref, a.required("ref"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> invoiceId, a.text("invoice"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  BankLine line;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    CollectionStore cs(tx);
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    EDGE_ASSIGN_OR_RETURN(std::optional<BankLine> found, cs.line(t.id, ref));
    if (!found) return core::notFound("ref: no bank line '" + ref.substr(0, 64) + "'");
    if (found->state != "review")
      return core::failedPrecondition("ref: bank line " + ref.substr(0, 64) + " is " + found->state + ", not in review");
    if (found->amount < 0)
      return core::failedPrecondition("ref: bank line " + ref.substr(0, 64) +
                                      " is money out, not a customer's payment: mark its payout paid (payout-paid) "
                                      "or reject the line");
    line = *found;
    std::optional<Invoice> inv;
    std::string who;
    if (invoiceId || (!username && !line.invoiceId.empty())) {
      const std::string id = invoiceId.value_or(line.invoiceId);
      EDGE_ASSIGN_OR_RETURN(inv, st.invoice(t.id, id));
      if (!inv || inv->kind != "invoice" || inv->status != "issued")
        return core::notFound("invoice: no issued invoice '" + id.substr(0, 64) + "'");
      if (username && *username != inv->username)
        return core::invalidArgument("invoice " + id + " is an invoice of another customer");
      who = inv->username;
    } else if (username) {
      EDGE_ASSIGN_OR_RETURN(bool exists, catalog::subscriberExists(tx, t.id, *username));
      if (!exists) return core::notFound("username: no customer '" + username->substr(0, 64) + "'");
      who = *username;
    } else {
      return core::invalidArgument("invoice or username: the line has no suggestion, name who paid");
    }
    line.paymentId = newId("pay-");
    EDGE_RETURN_IF_ERROR(payLine(st, settings, line, line.paymentId, inv, who, d_.clock.unixSeconds()));
    line.state = "accepted";
    line.invoiceId = inv ? inv->id : "";
    line.username = who;
    return cs.decideLine(t.id, line.ref, line.state, line.invoiceId, line.username, line.paymentId);
  }));
  return ControlReply::success("bank line " + line.ref + " accepted: payment " + line.paymentId + " from '" +
                                   line.username + "'",
                               lineJson(line));
}

ControlReply CollectionService::rejectLine(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "ref"}));
  EDGE_ASSIGN_OR_RETURN(std::string ref, a.required("ref"));
  BankLine line;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    CollectionStore cs(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<BankLine> found, cs.line(t.id, ref));
    if (!found) return core::notFound("ref: no bank line '" + ref.substr(0, 64) + "'");
    if (found->state != "review")
      return core::failedPrecondition("ref: bank line " + ref.substr(0, 64) + " is " + found->state + ", not in review");
    line = *found;
    line.state = "rejected";
    return cs.decideLine(t.id, line.ref, line.state, line.invoiceId, line.username, "");
  }));
  return ControlReply::success("bank line " + line.ref + " rejected: it pays nothing", lineJson(line));
}

}  // namespace mgmt::billing
