// Quotas and top-ups: the current billing period's counters of every subscriber (billing::QuotaBook,
// fed by the ledger's quota deltas and by top-ups), the ledger's classifier, what a crossed fair-use
// tier or quota does to live sessions, first logins (validity, subscriber-anchored periods,
// vouchers bound to a device), and the commands subscriber-topup and subscriber-explain.
// RadiusService owns one, made in start(); the pure rules are billing/rating, the decision at
// Access-Request is aaa/policy (evaluateBilling).
//
// Contract
// - Billing is evaluated once per quota event: onQuotaMoved decides whether a tier or quota was
//   crossed and what the rate is from now on, and hands the session side an Enforcement
//   (edge/radius/enforcement.h) with that rate and the session of the accounting record that moved
//   the counters; the session side sends it without evaluating again.
// - A top-up that changes the tier in force (a slowed or blocked subscriber back to a faster rate)
//   is an Enforcement CoA with the new rate for every live session of the subscriber.
// - Replies, messages and codes are those of the commands' first version (tests/integration).
//
// Threading: classify() and onQuotaMoved() on the accounting writer's thread only (the ledger's
// classifier and its committed records); onAuthorized() on the auth threads; the command handlers
// one at a time (the command table's lock) on the edge.db read connection they are given; lookup()
// and billingJson() on any thread. The quota book, the authorization memory and the first logins
// each have their own lock; this class has none.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aaa/acct/ledger.h"
#include "aaa/policy/policy.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/server.h"
#include "billing/rating/quota_book.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/store.h"
#include "edge/radius/auth_memory.h"
#include "edge/radius/enforcement.h"

namespace edge {

class QuotaService {
 public:
  struct Deps {
    core::Writer& writer;    // edge.db
    core::Database& reader;  // edge.db, the handlers' read connection (and the top-ups at load)
    aaa::policy::SnapshotHolder& snapshots;
    const core::Clock& clock;
    // Live sessions of a user now: a quota event names the session of its record when that is the
    // user's only one; none = never named (the session side finds them).
    std::function<size_t(std::string_view username)> sessionsOnline;
    // Sends a quota event's CoA or Disconnect (the session side; never waits on a NAS).
    std::function<void(const Enforcement&)> enforce;
  };

  explicit QuotaService(Deps deps);

  // Loads the current periods' counters from the accounting database (`acct`: quota_usage) and the
  // top-ups from edge.db into the quota book (start, before anything is served).
  core::Status load(core::Database& acct);
  // Period usage from the quota book (the auth server, billing evaluations; any thread).
  const aaa::policy::QuotaLookup& lookup() const { return lookup_; }

  // The ledger's classifier (aaa/acct/ledger.h): where a journal row at `at` counts.
  std::optional<aaa::acct::QuotaSlot> classify(const std::string& username, int64_t at);
  // After a commit: period counters moved. A fair-use tier or quota crossed -> one Enforcement (CoA
  // with the new rate, or Disconnect) per subscriber. `record` is the accounting record that moved
  // them (its session is named when it is the user's only live one); null = none known.
  void onQuotaMoved(const aaa::acct::LedgerChange& change, const aaa::acct::AcctRecord* record);
  // After an authorization: remembered for explain (rejects and billed decisions); a first login
  // starts the validity (and binds a voucher to the device).
  void onAuthorized(const aaa::radius::AuthEvent& event);

  // The billing state of a subscriber now (usage, explain, top-up).
  core::Json billingJson(const aaa::policy::Subscriber& s, const aaa::policy::Plan& plan, int64_t now) const;

  core::ControlReply topup(const core::Json& args);
  core::ControlReply explain(const core::Json& args);
  // Binds subscriber-topup and subscriber-explain to this service.
  void registerCommands(core::command::Table& commands);

 private:
  Deps d_;
  billing::QuotaBook book_;
  aaa::policy::QuotaLookup lookup_;
  aaa::policy::ReaderCache classifierCache_;  // the accounting writer's thread only
  AuthMemory lastAuth_;
  FirstLogins firstLogins_;
};

}  // namespace edge
