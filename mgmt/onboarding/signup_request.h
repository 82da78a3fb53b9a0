// An ISP's self-registration as it arrives from the public signup (JSON API and form page): parsed
// and checked here, before anything is stored. Pure: no I/O (tests/fuzz/signup_request_fuzz.cpp).
//
// Body (a JSON object, at most kMaxSignupBytes, nested at most 2 deep; unknown keys refused):
//   business-name, registration-id, tax-id, contact-name, email, phone (optional), country (ISO 3166
//   alpha-2, "KE"), region, service-area, expected-customers (1..10,000,000), tier (free, basic,
//   premium, enterprise), scenario (small, medium, enterprise; default from the expected size).
// A refusal is kInvalidArgument whose message starts with the field's name ("email: ...").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace mgmt::onboarding {

constexpr size_t kMaxSignupBytes = 8 * 1024;

struct SignupRequest {
  std::string businessName, registrationId, taxId, contactName, email, phone, country, region, serviceArea;
  int64_t expectedCustomers = 0;
  std::string tier, scenario;

  // What is kept of it (signups.details), without tier and scenario, which have columns.
  core::Json details() const;
};

core::Result<SignupRequest> parseSignup(std::string_view body);
// The same from a form's fields or an already parsed object (every value a string or a number).
core::Result<SignupRequest> signupFromJson(const core::Json& object);

}  // namespace mgmt::onboarding
