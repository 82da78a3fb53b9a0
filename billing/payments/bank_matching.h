// Which open invoice a bank line pays, and how sure we are (docs/billing.md "Matching"):
//   - an ISO 11649 reference (the structured one, else one found in the remittance text) that names
//     an open invoice: 60; plus the amount equal to what the invoice leaves open: 30 (less than
//     that, a partial payment: 10); plus the payer's name matching the customer's: 10;
//   - without such a reference: the amount equal to one open invoice only: 40, the name matching
//     its customer as well: 70; a name matching one customer only: that customer's oldest open
//     invoice, 30.
// Lines at kAutoMatch (90) or above become payments; the others wait in the review queue with the
// suggestion. Pure: the caller reads the open invoices and records the outcome.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/payments/bank_statement.h"

namespace billing {

struct OpenInvoice {
  std::string id, username;
  std::string reference;     // normalized RF reference ("RF18539007547034")
  std::string customerName;  // "" when the customer has none (the username is used)
  int64_t open = 0;          // minor units left to pay
  std::string currency;
};

struct Match {
  std::string invoiceId, username;  // "" when nothing is suggested
  int confidence = 0;               // 0..100
  std::string reasons;              // "reference, amount, name"
};

constexpr int kAutoMatch = 90;

// The first valid creditor reference in `text` (normalized), or "".
std::string findCreditorReference(const std::string& text);
// Lower-case words of letters and digits (names as payers and banks write them).
std::vector<std::string> nameWords(const std::string& name);
// Whether two names name the same person: at least half the words of the shorter appear in the other.
bool namesMatch(const std::vector<std::string>& a, const std::vector<std::string>& b);

class Matcher {
 public:
  // `invoices` oldest first (a name-only suggestion is the customer's oldest).
  explicit Matcher(std::vector<OpenInvoice> invoices);
  Match match(const BankEntry& entry) const;
  const OpenInvoice* invoice(const std::string& id) const;
  // `amount` of the invoice was paid (by an earlier line): later lines see what is left open.
  void paid(const std::string& invoiceId, int64_t amount);

 private:
  std::vector<OpenInvoice> invoices_;
  std::vector<std::vector<std::string>> words_;  // per invoice: its customer's name words
  std::unordered_map<std::string, size_t> byReference_;
  std::unordered_map<std::string, size_t> byId_;
  std::multimap<int64_t, size_t> byAmount_;
  std::unordered_map<std::string, std::vector<size_t>> byWord_;  // name word -> invoices
};

}  // namespace billing
