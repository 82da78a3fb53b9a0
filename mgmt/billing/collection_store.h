// The tables of payments that arrive by themselves (migration 11, ADR 0039): each tenant's account
// at the online payment provider, the hosted checkouts made for invoices, the provider's webhook
// events and signed deliveries seen, imported bank statements and their lines with the match and
// review state. The only SQL for them; a thin class over one store::Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "billing/payments/bank_matching.h"
#include "core/status.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

struct ProviderAccount {
  std::string secretKey;      // the API key mgmtd authenticates with ("sk_...")
  std::string webhookSecret;  // the key the provider signs webhooks with ("whsec_...")
};

struct CheckoutSession {
  std::string tenantId, id, invoiceId, currency, url, key, paymentId;
  int64_t amount = 0, createdAt = 0;
  std::string orderId;  // a top-up order's checkout ("" = an invoice's)
};

// Money the provider took back from an online payment (ADR 0058): a refund or a dispute's chargeback.
struct Reversal {
  std::string tenantId, id;  // id: the negative payments row
  std::string paymentId;     // the online payment it takes back from
  std::string kind;          // "refund" or "chargeback"
  std::string providerRef;   // the provider's refund or dispute id
  int64_t amount = 0, createdAt = 0;
};

struct BankLine {
  std::string tenantId, ref, importId;
  int64_t day = 0, amount = 0;
  std::string currency, name, reference, text;
  std::string invoiceId, username;  // the match or the suggestion ("" = none)
  int64_t confidence = 0;
  std::string reasons;
  std::string state;  // matched, review, accepted, rejected
  std::string paymentId;
};

class CollectionStore {
 public:
  explicit CollectionStore(store::Transaction& tx) : tx_(tx) {}

  core::Status putProvider(const std::string& tenantId, const ProviderAccount& account, int64_t at);
  // The stored (sealed) values; CollectionService::account opens them.
  core::Result<std::optional<ProviderAccount>> provider(const std::string& tenantId);
  // Every account: (tenant id, stored values), for resealing.
  core::Result<std::vector<std::pair<std::string, ProviderAccount>>> providers();
  // Replaces the stored values when they are still `was` (false: changed meanwhile, left alone).
  core::Result<bool> replaceProvider(const std::string& tenantId, const ProviderAccount& was, const ProviderAccount& now);

  core::Status insertCheckout(const CheckoutSession& s);  // the same id again: nothing
  core::Result<std::optional<CheckoutSession>> checkout(const std::string& tenantId, const std::string& id);
  core::Status setCheckoutPayment(const std::string& tenantId, const std::string& id, const std::string& paymentId);

  // Whether the signed delivery is new (false: the same signature was accepted before: a replay).
  core::Result<bool> takeSignature(const std::string& tenantId, const std::string& signature, int64_t signedAt);
  // The payment an event made ("" for an event that paid nothing), nullopt when never seen.
  core::Result<std::optional<std::string>> eventPayment(const std::string& tenantId, const std::string& eventId);
  core::Status insertEvent(const std::string& tenantId, const std::string& eventId, const std::string& type,
                           const std::string& paymentId, int64_t at);
  core::Result<int64_t> eventCount(const std::string& tenantId);

  core::Status insertStatement(const std::string& tenantId, const std::string& id, const std::string& format,
                               const std::string& statementId, int64_t lines, int64_t at);
  // Whether the line is new (false: a line with its ref was imported before; nothing written).
  core::Result<bool> insertLine(const BankLine& line);
  core::Result<std::optional<BankLine>> line(const std::string& tenantId, const std::string& ref);
  // `state` "" = any; by day then ref, at most `limit`.
  core::Result<std::vector<BankLine>> lines(const std::string& tenantId, const std::string& state, int64_t limit);
  core::Status decideLine(const std::string& tenantId, const std::string& ref, const std::string& state,
                          const std::string& invoiceId, const std::string& username, const std::string& paymentId);

  // Every issued invoice of the tenant with something left to pay, oldest first, with its customer's
  // name (from the customers area, by username) for matching.
  core::Result<std::vector<::billing::OpenInvoice>> openInvoices(const std::string& tenantId);

  core::Status insertReversal(const Reversal& r);
  // What reversals took back from `paymentId` so far.
  core::Result<int64_t> reversed(const std::string& tenantId, const std::string& paymentId);
  // What `paymentId` still has on each invoice (its allocations less what its reversals reopened),
  // the invoices with something left, newest invoice first.
  core::Result<std::vector<std::pair<std::string, int64_t>>> standingAllocations(const std::string& tenantId,
                                                                                 const std::string& paymentId);

  // Payments received (amount > 0) of the tenant (`username` "" = every customer), newest day first,
  // at most `limit`, each with what reversals took back from it so far (the console's payments).
  struct Received {
    Payment payment;
    int64_t reversed = 0;
  };
  core::Result<std::vector<Received>> receivedPayments(const std::string& tenantId, const std::string& username,
                                                       int64_t limit);

  // A refund started from mgmt, by the key refund-create was asked with (migration 30, ADR 0072).
  struct RefundRequest {
    std::string paymentId, refundId;
    int64_t amount = 0;
  };
  core::Result<std::optional<RefundRequest>> refundRequest(const std::string& tenantId, const std::string& key);
  // Records the booked refund under its key; the key taken already: nothing written.
  core::Status insertRefundRequest(const std::string& tenantId, const std::string& key, const RefundRequest& r, int64_t at);

  // Webhook housekeeping (ADR 0058): events received before `eventsBefore` and signatures signed
  // before `signaturesBefore`, at most `limit` rows of each; returns how many rows went.
  core::Result<int64_t> purgeWebhooks(int64_t eventsBefore, int64_t signaturesBefore, int64_t limit);

  // Every row of the tenant (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::billing
