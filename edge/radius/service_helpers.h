// Small helpers shared by the control-command handlers of the appliance's services.
#pragma once

#include <cstdint>
#include <string>

#include "aaa/policy/model.h"
#include "catalog/subscriber.h"
#include "core/control_socket.h"
#include "core/status.h"

namespace edge {

// A failed command: the status's message as the reply text.
core::ControlReply fail(const core::Status& s);
// RFC 3339 UTC, or "" for 0 ("never").
std::string isoOrEmpty(int64_t unix);
// A subscriber named like a MAC is a MAC-auth subscriber, stored under the canonical form.
using catalog::canonicalUsername;
// Stores the password in the forms the enabled methods need (docs/decisions/0002).
using catalog::setPassword;

}  // namespace edge
