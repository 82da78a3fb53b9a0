// The RADIUS dictionary fixture every test of the codec, the servers and the CoA client shares:
// Debian's FreeRADIUS dictionaries (EDGE_FREERADIUS_DICTIONARY_DIR, defined by the test target's
// CMakeLists.txt), loaded once per process, before main().
//
// libfreeradius 3.2.1's dictionary is process-global and is loaded once (aaa/radius/fr_shim.h);
// loading it before main() keeps what the fixture holds out of CppUTest's leak accounting. A test
// binary that cannot load the dictionaries stops at start and says why.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"

#ifndef EDGE_FREERADIUS_DICTIONARY_DIR
#error "EDGE_FREERADIUS_DICTIONARY_DIR must be defined by the test target (FREERADIUS_DICTIONARY_DIR)"
#endif

namespace aaa::radius::testing {

template <class T>
const T& loadedOrExit(core::Result<T> result, const char* what) {
  if (!result.isOk()) {
    std::fprintf(stderr, "the RADIUS dictionary fixture: %s: %s\n", what, result.status().toString().c_str());
    std::exit(2);
  }
  static const T value = std::move(*result);
  return value;
}

inline const Dictionary& dictionary() {
  static const Dictionary& d = loadedOrExit(Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR), "loading");
  return d;
}

inline const Attributes& attributes() {
  static const Attributes& a = loadedOrExit(Attributes::resolve(dictionary()), "resolving the attributes");
  return a;
}

// Both are made before main() in every test binary that includes this header.
inline const Attributes& kFixtureLoadedBeforeMain = attributes();

}  // namespace aaa::radius::testing
