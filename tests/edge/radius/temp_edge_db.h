// The radius service tests' temporary edge.db: a folder under /tmp, the writer and a read connection
// on the given migrations (synchronous off: a test's crash needs no durability).
#pragma once

#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "core/store.h"

#include <CppUTest/TestHarness.h>

namespace edge::test {

inline void openTempEdgeDb(const char* prefix, const std::vector<core::Migration>& migrations, std::string& dir,
                           std::unique_ptr<core::Writer>& writer, std::unique_ptr<core::Database>& reader) {
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  CHECK(made != nullptr);
  dir = made;
  core::StoreOptions o;
  o.path = dir + "/edge.db";
  o.migrations = migrations;
  o.synchronous = core::StoreOptions::Synchronous::kOff;
  core::Result<std::unique_ptr<core::Writer>> w = core::Writer::open(o);
  CHECK_TRUE_TEXT(w.isOk(), w.status().message().c_str());
  writer = std::move(*w);
  core::Result<std::unique_ptr<core::Database>> r = core::Database::open(o);
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  reader = std::move(*r);
}

}  // namespace edge::test
