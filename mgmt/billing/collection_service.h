// Payments that arrive by themselves (issue 24; docs/billing.md "Online payments" and "Bank
// statements"; ADR 0039): hosted checkouts at the online payment provider and its signed webhooks,
// and bank statements (camt.053, CSV) matched to open invoices, with a review queue for the lines
// the matcher is not sure of.
//
// Contract:
//  - A webhook is checked before anything is read from it: the tenant's provider account must
//    exist (404), the Stripe-Signature header must parse and be within 300 s of now (400), and sign
//    the exact body under the tenant's webhook secret (401). A delivery whose signature was accepted
//    before is a replay (400). An event id applies at most once: a later delivery of it answers
//    "duplicate" and changes nothing. The payment, the event id and the signature commit in one
//    unit of work, and the answer is sent only after it: an acknowledged event is applied exactly
//    once, an unacknowledged one is applied when the provider delivers it again.
//  - Checkouts are created with an idempotency key derived from the invoice and the amount open, so
//    a retried creation gives the provider's first session back.
//  - A bank line is imported once by its bank reference: importing a file again adds nothing. Lines
//    matched with confidence >= 90 become payments (key "bank:<ref>") in the transaction that
//    records the line; the others wait in review until accepted (a payment) or rejected.
//  - A tenant caller reaches only its own tenant.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::billing {

class CollectionService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    std::string providerUrl;     // "" = online payments off (checkout-create says so)
    std::string providerCaFile;  // the provider's trust anchors (PEM)
  };

  explicit CollectionService(Deps deps);

  core::ControlReply setProvider(const core::Json& args, const tenancy::Caller& caller);     // payment-provider-set
  core::ControlReply createCheckout(const core::Json& args, const tenancy::Caller& caller);  // checkout-create
  core::ControlReply importStatement(const core::Json& args, const tenancy::Caller& caller); // bank-import
  core::ControlReply listLines(const core::Json& args, const tenancy::Caller& caller);       // bank-line-list
  core::ControlReply acceptLine(const core::Json& args, const tenancy::Caller& caller);      // bank-line-accept
  core::ControlReply rejectLine(const core::Json& args, const tenancy::Caller& caller);      // bank-line-reject

  // One webhook delivery for tenant `tenantId` (from the URL). The answer's JSON on success; errors:
  // kNotFound (no such tenant or no provider account), kInvalidArgument (malformed, stale, replayed,
  // a body that is not an event), kPermissionDenied (the signature does not match).
  core::Result<core::Json> webhook(const std::string& tenantId, const std::string& signatureHeader,
                                   const std::string& body);

  static constexpr size_t kMaxWebhookBytes = 64 * 1024;
  static constexpr size_t kMaxStatementBytes = 900 * 1024;  // within the control socket's 1 MiB

 private:
  Deps d_;
};

}  // namespace mgmt::billing
