// Per-subscriber HTB shaping through libnl-route: the LAN interface's egress shapes downloads, the
// WAN interface's egress uploads. Each subscriber has class 1:minor on both (minor 1..0xfffe); the
// nftables map class4 sets the packet's priority to that class, which HTB reads before any filter
// (O(1) classification however many subscribers). Unclassified traffic (the box's own) goes to
// 1:ffff at line rate.
//
// A class is top-level (no parent to borrow from): its average is `rate`; a plan's burst becomes a
// token bucket of (burst rate - rate) x burst time bytes spent at most at the burst rate (HTB's
// ceil), so a subscriber bursts to the burst rate for about the burst time and then falls back to
// the rate, as a MikroTik burst does.
//
// Threading: one netlink socket behind a mutex; any thread may call.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/status.h"

struct nl_sock;

namespace edge::gw {

struct ShapeRate {
  uint64_t downBps = 0;  // 0 = not limited (line rate)
  uint64_t upBps = 0;
  uint64_t burstDownBps = 0;  // 0 = no burst
  uint64_t burstUpBps = 0;
  uint32_t burstSeconds = 0;
  bool operator==(const ShapeRate& o) const {
    return downBps == o.downBps && upBps == o.upBps && burstDownBps == o.burstDownBps && burstUpBps == o.burstUpBps &&
           burstSeconds == o.burstSeconds;
  }
};

inline constexpr uint32_t kDefaultClass = 0xffff;

class Shaper {
 public:
  Shaper() = default;
  ~Shaper();
  Shaper(const Shaper&) = delete;
  Shaper& operator=(const Shaper&) = delete;

  // Replaces the root qdisc of both interfaces with HTB 1: (default class 1:ffff).
  core::Status open(const std::string& lanInterface, const std::string& wanInterface);
  // Adds or changes class 1:minor on both interfaces.
  core::Status setClass(uint32_t minor, const ShapeRate& rate);
  core::Status removeClass(uint32_t minor);
  // Removes the root qdiscs (the interfaces go back to their default queueing).
  void close();

 private:
  core::Status setOne(int ifindex, uint32_t minor, uint64_t bps, uint64_t burstBps, uint32_t burstSeconds);
  core::Status rootQdisc(int ifindex);
  std::mutex mu_;
  nl_sock* sock_ = nullptr;
  int lan_ = 0;
  int wan_ = 0;
};

}  // namespace edge::gw
