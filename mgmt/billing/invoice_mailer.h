// Mailing issued invoices as PDFs, after finalization (issue 24; ADR 0040).
//
// Finalization writes nothing for mail: invoice numbers are gapless per tenant, so "every invoice
// numbered above the tenant's mailed-through mark (invoice_mailing)" is the whole queue. A round
// reads a batch above the mark in a read-only unit of work, renders each PDF outside any
// transaction (renderInvoicePdf), then in one unit of work enqueues each mail with its PDF attached
// (mgmt/mail's outbox, template "invoice-issued") and moves the mark, only if it is still where the
// round found it. So a crash before that commit mails nothing and the next round does it again; a
// crash after it leaves the mails in the outbox (delivered at least once by MailSender); two mailers
// never both enqueue the same invoice. An invoice whose customer has no email address is passed over
// (counted as skipped). Credit notes are not mailed.
//
// mgmtd runs it as a singleton job ("invoice-mailer", mgmt/app/platform_jobs) every second.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/invoice_pdf.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

// The document of an issued invoice or credit note as the PDF shows it: its lines, the customer
// (mgmt/customers, by the subscriber's username) and the tenant's branding (mgmt/mail).
core::Result<InvoiceDocument> invoiceDocument(store::Transaction& tx, const Invoice& invoice);

class InvoiceMailer {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    // The self-care portal's address for a tenant's name (linked from the mail).
    std::function<std::string(const std::string& tenantName)> portalUrl;
  };
  struct Report {
    int64_t mailed = 0, skipped = 0;  // skipped: no customer email
  };

  explicit InvoiceMailer(Deps deps) : d_(std::move(deps)) {}

  // Mails up to `perTenant` invoices of each of up to `tenants` tenants with invoices to mail.
  core::Result<Report> mailDue(int64_t tenants = 50, int64_t perTenant = 50);

 private:
  Deps d_;
};

}  // namespace mgmt::billing
