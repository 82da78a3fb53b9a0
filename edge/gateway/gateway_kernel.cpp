// The gateway's kernel state: each subscriber's HTB class, each client's nftables elements, and
// the whole of it rebuilt from the ledger's live sessions at start.
#include <set>

#include "aaa/acct/ledger.h"
#include "core/log.h"
#include "core/store.h"
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_internal.h"
#include "edge/radius/radius_service.h"

namespace edge {

using gw::ipv4Host;
using gw::kCauseAdminReset;
using gw::kInterim;
using gw::kStop;
using gw::macFromStation;
using gw::nowUnix;
using gw::shapeOf;

uint32_t Gateway::acquireClass(const std::string& username) {
  ClassUse& use = classes_[username];
  if (use.minor == 0) {
    std::set<uint32_t> taken;
    for (const auto& [u, c] : classes_) taken.insert(c.minor);
    while (taken.count(nextMinor_) || nextMinor_ == 0 || nextMinor_ >= gw::kDefaultClass)
      nextMinor_ = nextMinor_ >= gw::kDefaultClass - 1 ? 1 : nextMinor_ + 1;
    use.minor = nextMinor_++;
  }
  ++use.sessions;
  return use.minor;
}

void Gateway::releaseClass(const std::string& username) {
  auto it = classes_.find(username);
  if (it == classes_.end()) return;
  if (--it->second.sessions <= 0) {
    core::Status s = shaper_.removeClass(it->second.minor);
    if (!s.isOk()) core::logWarning("gateway: ", s.message());
    classes_.erase(it);
  }
}

core::Status Gateway::installClient(const GatewayClient& c) {
  core::Status s = shaper_.setClass(c.classMinor, c.rate);
  if (!s.isOk()) return s;
  gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId, c.upPackets, c.upBytes, c.downPackets, c.downBytes};
  return nft_.run(gw::nftAddClient(n));
}

void Gateway::removeClient(const GatewayClient& c) {
  gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId};
  core::Status s = nft_.run(gw::nftRemoveClient(n));
  if (!s.isOk()) core::logError("gateway: removing ", c.ip, " (", c.username, ") from nftables: ", s.message());
}

core::Status Gateway::reconcile() {
  // Counters that survived a crash, by name, before the table is rebuilt.
  std::map<std::string, gw::NftCounter> old;
  if (auto c = nft_.counters(); c.isOk()) old = *c;
  gw::NftLayout layout{config_.lanInterface, config_.wanInterface, lan_.ip, static_cast<uint16_t>(config_.portalPort), {}};
  for (const std::string& g : gw::gardenEntries(config_))
    if (ipv4Host(g.substr(0, g.find('/'))) != 0) layout.gardenNets.push_back(g);
  core::Status s = nft_.run(std::string("add table inet ") + gw::kTable + "\ndelete table inet " + gw::kTable + "\n" +
                            gw::nftRuleset(layout));
  if (!s.isOk()) return s.withContext("gateway");
  s = shaper_.open(config_.lanInterface, config_.wanInterface);
  if (!s.isOk()) return s.withContext("gateway");

  // The gateway's live sessions as the ledger knows them, young ones included (aaa/acct/ledger.h),
  // on a read connection of the accounting database: no command, no JSON, no wait on the writer.
  core::StoreOptions acct;
  acct.path = accountingDatabasePath_;
  acct.readOnly = true;
  acct.migrations = aaa::acct::migrations();
  core::Result<std::unique_ptr<core::Database>> ledgerDb = core::Database::open(acct);
  if (!ledgerDb.isOk()) return ledgerDb.status().withContext("gateway: reading the ledger");
  core::Result<std::vector<aaa::acct::SessionRow>> sessions = aaa::acct::liveSessionsNow(**ledgerDb, kGatewayNasName);
  if (!sessions.isOk()) return sessions.status().withContext("gateway: reading the ledger");
  ledgerDb->reset();
  int64_t now = nowUnix();
  size_t restored = 0, ended = 0;
  std::string elements;
  for (const aaa::acct::SessionRow& row : *sessions) {
    GatewayClient c;
    c.ip = row.framedIp;
    c.mac = macFromStation(row.callingStationId);
    c.username = row.username;
    c.acctSessionId = row.acctSessionId;
    c.nasPort = row.nasPort;
    c.started = row.started;
    c.lastActivity = c.lastInterim = now;
    c.upBytes = row.counters.inputOctets;
    c.downBytes = row.counters.outputOctets;
    c.upPackets = row.counters.inputPackets;
    c.downPackets = row.counters.outputPackets;
    std::string id = gw::nftIdentifier(c.acctSessionId);
    auto u = old.find("u_" + id), d = old.find("d_" + id);
    // The kernel's counters are newer than the last interim when they survived.
    if (u != old.end() && u->second.bytes >= c.upBytes) c.upBytes = u->second.bytes, c.upPackets = u->second.packets;
    if (d != old.end() && d->second.bytes >= c.downBytes) c.downBytes = d->second.bytes, c.downPackets = d->second.packets;
    auto policy = radius_.sessionPolicy(c.username);
    if (c.ip.empty() || c.mac.size() != 17 || !policy) {
      // The subscriber is gone or no longer allowed: the session ends (with what the kernel counted).
      (void)account(c, kStop, kCauseAdminReset);
      ++ended;
      continue;
    }
    c.rate = shapeOf(policy->rate);
    c.sessionTimeout = policy->sessionTimeout;
    c.idleTimeout = policy->idleTimeout;
    c.interimInterval = policy->interimInterval ? policy->interimInterval : 300;
    c.usageMatters = policy->usageMatters;
    if (policy->remainingBytes) c.limitBytes = c.upBytes + c.downBytes + *policy->remainingBytes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      c.classMinor = acquireClass(c.username);
    }
    s = shaper_.setClass(c.classMinor, c.rate);
    if (!s.isOk()) return s.withContext("gateway: restoring " + c.ip + " (" + c.username + ")");
    gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId, c.upPackets, c.upBytes, c.downPackets, c.downBytes};
    elements += gw::nftAddClient(n);
    std::lock_guard<std::mutex> lock(mu_);
    clients_[c.ip] = c;
    ++restored;
  }
  // One transaction for every client: thousands restore in well under a second.
  if (!elements.empty()) {
    s = nft_.run(elements);
    if (!s.isOk()) return s.withContext("gateway: restoring the clients");
  }
  std::vector<GatewayClient> restoredClients;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ip, c] : clients_) restoredClients.push_back(c);
  }
  for (const GatewayClient& c : restoredClients) (void)account(c, kInterim);  // the kernel's counters become durable
  counters_.gauges.authorizedClients.set(clients_.size());
  counters_.gauges.shapingClasses.set(classes_.size());
  if (restored || ended)
    core::logInfo("gateway: restored ", restored, " clients from the ledger", ended ? ", ended " : "",
                  ended ? std::to_string(ended) + " whose subscriber is gone" : "");
  return core::Status::ok();
}

}  // namespace edge
