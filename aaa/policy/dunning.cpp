#include "aaa/policy/dunning.h"

#include <algorithm>

namespace aaa::policy {

namespace {
bool rated(const Subscriber& s) {
  return (s.dunning == Dunning::kThrottle || s.dunning == Dunning::kWalled) && s.dunningRate.downBps != 0 &&
         s.dunningRate.upBps != 0;
}
// 0 is "unlimited" in a rate: the dunning rate then is the limit.
uint64_t lower(uint64_t inForce, uint64_t dunning) { return inForce == 0 ? dunning : std::min(inForce, dunning); }
}  // namespace

billing::Rate dunnedRate(const Subscriber& s, const billing::Rate& inForce) {
  if (!rated(s)) return inForce;
  return billing::Rate{lower(inForce.downBps, s.dunningRate.downBps), lower(inForce.upBps, s.dunningRate.upBps)};
}

const char* dunningActionName(DunningAction a) {
  switch (a) {
    case DunningAction::kNone: return "none";
    case DunningAction::kCoa: return "coa";
    case DunningAction::kDisconnect: return "disconnect";
  }
  return "none";
}

DunningAction dunningActionOnChange(const Subscriber& before, const Subscriber& after) {
  const Dunning was = before.dunning, now = after.dunning;
  if (now == Dunning::kSuspend || now == Dunning::kWalled)
    return was == now && (now == Dunning::kSuspend || before.dunningUrl == after.dunningUrl) &&
                   before.dunningRate == after.dunningRate
               ? DunningAction::kNone
               : DunningAction::kDisconnect;
  if (was == Dunning::kWalled) return DunningAction::kDisconnect;
  // Now throttled or not dunned, before throttled, suspended or not dunned.
  if (was == now && (now == Dunning::kNone || before.dunningRate == after.dunningRate)) return DunningAction::kNone;
  return DunningAction::kCoa;
}

std::string dunningText(const Subscriber& s) {
  switch (s.dunning) {
    case Dunning::kNone: return "";
    case Dunning::kThrottle: return "throttled to " + billing::formatRatePair(s.dunningRate) + " for non-payment";
    case Dunning::kWalled:
      return std::string("walled for non-payment") +
             (s.dunningRate.downBps != 0 ? ", at " + billing::formatRatePair(s.dunningRate) : std::string()) +
             (s.dunningUrl.empty() ? std::string(" (the box's own notice page)") : " (pay page " + s.dunningUrl + ")");
    case Dunning::kSuspend: return "suspended for non-payment";
  }
  return "";
}

}  // namespace aaa::policy
