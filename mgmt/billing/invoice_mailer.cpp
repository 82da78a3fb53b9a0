#include "mgmt/billing/invoice_mailer.h"

#include <vector>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/creditor_reference.h"
#include "billing/invoicing/tax.h"
#include "billing/rating/rules.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::billing {

namespace {

std::string taxLabel(const Invoice& i) {
  if (i.taxTreatment == "exempt") return "Tax (exempt)";
  if (i.taxTreatment == "reverse-charge") return "Tax (reverse charge)";
  std::string label = "Tax " + ::billing::formatTaxRate(i.taxRateBp) + "%";
  if (!i.taxRegion.empty()) label += " (" + i.taxRegion + ")";
  if (i.pricesIncludeTax) label += ", included";
  return label;
}

}  // namespace

core::Result<InvoiceDocument> invoiceDocument(store::Transaction& tx, const Invoice& inv) {
  BillingStore billing(tx);
  InvoiceDocument d;
  EDGE_ASSIGN_OR_RETURN(mail::Branding brand, mail::brandingOf(tx, inv.tenantId));
  EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> tenant, tenancy::TenantStore(tx).byId(inv.tenantId));
  d.brandName = !brand.displayName.empty() ? brand.displayName : tenant ? tenant->name : inv.tenantId;
  if (!brand.primaryColour.empty()) d.primaryColour = brand.primaryColour;
  if (!brand.accentColour.empty()) d.accentColour = brand.accentColour;
  EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c,
                        customers::CustomerStore(tx).findByUsername(inv.tenantId, inv.username));
  if (c) {
    d.customerName = c->name;
    d.customerAddress = c->address;
    d.customerEmail = c->email;
  }
  d.username = inv.username;
  d.kind = inv.kind;
  d.number = inv.number.value_or(0);
  if (inv.issueDay > 0) {
    d.issued = ::billing::formatDay(inv.issueDay);
    d.due = ::billing::formatDay(inv.dueDay);
  }
  if (!inv.reference.empty()) d.reference = ::billing::formatCreditorReference(inv.reference);
  if (!inv.credits.empty()) {
    EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> reversed, billing.invoice(inv.tenantId, inv.credits));
    if (reversed && reversed->number) d.credits = std::to_string(*reversed->number);
  }
  d.currency = inv.currency;
  EDGE_ASSIGN_OR_RETURN(std::vector<InvoiceLine> lines, billing.lines(inv.id));
  for (const InvoiceLine& l : lines) d.lines.push_back({l.description, l.amount});
  d.net = inv.net;
  d.tax = inv.tax;
  d.total = inv.total;
  d.paid = inv.paid;
  d.taxLabel = taxLabel(inv);
  return d;
}

core::Result<InvoiceMailer::Report> InvoiceMailer::mailDue(int64_t tenants, int64_t perTenant) {
  Report report;
  std::vector<BillingStore::MailingDue> due;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(due, BillingStore(tx).mailingDue(tenants));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  for (const BillingStore::MailingDue& t : due) {
    const int64_t upTo = t.lastIssued < t.mailedThrough + perTenant ? t.lastIssued : t.mailedThrough + perTenant;
    struct Mail {
      std::string to;
      core::Json variables;
      mail::Attachment pdf;
      std::string username;  // the customer's: its reseller's brand when it has one (ADR 0064)
    };
    std::vector<InvoiceDocument> docs;
    std::vector<Invoice> invoices;
    std::string tenantName;
    // Read what to mail (a snapshot: finalization goes on beside it).
    EDGE_RETURN_IF_ERROR(d_.storage.transact(
        [&](store::Transaction& tx) -> core::Status {
          docs.clear();
          EDGE_ASSIGN_OR_RETURN(invoices, BillingStore(tx).issuedByNumber(t.tenantId, "invoice", t.mailedThrough, upTo));
          for (const Invoice& inv : invoices) {
            EDGE_ASSIGN_OR_RETURN(InvoiceDocument doc, invoiceDocument(tx, inv));
            docs.push_back(std::move(doc));
          }
          EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> tenant, tenancy::TenantStore(tx).byId(t.tenantId));
          tenantName = tenant ? tenant->name : t.tenantId;
          return core::Status::ok();
        },
        store::Storage::Mode::kReadOnly));
    // Render outside any transaction.
    std::vector<Mail> mails;
    int64_t skipped = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      const InvoiceDocument& doc = docs[i];
      if (doc.customerEmail.empty() || !mail::validAddress(doc.customerEmail)) {
        ++skipped;
        continue;
      }
      EDGE_ASSIGN_OR_RETURN(std::string pdf, renderInvoicePdf(doc));
      const std::string total = ::billing::formatMoney(doc.total, doc.currency);
      core::Json vars{{"customer", doc.customerName.empty() ? doc.username : doc.customerName},
                      {"number", std::to_string(doc.number)},
                      {"issued", doc.issued},
                      {"due", doc.due},
                      {"total", total},
                      {"reference", doc.reference},
                      {"portal-url", d_.portalUrl ? d_.portalUrl(tenantName) : std::string()}};
      mails.push_back(Mail{doc.customerEmail, std::move(vars),
                           mail::Attachment{"invoice-" + std::to_string(doc.number) + ".pdf", "application/pdf",
                                            std::move(pdf)},
                           doc.username});
    }
    // Enqueue and move the mark together, only from where this round found it.
    bool moved = false;
    const int64_t now = d_.clock.unixSeconds();
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(moved, BillingStore(tx).moveMailedThrough(t.tenantId, t.mailedThrough, upTo, now));
      if (!moved) return core::Status::ok();
      for (const Mail& m : mails)
        EDGE_RETURN_IF_ERROR(mail::enqueue(tx, t.tenantId, m.to, "invoice-issued", m.variables, now, &m.pdf, m.username).status());
      return core::Status::ok();
    }));
    if (moved) {
      report.mailed += static_cast<int64_t>(mails.size());
      report.skipped += skipped;
    }
  }
  return report;
}

}  // namespace mgmt::billing
