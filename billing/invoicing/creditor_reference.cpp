#include "billing/invoicing/creditor_reference.h"

#include <cctype>

namespace billing {

namespace {

bool validBody(const std::string& body) {
  if (body.empty() || body.size() > 21) return false;
  for (char c : body)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'A' && c <= 'Z')) return false;
  return true;
}

// The number the characters spell (A = 10 ... Z = 35), mod 97, digit by digit.
int mod97(const std::string& chars) {
  int r = 0;
  for (char c : chars) {
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

core::Result<std::string> creditorReference(const std::string& text) {
  const std::string body = upper(text);
  if (!validBody(body))
    return core::invalidArgument("reference '" + text + "': expected 1 to 21 letters or digits");
  const int check = 98 - mod97(body + "RF00");
  return "RF" + std::string(check < 10 ? "0" : "") + std::to_string(check) + body;
}

core::Result<std::string> parseCreditorReference(const std::string& text) {
  std::string s;
  for (char c : text)
    if (c != ' ') s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.size() < 5 || s.size() > 25 || s.compare(0, 2, "RF") != 0 || !std::isdigit(static_cast<unsigned char>(s[2])) ||
      !std::isdigit(static_cast<unsigned char>(s[3])) || !validBody(s.substr(4)))
    return core::invalidArgument("reference '" + text + "': expected RF, two check digits and 1 to 21 letters or digits");
  // ISO 7064 MOD 97-10 check digits are 02..98: 00, 01 and 99 never come out of the computation
  // (01 and 98 would both pass the mod-97 test for the same body).
  const int check = (s[2] - '0') * 10 + (s[3] - '0');
  if (check < 2 || check > 98 || mod97(s.substr(4) + s.substr(0, 4)) != 1)
    return core::invalidArgument("reference '" + text + "': its check digits are wrong");
  return s;
}

std::string formatCreditorReference(const std::string& reference) {
  std::string out;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += reference[i];
  }
  return out;
}

}  // namespace billing
