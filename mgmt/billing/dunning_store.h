// Dunning's tables (migration 14; ADR 0047): each tenant's policy, each subscription's standing, the
// log of every transition. The only SQL for them, and the read of what is past due (over billing's
// subscriptions and invoices). A thin class over one store::Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

// A subscription's dunning standing as stored (no row: in good standing).
struct DunningState {
  std::string subscriptionId, username;
  int64_t step = 0;
  std::string action, dunning, rate;
  int64_t pastDueSince = 0;  // the due day of its oldest open invoice when it was last evaluated
  int64_t updatedAt = 0;
};

// A subscription to evaluate: its oldest open issued invoice's due day (0: nothing open) and its
// standing now (step 0 without a row).
struct DunningCandidate {
  std::string subscriptionId, username;
  int64_t oldestDue = 0;
  DunningState state;
  bool hasState = false;
};

struct DunningLogRow {
  int64_t id = 0;
  std::string subscriptionId, username;
  int64_t fromStep = 0, toStep = 0;
  std::string fromAction, toAction;
  int64_t day = 0, at = 0;
  std::string reason;
};

class DunningStore {
 public:
  explicit DunningStore(store::Transaction& tx) : tx_(tx) {}

  // The policy's JSON text; nullopt when the tenant never set one.
  core::Result<std::optional<std::string>> policy(const std::string& tenantId);
  core::Status putPolicy(const std::string& tenantId, const std::string& steps, int64_t now);
  // Tenants with a policy or with a subscription in dunning, by id.
  core::Result<std::vector<std::string>> tenantsToRun();

  // Subscriptions of the tenant with an issued invoice left open (a line of theirs on it) or with a
  // standing, by id; `username` "" = every customer (one read: the rows are small).
  core::Result<std::vector<DunningCandidate>> candidates(const std::string& tenantId, const std::string& username);
  // The customer's standings (every subscription of theirs in dunning).
  core::Result<std::vector<DunningState>> states(const std::string& tenantId, const std::string& username);
  core::Result<bool> anyState(const std::string& tenantId);
  // Standings of the tenant, by username, at most `limit`.
  core::Result<std::vector<DunningState>> allStates(const std::string& tenantId, int64_t limit);
  core::Status putState(const std::string& tenantId, const DunningState& s);
  core::Status deleteState(const std::string& tenantId, const std::string& subscriptionId);

  core::Status appendLog(const std::string& tenantId, const DunningLogRow& row);
  // Newest first; `username` and `subscriptionId` may be "".
  core::Result<std::vector<DunningLogRow>> log(const std::string& tenantId, const std::string& username,
                                               const std::string& subscriptionId, int64_t limit);

  // Every dunning row of the tenant (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::billing
