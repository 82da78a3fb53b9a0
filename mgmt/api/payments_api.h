// Payments that arrive by themselves (ADR 0039): the provider's webhook route and the collection
// commands (payment-provider-set, checkout-create, bank-import, bank-line-list/accept/reject).
//
//   POST /api/v1/payments/webhook?tenant=ID   Stripe-Signature: t=...,v1=...   {event}
//     200 {"received": true, "event", ["payment", "invoice", "amount-minor" | "duplicate" | "ignored"]}
//     400 malformed, stale (more than 300 s), replayed delivery, not an event; 401 bad signature;
//     404 no such tenant or no provider account. Every error is {"error", "code"}.
//
// No token: the provider authenticates by the signature, which is checked before the event is
// parsed; the body is limited to 64 KiB before it is read. The answer is sent after the payment
// committed (CollectionService's contract).
#pragma once

#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/topup_service.h"

namespace mgmt::api {

void routePaymentsApi(core::HttpServer& server, billing::CollectionService& collection);
void bindCollectionCommands(core::command::Table& table, billing::CollectionService& collection,
                            billing::TopupService& topups);

}  // namespace mgmt::api
