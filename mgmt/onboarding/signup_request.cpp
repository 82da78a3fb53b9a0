#include "mgmt/onboarding/signup_request.h"

#include <cctype>

#include "mgmt/mail/outbox.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/tiers.h"

namespace mgmt::onboarding {

namespace {

// Text a person typed: 1..max bytes of UTF-8 without control characters, trimmed.
core::Result<std::string> field(const core::Json& o, const char* key, size_t max, bool required) {
  if (!o.contains(key) || o[key].is_null()) {
    if (required) return core::invalidArgument(std::string(key) + ": is required");
    return std::string();
  }
  if (!o[key].is_string()) return core::invalidArgument(std::string(key) + ": must be text");
  std::string v = o[key].get<std::string>();
  size_t b = v.find_first_not_of(" \t");
  size_t e = v.find_last_not_of(" \t");
  v = b == std::string::npos ? "" : v.substr(b, e - b + 1);
  if (v.empty() && required) return core::invalidArgument(std::string(key) + ": is required");
  if (v.size() > max) return core::invalidArgument(std::string(key) + ": at most " + std::to_string(max) + " characters");
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return core::invalidArgument(std::string(key) + ": must not contain control characters");
  return v;
}

}  // namespace

core::Json SignupRequest::details() const {
  return core::Json{{"business-name", businessName}, {"registration-id", registrationId},
                    {"tax-id", taxId},               {"contact-name", contactName},
                    {"email", email},                {"phone", phone},
                    {"country", country},            {"region", region},
                    {"service-area", serviceArea},   {"expected-customers", expectedCustomers}};
}

core::Result<SignupRequest> signupFromJson(const core::Json& o) {
  if (!o.is_object()) return core::invalidArgument("body: must be a JSON object");
  static const char* const kKnown[] = {"business-name", "registration-id", "tax-id",  "contact-name",
                                       "email",         "phone",           "country", "region",
                                       "service-area",  "expected-customers", "tier", "scenario"};
  for (const auto& [key, value] : o.items()) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) return core::invalidArgument(key.substr(0, 64) + ": is not a signup field");
    if (value.is_object() || value.is_array()) return core::invalidArgument(key + ": must be text");
  }
  SignupRequest r;
  EDGE_ASSIGN_OR_RETURN(r.businessName, field(o, "business-name", 100, true));
  EDGE_ASSIGN_OR_RETURN(r.registrationId, field(o, "registration-id", 64, true));
  EDGE_ASSIGN_OR_RETURN(r.taxId, field(o, "tax-id", 64, true));
  EDGE_ASSIGN_OR_RETURN(r.contactName, field(o, "contact-name", 100, true));
  EDGE_ASSIGN_OR_RETURN(r.email, field(o, "email", mail::kMaxRecipientBytes, true));
  for (char& c : r.email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!mail::validAddress(r.email)) return core::invalidArgument("email: not an email address (name@example.com)");
  EDGE_ASSIGN_OR_RETURN(r.phone, field(o, "phone", 32, false));
  for (char c : r.phone)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '+' && c != ' ' && c != '-' && c != '(' && c != ')')
      return core::invalidArgument("phone: digits, spaces, + - ( ) only");
  EDGE_ASSIGN_OR_RETURN(r.country, field(o, "country", 2, true));
  if (r.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(r.country[0])) ||
      !std::isalpha(static_cast<unsigned char>(r.country[1])))
    return core::invalidArgument("country: a two-letter ISO 3166 code (KE, US)");
  for (char& c : r.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EDGE_ASSIGN_OR_RETURN(r.region, field(o, "region", 100, true));
  EDGE_ASSIGN_OR_RETURN(r.serviceArea, field(o, "service-area", 500, true));
  if (!o.contains("expected-customers")) return core::invalidArgument("expected-customers: is required");
  const core::Json& size = o["expected-customers"];
  int64_t n = 0;
  if (size.is_number_integer()) {
    n = size.get<int64_t>();
  } else if (size.is_string()) {
    const std::string s = size.get<std::string>();
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
      return core::invalidArgument("expected-customers: a whole number from 1 to 10000000");
    n = std::stoll(s);
  } else {
    return core::invalidArgument("expected-customers: a whole number from 1 to 10000000");
  }
  if (n < 1 || n > 10000000) return core::invalidArgument("expected-customers: a whole number from 1 to 10000000");
  r.expectedCustomers = n;
  EDGE_ASSIGN_OR_RETURN(r.tier, field(o, "tier", 32, true));
  if (findTier(r.tier) == nullptr) return core::invalidArgument("tier: one of " + tierNames());
  EDGE_ASSIGN_OR_RETURN(r.scenario, field(o, "scenario", 32, false));
  if (r.scenario.empty()) r.scenario = scenarioForSize(n).name;
  if (findScenario(r.scenario) == nullptr) return core::invalidArgument("scenario: one of " + scenarioNames());
  return r;
}

core::Result<SignupRequest> parseSignup(std::string_view body) {
  if (body.size() > kMaxSignupBytes)
    return core::invalidArgument("body: at most " + std::to_string(kMaxSignupBytes) + " bytes");
  core::JsonLimits limits;
  limits.maxBytes = kMaxSignupBytes;
  limits.maxDepth = 2;
  EDGE_ASSIGN_OR_RETURN(core::Json o, core::parseJsonWithComments(body, "body", limits));
  return signupFromJson(o);
}

}  // namespace mgmt::onboarding
