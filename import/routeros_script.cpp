#include "import/routeros_script.h"

#include <cctype>

#include "aaa/auth/credentials.h"
#include "core/ids.h"

namespace importer {
namespace {

core::Status errorAt(int line, const std::string& what) {
  return core::invalidArgument("line " + std::to_string(line) + ": " + what);
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool isVerb(const std::string& w) {
  for (const char* v : {"add", "set", "remove", "unset", "enable", "disable", "comment", "move", "reset", "print",
                        "export", "edit", "find"})
    if (w == v) return true;
  return false;
}

struct Token {
  std::string key;    // the word, or the part before '='
  std::string value;  // after '='
  bool hasValue = false;
  bool quotedKey = false;
};

class Reader {
 public:
  explicit Reader(std::string_view text) : t_(text) {}

  // The next command's tokens (empty at the end), with the line it starts on.
  core::Status next(std::vector<Token>* out, int* startLine) {
    out->clear();
    // Blank and comment lines.
    for (;;) {
      while (i_ < t_.size() && blank(t_[i_])) ++i_;
      if (i_ >= t_.size()) return core::Status::ok();
      if (t_[i_] == '\n') {
        ++i_;
        ++line_;
        continue;
      }
      if (t_[i_] == '#') {
        while (i_ < t_.size() && t_[i_] != '\n') ++i_;
        continue;
      }
      break;
    }
    *startLine = line_;
    size_t commandStart = i_;
    for (;;) {
      if (i_ - commandStart > kMaxRouterOsCommandOctets)
        return errorAt(*startLine, "a command longer than " + std::to_string(kMaxRouterOsCommandOctets >> 10) + " KiB");
      while (i_ < t_.size() && blank(t_[i_])) ++i_;
      if (i_ >= t_.size()) return core::Status::ok();
      char c = t_[i_];
      if (c == '\n') {
        ++i_;
        ++line_;
        return core::Status::ok();
      }
      if (c == '\\' && continuesLine(i_ + 1)) {
        EDGE_RETURN_IF_ERROR(continueLine());
        continue;
      }
      if (out->size() == kMaxRouterOsArgs + 2)
        return errorAt(*startLine, "more than " + std::to_string(kMaxRouterOsArgs) + " arguments in one command");
      Token tok;
      EDGE_RETURN_IF_ERROR(word(&tok));
      out->push_back(std::move(tok));
    }
  }

 private:
  // Whether the characters from `j` are blanks up to the end of the line (a continuation).
  bool continuesLine(size_t j) const {
    while (j < t_.size() && t_[j] == '\r') ++j;
    return j >= t_.size() || t_[j] == '\n';
  }
  // Past the '\', the line end and the next line's leading blanks.
  core::Status continueLine() {
    ++i_;
    while (i_ < t_.size() && t_[i_] == '\r') ++i_;
    if (i_ >= t_.size()) return errorAt(line_, "the last line ends in '\\' (a continuation of nothing)");
    ++i_;
    ++line_;
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t')) ++i_;
    return core::Status::ok();
  }

  core::Status quoted(std::string* into) {
    int opened = line_;
    ++i_;  // the opening quote
    for (;;) {
      if (i_ >= t_.size()) return errorAt(opened, "a string that never ends (no closing '\"')");
      char c = t_[i_];
      if (c == '"') {
        ++i_;
        return core::Status::ok();
      }
      if (c == '\n') return errorAt(line_, "a line ends inside a string (end the line with '\\' to continue it)");
      if (c != '\\') {
        into->push_back(c);
        ++i_;
        continue;
      }
      if (continuesLine(i_ + 1)) {
        EDGE_RETURN_IF_ERROR(continueLine());
        continue;
      }
      char e = t_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '"': case '\\': case '$': case '?': into->push_back(e); break;
        case '_': into->push_back(' '); break;
        case 'n': into->push_back('\n'); break;
        case 'r': into->push_back('\r'); break;
        case 't': into->push_back('\t'); break;
        case 'a': into->push_back('\a'); break;
        case 'b': into->push_back('\b'); break;
        case 'f': into->push_back('\f'); break;
        case 'v': into->push_back('\v'); break;
        default: {
          int hi = core::hexValue(e), lo = i_ < t_.size() ? core::hexValue(t_[i_]) : -1;
          if (hi < 0 || lo < 0)
            return errorAt(line_, std::string("unknown escape '\\") + (std::isprint(static_cast<unsigned char>(e)) ? std::string(1, e) : "?") +
                                      "' in a string");
          into->push_back(static_cast<char>(hi * 16 + lo));
          ++i_;
        }
      }
    }
  }

  // A bare run up to a blank or the line end; '"' inside it is an error.
  core::Status bare(std::string* into, bool stopAtEquals) {
    while (i_ < t_.size() && !blank(t_[i_]) && t_[i_] != '\n') {
      char c = t_[i_];
      if (stopAtEquals && c == '=') return core::Status::ok();
      if (c == '"') return errorAt(line_, "a '\"' inside a bare word (quote the whole value)");
      if (c == '\\') {
        // An export wraps long lines anywhere, even inside a word: the next line's text joins it.
        if (continuesLine(i_ + 1)) {
          EDGE_RETURN_IF_ERROR(continueLine());
          continue;
        }
        return errorAt(line_, "a '\\' outside a string");
      }
      into->push_back(c);
      ++i_;
    }
    return core::Status::ok();
  }

  // `[ ... ]`, nested, strings inside; kept as one word.
  core::Status bracket(std::string* into) {
    int opened = line_, depth = 0;
    for (;;) {
      if (i_ >= t_.size()) return errorAt(opened, "a '[' that is never closed");
      char c = t_[i_];
      if (c == '\n') return errorAt(line_, "a line ends inside '[ ... ]'");
      if (c == '\\' && continuesLine(i_ + 1)) {
        EDGE_RETURN_IF_ERROR(continueLine());
        into->push_back(' ');
        continue;
      }
      if (c == '"') {
        std::string s;
        EDGE_RETURN_IF_ERROR(quoted(&s));
        *into += "\"" + s + "\"";
        continue;
      }
      into->push_back(c);
      ++i_;
      if (c == '[') ++depth;
      if (c == ']' && --depth == 0) return core::Status::ok();
    }
  }

  core::Status word(Token* tok) {
    if (t_[i_] == '[') return bracket(&tok->key);
    if (t_[i_] == '"') {
      tok->quotedKey = true;
      return quoted(&tok->key);
    }
    EDGE_RETURN_IF_ERROR(bare(&tok->key, true));
    if (i_ < t_.size() && t_[i_] == '=') {
      ++i_;
      tok->hasValue = true;
      if (tok->key.empty()) return errorAt(line_, "'=' without a name before it");
      while (i_ < t_.size() && t_[i_] == '\\' && continuesLine(i_ + 1)) EDGE_RETURN_IF_ERROR(continueLine());
      if (i_ < t_.size() && t_[i_] == '"') return quoted(&tok->value);
      return bare(&tok->value, false);
    }
    return core::Status::ok();
  }

  std::string_view t_;
  size_t i_ = 0;
  int line_ = 1;
};

std::string normalizePath(const std::string& word) {
  std::string p = "/";
  for (size_t i = 1; i < word.size(); ++i) p.push_back(word[i] == '/' ? ' ' : word[i]);
  while (p.size() > 1 && p.back() == ' ') p.pop_back();
  return p;
}

bool pathWord(const std::string& w) {
  if (w.empty()) return false;
  for (char c : w)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return true;
}

}  // namespace

const std::string* RouterOsCommand::find(const std::string& key) const {
  for (auto it = args.rbegin(); it != args.rend(); ++it)
    if (it->key == key && !it->bare) return &it->value;
  return nullptr;
}

core::Result<std::vector<RouterOsCommand>> parseRouterOsScript(std::string_view text) {
  if (text.size() > kMaxRouterOsScriptOctets)
    return core::invalidArgument("the script is larger than " + std::to_string(kMaxRouterOsScriptOctets >> 20) + " MiB");
  // Every line UTF-8 (the report is JSON, and names are shown as they are).
  for (size_t start = 0, n = 1; start <= text.size(); ++n) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (!aaa::auth::isValidUtf8(text.substr(start, end - start)))
      return errorAt(static_cast<int>(n), "not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)");
    start = end + 1;
  }
  std::vector<RouterOsCommand> out;
  Reader reader(text);
  std::string path;
  std::vector<Token> tokens;
  for (;;) {
    int line = 0;
    EDGE_RETURN_IF_ERROR(reader.next(&tokens, &line));
    if (tokens.empty()) break;
    size_t k = 0;
    const Token& first = tokens[0];
    if (!first.quotedKey && !first.hasValue && !first.key.empty() && first.key[0] == ':')
      return errorAt(line, "script commands (" + first.key.substr(0, 32) + ") are not read: give a plain /export");
    if (!first.quotedKey && !first.hasValue && !first.key.empty() && first.key[0] == '/') {
      path = normalizePath(first.key);
      for (k = 1; k < tokens.size(); ++k) {
        const Token& t = tokens[k];
        if (t.quotedKey || t.hasValue || !pathWord(t.key) || isVerb(t.key)) break;
        path += (path.size() > 1 ? " " : "") + t.key;
      }
      if (k == tokens.size()) continue;  // a menu path line
    }
    const Token& verb = tokens[k];
    if (verb.quotedKey || verb.hasValue || !isVerb(verb.key))
      return errorAt(line, "expected a command (add, set, remove, ...) or a menu path, not '" + verb.key.substr(0, 32) + "'");
    if (path.empty()) return errorAt(line, "'" + verb.key + "' before any menu path (/user-manager ...)");
    RouterOsCommand c;
    c.path = path;
    c.verb = verb.key;
    c.line = line;
    for (++k; k < tokens.size(); ++k) {
      RouterOsCommand::Arg a;
      a.key = std::move(tokens[k].key);
      a.value = std::move(tokens[k].value);
      a.bare = !tokens[k].hasValue;
      c.args.push_back(std::move(a));
    }
    out.push_back(std::move(c));
  }
  return out;
}

core::Result<int64_t> parseRouterOsTime(const std::string& text) {
  auto bad = [&text]() {
    return core::invalidArgument("'" + text + "' is not a RouterOS time (such as 1d2h30m, 1w, 45s or 01:30:00)");
  };
  if (text.empty() || text.size() > 40) return bad();
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i || j - i > 9) return bad();
    int64_t n = std::stoll(text.substr(i, j - i));
    if (j < text.size() && text[j] == ':') {
      // hh:mm[:ss] closes the text.
      int64_t parts[3] = {n, 0, 0};
      int count = 1;
      size_t k = j;
      while (k < text.size() && text[k] == ':' && count < 3) {
        size_t m = k + 1;
        while (m < text.size() && std::isdigit(static_cast<unsigned char>(text[m]))) ++m;
        if (m - (k + 1) != 2) return bad();
        parts[count++] = std::stoll(text.substr(k + 1, 2));
        k = m;
      }
      if (k != text.size() || count < 2 || parts[1] > 59 || parts[2] > 59) return bad();
      return total + parts[0] * 3600 + parts[1] * 60 + parts[2];
    }
    int64_t unit = 1;
    if (j < text.size()) {
      if (text.compare(j, 2, "ms") == 0) {
        unit = 0;  // below a second: dropped
        ++j;
      } else {
        switch (text[j]) {
          case 'w': unit = 7 * 86400; break;
          case 'd': unit = 86400; break;
          case 'h': unit = 3600; break;
          case 'm': unit = 60; break;
          case 's': unit = 1; break;
          default: return bad();
        }
      }
      ++j;
    } else if (any) {
      return bad();  // "1d5": a number without its unit after another part
    }
    total += n * unit;
    any = true;
    i = j;
  }
  if (!any) return bad();
  return total;
}

}  // namespace importer
