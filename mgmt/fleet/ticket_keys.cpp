#include "mgmt/fleet/ticket_keys.h"

#include <algorithm>
#include <chrono>

#include "core/ids.h"
#include "core/log.h"

namespace mgmt::fleet {

namespace {

int64_t periodOf(int64_t unixSeconds, int64_t rotationSeconds) { return unixSeconds / rotationSeconds; }

std::string randomKey() {
  std::string key(64, '\0');
  core::secureRandom(reinterpret_cast<uint8_t*>(key.data()), key.size());
  return key;
}

}  // namespace

core::Status TicketKeyStore::offer(int64_t rotationSeconds, int64_t period, const std::string& secret) {
  return tx_
      .exec("INSERT INTO tls_ticket_keys (rotation_seconds, period, secret) VALUES ($1, $2, $3) "
            "ON CONFLICT (rotation_seconds, period) DO NOTHING",
            {rotationSeconds, period, store::Value::Bytes{secret}})
      .status();
}

core::Result<std::map<int64_t, std::string>> TicketKeyStore::load(int64_t rotationSeconds, int64_t fromPeriod) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT period, secret FROM tls_ticket_keys WHERE rotation_seconds = $1 AND "
                                  "period >= $2 ORDER BY period",
                                  {rotationSeconds, fromPeriod}));
  std::map<int64_t, std::string> out;
  for (const store::Row& r : rows) out[r.int64(0)] = r.bytes(1);
  return out;
}

core::Status TicketKeyStore::deleteEnded(int64_t now) {
  return tx_.exec("DELETE FROM tls_ticket_keys WHERE (period + 1) * rotation_seconds <= $1", {now}).status();
}

TicketKeys::TicketKeys(store::Storage& storage, const core::Clock& clock, int64_t rotationSeconds)
    : storage_(storage), clock_(clock), rotationSeconds_(std::max<int64_t>(rotationSeconds, 1)) {}

TicketKeys::~TicketKeys() { stop(); }

core::Status TicketKeys::refresh() {
  const int64_t now = clock_.unixSeconds();
  const int64_t period = periodOf(now, rotationSeconds_);
  std::map<int64_t, std::string> loaded;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    TicketKeyStore keys(tx);
    // Offered by every mgmtd, kept from the first: all of them read the same key back.
    EDGE_RETURN_IF_ERROR(keys.offer(rotationSeconds_, period, randomKey()));
    EDGE_RETURN_IF_ERROR(keys.offer(rotationSeconds_, period + 1, randomKey()));
    EDGE_RETURN_IF_ERROR(keys.deleteEnded(now));
    EDGE_ASSIGN_OR_RETURN(loaded, keys.load(rotationSeconds_, period));
    return core::Status::ok();
  }));
  std::lock_guard<std::mutex> lock(mutex_);
  keys_ = std::move(loaded);
  return core::Status::ok();
}

std::string TicketKeys::current() const {
  const int64_t period = periodOf(clock_.unixSeconds(), rotationSeconds_);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = keys_.find(period);
  return it == keys_.end() ? std::string() : it->second;
}

core::Status TicketKeys::start() {
  EDGE_RETURN_IF_ERROR(refresh().withContext("TLS ticket keys"));
  thread_ = std::thread([this] { run(); });
  return core::Status::ok();
}

void TicketKeys::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TicketKeys::run() {
  // A quarter of a period: the next period's key is in memory long before it is needed, and a
  // database that is away for a while (a failover) costs nothing until the period ends.
  const auto every = std::chrono::seconds(std::clamp<int64_t>(rotationSeconds_ / 4, 1, 60));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, every, [this] { return stopping_; })) {
    lock.unlock();
    core::Status s = refresh();
    if (!s.isOk()) core::logWarning("mgmtd: TLS ticket keys not refreshed (boxes resume until the period ends): ",
                                    s.toString());
    lock.lock();
  }
}

}  // namespace mgmt::fleet
