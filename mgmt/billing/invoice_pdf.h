// An invoice or credit note as a PDF (issue 24): one A4 page per ~30 lines, drawn with cairo's PDF
// surface and laid out with pango (fonts through fontconfig: DejaVu Sans, Debian fonts-dejavu-core),
// in the tenant's branding (display name in a band of its primary colour, accent rules).
//
// Contract:
//  - Pure apart from cairo/pango: the document is a value, the PDF comes back as bytes; nothing is
//    read from disk or network (a tenant's logo URL is not fetched: mgmtd makes no request to a URL
//    a tenant typed, ADR 0040).
//  - Money is given in minor units and printed with billing/rating's formatMoney in the invoice's
//    currency ("16.45 USD"); the text is real text (pdftotext reads it back), not outlines.
//  - Text longer than its column is cut with an ellipsis; more lines than fit on a page continue
//    on the next page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace mgmt::billing {

struct InvoiceDocument {
  // The seller, as the tenant's branding shows it.
  std::string brandName;               // "Harbour Net"
  std::string primaryColour = "#1f4e79";  // "#rrggbb" (bad values fall back to this)
  std::string accentColour = "#f0a030";
  // The customer.
  std::string customerName, customerAddress, customerEmail, username;
  // The invoice.
  std::string kind = "invoice";  // or "credit-note"
  int64_t number = 0;
  std::string issued, due;       // "2026-01-31"
  std::string reference;         // printed form, "RF18 5390 0754 7034"; "" for a credit note
  std::string credits;           // a credit note: the number of the invoice it reverses, or ""
  std::string currency;          // ISO 4217
  struct Line {
    std::string description;     // with its period ("basic, 2026-01-01 to 2026-01-31")
    int64_t amount = 0;          // minor units
  };
  std::vector<Line> lines;
  int64_t net = 0, tax = 0, total = 0, paid = 0;
  std::string taxLabel;          // "Tax 16% (region: default)", "Reverse charge: no tax", ...
};

// The PDF's bytes, or kInternal naming what cairo refused.
core::Result<std::string> renderInvoicePdf(const InvoiceDocument& doc);

}  // namespace mgmt::billing
