#include "billing/payments/bank_statement.h"

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/proration.h"
#include "billing/rating/rules.h"

namespace billing {

namespace {

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

// "12.50" in `currency` -> minor units (>= 0), the field named in errors.
core::Result<int64_t> amountOf(const std::string& text, const std::string& currency, const std::string& where) {
  if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return core::invalidArgument(where + ": currency '" + currency.substr(0, 16) + "' is not an ISO 4217 code");
  core::Result<int64_t> minor = parseMoney(text, currency);
  if (!minor.isOk()) return core::invalidArgument(where + ": amount '" + text.substr(0, 32) + "': " + minor.status().message());
  if (*minor > kMaxPrice) return core::invalidArgument(where + ": amount '" + text.substr(0, 32) + "' is too large");
  return *minor;
}

// ---- camt.053 ----

struct Tx {
  std::string amount, currency, ref, endToEnd, name, creditor, reference, text;
};

struct CamtState {
  XML_Parser parser = nullptr;
  std::vector<std::string> path;  // local names from the root
  std::string chars;
  core::Status error;
  BankStatement out;
  std::string stmtId;  // the current Stmt's
  bool inEntry = false;
  size_t entryIndex = 0;
  // The entry being read.
  std::string amount, currency, indicator, status, booked, ref, ntryRef;
  std::vector<Tx> txs;

  void fail(const std::string& message) {
    if (!error.isOk()) return;
    error = core::invalidArgument("camt.053 line " + std::to_string(XML_GetCurrentLineNumber(parser)) + ": " + message);
    XML_StopParser(parser, XML_FALSE);
  }
  bool at(std::initializer_list<const char*> tail) const {  // the path ends with `tail`
    if (path.size() < tail.size()) return false;
    size_t i = path.size() - tail.size();
    for (const char* t : tail)
      if (path[i++] != t) return false;
    return true;
  }
  bool within(const char* name) const { return std::find(path.begin(), path.end(), name) != path.end(); }
  void finishEntry();
};

std::string localName(const char* qname) {
  const char* sep = std::strrchr(qname, '|');
  return sep ? sep + 1 : qname;
}

void CamtState::finishEntry() {
  const std::string where = "entry " + std::to_string(entryIndex + 1) + (ref.empty() ? "" : " (" + ref + ")");
  const bool debit = indicator == "DBIT";
  if ((indicator != "CRDT" && !debit) || (status != "BOOK" && !status.empty())) {
    ++out.skipped;
    return;
  }
  std::vector<BankEntry>& into = debit ? out.debits : out.entries;
  core::Result<int64_t> day = parseDay(booked.substr(0, 10), "BookgDt");
  if (!day.isOk()) return fail(where + ": BookgDt '" + booked.substr(0, 32) + "' is not a date");
  const std::string entryRef = !ref.empty() ? ref : stmtId + "/" + (!ntryRef.empty() ? ntryRef : std::to_string(entryIndex + 1));
  // One line per transaction when an entry batches several with their own amounts; else the entry.
  const bool split = txs.size() > 1 && std::all_of(txs.begin(), txs.end(), [](const Tx& t) { return !t.amount.empty(); });
  for (size_t i = 0; i < std::max<size_t>(1, split ? txs.size() : 1); ++i) {
    if (out.entries.size() + out.debits.size() >= kMaxStatementEntries)
      return fail("more than " + std::to_string(kMaxStatementEntries) + " entries");
    const Tx none;
    const Tx& t = txs.empty() ? none : txs[i];
    BankEntry e;
    e.currency = split ? t.currency : currency;
    core::Result<int64_t> minor = amountOf(split ? t.amount : amount, e.currency, where);
    if (!minor.isOk()) return fail(minor.status().message());
    if (*minor <= 0) return fail(where + ": the amount must be more than 0");
    e.amount = *minor;
    e.day = *day;
    e.ref = split ? (!t.ref.empty() ? t.ref : entryRef + "/" + std::to_string(i + 1)) : (ref.empty() && txs.size() == 1 && !t.ref.empty() ? t.ref : entryRef);
    if (!split) {  // every transaction's parties and remittance belong to the one line
      for (const Tx& x : txs) {
        if (e.name.empty()) e.name = debit ? x.creditor : x.name;
        if (e.reference.empty()) e.reference = x.reference;
        if (e.endToEndId.empty()) e.endToEndId = x.endToEnd;
        if (!x.text.empty()) e.text += (e.text.empty() ? "" : " ") + x.text;
      }
    } else {
      e.name = debit ? t.creditor : t.name;
      e.reference = t.reference;
      e.text = t.text;
      e.endToEndId = t.endToEnd;
    }
    into.push_back(std::move(e));
  }
}

void XMLCALL camtStart(void* data, const char* qname, const char** attrs) {
  auto* s = static_cast<CamtState*>(data);
  if (!s->error.isOk()) return;
  if (s->path.size() >= 64) return s->fail("nested deeper than 64 elements");
  s->path.push_back(localName(qname));
  s->chars.clear();
  const std::string& n = s->path.back();
  if (n == "Ntry" && s->at({"Stmt", "Ntry"})) {
    s->inEntry = true;
    s->amount.clear(), s->currency.clear(), s->indicator.clear(), s->status.clear(), s->booked.clear();
    s->ref.clear(), s->ntryRef.clear(), s->txs.clear();
  } else if (n == "TxDtls" && s->inEntry) {
    s->txs.emplace_back();
  } else if (n == "Amt" && s->inEntry) {
    std::string ccy;
    for (const char** a = attrs; a && *a; a += 2)
      if (localName(a[0]) == "Ccy") ccy = a[1];
    if (s->at({"Ntry", "Amt"})) s->currency = ccy;
    else if (!s->txs.empty() && (s->at({"TxDtls", "Amt"}) || s->at({"TxDtls", "AmtDtls", "TxAmt", "Amt"})))
      s->txs.back().currency = ccy;
  }
}

void XMLCALL camtEnd(void* data, const char* qname) {
  auto* s = static_cast<CamtState*>(data);
  if (!s->error.isOk() || s->path.empty()) return;
  (void)qname;
  const std::string text = trim(s->chars);
  s->chars.clear();
  if (s->at({"Stmt", "Id"})) {
    s->stmtId = text;
    if (s->out.id.empty()) s->out.id = text;
  } else if (s->at({"Stmt", "Ntry"})) {
    s->finishEntry();
    s->inEntry = false;
    ++s->entryIndex;
  } else if (s->inEntry) {
    Tx* t = s->txs.empty() || !s->within("TxDtls") ? nullptr : &s->txs.back();
    if (s->at({"Ntry", "Amt"})) s->amount = text;
    else if (s->at({"Ntry", "CdtDbtInd"})) s->indicator = text;
    else if (s->at({"Ntry", "Sts"}) || s->at({"Ntry", "Sts", "Cd"})) { if (!text.empty()) s->status = text; }
    else if (s->at({"Ntry", "BookgDt", "Dt"}) || s->at({"Ntry", "BookgDt", "DtTm"})) s->booked = text;
    else if (s->at({"Ntry", "AcctSvcrRef"})) s->ref = text;
    else if (s->at({"Ntry", "NtryRef"})) s->ntryRef = text;
    else if (t && (s->at({"TxDtls", "Amt"}) || s->at({"TxDtls", "AmtDtls", "TxAmt", "Amt"}))) { if (t->amount.empty()) t->amount = text; }
    else if (t && s->at({"TxDtls", "Refs", "AcctSvcrRef"})) t->ref = text;
    else if (t && s->at({"TxDtls", "Refs", "EndToEndId"})) t->endToEnd = text;
    else if (t && (s->at({"RltdPties", "Dbtr", "Nm"}) || s->at({"RltdPties", "Dbtr", "Pty", "Nm"}))) t->name = text;
    else if (t && (s->at({"RltdPties", "Cdtr", "Nm"}) || s->at({"RltdPties", "Cdtr", "Pty", "Nm"}))) t->creditor = text;
    else if (t && s->at({"RmtInf", "Ustrd"})) t->text += (t->text.empty() ? "" : " ") + text;
    else if (t && s->at({"RmtInf", "Strd", "CdtrRefInf", "Ref"})) t->reference = text;
  }
  s->path.pop_back();
}

void XMLCALL camtChars(void* data, const char* text, int len) {
  auto* s = static_cast<CamtState*>(data);
  if (!s->error.isOk()) return;
  if (s->chars.size() + static_cast<size_t>(len) > kMaxStatementField)
    return s->fail("the text of " + (s->path.empty() ? std::string("?") : s->path.back()) + " is longer than " +
                   std::to_string(kMaxStatementField) + " bytes");
  s->chars.append(text, static_cast<size_t>(len));
}

void XMLCALL camtDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<CamtState*>(data)->fail("a DOCTYPE is not allowed in a statement");
}

// ---- CSV ----

// The next record's cells from `pos` (RFC 4180); false at the end of the input.
core::Status nextRecord(std::string_view csv, size_t& pos, char sep, std::vector<std::string>& cells, size_t line) {
  cells.clear();
  std::string cell;
  bool quoted = false, wasQuoted = false;
  while (pos < csv.size()) {
    const char c = csv[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < csv.size() && csv[pos] == '"') {
          cell += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        cell += c;
      }
    } else if (c == '"' && cell.empty() && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c == sep) {
      cells.push_back(wasQuoted ? cell : trim(cell));
      cell.clear();
      wasQuoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < csv.size() && csv[pos] == '\n') ++pos;
      break;
    } else {
      cell += c;
    }
    if (cell.size() > kMaxStatementField)
      return core::invalidArgument("CSV line " + std::to_string(line) + ": a cell is longer than " +
                                   std::to_string(kMaxStatementField) + " bytes");
  }
  if (quoted) return core::invalidArgument("CSV line " + std::to_string(line) + ": a quoted cell is not closed");
  cells.push_back(wasQuoted ? cell : trim(cell));
  if (cells.size() > 64) return core::invalidArgument("CSV line " + std::to_string(line) + ": more than 64 columns");
  return core::Status::ok();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

core::Result<BankStatement> parseCamt053(std::string_view xml) {
  if (xml.size() > static_cast<size_t>(INT32_MAX)) return core::invalidArgument("camt.053: the file is too large");
  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> parser(XML_ParserCreateNS("UTF-8", '|'), XML_ParserFree);
  if (!parser) return core::internalError("camt.053: cannot create an XML parser");
  CamtState s;
  s.parser = parser.get();
  XML_SetUserData(parser.get(), &s);
  XML_SetElementHandler(parser.get(), camtStart, camtEnd);
  XML_SetCharacterDataHandler(parser.get(), camtChars);
  XML_SetStartDoctypeDeclHandler(parser.get(), camtDoctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  const XML_Status st = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (!s.error.isOk()) return s.error;
  if (st != XML_STATUS_OK)
    return core::invalidArgument("camt.053 line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                                 ": not well-formed XML (" + XML_ErrorString(XML_GetErrorCode(parser.get())) + ")");
  if (s.entryIndex == 0 && s.out.id.empty())
    return core::invalidArgument("camt.053: no BkToCstmrStmt/Stmt in the document");
  return std::move(s.out);
}

core::Result<BankStatement> parseBankCsv(std::string_view csv) {
  if (csv.size() >= 3 && csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // a BOM
  const size_t eol = csv.find('\n');
  const std::string_view head = csv.substr(0, eol);
  const char sep = std::count(head.begin(), head.end(), ';') > std::count(head.begin(), head.end(), ',') ? ';' : ',';
  size_t pos = 0, line = 1;
  std::vector<std::string> cells;
  EDGE_RETURN_IF_ERROR(nextRecord(csv, pos, sep, cells, line));
  int id = -1, date = -1, amount = -1, currency = -1, name = -1, reference = -1, text = -1;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string c = lower(cells[i]);
    int* slot = c == "id" ? &id : c == "date" ? &date : c == "amount" ? &amount : c == "currency" ? &currency
              : c == "name" ? &name : c == "reference" ? &reference : c == "text" ? &text : nullptr;
    if (slot == nullptr) continue;
    if (*slot >= 0) return core::invalidArgument("CSV header: column '" + c + "' appears twice");
    *slot = static_cast<int>(i);
  }
  for (auto [col, label] : {std::pair{id, "id"}, {date, "date"}, {amount, "amount"}, {currency, "currency"}})
    if (col < 0) return core::invalidArgument(std::string("CSV header: no '") + label + "' column (id, date, amount, currency are required)");
  BankStatement out;
  while (pos < csv.size()) {
    ++line;
    EDGE_RETURN_IF_ERROR(nextRecord(csv, pos, sep, cells, line));
    if (cells.size() == 1 && cells[0].empty()) continue;  // a blank line
    auto cell = [&](int col) { return col >= 0 && static_cast<size_t>(col) < cells.size() ? cells[col] : std::string(); };
    const std::string where = "CSV line " + std::to_string(line);
    BankEntry e;
    e.ref = cell(id);
    if (e.ref.empty()) return core::invalidArgument(where + ": id is empty");
    core::Result<int64_t> day = parseDay(cell(date), "date");
    if (!day.isOk()) return core::invalidArgument(where + ": " + day.status().message());
    e.day = *day;
    std::string a = cell(amount);
    if (sep == ';') std::replace(a.begin(), a.end(), ',', '.');
    const bool out_ = !a.empty() && a[0] == '-';
    if (out_ || (!a.empty() && a[0] == '+')) a.erase(0, 1);
    e.currency = cell(currency);
    EDGE_ASSIGN_OR_RETURN(e.amount, amountOf(a, e.currency, where));
    if (out_ || e.amount == 0) {
      ++out.skipped;
      continue;
    }
    e.name = cell(name);
    e.reference = cell(reference);
    e.text = cell(text);
    if (out.entries.size() >= kMaxStatementEntries)
      return core::invalidArgument("CSV: more than " + std::to_string(kMaxStatementEntries) + " lines");
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace billing
