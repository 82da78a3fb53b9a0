// Subscribers (the ISP's customers) as values, with their one argument table, their one parser of
// command arguments and their one validation, shared by every way a subscriber change arrives: the
// box's subscriber-add, subscriber-set and subscriber-import (edgectl, the web UI, and the changes
// sync applies from mgmt, which are the same commands), and mgmt's subscriber-add/-set and the
// box-made subscribers it takes over. A change mgmt accepts is one every box accepts.
//
//   parseSubscriberFields(args)        unknown arguments refused; each argument's form
//   validateSubscriber(fields, change) what an add or a set needs (username, plan, password)
//   applySubscriberFields(...)         the plan resolved by name, the fields and credentials set
//
// Errors name the argument ("mac: 'x' is not a MAC address ..."); their codes are core::Status
// codes (kInvalidArgument; kNotFound for a plan name that names no plan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mac.h"
#include "billing/rating/rules.h"
#include "catalog/ip.h"
#include "core/command_args.h"
#include "core/status.h"

namespace catalog {

enum class SubscriberStatus : uint8_t { kActive = 0, kSuspended = 1, kDisabled = 2 };
const char* subscriberStatusName(SubscriberStatus s);
std::optional<SubscriberStatus> parseSubscriberStatus(std::string_view name);

// Dunning (ADR 0048): what a customer behind with payment gets, set by mgmt's dunning steps (or by
// hand on a box without mgmt). kNone: service as the plan says; kThrottle: the plan's reply with the
// dunning rate instead of the plan's rate; kWalled: only the walled garden and the pay page (the
// box's own gateway), or the documented reply attributes an external NAS walls by; kSuspend:
// Access-Reject "suspended for non-payment".
enum class Dunning : uint8_t { kNone = 0, kThrottle = 1, kWalled = 2, kSuspend = 3 };
const char* dunningName(Dunning d);  // "", "throttle", "walled", "suspend"
std::optional<Dunning> parseDunning(std::string_view name);

// The longest dunning-url accepted (it travels in a RADIUS attribute of at most 253 octets).
inline constexpr size_t kMaxDunningUrlOctets = 253;

using MacAddress = aaa::auth::MacAddress;
using NtHash = aaa::auth::NtHash;

struct Subscriber {
  int64_t id = 0;
  std::string username;
  // Credentials in the forms the enabled methods need (docs/decisions/0002-subscriber-credentials.md):
  // the NT hash serves PAP and MS-CHAPv2; the cleartext is kept only when CHAP is enabled.
  std::optional<NtHash> ntHash;
  std::string cleartext;
  // An imported password hash (aaa/auth/password_hash.h, ADR 0045): PAP only; '' = none. Set only
  // when neither of the others is (a subscriber has one password).
  std::string papHash;
  int64_t planId = 0;
  SubscriberStatus status = SubscriberStatus::kActive;
  int64_t expiresAt = 0;  // Unix seconds, 0 = never
  std::optional<MacAddress> mac;
  std::optional<IpAddress> staticIp;
  int64_t createdAt = 0;   // Unix seconds
  int64_t firstLogin = 0;  // Unix seconds of the first Access-Accept, 0 = never logged in
  uint64_t validitySeconds = 0;  // from the first login, overriding the plan's (vouchers, top-ups); 0 = the plan's
  int64_t voucherBatch = 0;      // the voucher batch it came from; 0 = not a voucher
  Dunning dunning = Dunning::kNone;
  billing::Rate dunningRate;     // while throttled (and walled, for an external NAS); 0/0 = none
  std::string dunningUrl;        // the pay page while walled: an https URL; '' = none (the box's own page)
  // The start of subscriber-anchored billing periods: the first login, else the creation.
  int64_t periodAnchor() const { return firstLogin != 0 ? firstLogin : createdAt; }
};

// RFC 2865 5.1: User-Name carries at most 253 octets, so a longer username could never log in.
inline constexpr size_t kMaxUsernameOctets = 253;

// Every argument of a subscriber change (subscriber-add, subscriber-set, a row of subscriber-import,
// mgmt's subscriber spec): username, password, plan, mac (binding), expires (ISO 8601, "never"),
// status (active|suspended|disabled), static-ip (IPv4), nt-hash (32 hex digits: an imported NT hash,
// PAP and MS-CHAPv2), password-hash (an imported hash in the Password-With-Header form: PAP only),
// dunning ('', throttle, walled, suspend), dunning-rate (DOWN/UP in the plans' rate syntax: 512k/256k),
// dunning-url (https://..., at most kMaxDunningUrlOctets). '' clears mac, expires, static-ip and the
// three dunning arguments.
const std::vector<core::command::Arg>& subscriberArguments();

// What a change says, each field present or absent (absent: unchanged by a set, the default for an
// add). Forms are checked by the parser; what a change needs by validateSubscriber().
struct SubscriberFields {
  std::optional<std::string> username;  // as given; canonicalUsername() is the stored form
  std::optional<std::string> password;  // "" in an add: no password
  std::optional<NtHash> ntHash;         // instead of a password: an imported NT hash
  std::optional<std::string> passwordHash;  // instead of a password: the canonical stored hash
  std::optional<std::string> plan;      // a plan's name
  std::optional<SubscriberStatus> status;
  std::optional<int64_t> expiresAt;                 // 0 = never
  std::optional<std::optional<MacAddress>> mac;     // present but empty: the binding is cleared
  std::optional<std::optional<IpAddress>> staticIp; // present but empty: the address is cleared
  std::optional<Dunning> dunning;                   // kNone: dunning ends
  std::optional<billing::Rate> dunningRate;         // present and 0/0: cleared
  std::optional<std::string> dunningUrl;            // present and '': cleared
};

// The fields of `a`: unknown arguments refused, each argument's form checked (status, expires, mac,
// static-ip; texts must be texts). InvalidArgument naming the argument.
core::Result<SubscriberFields> parseSubscriberFields(const core::CommandArgs& a);

enum class SubscriberChange {
  kAdd,  // a new subscriber, or a whole spec (mgmt, import rows)
  kSet,  // changes to an existing one, selected by username
};

// The one check of a subscriber change: a username of 1..kMaxUsernameOctets octets; for an add a
// plan, and a password unless the username is a MAC address (MAC authentication; an empty password
// counts as none); a given password storable (aaa/auth/credentials.h: 1..128 octets of UTF-8 without
// NUL; a set cannot empty it); dunning "throttle" with a dunning-rate (an add: in the change; a set:
// not cleared by it, see applySubscriberFields). InvalidArgument naming the argument.
core::Status validateSubscriber(const SubscriberFields& f, SubscriberChange change);

// Resolves a plan name to its id; nullopt when there is no such plan.
using PlanLookup = std::function<std::optional<int64_t>(const std::string& name)>;

// Applies validated fields onto `s`: the plan by name (NotFound "plan: no plan named ..."), status,
// expiry, MAC binding, static address, dunning, and the password's stored forms (the cleartext only
// when `keepCleartext`, i.e. CHAP is enabled). The username is the caller's (see canonicalUsername()).
// The result is checked as a whole: "throttle" needs a dunning-rate (InvalidArgument "dunning-rate:
// ..."), given in the same change or stored before.
core::Status applySubscriberFields(const SubscriberFields& f, const PlanLookup& findPlan, bool keepCleartext,
                                   Subscriber& s);

// Stores `password` in the forms the enabled methods need (docs/decisions/0002); InvalidArgument
// "password: ..." when it cannot be stored. The message never contains the password.
core::Status setPassword(Subscriber& s, std::string_view password, bool keepCleartext);

// A username that reads as a MAC address (any spelling aaa/auth/mac.h accepts, so also a 12-digit
// number such as a phone number) names a MAC-auth subscriber and is stored in the canonical form
// "aa:bb:cc:dd:ee:ff"; any other username is kept as it is.
std::string canonicalUsername(std::string_view username);

}  // namespace catalog
