#include "core/web/multipart.h"

#include <cctype>
#include <utility>
#include <vector>

namespace core::web {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// RFC 2046 bchars (without the space, which may not end it and which browsers never send).
bool boundaryChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string("'()+_,-./:=?").find(c) != std::string::npos;
}

// "form-data; name="a"; filename="b.png"": the type and its parameters (names lower-cased; a quoted
// value runs to the next quote, as browsers escape a quote in a name or file name as %22).
bool parseDisposition(const std::string& value, std::string& type, std::map<std::string, std::string>& params) {
  size_t semi = value.find(';');
  type = lower(trim(value.substr(0, semi)));
  size_t pos = semi;
  while (pos != std::string::npos && pos < value.size()) {
    ++pos;  // past ';'
    size_t eq = value.find('=', pos);
    if (eq == std::string::npos) return trim(value.substr(pos)).empty();
    std::string name = lower(trim(value.substr(pos, eq - pos)));
    size_t v = value.find_first_not_of(" \t", eq + 1);
    std::string val;
    if (v != std::string::npos && value[v] == '"') {
      size_t close = value.find('"', v + 1);
      if (close == std::string::npos) return false;
      val = value.substr(v + 1, close - v - 1);
      pos = value.find(';', close + 1);
      if (pos != std::string::npos && !trim(value.substr(close + 1, pos - close - 1)).empty()) return false;
      if (pos == std::string::npos && !trim(value.substr(close + 1)).empty()) return false;
    } else {
      pos = value.find(';', eq + 1);
      val = trim(value.substr(eq + 1, pos == std::string::npos ? std::string::npos : pos - eq - 1));
    }
    if (name.empty()) return false;
    params[name] = val;
  }
  return true;
}

}  // namespace

std::string multipartBoundary(const std::string& contentType) {
  size_t semi = contentType.find(';');
  if (lower(trim(contentType.substr(0, semi))) != "multipart/form-data" || semi == std::string::npos) return "";
  std::string type;
  std::map<std::string, std::string> params;
  if (!parseDisposition(contentType, type, params)) return "";
  auto it = params.find("boundary");
  if (it == params.end()) return "";
  const std::string& b = it->second;
  if (b.empty() || b.size() > 70) return "";
  for (char c : b)
    if (!boundaryChar(c)) return "";
  return b;
}

core::Result<MultipartForm> parseMultipart(const std::string& body, const std::string& boundary,
                                           const MultipartLimits& limits) {
  if (body.size() > limits.maxBodyBytes)
    return core::resourceExhausted("the form is larger than " + std::to_string(limits.maxBodyBytes) + " bytes");
  if (boundary.empty() || boundary.size() > 70) return core::invalidArgument("multipart: no boundary");
  const std::string dash = "--" + boundary;
  const std::string delimiter = "\r\n" + dash;
  // The first delimiter: at the start, or after a preamble (which is ignored).
  size_t pos;
  if (body.compare(0, dash.size(), dash) == 0) {
    pos = dash.size();
  } else {
    size_t d = body.find(delimiter);
    if (d == std::string::npos) return core::invalidArgument("multipart: no boundary in the body");
    pos = d + delimiter.size();
  }
  MultipartForm form;
  size_t parts = 0;
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise optional padding, then CRLF.
    if (body.compare(pos, 2, "--") == 0) return form;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.compare(pos, 2, "\r\n") != 0) return core::invalidArgument("multipart: a boundary not followed by CRLF");
    pos += 2;
    if (++parts > limits.maxParts)
      return core::resourceExhausted("the form has more than " + std::to_string(limits.maxParts) + " parts");
    size_t headersEnd = body.find("\r\n\r\n", pos);
    const size_t nextDelimiter = body.find(delimiter, pos);
    if (headersEnd != std::string::npos && nextDelimiter != std::string::npos && nextDelimiter < headersEnd &&
        body.compare(pos, 2, "\r\n") != 0)
      return core::invalidArgument("multipart: a part's headers do not end");
    // A part with no header line at all starts with the blank line itself.
    std::string headerBlock;
    size_t contentStart;
    if (body.compare(pos, 2, "\r\n") == 0) {
      contentStart = pos + 2;
    } else {
      if (headersEnd == std::string::npos || headersEnd - pos > limits.maxHeaderBytes) {
        if (headersEnd == std::string::npos && body.size() - pos <= limits.maxHeaderBytes)
          return core::invalidArgument("multipart: a part's headers do not end");
        return core::resourceExhausted("a part's headers are longer than " + std::to_string(limits.maxHeaderBytes) +
                                       " bytes");
      }
      headerBlock = body.substr(pos, headersEnd - pos);
      contentStart = headersEnd + 4;
    }
    size_t next = body.find(delimiter, contentStart);
    if (next == std::string::npos) return core::invalidArgument("multipart: the body has no closing boundary");
    std::string disposition, contentType;
    size_t line = 0;
    while (line < headerBlock.size()) {
      size_t end = headerBlock.find("\r\n", line);
      if (end == std::string::npos) end = headerBlock.size();
      std::string h = headerBlock.substr(line, end - line);
      line = end + 2;
      size_t colon = h.find(':');
      if (colon == std::string::npos || colon == 0) return core::invalidArgument("multipart: a part header without ':'");
      std::string name = lower(h.substr(0, colon));
      if (name == "content-disposition") disposition = trim(h.substr(colon + 1));
      else if (name == "content-type") contentType = trim(h.substr(colon + 1));
    }
    std::string type;
    std::map<std::string, std::string> params;
    if (!parseDisposition(disposition, type, params) || type != "form-data" || params["name"].empty())
      return core::invalidArgument("multipart: a part without Content-Disposition: form-data and a name");
    const std::string& name = params["name"];
    const size_t length = next - contentStart;
    auto filename = params.find("filename");
    if (filename != params.end()) {
      // A file input left empty is sent as a part with filename="" and no content: not a file.
      if (!(filename->second.empty() && length == 0)) {
        if (form.hasFile) return core::invalidArgument("multipart: more than one file");
        if (length > limits.maxFileBytes)
          return core::resourceExhausted(name + ": larger than " + std::to_string(limits.maxFileBytes) + " bytes");
        form.hasFile = true;
        form.file = {name, filename->second, contentType, body.substr(contentStart, length)};
      }
    } else {
      if (length > limits.maxFieldBytes)
        return core::resourceExhausted(name + ": longer than " + std::to_string(limits.maxFieldBytes) + " bytes");
      form.fields[name] = body.substr(contentStart, length);
    }
    pos = next + delimiter.size();
  }
}

}  // namespace core::web
