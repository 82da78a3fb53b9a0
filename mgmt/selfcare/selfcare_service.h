// The self-care portal's data (issue 24; docs/selfcare.md; ADR 0043): what one signed-in customer
// may read and change, and nothing else.
//
// Why a service of its own and not the command table: the table's callers are roles with a tenant
// scope (platform, tenant admin, reader, partner); its commands take a username or an invoice id as
// an argument and a tenant-scoped caller may name any of the tenant's customers. A customer is a
// narrower principal than any of them: one (tenant, username). Rather than add a customer level to
// every billing, usage and catalog command, the portal has this one service whose every method takes
// the Account from the session (never from the request) and keys each read by both its tenant and
// its username, so another customer's invoice id, even guessed, is "not found" (ADR 0043).
//
// Contract:
//  - tenant(key): the tenant by name or id with its branding; kNotFound when there is none or it is
//    not active (suspended tenants have no portal). brandFor(account): a reseller's customer's pages
//    carry the reseller's white label instead, once signed in (the sign-in page is the tenant's).
//  - passwordSignIn: the customer whose subscriber username or email is `login`, when the
//    subscriber's password equals `password` (constant time); nullopt otherwise (no difference between
//    an unknown login and a wrong password).
//  - accountFor(login): the same account without a password, for emailing a code; nullopt when there
//    is none or it has no email address.
//  - Every read and change takes the Account and touches only its rows; contact changes are
//    validated field by field (kInvalidArgument "email: ...", as mgmt/customers checks them).
//  - One unit of work per call; no state between calls; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {
class CollectionService;
class TopupService;
}

namespace mgmt::selfcare {

struct TenantView {
  std::string id, name;
  std::string displayName;            // the branding's, else the tenant's name
  std::string primaryColour, accentColour;  // "#rrggbb" or ""
  std::string logoUrl;                      // the uploaded logo on mgmtd ("/branding/logo/ID?v=..."), or ""
  std::string partnerId;                    // set by brandFor: the white-label reseller whose brand this is
};

// Who is signed in: a customer of one tenant, by the subscriber's username.
struct Account {
  std::string tenantId;
  std::string username;
  std::string customerId;  // mgmt/customers, "" when the subscriber has no customer record
  std::string email;
  std::string name;
  std::string key() const { return tenantId + "/" + username; }
};

class SelfcareService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    // The online payment provider's checkouts (ADR 0039); nullptr when mgmtd has no provider set up.
    billing::CollectionService* collection = nullptr;
    // Top-ups bought here (ADR 0058); nullptr = none offered.
    billing::TopupService* topups = nullptr;
  };
  explicit SelfcareService(Deps deps) : d_(deps) {}

  core::Result<TenantView> tenant(const std::string& key);
  // The signed-in customer's brand over `view` (ADR 0064): its white-label reseller's name, colours and
  // logo when its attribution today is to one (and the tenant's tier has white label); unchanged else.
  core::Status brandFor(const Account& account, TenantView& view);
  core::Result<std::optional<Account>> passwordSignIn(const std::string& tenantId, const std::string& login,
                                                      const std::string& password);
  core::Result<std::optional<Account>> accountFor(const std::string& tenantId, const std::string& login);
  // Puts the "selfcare-code" mail with `code` in the outbox for the account's email.
  core::Status mailCode(const Account& account, const TenantView& tenant, const std::string& code);

  // {"plan": {...} | null, "usage": [{"day", "octets"}] (the last kUsageDays days, oldest first),
  //  "used-octets", "quota-octets" (0 = none), "owed", "credit", "currency"} (amounts formatted).
  core::Result<core::Json> dashboard(const Account& account);
  static constexpr int kUsageDays = 14;
  // {"invoices": [...issued invoices and credit notes, newest first...], "online": whether the tenant
  //  takes card payments at the provider (mgmtd has one and the tenant has an account there)}.
  core::Result<core::Json> invoices(const Account& account);
  // The PDF of one of the account's issued invoices or credit notes: (file name, bytes); kNotFound
  // for anything else (a draft, another customer's, no such id).
  core::Result<std::pair<std::string, std::string>> invoicePdf(const Account& account, const std::string& invoiceId);
  // Starts the provider's hosted checkout for one of the account's open invoices, as the command
  // checkout-create does for a caller scoped to the account's tenant (same idempotency key: a second
  // Pay gives the first session back): {"url", "amount", "invoice"}. kNotFound for anything but the
  // account's own issued invoice (another customer's is exactly like none); kFailedPrecondition when
  // the tenant takes no online payments or the invoice is paid; kUnavailable when the provider fails.
  core::Result<core::Json> checkout(const Account& account, const std::string& invoiceId, const std::string& returnUrl);
  // The plans the account may move to: {"subscription": id | null (no live subscription: nothing to
  //  change), "current": plan name, "plans": [{"name", "price", "down", "up"}] (every plan of the
  //  tenant priced in its billing currency, the current one excluded), "currency"}.
  core::Result<core::Json> planChoices(const Account& account);
  // Moves the account's live subscription to `plan` from today through the billing engine's
  // subscription-change (the operator's command, for a caller scoped to the account's tenant: the
  // proration, the invoice lines, the ledger and the subscriber's plan on the boxes follow). With
  // `preview` the same computation is returned and nothing is written. Returns the command's result
  // ({"adjustment-lines", "net", "tax", "total", ...}), or {"unchanged": true} when the account is on
  // `plan` already (a second submit of the same change does nothing). kInvalidArgument "plan: ..."
  // for a plan not offered; kFailedPrecondition without a live subscription.
  core::Result<core::Json> changePlan(const Account& account, const std::string& plan, bool preview);
  // The tenant's top-ups with their price tax included, whether they can be paid by card, and the
  // account's last bought ones (billing::TopupService::offer).
  core::Result<core::Json> topups(const Account& account);
  // A pending order of `product` for the account and the provider's checkout for it: {"order",
  // "url", "amount", "product", "adds"}. kNotFound: no such product; kFailedPrecondition: no card
  // payments; kUnavailable: the provider failed.
  core::Result<core::Json> buyTopup(const Account& account, const std::string& product, const std::string& returnUrl);
  // {"name", "email", "phone", "address"}.
  core::Result<core::Json> contact(const Account& account);
  // Updates email, phone and address (each a string; absent = unchanged); makes the customer record
  // when the subscriber has none. kInvalidArgument naming the field.
  core::Status updateContact(const Account& account, const core::Json& fields);

 private:
  Deps d_;
};

}  // namespace mgmt::selfcare
