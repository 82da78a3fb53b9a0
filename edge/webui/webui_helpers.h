// What the technician UI's page files share: reading forms, queries and command answers. Not API.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "core/command/command.h"
#include "core/http_server.h"
#include "core/json.h"
#include "core/units.h"
#include "core/web/form.h"
#include "edge/commands/edge_commands.h"

namespace edge::webui::detail {

// An integer argument of one of edged's commands, as its spec declares it: a form's limits are the
// command's, written once (throws std::logic_error for a name the table does not declare: a bug).
inline const core::command::Arg& specArg(const std::string& command, const std::string& arg) {
  for (const core::command::Spec& spec : edge::edgeCommandSpecs())
    if (spec.name == command)
      for (const core::command::Arg& a : spec.args)
        if (a.name == arg) return a;
  throw std::logic_error(command + " declares no argument " + arg);
}

// "" when `text` is a whole number within the argument's range, else what to show next to the field.
inline std::string integerFieldError(const std::string& text, const core::command::Arg& arg) {
  const std::string want = "a number from " + std::to_string(arg.min) + " to " + std::to_string(arg.max);
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return want;
  const long long n = std::stoll(text);
  return n < arg.min || n > arg.max ? want : "";
}

inline std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

inline std::string query(const core::HttpRequest& r, const std::string& name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

// "3 d 4 h", "12 min", "40 s".
inline std::string duration(int64_t s) {
  if (s < 0) s = 0;
  if (s >= 86400) return std::to_string(s / 86400) + " d " + std::to_string((s % 86400) / 3600) + " h";
  if (s >= 3600) return std::to_string(s / 3600) + " h " + std::to_string((s % 3600) / 60) + " min";
  if (s >= 60) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

inline int64_t integerOf(const core::Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return 0;
  const core::Json& v = j[key];
  return v.is_number() ? v.get<int64_t>() : 0;
}

inline std::string textOf(const core::Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const core::Json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// A JSON object's scalar fields as rows of a definition list, keys made readable.
inline core::Json facts(const core::Json& j) {
  core::Json out = core::Json::array();
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_object() || v.is_array()) continue;
    std::string key = k;
    std::replace(key.begin(), key.end(), '-', ' ');
    std::string value = v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump();
    // Counts of bytes and seconds in words a person reads ("4.7GB", "2 h 5 min").
    bool bytes = k.find("octets") != std::string::npos || k == "remaining-data" || k == "data-counted";
    bool seconds = k == "remaining-time" || k == "time-counted" || k == "session-time";
    if (v.is_number_integer() && bytes && v.get<int64_t>() >= 0) value = core::formatSize(v.get<uint64_t>());
    if (v.is_number_integer() && seconds) value = duration(v.get<int64_t>());
    out.push_back({{"key", key}, {"value", value.empty() ? "-" : value}});
  }
  return out;
}

// A live session (session-list, session-search) as a row of a page's table.
inline core::Json sessionRow(const core::Json& s) {
  return {{"id", textOf(s, "id")},
          {"username", textOf(s, "username")},
          {"url", "/subscriber?u=" + core::web::urlEncode(textOf(s, "username"))},
          {"nas", textOf(s, "nas")},
          {"ip", textOf(s, "framed-ip")},
          {"station", textOf(s, "calling-station-id")},
          {"started", textOf(s, "started")},
          {"time", duration(integerOf(s, "session-time"))},
          {"down", core::formatSize(static_cast<uint64_t>(integerOf(s, "output-octets")))},
          {"up", core::formatSize(static_cast<uint64_t>(integerOf(s, "input-octets")))}};
}

}  // namespace edge::webui::detail
