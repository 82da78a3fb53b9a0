// The dictionary fixture of the Dynamic Authorization client tests: loaded once, before main()
// (libfreeradius' dictionary is process-global; CppUTest's leak checker must not see it).
#pragma once

#include <string>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"

namespace aaa::radius::dynauth_testing {

constexpr const char* kSecret = "coa-secret";

inline const Dictionary& dictionary() {
  static const Dictionary d = *Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR);
  return d;
}

inline const Attributes& attributes() {
  static const Attributes a = *Attributes::resolve(dictionary());
  return a;
}

inline AttrRef attr(const char* name) {
  static const AttrRef kNone{};
  core::Result<AttrRef> r = dictionary().find(name);
  return r.isOk() ? *r : kNone;
}

}  // namespace aaa::radius::dynauth_testing
