// Helpers of the importer tests: one subscriber or plan of a mapped import by name (a test fails when
// it is missing), and whether any warning mentions a text.
#pragma once

#include <string>
#include <vector>

#include "import/mapping.h"

#include <CppUTest/TestHarness.h>

namespace import_test {

inline const importer::MappedSubscriber& find(const importer::ImportPlan& p, const std::string& name) {
  for (const auto& s : p.subscribers)
    if (s.username == name) return s;
  FAIL(("no subscriber " + name).c_str());
  return p.subscribers.front();
}

inline const importer::MappedPlan& plan(const importer::ImportPlan& p, const std::string& name) {
  for (const auto& x : p.plans)
    if (x.name == name) return x;
  FAIL(("no plan " + name).c_str());
  return p.plans.front();
}

// The plan named `name`, or null when the import has none.
inline const importer::MappedPlan* planOrNull(const importer::ImportPlan& p, const std::string& name) {
  for (const auto& x : p.plans)
    if (x.name == name) return &x;
  return nullptr;
}

inline bool hasWarning(const std::vector<std::string>& warnings, const std::string& part) {
  for (const std::string& w : warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace import_test
