// Reading control-command arguments: one place that turns JSON arguments into typed values with
// errors that name the argument. Numbers may come as JSON numbers or as text ("300"), because the
// CLI passes every flag as text.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/config.h"
#include "core/status.h"

namespace core {

class CommandArgs {
 public:
  explicit CommandArgs(const Json& args) : args_(args) {}

  // Refuses arguments not in `known` (a typo must not be silently ignored).
  Status only(std::initializer_list<const char*> known) const;
  // The same against an argument table (core/command/command.h).
  Status only(const std::vector<command::Arg>& known) const;

  bool has(const char* key) const { return args_.contains(key) && !args_[key].is_null(); }
  Result<std::string> required(const char* key) const;
  Result<std::optional<std::string>> text(const char* key) const;
  Result<std::optional<int64_t>> integer(const char* key, int64_t min, int64_t max) const;
  // Within the range `table` declares for it (a catalog's table, read also where no command table
  // checked the arguments first: imports, mgmt's stored specs).
  Result<std::optional<int64_t>> integer(const char* key, const std::vector<command::Arg>& table) const;
  // Any whole number: for a handler that Table::call runs only after the spec's range was checked.
  Result<std::optional<int64_t>> integer(const char* key) const { return integer(key, INT64_MIN, INT64_MAX); }
  Result<std::optional<bool>> boolean(const char* key) const;
  Result<std::optional<uint64_t>> rate(const char* key) const;  // "10M", "512k" or bit/s
  Result<std::optional<uint64_t>> size(const char* key) const;  // "500MB", "2GiB" or bytes
  // A repeatable argument: one text or an array of texts (the CLI gathers repeated flags).
  Result<std::optional<std::vector<std::string>>> list(const char* key) const;

 private:
  const Json& args_;
};

}  // namespace core
