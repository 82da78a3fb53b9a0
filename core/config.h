// Configuration as key/default tables (the Kea way): each subsystem declares its keys once, with
// type, default, limits and help text, bound to a field of its own config struct. The same table
// parses JSON into the struct, renders the struct back to JSON, and documents itself.
//
// Contract:
//  - parse() starts from the defaults and applies what the JSON gives; it never half-applies: on
//    error the output is untouched (staging, then commit by assignment).
//  - An unknown key is an error naming its full path ("radius.auth-prot: unknown key"); a type error
//    names the expected type ("radius.auth-port: expected integer, got string"); a range error names
//    the limits.
//  - toJson(parse(x)) == x for a document that spells out every key; for any document,
//    parse(toJson(parse(x))) == parse(x).
// Tables are built on the control path and are read-only afterwards (thread-safe to use).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace core {

Result<Json> loadJsonFile(const std::string& path);
// A whole file; the error reads "cannot read WHAT PATH: reason".
Result<std::string> readTextFile(const std::string& path, const std::string& what);

// Checks for ConfigTable::string: an absolute path; an IPv4 or IPv6 address.
Status absolutePath(const std::string& value);
Status ipAddress(const std::string& value);

// Name of a JSON value's type for error messages: "string", "integer", "boolean", "object", ...
std::string jsonTypeName(const Json& value);

template <class X>
struct NonDeduced {
  using type = X;
};

template <class T>
class ConfigTable {
 public:
  using Check = std::function<Status(const T&)>;

  ConfigTable& string(const std::string& key, std::string T::*field, std::string def, std::string help,
                      std::function<Status(const std::string&)> check = {}) {
    Entry e = base(key, "string", Json(def), std::move(help));
    e.read = [field, check](const Json& j, T& out, const std::string& path) -> Status {
      if (!j.is_string()) return typeError(path, "string", j);
      std::string v = j.get<std::string>();
      if (check) {
        Status s = check(v);
        if (!s.isOk()) return invalidArgument(path + ": " + s.message());
      }
      out.*field = std::move(v);
      return Status::ok();
    };
    e.write = [field](const T& in) { return Json(in.*field); };
    e.reset = [field, def](T& out) { out.*field = def; };
    entries_.push_back(std::move(e));
    return *this;
  }

  ConfigTable& integer(const std::string& key, int64_t T::*field, int64_t def, int64_t min, int64_t max,
                       std::string help) {
    Entry e = base(key, "integer", Json(def), std::move(help) + " (" + std::to_string(min) + ".." + std::to_string(max) + ")");
    e.read = [field, min, max](const Json& j, T& out, const std::string& path) -> Status {
      if (!j.is_number_integer()) return typeError(path, "integer", j);
      // Values beyond int64 arrive as unsigned: reject them as out of range, not as a wrap-around.
      if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        return invalidArgument(path + ": " + j.dump() + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
      int64_t v = j.get<int64_t>();
      if (v < min || v > max)
        return invalidArgument(path + ": " + std::to_string(v) + " is out of range " + std::to_string(min) + ".." +
                               std::to_string(max));
      out.*field = v;
      return Status::ok();
    };
    e.write = [field](const T& in) { return Json(in.*field); };
    e.reset = [field, def](T& out) { out.*field = def; };
    entries_.push_back(std::move(e));
    return *this;
  }

  ConfigTable& boolean(const std::string& key, bool T::*field, bool def, std::string help) {
    Entry e = base(key, "boolean", Json(def), std::move(help));
    e.read = [field](const Json& j, T& out, const std::string& path) -> Status {
      if (!j.is_boolean()) return typeError(path, "boolean", j);
      out.*field = j.get<bool>();
      return Status::ok();
    };
    e.write = [field](const T& in) { return Json(in.*field); };
    e.reset = [field, def](T& out) { out.*field = def; };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A string that must be one of `allowed`.
  ConfigTable& choice(const std::string& key, std::string T::*field, std::string def,
                      std::vector<std::string> allowed, std::string help) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return string(key, field, std::move(def), std::move(help) + " (one of: " + list + ")",
                  [allowed, list](const std::string& v) -> Status {
                    for (const auto& a : allowed)
                      if (a == v) return Status::ok();
                    return invalidArgument("'" + v + "' is not one of: " + list);
                  });
  }

  ConfigTable& stringList(const std::string& key, std::vector<std::string> T::*field, std::vector<std::string> def,
                          std::string help) {
    Entry e = base(key, "list of strings", Json(def), std::move(help));
    e.read = [field](const Json& j, T& out, const std::string& path) -> Status {
      if (!j.is_array()) return typeError(path, "list of strings", j);
      std::vector<std::string> v;
      for (size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_string()) return typeError(path + "[" + std::to_string(i) + "]", "string", j[i]);
        v.push_back(j[i].get<std::string>());
      }
      out.*field = std::move(v);
      return Status::ok();
    };
    e.write = [field](const T& in) { return Json(in.*field); };
    e.reset = [field, def](T& out) { out.*field = def; };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A nested section with its own table.
  template <class S>
  ConfigTable& section(const std::string& key, S T::*field,
                       typename NonDeduced<std::shared_ptr<const ConfigTable<S>>>::type table,
                       std::string help) {
    Entry e = base(key, "object", table->toJson(table->defaults()), std::move(help));
    e.read = [field, table](const Json& j, T& out, const std::string& path) -> Status {
      S staged = out.*field;
      EDGE_RETURN_IF_ERROR(table->parseInto(j, staged, path));
      out.*field = std::move(staged);
      return Status::ok();
    };
    e.write = [field, table](const T& in) { return table->toJson(in.*field); };
    e.reset = [field, table](T& out) { out.*field = table->defaults(); };
    e.describe = [table](const std::string& prefix) { return table->describe(prefix); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A list of objects, each read with its own table (its defaults, then the object's keys); errors
  // name the element ("network.devices[2].address: ...").
  template <class S>
  ConfigTable& sectionList(const std::string& key, std::vector<S> T::*field,
                           typename NonDeduced<std::shared_ptr<const ConfigTable<S>>>::type table, std::string help) {
    Entry e = base(key, "list of objects", Json::array(), std::move(help));
    e.read = [field, table](const Json& j, T& out, const std::string& path) -> Status {
      if (!j.is_array()) return typeError(path, "list of objects", j);
      std::vector<S> v;
      for (size_t i = 0; i < j.size(); ++i) {
        Result<S> item = table->parse(j[i], path + "[" + std::to_string(i) + "]");
        if (!item.isOk()) return item.status();
        v.push_back(std::move(*item));
      }
      out.*field = std::move(v);
      return Status::ok();
    };
    e.write = [field, table](const T& in) {
      Json a = Json::array();
      for (const S& item : in.*field) a.push_back(table->toJson(item));
      return a;
    };
    e.reset = [field](T& out) { (out.*field).clear(); };
    e.describe = [table](const std::string& prefix) { return table->describe(prefix + "[]"); };
    entries_.push_back(std::move(e));
    return *this;
  }

  // A check across keys of this table, run after all keys are read. Its message starts with the
  // key it is about ("cert needs key" in section tls reads "tls.cert needs key").
  ConfigTable& check(Check c) {
    checks_.push_back(std::move(c));
    return *this;
  }

  T defaults() const {
    T out{};
    for (const Entry& e : entries_) e.reset(out);
    return out;
  }

  // Parses `j` (an object) on top of the defaults. `path` prefixes key names in errors.
  Result<T> parse(const Json& j, const std::string& path = "") const {
    T staged = defaults();
    Status s = parseInto(j, staged, path);
    if (!s.isOk()) return s;
    return staged;
  }

  // Applies `j` on top of `out` (staged copy: `out` is untouched on error).
  Status parseInto(const Json& j, T& out, const std::string& path) const {
    if (!j.is_object()) return typeError(path.empty() ? "configuration" : path, "object", j);
    T staged = out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const Entry* e = find(it.key());
      std::string keyPath = path.empty() ? it.key() : path + "." + it.key();
      if (e == nullptr) return invalidArgument(keyPath + ": unknown key" + suggestion(it.key()));
      EDGE_RETURN_IF_ERROR(e->read(it.value(), staged, keyPath));
    }
    for (const Check& c : checks_) {
      Status s = c(staged);
      // A check's message starts with the key it is about; the section path makes it a full path.
      if (!s.isOk()) return path.empty() ? s : Status(s.code(), path + "." + s.message());
    }
    out = std::move(staged);
    return Status::ok();
  }

  Json toJson(const T& value) const {
    Json out = Json::object();
    for (const Entry& e : entries_) out[e.key] = e.write(value);
    return out;
  }

  // One line per key: "radius.auth-port  integer  default 1812  UDP port for ...". For --help-config.
  std::vector<std::string> describe(const std::string& prefix = "") const {
    std::vector<std::string> lines;
    for (const Entry& e : entries_) {
      std::string path = prefix.empty() ? e.key : prefix + "." + e.key;
      if (e.describe && e.type == "object") {
        lines.push_back(path + " (section): " + e.help);
        for (auto& l : e.describe(path)) lines.push_back(std::move(l));
      } else {
        lines.push_back(path + " (" + e.type + ", default " + e.def.dump() + "): " + e.help);
        if (e.describe)  // a list of objects: its elements' keys as path[].key
          for (auto& l : e.describe(path)) lines.push_back(std::move(l));
      }
    }
    return lines;
  }

 private:
  struct Entry {
    std::string key;
    std::string type;
    Json def;
    std::string help;
    std::function<Status(const Json&, T&, const std::string&)> read;
    std::function<Json(const T&)> write;
    std::function<void(T&)> reset;
    std::function<std::vector<std::string>(const std::string&)> describe;
  };

  static Entry base(const std::string& key, const std::string& type, Json def, std::string help) {
    Entry e;
    e.key = key;
    e.type = type;
    e.def = std::move(def);
    e.help = std::move(help);
    return e;
  }

  static Status typeError(const std::string& path, const std::string& expected, const Json& got) {
    return invalidArgument(path + ": expected " + expected + ", got " + jsonTypeName(got));
  }

  const Entry* find(const std::string& key) const {
    for (const Entry& e : entries_)
      if (e.key == key) return &e;
    return nullptr;
  }

  // "; did you mean 'auth-port'?" when a known key is one or two edits away.
  std::string suggestion(const std::string& key) const {
    for (const Entry& e : entries_)
      if (editDistance(key, e.key) <= 2) return " (did you mean '" + e.key + "'?)";
    return "";
  }

  static size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev.swap(cur);
    }
    return prev[b.size()];
  }

  std::vector<Entry> entries_;
  std::vector<Check> checks_;
};

}  // namespace core
