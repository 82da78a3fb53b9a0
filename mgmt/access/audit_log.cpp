#include "mgmt/access/audit_log.h"

#include "core/command/reply.h"
#include "core/command_args.h"
#include "mgmt/access/audit_store.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::access {

using core::ControlReply;
using core::Json;

namespace {

bool secretKey(const std::string& k) {
  // "hash": a subscriber's nt-hash or password-hash is a credential (an NT hash logs in by itself).
  for (const char* s : {"token", "password", "secret", "otpauth", "recovery", "license", "key", "hash"})
    if (k.find(s) != std::string::npos) return true;
  return false;
}

constexpr size_t kMaxStored = 8192;  // bytes of arguments or reply kept per row

std::string bounded(const Json& j) {
  std::string s = j.dump();
  if (s.size() <= kMaxStored) return s;
  return Json{{"truncated", true}, {"bytes", s.size()}}.dump();
}

core::Result<AuditQuery> queryFrom(store::Transaction& tx, const Json& args, const Principal& actor) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "actor", "command", "since", "until", "limit", "after"}));
  AuditQuery q;
  if (actor.level != Level::kPlatform || a.has("tenant")) {
    EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::tenantFromArgs(tx, a, actor.scope()));
    q.tenantId = t.id;
  } else {
    q.tenantId = "*";
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> who, a.text("actor"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> command, a.text("command"));
  q.actor = who.value_or("");
  q.command = command.value_or("");
  for (const char* key : {"since", "until"}) {
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, a.text(key));
    if (!text) continue;
    core::Result<int64_t> t = core::parseIso8601(*text);
    if (!t.isOk()) return core::invalidArgument(std::string(key) + ": expected a time such as 2026-12-07T10:00:00Z");
    (std::string(key) == "since" ? q.since : q.until) = *t;
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 100000));
  q.limit = limit.value_or(100);
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> after, a.integer("after", 1, INT64_MAX));
  q.afterId = after.value_or(0);
  return q;
}

Json rowJson(const AuditRow& r) {
  auto parsed = [](const std::string& s) {
    if (s.empty()) return Json(nullptr);
    core::Result<Json> j = core::parseJsonWithComments(s, "audit");
    return j.isOk() ? *j : Json(s);
  };
  return Json{{"id", r.id},         {"at", iso(r.at)},           {"actor", r.actor},
              {"role", r.role},     {"tenant", r.tenantId},      {"origin", r.origin},
              {"command", r.command}, {"arguments", parsed(r.arguments)}, {"outcome", r.outcome},
              {"before", parsed(r.before)}, {"after", parsed(r.after)}};
}

}  // namespace

Json maskSecrets(const Json& value) {
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) out[k] = secretKey(k) && !v.is_null() ? Json("***") : maskSecrets(v);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) out.push_back(maskSecrets(v));
    return out;
  }
  return value;
}

std::string csvCell(const std::string& text) {
  std::string t = text;
  if (!t.empty() && (t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@' || t[0] == '\t' || t[0] == '\r'))
    t = "'" + t;
  bool quote = t.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return t;
  std::string out = "\"";
  for (char c : t) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

core::Status AuditLog::record(const core::command::Caller& caller, const core::command::Spec& spec, const Json& arguments,
                              const ControlReply& reply) {
  Json args = maskSecrets(arguments);
  for (const core::command::Arg& a : spec.args)
    if (a.type == core::command::ArgType::kSecret && args.contains(a.name)) args[a.name] = "***";
  AuditRow row;
  row.at = d_.clock.unixSeconds();
  row.actor = caller.role.empty() ? (caller.label.empty() ? "control socket" : caller.label) : caller.label;
  row.role = caller.role.empty() ? "root" : caller.role;
  row.origin = caller.origin.empty() && caller.role.empty() ? "control socket" : caller.origin;
  row.command = spec.name;
  row.arguments = bounded(args);
  row.outcome = reply.result == core::kControlSuccess ? "ok" : core::command::publicCodeName(core::command::publicCode(reply.code));
  // A handler that knows the state it changed puts it in its reply as "before" (person-set does).
  Json after = reply.arguments.is_null() ? Json{{"text", reply.text}} : reply.arguments;
  if (after.is_object() && after.contains("before")) {
    row.before = bounded(maskSecrets(after["before"]));
    after.erase("before");
  }
  row.after = reply.result == core::kControlSuccess ? bounded(maskSecrets(after)) : bounded(Json{{"error", reply.text}});
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    row.tenantId = caller.scope;
    // The platform acting on a tenant: the row is that tenant's too (its owners see it).
    if (row.tenantId.empty() && arguments.is_object() && arguments.contains("tenant") && arguments["tenant"].is_string()) {
      EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t,
                            tenancy::TenantStore(tx).byKey(arguments["tenant"].get<std::string>()));
      if (t) row.tenantId = t->id;
    }
    if (row.tenantId.empty() && spec.name == "tenant-add" && reply.arguments.is_object() && reply.arguments.contains("id") &&
        reply.arguments["id"].is_string())
      row.tenantId = reply.arguments["id"].get<std::string>();
    return AuditStore(tx).insert(row);
  });
}

ControlReply AuditLog::search(const Json& args, const Principal& actor) {
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        list = Json::array();
        EDGE_ASSIGN_OR_RETURN(AuditQuery q, queryFrom(tx, args, actor));
        EDGE_ASSIGN_OR_RETURN(std::vector<AuditRow> rows, AuditStore(tx).search(q));
        for (const AuditRow& r : rows) list.push_back(rowJson(r));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " audit entries", list);
}

ControlReply AuditLog::exportCsv(const Json& args, const Principal& actor) {
  std::string csv = "id,at,actor,role,tenant,origin,command,outcome,arguments,before,after\r\n";
  size_t n = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(AuditQuery q, queryFrom(tx, args, actor));
        q.oldestFirst = true;
        EDGE_ASSIGN_OR_RETURN(std::vector<AuditRow> rows, AuditStore(tx).search(q));
        n = rows.size();
        for (const AuditRow& r : rows) {
          for (const std::string& cell : {std::to_string(r.id), iso(r.at), r.actor, r.role, r.tenantId, r.origin, r.command,
                                          r.outcome, r.arguments, r.before})
            csv += csvCell(cell) + ",";
          csv += csvCell(r.after) + "\r\n";
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(csv, Json{{"rows", n}, {"csv", csv}});
}

}  // namespace mgmt::access
