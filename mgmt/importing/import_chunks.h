// The chunked loop that sends an ImportPlan to mgmtd's import-apply (issue 30, ADR 0049, ADR 0075):
// one function for mgmtctl import (over the control socket) and the console (the visitor's caller,
// in the request for a dry run, in a background job for an apply).
//
// Contract:
//  - The plans the importable subscribers use go with the first chunk (with every chunk of a dry run:
//    each is rolled back, and its subscribers need them); subscribers go in chunks of at most
//    kMaxSubscribersPerCall, each row with its source line and customer record, built when its chunk
//    is sent (a million rows are not held twice).
//  - An apply sends "rows-done"/"rows-total" with every chunk, so mgmtd records how far the whole
//    import is (the console's progress, on any replica).
//  - The sums are the chunks' sums; a refused plan is counted once. A dry run's tier cap is reckoned
//    here over the whole import (each rolled-back chunk saw the tenant as it was).
//  - A call that fails stops the loop: `failure` holds it and `done` the rows applied before it (run
//    again to go on: what is there is kept). `progress` after each chunk may stop it too (false).
//  - More plans than kMaxPlansPerCall: nothing is sent, failure says "plans: ... split the source".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "core/command/reply.h"
#include "core/json.h"
#include "import/mapping.h"

namespace mgmt::importing {

// Most rows one import-apply takes (the loop sends chunks of this size).
inline constexpr size_t kMaxPlansPerCall = 1000;
inline constexpr size_t kMaxSubscribersPerCall = 2000;
inline constexpr size_t kMaxSessionsPerCall = 2000;

struct ChunkOutcome {
  int64_t plansAdded = 0, plansKept = 0, added = 0, already = 0, capRefused = 0, customersAdded = 0,
          customersKept = 0;
  int64_t before = -1, cap = 0;  // the tenant's subscribers before (under a cap) and its cap (0: none)
  int64_t notImportable = 0;     // subscribers the mapping refused (never sent)
  size_t done = 0, total = 0;    // importable subscribers sent and answered, of all
  core::Json refused = core::Json::array();  // {"plan"|"username", "line", "error"}, at most keepRefused
  size_t refusedCount = 0;                   // all of them
  std::optional<core::ControlReply> failure;  // the call that stopped the loop
  bool stopped = false;                       // progress() said stop
};

struct ChunkOptions {
  std::string tenant;  // "": the caller's own
  std::string batch;
  bool dryRun = false;
  size_t keepRefused = std::numeric_limits<size_t>::max();
  // After each chunk answered; false stops the loop before the next.
  std::function<bool(const ChunkOutcome&)> progress;
};

// Sends `plan` through `call` (one import-apply: its arguments -> its reply).
ChunkOutcome applyInChunks(const importer::ImportPlan& plan, const ChunkOptions& options,
                           const std::function<core::ControlReply(const core::Json& args)>& call);

}  // namespace mgmt::importing
