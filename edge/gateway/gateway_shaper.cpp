#include "edge/gateway/gateway_shaper.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#include <algorithm>

namespace edge::gw {

namespace {

constexpr uint64_t kLineRateBps = 10'000'000'000ull;  // the default class: 10 Gbit/s
constexpr uint32_t kMinBucket = 32 * 1024;             // room for a GSO super-packet

core::Status nlError(const std::string& what, int err) {
  return core::internalError(what + ": " + nl_geterror(err));
}

uint32_t clampU32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

}  // namespace

Shaper::~Shaper() { close(); }

core::Status Shaper::rootQdisc(int ifindex) {
  // Whatever was there goes (a crashed run's HTB included); errors of the delete mean "nothing to delete".
  rtnl_qdisc* old = rtnl_qdisc_alloc();
  rtnl_tc_set_ifindex(TC_CAST(old), ifindex);
  rtnl_tc_set_parent(TC_CAST(old), TC_H_ROOT);
  rtnl_qdisc_delete(sock_, old);
  rtnl_qdisc_put(old);

  rtnl_qdisc* q = rtnl_qdisc_alloc();
  rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
  rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
  rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
  int err = rtnl_tc_set_kind(TC_CAST(q), "htb");
  if (err == 0) err = rtnl_htb_set_defcls(q, TC_HANDLE(1, kDefaultClass));
  if (err == 0) err = rtnl_qdisc_add(sock_, q, NLM_F_CREATE | NLM_F_REPLACE);
  rtnl_qdisc_put(q);
  if (err < 0) return nlError("HTB root qdisc", err);
  return setOne(ifindex, kDefaultClass, kLineRateBps, 0, 0);
}

core::Status Shaper::open(const std::string& lanInterface, const std::string& wanInterface) {
  std::lock_guard<std::mutex> lock(mu_);
  lan_ = static_cast<int>(if_nametoindex(lanInterface.c_str()));
  wan_ = static_cast<int>(if_nametoindex(wanInterface.c_str()));
  if (lan_ == 0) return core::notFound("lan-interface: no interface named '" + lanInterface + "'");
  if (wan_ == 0) return core::notFound("wan-interface: no interface named '" + wanInterface + "'");
  if (sock_ == nullptr) {
    sock_ = nl_socket_alloc();
    int err = nl_connect(sock_, NETLINK_ROUTE);
    if (err < 0) {
      nl_socket_free(sock_);
      sock_ = nullptr;
      return nlError("netlink", err);
    }
  }
  core::Status s = rootQdisc(lan_);
  if (s.isOk()) s = rootQdisc(wan_);
  return s.withContext("shaping");
}

core::Status Shaper::setOne(int ifindex, uint32_t minor, uint64_t bps, uint64_t burstBps, uint32_t burstSeconds) {
  if (bps == 0) bps = kLineRateBps;
  uint64_t rate = bps / 8;  // HTB counts bytes
  uint64_t ceil = std::max(bps, burstBps) / 8;
  uint64_t bucket = std::max<uint64_t>(rate / 100, kMinBucket);  // 10 ms at the rate
  if (burstBps > bps && burstSeconds > 0) bucket = std::max(bucket, (burstBps - bps) / 8 * burstSeconds);
  rtnl_class* c = rtnl_class_alloc();
  rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
  rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
  rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, minor));
  int err = rtnl_tc_set_kind(TC_CAST(c), "htb");
  if (err == 0) err = rtnl_htb_set_rate64(c, rate);
  if (err == 0) err = rtnl_htb_set_ceil64(c, ceil);
  if (err == 0) err = rtnl_htb_set_rbuffer(c, clampU32(bucket));
  if (err == 0) err = rtnl_htb_set_cbuffer(c, clampU32(std::max<uint64_t>(ceil / 100, kMinBucket)));
  if (err == 0) err = rtnl_htb_set_quantum(c, clampU32(std::clamp<uint64_t>(rate / 10, 1600, 200000)));
  if (err == 0) err = rtnl_class_add(sock_, c, NLM_F_CREATE | NLM_F_REPLACE);
  rtnl_class_put(c);
  if (err < 0) return nlError("HTB class 1:" + std::to_string(minor), err);
  return core::Status::ok();
}

core::Status Shaper::setClass(uint32_t minor, const ShapeRate& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sock_ == nullptr) return core::failedPrecondition("shaping is not set up");
  core::Status s = setOne(lan_, minor, r.downBps, r.burstDownBps, r.burstSeconds);
  if (s.isOk()) s = setOne(wan_, minor, r.upBps, r.burstUpBps, r.burstSeconds);
  return s;
}

core::Status Shaper::removeClass(uint32_t minor) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sock_ == nullptr) return core::Status::ok();
  for (int ifindex : {lan_, wan_}) {
    rtnl_class* c = rtnl_class_alloc();
    rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
    rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
    rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, minor));
    int err = rtnl_class_delete(sock_, c);
    rtnl_class_put(c);
    if (err < 0 && err != -NLE_OBJ_NOTFOUND) return nlError("HTB class 1:" + std::to_string(minor), err);
  }
  return core::Status::ok();
}

void Shaper::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (sock_ == nullptr) return;
  for (int ifindex : {lan_, wan_}) {
    rtnl_qdisc* q = rtnl_qdisc_alloc();
    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    rtnl_qdisc_delete(sock_, q);
    rtnl_qdisc_put(q);
  }
  nl_socket_free(sock_);
  sock_ = nullptr;
}

}  // namespace edge::gw
