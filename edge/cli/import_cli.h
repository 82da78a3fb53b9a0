// edgectl import --source S --from PATH [--dry-run] [--default-plan NAME] (issue 30): reads another
// system's subscriber data with the import library (import/), prints the risk report, or applies it
// through edged's own plan-add and subscriber-import commands. Idempotent: plans and subscribers that
// already exist are left as they are and counted.
#pragma once

#include <string>
#include <vector>

namespace edge {

// `words` are the words after "import". Exit status: 0 done, 1 failed (what and where on stderr),
// 2 usage.
int runImportCli(const std::vector<std::string>& words, const std::string& socketPath, bool json);

}  // namespace edge
