#include "mgmt/usage/usage_service.h"

#include <algorithm>

#include "core/command_args.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/fleet/rollout_service.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::usage {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

UsageService::UsageService(Deps deps) : d_(std::move(deps)) {}

core::Result<core::sync::UsageAck> UsageService::upload(const fleet::Device& device, const core::sync::UsageBatch& batch) {
  core::sync::UsageAck ack;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    UsageStore usage(tx, d_.ingest);
    ack = core::sync::UsageAck{};
    int64_t maxSeq = 0, maxSession = 0;
    for (const core::sync::UsageRow& u : batch.rows) maxSeq = std::max(maxSeq, u.seq);
    // The batch in a few multi-row statements (not two per row): what lets one mgmtd take tens of
    // thousands of rows a second (docs/benchmarks.md, the fleet simulator).
    EDGE_ASSIGN_OR_RETURN(std::vector<const core::sync::UsageRow*> fresh,
                          usage.insertUsageRows(device.id, device.tenantId, batch.rows));
    ack.accepted = static_cast<int64_t>(fresh.size());
    ack.duplicates = static_cast<int64_t>(batch.rows.size() - fresh.size());
    EDGE_RETURN_IF_ERROR(usage.addToTotals(device.tenantId, fresh));
    for (const core::sync::SessionSummary& x : batch.sessions) {
      EDGE_RETURN_IF_ERROR(usage.insertSession(device.id, device.tenantId, x));
      maxSession = std::max(maxSession, x.id);
    }
    EDGE_ASSIGN_OR_RETURN(auto marks, fleet::FleetStore(tx).raiseUsageWatermarks(device.id, maxSeq, maxSession));
    ack.watermark = marks.first;
    ack.sessionWatermark = marks.second;
    return core::Status::ok();
  }));
  return ack;
}

core::Result<core::sync::EventAck> UsageService::events(const fleet::Device& device, const core::sync::EventBatch& batch,
                                                        int64_t now) {
  core::sync::EventAck ack;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    UsageStore usage(tx);
    EDGE_ASSIGN_OR_RETURN(Tenant tenant, tenancy::loadTenant(tx, device.tenantId));
    int64_t maxSeq = 0;
    for (const core::sync::Event& e : batch.events) {
      maxSeq = std::max(maxSeq, e.seq);
      Json data = e.data;
      if (data.contains("password")) data["password"] = "(set)";  // the audit copy holds no secret
      EDGE_ASSIGN_OR_RETURN(bool fresh, usage.insertEvent(device.id, device.tenantId, e, data.dump()));
      if (!fresh) continue;  // a replay
      // A subscriber made on the box (a tech in the field) becomes a central one; from then on mgmt
      // owns it like any other, and it reaches the tenant's other boxes.
      std::string outcome = "recorded";
      if (e.kind == "subscriber-added" && e.data.contains("username") && e.data["username"].is_string()) {
        EDGE_ASSIGN_OR_RETURN(bool exists,
                              catalog::subscriberExists(tx, device.tenantId, e.data["username"].get<std::string>()));
        if (!exists) {
          // A refused spec is the event's outcome, not the batch's failure (putSubscriber checks
          // everything before it writes, so a refusal leaves nothing half-written here).
          core::Status put = catalog::putSubscriber(tx, tenant, e.data, device.id, now);
          const bool refused = put.code() == core::Code::kInvalidArgument || put.code() == core::Code::kNotFound ||
                               put.code() == core::Code::kResourceExhausted;
          if (!put.isOk() && !refused) return put;  // the store failed: the whole batch again later
          outcome = put.isOk() ? "subscriber created centrally" : "refused: " + put.message();
        }
      }
      // The health gate's outcome moves the box in its rollout (ADR 0052).
      if (e.kind == "firmware-outcome") EDGE_RETURN_IF_ERROR(fleet::recordFirmwareOutcome(tx, device.id, e.data, now));
      EDGE_RETURN_IF_ERROR(usage.setEventOutcome(device.id, e.seq, outcome));
    }
    EDGE_ASSIGN_OR_RETURN(ack.watermark, fleet::FleetStore(tx).raiseEventWatermark(device.id, maxSeq));
    return core::Status::ok();
  }));
  return ack;
}

ControlReply UsageService::totals(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "user"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> user, a.text("user"));
  Json list;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<Totals> rows, UsageStore(tx).totals(t.id, user.value_or("")));
        list = Json::array();
        for (const Totals& r : rows)
          list.push_back(Json{{"username", r.username},
                              {"input-octets", r.inputOctets},
                              {"output-octets", r.outputOctets},
                              {"session-time", r.sessionTime},
                              {"records", r.records},
                              {"last-record", iso(r.lastAt)}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (user && list.empty())
    list.push_back(Json{{"username", *user}, {"input-octets", 0}, {"output-octets", 0}, {"session-time", 0},
                        {"records", 0}, {"last-record", ""}});
  return ControlReply::success(std::to_string(list.size()) + " subscribers with usage", list);
}

ControlReply UsageService::sessions(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "user", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> user, a.text("user"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  Json list;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows,
                              UsageStore(tx).sessions(t.id, user.value_or(""), limit.value_or(100)));
        list = Json::array();
        for (const SessionRow& r : rows) {
          const core::sync::SessionSummary& x = r.summary;
          list.push_back(Json{{"device", r.deviceId}, {"session", x.session}, {"username", x.username},
                              {"nas", x.nas}, {"started", iso(x.started)}, {"stopped", iso(x.stopped)},
                              {"input-octets", x.inputOctets}, {"output-octets", x.outputOctets},
                              {"session-time", x.sessionTime}, {"close-reason", x.closeReason}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " closed sessions", list);
}

core::Result<int64_t> UsageService::usageRecords() {
  int64_t n = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(n, UsageStore(tx).usageRecords());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return n;
}

}  // namespace mgmt::usage
