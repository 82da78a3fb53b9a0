// HTTP/1.1 response parsing (RFC 7230 sections 3 and 4.1) for the HTTPS client (core/https_client.h),
// fed bytes as they arrive. A pure function of the bytes: no I/O, so it is tested and fuzzed alone
// (tests/fuzz/https_response_fuzz.cpp).
//
// Contract:
//  - feed() any split of the response; the result does not depend on how it was split.
//  - A status line "HTTP/1.x NNN ...", header lines "name: value" (names lower-cased in the result,
//    repeated ones joined with ", " except Content-Length, which must not differ), then the body by
//    RFC 7230 section 3.3.3: none (HEAD, 1xx, 204, 304), chunked (extensions and trailers
//    ignored), Content-Length, or until the connection closes (finish()). Interim 1xx responses
//    (except 101) are skipped. Obsolete line folding is refused.
//  - Limits: the header block 64 KiB, a chunk size or trailer line 4 KiB, the body maxBytes (a
//    Content-Length or the chunks beyond it: kResourceExhausted). A body delimited by the close is
//    bounded by the caller (it counts the bytes it reads).
//  - Errors are kCorrupt with what is malformed (quoting at most 80 bytes of the line).
#pragma once

#include <cstddef>
#include <string>

#include "core/https_client.h"
#include "core/status.h"

namespace core {

class HttpResponseParser {
 public:
  // `headRequest`: the request was a HEAD (no body follows whatever the headers say).
  HttpResponseParser(bool headRequest, size_t maxBytes) : headRequest_(headRequest), maxBytes_(maxBytes) {}

  // Adds received bytes; an error Status describes what is malformed.
  Status feed(const char* p, size_t n);
  // The peer closed the connection: fine only for a body delimited by the close.
  Status finish();

  bool done() const { return done_; }
  HttpsResponse& response() { return response_; }

 private:
  enum class Body { kNone, kLength, kChunked, kUntilClose };
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;
  static constexpr size_t kMaxLineBytes = 4096;

  Status advance();
  Status parseHead(const std::string& head);
  Status advanceChunks();
  // Drops consumed bytes so a long chunked body is not held twice.
  void compact();

  bool headRequest_;
  size_t maxBytes_;
  std::string buf_;
  size_t pos_ = 0;
  bool headDone_ = false;
  bool done_ = false;
  Body body_ = Body::kNone;
  size_t length_ = 0;
  Chunk chunk_ = Chunk::kSize;
  size_t chunkLeft_ = 0;
  HttpsResponse response_;
};

}  // namespace core
