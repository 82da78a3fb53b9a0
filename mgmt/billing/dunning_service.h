// Dunning (issue 24; docs/billing.md "Dunning"; ADR 0047): each tenant's policy of steps, a job that
// moves every subscription past due to the step it has reached, and payments that move it back at
// once. What a step means at the edge travels on the subscriber (its dunning, dunning-rate and
// dunning-url arguments, catalog/subscriber.h), so the change feed takes it to every box of the
// tenant at its next check-in.
//
// Contract:
//  - Past due is per subscription: since the due day of the oldest issued invoice holding a line of
//    that subscription and not fully paid (a credited invoice counts as paid). Days past due on day
//    D = D - that due day. A subscription with nothing open is in good standing (step 0).
//  - A subscription's standing is the last step whose after-days <= its days past due; what its
//    subscriber carries is the most severe of its subscriptions' standings.
//  - Every move (subscription, from, to, the day, when, why) is a dunning_log row written in the unit
//    of work that moves the standing, sets the subscriber's fields (a new version: a change-feed
//    entry for the boxes) and, when the step rose to one with a mail template, enqueues that mail to
//    the customer's email: so a step's mail goes out once per time it is reached.
//  - The job is idempotent: a subscription already at the step it has reached is left alone; two
//    runs at once (two mgmtd) compute the same step and the second finds nothing to do. Entering
//    terminate disables the subscriber (status disabled); leaving it never re-enables one.
//  - A payment calls restoreAfterPayment in its own unit of work: the customer's subscriptions are
//    evaluated again as of the payment's day and only ever moved down (service restored, fields
//    cleared); moving up is the job's.
//  - A tenant caller reaches only its own tenant.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::billing {

// The pay page a walled customer is sent to (the tenant's self-care portal), by tenant name; "" = none.
using PayUrl = std::function<std::string(const std::string& tenantName)>;

// In the caller's unit of work, after a payment of the customer was applied: see the contract. Reads
// one indexed row set when the customer is not in dunning (a bank import pays thousands of customers).
core::Status restoreAfterPayment(store::Transaction& tx, const std::string& tenantId, const std::string& username,
                                 int64_t day, int64_t now);

class DunningService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    PayUrl payUrl;
  };

  explicit DunningService(Deps deps);

  core::ControlReply getPolicy(const core::Json& args, const tenancy::Caller& caller);  // dunning-policy-get
  core::ControlReply setPolicy(const core::Json& args, const tenancy::Caller& caller);  // dunning-policy-set
  core::ControlReply run(const core::Json& args, const tenancy::Caller& caller);        // dunning-run
  core::ControlReply status(const core::Json& args, const tenancy::Caller& caller);     // dunning-status

  struct Report {
    int64_t tenants = 0, subscriptions = 0, moved = 0, mailed = 0;
    int64_t failed = 0;        // customers whose move the store refused (each tried on its own)
    std::string firstFailure;  // "'alice': why"
  };
  // The platform job: every tenant with a policy or a subscription in dunning, as of `day`, each under
  // singleton lock "dunning:<tenant id>" (a tenant another mgmtd is running is skipped this round).
  core::Result<Report> runAll(int64_t day);
  // One tenant as of `day` (no lock: correct without one, see the contract).
  core::Result<Report> runTenant(const std::string& tenantId, int64_t day);

  // Whether any subscription of the tenant is in dunning (boxes check in sooner meanwhile; ADR 0047).
  static core::Result<bool> tenantInDunning(store::Transaction& tx, const std::string& tenantId);

  int64_t today() const { return d_.clock.unixSeconds() / 86400; }

 private:
  Deps d_;
};

// The dunning commands of mgmt/mgmt_commands bound to the service.
void bindDunningCommands(core::command::Table& table, DunningService& dunning);

}  // namespace mgmt::billing
