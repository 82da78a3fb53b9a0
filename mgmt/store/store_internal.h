// What the two drivers of mgmt/store/sql.h share (mgmt::store::detail, not API): checking a
// migration list, the retry schedule, the guard against nested transact(), and process-local named
// locks.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::store::detail {

// Versions 1..N in order, each with a name and the text for `backend`.
core::Status validateMigrations(const std::vector<Migration>& migrations, Backend backend);

// Refuses a statement that would begin, end or split the unit of work's transaction (BEGIN, START,
// COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE, ABORT as its first word): those belong to transact().
core::Status checkNotTransactionControl(std::string_view sql);

// copyRows' arguments: plain identifiers for the table and columns, at least one column, and every
// row as wide as the column list (the error names the row).
core::Status checkCopy(std::string_view table, const std::vector<std::string>& columns,
                       const std::vector<Params>& rows);

// How many times transact() runs `work` before giving up on a retryable failure, and how long it
// sleeps before attempt `attempt` (1-based; grows, with jitter so that colliding writers spread).
constexpr int kMaxAttempts = 30;
void backoff(int attempt);

// Marks the current thread as inside transact() for its lifetime; `nested()` tells whether it
// already was when constructed.
class TransactGuard {
 public:
  TransactGuard();
  ~TransactGuard();
  TransactGuard(const TransactGuard&) = delete;
  TransactGuard& operator=(const TransactGuard&) = delete;
  bool nested() const { return nested_; }
  static core::Status nestedError();

 private:
  bool nested_;
};

// Names taken by this process (withSingletonLock): a second taker in the same process is refused
// even where the database lock would be reentrant (PostgreSQL session locks are).
class LocalLocks {
 public:
  bool tryTake(std::string_view name);
  void release(std::string_view name);

 private:
  std::mutex mutex_;
  std::set<std::string, std::less<>> held_;
};

}  // namespace mgmt::store::detail
