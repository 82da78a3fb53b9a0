#include "edge/radius/service_helpers.h"

#include <chrono>

#include "core/clock.h"

namespace edge {

using core::ControlReply;

ControlReply fail(const core::Status& s) { return ControlReply::error(s); }

std::string isoOrEmpty(int64_t unix) {
  if (unix == 0) return "";
  return core::formatRfc3339(core::WallTime(std::chrono::seconds(unix)));
}

}  // namespace edge
