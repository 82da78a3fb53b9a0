#include "core/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace core {

std::string jsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "list";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number with a fraction";
    default: return "value";
  }
}

Result<Json> parseJsonWithComments(const std::string& text, const std::string& origin) {
  // A key given twice in one object is almost always a mistake (the second would silently win):
  // refuse it, naming the key.
  std::vector<std::vector<std::string>> seen;
  std::string duplicate;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start: seen.emplace_back(); break;
      case Json::parse_event_t::object_end: if (!seen.empty()) seen.pop_back(); break;
      case Json::parse_event_t::key: {
        std::string key = parsed.get<std::string>();
        auto& keys = seen.back();
        if (std::find(keys.begin(), keys.end(), key) != keys.end() && duplicate.empty()) duplicate = key;
        keys.push_back(std::move(key));
        break;
      }
      default: break;
    }
    return true;
  };
  try {
    // nlohmann 3.11 skips // and /* */ comments when ignore_comments is true.
    Json doc = Json::parse(text, callback, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    if (!duplicate.empty()) return invalidArgument(origin + ": key '" + duplicate + "' is given twice");
    return doc;
  } catch (const Json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 3, column 5: ..."; keep
    // the part a person needs.
    std::string what = e.what();
    auto pos = what.find("parse error");
    return invalidArgument(origin + ": " + (pos == std::string::npos ? what : what.substr(pos)));
  }
}

Result<std::string> readTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errnoStatus("cannot read " + what + " " + path, errno);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return ioError("cannot read " + what + " " + path);
  return buf.str();
}

Result<Json> loadJsonFile(const std::string& path) {
  Result<std::string> text = readTextFile(path, "config file");
  if (!text.isOk()) return text.status();
  return parseJsonWithComments(*text, path);
}

Status absolutePath(const std::string& v) {
  if (v.empty() || v[0] != '/') return invalidArgument("'" + v + "' must be an absolute path");
  return Status::ok();
}

Status ipAddress(const std::string& v) {
  in6_addr a6{};
  in_addr a4{};
  if (inet_pton(AF_INET, v.c_str(), &a4) == 1 || inet_pton(AF_INET6, v.c_str(), &a6) == 1) return Status::ok();
  return invalidArgument("'" + v + "' is not an IP address");
}

}  // namespace core
