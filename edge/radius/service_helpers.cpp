#include "edge/radius/service_helpers.h"

#include <chrono>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mac.h"
#include "core/clock.h"

namespace edge {

using core::ControlReply;

ControlReply fail(const core::Status& s) { return ControlReply::error(s.message()); }

std::string isoOrEmpty(int64_t unix) {
  if (unix == 0) return "";
  return core::formatRfc3339(core::WallTime(std::chrono::seconds(unix)));
}

// A subscriber named like a MAC is a MAC-auth subscriber, stored under the canonical form.
std::string canonicalUsername(const std::string& username) {
  auto mac = aaa::auth::parseMac(username);
  return mac ? aaa::auth::formatMac(*mac) : username;
}

core::Status setPassword(aaa::policy::Subscriber& s, const std::string& password, bool keepCleartext) {
  core::Result<aaa::auth::Credentials> c = aaa::auth::credentialsFromPassword(password, keepCleartext);
  if (!c.isOk()) return c.status().withContext("password");
  s.ntHash = c->ntHash;
  s.cleartext = c->cleartext.value_or("");
  return core::Status::ok();
}

}  // namespace edge
