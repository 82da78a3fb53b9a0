#include "core/web/image.h"

#include <string>

#include <CppUTest/TestHarness.h>

using core::web::sniffImage;

namespace {

std::string png(uint32_t w, uint32_t h) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += std::string("\0\0\0\x0d", 4) + "IHDR";
  for (uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((v >> s) & 0xff);
  b += std::string("\x08\x06\0\0\0", 5);
  b += std::string("\0\0\0\0", 4);  // CRC (not checked)
  return b;
}

// SOI, an APP0 (JFIF) segment, then a SOF marker with the given height and width.
std::string jpeg(unsigned sof, uint32_t w, uint32_t h) {
  std::string b("\xff\xd8", 2);
  b += std::string("\xff\xe0\x00\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 18);
  b += std::string("\xff", 1) + static_cast<char>(sof);
  b += std::string("\x00\x11\x08", 3);
  b += static_cast<char>(h >> 8);
  b += static_cast<char>(h & 0xff);
  b += static_cast<char>(w >> 8);
  b += static_cast<char>(w & 0xff);
  b += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  return b;
}

}  // namespace

TEST_GROUP(WebImage){};

TEST(WebImage, PngDimensionsFromIhdr) {
  auto r = sniffImage(png(640, 200));
  CHECK_TEXT(r.isOk(), r.status().message().c_str());
  STRCMP_EQUAL("image/png", r->contentType.c_str());
  LONGS_EQUAL(640, r->width);
  LONGS_EQUAL(200, r->height);
  auto big = sniffImage(png(5000, 1));
  CHECK(big.isOk());
  LONGS_EQUAL(5000, big->width);
}

TEST(WebImage, JpegDimensionsFromFrameHeader) {
  auto r = sniffImage(jpeg(0xc0, 300, 120));
  CHECK_TEXT(r.isOk(), r.status().message().c_str());
  STRCMP_EQUAL("image/jpeg", r->contentType.c_str());
  LONGS_EQUAL(300, r->width);
  LONGS_EQUAL(120, r->height);
  auto progressive = sniffImage(jpeg(0xc2, 2048, 16));
  CHECK(progressive.isOk());
  LONGS_EQUAL(2048, progressive->width);
  // DHT (0xc4) is not a frame header: the segment walk goes on and finds no frame.
  CHECK_FALSE(sniffImage(jpeg(0xc4, 10, 10)).isOk());
}

TEST(WebImage, RefusesSvgGifTextAndTruncatedHeaders) {
  for (const std::string& bad :
       {std::string("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
        std::string("<?xml version=\"1.0\"?><svg/>"), std::string("GIF89a\x01\0\x01\0", 10), std::string("hello"),
        std::string(), png(10, 10).substr(0, 20), jpeg(0xc0, 10, 10).substr(0, 24), png(0, 10), jpeg(0xc0, 0, 10),
        std::string("\xff\xd8\xff\xd9", 4)}) {
    auto r = sniffImage(bad);
    CHECK_FALSE(r.isOk());
    STRCMP_EQUAL("not a PNG or JPEG", r.status().message().c_str());
  }
}
