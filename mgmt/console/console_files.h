// The console's files, embedded at build time (core/web/embed.cmake; mgmt/console/CMakeLists.txt).
#pragma once

#include "core/web/assets.h"

namespace mgmt::console {

core::web::EmbeddedFiles consoleTemplates();    // templates/*.mustache
core::web::EmbeddedFiles consoleStaticFiles();  // static/: console.css, console.js
core::web::EmbeddedFiles consoleSharedFiles();  // edge/webui/static/webui.css: the surfaces' base rules
core::web::EmbeddedFiles consoleVendorFiles();  // uPlot, pico (edge/webui/vendor)

}  // namespace mgmt::console
