// The catalog's values (catalog/: NAS clients, plans, subscribers, addresses) under the names the
// request path reads them by. The values, their argument tables and their validation live in the
// catalog, shared with mgmt; the durable copies in SQLite (aaa/policy/store.h); the request path
// reads them from an immutable Snapshot (aaa/policy/snapshot.h).
#pragma once

#include "catalog/ip.h"
#include "catalog/nas.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"

namespace aaa::policy {

using catalog::IpAddress;
using catalog::IpPrefix;
using catalog::formatIp;
using catalog::formatPrefix;
using catalog::parseIp;
using catalog::parsePrefix;

using catalog::NasClient;
using catalog::parseVendorProfile;
using catalog::VendorProfile;
using catalog::vendorProfileName;

using catalog::Plan;

using catalog::MacAddress;
using catalog::NtHash;
using catalog::parseSubscriberStatus;
using catalog::Subscriber;
using catalog::SubscriberStatus;
using catalog::subscriberStatusName;

}  // namespace aaa::policy
