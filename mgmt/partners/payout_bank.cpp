// Payouts to the bank (payout_bank.h; partner_service.h: payout-account-set, payout-export).
#include "mgmt/partners/payout_bank.h"

#include <algorithm>
#include <map>

#include "billing/invoicing/calendar.h"
#include "billing/payments/pain001.h"
#include "core/pki.h"
#include "mgmt/partners/partner_internal.h"
#include "mgmt/partners/partner_service.h"

namespace mgmt::partners {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;

namespace {

constexpr const char* kEndToEndPrefix = "E2E-";

std::string plain(int64_t minor, const std::string& currency) {
  std::string s = money(minor, currency);
  return s.substr(0, s.find(' '));
}

}  // namespace

core::Status bankAccountArgs(const CommandArgs& a, Partner& p) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> iban, a.text("iban"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> bic, a.text("bic"));
  if (iban) {
    if (iban->empty()) {
      p.iban.clear();
      p.bic.clear();
    } else {
      core::Result<std::string> n = ::billing::normalizeIban(*iban);
      if (!n.isOk()) return core::invalidArgument("iban: " + n.status().message());
      p.iban = *n;
    }
  }
  if (bic) {
    if (bic->empty()) {
      p.bic.clear();
    } else {
      core::Result<std::string> n = ::billing::normalizeBic(*bic);
      if (!n.isOk()) return core::invalidArgument("bic: " + n.status().message());
      p.bic = *n;
    }
  }
  if (!p.bic.empty() && p.iban.empty()) return core::invalidArgument("bic: give the IBAN (--iban) too");
  return core::Status::ok();
}

ControlReply PartnerService::setPayoutAccount(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "iban", "bic"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  PayoutAccount account;
  EDGE_ASSIGN_OR_RETURN(account.name, a.required("name"));
  if (account.name.empty() || account.name.size() > 140)
    return ControlReply::error(core::invalidArgument("name: the account holder, 1..140 characters"));
  EDGE_ASSIGN_OR_RETURN(std::string iban, a.required("iban"));
  core::Result<std::string> n = ::billing::normalizeIban(iban);
  if (!n.isOk()) return ControlReply::error(core::invalidArgument("iban: " + n.status().message()));
  account.iban = *n;
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> bic, a.text("bic"));
  if (bic && !bic->empty()) {
    core::Result<std::string> b = ::billing::normalizeBic(*bic);
    if (!b.isOk()) return ControlReply::error(core::invalidArgument("bic: " + b.status().message()));
    account.bic = *b;
  }
  account.updatedAt = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(account.scope, scopeOf(tx, a, caller, who));
    return PartnerStore(tx).putPayoutAccount(account);
  }));
  return ControlReply::success("payouts are paid from " + account.iban + " (" + account.name + ")",
                               Json{{"scope", account.scope}, {"name", account.name}, {"iban", account.iban}, {"bic", account.bic}});
}

ControlReply PartnerService::exportPayouts(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "format", "batch", "date"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  if (format && *format != "pain001" && *format != "csv")
    return ControlReply::error(core::invalidArgument("format: pain001 (ISO 20022 pain.001.001.03) or csv"));
  const bool pain = format.value_or("pain001") == "pain001";
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> again, a.text("batch"));
  EDGE_ASSIGN_OR_RETURN(int64_t execution, dayArg(a, "date", today()));
  const int64_t now = d_.clock.unixSeconds();
  std::string document, batchId;
  Json skipped = Json::array();
  int64_t count = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    skipped = Json::array();
    count = 0;
    EDGE_ASSIGN_OR_RETURN(std::string scope, scopeOf(tx, a, caller, who));
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<Partner> partners, st.partners(scope));
    std::map<std::string, Partner> byId;
    for (const Partner& p : partners) byId[p.id] = p;
    std::vector<Payout> chosen;
    int64_t createdAt = now;
    if (again) {
      // The same batch again, as it was first written (same MsgId, creation time and payouts).
      EDGE_ASSIGN_OR_RETURN(std::vector<Payout> all, st.payoutsOfBatch(*again));
      for (const Payout& x : all)
        if (byId.count(x.partnerId)) chosen.push_back(x);
      if (chosen.empty()) return core::notFound("batch: no payout batch '" + again->substr(0, 64) + "'");
      batchId = *again;
      createdAt = chosen.front().exportedAt;
    } else {
      // Every approved payout not exported yet whose partner has an account to pay into.
      batchId = "PB-" + core::pki::randomHex(8);
      for (const Partner& p : partners) {
        EDGE_ASSIGN_OR_RETURN(std::vector<Payout> ps, st.payouts(p.id, "approved"));
        for (const Payout& x : ps) {
          if (!x.batchId.empty()) continue;
          if (p.iban.empty()) {
            skipped.push_back({{"payout", x.id}, {"partner", p.id}, {"reason", "the partner has no IBAN (partner set --iban)"}});
            continue;
          }
          chosen.push_back(x);
        }
      }
      if (chosen.empty())
        return core::failedPrecondition("payouts: no approved payout waits for export" +
                                        std::string(skipped.empty() ? "" : " (some partners have no IBAN)"));
      // In the order a batch is read back in (--batch), so that writing it again gives the same file.
      std::sort(chosen.begin(), chosen.end(), [](const Payout& l, const Payout& r) { return l.id < r.id; });
      for (Payout& x : chosen) {
        EDGE_RETURN_IF_ERROR(st.setBatch(x.id, batchId, now));
        x.batchId = batchId;
        x.exportedAt = now;
      }
    }
    count = static_cast<int64_t>(chosen.size());
    if (pain) {
      EDGE_ASSIGN_OR_RETURN(std::optional<PayoutAccount> debtor, st.payoutAccount(scope));
      if (!debtor)
        return core::failedPrecondition("payout account: set the account payouts are paid from first (payout-account-set)");
      ::billing::CreditTransferBatch b;
      b.msgId = batchId;
      b.createdAt = createdAt;
      b.executionDay = execution;
      b.debtorName = debtor->name;
      b.debtorIban = debtor->iban;
      b.debtorBic = debtor->bic;
      for (const Payout& x : chosen) {
        const Partner& p = byId[x.partnerId];
        b.transfers.push_back({x.endToEndId, x.amount, x.currency, p.name, p.iban, p.bic, "Commission payout " + x.id});
      }
      core::Result<std::string> doc = ::billing::pain001(b);
      if (!doc.isOk()) return doc.status();
      document = *doc;
    } else {
      document = "end_to_end_id,payout,partner,name,iban,bic,amount,currency,execution_date,batch\n";
      for (const Payout& x : chosen) {
        const Partner& p = byId[x.partnerId];
        document += x.endToEndId + "," + x.id + "," + p.id + "," + csvField(p.name) + "," + p.iban + "," + p.bic + "," +
                    plain(x.amount, x.currency) + "," + x.currency + "," + ::billing::formatDay(execution) + "," + batchId +
                    "\n";
      }
    }
    return core::Status::ok();
  }));
  return ControlReply::success(document, Json{{"batch", batchId}, {"payouts", count}, {"format", pain ? "pain001" : "csv"},
                                              {"document", document}, {"skipped", skipped}});
}

core::Result<mgmt::billing::OutgoingVerdict> reconcilePayoutLine(store::Transaction& tx, const std::string& tenantId,
                                                                 const ::billing::BankEntry& line,
                                                                 const std::string& lineRef) {
  mgmt::billing::OutgoingVerdict v;
  if (line.endToEndId.empty()) return v;
  const bool ourPrefix = line.endToEndId.rfind(kEndToEndPrefix, 0) == 0;
  PartnerStore st(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Payout> po, st.payoutByEndToEnd(line.endToEndId));
  std::optional<Partner> partner;
  if (po) {
    EDGE_ASSIGN_OR_RETURN(partner, st.partner(po->partnerId));
  }
  if (!po || !partner || partner->scope != tenantId) {
    // Another tenant's payout is as unknown here as one that does not exist.
    if (ourPrefix) {
      v.ours = true;
      v.reason = "outgoing: no payout of this tenant has end-to-end id " + line.endToEndId.substr(0, 40);
    }
    return v;
  }
  v.ours = true;
  v.payoutId = po->id;
  if (po->currency != line.currency || po->amount != line.amount) {
    v.reason = "outgoing: payout " + po->id + " is " + money(po->amount, po->currency) + ", the bank paid " +
               plain(line.amount, line.currency) + " " + line.currency.substr(0, 3);
    return v;
  }
  if (po->status != "approved") {
    v.reason = "outgoing: payout " + po->id + " was already marked paid" +
               (po->bankRef.empty() ? std::string(" by hand") : " by bank line " + po->bankRef);
    return v;
  }
  EDGE_RETURN_IF_ERROR(st.markPaidByBank(po->id, line.day, lineRef));
  v.matched = true;
  return v;
}

}  // namespace mgmt::partners
