// The files of core/web/templates, embedded at build time (edge_embed_files in core/web/embed.cmake).
#pragma once

#include "core/web/assets.h"

namespace core::web {

// frame.mustache: the page frame (page.h); csrf.mustache: a form's hidden CSRF field (template.h).
EmbeddedFiles coreWebFiles();

}  // namespace core::web
