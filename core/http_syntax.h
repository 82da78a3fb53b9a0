// HTTP/1.1 syntax shared by the server, the client and the response parser (RFC 7230).
#pragma once

#include <string>
#include <string_view>

namespace core::http {

// RFC 7230 section 3.2.6: a non-empty run of tchar (methods, header names).
bool isToken(std::string_view s);
// ASCII lower case (header names are case-insensitive, RFC 7230 section 3.2); other bytes unchanged.
std::string asciiLower(std::string s);

}  // namespace core::http
