// Small text helpers shared by parsers of outside input.
#pragma once

#include <string>
#include <string_view>

namespace core {

// `s` with ASCII letters in lower case; other bytes (UTF-8 included) unchanged.
std::string asciiLower(std::string_view s);

}  // namespace core
