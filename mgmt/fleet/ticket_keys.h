// The device API's TLS session ticket keys (ADR 0044): random 64-byte master keys kept in the
// shared storage (table tls_ticket_keys), one per rotation period (unix time / rotation seconds), so
// that every mgmtd on the same database issues and accepts the same tickets and switches to the next
// key at the same moment. Each key is made (by whichever mgmtd comes first) a period before it is
// used, and deleted once its period is over: whoever later reads the database or a replica's memory
// cannot decrypt sessions resumed more than a period ago. Keys never leave this class except to the
// TLS layer, and are never logged.
//
// GnuTLS takes one master key per session, so a ticket made under a key is accepted until the key's
// period ends, not after: at each rotation every box shakes hands in full once (tickets made in the
// period's last seconds included).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::fleet {

// SQL for tls_ticket_keys (the only place it is written).
class TicketKeyStore {
 public:
  explicit TicketKeyStore(store::Transaction& tx) : tx_(tx) {}
  // Adds `secret` as the key of `period` unless that period has one already.
  core::Status offer(int64_t rotationSeconds, int64_t period, const std::string& secret);
  // The keys of periods from `fromPeriod` on, by period.
  core::Result<std::map<int64_t, std::string>> load(int64_t rotationSeconds, int64_t fromPeriod);
  // Deletes every key whose period ended at or before `now` (any rotation length).
  core::Status deleteEnded(int64_t now);

 private:
  store::Transaction& tx_;
};

class TicketKeys {
 public:
  static constexpr int64_t kDefaultRotationSeconds = 86400;

  TicketKeys(store::Storage& storage, const core::Clock& clock, int64_t rotationSeconds);
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // One unit of work: makes the keys of this period and the next where missing, deletes ended ones,
  // and reads this period's and the next's into memory.
  core::Status refresh();
  // refresh() now (its failure is returned: mgmtd does not start without its keys), then again
  // every quarter of a period (at most a minute apart) on a thread of its own until stop().
  core::Status start();
  void stop();

  // The key of the current period, "" when not known (no ticket: full handshakes). Thread-safe.
  std::string current() const;
  int64_t rotationSeconds() const { return rotationSeconds_; }

 private:
  void run();

  store::Storage& storage_;
  const core::Clock& clock_;
  const int64_t rotationSeconds_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int64_t, std::string> keys_;  // period -> key: this period's and the next's
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mgmt::fleet
