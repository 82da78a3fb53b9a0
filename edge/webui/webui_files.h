// The technician UI's files, embedded at build time (core/web/embed.cmake; edge/webui/CMakeLists.txt).
#pragma once

#include "core/web/assets.h"

namespace edge::webui {

// templates/*.mustache: the pages and their fragments.
core::web::EmbeddedFiles webuiTemplates();
// static/: webui.css and webui.js, ours.
core::web::EmbeddedFiles webuiStaticFiles();
// From npm (edge/webui/vendor/package.json): htmx, uPlot and its stylesheet, pico's classless stylesheet.
core::web::EmbeddedFiles webuiVendorFiles();

}  // namespace edge::webui
