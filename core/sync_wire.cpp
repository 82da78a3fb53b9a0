#include "core/sync_wire.h"

#include "core/pki.h"

#include <cctype>

namespace core::sync {

namespace {

// Reads fields of one JSON object; the first error sticks and names the field.
class Reader {
 public:
  explicit Reader(const Json& j) : j_(j) {
    if (!j.is_object()) error_ = invalidArgument("expected a JSON object, got " + jsonTypeName(j));
  }
  void text(const char* key, std::string& out, bool required = true) {
    const Json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_string()) return fail(key, "string", *v);
    out = v->get<std::string>();
  }
  void integer(const char* key, int64_t& out, bool required = true) {
    const Json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return fail(key, "integer", *v);
    out = v->get<int64_t>();
  }
  void boolean(const char* key, bool& out, bool required = true) {
    const Json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_boolean()) return fail(key, "boolean", *v);
    out = v->get<bool>();
  }
  void object(const char* key, Json& out, bool required = true) {
    const Json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_object()) return fail(key, "object", *v);
    out = *v;
  }
  template <class T>
  void list(const char* key, std::vector<T>& out, bool required = true) {
    const Json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "list", *v);
    out.clear();
    for (size_t i = 0; i < v->size(); ++i) {
      Result<T> item = fromJson<T>((*v)[i]);
      if (!item.isOk()) {
        if (error_.isOk()) error_ = invalidArgument(std::string(key) + "[" + std::to_string(i) + "]: " + item.status().message());
        return;
      }
      out.push_back(std::move(*item));
    }
  }
  template <class T>
  Result<T> result(T value) const {
    if (!error_.isOk()) return error_;
    return value;
  }

 private:
  const Json* find(const char* key, bool required) {
    if (!error_.isOk()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      if (required) error_ = invalidArgument(std::string("field '") + key + "' is missing");
      return nullptr;
    }
    return &*it;
  }
  void fail(const char* key, const char* expected, const Json& got) {
    error_ = invalidArgument(std::string("field '") + key + "': expected " + expected + ", got " + jsonTypeName(got));
  }

  const Json& j_;
  Status error_;
};

template <class T>
Json listJson(const std::vector<T>& items) {
  Json out = Json::array();
  for (const T& item : items) out.push_back(toJson(item));
  return out;
}

constexpr const char* kTokenPrefix = "edge1.";

}  // namespace

std::string encodeClaimToken(const ClaimToken& t) {
  return kTokenPrefix + pki::base64Encode(Json{{"url", t.url}, {"ca", t.caFingerprint}, {"secret", t.secret}}.dump(), true);
}

Result<ClaimToken> decodeClaimToken(const std::string& text) {
  std::string s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.rfind(kTokenPrefix, 0) != 0)
    return invalidArgument("not a claim token (it starts with 'edge1.'; copy the whole line `mgmtctl claim create` printed)");
  Result<std::string> raw = pki::base64Decode(s.substr(std::string(kTokenPrefix).size()), "the claim token", true);
  if (!raw.isOk()) return invalidArgument("the claim token is damaged (not base64url): copy it again");
  Result<Json> parsed = parseJsonWithComments(*raw, "the claim token", JsonLimits{4096, 4});
  if (!parsed.isOk()) return invalidArgument("the claim token is damaged: copy it again");
  const Json& j = *parsed;
  ClaimToken t;
  Reader r(j);
  r.text("url", t.url);
  r.text("ca", t.caFingerprint);
  r.text("secret", t.secret);
  Result<ClaimToken> out = r.result(t);
  if (!out.isOk()) return invalidArgument("the claim token is damaged: " + out.status().message());
  if (t.caFingerprint.size() != 64) return invalidArgument("the claim token is damaged: its CA fingerprint is not SHA-256");
  return out;
}

Json toJson(const EnrollRequest& v) {
  return Json{{"secret", v.secret}, {"csr", v.csr}, {"hostname", v.hostname}, {"version", v.version}};
}
Result<EnrollRequest> fromJson(const Json& j, EnrollRequest*) {
  EnrollRequest v;
  Reader r(j);
  r.text("secret", v.secret);
  r.text("csr", v.csr);
  r.text("hostname", v.hostname, false);
  r.text("version", v.version, false);
  return r.result(v);
}

Json toJson(const EnrollResponse& v) {
  return Json{{"device-id", v.deviceId},       {"tenant-id", v.tenantId},     {"tenant-name", v.tenantName},
              {"certificate", v.certificate}, {"ca-certificate", v.caCertificate}, {"license", v.license},
              {"license-key", v.licenseKey},  {"poll-interval", v.pollInterval}};
}
Result<EnrollResponse> fromJson(const Json& j, EnrollResponse*) {
  EnrollResponse v;
  Reader r(j);
  r.text("device-id", v.deviceId);
  r.text("tenant-id", v.tenantId);
  r.text("tenant-name", v.tenantName);
  r.text("certificate", v.certificate);
  r.text("ca-certificate", v.caCertificate);
  r.text("license", v.license);
  r.text("license-key", v.licenseKey);
  r.integer("poll-interval", v.pollInterval);
  return r.result(v);
}

Json toJson(const RenewRequest& v) { return Json{{"csr", v.csr}}; }
Result<RenewRequest> fromJson(const Json& j, RenewRequest*) {
  RenewRequest v;
  Reader r(j);
  r.text("csr", v.csr);
  return r.result(v);
}

Json toJson(const RenewResponse& v) { return Json{{"certificate", v.certificate}}; }
Result<RenewResponse> fromJson(const Json& j, RenewResponse*) {
  RenewResponse v;
  Reader r(j);
  r.text("certificate", v.certificate);
  return r.result(v);
}

Json toJson(const CheckinRequest& v) {
  return Json{{"version", v.version},   {"uptime", v.uptime},         {"clock", v.clock},
              {"subscribers", v.subscribers}, {"sessions", v.sessions}, {"backlog", v.backlog},
              {"license-id", v.licenseId}, {"license-state", v.licenseState}, {"cursor", v.cursor},
              {"health", v.health}};
}
Result<CheckinRequest> fromJson(const Json& j, CheckinRequest*) {
  CheckinRequest v;
  Reader r(j);
  r.text("version", v.version);
  r.integer("uptime", v.uptime);
  r.integer("clock", v.clock);
  r.integer("subscribers", v.subscribers);
  r.integer("sessions", v.sessions);
  r.integer("backlog", v.backlog);
  r.text("license-id", v.licenseId);
  r.text("license-state", v.licenseState);
  r.integer("cursor", v.cursor);
  r.object("health", v.health, false);
  return r.result(v);
}

Json toJson(const Command& v) { return Json{{"id", v.id}, {"kind", v.kind}, {"arguments", v.arguments}}; }
Result<Command> fromJson(const Json& j, Command*) {
  Command v;
  Reader r(j);
  r.integer("id", v.id);
  r.text("kind", v.kind);
  r.object("arguments", v.arguments, false);
  return r.result(v);
}

Json toJson(const CheckinResponse& v) {
  return Json{{"poll-interval", v.pollInterval}, {"server-time", v.serverTime},
              {"cursor", v.cursor},              {"license", v.license},
              {"desired-version", v.desiredVersion}, {"renew-certificate", v.renewCertificate},
              {"commands", listJson(v.commands)}};
}
Result<CheckinResponse> fromJson(const Json& j, CheckinResponse*) {
  CheckinResponse v;
  Reader r(j);
  r.integer("poll-interval", v.pollInterval);
  r.integer("server-time", v.serverTime);
  r.integer("cursor", v.cursor);
  r.text("license", v.license, false);
  r.text("desired-version", v.desiredVersion, false);
  r.boolean("renew-certificate", v.renewCertificate, false);
  r.list("commands", v.commands, false);
  return r.result(v);
}

Json toJson(const Change& v) {
  return Json{{"kind", v.kind}, {"name", v.name}, {"version", v.version}, {"deleted", v.deleted}, {"spec", v.spec}};
}
Result<Change> fromJson(const Json& j, Change*) {
  Change v;
  Reader r(j);
  r.text("kind", v.kind);
  r.text("name", v.name);
  r.integer("version", v.version);
  r.boolean("deleted", v.deleted);
  r.object("spec", v.spec, false);
  Result<Change> out = r.result(v);
  if (out.isOk() && v.kind != "plan" && v.kind != "subscriber")
    return invalidArgument("field 'kind': '" + v.kind + "' is not plan or subscriber");
  return out;
}

Json toJson(const ChangePage& v) {
  return Json{{"cursor", v.cursor}, {"full", v.full}, {"more", v.more}, {"changes", listJson(v.changes)}};
}
Result<ChangePage> fromJson(const Json& j, ChangePage*) {
  ChangePage v;
  Reader r(j);
  r.integer("cursor", v.cursor);
  r.boolean("full", v.full);
  r.boolean("more", v.more);
  r.list("changes", v.changes);
  return r.result(v);
}

Json toJson(const UsageRow& v) {
  return Json{{"seq", v.seq},
              {"at", v.at},
              {"session", v.session},
              {"username", v.username},
              {"input-octets", v.inputOctets},
              {"output-octets", v.outputOctets},
              {"session-time", v.sessionTime}};
}
Result<UsageRow> fromJson(const Json& j, UsageRow*) {
  UsageRow v;
  Reader r(j);
  r.integer("seq", v.seq);
  r.integer("at", v.at);
  r.text("session", v.session);
  r.text("username", v.username);
  r.integer("input-octets", v.inputOctets);
  r.integer("output-octets", v.outputOctets);
  r.integer("session-time", v.sessionTime);
  Result<UsageRow> out = r.result(v);
  if (out.isOk() && (v.seq <= 0 || v.inputOctets < 0 || v.outputOctets < 0 || v.sessionTime < 0))
    return invalidArgument("seq must be positive and counters not negative");
  return out;
}

Json toJson(const SessionSummary& v) {
  return Json{{"id", v.id},           {"session", v.session},         {"username", v.username},
              {"nas", v.nas},         {"started", v.started},         {"stopped", v.stopped},
              {"input-octets", v.inputOctets}, {"output-octets", v.outputOctets}, {"session-time", v.sessionTime},
              {"close-reason", v.closeReason}};
}
Result<SessionSummary> fromJson(const Json& j, SessionSummary*) {
  SessionSummary v;
  Reader r(j);
  r.integer("id", v.id);
  r.text("session", v.session);
  r.text("username", v.username);
  r.text("nas", v.nas);
  r.integer("started", v.started);
  r.integer("stopped", v.stopped);
  r.integer("input-octets", v.inputOctets);
  r.integer("output-octets", v.outputOctets);
  r.integer("session-time", v.sessionTime);
  r.text("close-reason", v.closeReason, false);
  return r.result(v);
}

Json toJson(const UsageBatch& v) {
  return Json{{"idempotency-key", v.idempotencyKey}, {"rows", listJson(v.rows)}, {"sessions", listJson(v.sessions)}};
}
Result<UsageBatch> fromJson(const Json& j, UsageBatch*) {
  UsageBatch v;
  Reader r(j);
  r.text("idempotency-key", v.idempotencyKey);
  r.list("rows", v.rows);
  r.list("sessions", v.sessions, false);
  Result<UsageBatch> out = r.result(v);
  for (size_t i = 1; out.isOk() && i < v.rows.size(); ++i)
    if (v.rows[i].seq <= v.rows[i - 1].seq) return invalidArgument("rows: seq must ascend");
  return out;
}

Json toJson(const UsageAck& v) {
  return Json{{"watermark", v.watermark}, {"session-watermark", v.sessionWatermark}, {"accepted", v.accepted},
              {"duplicates", v.duplicates}};
}
Result<UsageAck> fromJson(const Json& j, UsageAck*) {
  UsageAck v;
  Reader r(j);
  r.integer("watermark", v.watermark);
  r.integer("session-watermark", v.sessionWatermark, false);
  r.integer("accepted", v.accepted);
  r.integer("duplicates", v.duplicates);
  return r.result(v);
}

Json toJson(const Event& v) { return Json{{"seq", v.seq}, {"at", v.at}, {"kind", v.kind}, {"data", v.data}}; }
Result<Event> fromJson(const Json& j, Event*) {
  Event v;
  Reader r(j);
  r.integer("seq", v.seq);
  r.integer("at", v.at);
  r.text("kind", v.kind);
  r.object("data", v.data, false);
  return r.result(v);
}

Json toJson(const EventBatch& v) { return Json{{"events", listJson(v.events)}}; }
Result<EventBatch> fromJson(const Json& j, EventBatch*) {
  EventBatch v;
  Reader r(j);
  r.list("events", v.events);
  return r.result(v);
}

Json toJson(const EventAck& v) { return Json{{"watermark", v.watermark}}; }
Result<EventAck> fromJson(const Json& j, EventAck*) {
  EventAck v;
  Reader r(j);
  r.integer("watermark", v.watermark);
  return r.result(v);
}

Json toJson(const CommandResult& v) { return Json{{"id", v.id}, {"ok", v.ok}, {"text", v.text}}; }
Result<CommandResult> fromJson(const Json& j, CommandResult*) {
  CommandResult v;
  Reader r(j);
  r.integer("id", v.id);
  r.boolean("ok", v.ok);
  r.text("text", v.text, false);
  return r.result(v);
}

}  // namespace core::sync
