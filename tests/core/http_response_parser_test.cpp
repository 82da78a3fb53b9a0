// The HTTPS client's response parser (core/http_response_parser.h) on responses written out by hand.
#include <string>

#include "core/http_response_parser.h"

#include <CppUTest/TestHarness.h>

namespace {

core::Status parse(const std::string& bytes, core::HttpsResponse* out = nullptr) {
  core::HttpResponseParser p(false, 1 << 20);
  core::Status s = p.feed(bytes.data(), bytes.size());
  if (s.isOk() && !p.done()) s = p.finish();
  if (out != nullptr) *out = p.response();
  return s;
}

}  // namespace

TEST_GROUP(HttpResponseParser){};

TEST(HttpResponseParser, LengthChunkedAndInterimResponses) {
  core::HttpsResponse r;
  CHECK_TRUE(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\n{}", &r).isOk());
  LONGS_EQUAL(200, r.status);
  STRCMP_EQUAL("{}", r.body.c_str());
  STRCMP_EQUAL("1, 2", r.headers["x-a"].c_str());
  CHECK_TRUE(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "2;x=y\r\nab\r\n1\r\nc\r\n0\r\nT: 1\r\n\r\n",
                   &r)
                  .isOk());
  STRCMP_EQUAL("abc", r.body.c_str());
}

TEST(HttpResponseParser, StatusOutside100To599IsRefused) {
  // Found by tests/fuzz/https_response_fuzz.cpp: "021" passed as a final response without a body.
  core::Status s = parse("HTTP/1.1 021 Odd\r\nContent-Length: 2\r\n\r\n{}");
  CHECK_TRUE(s.code() == core::Code::kCorrupt);
  STRCMP_CONTAINS("100..599", s.message().c_str());
  CHECK_FALSE(parse("HTTP/1.1 600 Nope\r\n\r\n").isOk());
  CHECK_TRUE(parse("HTTP/1.1 599 Edge\r\nContent-Length: 0\r\n\r\n").isOk());
}

TEST(HttpResponseParser, ErrorsQuoteTheResponseAsPrintableText) {
  // The message reaches JSON (`edgectl sync`), which cannot carry bytes that are not UTF-8.
  core::Status s = parse(std::string("HTTP/1.1 200 OK\r\nBad\xff Header\r\n\r\n"));
  CHECK_FALSE(s.isOk());
  STRCMP_CONTAINS("Bad\\xff Header", s.message().c_str());
  s = parse(std::string("\xfe\xff junk\r\n\r\n"));
  STRCMP_CONTAINS("\\xfe\\xff junk", s.message().c_str());
}
