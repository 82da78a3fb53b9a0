// What the Dynamic Authorization client tests share: their secret and attribute lookup, over the
// RADIUS dictionary fixture of every test (tests/support/radius_dictionary.h).
#pragma once

#include <string>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "tests/support/radius_dictionary.h"

namespace aaa::radius::dynauth_testing {

constexpr const char* kSecret = "coa-secret";

using aaa::radius::testing::attributes;
using aaa::radius::testing::dictionary;

inline AttrRef attr(const char* name) {
  static const AttrRef kNone{};
  core::Result<AttrRef> r = dictionary().find(name);
  return r.isOk() ? *r : kNone;
}

}  // namespace aaa::radius::dynauth_testing
