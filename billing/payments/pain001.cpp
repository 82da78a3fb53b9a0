#include "billing/payments/pain001.h"

#include <cctype>
#include <cstdio>
#include <map>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"

namespace billing {

namespace {

bool isUpperAlpha(char c) { return c >= 'A' && c <= 'Z'; }
bool isAlnum(char c) { return isUpperAlpha(c) || (c >= '0' && c <= '9'); }

std::string compact(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != ' ') s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// IBAN lengths of the SEPA countries and a few others (ISO 13616 registry). A plain array: no
// allocation behind a lazy static.
struct IbanLength {
  const char* country;
  size_t length;
};
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23},
    {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
    {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"VA", 22}, {"TR", 26}, {"SA", 24}};

size_t ibanLength(const std::string& country) {
  for (const IbanLength& l : kIbanLengths)
    if (country == l.country) return l.length;
  return 0;
}

// UTF-8 aware: at most `max` code points, control characters dropped.
std::string cut(std::string_view text, size_t max) {
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > text.size()) break;
    if (points == max) break;
    if (c >= 0x20 && c != 0x7f) out.append(text.substr(i, len));
    else if (c == '\t' || c == '\n' || c == '\r') out += ' ';
    ++points;
    i += len;
  }
  return out;
}

std::string decimal(int64_t minor, const std::string& currency) {
  std::string s = formatMoney(minor, currency);
  return s.substr(0, s.find(' '));
}

std::string isoDateTime(int64_t unix) {
  int64_t day = unix >= 0 ? unix / 86400 : (unix - 86399) / 86400;
  int64_t secs = unix - day * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld", formatDay(day).c_str(), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

struct Writer {
  std::string out;
  int depth = 0;
  void open(const std::string& name, const std::string& attrs = "") {
    out += std::string(depth * 2, ' ') + "<" + name + attrs + ">\n";
    ++depth;
  }
  void close(const std::string& name) {
    --depth;
    out += std::string(depth * 2, ' ') + "</" + name + ">\n";
  }
  void leaf(const std::string& name, std::string_view text, const std::string& attrs = "") {
    out += std::string(depth * 2, ' ') + "<" + name + attrs + ">" + xmlEscape(text) + "</" + name + ">\n";
  }
};

// ISO 20022 Max35Text ids as banks accept them in SEPA: letters, digits and / - ? : ( ) . , ' + and space.
bool sepaId(const std::string& id) {
  if (id.empty() || id.size() > 35) return false;
  for (char c : id)
    if (!isAlnum(c) && !(c >= 'a' && c <= 'z') && std::string("/-?:().,'+ ").find(c) == std::string::npos) return false;
  return true;
}

}  // namespace

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;  // not allowed in XML 1.0
        out += ch;
    }
  }
  return out;
}

core::Result<std::string> normalizeIban(std::string_view text) {
  const std::string s = compact(text);
  if (s.size() < 15 || s.size() > 34) return core::invalidArgument("not an IBAN: it has 15 to 34 letters and digits");
  if (!isUpperAlpha(s[0]) || !isUpperAlpha(s[1]) || !std::isdigit(static_cast<unsigned char>(s[2])) ||
      !std::isdigit(static_cast<unsigned char>(s[3])))
    return core::invalidArgument("not an IBAN: it starts with a country code and two check digits");
  for (char c : s)
    if (!isAlnum(c)) return core::invalidArgument("not an IBAN: only letters and digits are allowed");
  const size_t known = ibanLength(s.substr(0, 2));
  if (known != 0 && known != s.size())
    return core::invalidArgument("not an IBAN: an IBAN of " + s.substr(0, 2) + " has " + std::to_string(known) +
                                 " characters, this one " + std::to_string(s.size()));
  // ISO 7064 mod 97-10 over the number with its first four characters moved to the end.
  const std::string r = s.substr(4) + s.substr(0, 4);
  int remainder = 0;
  for (char c : r) {
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    remainder = v >= 10 ? (remainder * 100 + v) % 97 : (remainder * 10 + v) % 97;
  }
  if (remainder != 1) return core::invalidArgument("not an IBAN: the check digits do not match (a typing error?)");
  return s;
}

core::Result<std::string> normalizeBic(std::string_view text) {
  const std::string s = compact(text);
  if (s.size() != 8 && s.size() != 11) return core::invalidArgument("not a BIC: it has 8 or 11 characters");
  for (size_t i = 0; i < 6; ++i)
    if (!isUpperAlpha(s[i])) return core::invalidArgument("not a BIC: it starts with 4 letters of the bank and 2 of the country");
  for (size_t i = 6; i < s.size(); ++i)
    if (!isAlnum(s[i])) return core::invalidArgument("not a BIC: location and branch are letters or digits");
  return s;
}

core::Result<std::string> pain001(const CreditTransferBatch& b) {
  if (b.transfers.empty()) return core::invalidArgument("pain.001: no payout to pay");
  if (!sepaId(b.msgId)) return core::invalidArgument("pain.001: MsgId '" + b.msgId.substr(0, 40) + "' is not 1..35 plain characters");
  EDGE_RETURN_IF_ERROR(normalizeIban(b.debtorIban).status().withContext("debtor IBAN"));
  if (!b.debtorBic.empty()) EDGE_RETURN_IF_ERROR(normalizeBic(b.debtorBic).status().withContext("debtor BIC"));
  if (cut(b.debtorName, 70).empty()) return core::invalidArgument("debtor name: empty");
  std::map<std::string, std::vector<const CreditTransfer*>> byCurrency;
  int64_t total = 0;
  std::map<std::string, int64_t> sums;
  for (const CreditTransfer& t : b.transfers) {
    if (!sepaId(t.endToEndId))
      return core::invalidArgument("pain.001: EndToEndId '" + t.endToEndId.substr(0, 40) + "' is not 1..35 plain characters");
    if (t.amount <= 0 || t.amount > 99999999999) return core::invalidArgument("pain.001: " + t.endToEndId + ": the amount must be more than 0");
    if (t.currency.size() != 3 || !isUpperAlpha(t.currency[0]) || !isUpperAlpha(t.currency[1]) || !isUpperAlpha(t.currency[2]))
      return core::invalidArgument("pain.001: " + t.endToEndId + ": currency '" + t.currency.substr(0, 8) + "' is not ISO 4217");
    EDGE_RETURN_IF_ERROR(normalizeIban(t.creditorIban).status().withContext("pain.001: " + t.endToEndId + ": IBAN"));
    if (!t.creditorBic.empty())
      EDGE_RETURN_IF_ERROR(normalizeBic(t.creditorBic).status().withContext("pain.001: " + t.endToEndId + ": BIC"));
    if (cut(t.creditorName, 70).empty()) return core::invalidArgument("pain.001: " + t.endToEndId + ": the creditor has no name");
    byCurrency[t.currency].push_back(&t);
    sums[t.currency] += t.amount;
  }
  // CtrlSum is a plain decimal sum of the amounts as written (currencies with different decimals
  // add up as the numbers they are).
  auto asDecimal = [](int64_t minor, const std::string& ccy) { return decimal(minor, ccy); };
  // The group's control sum: add the decimals exactly (scaled to 4 fraction digits).
  int64_t ctrl4 = 0;
  for (const auto& [ccy, sum] : sums) {
    const std::string d = asDecimal(sum, ccy);
    const size_t dot = d.find('.');
    const std::string whole = d.substr(0, dot), frac = dot == std::string::npos ? "" : d.substr(dot + 1);
    ctrl4 += std::stoll(whole) * 10000 + (frac.empty() ? 0 : std::stoll((frac + "0000").substr(0, 4)));
  }
  total = ctrl4;
  char ctrl[40];
  std::snprintf(ctrl, sizeof ctrl, "%lld.%02lld", static_cast<long long>(total / 10000),
                static_cast<long long>(total % 10000 / 100));
  std::string ctrlText = ctrl;
  if (total % 100 != 0) {
    std::snprintf(ctrl, sizeof ctrl, "%lld.%04lld", static_cast<long long>(total / 10000), static_cast<long long>(total % 10000));
    ctrlText = ctrl;
  }

  Writer w;
  w.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  w.open("Document", " xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\" "
                     "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"");
  w.open("CstmrCdtTrfInitn");
  w.open("GrpHdr");
  w.leaf("MsgId", b.msgId);
  w.leaf("CreDtTm", isoDateTime(b.createdAt));
  w.leaf("NbOfTxs", std::to_string(b.transfers.size()));
  w.leaf("CtrlSum", ctrlText);
  w.open("InitgPty");
  w.leaf("Nm", cut(b.initiatingName.empty() ? b.debtorName : b.initiatingName, 70));
  w.close("InitgPty");
  w.close("GrpHdr");
  for (const auto& [ccy, transfers] : byCurrency) {
    const bool sepa = ccy == "EUR";
    w.open("PmtInf");
    w.leaf("PmtInfId", (b.msgId.substr(0, 31) + "/" + ccy));
    w.leaf("PmtMtd", "TRF");
    w.leaf("NbOfTxs", std::to_string(transfers.size()));
    w.leaf("CtrlSum", decimal(sums[ccy], ccy));
    if (sepa) {
      w.open("PmtTpInf");
      w.open("SvcLvl");
      w.leaf("Cd", "SEPA");
      w.close("SvcLvl");
      w.close("PmtTpInf");
    }
    w.leaf("ReqdExctnDt", formatDay(b.executionDay));
    w.open("Dbtr");
    w.leaf("Nm", cut(b.debtorName, 70));
    w.close("Dbtr");
    w.open("DbtrAcct");
    w.open("Id");
    w.leaf("IBAN", *normalizeIban(b.debtorIban));
    w.close("Id");
    w.close("DbtrAcct");
    w.open("DbtrAgt");
    w.open("FinInstnId");
    if (!b.debtorBic.empty()) {
      w.leaf("BIC", *normalizeBic(b.debtorBic));
    } else {
      w.open("Othr");
      w.leaf("Id", "NOTPROVIDED");
      w.close("Othr");
    }
    w.close("FinInstnId");
    w.close("DbtrAgt");
    w.leaf("ChrgBr", sepa ? "SLEV" : "SHAR");
    for (const CreditTransfer* t : transfers) {
      w.open("CdtTrfTxInf");
      w.open("PmtId");
      w.leaf("EndToEndId", t->endToEndId);
      w.close("PmtId");
      w.open("Amt");
      w.leaf("InstdAmt", decimal(t->amount, t->currency), " Ccy=\"" + xmlEscape(t->currency) + "\"");
      w.close("Amt");
      if (!t->creditorBic.empty()) {
        w.open("CdtrAgt");
        w.open("FinInstnId");
        w.leaf("BIC", *normalizeBic(t->creditorBic));
        w.close("FinInstnId");
        w.close("CdtrAgt");
      }
      w.open("Cdtr");
      w.leaf("Nm", cut(t->creditorName, 70));
      w.close("Cdtr");
      w.open("CdtrAcct");
      w.open("Id");
      w.leaf("IBAN", *normalizeIban(t->creditorIban));
      w.close("Id");
      w.close("CdtrAcct");
      if (!t->remittance.empty()) {
        w.open("RmtInf");
        w.leaf("Ustrd", cut(t->remittance, 140));
        w.close("RmtInf");
      }
      w.close("CdtTrfTxInf");
    }
    w.close("PmtInf");
  }
  w.close("CstmrCdtTrfInitn");
  w.close("Document");
  return w.out;
}

}  // namespace billing
