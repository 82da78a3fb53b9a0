// `import verify`, the shadow check's command line, shared by edgectl and mgmtctl (ADR 0050):
//   <program> import verify --source S --from PATH|DSN [--default-plan NAME]
//       --theirs HOST:PORT --theirs-secret-file FILE --ours HOST:PORT --ours-secret-file FILE
//       [--sample N] [--rate PER-SECOND] [--seed N] [--timeout MS] [--no-chap] [--nas-ip IP]
//       [--passwords FILE]
// Secrets come from files (a command line is visible to every local user in ps). Prints the
// report (text, or JSON with `json`); exit status 0 when every difference was predicted and every
// request answered, 1 otherwise, 2 for a usage error.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "import/verify.h"

namespace importer {

// `words` starts with "verify". The requests go out through radiusClient() (import/radius_client.h).
int runImportVerify(const std::vector<std::string>& words, bool json, const char* program);


}  // namespace importer
