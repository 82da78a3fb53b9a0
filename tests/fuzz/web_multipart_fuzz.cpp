// What a browser uploads to a web surface (core/web/multipart.h, core/web/image.h): a
// multipart/form-data body with one file (a tenant's logo in the console), its Content-Type header,
// and the image bytes sniffed for their type and dimensions. A signed-in admin sends these, but the
// parser runs before the CSRF token and the role are known.
// Input: a selector octet (0 a body, 1 image bytes, 2 a Content-Type header, 3 a form built from the
// input), then the data.
// Properties: a parsed body keeps the limits (parts, field and file sizes); a sniffed image starts
// with the PNG or JPEG signature and has non-zero dimensions; a boundary found is 1..70 characters
// that appear in the header; a form encoded here decodes to the same fields and file.
#include <cstdint>
#include <map>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/web/image.h"
#include "core/web/multipart.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "web_multipart";
const std::string kBoundary = "----fuzzB0undary";

core::web::MultipartLimits smallLimits() {
  core::web::MultipartLimits l;
  l.maxParts = 4;
  l.maxHeaderBytes = 256;
  l.maxFieldBytes = 64;
  l.maxFileBytes = 512;
  l.maxBodyBytes = 4096;
  return l;
}

// Text without the characters a name may not carry in this encoder (quote, CR, LF).
std::string plain(std::string s) {
  for (char& c : s)
    if (c == '"' || c == '\r' || c == '\n') c = '_';
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const core::web::MultipartLimits limits = smallLimits();
  switch (data[0] % 4) {
    case 0: {
      auto form = core::web::parseMultipart(text, kBoundary, limits);
      if (!form.isOk()) break;
      FUZZ_CHECK(form->fields.size() + (form->hasFile ? 1 : 0) <= limits.maxParts, "more parts than the limit");
      for (const auto& [k, v] : form->fields) {
        FUZZ_CHECK(!k.empty(), "a field without a name");
        FUZZ_CHECK(v.size() <= limits.maxFieldBytes, "a field longer than the limit");
        FUZZ_CHECK(text.find(v) != std::string::npos, "a field value not in the body");
      }
      if (form->hasFile) {
        FUZZ_CHECK(form->file.bytes.size() <= limits.maxFileBytes, "a file larger than the limit");
        FUZZ_CHECK(text.find(form->file.bytes) != std::string::npos, "file bytes not in the body");
        FUZZ_CHECK(form->file.bytes.find("\r\n--" + kBoundary) == std::string::npos, "a delimiter inside the file");
      }
      break;
    }
    case 1: {
      auto image = core::web::sniffImage(text);
      if (!image.isOk()) {
        FUZZ_CHECK(image.status().message() == "not a PNG or JPEG", "refusal '" + image.status().message() + "'");
        break;
      }
      FUZZ_CHECK(image->width > 0 && image->height > 0, "an image of zero size");
      if (image->contentType == "image/png") {
        FUZZ_CHECK(text.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0, "png without its signature");
      } else {
        FUZZ_CHECK(image->contentType == "image/jpeg", "type " + image->contentType);
        FUZZ_CHECK(text.size() >= 3 && text.compare(0, 3, "\xff\xd8\xff") == 0, "jpeg without SOI");
        FUZZ_CHECK(image->width <= 65535 && image->height <= 65535, "jpeg dimensions past 16 bits");
      }
      break;
    }
    case 2: {
      const std::string b = core::web::multipartBoundary(text);
      if (b.empty()) break;
      FUZZ_CHECK(b.size() <= 70, "a boundary longer than 70");
      FUZZ_CHECK(text.find(b) != std::string::npos, "a boundary not in the header");
      FUZZ_CHECK(b.find_first_of(" \r\n\"") == std::string::npos, "a boundary with a space, quote or line break");
      break;
    }
    default: {
      FuzzedDataProvider in(data + 1, size - 1);
      std::map<std::string, std::string> fields;
      const int n = in.ConsumeIntegralInRange<int>(0, 3);
      for (int i = 0; i < n; ++i) {
        std::string name = plain(in.ConsumeRandomLengthString(20));
        if (name.empty()) name = "f" + std::to_string(i);
        fields[name] = in.ConsumeRandomLengthString(limits.maxFieldBytes);
      }
      const std::string filename = plain(in.ConsumeRandomLengthString(20));
      const std::string bytes = in.ConsumeRandomLengthString(limits.maxFileBytes);
      const bool withFile = !(filename.empty() && bytes.empty()) && fields.count("file") == 0;
      std::string body;
      for (const auto& [k, v] : fields)
        body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
      if (withFile)
        body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
                "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
      body += "--" + kBoundary + "--\r\n";
      // A value holding the delimiter would end its part early: the browser picks a boundary that
      // does not occur, so skip those.
      if (body.size() > limits.maxBodyBytes) break;
      bool clash = false;
      for (const auto& [k, v] : fields) clash = clash || (v + "\r\n").find("\r\n--" + kBoundary) != std::string::npos;
      clash = clash || (bytes + "\r\n").find("\r\n--" + kBoundary) != std::string::npos;
      if (clash) break;
      auto form = core::web::parseMultipart(body, kBoundary, limits);
      FUZZ_CHECK(form.isOk(), "an encoded form refused: " + form.status().message());
      FUZZ_CHECK(form->fields == fields, "the fields differ");
      FUZZ_CHECK(form->hasFile == withFile, "the file part differs");
      if (withFile) FUZZ_CHECK(form->file.bytes == bytes && form->file.filename == filename, "the file differs");
      break;
    }
  }
  return 0;
}
