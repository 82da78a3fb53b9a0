// edged's command table: every command the appliance accepts, declared once (core/command). edged
// binds a handler to each; edgectl builds its help and its words from the same table; the
// technician web UI (next) dispatches through it with a logged-in person's role.
#pragma once

#include <string>
#include <vector>

#include "core/command/command.h"

namespace edge {

// The roles of people at the box, least rights first.
const std::vector<std::string>& edgeRoles();
const std::vector<core::command::Spec>& edgeCommandSpecs();

}  // namespace edge
