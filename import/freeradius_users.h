// The FreeRADIUS `files` module syntax (raddb/mods-config/files/authorize, the old `users` file):
//
//   name   Check-Item op value, Check-Item op value
//          Reply-Item op value,
//          Reply-Item op value
//
// An entry starts at column 0 with a name (a username, quoted or not, or DEFAULT) and its check
// items; the indented lines after it are its reply items. '#' starts a comment. Values are bare
// words or double-quoted strings with \" \\ \n \t escapes. Fall-Through is a reply item.
// $INCLUDE is refused (name the included file instead). Errors carry the 1-based line number.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace importer {

struct UsersAttribute {
  std::string name;
  std::string op;  // = := == += != > >= < <= =~ !~ =* !*
  std::string value;
  int line = 0;
};

struct UsersEntry {
  std::string name;  // "DEFAULT" for a DEFAULT entry
  bool isDefault = false;
  int line = 0;
  std::vector<UsersAttribute> check;
  std::vector<UsersAttribute> reply;  // without Fall-Through
  bool fallThrough = false;
  // SQL sources only (freeradius_sql.h): a user's radusergroup groups, in priority order, and the
  // group a DEFAULT stands for (rlm_sql's group walk). A users file has neither: its Group items
  // compare the unix groups of the user (rlm_unix), never a Group := of the file (mapping.h).
  std::vector<std::string> sqlGroups;
  std::string sqlGroup;
};

// The entries of a users file, in file order; InvalidArgument "line N: ..." on the first error.
core::Result<std::vector<UsersEntry>> parseFreeradiusUsers(std::string_view text);

// Upper bounds on what is read (a file past them is refused, naming the limit).
inline constexpr size_t kMaxUsersFileOctets = 512u << 20;
inline constexpr size_t kMaxUsersLineOctets = 64u << 10;

}  // namespace importer
