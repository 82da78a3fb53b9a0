#include "edge/radius/catalog_service.h"

#include "aaa/auth/password_hash.h"

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aaa/auth/mac.h"
#include "aaa/policy/store.h"
#include "billing/rating/rules.h"
#include "catalog/nas.h"
#include "catalog/plan.h"
#include "core/command/bind.h"
#include "core/command_args.h"
#include "core/units.h"
#include "edge/radius/catalog_store.h"
#include "edge/radius/subscriber_search.h"
#include "edge/radius/service_helpers.h"

namespace edge {

namespace {

using aaa::policy::NasClient;
using aaa::policy::Plan;
using aaa::policy::Subscriber;
using core::CommandArgs;
using core::ControlReply;
using core::Json;

Json planJson(const Plan& p) {
  Json j = Json::object();
  j["name"] = p.name;
  j["down"] = core::formatRate(p.downBps);
  j["up"] = core::formatRate(p.upBps);
  j["down-bps"] = p.downBps;
  j["up-bps"] = p.upBps;
  j["burst-down"] = p.burstDownBps ? core::formatRate(p.burstDownBps) : "";
  j["burst-up"] = p.burstUpBps ? core::formatRate(p.burstUpBps) : "";
  j["burst-threshold"] = p.burstThresholdPercent;
  j["burst-time"] = p.burstTimeSeconds;
  j["session-timeout"] = p.sessionTimeout;
  j["idle-timeout"] = p.idleTimeout;
  j["interim"] = p.interimInterval;
  j["max-sessions"] = p.maxSessions;
  j["ip-pool"] = p.ipPool;
  const billing::BillingRules& b = p.billing;
  j["price"] = b.priceMinor != 0 ? billing::formatMoney(b.priceMinor, b.currency) : "free";
  j["price-minor"] = b.priceMinor;
  j["currency"] = b.currency;
  j["period"] = billing::formatPeriod(b.period);
  j["period-anchor"] = b.period.anchor == billing::PeriodAnchor::kSubscriber ? "subscriber" : "calendar";
  j["data-quota"] = b.dataQuota ? core::formatSize(b.dataQuota) : "";
  j["time-quota"] = b.timeQuota ? billing::formatDuration(b.timeQuota) : "";
  j["validity"] = b.validitySeconds ? billing::formatDuration(b.validitySeconds) : "";
  Json fup = Json::array();
  for (const billing::FupTier& t : b.tiers) fup.push_back(billing::formatFup(t));
  j["fup"] = fup;
  Json windows = Json::array();
  for (const billing::TimeWindow& w : b.windows) windows.push_back(billing::formatWindow(w));
  j["windows"] = windows;
  return j;
}

Json subscriberJson(const Subscriber& s, const aaa::policy::Snapshot& snap) {
  Json j = Json::object();
  j["username"] = s.username;
  const Plan* p = snap.findPlan(s.planId);
  j["plan"] = p ? p->name : "";
  j["status"] = aaa::policy::subscriberStatusName(s.status);
  j["expires"] = isoOrEmpty(s.expiresAt);
  j["mac"] = s.mac ? aaa::auth::formatMac(*s.mac) : "";
  j["static-ip"] = s.staticIp ? aaa::policy::formatIp(*s.staticIp) : "";
  Json forms = Json::array();
  if (s.ntHash) forms.push_back("nt-hash");
  if (!s.cleartext.empty()) forms.push_back("cleartext");
  if (!s.papHash.empty()) forms.push_back(aaa::auth::passwordHashScheme(s.papHash) + " hash (PAP only)");
  j["credentials"] = forms;  // which forms are stored, never their content
  j["first-login"] = isoOrEmpty(s.firstLogin);
  j["validity"] = s.validitySeconds ? billing::formatDuration(s.validitySeconds) : "";
  j["voucher"] = s.voucherBatch != 0;
  // Dunning (ADR 0048): '' = none; the rate and pay page as given ('' = none).
  j["dunning"] = catalog::dunningName(s.dunning);
  j["dunning-rate"] = s.dunningRate.downBps != 0 ? billing::formatRatePair(s.dunningRate) : "";
  j["dunning-url"] = s.dunningUrl;
  return j;
}

// One subscriber to the snapshot (nullptr: deleted).
void publish(aaa::policy::SnapshotHolder& snapshots, const std::string& username, std::shared_ptr<const Subscriber> s) {
  snapshots.publishSubscriberChanges({{username, std::move(s)}});
}

}  // namespace

CatalogService::CatalogService(Deps deps) : d_(std::move(deps)) {}

catalog::PlanLookup CatalogService::planLookup(const aaa::policy::Snapshot& snap) {
  return [&snap](const std::string& name) -> std::optional<int64_t> {
    const Plan* p = snap.findPlanByName(name);
    if (p == nullptr) return std::nullopt;
    return p->id;
  };
}

Json CatalogService::nasJson(const NasClient& n) {
  Json j = Json::object();
  j["id"] = n.id;  // the index of its rows in the SNMP per-client tables
  j["name"] = n.name;
  j["address"] = aaa::policy::formatPrefix(n.prefix);
  j["vendor"] = aaa::policy::vendorProfileName(n.vendor);
  j["coa-port"] = n.coaPort;
  j["nas-identifier"] = n.nasIdentifier;
  j["require-message-authenticator"] =
      n.requireMessageAuthenticator ? Json(*n.requireMessageAuthenticator ? "yes" : "no") : Json("default");
  j["radsec-identity"] = n.radsecIdentity;
  return j;  // the secret is never shown
}

core::Status CatalogService::write(core::Writer::Job job) { return d_.writer.submit(std::move(job)).get(); }

core::Status CatalogService::reloadNas() {
  EDGE_ASSIGN_OR_RETURN(std::vector<NasClient> nas, aaa::policy::loadNas(d_.reader));
  d_.snapshots.publishNas(std::move(nas));
  return core::Status::ok();
}

core::Status CatalogService::reloadPlans() {
  EDGE_ASSIGN_OR_RETURN(std::vector<Plan> plans, aaa::policy::loadPlans(d_.reader));
  d_.snapshots.publishPlans(std::move(plans));
  return core::Status::ok();
}

core::Status CatalogService::registerLocalNas(const NasClient& nas) {
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write([nas, now](core::Database& db) {
    core::Status d = aaa::policy::deleteNas(db, nas.name);
    if (!d.isOk() && d.code() != core::Code::kNotFound) return d;
    return aaa::policy::insertNas(db, nas, now).status();
  }));
  return reloadNas();
}

void CatalogService::registerCommands(core::command::Table& c) {
  core::command::bindMethods(c, this, {
      {"nas-add", &CatalogService::nasAdd},
      {"nas-list", &CatalogService::nasList},
      {"nas-del", &CatalogService::nasDel},
      {"plan-add", &CatalogService::planAdd},
      {"plan-set", &CatalogService::planSet},
      {"plan-list", &CatalogService::planList},
      {"plan-del", &CatalogService::planDel},
      {"subscriber-add", &CatalogService::subscriberAdd},
      {"subscriber-del", &CatalogService::subscriberDel},
      {"subscriber-show", &CatalogService::subscriberShow},
      {"subscriber-list", &CatalogService::subscriberList},
      {"subscriber-import", &CatalogService::subscriberImport},
      {"import-rollback", &CatalogService::importRollback},
      {"import-list", &CatalogService::importList},
      {"stats", &CatalogService::stats},
  });
  // Dunning (ADR 0048) is the admin's (and mgmt's, whose changes arrive as the local root): a
  // technician may change a subscriber but neither dun nor lift dunning, which would give service
  // that is not paid for.
  c.bind("subscriber-set", [this](const Json& args, const core::command::Caller& caller) {
    if (!caller.role.empty() && caller.role != "admin" && args.is_object())
      for (const char* key : {"dunning", "dunning-rate", "dunning-url"})
        if (args.contains(key))
          return ControlReply::error(core::permissionDenied(
              std::string(key) + ": only an admin changes dunning on the box (mgmt's dunning steps set it)"));
    return subscriberSet(args);
  });
}

ControlReply CatalogService::nasAdd(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(NasClient n, catalog::nasFromArgs(CommandArgs(args)));
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write([n, now](core::Database& db) { return aaa::policy::insertNas(db, n, now).status(); }));
  EDGE_RETURN_IF_ERROR(reloadNas());
  std::string warning;
  if (n.secret.size() < catalog::kWeakNasSecretOctets)
    warning = " (warning: a shared secret shorter than 16 characters is weak, RFC 2865 3)";
  return ControlReply::success("NAS '" + n.name + "' saved" + warning, nasJson(n));
}

ControlReply CatalogService::nasList(const Json&) {
  std::vector<NasClient> sorted = d_.snapshots.current()->nas;
  std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  Json list = Json::array();
  for (const NasClient& n : sorted) list.push_back(nasJson(n));
  return ControlReply::success(std::to_string(list.size()) + " NAS clients", list);
}

ControlReply CatalogService::deleteNamed(const Json& args, const std::string& what,
                                         core::Status (*remove)(core::Database&, const std::string&),
                                         core::Status (CatalogService::*reload)()) {
  EDGE_ASSIGN_OR_RETURN(std::string name, CommandArgs(args).required("name"));
  EDGE_RETURN_IF_ERROR(write([name, remove](core::Database& db) { return remove(db, name); }));
  EDGE_RETURN_IF_ERROR((this->*reload)());
  return ControlReply::success(what + " '" + name + "' deleted");
}

ControlReply CatalogService::nasDel(const Json& args) {
  return deleteNamed(args, "NAS", &aaa::policy::deleteNas, &CatalogService::reloadNas);
}

ControlReply CatalogService::planAdd(const Json& args) {
  // "batch": an import's (edgectl import); the rest are the catalog's plan arguments.
  const std::string batch = args.is_object() ? args.value("batch", "") : "";
  Json planArgs = args;
  if (planArgs.is_object()) planArgs.erase("batch");
  Plan p;
  EDGE_RETURN_IF_ERROR(catalog::applyPlanArgs(CommandArgs(planArgs), p));
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write([p, now, batch](core::Database& db) -> core::Status {
    if (!batch.empty()) EDGE_RETURN_IF_ERROR(aaa::policy::openImportBatch(db, batch, now));
    EDGE_ASSIGN_OR_RETURN(int64_t id, aaa::policy::insertPlan(db, p, now));
    return batch.empty() ? core::Status::ok() : aaa::policy::markImported(db, "plans", id, batch);
  }));
  EDGE_RETURN_IF_ERROR(reloadPlans());
  return ControlReply::success("plan '" + p.name + "' added", planJson(*d_.snapshots.current()->findPlanByName(p.name)));
}

ControlReply CatalogService::planSet(const Json& args) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
  const Plan* existing = d_.snapshots.current()->findPlanByName(name);
  if (existing == nullptr) return ControlReply::error(core::notFound("no plan named '" + name + "'"));
  Plan p = *existing;
  EDGE_RETURN_IF_ERROR(catalog::applyPlanArgs(a, p));
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write([p, now](core::Database& db) { return aaa::policy::updatePlan(db, p, now); }));
  EDGE_RETURN_IF_ERROR(reloadPlans());
  if (d_.planChanged) d_.planChanged({p.id});
  return ControlReply::success("plan '" + p.name +
                                   "' changed; new sessions get it at once, live sessions by CoA (see the log)",
                               planJson(p));
}

ControlReply CatalogService::planList(const Json&) {
  Json list = Json::array();
  for (const Plan& p : d_.snapshots.current()->plans) list.push_back(planJson(p));
  return ControlReply::success(std::to_string(list.size()) + " plans", list);
}

ControlReply CatalogService::planDel(const Json& args) {
  return deleteNamed(args, "plan", &aaa::policy::deletePlan, &CatalogService::reloadPlans);
}

ControlReply CatalogService::subscriberAdd(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(catalog::SubscriberFields fields, catalog::parseSubscriberFields(CommandArgs(args)));
  EDGE_RETURN_IF_ERROR(catalog::validateSubscriber(fields, catalog::SubscriberChange::kAdd));
  auto snap = d_.snapshots.current();
  Subscriber sub;
  sub.username = canonicalUsername(*fields.username);
  EDGE_RETURN_IF_ERROR(catalog::applySubscriberFields(fields, planLookup(*snap), keepCleartext(), sub));
  int64_t now = d_.clock.unixSeconds();
  sub.createdAt = now;
  int64_t id = 0;
  EDGE_RETURN_IF_ERROR(write([&sub, now, &id](core::Database& db) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(id, aaa::policy::insertSubscriber(db, sub, now));
    return core::Status::ok();
  }));
  sub.id = id;
  publish(d_.snapshots, sub.username, std::make_shared<const Subscriber>(sub));
  return ControlReply::success("subscriber '" + sub.username + "' added", subscriberJson(sub, *d_.snapshots.current()));
}

ControlReply CatalogService::subscriberSet(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(catalog::SubscriberFields fields, catalog::parseSubscriberFields(CommandArgs(args)));
  EDGE_RETURN_IF_ERROR(catalog::validateSubscriber(fields, catalog::SubscriberChange::kSet));
  auto snap = d_.snapshots.current();
  std::string name = canonicalUsername(*fields.username);
  const Subscriber* existing = snap->findSubscriber(name);
  if (existing == nullptr) return ControlReply::error(core::notFound("no subscriber '" + name + "'"));
  const Subscriber before = *existing;
  Subscriber sub = before;
  EDGE_RETURN_IF_ERROR(catalog::applySubscriberFields(fields, planLookup(*snap), keepCleartext(), sub));
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write([sub, now](core::Database& db) { return aaa::policy::updateSubscriber(db, sub, now); }));
  publish(d_.snapshots, sub.username, std::make_shared<const Subscriber>(sub));
  if (d_.subscriberChanged) d_.subscriberChanged(sub.username, false);
  const bool movedPlan = sub.planId != before.planId && sub.status == aaa::policy::SubscriberStatus::kActive;
  if (movedPlan && d_.subscriberPlanChanged) d_.subscriberPlanChanged(sub.username);
  const bool dunningMoved = sub.dunning != before.dunning || !(sub.dunningRate == before.dunningRate) ||
                            sub.dunningUrl != before.dunningUrl;
  if (dunningMoved && d_.dunningChanged) d_.dunningChanged(before, sub);
  return ControlReply::success("subscriber '" + sub.username + "' changed", subscriberJson(sub, *d_.snapshots.current()));
}

ControlReply CatalogService::subscriberDel(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(std::string username, CommandArgs(args).required("username"));
  std::string name = canonicalUsername(username);
  EDGE_RETURN_IF_ERROR(write([name](core::Database& db) { return aaa::policy::deleteSubscriber(db, name); }));
  publish(d_.snapshots, name, nullptr);
  if (d_.subscriberChanged) d_.subscriberChanged(name, true);
  return ControlReply::success("subscriber '" + name + "' deleted");
}

ControlReply CatalogService::subscriberShow(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(std::string username, CommandArgs(args).required("username"));
  auto snap = d_.snapshots.current();
  const Subscriber* sub = snap->findSubscriber(canonicalUsername(username));
  if (sub == nullptr) return ControlReply::error(core::notFound("no subscriber '" + username + "'"));
  return ControlReply::success("subscriber '" + sub->username + "'", subscriberJson(*sub, *snap));
}

ControlReply CatalogService::subscriberList(const Json& args) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> offset, a.integer("offset"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> plan, a.text("plan"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
  SubscriberFilter filter;
  EDGE_ASSIGN_OR_RETURN(filter.prefix, a.text("search"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> find, a.text("find"));
  auto snap = d_.snapshots.current();
  if (find) {
    // Search as you type (subscriber_search.h): in the snapshot, bounded, best matches first.
    if (plan || status || filter.prefix) return ControlReply::error("find: not together with plan, status or search");
    constexpr size_t kCap = 1000;
    size_t skip = static_cast<size_t>(std::min<int64_t>(offset.value_or(0), kCap));
    SubscriberMatches m = search_.find(*snap, *find, skip + static_cast<size_t>(limit.value_or(100)), kCap);
    Json rows = Json::array();
    for (size_t i = skip; i < m.rows.size(); ++i) rows.push_back(subscriberJson(*m.rows[i], *snap));
    Json out = Json::object();
    out["total"] = m.total;
    out["capped"] = m.capped;
    out["subscribers"] = rows;
    return ControlReply::success(std::to_string(rows.size()) + " of " + (m.capped ? "more than " : "") +
                                     std::to_string(m.total) + " subscribers",
                                 out);
  }
  if (plan) {
    const Plan* p = snap->findPlanByName(*plan);
    if (p == nullptr) return ControlReply::error("plan: no plan named '" + *plan + "'");
    filter.planId = p->id;
  }
  if (status) {
    if (!aaa::policy::parseSubscriberStatus(*status))
      return ControlReply::error("status: '" + *status + "' is not one of: active, suspended, disabled");
    filter.status = status;
  }
  EDGE_ASSIGN_OR_RETURN(int64_t total, countSubscribers(d_.reader, filter));
  EDGE_ASSIGN_OR_RETURN(std::vector<std::string> names,
                        subscriberNames(d_.reader, filter, limit.value_or(100), offset.value_or(0)));
  Json rows = Json::array();
  for (const std::string& name : names)
    if (const Subscriber* sub = snap->findSubscriber(name)) rows.push_back(subscriberJson(*sub, *snap));
  Json out = Json::object();
  out["total"] = total;
  out["subscribers"] = rows;
  return ControlReply::success(std::to_string(rows.size()) + " of " + std::to_string(total) + " subscribers", out);
}

ControlReply CatalogService::subscriberImport(const Json& args) {
  // The table checked that "rows" is a list of at most 100000 (edgectl sends batches).
  auto given = args.find("rows");
  if (given == args.end() || !given->is_array()) return ControlReply::error("rows: expected a list of rows");
  const Json& rows = *given;
  auto snap = d_.snapshots.current();
  bool cleartext = keepCleartext();
  struct Row {
    int64_t line;
    Subscriber sub;
  };
  std::vector<Row> valid;
  valid.reserve(rows.size());
  Json errors = Json::array();
  auto rowError = [&errors](int64_t line, const std::string& message) {
    errors.push_back(Json{{"line", line}, {"error", message}});
  };
  // One row: its subscriber, or why it is refused.
  auto parseRow = [&](const Json& r) -> core::Result<Subscriber> {
    Json fields = r;
    fields.erase("line");
    EDGE_ASSIGN_OR_RETURN(catalog::SubscriberFields parsed, catalog::parseSubscriberFields(CommandArgs(fields)));
    EDGE_RETURN_IF_ERROR(catalog::validateSubscriber(parsed, catalog::SubscriberChange::kAdd));
    Subscriber sub;
    sub.username = canonicalUsername(*parsed.username);
    EDGE_RETURN_IF_ERROR(catalog::applySubscriberFields(parsed, planLookup(*snap), cleartext, sub));
    return sub;
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const Json& r = rows[i];
    int64_t line = r.is_object() && r.contains("line") && r["line"].is_number_integer() ? r["line"].get<int64_t>()
                                                                                         : static_cast<int64_t>(i + 1);
    if (!r.is_object()) {
      rowError(line, "not an object");
      continue;
    }
    core::Result<Subscriber> sub = parseRow(r);
    if (!sub.isOk()) {
      rowError(line, sub.status().message());
      continue;
    }
    valid.push_back(Row{line, std::move(*sub)});
  }
  if (d_.capacityCheck) {
    // Only rows that would add a subscriber count against the cap: not the refused ones, not a
    // username the box has, not a username repeated in the batch.
    std::unordered_set<std::string> adding;
    for (const Row& row : valid)
      if (snap->findSubscriber(row.sub.username) == nullptr) adding.insert(row.sub.username);
    if (std::optional<std::string> refusal = d_.capacityCheck(adding.size()))
      return ControlReply::error(core::failedPrecondition(*refusal));
  }
  int64_t now = d_.clock.unixSeconds();
  const std::string batch = args.value("batch", "");
  std::vector<std::pair<int64_t, std::string>> insertErrors;
  core::Status s = write([&valid, &insertErrors, now, &batch](core::Database& db) -> core::Status {
    if (!batch.empty()) EDGE_RETURN_IF_ERROR(aaa::policy::openImportBatch(db, batch, now));
    for (Row& row : valid) {
      core::Result<int64_t> id = aaa::policy::insertSubscriber(db, row.sub, now);
      if (id.isOk() && !batch.empty()) EDGE_RETURN_IF_ERROR(aaa::policy::markImported(db, "subscribers", *id, batch));
      if (id.isOk()) row.sub.id = *id;
      else if (id.status().code() == core::Code::kAlreadyExists) insertErrors.emplace_back(row.line, id.status().message());
      else return id.status();  // disk full, I/O: the whole batch fails and nothing is half-imported
      if (!id.isOk()) row.sub.id = -1;
    }
    return core::Status::ok();
  });
  if (s.code() == core::Code::kFailedPrecondition) return ControlReply::error(s);
  if (!s.isOk()) return fail(s.withContext("import batch not saved"));
  std::vector<std::pair<std::string, std::shared_ptr<const Subscriber>>> changes;
  changes.reserve(valid.size());
  for (Row& row : valid) {
    if (row.sub.id <= 0) continue;
    std::string name = row.sub.username;  // read before the move below
    changes.emplace_back(std::move(name), std::make_shared<const Subscriber>(std::move(row.sub)));
  }
  d_.snapshots.publishSubscriberChanges(changes);
  for (auto& [line, message] : insertErrors) rowError(line, message);
  Json out = Json::object();
  out["imported"] = changes.size();
  out["failed"] = errors.size();
  out["errors"] = errors;
  return ControlReply::success(std::to_string(changes.size()) + " imported, " + std::to_string(errors.size()) + " failed",
                               out);
}

ControlReply CatalogService::importRollback(const Json& args) {
  EDGE_ASSIGN_OR_RETURN(std::string batch, CommandArgs(args).required("batch"));
  int64_t now = d_.clock.unixSeconds();
  int64_t added = 0, plansRemoved = 0;
  std::vector<std::string> removed;
  Json plansKept = Json::array();
  EDGE_RETURN_IF_ERROR(write([&](core::Database& db) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::vector<aaa::policy::ImportBatch> all, aaa::policy::loadImportBatches(db));
    auto it = std::find_if(all.begin(), all.end(), [&](const aaa::policy::ImportBatch& b) { return b.id == batch; });
    if (it == all.end()) return core::notFound("batch: no import batch '" + batch + "' on this box (edgectl import list)");
    if (it->state != "applied") return core::failedPrecondition("batch: '" + batch + "' was rolled back already");
    added = it->subscribers;
    EDGE_ASSIGN_OR_RETURN(removed, aaa::policy::importedSubscribers(db, batch));
    for (const std::string& name : removed) EDGE_RETURN_IF_ERROR(aaa::policy::deleteSubscriber(db, name));
    EDGE_ASSIGN_OR_RETURN(auto plans, aaa::policy::importedPlans(db, batch));
    for (const auto& [name, on] : plans) {
      if (on == 0) {
        EDGE_RETURN_IF_ERROR(aaa::policy::deletePlan(db, name));
        ++plansRemoved;
      } else {
        EDGE_RETURN_IF_ERROR(aaa::policy::unmarkPlan(db, name));
        plansKept.push_back(Json{{"plan", name}, {"subscribers", on}});
      }
    }
    return aaa::policy::closeImportBatch(db, batch, now);
  }));
  for (const std::string& name : removed) {
    publish(d_.snapshots, name, nullptr);
    if (d_.subscriberChanged) d_.subscriberChanged(name, true);
  }
  EDGE_RETURN_IF_ERROR(reloadPlans());
  const int64_t left = added - static_cast<int64_t>(removed.size());
  Json out{{"batch", batch},
           {"subscribers-removed", removed.size()},
           {"subscribers-left", left},  // changed (or deleted) since the import
           {"plans-removed", plansRemoved},
           {"plans-kept", plansKept}};
  return ControlReply::success("batch " + batch + " rolled back: " + std::to_string(removed.size()) +
                                   " subscribers and " + std::to_string(plansRemoved) + " plans removed, " +
                                   std::to_string(left) + " subscribers and " + std::to_string(plansKept.size()) +
                                   " plans kept (changed since, or in use)",
                               out);
}

ControlReply CatalogService::importList(const Json&) {
  EDGE_ASSIGN_OR_RETURN(std::vector<aaa::policy::ImportBatch> all, aaa::policy::loadImportBatches(d_.reader));
  Json rows = Json::array();
  for (const aaa::policy::ImportBatch& b : all)
    rows.push_back(Json{{"batch", b.id},
                        {"state", b.state},
                        {"plans", b.plans},
                        {"subscribers", b.subscribers},
                        {"created", b.createdAt},
                        {"rolled-back", b.rolledBackAt}});
  return ControlReply::success(std::to_string(rows.size()) + " import batches", rows);
}

ControlReply CatalogService::stats(const Json&) {
  Json totals = Json::object();
  Json perNas = Json::object();
  Json reasons = Json::object();
  for (const core::CounterInfo& c : d_.counters.list()) {
    if (c.name.rfind("radius_", 0) != 0) continue;
    if (c.labels.count("nas")) perNas[c.labels.at("nas")][c.name] = core::counterJson(c);
    else if (c.labels.count("reason")) reasons[c.labels.at("reason")] = core::counterJson(c);
    else totals[c.name] = core::counterJson(c);
  }
  Json out = Json::object();
  out["totals"] = totals;
  out["rejects-by-reason"] = reasons;
  out["clients"] = perNas;
  return ControlReply::success("RADIUS counters", out);
}

}  // namespace edge
