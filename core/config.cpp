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

// A NUL ends the text for every C API these values go to (inet_pton, open, Net-SNMP): "127.0.0.1\0x"
// (JSON can spell it "\u0000") would be checked as one value and used as another (found by
// tests/fuzz/config_fuzz.cpp).
Status absolutePath(const std::string& v) {
  if (v.empty() || v[0] != '/') return invalidArgument("'" + v + "' must be an absolute path");
  if (v.find('\0') != std::string::npos) return invalidArgument("a path must not contain a NUL character");
  return Status::ok();
}

Status ipAddress(const std::string& v) {
  in6_addr a6{};
  in_addr a4{};
  if (v.find('\0') == std::string::npos &&
      (inet_pton(AF_INET, v.c_str(), &a4) == 1 || inet_pton(AF_INET6, v.c_str(), &a6) == 1))
    return Status::ok();
  return invalidArgument("'" + v + "' is not an IP address");
}

}  // namespace core
