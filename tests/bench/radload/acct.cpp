// Accounting mode (RFC 2866): a fleet of sessions, each a Start, Interim-Updates and a Stop; a
// session's next record goes out once its previous one was acknowledged.
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "tests/bench/radload/generator.h"

namespace bench::radload {

void LoadGenerator::initSessions() {
  if (o_.sessionPrefix.empty()) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(random_.next() & 0xffffffffu));
    prefix_ = buf;
  } else {
    prefix_ = o_.sessionPrefix;
  }
  sessions_.assign(o_.sessions, Session{});
  idle_.reset(o_.sessions);
  for (uint32_t i = 0; i < o_.sessions; ++i) {
    newSession(i);
    // Already running when the benchmark begins: at a random point of its life, so the mix of
    // record types is the steady one from the first request on.
    Session& s = sessions_[i];
    s.stage = static_cast<uint32_t>(random_.below(o_.interims + 2));
    for (uint32_t k = 0; k < s.stage; ++k) grow(s);
    idle_.push(i);
  }
}

void LoadGenerator::newSession(uint32_t i) {
  Session& s = sessions_[i];
  s = Session{};
  s.seq = nextSeq_++;
  s.user = random_.below(o_.users);
}

// One interim interval of traffic: up to about 100 Mbit/s down and 13 Mbit/s up, so the 32-bit
// octet counters wrap (Gigawords) within a few intervals.
void LoadGenerator::grow(Session& s) {
  uint64_t down = random_.below(4000000000ull), up = random_.below(500000000ull);
  s.outOctets += down;
  s.inOctets += up;
  s.outPackets += down / 1200 + 1;
  s.inPackets += up / 400 + 1;
  s.sessionTime += kInterimIntervalS - 5 + static_cast<uint32_t>(random_.below(11));
}

// Slot s's request settled with this reply (verified here): the session moves on when it was
// acknowledged, and is served again either way.
void LoadGenerator::handleAcctReply(Slot& slot, uint8_t* packet, size_t size, uint64_t t) {
  Session& s = sessions_[slot.session];
  bool ok = verify(packet, size, slot.requestAuth);
  if (!ok) ++stats_.badReplies;
  else if (packet[0] != kAccountingResponse) ++stats_.wrongCode;
  if (!ok || packet[0] != kAccountingResponse) {
    s.timedOut = true;  // not acknowledged: unknown whether it was recorded
    idle_.push(slot.session);
    return;
  }
  ++stats_.responses;
  uint64_t ns = t - slot.sentNs;
  stats_.latencyNs.push_back(ns > kMaxLatencyNs ? kMaxLatencyNs : static_cast<uint32_t>(ns));
  if (!s.recorded) {
    s.recorded = true;
    ++stats_.sessionsRecorded;
  }
  s.timedOut = false;
  s.firstSentNs = 0;
  if (s.stage == 0) {
    ++stats_.startsAcked;
  } else if (s.stage <= o_.interims) {
    ++stats_.interimsAcked;
  } else {
    ++stats_.stopsAcked;
    newSession(slot.session);  // this NAS port gets its next subscriber session
    idle_.push(slot.session);
    return;
  }
  ++s.stage;
  grow(s);
  idle_.push(slot.session);
}

size_t LoadGenerator::buildAcctRequest(uint8_t id, Slot& slot, uint8_t* out) {
  uint32_t index = idle_.pop();
  slot.session = index;
  Session& s = sessions_[index];
  const bool start = s.stage == 0, stop = s.stage > o_.interims;
  out[0] = kAccountingRequest;
  out[1] = id;
  size_t p = kHeaderSize;
  auto put32 = [&](uint8_t type, uint32_t v) {
    out[p] = type;
    out[p + 1] = 6;
    uint32_t be = htonl(v);
    std::memcpy(out + p + 2, &be, 4);
    p += 6;
  };
  put32(kAttrAcctStatusType, start ? kStatusStart : stop ? kStatusStop : kStatusInterimUpdate);

  // Acct-Session-Id = prefix-XXXXXXXX.
  out[p] = kAttrAcctSessionId;
  size_t n = prefix_.size();
  std::memcpy(out + p + 2, prefix_.data(), n);
  out[p + 2 + n++] = '-';
  static const char kHex[] = "0123456789ABCDEF";
  for (int i = 7; i >= 0; --i) out[p + 2 + n++] = static_cast<uint8_t>(kHex[(s.seq >> (4 * i)) & 0xf]);
  out[p + 1] = static_cast<uint8_t>(n + 2);
  p += n + 2;

  out[p] = kAttrUserName;
  n = o_.userPrefix.size();
  std::memcpy(out + p + 2, o_.userPrefix.data(), n);
  n += writeDecimal(s.user, out + p + 2 + n);
  out[p + 1] = static_cast<uint8_t>(n + 2);
  p += n + 2;

  out[p] = kAttrNasIpAddress;
  out[p + 1] = 6;
  std::memcpy(out + p + 2, nasIp_, 4);
  p += 6;
  // The NAS port (and the subscriber's line) is the session's slot; the address comes from
  // 100.64.0.0/10 (RFC 6598), one per port.
  put32(kAttrNasPort, index % 65536);
  put32(kAttrNasPortType, kNasPortTypeEthernet);

  // Calling-Station-Id: a locally administered MAC per port ("02-00-...").
  uint8_t* mac = out + p + 2;
  std::memcpy(mac, "02-00-", 6);
  for (int i = 0; i < 4; ++i) {
    auto octet = static_cast<unsigned>((index >> (24 - 8 * i)) & 0xff);
    mac[6 + 3 * i] = static_cast<uint8_t>(kHex[octet >> 4]);
    mac[7 + 3 * i] = static_cast<uint8_t>(kHex[octet & 0xf]);
    if (i < 3) mac[8 + 3 * i] = '-';
  }
  out[p] = kAttrCallingStationId;
  out[p + 1] = 19;
  p += 19;

  put32(kAttrFramedIpAddress, 0x64400000u + (index & 0x3fffffu));
  put32(kAttrEventTimestamp, static_cast<uint32_t>(std::time(nullptr)));
  // RFC 2866 5.2: how long the NAS has been trying to send this record.
  uint32_t delay = s.firstSentNs == 0 ? 0 : static_cast<uint32_t>((nowNs() - s.firstSentNs) / 1000000000ull);
  put32(kAttrAcctDelayTime, delay);
  if (!start) {
    put32(kAttrAcctSessionTime, s.sessionTime);
    put32(kAttrAcctInputOctets, static_cast<uint32_t>(s.inOctets));
    put32(kAttrAcctInputGigawords, static_cast<uint32_t>(s.inOctets >> 32));
    put32(kAttrAcctOutputOctets, static_cast<uint32_t>(s.outOctets));
    put32(kAttrAcctOutputGigawords, static_cast<uint32_t>(s.outOctets >> 32));
    put32(kAttrAcctInputPackets, static_cast<uint32_t>(s.inPackets));
    put32(kAttrAcctOutputPackets, static_cast<uint32_t>(s.outPackets));
  }
  if (stop) {
    // Mostly User-Request, some Lost-Carrier, Idle-Timeout, Session-Timeout, Admin-Reset.
    static const uint32_t kCauses[8] = {1, 1, 1, 1, 2, 4, 5, 6};
    put32(kAttrAcctTerminateCause, kCauses[s.seq % 8]);
  }
  out[2] = static_cast<uint8_t>(p >> 8);
  out[3] = static_cast<uint8_t>(p & 0xff);
  crypto_.signAccountingRequest(out, p);
  std::memcpy(slot.requestAuth, out + 4, 16);
  return p;
}

LoadGenerator::Unacked LoadGenerator::unacked() const {
  Unacked u;
  for (const Session& s : sessions_) {
    if (!s.timedOut) continue;
    if (!s.recorded) ++u.sessions;
    if (s.stage == 0) ++u.starts;
    else if (s.stage <= o_.interims) ++u.interims;
    else ++u.stops;
  }
  return u;
}

}  // namespace bench::radload
