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
//  - Debit lines (money out, camt.053) go to `outgoing`: a payout it matched is marked paid in the
//    unit that records the line; one it names but cannot match (amount, currency, already paid)
//    waits in review with the reason; the others are skipped. A debit line in review cannot be
//    accepted as a customer's payment.
//  - A tenant caller reaches only its own tenant.
//  - Refunds and disputes (ADR 0058) reverse the online payment they name, once per refund or
//    dispute id, whether the refund started at the provider or from mgmt (refund-create, ADR 0066);
//    a paid top-up checkout books a paid invoice and queues the top-up to the boxes in the webhook's
//    unit of work. Provider secrets are stored sealed (setSecrets) and opened by account().
#pragma once

#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "billing/payments/bank_statement.h"
#include "core/clock.h"
#include "core/control_socket.h"
#include "core/secret_box.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::billing {

// What the area that sends money out says of a debit line of an imported statement (ADR 0056: the
// partners' payouts, matched by EndToEndId and amount). Called in the unit of work that records the
// line, once per line (a line imported before is not offered again).
struct OutgoingVerdict {
  bool ours = false;      // false: not a payment we sent (the line is skipped, as before)
  bool matched = false;   // the payout is now marked paid by this line
  std::string payoutId;   // the payout the line names, when one does
  std::string reason;     // why it waits in review (not matched)
};
using OutgoingMatcher = std::function<core::Result<OutgoingVerdict>(
    store::Transaction& tx, const std::string& tenantId, const ::billing::BankEntry& line, const std::string& lineRef)>;

class CollectionService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    std::string providerUrl;     // "" = online payments off (checkout-create says so)
    std::string providerCaFile;  // the provider's trust anchors (PEM)
    OutgoingMatcher outgoing = nullptr;  // debit lines: reconciled here when set, skipped otherwise
  };

  explicit CollectionService(Deps deps);

  // The key sealing the provider secrets at rest (ADR 0058), set once at start before any request;
  // without one (unit tests) they are stored as given.
  void setSecrets(std::shared_ptr<const core::SecretBox> box) { secrets_ = std::move(box); }
  // Seals every provider secret stored in the clear or under an older key with the current key
  // (start, after a rotation); returns how many accounts were resealed.
  core::Result<int64_t> resealSecrets();
  // The tenant's provider account with its secrets opened; nullopt when it has none.
  core::Result<std::optional<ProviderAccount>> account(store::Transaction& tx, const std::string& tenantId) const;
  // Housekeeping (ADR 0058): webhook events received more than `retentionDays` ago (never less than
  // 7: beyond any provider's retry window, so an event id is remembered while it can come again) and
  // signed deliveries older than an hour (a delivery is refused 300 s after its timestamp anyway), in
  // batches; returns the rows removed.
  core::Result<int64_t> purgeWebhooks(int64_t retentionDays);

  core::ControlReply setProvider(const core::Json& args, const tenancy::Caller& caller);     // payment-provider-set
  core::ControlReply createCheckout(const core::Json& args, const tenancy::Caller& caller);  // checkout-create
  core::ControlReply importStatement(const core::Json& args, const tenancy::Caller& caller); // bank-import
  core::ControlReply listLines(const core::Json& args, const tenancy::Caller& caller);       // bank-line-list
  core::ControlReply acceptLine(const core::Json& args, const tenancy::Caller& caller);      // bank-line-accept
  core::ControlReply rejectLine(const core::Json& args, const tenancy::Caller& caller);      // bank-line-reject
  // refund-create (refunds.cpp, ADR 0066): money back to the customer from an online payment, full or
  // partial, asked of the provider with an idempotency key derived from `key` (the same key gives
  // the provider's first refund back), then booked once by the provider's refund id: the payment's
  // reversal (as the provider's refund webhook books it, ADR 0058) and a credit note for what the
  // payment paid on invoices, which settles what the reversal reopened (issued invoices unchanged).
  core::ControlReply refund(const core::Json& args, const tenancy::Caller& caller);

  // One webhook delivery for tenant `tenantId` (from the URL). The answer's JSON on success; errors:
  // kNotFound (no such tenant or no provider account), kInvalidArgument (malformed, stale, replayed,
  // a body that is not an event), kPermissionDenied (the signature does not match).
  core::Result<core::Json> webhook(const std::string& tenantId, const std::string& signatureHeader,
                                   const std::string& body);

  // A hosted checkout at the provider for `amount` (what a customer pays), made with `key` as the
  // provider's idempotency key (the same key gives the first session back), recorded in
  // checkout_sessions with the invoice or top-up order it pays. No transaction may be open.
  struct CheckoutRequest {
    std::string tenantId, invoiceId, orderId;  // one of invoiceId and orderId
    std::string clientReference, title, currency, key, successUrl, cancelUrl;
    int64_t amount = 0;
    std::map<std::string, std::string> metadata;
  };
  core::Result<CheckoutSession> startCheckout(const ProviderAccount& account, const CheckoutRequest& request);
  bool online() const { return !d_.providerUrl.empty(); }

  static constexpr size_t kMaxWebhookBytes = 64 * 1024;
  static constexpr size_t kMaxStatementBytes = 900 * 1024;  // within the control socket's 1 MiB

 private:
  // A refund or dispute event (ADR 0058), inside the webhook's unit of work.
  core::Result<core::Json> takeBack(store::Transaction& tx, const std::string& tenantId, const std::string& eventId,
                                    const std::string& type, const core::Json& object, int64_t now);

  // A form-encoded POST to the provider with the account's secret key and `key` as the idempotency
  // key; the answer's JSON when it is 200. kUnavailable: the provider cannot be reached or answers
  // 5xx; kFailedPrecondition: it refused `what` (4xx).
  core::Result<core::Json> providerPost(const ProviderAccount& account, const std::string& path, const std::string& form,
                                        const std::string& key, const std::string& what);

  Deps d_;
  std::shared_ptr<const core::SecretBox> secrets_;
};

}  // namespace mgmt::billing
