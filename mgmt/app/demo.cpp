#include "mgmt/app/demo.h"

#include <cstdio>

#include "core/pki.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::app {

using core::Json;

core::Status writeDemoData(store::Transaction& tx, const tenancy::Tenant& t, int64_t now) {
  const Json plans[] = {
      Json{{"name", "demo-home-10"}, {"down", "10M"}, {"up", "2M"}, {"price", "9.99"}, {"currency", "USD"}},
      Json{{"name", "demo-home-50"}, {"down", "50M"}, {"up", "10M"}, {"price", "24.99"}, {"currency", "USD"},
           {"data-quota", "500GB"}},
      Json{{"name", "demo-business-100"}, {"down", "100M"}, {"up", "50M"}, {"price", "79.00"}, {"currency", "USD"}}};
  for (const Json& plan : plans) EDGE_RETURN_IF_ERROR(catalog::putPlan(tx, t, plan, now));
  usage::UsageStore usage(tx);
  int64_t seq = 0;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  auto rnd = [&seed](uint64_t n) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed % n;
  };
  for (int i = 1; i <= 50; ++i) {
    char user[32];
    std::snprintf(user, sizeof user, "demo%03d", i);
    const Json& plan = plans[i % 3];
    Json spec{{"username", user}, {"password", core::pki::randomHex(6)}, {"plan", plan["name"]}};
    EDGE_RETURN_IF_ERROR(catalog::putSubscriber(tx, t, spec, "mgmt", now));
    for (int day = 30; day >= 1; --day) {
      ++seq;
      core::sync::UsageRow u;
      u.seq = seq;
      u.at = now - day * 86400;
      u.session = "sample-" + std::to_string(seq);
      u.username = user;
      u.inputOctets = static_cast<int64_t>(200e6 + rnd(800000000));
      u.outputOctets = static_cast<int64_t>(1e9 + rnd(4000000000));
      u.sessionTime = 3600 + static_cast<int64_t>(rnd(20000));
      // The rows of the device "sample": keyed like a box's, so they sum like a box's.
      EDGE_ASSIGN_OR_RETURN(bool fresh, usage.insertUsage("sample", t.id, u));
      if (fresh) EDGE_RETURN_IF_ERROR(usage.addToTotals(t.id, u));
    }
  }
  return core::Status::ok();
}

}  // namespace mgmt::app
