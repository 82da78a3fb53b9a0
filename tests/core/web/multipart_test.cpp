#include "core/web/multipart.h"

#include <string>

#include <CppUTest/TestHarness.h>

using core::web::MultipartLimits;
using core::web::multipartBoundary;
using core::web::parseMultipart;

namespace {

const std::string kB = "----WebKitFormBoundaryx7Yz";

std::string field(const std::string& name, const std::string& value) {
  return "--" + kB + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
}

std::string file(const std::string& name, const std::string& filename, const std::string& bytes) {
  return "--" + kB + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
         "\"\r\nContent-Type: image/png\r\n\r\n" + bytes + "\r\n";
}

std::string end() { return "--" + kB + "--\r\n"; }

}  // namespace

TEST_GROUP(WebMultipart){};

TEST(WebMultipart, Boundary) {
  STRCMP_EQUAL(kB.c_str(), multipartBoundary("multipart/form-data; boundary=" + kB).c_str());
  STRCMP_EQUAL("x-y.z", multipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"x-y.z\"").c_str());
  STRCMP_EQUAL("abc", multipartBoundary("multipart/form-data; BOUNDARY=\"abc\"").c_str());
  STRCMP_EQUAL("", multipartBoundary("application/x-www-form-urlencoded").c_str());
  STRCMP_EQUAL("", multipartBoundary("multipart/form-data").c_str());
  STRCMP_EQUAL("", multipartBoundary("multipart/form-data; boundary=").c_str());
  STRCMP_EQUAL("", multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).c_str());
  STRCMP_EQUAL("", multipartBoundary("multipart/form-data; boundary=a\r\nb").c_str());
}

TEST(WebMultipart, FileAndCsrfField) {
  const std::string bytes("\x89PNG\r\n\x1a\n\0\r\n-- binary\r\n", 22);
  auto r = parseMultipart(field("csrf", "tok123") + file("logo", "my logo.png", bytes) + end(), kB);
  CHECK_TEXT(r.isOk(), r.status().message().c_str());
  STRCMP_EQUAL("tok123", r->fields.at("csrf").c_str());
  CHECK(r->hasFile);
  STRCMP_EQUAL("logo", r->file.field.c_str());
  STRCMP_EQUAL("my logo.png", r->file.filename.c_str());
  STRCMP_EQUAL("image/png", r->file.contentType.c_str());
  CHECK(bytes == r->file.bytes);
}

TEST(WebMultipart, EmptyFileInputIsNoFile) {
  auto r = parseMultipart(field("csrf", "t") + file("logo", "", "") + end(), kB);
  CHECK_TEXT(r.isOk(), r.status().message().c_str());
  CHECK_FALSE(r->hasFile);
  LONGS_EQUAL(1, r->fields.size());
}

TEST(WebMultipart, MalformedBodiesNameTheProblem) {
  auto noClose = parseMultipart(field("csrf", "t") + "--" + kB + "\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc", kB);
  CHECK_FALSE(noClose.isOk());
  STRCMP_EQUAL("multipart: the body has no closing boundary", noClose.status().message().c_str());
  auto noName = parseMultipart("--" + kB + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n" + end(), kB);
  STRCMP_EQUAL("multipart: a part without Content-Disposition: form-data and a name", noName.status().message().c_str());
  auto twoFiles = parseMultipart(file("a", "a.png", "1") + file("b", "b.png", "2") + end(), kB);
  STRCMP_EQUAL("multipart: more than one file", twoFiles.status().message().c_str());
  auto other = parseMultipart(field("csrf", "t") + end(), "another");
  STRCMP_EQUAL("multipart: no boundary in the body", other.status().message().c_str());
  auto badHeader = parseMultipart("--" + kB + "\r\nno colon here\r\n\r\nx\r\n" + end(), kB);
  STRCMP_EQUAL("multipart: a part header without ':'", badHeader.status().message().c_str());
}

TEST(WebMultipart, LimitsAreKept) {
  MultipartLimits limits;
  limits.maxFileBytes = 10;
  limits.maxParts = 3;
  limits.maxHeaderBytes = 200;
  limits.maxFieldBytes = 8;
  limits.maxBodyBytes = 2000;
  auto bigFile = parseMultipart(file("logo", "a.png", std::string(11, 'x')) + end(), kB, limits);
  CHECK(bigFile.status().code() == core::Code::kResourceExhausted);
  STRCMP_EQUAL("logo: larger than 10 bytes", bigFile.status().message().c_str());
  CHECK(parseMultipart(file("logo", "a.png", std::string(10, 'x')) + end(), kB, limits).isOk());
  auto parts = parseMultipart(field("a", "1") + field("b", "2") + field("c", "3") + field("d", "4") + end(), kB, limits);
  STRCMP_EQUAL("the form has more than 3 parts", parts.status().message().c_str());
  auto header = parseMultipart("--" + kB + "\r\nContent-Disposition: form-data; name=\"" + std::string(300, 'n') +
                                   "\"\r\n\r\nx\r\n" + end(),
                               kB, limits);
  STRCMP_EQUAL("a part's headers are longer than 200 bytes", header.status().message().c_str());
  auto longField = parseMultipart(field("csrf", std::string(9, 'x')) + end(), kB, limits);
  STRCMP_EQUAL("csrf: longer than 8 bytes", longField.status().message().c_str());
  auto body = parseMultipart(field("a", std::string(3000, 'x')) + end(), kB, limits);
  STRCMP_EQUAL("the form is larger than 2000 bytes", body.status().message().c_str());
}
