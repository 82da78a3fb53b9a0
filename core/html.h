// Text into HTML: the one escaping function of the pages edged serves (portal, voucher sheets).
#pragma once

#include <string>

namespace core {

// &, <, >, " and ' as entities: safe in element content and in quoted attribute values.
std::string htmlEscape(const std::string& text);

}  // namespace core
