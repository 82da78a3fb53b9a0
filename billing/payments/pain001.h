// Money going out to the bank: ISO 20022 pain.001.001.03 (customer credit transfer initiation) for
// partner payouts, and the account numbers it carries (IBAN with its ISO 13616 mod-97 check, BIC
// as ISO 9362). Pure: no I/O. docs/partners.md "Payouts to the bank"; ADR 0056.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace billing {

// The IBAN in its electronic form (spaces removed, upper case) when it is one: two letters of a
// country, two check digits, 11..30 letters or digits, the length of that country's IBAN where
// the country is known, and mod 97 of the rearranged number equal to 1. kInvalidArgument saying
// what is wrong (without repeating the number) otherwise.
core::Result<std::string> normalizeIban(std::string_view text);
// A BIC: 4 letters (the bank), 2 letters (the country), 2 letters or digits (the location), and
// optionally 3 letters or digits (the branch); upper case, spaces removed.
core::Result<std::string> normalizeBic(std::string_view text);

struct CreditTransfer {
  std::string endToEndId;  // unique per payout, at most 35 characters, the key of reconciliation
  int64_t amount = 0;      // minor units of currency, > 0
  std::string currency;    // ISO 4217
  std::string creditorName, creditorIban, creditorBic;  // BIC may be empty (IBAN-only SEPA)
  std::string remittance;  // unstructured remittance information (at most 140 characters)
};

struct CreditTransferBatch {
  std::string msgId;          // unique per file, at most 35 characters
  int64_t createdAt = 0;      // unix seconds: CreDtTm (UTC)
  int64_t executionDay = 0;   // days since 1970-01-01: ReqdExctnDt
  std::string initiatingName;  // InitgPty/Nm
  std::string debtorName, debtorIban, debtorBic;
  std::vector<CreditTransfer> transfers;  // at least one
};

// The document (UTF-8, escaped): one GrpHdr with MsgId, CreDtTm, NbOfTxs and CtrlSum over every
// transfer; one PmtInf per currency (PmtInfId = MsgId/currency), EUR as SEPA (SvcLvl SEPA, ChrgBr
// SLEV), others with shared charges (SHAR); one CdtTrfTxInf per transfer. Names are cut to 70
// characters (SEPA) and control characters dropped. kInvalidArgument for a batch that would not
// be a valid message (no transfer, an id too long, a bad amount or account).
core::Result<std::string> pain001(const CreditTransferBatch& batch);

// XML character data or attribute value: & < > " ' escaped, characters XML 1.0 does not allow dropped.
std::string xmlEscape(std::string_view text);

}  // namespace billing
