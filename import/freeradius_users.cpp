#include "import/freeradius_users.h"

#include <cctype>

#include "aaa/auth/credentials.h"

namespace importer {
namespace {

core::Status lineError(int line, const std::string& what) {
  return core::invalidArgument("line " + std::to_string(line) + ": " + what);
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// A cursor over one line (comment-free handling is done while scanning, since '#' may sit in quotes).
struct Cursor {
  std::string_view s;
  size_t i = 0;
  int line = 0;
  void skipSpace() {
    while (i < s.size() && isSpace(s[i])) ++i;
  }
  bool atEnd() {
    skipSpace();
    return i >= s.size() || s[i] == '#';
  }
};

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':' || c == '/';
}

// A bare word (up to a space, ',' or '#') or a quoted string.
core::Result<std::string> readValue(Cursor& c, const char* what) {
  c.skipSpace();
  if (c.i >= c.s.size()) return lineError(c.line, std::string("expected ") + what);
  std::string out;
  char q = c.s[c.i];
  if (q == '"' || q == '\'' || q == '`') {
    ++c.i;
    while (true) {
      if (c.i >= c.s.size()) return lineError(c.line, std::string("unterminated quoted ") + what);
      char ch = c.s[c.i++];
      if (ch == q) break;
      if (ch == '\\' && c.i < c.s.size()) {
        char e = c.s[c.i++];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      } else {
        out += ch;
      }
    }
    return out;
  }
  while (c.i < c.s.size() && !isSpace(c.s[c.i]) && c.s[c.i] != ',' && c.s[c.i] != '#') out += c.s[c.i++];
  if (out.empty()) return lineError(c.line, std::string("expected ") + what);
  return out;
}

core::Result<std::string> readOperator(Cursor& c) {
  c.skipSpace();
  static const char* const kOps[] = {":=", "==", "+=", "!=", ">=", "<=", "=~", "!~", "=*", "!*", "=", ">", "<"};
  for (const char* op : kOps) {
    std::string_view o(op);
    if (c.s.substr(c.i, o.size()) == o) {
      c.i += o.size();
      return std::string(o);
    }
  }
  return lineError(c.line, "expected an operator (= := == += != > >= < <= =~ !~ =* !*)");
}

// Items separated by commas up to the end of the line; `trailingComma` says whether the line ended
// with one (more items follow on the next line).
core::Status readItems(Cursor& c, std::vector<UsersAttribute>& out, bool& trailingComma) {
  trailingComma = false;
  while (!c.atEnd()) {
    size_t start = c.i;
    while (c.i < c.s.size() && isNameChar(c.s[c.i])) ++c.i;
    if (c.i == start) return lineError(c.line, "expected an attribute name, found '" + std::string(1, c.s[c.i]) + "'");
    UsersAttribute a;
    a.name = std::string(c.s.substr(start, c.i - start));
    a.line = c.line;
    EDGE_ASSIGN_OR_RETURN(a.op, readOperator(c));
    EDGE_ASSIGN_OR_RETURN(a.value, readValue(c, ("a value for " + a.name).c_str()));
    out.push_back(std::move(a));
    if (c.atEnd()) return core::Status::ok();
    if (c.s[c.i] != ',') return lineError(c.line, "expected ',' after " + out.back().name);
    ++c.i;
    trailingComma = true;
    if (c.atEnd()) return core::Status::ok();
    trailingComma = false;
  }
  return core::Status::ok();
}

}  // namespace

core::Result<std::vector<UsersEntry>> parseFreeradiusUsers(std::string_view text) {
  if (text.size() > kMaxUsersFileOctets)
    return core::invalidArgument("users file: larger than " + std::to_string(kMaxUsersFileOctets >> 20) + " MiB");
  std::vector<UsersEntry> entries;
  bool inEntry = false;      // indented lines belong to the last entry
  bool expectMore = false;   // the last reply line ended with ','
  int lineNo = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineNo;
    if (line.size() > kMaxUsersLineOctets)
      return lineError(lineNo, "longer than " + std::to_string(kMaxUsersLineOctets) + " octets");
    if (line.find('\0') != std::string_view::npos) return lineError(lineNo, "contains a NUL octet");
    if (!aaa::auth::isValidUtf8(line))
      return lineError(lineNo, "not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)");
    Cursor c{line, 0, lineNo};
    if (c.atEnd()) continue;  // a blank or comment line
    if (isSpace(line[0])) {
      if (!inEntry) return lineError(lineNo, "an indented line (reply items) before any entry");
      std::vector<UsersAttribute> items;
      EDGE_RETURN_IF_ERROR(readItems(c, items, expectMore));
      UsersEntry& e = entries.back();
      for (UsersAttribute& a : items) {
        if (a.name == "Fall-Through") {
          std::string v = a.value;
          for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          e.fallThrough = v == "yes" || v == "1" || v == "true";
        } else {
          e.reply.push_back(std::move(a));
        }
      }
      continue;
    }
    if (expectMore) return lineError(lineNo - 1, "the reply list ends with ',' but the next line starts a new entry");
    if (line.substr(0, 8) == "$INCLUDE" || line.substr(0, 1) == "$")
      return lineError(lineNo, "$INCLUDE and other directives are not read: import each file by name");
    UsersEntry e;
    e.line = lineNo;
    EDGE_ASSIGN_OR_RETURN(e.name, readValue(c, "a username"));
    e.isDefault = e.name == "DEFAULT";
    bool trailing = false;
    EDGE_RETURN_IF_ERROR(readItems(c, e.check, trailing));
    if (trailing) return lineError(lineNo, "check items end with ',': reply items go on the next, indented lines");
    entries.push_back(std::move(e));
    inEntry = true;
    expectMore = false;
  }
  if (expectMore) return lineError(lineNo, "the reply list ends with ',' but the file ends");
  return entries;
}

}  // namespace importer
