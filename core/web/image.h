// What an uploaded image really is, read from its bytes (never from its name or declared type): a
// PNG (signature, then the IHDR chunk's width and height) or a baseline/progressive JPEG (SOI, then
// the segments up to the first SOFn frame header's dimensions). Anything else, SVG included (it can
// carry script), is refused. Pure function over outside input; fuzzed in
// tests/fuzz/web_multipart_fuzz.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace core::web {

struct ImageInfo {
  std::string contentType;  // "image/png" or "image/jpeg"
  uint32_t width = 0;
  uint32_t height = 0;
};

// kInvalidArgument "not a PNG or JPEG" for anything else, a truncated or zero-sized header too.
core::Result<ImageInfo> sniffImage(const std::string& bytes);

}  // namespace core::web
