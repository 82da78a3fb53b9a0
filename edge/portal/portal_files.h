// The files of edge/portal/templates (page templates and the portal's stylesheet), embedded at build
// time (edge_embed_files, core/web/embed.cmake).
#pragma once

#include "core/web/assets.h"

namespace edge::portal {

core::web::EmbeddedFiles portalFiles();

}  // namespace edge::portal
