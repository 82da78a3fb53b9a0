// multipart/form-data (RFC 7578) as a browser posts a form with a file input: a minimal, bounded
// parser for the one upload form of a surface (a file part beside a few text fields such as the
// CSRF token). Pure functions over outside input; fuzzed in tests/fuzz/web_multipart_fuzz.cpp.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace core::web {

struct MultipartLimits {
  size_t maxParts = 8;                 // parts in the body
  size_t maxHeaderBytes = 1024;        // one part's header block
  size_t maxFieldBytes = 4096;         // a text field's value
  size_t maxFileBytes = 256 * 1024;    // the file part's content
  size_t maxBodyBytes = 300 * 1024;    // the whole body
};

struct MultipartFile {
  std::string field;        // the form field's name
  std::string filename;     // as the browser sent it (display only: never a path)
  std::string contentType;  // as the browser declared it (not trusted: sniff the bytes)
  std::string bytes;
};

struct MultipartForm {
  std::map<std::string, std::string> fields;  // text parts: a repeated name keeps its last value
  bool hasFile = false;                       // one file part at most
  MultipartFile file;
};

// The boundary of a Content-Type "multipart/form-data; boundary=X" (quoted or not; 1..70 characters
// of RFC 2046's set), or "" when the header is not that.
std::string multipartBoundary(const std::string& contentType);

// Parses `body` with `boundary`. kInvalidArgument naming the problem for a malformed body (no
// closing delimiter, a part without a name, two file parts); kResourceExhausted when a limit is
// passed ("larger than N bytes" naming the field for the file).
core::Result<MultipartForm> parseMultipart(const std::string& body, const std::string& boundary,
                                             const MultipartLimits& limits = {});

}  // namespace core::web
