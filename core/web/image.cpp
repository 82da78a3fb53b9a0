#include "core/web/image.h"

namespace core::web {

namespace {

uint32_t be32(const std::string& b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

uint32_t be16(const std::string& b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1]));
}

core::Status notAnImage() { return core::invalidArgument("not a PNG or JPEG"); }

}  // namespace

core::Result<ImageInfo> sniffImage(const std::string& b) {
  static const std::string kPng("\x89PNG\r\n\x1a\n", 8);
  if (b.size() >= 8 && b.compare(0, 8, kPng) == 0) {
    // The first chunk is IHDR, 13 bytes: width, height (each 1..2^31-1), ...
    if (b.size() < 8 + 8 + 13 || be32(b, 8) != 13 || b.compare(12, 4, "IHDR") != 0) return notAnImage();
    ImageInfo info{"image/png", be32(b, 16), be32(b, 20)};
    if (info.width == 0 || info.height == 0 || info.width > 0x7fffffffu || info.height > 0x7fffffffu)
      return notAnImage();
    return info;
  }
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xff && static_cast<unsigned char>(b[1]) == 0xd8 &&
      static_cast<unsigned char>(b[2]) == 0xff) {
    size_t pos = 2;
    for (;;) {
      if (pos >= b.size() || static_cast<unsigned char>(b[pos]) != 0xff) return notAnImage();
      while (pos < b.size() && static_cast<unsigned char>(b[pos]) == 0xff) ++pos;  // fill bytes
      if (pos >= b.size()) return notAnImage();
      const unsigned marker = static_cast<unsigned char>(b[pos++]);
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;  // no length
      if (marker == 0xd8 || marker == 0xd9 || marker == 0xda || marker == 0x00) return notAnImage();  // no frame before
      if (pos + 2 > b.size()) return notAnImage();
      const uint32_t length = be16(b, pos);
      if (length < 2 || pos + length > b.size()) return notAnImage();
      const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (sof) {
        // length(2) precision(1) height(2) width(2) ...
        if (length < 8) return notAnImage();
        ImageInfo info{"image/jpeg", be16(b, pos + 5), be16(b, pos + 3)};
        if (info.width == 0 || info.height == 0) return notAnImage();
        return info;
      }
      pos += length;
    }
  }
  return notAnImage();
}

}  // namespace core::web
