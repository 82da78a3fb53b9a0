// The catalog of the box: NAS clients, plans and subscribers (catalog/ holds their values, argument
// tables and validation; aaa/policy/store.h their rows). Serves nas-add/list/del, plan-add/set/
// list/del, subscriber-add/set/del/show/list/import and stats; keeps the snapshot the auth and
// accounting servers read (aaa/policy/snapshot.h) in step with every change it writes. RadiusService
// owns one (made in start()) and has it bind its commands (registerCommands).
//
// Contract
// - The command table (edge/commands/edge_commands.cpp) has checked argument names, shapes and
//   lengths before a handler runs; a handler checks what a value means (a plan's rules, a
//   subscriber's fields) and answers with the Status's code (not-found, conflict, ...).
//   subscriber-set's dunning arguments need the admin role (or the local root: edgectl, mgmt's sync).
// - Every successful change is written through the Writer, then published to the snapshot before
//   the handler answers, so the next request sees it.
// - After a plan-set, planChanged is called with that plan's id (live sessions get the new rate by
//   CoA); after a subscriber-set or -del, subscriberChanged with its username, and after a
//   subscriber-set that moved an active subscriber to another plan, subscriberPlanChanged (its live
//   sessions get the new plan's rate by CoA); after a subscriber-set that changed its dunning
//   (dunning, dunning-rate, dunning-url), dunningChanged with the subscriber before and after (its
//   live sessions get a CoA or Disconnect at once, ADR 0048). Other changes (status, password, MAC,
//   expiry, a delete) apply from the subscriber's next request, as documented.
//
// Threading: the handlers run one at a time (the command table's lock) on the read connection they
// are given; registerLocalNas may come from any thread (the gateway's start).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "aaa/policy/snapshot.h"
#include "catalog/subscriber.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/counters.h"
#include "core/store.h"
#include "edge/radius/subscriber_search.h"

namespace edge {

class CatalogService {
 public:
  struct Deps {
    core::Writer& writer;    // edge.db
    core::Database& reader;  // edge.db, the handlers' read connection
    aaa::policy::SnapshotHolder& snapshots;
    const core::Clock& clock;
    const core::CounterRegistry& counters;  // stats: the radius_* counters
    // The license's subscriber cap for `adding` new subscribers: the refusal, or nullopt; none = no cap.
    std::function<std::optional<std::string>(size_t adding)> capacityCheck;
    // Whether passwords are also kept in clear (CHAP enabled); none = no.
    std::function<bool()> keepCleartext;
    // A plan's rate or rules changed (plan-set): its subscribers' live sessions need a CoA. None = nothing.
    std::function<void(const std::set<int64_t>& planIds)> planChanged;
    // A subscriber was changed (subscriber-set) or deleted (subscriber-del). None = nothing.
    std::function<void(const std::string& username, bool deleted)> subscriberChanged;
    // An active subscriber was moved to another plan (subscriber-set --plan, whoever asked: edgectl,
    // the technician UI, mgmt's sync): its live sessions need a CoA with the new plan's rate. Called
    // after the snapshot has the change. None = nothing.
    std::function<void(const std::string& username)> subscriberPlanChanged = nullptr;
    // A subscriber's dunning changed (subscriber-set with dunning, dunning-rate or dunning-url,
    // whoever asked): called after the snapshot has the change. None = nothing.
    std::function<void(const aaa::policy::Subscriber& before, const aaa::policy::Subscriber& after)> dunningChanged =
        nullptr;
  };

  explicit CatalogService(Deps deps);

  // Binds nas-add/list/del, plan-add/set/list/del, subscriber-add/set/del/show/list/import and
  // stats in edged's command table (edge/commands) to this service.
  void registerCommands(core::command::Table& commands);

  core::ControlReply nasAdd(const core::Json& args);
  core::ControlReply nasList(const core::Json& args);
  core::ControlReply nasDel(const core::Json& args);
  core::ControlReply planAdd(const core::Json& args);
  core::ControlReply planSet(const core::Json& args);
  core::ControlReply planList(const core::Json& args);
  core::ControlReply planDel(const core::Json& args);
  core::ControlReply subscriberAdd(const core::Json& args);
  core::ControlReply subscriberSet(const core::Json& args);
  core::ControlReply subscriberDel(const core::Json& args);
  core::ControlReply subscriberShow(const core::Json& args);
  core::ControlReply subscriberList(const core::Json& args);
  // Rows as objects with subscriber-add's arguments and an optional "line" (the CSV line, for the
  // errors). Valid rows are saved in one write; refused rows are reported by line. The capacity
  // check counts only valid rows that would add a subscriber.
  core::ControlReply subscriberImport(const core::Json& args);
  // Import batches on the box (issue 30): plan-add and subscriber-import with "batch" mark what they
  // add; import-rollback removes what a batch added and nobody changed since, import-list shows them.
  core::ControlReply importRollback(const core::Json& args);
  core::ControlReply importList(const core::Json& args);
  core::ControlReply stats(const core::Json& args);

  // Adds or replaces the NAS client of that name (not a management change: the gateway's own).
  core::Status registerLocalNas(const aaa::policy::NasClient& nas);
  // Reads the NAS clients (plans) again from edge.db into the snapshot.
  core::Status reloadNas();
  core::Status reloadPlans();

  // A plan name to its id in `snap` (for catalog::applySubscriberFields).
  static catalog::PlanLookup planLookup(const aaa::policy::Snapshot& snap);
  // A NAS client as nas-add and nas-list show it (never its secret).
  static core::Json nasJson(const aaa::policy::NasClient& n);

 private:
  // nas-del and plan-del: delete by name, then reload that part of the snapshot.
  core::ControlReply deleteNamed(const core::Json& args, const std::string& what,
                                 core::Status (*remove)(core::Database&, const std::string&),
                                 core::Status (CatalogService::*reload)());
  core::Status write(core::Writer::Job job);
  bool keepCleartext() const { return d_.keepCleartext && d_.keepCleartext(); }

  Deps d_;
  SubscriberSearch search_;  // subscriber-list --find's index of the snapshot (command handlers only)
};

}  // namespace edge
