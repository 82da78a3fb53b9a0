#include "core/web/form.h"

#include <cctype>

#include "core/html.h"
#include "core/ids.h"

namespace core::web {

std::string urlDecode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string urlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

std::map<std::string, std::string> parseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    size_t eq = body.find('=', pos);
    if (eq != std::string::npos && eq < amp)
      out[urlDecode(body.substr(pos, eq - pos))] = urlDecode(body.substr(eq + 1, amp - eq - 1));
    pos = amp + 1;
  }
  return out;
}

void FieldErrors::add(const std::string& field, const std::string& message) { errors_.emplace(field, message); }

std::string FieldErrors::of(const std::string& field) const {
  auto it = errors_.find(field);
  return it == errors_.end() ? std::string() : it->second;
}

std::string renderField(const Field& f) {
  const std::string id = htmlEscape(f.id.empty() ? f.name : f.id);
  std::string out;
  if (!f.label.empty()) out += "<label for=\"" + id + "\">" + htmlEscape(f.label) + "</label>";
  out += "<input id=\"" + id + "\" type=\"" + htmlEscape(f.type) + "\" name=\"" + htmlEscape(f.name) + "\"";
  // A password typed once is never sent back in a page.
  if (!f.value.empty() && f.type != "password") out += " value=\"" + htmlEscape(f.value) + "\"";
  for (const auto& [name, value] : f.attributes) {
    out += " " + htmlEscape(name);
    if (!value.empty()) out += "=\"" + htmlEscape(value) + "\"";
  }
  if (!f.error.empty()) out += " aria-invalid=\"true\" aria-describedby=\"" + id + "-error\"";
  out += ">";
  if (!f.error.empty()) out += "<p class=\"field-error\" id=\"" + id + "-error\">" + htmlEscape(f.error) + "</p>";
  return out;
}

}  // namespace core::web
