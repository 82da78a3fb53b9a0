#include "core/json.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace core {
namespace {

// Thrown from the parser callback to stop at the first container past the limit, before the rest of
// the document is read.
struct TooDeep {};

// The parser's messages quote what it last read ("last read: '...'"), raw bytes of the input. An
// answer carrying such a message as JSON text would not serialize (nlohmann's dump() throws on
// bytes that are not UTF-8), and a control socket worker died of it (found by
// tests/fuzz/control_command_fuzz.cpp). Bytes outside printable ASCII are shown as \xNN.
std::string printable(const std::string& text) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

}  // namespace

Result<Json> parseJsonWithComments(std::string_view text, const std::string& origin, const JsonLimits& limits) {
  if (text.size() > limits.maxBytes)
    return invalidArgument(origin + ": " + std::to_string(text.size()) + " bytes, more than the limit of " +
                           std::to_string(limits.maxBytes));
  // A key given twice in one object is almost always a mistake (the second would silently win):
  // refuse it, naming the key.
  std::vector<std::vector<std::string>> seen;
  std::string duplicate;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
        // `depth` counts the containers around this one.
        if (depth >= limits.maxDepth) throw TooDeep{};
        seen.emplace_back();
        break;
      case Json::parse_event_t::array_start:
        if (depth >= limits.maxDepth) throw TooDeep{};
        break;
      case Json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case Json::parse_event_t::key: {
        if (seen.empty()) break;
        std::string key = parsed.get<std::string>();
        auto& keys = seen.back();
        if (duplicate.empty() && std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = key;
        keys.push_back(std::move(key));
        break;
      }
      default: break;
    }
    return true;
  };
  try {
    // nlohmann 3.11 skips // and /* */ comments when ignore_comments is true.
    Json doc = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    if (!duplicate.empty()) return invalidArgument(origin + ": key '" + duplicate + "' is given twice");
    return doc;
  } catch (const TooDeep&) {
    return invalidArgument(origin + ": nested deeper than " + std::to_string(limits.maxDepth) + " levels");
  } catch (const Json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 3, column 5: ..."; keep
    // the part a person needs.
    std::string what = e.what();
    auto pos = what.find("parse error");
    return invalidArgument(origin + ": " + printable(pos == std::string::npos ? what : what.substr(pos)));
  } catch (const Json::exception& e) {
    return invalidArgument(origin + ": " + printable(e.what()));
  }
}

int jsonDepth(const Json& value) {
  int deepest = 0;
  std::vector<std::pair<const Json*, int>> todo{{&value, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const Json& child : *v) todo.emplace_back(&child, depth + 1);
  }
  return deepest;
}

}  // namespace core
