// Bank statements as banks deliver them: ISO 20022 camt.053 (BkToCstmrStmt, versions .001.02 to
// .001.08; the elements read are the same in all) and a CSV export. Booked credit entries (money in)
// are what may pay invoices; booked debit entries (money out) of a camt.053 come out apart, with
// their EndToEndId, to reconcile the payouts we sent (ADR 0056). docs/billing.md "Bank statements".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace billing {

struct BankEntry {
  // The bank's own unique reference of the line (camt: the transaction's or the entry's AcctSvcrRef,
  // else the statement id, "/" and the entry's NtryRef or position; CSV: the id column). Importing
  // the same line twice is recognised by it.
  std::string ref;
  int64_t day = 0;        // booking date (UTC days since 1970-01-01)
  int64_t amount = 0;     // minor units of `currency`, more than 0
  std::string currency;   // ISO 4217
  std::string name;       // the payer as the bank names it (camt: Dbtr/Nm)
  std::string reference;  // a structured creditor reference as given (camt: CdtrRefInf/Ref), or ""
  std::string text;       // unstructured remittance information (camt: Ustrd, joined by spaces)
  std::string endToEndId; // camt: TxDtls/Refs/EndToEndId (the payer's id of the transfer), or ""
};

struct BankStatement {
  std::string id;                 // camt: the first Stmt/Id; CSV: ""
  std::vector<BankEntry> entries; // booked credit entries, in the file's order
  std::vector<BankEntry> debits;  // booked debit entries (money out; camt only; name = the creditor's)
  int64_t skipped = 0;            // entries left out: not booked, or debits of a CSV
};

constexpr size_t kMaxStatementEntries = 1000000;
constexpr size_t kMaxStatementField = 8192;  // bytes of one element's or cell's text

// camt.053 XML (UTF-8). No DOCTYPE (so no entities), depth at most 64, each element's text at most
// kMaxStatementField, at most kMaxStatementEntries lines. kInvalidArgument naming the element and
// line of the file (or the XML error) otherwise.
core::Result<BankStatement> parseCamt053(std::string_view xml);

// CSV (RFC 4180 quoting; ',' or ';' as separator, taken from the header line). The header names
// the columns, in any order, case-insensitive: id, date (YYYY-MM-DD), amount (12.50; with ';' also
// 12,50; negative = money out, left out), currency are required; name, reference, text optional.
// kInvalidArgument naming the line and column otherwise.
core::Result<BankStatement> parseBankCsv(std::string_view csv);

}  // namespace billing
