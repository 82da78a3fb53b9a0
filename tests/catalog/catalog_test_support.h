// Helpers of the catalog tests: arguments as the CLI sends them (every value a text).
#pragma once

#include <string>

#include "core/command_args.h"
#include "core/json.h"
#include "core/status.h"

namespace catalog_test {

// A failed Status's code and message, checked together.
#define CHECK_STATUS(expectedCode, expectedMessage, status)                   \
  do {                                                                        \
    const ::core::Status s_ = (status);                                       \
    CHECK_FALSE_TEXT(s_.isOk(), "expected a failure: " expectedMessage);      \
    CHECK_TRUE_TEXT(s_.code() == (expectedCode), s_.toString().c_str());      \
    STRCMP_EQUAL(expectedMessage, s_.message().c_str());                      \
  } while (0)

// `args` with `key` set to `value`.
inline core::Json with(core::Json args, const std::string& key, core::Json value) {
  args[key] = std::move(value);
  return args;
}

}  // namespace catalog_test
