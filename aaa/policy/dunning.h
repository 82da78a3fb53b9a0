// Dunning on the box (docs/decisions/0048-dunning-on-the-box.md) as pure functions of catalog values:
// the rate a dunned subscriber gets, what a change of its dunning does to its live sessions, and the
// words for it. authorize() (policy.h) and the CoA paths (edge/radius) both use them, so a reply and
// a CoA never disagree.
//
//   throttle  the plan's reply, at the dunning rate (capped: a fair-use tier or window below it stays)
//   walled    the plan's reply at the dunning rate (when one is set) plus the walled-garden
//             attributes of the NAS's vendor (reply.h); the box's own gateway keeps the client in the
//             walled garden and its portal sends it to the pay page (edge/gateway)
//   suspend   Access-Reject, reason suspended-non-payment ("Suspended for non-payment")
#pragma once

#include <string>

#include "aaa/policy/model.h"
#include "billing/rating/rules.h"

namespace aaa::policy {

using catalog::Dunning;

// The rate of `s` given the rate in force without dunning (the plan's, a fair-use tier's or a
// window's): while throttled or walled with a dunning rate, the lower of the two in each direction;
// otherwise `inForce`.
billing::Rate dunnedRate(const Subscriber& s, const billing::Rate& inForce);

// What a change of a subscriber's dunning does to its live sessions (the subscriber as it was, and
// as it is now):
//   kDisconnect  it became walled or suspended, or left walled (the NAS re-authenticates it into the
//                new state: a CoA cannot take a session out of, or into, a walled garden)
//   kCoa         the rate changed: throttle set, its rate changed, or throttle (or suspend) ended
//   kNone        nothing about dunning changed
enum class DunningAction { kNone, kCoa, kDisconnect };
const char* dunningActionName(DunningAction a);  // "none", "coa", "disconnect"
DunningAction dunningActionOnChange(const Subscriber& before, const Subscriber& after);

// The state in words, for subscriber-show's and explain's readers and the events:
// "throttled to 512k/256k for non-payment", "walled for non-payment (pay page https://...)",
// "suspended for non-payment"; "" when not dunned.
std::string dunningText(const Subscriber& s);

}  // namespace aaa::policy
