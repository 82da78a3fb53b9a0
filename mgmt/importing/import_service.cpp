#include "mgmt/importing/import_service.h"

#include <algorithm>
#include <set>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/customers/customer_service.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/importing/import_store.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tenancy/tenant_store.h"
#include "mgmt/tiers.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::importing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

bool validBatchId(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos;
}

std::string textOf(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// What a dry run returns from the unit of work so that it is rolled back.
const char* kDryRunMark = "import dry run: rolled back";

}  // namespace

std::string historyDevice(const std::string& tenantId) { return "import:" + tenantId; }

int64_t historyId(const std::string& key) {
  return static_cast<int64_t>(std::stoull(core::pki::sha256Hex(key).substr(0, 15), nullptr, 16));
}

core::Result<core::sync::SessionSummary> historySessionOf(const Json& row, size_t i) {
  const std::string at = "sessions[" + std::to_string(i) + "].";
  if (!row.is_object()) return core::invalidArgument("sessions[" + std::to_string(i) + "]: an object");
  core::sync::SessionSummary s;
  auto textField = [&](const char* key, size_t most, bool required, std::string* into) -> core::Status {
    auto it = row.find(key);
    if (it == row.end() || it->is_null()) {
      if (required) return core::invalidArgument(at + key + ": missing");
      return core::Status::ok();
    }
    if (!it->is_string() || it->get<std::string>().size() > most || (required && it->get<std::string>().empty()))
      return core::invalidArgument(at + key + ": text of 1 to " + std::to_string(most) + " characters");
    *into = it->get<std::string>();
    return core::Status::ok();
  };
  auto count = [&](const char* key, int64_t* into) -> core::Status {
    auto it = row.find(key);
    if (it == row.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
      return core::invalidArgument(at + key + ": a whole number, 0 or more");
    *into = it->get<int64_t>();
    return core::Status::ok();
  };
  EDGE_RETURN_IF_ERROR(textField("key", 255, true, &s.session));
  EDGE_RETURN_IF_ERROR(textField("username", 253, true, &s.username));
  EDGE_RETURN_IF_ERROR(textField("nas", 64, false, &s.nas));
  EDGE_RETURN_IF_ERROR(textField("cause", 64, false, &s.closeReason));
  EDGE_RETURN_IF_ERROR(count("started", &s.started));
  EDGE_RETURN_IF_ERROR(count("stopped", &s.stopped));
  EDGE_RETURN_IF_ERROR(count("session-time", &s.sessionTime));
  EDGE_RETURN_IF_ERROR(count("input-octets", &s.inputOctets));
  EDGE_RETURN_IF_ERROR(count("output-octets", &s.outputOctets));
  if (s.stopped < s.started) return core::invalidArgument(at + "stopped: before started");
  s.id = historyId(s.session);
  return s;
}

ControlReply ImportService::history(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string batch, a.required("batch"));
  const Json sessions = args.value("sessions", Json::array());
  if (!sessions.is_array() || sessions.size() > kMaxSessionsPerCall)
    return ControlReply::error(
        core::invalidArgument("sessions: at most " + std::to_string(kMaxSessionsPerCall) + " per call"));
  std::vector<core::sync::SessionSummary> rows;
  rows.reserve(sessions.size());
  std::set<int64_t> ids;
  for (size_t i = 0; i < sessions.size(); ++i) {
    EDGE_ASSIGN_OR_RETURN(core::sync::SessionSummary s, historySessionOf(sessions[i], i));
    if (!ids.insert(s.id).second) continue;  // the same session twice in one chunk: once
    rows.push_back(std::move(s));
  }
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<Batch> b, ImportStore(tx).find(t.id, batch));
    if (!b) return core::notFound("batch: no import batch '" + batch + "' in tenant '" + t.name + "'");
    if (b->state == "rolled-back") return core::failedPrecondition("batch: '" + batch + "' was rolled back");
    std::set<std::string> names;
    for (const auto& s : rows) names.insert(s.username);
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> live,
                          catalog::CatalogStore(tx).liveSubscribers(t.id, {names.begin(), names.end()}));
    const std::set<std::string> known(live.begin(), live.end());
    std::vector<core::sync::UsageRow> usage;
    int64_t unknown = 0;
    for (const auto& s : rows) {
      if (!known.count(s.username)) {
        ++unknown;
        continue;
      }
      usage.push_back(core::sync::UsageRow{s.id, s.stopped, s.session, s.username, s.inputOctets, s.outputOctets,
                                           s.sessionTime});
    }
    std::sort(usage.begin(), usage.end(), [](const auto& x, const auto& y) { return x.seq < y.seq; });
    const std::string device = historyDevice(t.id);
    usage::UsageStore store(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<const core::sync::UsageRow*> fresh, store.insertUsageRows(device, t.id, usage));
    EDGE_RETURN_IF_ERROR(store.addToTotals(t.id, fresh));
    std::set<int64_t> freshIds;
    for (const core::sync::UsageRow* u : fresh) freshIds.insert(u->seq);
    for (const auto& s : rows)
      if (freshIds.count(s.id)) EDGE_RETURN_IF_ERROR(store.insertSession(device, t.id, s));
    out = Json{{"tenant", t.name},
               {"batch", batch},
               {"added", static_cast<int64_t>(fresh.size())},
               {"already-there", static_cast<int64_t>(usage.size() - fresh.size())},
               {"unknown-subscriber", unknown}};
    return core::Status::ok();
  }));
  return ControlReply::success("import batch '" + batch + "': " + std::to_string(out["added"].get<int64_t>()) +
                                   " sessions of history added",
                               out);
}

ControlReply ImportService::apply(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string batch, a.required("batch"));
  EDGE_ASSIGN_OR_RETURN(std::string source, a.required("source"));
  if (!validBatchId(batch))
    return ControlReply::error(core::invalidArgument("batch: lower-case letters, digits, - and _, at most 64"));
  const bool dryRun = args.value("dry-run", false) == true;
  // How far the whole import is, after this chunk (ADR 0075): both or neither.
  int64_t rowsDone = 0, rowsTotal = 0;
  const bool withProgress = args.contains("rows-done") || args.contains("rows-total");
  if (withProgress) {
    const Json& d = args.contains("rows-done") ? args["rows-done"] : Json();
    const Json& t = args.contains("rows-total") ? args["rows-total"] : Json();
    if (!d.is_number_integer() || !t.is_number_integer() || d.get<int64_t>() < 0 || t.get<int64_t>() < d.get<int64_t>())
      return ControlReply::error(core::invalidArgument("rows-done: a whole number from 0 to rows-total"));
    rowsDone = d.get<int64_t>();
    rowsTotal = t.get<int64_t>();
  }
  const Json plans = args.value("plans", Json::array());
  const Json subscribers = args.value("subscribers", Json::array());
  if (!plans.is_array() || plans.size() > kMaxPlansPerCall)
    return ControlReply::error(core::invalidArgument("plans: at most " + std::to_string(kMaxPlansPerCall) + " per call"));
  if (!subscribers.is_array() || subscribers.size() > kMaxSubscribersPerCall)
    return ControlReply::error(
        core::invalidArgument("subscribers: at most " + std::to_string(kMaxSubscribersPerCall) + " per call"));
  const int64_t now = d_.clock.unixSeconds();
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    ImportStore batches(tx);
    EDGE_RETURN_IF_ERROR(batches.begin(t.id, batch, source, now));
    // The batch's row first (a rollback takes it first too), so a chunk and a rollback never interleave.
    EDGE_ASSIGN_OR_RETURN(bool open, batches.touch(t.id, batch, now));
    if (!open) return core::failedPrecondition("batch: '" + batch + "' was rolled back; import again as a new batch");
    catalog::CatalogStore catalogStore(tx);
    customers::CustomerStore customerStore(tx);
    const Tier* tier = findTier(t.tier);
    const int64_t cap = tier != nullptr ? static_cast<int64_t>(tier->subscriberCap) : 0;
    int64_t before = 0;  // counted only under a cap: a count per chunk of a million-row import is not free
    if (cap > 0) {
      EDGE_ASSIGN_OR_RETURN(before, catalogStore.subscriberCount(t.id));
    }
    int64_t plansAdded = 0, plansKept = 0, added = 0, already = 0, capRefused = 0, customersAdded = 0,
            customersKept = 0;
    Json refused = Json::array();
    for (const Json& p : plans) {
      std::string name = textOf(p, "name");
      if (!p.is_object() || name.empty()) {
        refused.push_back({{"plan", name}, {"error", "name: a plan needs a name"}});
        continue;
      }
      EDGE_ASSIGN_OR_RETURN(std::optional<std::string> have, catalogStore.planSpec(t.id, name));
      if (have) {
        ++plansKept;  // never overwritten: it may be the operator's own
        continue;
      }
      core::Status ps = catalog::putPlan(tx, t, p, now, batch);
      if (ps.isOk()) ++plansAdded;
      else refused.push_back({{"plan", name}, {"error", ps.message()}});
    }
    // The subscribers in bulk (the catalog's own checks, row by row), then their customer records.
    std::vector<Json> specs;
    std::vector<Json> lines, customerOf;
    specs.reserve(subscribers.size());
    for (const Json& row : subscribers) {
      if (!row.is_object()) return core::invalidArgument("subscribers: each row is an object");
      Json spec = row;
      lines.push_back(spec.value("line", Json(0)));
      customerOf.push_back(spec.value("customer", Json::object()));
      spec.erase("line");
      spec.erase("customer");
      specs.push_back(std::move(spec));
    }
    EDGE_ASSIGN_OR_RETURN(catalog::BulkResult bulk, catalog::putSubscribers(tx, t, specs, "mgmt", now, batch));
    added = static_cast<int64_t>(bulk.added.size());
    already = static_cast<int64_t>(bulk.existing.size());
    std::vector<bool> present(specs.size(), false);
    for (size_t i : bulk.added) present[i] = true;
    for (size_t i : bulk.existing) present[i] = true;
    for (const auto& [i, st] : bulk.refused) {
      if (st.code() == core::Code::kResourceExhausted) ++capRefused;
      refused.push_back({{"username", textOf(specs[i], "username")}, {"line", lines[i]}, {"error", st.message()}});
    }
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!present[i]) continue;
      const std::string username = textOf(specs[i], "username");
      const Json& line = lines[i];
      const Json& customer = customerOf[i];
      if (!customer.is_object() || customer.empty()) continue;
      // The customer record, once per username: one that holds the subscriber already is kept.
      EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> held, customerStore.findByUsername(t.id, username));
      if (held) {
        ++customersKept;
        continue;
      }
      Json fields = Json::object();
      for (const char* k : {"name", "email", "phone", "address", "notes"})
        if (!textOf(customer, k).empty()) fields[k] = textOf(customer, k);
      if (!fields.contains("name")) fields["name"] = username;
      if (core::Status cs = customers::validateFields(fields); !cs.isOk()) {
        refused.push_back({{"username", username}, {"line", line}, {"error", "customer " + cs.message()}});
        continue;
      }
      customers::Customer c;
      c.tenantId = t.id;
      c.id = "cu-" + core::pki::randomHex(6);
      c.name = fields["name"].get<std::string>();
      c.email = textOf(fields, "email");
      c.phone = textOf(fields, "phone");
      c.address = textOf(fields, "address");
      c.notes = textOf(fields, "notes");
      c.username = username;
      c.createdAt = c.updatedAt = now;
      c.importBatch = batch;
      EDGE_RETURN_IF_ERROR(customerStore.put(c));
      ++customersAdded;
    }
    EDGE_RETURN_IF_ERROR(batches.addCounts(t.id, batch, plansAdded, added, customersAdded,
                                           withProgress && rowsDone < rowsTotal ? "applying" : "applied"));
    if (withProgress) EDGE_RETURN_IF_ERROR(batches.setProgress(t.id, batch, rowsDone, rowsTotal));
    out = Json{{"tenant", t.name},
               {"batch", batch},
               {"dry-run", dryRun},
               {"plans-added", plansAdded},
               {"plans-kept", plansKept},
               {"added", added},
               {"already-there", already},
               {"customers-added", customersAdded},
               {"customers-kept", customersKept},
               {"cap-refused", capRefused},
               {"subscribers-before", before},
               {"subscriber-cap", cap},  // 0: none
               {"refused", refused}};
    if (dryRun) return core::failedPrecondition(kDryRunMark);
    return core::Status::ok();
  });
  if (dryRun && s.code() == core::Code::kFailedPrecondition && s.message() == kDryRunMark)
    return ControlReply::success("dry run: nothing was changed", out);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("import batch '" + batch + "': " + std::to_string(out["added"].get<int64_t>()) +
                                   " subscribers added",
                               out);
}

ControlReply ImportService::rollback(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string batch, a.required("batch"));
  const int64_t now = d_.clock.unixSeconds();
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    ImportStore batches(tx);
    // The batch's row first (a chunk being applied takes it first too): this waits for one being
    // written, and a chunk after this is refused.
    EDGE_ASSIGN_OR_RETURN(bool marked, batches.markRolledBack(t.id, batch, now));
    EDGE_ASSIGN_OR_RETURN(std::optional<Batch> b, batches.find(t.id, batch));
    if (!b) return core::notFound("batch: no import batch '" + batch + "' in tenant '" + t.name + "'");
    if (!marked) return core::failedPrecondition("batch: '" + batch + "' was rolled back already");
    catalog::CatalogStore catalogStore(tx);
    tenancy::TenantStore tenants(tx);
    customers::CustomerStore customerStore(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> ids, batches.customers(t.id, batch));
    for (const std::string& id : ids) EDGE_RETURN_IF_ERROR(customerStore.remove(t.id, id).status());
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> users, batches.subscribers(t.id, batch));
    usage::UsageStore usageStore(tx);
    for (const std::string& u : users) {
      EDGE_ASSIGN_OR_RETURN(int64_t version, tenants.nextVersion(t.id));
      EDGE_RETURN_IF_ERROR(catalogStore.tombstoneSubscriber(t.id, u, version, now));
      EDGE_RETURN_IF_ERROR(usageStore.deleteUserRows(historyDevice(t.id), t.id, u));  // its imported history
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> planNames, batches.plans(t.id, batch));
    int64_t plansRemoved = 0;
    Json plansKept = Json::array();
    for (const std::string& p : planNames) {
      EDGE_ASSIGN_OR_RETURN(int64_t on, catalogStore.subscribersOnPlan(t.id, p));
      if (on > 0) {
        EDGE_RETURN_IF_ERROR(batches.unmarkPlan(t.id, p));
        plansKept.push_back({{"plan", p}, {"subscribers", on}});
        continue;
      }
      EDGE_ASSIGN_OR_RETURN(int64_t version, tenants.nextVersion(t.id));
      EDGE_RETURN_IF_ERROR(catalogStore.tombstonePlan(t.id, p, version, now));
      ++plansRemoved;
    }
    const int64_t removed = static_cast<int64_t>(users.size());
    out = Json{{"tenant", t.name},
               {"batch", batch},
               {"subscribers-removed", removed},
               {"subscribers-left", b->subscribers - removed},  // changed (or deleted) since the import
               {"customers-removed", static_cast<int64_t>(ids.size())},
               {"customers-left", b->customers - static_cast<int64_t>(ids.size())},
               {"plans-removed", plansRemoved},
               {"plans-kept", plansKept}};
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("import batch '" + batch + "' rolled back: " +
                                   std::to_string(out["subscribers-removed"].get<int64_t>()) +
                                   " subscribers removed, " + std::to_string(out["subscribers-left"].get<int64_t>()) +
                                   " changed since the import left as they are",
                               out);
}

ControlReply ImportService::list(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  Json rows = Json::array();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<Batch> list, ImportStore(tx).list(t.id));
        for (const Batch& b : list)
          rows.push_back({{"batch", b.id},
                          {"source", b.source},
                          {"state", b.state},
                          {"plans", b.plans},
                          {"subscribers", b.subscribers},
                          {"customers", b.customers},
                          {"created", b.createdAt},
                          {"rolled-back", b.rolledBackAt},
                          {"rows-done", b.rowsDone},
                          {"rows-total", b.rowsTotal},
                          {"updated", b.updatedAt}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(rows.size()) + " import batches", rows);
}

void bindImportCommands(core::command::Table& table, ImportService& service) {
  using tenancy::scoped;
  table.bind("import-apply", scoped([&service](const Json& a, const Caller& c) { return service.apply(a, c); }));
  table.bind("import-history", scoped([&service](const Json& a, const Caller& c) { return service.history(a, c); }));
  table.bind("import-rollback", scoped([&service](const Json& a, const Caller& c) { return service.rollback(a, c); }));
  table.bind("import-list", scoped([&service](const Json& a, const Caller& c) { return service.list(a, c); }));
}

}  // namespace mgmt::importing
