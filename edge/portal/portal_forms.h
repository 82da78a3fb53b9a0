// What the captive portal reads from a visitor's browser: URL-encoded form bodies
// (application/x-www-form-urlencoded) and its session cookie. Pure functions, so they are tested and
// fuzzed alone (tests/fuzz/portal_forms_fuzz.cpp).
#pragma once

#include <map>
#include <string>

namespace edge::portal {

// The portal's cookie: 32 hex digits, HttpOnly, SameSite=Strict.
inline constexpr const char* kCookieName = "edge_portal";

// '+' is a space, "%XX" (two hex digits) the octet XX; anything else, a lone or short '%' too, stays.
std::string urlDecode(const std::string& s);

// "a=1&b=2": every pair with '=' decoded into the map; a repeated name keeps its last value; pairs
// without '=' are skipped.
std::map<std::string, std::string> formFields(const std::string& body);

// The portal cookie's value from a Cookie header ("a=1; edge_portal=..."): the first one that is 32
// hex digits, else "".
std::string portalCookie(const std::string& cookieHeader);

}  // namespace edge::portal
