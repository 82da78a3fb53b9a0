#include "core/command_args.h"

#include <cerrno>
#include <cstdlib>

#include "core/units.h"

namespace core {

namespace {
Status onlyNames(const Json& args, const std::vector<std::string>& known) {
  if (!args.is_object()) return invalidArgument("arguments must be an object");
  for (auto it = args.begin(); it != args.end(); ++it) {
    bool ok = false;
    for (const std::string& k : known) ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return invalidArgument("unknown argument '" + it.key() + "' (known: " + list + ")");
    }
  }
  return Status::ok();
}
}  // namespace

Status CommandArgs::only(std::initializer_list<const char*> known) const {
  return onlyNames(args_, std::vector<std::string>(known.begin(), known.end()));
}

Status CommandArgs::only(const std::vector<command::Arg>& known) const {
  std::vector<std::string> names;
  for (const command::Arg& a : known) names.push_back(a.name);
  return onlyNames(args_, names);
}

Result<std::string> CommandArgs::required(const char* key) const {
  Result<std::optional<std::string>> v = text(key);
  if (!v.isOk()) return v.status();
  if (!*v || (*v)->empty()) return invalidArgument(std::string(key) + " is required");
  return **v;
}

Result<std::optional<std::string>> CommandArgs::text(const char* key) const {
  if (!has(key)) return std::optional<std::string>();
  const Json& v = args_[key];
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_number_integer()) return std::optional<std::string>(v.dump());
  return invalidArgument(std::string(key) + ": expected text, got " + core::jsonTypeName(v));
}

Result<std::optional<int64_t>> CommandArgs::integer(const char* key, int64_t min, int64_t max) const {
  if (!has(key)) return std::optional<int64_t>();
  const Json& v = args_[key];
  int64_t n = 0;
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    // get<int64_t>() would wrap 18446744073709551615 to -1 and let it through the bounds (found by
    // tests/fuzz/control_command_fuzz.cpp).
    return invalidArgument(std::string(key) + ": " + v.dump() + " is out of range " + std::to_string(min) + ".." +
                           std::to_string(max));
  } else if (v.is_number_integer()) {
    n = v.get<int64_t>();
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || end == nullptr || *end != '\0' || errno != 0)
      return invalidArgument(std::string(key) + ": '" + s + "' is not a whole number");
    n = parsed;
  } else {
    return invalidArgument(std::string(key) + ": expected a whole number, got " + core::jsonTypeName(v));
  }
  if (n < min || n > max)
    return invalidArgument(std::string(key) + ": " + std::to_string(n) + " is out of range " +
                                 std::to_string(min) + ".." + std::to_string(max));
  return std::optional<int64_t>(n);
}

Result<std::optional<int64_t>> CommandArgs::integer(const char* key, const std::vector<command::Arg>& table) const {
  const command::Arg& arg = command::argument(table, key);
  return integer(key, arg.min, arg.max);
}

Result<std::optional<bool>> CommandArgs::boolean(const char* key) const {
  if (!has(key)) return std::optional<bool>();
  const Json& v = args_[key];
  if (v.is_boolean()) return std::optional<bool>(v.get<bool>());
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "true" || s == "yes" || s == "on" || s == "1") return std::optional<bool>(true);
    if (s == "false" || s == "no" || s == "off" || s == "0") return std::optional<bool>(false);
  }
  return invalidArgument(std::string(key) + ": expected yes or no");
}

Result<std::optional<uint64_t>> CommandArgs::rate(const char* key) const {
  if (!has(key)) return std::optional<uint64_t>();
  const Json& v = args_[key];
  if (v.is_number_unsigned()) return std::optional<uint64_t>(v.get<uint64_t>());
  if (!v.is_string()) return invalidArgument(std::string(key) + ": expected a rate such as 10M");
  Result<uint64_t> r = parseRate(v.get<std::string>());
  if (!r.isOk()) return r.status().withContext(key);
  return std::optional<uint64_t>(*r);
}

Result<std::optional<uint64_t>> CommandArgs::size(const char* key) const {
  if (!has(key)) return std::optional<uint64_t>();
  const Json& v = args_[key];
  if (v.is_number_unsigned()) return std::optional<uint64_t>(v.get<uint64_t>());
  if (!v.is_string()) return invalidArgument(std::string(key) + ": expected a size such as 5GB");
  Result<uint64_t> r = parseSize(v.get<std::string>());
  if (!r.isOk()) return r.status().withContext(key);
  return std::optional<uint64_t>(*r);
}

Result<std::optional<std::vector<std::string>>> CommandArgs::list(const char* key) const {
  if (!has(key)) return std::optional<std::vector<std::string>>();
  const Json& v = args_[key];
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const Json& e : v) {
      if (!e.is_string()) return invalidArgument(std::string(key) + ": expected texts");
      out.push_back(e.get<std::string>());
    }
  } else {
    return invalidArgument(std::string(key) + ": expected a text or a list of texts");
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace core
