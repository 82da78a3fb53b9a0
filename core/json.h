// The one way in for JSON from outside the process: HTTP bodies, the control socket, the sync wire,
// claim tokens, licenses and config files all go through parseJsonWithComments().
//
// Why limits: nlohmann/json parses deep nesting iteratively, but copies, compares and dump()s
// recursively, so a few hundred kilobytes of "[[[[..." crash whatever copies the document
// (FIELD-NOTES). The parser refuses a document nested deeper than JsonLimits::maxDepth, or larger
// than maxBytes, before any such copy exists. A key given twice in one object is refused, naming the
// key. // and /* */ comments are allowed (config files carry them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace core {

using Json = nlohmann::ordered_json;

struct JsonLimits {
  size_t maxBytes = 4 * 1024 * 1024;
  int maxDepth = 64;  // containers inside containers: {"a":[1]} is depth 2
};

// Errors are invalid-argument and name `origin` ("request: nested deeper than 64 levels",
// "license file: parse error at line 3, column 5: ...", "body: key 'plan' is given twice").
Result<Json> parseJsonWithComments(std::string_view text, const std::string& origin, const JsonLimits& limits = {});

// How deep `value` is nested (a scalar is 0, [] is 1); iterative, so it is safe on any value.
int jsonDepth(const Json& value);

}  // namespace core
