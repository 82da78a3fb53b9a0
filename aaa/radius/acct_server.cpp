#include "aaa/radius/acct_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <deque>

#include "aaa/auth/mac.h"
#include "aaa/radius/counter_table.h"
#include "aaa/radius/wire.h"
#include "core/clock.h"

namespace aaa::radius {

namespace {

constexpr uint8_t kAccountingRequest = 4;
constexpr uint8_t kAccountingResponse = 5;
constexpr uint8_t kStatusServer = 12;

using Clock = std::chrono::steady_clock;

std::string str(std::string_view v) { return std::string(v); }

}  // namespace

uint32_t SessionCounts::count(std::string_view username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(std::string(username));
  return it == counts_.end() ? 0 : it->second;
}

void SessionCounts::apply(const acct::LedgerChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& u : change.opened) {
    ++counts_[u];
    ++total_;
  }
  for (const std::string& u : change.closed) {
    auto it = counts_.find(u);
    if (it == counts_.end()) continue;
    --total_;
    if (--it->second == 0) counts_.erase(it);
  }
}

void SessionCounts::reset(const std::vector<std::pair<std::string, uint32_t>>& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
  total_ = 0;
  for (const auto& [u, n] : counts) {
    counts_[u] = n;
    total_ += n;
  }
}

size_t SessionCounts::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

std::vector<std::pair<std::string, uint32_t>> SessionCounts::byUser() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {counts_.begin(), counts_.end()};
}

namespace {

constexpr CounterName<AcctCounters> kAcctCounters[] = {
    {&AcctCounters::requests, "requests_total", "Accounting-Requests received (RFC 4671 Requests)"},
    {&AcctCounters::invalidRequests, "invalid_requests_total", "Datagrams from addresses that are no NAS client (dropped)"},
    {&AcctCounters::dupRequests, "dup_requests_total",
     "Retransmissions answered from the cache or ignored while being written"},
    {&AcctCounters::responses, "responses_total", "Accounting-Responses sent (each after the record was durable)"},
    {&AcctCounters::malformedRequests, "malformed_requests_total", "Malformed Accounting-Requests (dropped)"},
    {&AcctCounters::badAuthenticators, "bad_authenticators_total", "Requests with a wrong Request Authenticator (dropped)"},
    {&AcctCounters::packetsDropped, "packets_dropped_total", "Requests dropped for any reason"},
    {&AcctCounters::noRecords, "no_records_total", "Requests answered but not recorded (unknown Acct-Status-Type)"},
    {&AcctCounters::unknownTypes, "unknown_types_total", "Packets of a code the accounting port does not serve (dropped)"},
    {&AcctCounters::writeFailures, "write_failures_total",
     "Records the database did not commit (not answered; the NAS retries)"},
    {&AcctCounters::statusServer, "status_server_total", "Status-Server requests answered (RFC 5997)"},
};

}  // namespace

AcctCounters AcctCounters::registerIn(core::CounterRegistry& r, const std::string& nasName) {
  return declareCounters(r, kAcctCounters, "acct", nasName);
}

const core::Counter* AcctCounters::find(const core::CounterRegistry& r, core::Counter* AcctCounters::*which,
                                        const std::string& nasName) {
  return findCounter(r, kAcctCounters, "acct", which, nasName);
}

struct AcctServer::Worker : std::enable_shared_from_this<AcctServer::Worker> {
  AcctServer* server;
  policy::ReaderCache snapshot;

  struct NasState {
    AcctCounters counters;
    wire::HmacMd5 secret;
    NasState(AcctCounters c, const std::string& key) : counters(c), secret(key) {}
  };
  std::unordered_map<const policy::NasClient*, std::shared_ptr<NasState>> nasStates;
  uint64_t nasStatesVersion = 0;

  // Shared with the Writer thread's callbacks.
  struct Entry {
    bool answered = false;
    std::vector<uint8_t> response;
    Clock::time_point expires;
  };
  std::mutex mu;
  std::unordered_map<DuplicateKey, Entry, DuplicateKeyHash> entries;
  std::deque<std::pair<Clock::time_point, DuplicateKey>> order;

  wire::AccountingFields fields;
  wire::ReplyBuilder out;
  // A stream transport's (RadSec): its fixed secret, how it names the NAS, where replies go.
  std::string secretOverride;
  bool hasSecretOverride = false;
  NasFinder findNas;
  ReplySink sink;

  explicit Worker(AcctServer* s, size_t reserve = 1u << 19) : server(s), snapshot(s->snapshots_) {
    // Sized for the 10 s window at a full accounting load: a rehash while growing stalls every
    // acknowledgement behind it (the auth path measured tens of milliseconds).
    entries.reserve(reserve);
  }

  std::shared_ptr<NasState> stateFor(const policy::NasClient* nas, uint64_t version) {
    if (version != nasStatesVersion) {
      nasStates.clear();
      nasStatesVersion = version;
    }
    auto it = nasStates.find(nas);
    if (it != nasStates.end()) return it->second;
    auto st = std::make_shared<NasState>(AcctCounters::registerIn(server->registry_, nas->name),
                                         hasSecretOverride ? secretOverride : nas->secret);
    nasStates.emplace(nas, st);
    return st;
  }

  void drop(AcctCounters* nc, core::Counter* AcctCounters::*which) {
    (server->totals_.*which)->inc();
    server->totals_.packetsDropped->inc();
    if (nc) {
      (nc->*which)->inc();
      nc->packetsDropped->inc();
    }
  }

  // Removes expired answered entries (entries still being written have no expiry yet); bounded
  // per packet so an idle gap's backlog never stalls one request.
  void expire(Clock::time_point now) {
    for (int budget = 64; budget > 0 && !order.empty() && order.front().first <= now; --budget) {
      auto it = entries.find(order.front().second);
      if (it != entries.end() && it->second.answered && it->second.expires <= now) entries.erase(it);
      order.pop_front();
    }
  }

  // While the socket is quiet: the backlog of expired entries goes in steps, so the next burst
  // does not pay for a whole idle gap's worth (64 per packet) when it starts. True: more to do.
  bool expireQuietly() {
    std::lock_guard<std::mutex> lock(mu);
    auto now = Clock::now();
    for (int steps = 0; steps < 16; ++steps) expire(now);
    return !order.empty() && order.front().first <= now;
  }

  int64_t staleAfter(const policy::Snapshot& snap, const std::string& username) const {
    const policy::Subscriber* s = snap.findSubscriber(username);
    const policy::Plan* p = s ? snap.findPlan(s->planId) : nullptr;
    if (p && p->interimInterval > 0) return server->config_.staleMultiplier * p->interimInterval;
    return server->config_.staleDefaultSeconds;
  }

  bool handle(const Datagram& d, std::vector<uint8_t>& reply) {
    AcctServer& s = *server;
    uint16_t srcPort = 0;
    policy::IpAddress src = sourceAddress(*d.from, &srcPort);
    const policy::Snapshot& snap = snapshot.get();
    const policy::NasClient* nas = findNas ? findNas(snap) : snap.findNas(src);
    if (nas == nullptr) {
      drop(nullptr, &AcctCounters::invalidRequests);
      return false;
    }
    std::shared_ptr<NasState> ns = stateFor(nas, snap.version);
    AcctCounters& nc = ns->counters;
    if (d.len < wire::kHeaderLength) {
      drop(&nc, &AcctCounters::malformedRequests);
      return false;
    }
    const uint8_t* data = d.data;
    uint8_t code = data[0];
    size_t length = (size_t{data[2]} << 8) | data[3];
    if (code != kAccountingRequest && code != kStatusServer) {
      drop(&nc, &AcctCounters::unknownTypes);
      return false;
    }
    const uint8_t* ma = nullptr;
    int maCount = 0;
    if (length < wire::kHeaderLength || length > d.len || length > wire::kMaxPacket ||
        !wire::walkAttributes(data, length, &ma, &maCount)) {
      drop(&nc, &AcctCounters::malformedRequests);
      return false;
    }

    if (code == kStatusServer) {
      // RFC 5997 3: needs a valid Message-Authenticator (computed like an Access-Request's).
      uint8_t mac[16];
      if (maCount != 1) {
        drop(&nc, &AcctCounters::badAuthenticators);
        return false;
      }
      ns->secret.compute(data, length, nullptr, ma, mac);
      if (!auth::constantTimeEqual(mac, ma, 16)) {
        drop(&nc, &AcctCounters::badAuthenticators);
        return false;
      }
      out.start(kAccountingResponse, data[1], true);
      size_t n = out.finish(ns->secret, data + 4);
      s.totals_.statusServer->inc();
      nc.statusServer->inc();
      reply.assign(out.data(), out.data() + n);
      return true;
    }

    s.totals_.requests->inc();
    nc.requests->inc();
    DuplicateKey key = DuplicateKey::of(src, srcPort, data);
    auto now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mu);
      expire(now);
      auto it = entries.find(key);
      if (it != entries.end()) {
        s.totals_.dupRequests->inc();
        nc.dupRequests->inc();
        if (!it->second.answered) return false;  // still being written: the commit will answer
        reply = it->second.response;
        return true;
      }
    }

    wire::AcctParseResult parsed = wire::parseAccountingRequest(data, length, ns->secret, s.attributes_, fields);
    if (parsed == wire::AcctParseResult::kBadAuthenticator) {
      drop(&nc, &AcctCounters::badAuthenticators);
      return false;
    }
    if (parsed != wire::AcctParseResult::kOk || !fields.hasStatusType) {
      drop(&nc, &AcctCounters::malformedRequests);
      return false;
    }

    auto record = std::make_shared<acct::AcctRecord>();
    acct::AcctRecord& r = *record;
    r.statusType = fields.statusType;
    r.nas = nas->name;
    r.nasAddress = policy::formatIp(src);
    r.acctSessionId = str(fields.sessionId);
    r.username = str(fields.userName);
    if (auto mac = auth::parseMac(r.username)) r.username = auth::formatMac(*mac);  // as stored for MAC auth
    r.nasPort = fields.nasPort;
    r.nasPortId = str(fields.nasPortId);
    r.callingStationId = str(fields.callingStationId);
    if (fields.framedIp != 0) r.framedIp = policy::formatIp(policy::IpAddress::fromV4(fields.framedIp));
    r.terminateCause = fields.terminateCause;
    // Our clock, not the NAS's (Event-Timestamp may be skewed): arrival minus Acct-Delay-Time.
    r.eventTime = core::SystemClock::instance().unixSeconds() - static_cast<int64_t>(fields.delayTime);
    r.counters.inputOctets = fields.inputOctets;
    r.counters.outputOctets = fields.outputOctets;
    r.counters.inputPackets = fields.inputPackets;
    r.counters.outputPackets = fields.outputPackets;
    r.counters.sessionTime = fields.sessionTime;

    bool known = r.statusType == acct::kStart || r.statusType == acct::kStop || r.statusType == acct::kInterimUpdate ||
                 r.statusType == acct::kAccountingOn || r.statusType == acct::kAccountingOff;
    bool perSession = r.statusType == acct::kStart || r.statusType == acct::kStop || r.statusType == acct::kInterimUpdate;
    if (perSession && r.acctSessionId.empty()) {
      drop(&nc, &AcctCounters::malformedRequests);  // RFC 2866 5.5: Acct-Session-Id is required
      return false;
    }
    if (perSession) {
      r.uid = acct::sessionUid(r.nas, r.acctSessionId, r.nasPort, r.nasPortId);
      r.staleAfter = staleAfter(snap, r.username);
    }

    {
      std::lock_guard<std::mutex> lock(mu);
      entries[key] = Entry{};  // in flight
    }
    auto self = shared_from_this();
    auto change = std::make_shared<acct::LedgerChange>();
    sockaddr_storage to = *d.from;
    socklen_t toLen = d.fromLen;
    int fd = d.fd;
    uint8_t id = data[1];
    std::array<uint8_t, 16> requestAuth;
    std::memcpy(requestAuth.data(), data + 4, 16);
    core::Writer::Job job;
    if (known) {
      job = [ledger = &s.ledger_, record, change](core::Database& db) { return ledger->apply(db, *record, change.get()); };
    } else {
      job = [](core::Database&) { return core::Status::ok(); };  // answered, not recorded
      s.totals_.noRecords->inc();
      nc.noRecords->inc();
    }
    s.writer_.submit(std::move(job), [self, ns, key, record, change, to, toLen, fd, id, requestAuth](const core::Status& st) {
      self->committed(st, *ns, key, *record, *change, to, toLen, fd, id, requestAuth);
    });
    return false;
  }

  // On the Writer thread, after the batch holding the record settled.
  void committed(const core::Status& st, NasState& ns, const DuplicateKey& key, const acct::AcctRecord& r,
                 const acct::LedgerChange& change, const sockaddr_storage& to, socklen_t toLen, int fd, uint8_t id,
                 const std::array<uint8_t, 16>& requestAuth) {
    AcctServer& s = *server;
    if (!st.isOk()) {
      s.totals_.writeFailures->inc();
      ns.counters.writeFailures->inc();
      std::lock_guard<std::mutex> lock(mu);
      entries.erase(key);  // not answered: the retransmission is tried again
      return;
    }
    s.sessions_.apply(change);
    wire::ReplyBuilder response;
    response.start(kAccountingResponse, id, false);
    size_t n = response.finish(ns.secret, requestAuth.data());
    {
      // Cache before sending: a retransmission racing the response must find it answered.
      std::lock_guard<std::mutex> lock(mu);
      auto expires = Clock::now() + std::chrono::milliseconds(s.config_.duplicateCacheMs);
      Entry& e = entries[key];
      e.answered = true;
      e.response.assign(response.data(), response.data() + n);
      e.expires = expires;
      order.emplace_back(expires, key);
    }
    if (sink) {
      sink(response.data(), n);  // a stream's connection writes it on its own thread
    } else if (n == 20) {
      AcctServer::PendingSend p{fd, to, toLen, {}};
      std::memcpy(p.bytes.data(), response.data(), 20);
      s.pendingSends_.push_back(p);  // sent with the batch's other responses (flushSends)
    } else {
      UdpListener::sendReply(fd, to, toLen, response.data(), n);
    }
    s.totals_.responses->inc();
    ns.counters.responses->inc();
    if (s.events_) s.events_->publish(AcctEvent{r.nas, r.statusType, r.username, r.uid, &change, &r});
  }
};

AcctServer::AcctServer(AcctServerConfig config, const policy::SnapshotHolder& snapshots, const Attributes& attributes,
                       core::Writer& writer, acct::Ledger& ledger, SessionCounts& sessions,
                       core::CounterRegistry& counters, core::EventBus* events)
    : config_(std::move(config)),
      snapshots_(snapshots),
      attributes_(attributes),
      writer_(writer),
      ledger_(ledger),
      sessions_(sessions),
      registry_(counters),
      events_(events),
      totals_(AcctCounters::registerIn(counters, "")) {}

AcctServer::~AcctServer() { stop(); }

void AcctServer::flushSends() {
  // One sendmmsg per run of responses on the same socket (there is one socket per worker).
  size_t i = 0;
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iov;
  while (i < pendingSends_.size()) {
    int fd = pendingSends_[i].fd;
    size_t j = i;
    msgs.clear();
    iov.clear();
    iov.reserve(pendingSends_.size() - i);
    while (j < pendingSends_.size() && pendingSends_[j].fd == fd) {
      PendingSend& p = pendingSends_[j];
      iov.push_back(iovec{p.bytes.data(), p.bytes.size()});
      ++j;
    }
    for (size_t k = i; k < j; ++k) {
      mmsghdr m{};
      m.msg_hdr.msg_iov = &iov[k - i];
      m.msg_hdr.msg_iovlen = 1;
      m.msg_hdr.msg_name = &pendingSends_[k].to;
      m.msg_hdr.msg_namelen = pendingSends_[k].toLen;
      msgs.push_back(m);
    }
    size_t sent = 0;
    while (sent < msgs.size()) {
      int r = ::sendmmsg(fd, msgs.data() + sent, static_cast<unsigned>(msgs.size() - sent), 0);
      if (r <= 0) break;  // UDP: a lost response is retransmitted by the NAS and answered from the cache
      sent += static_cast<size_t>(r);
    }
    i = j;
  }
  pendingSends_.clear();
}

core::Status AcctServer::start() {
  writer_.setBatchHook([this](bool committed) {
    ledger_.batchSettled(committed);
    flushSends();
  });
  return listener_.start(config_.listen, config_.port, config_.threads, "RADIUS accounting port", [this](int) {
    auto worker = std::make_shared<Worker>(this);
    return UdpListener::Worker{[worker](const Datagram& d, std::vector<uint8_t>& reply) { return worker->handle(d, reply); },
                               [worker] { return worker->expireQuietly(); }};
  });
}

AcctServer::StreamSession::StreamSession(AcctServer& server, std::string secret, NasFinder findNas, ReplySink send)
    : worker_(std::make_shared<Worker>(&server, 256)) {
  worker_->secretOverride = std::move(secret);
  worker_->hasSecretOverride = true;
  worker_->findNas = std::move(findNas);
  worker_->sink = std::move(send);
}

AcctServer::StreamSession::~StreamSession() = default;

bool AcctServer::StreamSession::handle(const uint8_t* data, size_t len, const sockaddr_storage& from,
                                       std::vector<uint8_t>& reply) {
  Datagram d{data, len, &from, sizeof from, -1};
  return worker_->handle(d, reply);
}

void AcctServer::stop() {
  // Stop receiving, let every record already submitted commit and be answered, then close the
  // sockets (a callback must never send on a closed, possibly reused, descriptor).
  listener_.quiesce();
  (void)writer_.flush();
  listener_.stop();
}

}  // namespace aaa::radius
