#include "core/status.h"

#include <cerrno>

#include <CppUTest/TestHarness.h>

TEST_GROUP(Status){};

TEST(Status, DefaultIsOk) {
  core::Status s;
  CHECK_TRUE(s.isOk());
  STRCMP_EQUAL("ok", s.toString().c_str());
}

TEST(Status, ContextIsPrefixed) {
  core::Status s = core::notFound("no such user").withContext("authorize");
  CHECK_FALSE(s.isOk());
  CHECK(s.code() == core::Code::kNotFound);
  STRCMP_EQUAL("authorize: no such user", s.message().c_str());
  STRCMP_EQUAL("not-found: authorize: no such user", s.toString().c_str());
}

TEST(Status, ErrnoMapsToCode) {
  CHECK(core::errnoStatus("x", ENOSPC).code() == core::Code::kResourceExhausted);
  CHECK(core::errnoStatus("x", EROFS).code() == core::Code::kPermissionDenied);
  CHECK(core::errnoStatus("x", ENOENT).code() == core::Code::kNotFound);
  STRCMP_EQUAL("opening /x: No such file or directory", core::errnoStatus("opening /x", ENOENT).message().c_str());
}

TEST(Status, ResultCarriesValueOrStatus) {
  core::Result<int> good(42);
  CHECK_TRUE(good.isOk());
  LONGS_EQUAL(42, *good);
  core::Result<int> bad(core::invalidArgument("nope"));
  CHECK_FALSE(bad.isOk());
  STRCMP_EQUAL("nope", bad.status().message().c_str());
  // An ok Status without a value is a bug and must not look like success.
  core::Result<int> broken(core::Status::ok());
  CHECK_FALSE(broken.isOk());
  CHECK(broken.status().code() == core::Code::kInternal);
}
