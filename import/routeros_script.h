// RouterOS script as `/export` writes it (the mikrotik-um source, issue 30):
//
//   # 2026-01-05 10:00:00 by RouterOS 7.16
//   /user-manager limitation
//   add name=10M rate-limit-rx=5M rate-limit-tx=10M \  (a backslash: continued)
//       transfer-limit=50GiB uptime-limit=1d
//   /user-manager user add name=alice password="a b\"c" shared-users=2
//
// A line starting with '/' sets the menu path (its words up to the command); `add`, `set`,
// `remove`, ... on the following lines act on it, or on the same line after the path. Arguments are
// key=value, values bare (to the next blank) or double-quoted with RouterOS escapes (\" \\ \n \r \t
// \$ \? \_ (space) \a \b \f \v and \HH); a line ending in '\' outside a string, or a string running
// past a '\' at the end of a line, continues on the next (its leading blanks dropped). '#' starts a
// comment line. `[ ... ]` expressions (`set [ find default=yes ] ...`) are kept as one bare word.
// Script commands (`:global`, `:if`, ...) are refused: an export has none. Errors carry the
// 1-based line number.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace importer {

struct RouterOsCommand {
  std::string path;  // "/user-manager user"
  std::string verb;  // "add", "set", "remove", ...
  // key=value in order; a bare word (no '=') is a key with an empty value and bare set.
  struct Arg {
    std::string key;
    std::string value;
    bool bare = false;
  };
  std::vector<Arg> args;
  int line = 0;  // where the command starts

  // The value of `key` (the last one given), or nullptr.
  const std::string* find(const std::string& key) const;
};

// The commands of a script, in order; InvalidArgument "line N: ..." on the first error.
core::Result<std::vector<RouterOsCommand>> parseRouterOsScript(std::string_view text);

// RouterOS times as exports write them: "1d2h3m4s", "1w", "30s", "00:30:00", "1d 02:00:00", "0s";
// seconds. InvalidArgument quoting the text.
core::Result<int64_t> parseRouterOsTime(const std::string& text);

inline constexpr size_t kMaxRouterOsScriptOctets = 256u << 20;
inline constexpr size_t kMaxRouterOsCommandOctets = 64u << 10;  // one command with its continuations
inline constexpr size_t kMaxRouterOsArgs = 256;                  // per command

}  // namespace importer
