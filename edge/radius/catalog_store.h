// The catalog's reads of edge.db that the snapshot cannot answer: subscriber-list's filtered,
// ordered and paged view of the `subscribers` table. Inserts, updates and deletes of NAS clients,
// plans and subscribers are aaa/policy/store.h's. The SQL of catalog_service.cpp, nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace edge {

// Which subscribers a listing covers; an absent field does not filter.
struct SubscriberFilter {
  std::optional<int64_t> planId;
  std::optional<std::string> status;  // a stored status name: active, suspended, disabled
  std::optional<std::string> prefix;  // usernames starting with it
};

// How many subscribers match.
core::Result<int64_t> countSubscribers(core::Database& db, const SubscriberFilter& filter);
// The usernames that match, in username order, `limit` of them after skipping `offset`.
core::Result<std::vector<std::string>> subscriberNames(core::Database& db, const SubscriberFilter& filter, int64_t limit,
                                                       int64_t offset);

}  // namespace edge
