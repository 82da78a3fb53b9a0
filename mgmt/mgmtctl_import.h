// mgmtctl import --tenant T --source S --from PATH|DSN [--dry-run] [--default-plan N] [--currency C]
// [--batch ID]: maps the source with the importer library (the same mapping and report as edgectl
// import) and applies it to the tenant through mgmtd's import-apply, in chunks, as one batch
// (issue 30, ADR 0049). import rollback / import list are ordinary commands.
#pragma once

#include <string>
#include <vector>

namespace mgmt {

// words: what follows "import" on the command line.
int runImportCli(const std::vector<std::string>& words, const std::string& socketPath, bool json);

}  // namespace mgmt
