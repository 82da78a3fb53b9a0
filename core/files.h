// Writing a file so that a crash leaves the old content or the new, never a part.
#pragma once

#include <string>

#include "core/status.h"

namespace core {

// Writes `content` to a new file of a unique name in path's folder (path + ".tmp." and six
// characters, given `mode`), syncs it and renames it over `path`. Safe when several processes or
// threads write the same path at once: `path` ends up holding one of the contents, whole.
Status writeFileAtomically(const std::string& path, const std::string& content, int mode);

}  // namespace core
