// The one code -> HTTP status mapping of mgmtd's APIs (core/command's): what a service's refusal
// becomes on the device and admin APIs.
#include "mgmt/api/api_status.h"

#include <CppUTest/TestHarness.h>

using mgmt::api::httpStatusOf;

TEST_GROUP(ApiStatus){};

TEST(ApiStatus, CodesGiveTheCommandLayersStatuses) {
  CHECK_EQUAL(400, httpStatusOf(core::Code::kInvalidArgument));
  CHECK_EQUAL(403, httpStatusOf(core::Code::kPermissionDenied));
  CHECK_EQUAL(404, httpStatusOf(core::Code::kNotFound));
  CHECK_EQUAL(409, httpStatusOf(core::Code::kAlreadyExists));
  CHECK_EQUAL(503, httpStatusOf(core::Code::kUnavailable));
  CHECK_EQUAL(500, httpStatusOf(core::Code::kInternal));
  core::HttpResponse r = mgmt::api::errorResponse(core::permissionDenied("this device has been revoked"));
  CHECK_EQUAL(403, r.status);
  CHECK_TRUE(r.body.find("this device has been revoked") != std::string::npos);
}
