// The invoice PDF (mgmt/billing/invoice_pdf): what pdftotext (poppler-utils) reads back from it is
// the invoice: number, dates, creditor reference, lines, tax and total in the currency's format; a
// long invoice continues on further pages with every line on one of them.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "mgmt/billing/invoice_pdf.h"

#include <CppUTest/TestHarness.h>

using mgmt::billing::InvoiceDocument;

namespace {

// Runs `command` on the PDF written to a temporary file; its standard output.
std::string readBack(const std::string& pdf, const std::string& command) {
  char path[] = "/tmp/invoice-pdf-test-XXXXXX";
  const int fd = mkstemp(path);
  CHECK_TRUE(fd >= 0);
  CHECK_EQUAL(static_cast<ssize_t>(pdf.size()), write(fd, pdf.data(), pdf.size()));
  close(fd);
  std::string out;
  const bool toStdout = command.rfind("pdftotext", 0) == 0;  // pdfinfo prints; pdftotext writes to "-"
  FILE* p = popen((command + " " + path + (toStdout ? " -" : "") + " 2>&1").c_str(), "r");
  CHECK_TRUE(p != nullptr);
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  unlink(path);
  return out;
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

InvoiceDocument sample() {
  InvoiceDocument d;
  d.brandName = "Harbour Net";
  d.primaryColour = "#0b6e4f";
  d.accentColour = "#e0a100";
  d.customerName = "Ana Silva";
  d.customerAddress = "12 Quay Street";
  d.customerEmail = "ana@example.com";
  d.username = "ana";
  d.number = 42;
  d.issued = "2026-01-15";
  d.due = "2026-01-29";
  d.reference = "RF18 5390 0754 7034";
  d.currency = "USD";
  d.lines = {{"basic, 2026-01-15 to 2026-01-31 (17 of 31 days)", 1645}, {"installation", 5000}};
  d.net = 6645;
  d.tax = 1063;
  d.total = 7708;
  d.paid = 1000;
  d.taxLabel = "Tax 16%";
  return d;
}

}  // namespace

TEST_GROUP(InvoicePdf){};

TEST(InvoicePdf, PdftotextReadsBackTheNumberReferenceLinesTaxAndTotal) {
  core::Result<std::string> pdf = mgmt::billing::renderInvoicePdf(sample());
  CHECK_TRUE_TEXT(pdf.isOk(), pdf.status().toString().c_str());
  CHECK_EQUAL(0, pdf->rfind("%PDF-", 0));
  const std::string text = readBack(*pdf, "pdftotext -layout");
  CHECK_TRUE_TEXT(has(text, "Harbour Net"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "Invoice 42"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "2026-01-15"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "2026-01-29"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "RF18 5390 0754 7034"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "Ana Silva"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "16.45 USD"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "50.00 USD"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "Tax 16%"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "10.63 USD"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "77.08 USD"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "67.08 USD"), text.c_str());  // left to pay
  const std::string info = readBack(*pdf, "pdfinfo");
  CHECK_TRUE_TEXT(has(info, "Pages:           1"), info.c_str());
  CHECK_TRUE_TEXT(has(info, "Invoice 42"), info.c_str());  // the document's title
}

TEST(InvoicePdf, MoneyFollowsTheCurrencysDecimals) {
  InvoiceDocument d = sample();
  d.currency = "JPY";
  d.lines = {{"basic", 1645}};
  d.net = 1645;
  d.tax = 0;
  d.total = 1645;
  d.paid = 0;
  const std::string text = readBack(mgmt::billing::renderInvoicePdf(d).value(), "pdftotext -layout");
  CHECK_TRUE_TEXT(has(text, "1645 JPY"), text.c_str());
  CHECK_FALSE(has(text, "16.45"));
}

TEST(InvoicePdf, ALongInvoiceContinuesOnMorePagesWithEveryLine) {
  InvoiceDocument d = sample();
  d.lines.clear();
  for (int i = 1; i <= 90; ++i) d.lines.push_back({"top-up " + std::to_string(i), 100});
  d.net = 9000;
  d.tax = 0;
  d.total = 9000;
  d.paid = 0;
  const std::string pdf = mgmt::billing::renderInvoicePdf(d).value();
  const std::string info = readBack(pdf, "pdfinfo");
  const size_t at = info.find("Pages:");
  CHECK_TRUE_TEXT(at != std::string::npos, info.c_str());
  CHECK_TRUE_TEXT(std::atoi(info.c_str() + at + 6) >= 3, info.c_str());  // about 30 lines a page
  const std::string text = readBack(pdf, "pdftotext -layout");
  for (int i = 1; i <= 90; ++i) CHECK_TRUE_TEXT(has(text, "top-up " + std::to_string(i) + " "), ("top-up " + std::to_string(i)).c_str());
  CHECK_TRUE(has(text, "Continued on page 2"));
  CHECK_TRUE(has(text, "90.00 USD"));
}

TEST(InvoicePdf, ACreditNoteNamesTheInvoiceItReversesAndAsksNoPayment) {
  InvoiceDocument d = sample();
  d.kind = "credit-note";
  d.number = 3;
  d.reference = "";
  d.credits = "42";
  d.paid = 0;
  const std::string text = readBack(mgmt::billing::renderInvoicePdf(d).value(), "pdftotext -layout");
  CHECK_TRUE_TEXT(has(text, "Credit note 3"), text.c_str());
  CHECK_TRUE_TEXT(has(text, "Reverses invoice"), text.c_str());
  CHECK_FALSE(has(text, "Please pay"));
  CHECK_FALSE(has(text, "Left to pay"));
}
