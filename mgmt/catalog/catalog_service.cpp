#include "mgmt/catalog/catalog_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "core/command_args.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tiers.h"

namespace mgmt::catalog {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

// The stored spec of a plan or subscriber with `args` applied on top ("" clears an optional field).
Json merged(const Json& spec, const Json& args) {
  Json out = spec;
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (it.key() == "tenant") continue;
    out[it.key()] = it.value();
  }
  return out;
}

core::Result<Json> parsedSpec(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return core::corrupt("a stored spec is not a JSON object");
  return j;
}

// The spec without secrets, for listings.
Json publicSpec(Json spec) {
  for (const char* secret : {"password", "nt-hash", "password-hash"})
    if (spec.contains(secret)) spec[secret] = "(set)";
  return spec;
}

}  // namespace

core::Status putPlan(store::Transaction& tx, const Tenant& tenant, const Json& spec, int64_t now,
                     const std::string& importBatch) {
  // A plan as every box will read it: validated with the boxes' own rules (catalog/plan.h).
  ::catalog::Plan p;
  EDGE_RETURN_IF_ERROR(::catalog::applyPlanArgs(CommandArgs(spec), p));
  EDGE_ASSIGN_OR_RETURN(int64_t version, tenancy::TenantStore(tx).nextVersion(tenant.id));
  return CatalogStore(tx).putPlan(tenant.id, spec["name"].get<std::string>(), spec.dump(), version, now, importBatch);
}

core::Status putSubscriber(store::Transaction& tx, const Tenant& tenant, const Json& spec, const std::string& origin,
                           int64_t now, const std::string& importBatch) {
  CatalogStore catalog(tx);
  // A subscriber as every box will read it: validated with the boxes' own rules
  // (catalog/subscriber.h), the plan looked up among the tenant's.
  EDGE_ASSIGN_OR_RETURN(::catalog::SubscriberFields fields, ::catalog::parseSubscriberFields(CommandArgs(spec)));
  EDGE_RETURN_IF_ERROR(::catalog::validateSubscriber(fields, ::catalog::SubscriberChange::kAdd));
  bool planExists = false;
  if (fields.plan) {
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> plan, catalog.planSpec(tenant.id, *fields.plan));
    planExists = plan.has_value();
  }
  ::catalog::Subscriber s;
  EDGE_RETURN_IF_ERROR(::catalog::applySubscriberFields(
      fields, [planExists](const std::string&) -> std::optional<int64_t> { return planExists ? std::optional<int64_t>(1) : std::nullopt; },
      false, s));
  const std::string username = spec["username"].get<std::string>();
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> existing, catalog.subscriberSpec(tenant.id, username));
  const Tier* tier = findTier(tenant.tier);
  if (!existing && tier != nullptr && tier->subscriberCap != 0) {
    EDGE_ASSIGN_OR_RETURN(int64_t subs, catalog.subscriberCount(tenant.id));
    if (static_cast<uint64_t>(subs) >= tier->subscriberCap)
      return core::resourceExhausted("the " + tenant.tier + " tier's subscriber cap of " +
                                     std::to_string(tier->subscriberCap) + " is reached for tenant '" + tenant.name +
                                     "': upgrade the tier to add more");
  }
  EDGE_ASSIGN_OR_RETURN(int64_t version, tenancy::TenantStore(tx).nextVersion(tenant.id));
  return catalog.putSubscriber(tenant.id, username, spec["plan"].get<std::string>(), spec.dump(), version, origin, now,
                               importBatch);
}

core::Result<BulkResult> putSubscribers(store::Transaction& tx, const Tenant& tenant, const std::vector<Json>& specs,
                                        const std::string& origin, int64_t now, const std::string& importBatch) {
  CatalogStore catalog(tx);
  BulkResult out;
  std::vector<std::string> usernames;
  usernames.reserve(specs.size());
  for (const Json& spec : specs) usernames.push_back(spec.value("username", ""));
  std::set<std::string> taken;
  std::map<std::string, bool> planExists;
  const Tier* tier = findTier(tenant.tier);
  int64_t room = INT64_MAX;
  if (tier != nullptr && tier->subscriberCap != 0) {
    // Under a cap the rows that exist must be known before counting what fits (a capped tenant is
    // small); without one the insert itself says which rows were live already.
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> live, catalog.liveSubscribers(tenant.id, usernames));
    taken.insert(live.begin(), live.end());
    EDGE_ASSIGN_OR_RETURN(int64_t subs, catalog.subscriberCount(tenant.id));
    room = static_cast<int64_t>(tier->subscriberCap) - subs;
  }
  std::vector<CatalogStore::NewSubscriber> rows;
  for (size_t i = 0; i < specs.size(); ++i) {
    const Json& spec = specs[i];
    if (!taken.insert(usernames[i]).second) {
      out.existing.push_back(i);
      continue;
    }
    core::Result<::catalog::SubscriberFields> fields = ::catalog::parseSubscriberFields(CommandArgs(spec));
    core::Status s = fields.isOk() ? ::catalog::validateSubscriber(*fields, ::catalog::SubscriberChange::kAdd)
                                   : fields.status();
    if (s.isOk() && fields->plan && !planExists.count(*fields->plan)) {
      EDGE_ASSIGN_OR_RETURN(std::optional<std::string> plan, catalog.planSpec(tenant.id, *fields->plan));
      planExists[*fields->plan] = plan.has_value();
    }
    if (s.isOk()) {
      const bool exists = fields->plan && planExists[*fields->plan];
      ::catalog::Subscriber sub;
      s = ::catalog::applySubscriberFields(
          *fields, [exists](const std::string&) -> std::optional<int64_t> { return exists ? std::optional<int64_t>(1) : std::nullopt; },
          false, sub);
    }
    if (s.isOk() && static_cast<int64_t>(rows.size()) >= room)
      s = core::resourceExhausted("the " + tenant.tier + " tier's subscriber cap of " +
                                  std::to_string(tier->subscriberCap) + " is reached for tenant '" + tenant.name +
                                  "': upgrade the tier to add more");
    if (!s.isOk()) {
      taken.erase(usernames[i]);
      out.refused.emplace_back(i, s);
      continue;
    }
    rows.push_back({usernames[i], spec["plan"].get<std::string>(), spec.dump(), 0});
    out.added.push_back(i);
  }
  if (rows.empty()) return out;
  // Versions for every row written (a live row skipped leaves its number unused: versions only grow).
  EDGE_ASSIGN_OR_RETURN(int64_t last, tenancy::TenantStore(tx).reserveVersions(tenant.id, static_cast<int64_t>(rows.size())));
  int64_t version = last - static_cast<int64_t>(rows.size());
  for (CatalogStore::NewSubscriber& r : rows) r.version = ++version;
  EDGE_ASSIGN_OR_RETURN(std::vector<std::string> written, catalog.putSubscribers(tenant.id, rows, origin, now, importBatch));
  if (written.size() != rows.size()) {
    std::set<std::string> done(written.begin(), written.end());
    std::vector<size_t> added;
    for (size_t i : out.added) (done.count(usernames[i]) ? added : out.existing).push_back(i);
    out.added = std::move(added);
    std::sort(out.existing.begin(), out.existing.end());
  }
  return out;
}

core::Result<bool> subscriberExists(store::Transaction& tx, const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec, CatalogStore(tx).subscriberSpec(tenantId, username));
  return spec.has_value();
}

core::Result<CatalogCounts> countsOf(store::Transaction& tx, const std::string& tenantId) {
  CatalogStore catalog(tx);
  CatalogCounts c;
  EDGE_ASSIGN_OR_RETURN(c.plans, catalog.planCount(tenantId));
  EDGE_ASSIGN_OR_RETURN(c.subscribers, catalog.subscriberCount(tenantId));
  return c;
}

CatalogService::CatalogService(Deps deps) : d_(std::move(deps)) {}

ControlReply CatalogService::addPlan(const Json& args, const Caller& caller, bool replace) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
  const int64_t now = d_.clock.unixSeconds();
  Tenant t;
  Json spec;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> existing, CatalogStore(tx).planSpec(t.id, name));
    if (replace && !existing) return core::notFound("no plan named '" + name + "' in tenant '" + t.name + "'");
    if (!replace && existing)
      return core::alreadyExists("name: a plan named '" + name + "' exists already in tenant '" + t.name +
                                 "' (plan set changes it)");
    Json base = Json::object();
    if (existing) {
      EDGE_ASSIGN_OR_RETURN(base, parsedSpec(*existing));
    }
    spec = merged(base, args);
    return putPlan(tx, t, spec, now);
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("plan '" + name + "' " + (replace ? "changed" : "added") + " in tenant '" + t.name +
                                   "'; its boxes get it at their next check-in",
                               spec);
}

ControlReply CatalogService::listPlans(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<StoredSpec> rows, CatalogStore(tx).plans(t.id));
        list = Json::array();
        for (const StoredSpec& r : rows) {
          EDGE_ASSIGN_OR_RETURN(Json j, parsedSpec(r.spec));
          j["version"] = r.version;
          list.push_back(std::move(j));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(list.size()) + " plans", list);
}

ControlReply CatalogService::deletePlan(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name"}));
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
    CatalogStore catalog(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> existing, catalog.planSpec(t.id, name));
    if (!existing) return core::notFound("no plan named '" + name + "'");
    EDGE_ASSIGN_OR_RETURN(int64_t users, catalog.subscribersOnPlan(t.id, name));
    if (users > 0) return core::invalidArgument("plan '" + name + "' is used by " + std::to_string(users) + " subscribers");
    EDGE_ASSIGN_OR_RETURN(int64_t version, tenancy::TenantStore(tx).nextVersion(t.id));
    return catalog.tombstonePlan(t.id, name, version, d_.clock.unixSeconds());
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("plan '" + a.required("name").value() + "' deleted");
}

ControlReply CatalogService::addSubscriber(const Json& args, const Caller& caller, bool replace) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  const int64_t now = d_.clock.unixSeconds();
  Tenant t;
  Json spec;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> existing, CatalogStore(tx).subscriberSpec(t.id, username));
    if (replace && !existing) return core::notFound("no subscriber '" + username + "' in tenant '" + t.name + "'");
    if (!replace && existing)
      return core::alreadyExists("username: subscriber '" + username + "' exists already in tenant '" + t.name + "'");
    Json base = Json::object();
    if (existing) {
      EDGE_ASSIGN_OR_RETURN(base, parsedSpec(*existing));
    }
    spec = merged(base, args);
    return putSubscriber(tx, t, spec, "mgmt", now);
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("subscriber '" + username + "' " + (replace ? "changed" : "added") + " in tenant '" +
                                   t.name + "'; its boxes get it at their next check-in",
                               publicSpec(spec));
}

ControlReply CatalogService::deleteSubscriber(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username"}));
  std::string username;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(username, a.required("username"));
    CatalogStore catalog(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> existing, catalog.subscriberSpec(t.id, username));
    if (!existing) return core::notFound("no subscriber '" + username + "' in tenant '" + t.name + "'");
    EDGE_ASSIGN_OR_RETURN(int64_t version, tenancy::TenantStore(tx).nextVersion(t.id));
    return catalog.tombstoneSubscriber(t.id, username, version, d_.clock.unixSeconds());
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("subscriber '" + username + "' deleted");
}

ControlReply CatalogService::listSubscribers(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "plan", "limit", "offset"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> plan, a.text("plan"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> offset, a.integer("offset"));
  Json list;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<StoredSpec> rows,
                              CatalogStore(tx).subscribers(t.id, plan.value_or(""), limit.value_or(1000), offset.value_or(0)));
        list = Json::array();
        for (const StoredSpec& r : rows) {
          EDGE_ASSIGN_OR_RETURN(Json spec, parsedSpec(r.spec));
          Json j = publicSpec(std::move(spec));
          j["version"] = r.version;
          j["origin"] = r.origin;
          list.push_back(std::move(j));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(list.size()) + " subscribers", list);
}

core::Result<core::sync::ChangePage> CatalogService::changes(const std::string& tenantId, int64_t cursor, int64_t limit) {
  core::sync::ChangePage page;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        page = core::sync::ChangePage{};
        EDGE_ASSIGN_OR_RETURN(Tenant tenant, tenancy::loadTenant(tx, tenantId));
        // A cursor beyond the tenant's newest version (mgmt restored from an older backup): the box's
        // view cannot be patched, so it gets everything.
        const bool full = cursor < 0 || cursor > tenant.version;
        page.full = full;
        EDGE_ASSIGN_OR_RETURN(std::vector<core::sync::Change> rows, CatalogStore(tx).changes(tenantId, full, cursor, limit + 1));
        int64_t last = cursor;
        for (core::sync::Change& c : rows) {
          if (!full && static_cast<int64_t>(page.changes.size()) == limit) {
            page.more = true;
            break;
          }
          last = std::max(last, c.version);
          page.changes.push_back(std::move(c));
        }
        page.cursor = full ? tenant.version : last;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return page;
}

core::Result<int64_t> CatalogService::subscriberTotal() {
  int64_t n = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(n, CatalogStore(tx).subscriberTotal());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return n;
}

}  // namespace mgmt::catalog
