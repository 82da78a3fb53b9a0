// Writing a file so that a crash leaves the old content or the new, never a part.
#pragma once

#include <string>

#include "core/status.h"

namespace core {

// Writes `content` to path + ".tmp" (created with `mode`), syncs it and renames it over `path`.
Status writeFileAtomically(const std::string& path, const std::string& content, int mode);

}  // namespace core
