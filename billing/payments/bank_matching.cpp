#include "billing/payments/bank_matching.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "billing/invoicing/creditor_reference.h"

namespace billing {

std::string findCreditorReference(const std::string& text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != 'R' ||
        std::toupper(static_cast<unsigned char>(text[i + 1])) != 'F')
      continue;
    if (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) continue;
    // RF, then letters and digits in blocks separated by single spaces, at most 23 of them.
    std::string candidate = "RF";
    size_t j = i + 2;
    while (j < text.size() && candidate.size() < 25) {
      const unsigned char c = static_cast<unsigned char>(text[j]);
      if (std::isalnum(c)) {
        candidate += static_cast<char>(std::toupper(c));
      } else if (c == ' ' && j + 1 < text.size() && std::isalnum(static_cast<unsigned char>(text[j + 1])) &&
                 candidate.size() > 2) {
        // a space inside the reference (print form), not before it
      } else {
        break;
      }
      ++j;
    }
    // The longest prefix that is a valid reference (text may run on after it).
    for (size_t n = candidate.size(); n >= 5; --n) {
      core::Result<std::string> r = parseCreditorReference(candidate.substr(0, n));
      if (r.isOk()) return *r;
    }
  }
  return "";
}

std::vector<std::string> nameWords(const std::string& name) {
  std::vector<std::string> out;
  std::string w;
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      w += static_cast<char>(std::tolower(c));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool namesMatch(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return false;
  const auto& small = a.size() <= b.size() ? a : b;
  const auto& large = a.size() <= b.size() ? b : a;
  size_t common = 0;
  for (const std::string& w : small)
    if (std::binary_search(large.begin(), large.end(), w)) ++common;
  return common * 2 >= small.size() && common > 0;
}

Matcher::Matcher(std::vector<OpenInvoice> invoices) : invoices_(std::move(invoices)) {
  words_.reserve(invoices_.size());
  for (size_t i = 0; i < invoices_.size(); ++i) {
    const OpenInvoice& inv = invoices_[i];
    words_.push_back(nameWords(inv.customerName.empty() ? inv.username : inv.customerName));
    if (!inv.reference.empty()) byReference_.emplace(inv.reference, i);
    byId_.emplace(inv.id, i);
    byAmount_.emplace(inv.open, i);
    for (const std::string& w : words_.back()) byWord_[w].push_back(i);
  }
}

const OpenInvoice* Matcher::invoice(const std::string& id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &invoices_[it->second];
}

void Matcher::paid(const std::string& invoiceId, int64_t amount) {
  auto it = byId_.find(invoiceId);
  if (it == byId_.end()) return;
  OpenInvoice& inv = invoices_[it->second];
  inv.open -= std::min(amount, inv.open);
  if (inv.open == 0) byReference_.erase(inv.reference);
}

Match Matcher::match(const BankEntry& e) const {
  Match m;
  const std::vector<std::string> payer = nameWords(e.name);
  std::string rf;
  if (!e.reference.empty()) {
    core::Result<std::string> r = parseCreditorReference(e.reference);
    if (r.isOk()) rf = *r;
  }
  if (rf.empty() || byReference_.find(rf) == byReference_.end()) {
    const std::string inText = findCreditorReference(e.text);
    if (!inText.empty()) rf = inText;
  }
  auto ref = rf.empty() ? byReference_.end() : byReference_.find(rf);
  if (ref != byReference_.end() && invoices_[ref->second].currency == e.currency) {
    const size_t i = ref->second;
    const OpenInvoice& inv = invoices_[i];
    m.invoiceId = inv.id;
    m.username = inv.username;
    m.confidence = 60;
    m.reasons = "reference";
    if (e.amount == inv.open) {
      m.confidence += 30;
      m.reasons += ", amount";
    } else if (e.amount < inv.open) {
      m.confidence += 10;
      m.reasons += ", partial amount";
    } else {
      m.reasons += ", more than is open";
    }
    if (namesMatch(payer, words_[i])) {
      m.confidence += 10;
      m.reasons += ", name";
    }
    return m;
  }
  // No usable reference: the amount, then the name.
  auto [lo, hi] = byAmount_.equal_range(e.amount);
  std::vector<size_t> sameAmount;
  for (auto it = lo; it != hi && sameAmount.size() < 64; ++it)
    if (invoices_[it->second].currency == e.currency && invoices_[it->second].open == e.amount)
      sameAmount.push_back(it->second);
  std::vector<size_t> named;
  for (size_t i : sameAmount)
    if (namesMatch(payer, words_[i])) named.push_back(i);
  if (named.size() == 1) {
    m.invoiceId = invoices_[named[0]].id;
    m.username = invoices_[named[0]].username;
    m.confidence = 70;
    m.reasons = "amount, name";
    return m;
  }
  if (sameAmount.size() == 1) {
    m.invoiceId = invoices_[sameAmount[0]].id;
    m.username = invoices_[sameAmount[0]].username;
    m.confidence = 40;
    m.reasons = "amount";
    return m;
  }
  // The customers whose name matches (through any word of the payer's name).
  std::set<std::string> customers;
  size_t oldest = invoices_.size();
  for (const std::string& w : payer) {
    auto it = byWord_.find(w);
    if (it == byWord_.end()) continue;
    for (size_t i : it->second) {
      if (invoices_[i].currency != e.currency || invoices_[i].open == 0 || !namesMatch(payer, words_[i])) continue;
      customers.insert(invoices_[i].username);
      oldest = std::min(oldest, i);
      if (customers.size() > 1) break;
    }
  }
  if (customers.size() == 1) {
    m.invoiceId = invoices_[oldest].id;
    m.username = invoices_[oldest].username;
    m.confidence = 30;
    m.reasons = "name";
  }
  return m;
}

}  // namespace billing
