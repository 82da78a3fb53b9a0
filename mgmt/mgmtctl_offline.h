// mgmtctl's offline commands: they work on a platform's database directly instead of asking mgmtd
// over its control socket (ADR 0025), so they need the rights of the database (root or mgmtd's user
// for mgmt.db; a PostgreSQL role for a DSN).
//   migrate --from LOCATION --to LOCATION [--replace] [--batch-rows N] [--work-dir DIR]
//   verify  --from LOCATION --to LOCATION
//   backup  --from sqlite:PATH --to FILE
#pragma once

#include <cstdio>

namespace mgmt {

// Whether argv[1] names an offline command.
bool isOfflineCommand(int argc, char** argv);
// Runs it; returns the exit status (0 ok, 1 refused or a difference found, 2 usage, 3 unavailable,
// 4 internal).
int runOfflineCommand(int argc, char** argv);
// The lines mgmtctl --help adds for them.
void printOfflineUsage(FILE* out);

}  // namespace mgmt
