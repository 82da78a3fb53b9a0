#include "mgmt/importing/import_chunks.h"

#include <algorithm>
#include <vector>

namespace mgmt::importing {

namespace {

int64_t replyCount(const core::Json& a, const char* key) {
  auto it = a.find(key);
  return it != a.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

ChunkOutcome applyInChunks(const importer::ImportPlan& plan, const ChunkOptions& options,
                           const std::function<core::ControlReply(const core::Json& args)>& call) {
  ChunkOutcome out;
  core::Json plans = core::Json::array();
  for (const importer::MappedPlan& p : plan.plans)
    if (p.subscribers > 0) plans.push_back(p.args);
  // The importable ones by index: a row is built when its chunk is sent.
  std::vector<size_t> rows;
  for (size_t i = 0; i < plan.subscribers.size(); ++i) {
    if (plan.subscribers[i].importable) rows.push_back(i);
    else ++out.notImportable;
  }
  out.total = rows.size();
  if (plans.size() > kMaxPlansPerCall) {
    out.failure = core::ControlReply::error(core::invalidArgument(
        "plans: " + std::to_string(plans.size()) + " plans, more than " + std::to_string(kMaxPlansPerCall) +
        " in one import; split the source"));
    return out;
  }
  bool first = true;
  do {
    core::Json args = {{"batch", options.batch}, {"source", plan.source}, {"dry-run", options.dryRun}};
    if (!options.tenant.empty()) args["tenant"] = options.tenant;
    if (first || options.dryRun) args["plans"] = plans;
    const size_t end = std::min(rows.size(), out.done + kMaxSubscribersPerCall);
    core::Json part = core::Json::array();
    for (size_t i = out.done; i < end; ++i) {
      const importer::MappedSubscriber& s = plan.subscribers[rows[i]];
      core::Json row = s.args;
      row["line"] = s.line;
      if (!s.customer.empty()) row["customer"] = s.customer;
      part.push_back(std::move(row));
    }
    args["subscribers"] = std::move(part);
    if (!options.dryRun) {
      args["rows-done"] = static_cast<int64_t>(end);
      args["rows-total"] = static_cast<int64_t>(rows.size());
    }
    core::ControlReply reply = call(args);
    if (!reply.ok()) {
      out.failure = std::move(reply);
      return out;
    }
    const core::Json& a = reply.arguments;
    if (first) {
      out.plansAdded = replyCount(a, "plans-added");
      out.plansKept = replyCount(a, "plans-kept");
      out.before = replyCount(a, "subscribers-before");
      out.cap = replyCount(a, "subscriber-cap");
    }
    out.added += replyCount(a, "added");
    out.already += replyCount(a, "already-there");
    out.capRefused += replyCount(a, "cap-refused");
    out.customersAdded += replyCount(a, "customers-added");
    out.customersKept += replyCount(a, "customers-kept");
    if (a.contains("refused") && a["refused"].is_array())
      for (const core::Json& r : a["refused"]) {
        if (!first && r.contains("plan")) continue;  // a dry run's later chunks refuse the same plans again
        ++out.refusedCount;
        if (out.refused.size() < options.keepRefused) out.refused.push_back(r);
      }
    out.done = end;
    first = false;
    if (options.progress && !options.progress(out)) {
      out.stopped = out.done < rows.size();
      if (out.stopped) return out;
    }
  } while (out.done < rows.size());
  if (options.dryRun && out.cap > 0 && out.before + out.added > out.cap) {
    // Each rolled-back chunk saw the tenant as it was: the cap over the whole import is said here.
    const int64_t room = std::max<int64_t>(out.cap - out.before, 0);
    out.capRefused += out.added - room;
    out.added = room;
  }
  return out;
}

}  // namespace mgmt::importing
