// Small readers shared by the console's page files: a query parameter, a posted field, a reply's
// value as text or integer, a time as people read it, and which form field a command's refusal names.
#pragma once

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/http_server.h"
#include "core/json.h"

namespace mgmt::console {

inline std::string query(const core::HttpRequest& r, const std::string& name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

inline std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

inline std::string text(const core::Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// A reply's integer value; 0 when missing or not an integer.
inline int64_t number(const core::Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

// Unix seconds as "2026-12-07 14:05 UTC"; "" for 0 or less (not yet, never).
inline std::string minuteUtc(int64_t seconds) {
  if (seconds <= 0) return "";
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// "email: not an email address" -> ("email", "not an email address"); no known field: ("", text).
inline std::pair<std::string, std::string> fieldOf(const std::string& message, const std::vector<std::string>& fields) {
  size_t colon = message.find(": ");
  if (colon != std::string::npos) {
    std::string name = message.substr(0, colon);
    if (std::find(fields.begin(), fields.end(), name) != fields.end()) return {name, message.substr(colon + 2)};
  }
  return {"", message};
}

}  // namespace mgmt::console
