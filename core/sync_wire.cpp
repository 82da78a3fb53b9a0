#include "core/sync_wire.h"

#include "core/pki.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

namespace core::sync {

namespace {

// Each wire type is declared once, as a table of fields (key, member, required or optional); both
// directions come from it: writeFields() emits every field in table order, readFields() reads them
// in the same order, stopping at the first error, which names the field. Absent and null read the
// same: a required field is then missing, an optional one keeps the member's default. Checks on
// values that the types cannot state (a known kind, ascending seq) are checkValues<T>()
// specialisations written next to their table.

enum Presence : bool { kOptional = false, kRequired = true };

template <class T, class M>
struct Field {
  const char* key;
  M T::*member;
  Presence presence;
};

template <class T, class M>
constexpr Field<T, M> field(const char* key, M T::*member, Presence presence = kRequired) {
  return {key, member, presence};
}

// Wire<T>::fields: the table of T.
template <class T>
struct Wire;

// Checks on a value whose fields all read; the message is the error as it stands.
template <class T>
Status checkValues(const T&) {
  return Status::ok();
}

// One overload per member type, for each direction. A member of another type fails to compile
// until it gets both.
Status typeError(const char* key, const char* expected, const Json& got) {
  return invalidArgument(std::string("field '") + key + "': expected " + expected + ", got " + jsonTypeName(got));
}

Status readValue(const char* key, const Json& v, std::string& out) {
  if (!v.is_string()) return typeError(key, "string", v);
  out = v.get<std::string>();
  return Status::ok();
}
Status readValue(const char* key, const Json& v, int64_t& out) {
  if (!v.is_number_integer()) return typeError(key, "integer", v);
  out = v.get<int64_t>();
  return Status::ok();
}
Status readValue(const char* key, const Json& v, bool& out) {
  if (!v.is_boolean()) return typeError(key, "boolean", v);
  out = v.get<bool>();
  return Status::ok();
}
// A Json member is a free-form object (command arguments, change specs, event data, health).
Status readValue(const char* key, const Json& v, Json& out) {
  if (!v.is_object()) return typeError(key, "object", v);
  out = v;
  return Status::ok();
}
// A list of texts (a LiveNas's usernames).
Status readValue(const char* key, const Json& v, std::vector<std::string>& out) {
  if (!v.is_array()) return typeError(key, "list", v);
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      return invalidArgument(std::string(key) + "[" + std::to_string(i) + "]: expected string, got " + jsonTypeName(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return Status::ok();
}
// A list of another wire type; an item's error reads "key[i]: ...".
template <class U>
Status readValue(const char* key, const Json& v, std::vector<U>& out) {
  if (!v.is_array()) return typeError(key, "list", v);
  out.clear();
  for (size_t i = 0; i < v.size(); ++i) {
    Result<U> item = fromJson<U>(v[i]);
    if (!item.isOk())
      return invalidArgument(std::string(key) + "[" + std::to_string(i) + "]: " + item.status().message());
    out.push_back(std::move(*item));
  }
  return Status::ok();
}

Json writeValue(const std::string& v) { return v; }
Json writeValue(int64_t v) { return v; }
Json writeValue(bool v) { return v; }
Json writeValue(const Json& v) { return v; }
Json writeValue(const std::vector<std::string>& v) { return Json(v); }
template <class U>
Json writeValue(const std::vector<U>& items) {
  Json out = Json::array();
  for (const U& item : items) out.push_back(toJson(item));
  return out;
}

template <class T, class M>
Status readField(const Json& j, const Field<T, M>& f, T& out) {
  auto it = j.find(f.key);
  if (it == j.end() || it->is_null())
    return f.presence == kRequired ? invalidArgument(std::string("field '") + f.key + "' is missing") : Status::ok();
  return readValue(f.key, *it, out.*f.member);
}

template <class T>
Result<T> readFields(const Json& j) {
  if (!j.is_object()) return invalidArgument("expected a JSON object, got " + jsonTypeName(j));
  T out;
  Status s;
  std::apply([&](const auto&... f) { ((s = readField(j, f, out)).isOk() && ...); }, Wire<T>::fields);
  if (!s.isOk()) return s;
  EDGE_RETURN_IF_ERROR(checkValues(out));
  return out;
}

template <class T>
Json writeFields(const T& v) {
  Json out = Json::object();
  std::apply([&](const auto&... f) { ((out[f.key] = writeValue(v.*f.member)), ...); }, Wire<T>::fields);
  return out;
}

// The tables, in the order the keys go on the wire.

template <>
struct Wire<ClaimToken> {
  using T = ClaimToken;
  static constexpr auto fields = std::make_tuple(field("url", &T::url), field("ca", &T::caFingerprint),
                                                 field("secret", &T::secret));
};
template <>
Status checkValues(const ClaimToken& t) {
  if (t.caFingerprint.size() != 64) return invalidArgument("its CA fingerprint is not SHA-256");
  return Status::ok();
}

template <>
struct Wire<EnrollRequest> {
  using T = EnrollRequest;
  static constexpr auto fields = std::make_tuple(field("secret", &T::secret), field("csr", &T::csr),
                                                 field("hostname", &T::hostname, kOptional),
                                                 field("version", &T::version, kOptional),
                                                 field("eap-csr", &T::eapCsr, kOptional));
};

template <>
struct Wire<EnrollResponse> {
  using T = EnrollResponse;
  static constexpr auto fields = std::make_tuple(
      field("device-id", &T::deviceId), field("tenant-id", &T::tenantId), field("tenant-name", &T::tenantName),
      field("certificate", &T::certificate), field("ca-certificate", &T::caCertificate),
      field("license", &T::license), field("license-key", &T::licenseKey), field("poll-interval", &T::pollInterval),
      field("eap-certificate", &T::eapCertificate, kOptional), field("eap-name", &T::eapName, kOptional));
};

template <>
struct Wire<RenewRequest> {
  static constexpr auto fields =
      std::make_tuple(field("csr", &RenewRequest::csr), field("eap-csr", &RenewRequest::eapCsr, kOptional));
};

template <>
struct Wire<RenewResponse> {
  static constexpr auto fields = std::make_tuple(field("certificate", &RenewResponse::certificate),
                                                 field("eap-certificate", &RenewResponse::eapCertificate, kOptional),
                                                 field("eap-name", &RenewResponse::eapName, kOptional));
};

template <>
struct Wire<LiveNas> {
  static constexpr auto fields = std::make_tuple(field("nas", &LiveNas::nas), field("users", &LiveNas::users));
};
template <>
Status checkValues(const LiveNas& v) {
  if (v.nas.size() > kMaxLiveName) return invalidArgument("field 'nas': longer than 253 bytes");
  for (const std::string& u : v.users)
    if (u.empty() || u.size() > kMaxLiveName) return invalidArgument("field 'users': a username empty or past 253 bytes");
  return Status::ok();
}

template <>
struct Wire<CheckinRequest> {
  using T = CheckinRequest;
  static constexpr auto fields = std::make_tuple(
      field("version", &T::version), field("uptime", &T::uptime), field("clock", &T::clock),
      field("subscribers", &T::subscribers), field("sessions", &T::sessions), field("backlog", &T::backlog),
      field("license-id", &T::licenseId), field("license-state", &T::licenseState), field("cursor", &T::cursor),
      field("health", &T::health, kOptional), field("live", &T::live, kOptional),
      field("live-omitted", &T::liveOmitted, kOptional));
};
template <>
Status checkValues(const CheckinRequest& v) {
  size_t users = 0, bytes = 0;
  for (const LiveNas& n : v.live) {
    users += n.users.size();
    for (const std::string& u : n.users) bytes += u.size();
  }
  if (users > kMaxLiveSessions || bytes > kMaxLiveBytes)
    return invalidArgument("field 'live': more than 20000 usernames or 512 KiB of them");
  if (v.liveOmitted < 0) return invalidArgument("field 'live-omitted': negative");
  return Status::ok();
}

template <>
struct Wire<Command> {
  using T = Command;
  static constexpr auto fields = std::make_tuple(field("id", &T::id), field("kind", &T::kind),
                                                 field("arguments", &T::arguments, kOptional));
};

template <>
struct Wire<CentralAccount> {
  using T = CentralAccount;
  static constexpr auto fields = std::make_tuple(field("email", &T::email), field("role", &T::role),
                                                 field("password-hash", &T::passwordHash));
};
template <>
Status checkValues(const CentralAccount& v) {
  if (v.role != "technician" && v.role != "admin")
    return invalidArgument("field 'role': '" + v.role + "' is not technician or admin");
  if (v.passwordHash.rfind("$argon2id$", 0) != 0) return invalidArgument("field 'password-hash': not an argon2id hash");
  return Status::ok();
}

template <>
struct Wire<CheckinResponse> {
  using T = CheckinResponse;
  static constexpr auto fields = std::make_tuple(
      field("poll-interval", &T::pollInterval), field("server-time", &T::serverTime), field("cursor", &T::cursor),
      field("license", &T::license, kOptional), field("desired-version", &T::desiredVersion, kOptional),
      field("renew-certificate", &T::renewCertificate, kOptional), field("commands", &T::commands, kOptional),
      field("accounts-version", &T::accountsVersion, kOptional), field("accounts", &T::accounts, kOptional));
};

template <>
struct Wire<Change> {
  using T = Change;
  static constexpr auto fields =
      std::make_tuple(field("kind", &T::kind), field("name", &T::name), field("version", &T::version),
                      field("deleted", &T::deleted), field("spec", &T::spec, kOptional));
};
template <>
Status checkValues(const Change& v) {
  if (v.kind != "plan" && v.kind != "subscriber")
    return invalidArgument("field 'kind': '" + v.kind + "' is not plan or subscriber");
  return Status::ok();
}

template <>
struct Wire<ChangePage> {
  using T = ChangePage;
  static constexpr auto fields = std::make_tuple(field("cursor", &T::cursor), field("full", &T::full),
                                                 field("more", &T::more), field("changes", &T::changes));
};

template <>
struct Wire<UsageRow> {
  using T = UsageRow;
  static constexpr auto fields = std::make_tuple(
      field("seq", &T::seq), field("at", &T::at), field("session", &T::session), field("username", &T::username),
      field("input-octets", &T::inputOctets), field("output-octets", &T::outputOctets),
      field("session-time", &T::sessionTime));
};
template <>
Status checkValues(const UsageRow& v) {
  if (v.seq <= 0 || v.inputOctets < 0 || v.outputOctets < 0 || v.sessionTime < 0)
    return invalidArgument("seq must be positive and counters not negative");
  return Status::ok();
}

template <>
struct Wire<SessionSummary> {
  using T = SessionSummary;
  static constexpr auto fields = std::make_tuple(
      field("id", &T::id), field("session", &T::session), field("username", &T::username), field("nas", &T::nas),
      field("started", &T::started), field("stopped", &T::stopped), field("input-octets", &T::inputOctets),
      field("output-octets", &T::outputOctets), field("session-time", &T::sessionTime),
      field("close-reason", &T::closeReason, kOptional));
};

template <>
struct Wire<UsageBatch> {
  using T = UsageBatch;
  static constexpr auto fields = std::make_tuple(field("idempotency-key", &T::idempotencyKey),
                                                 field("rows", &T::rows), field("sessions", &T::sessions, kOptional));
};
template <>
Status checkValues(const UsageBatch& v) {
  for (size_t i = 1; i < v.rows.size(); ++i)
    if (v.rows[i].seq <= v.rows[i - 1].seq) return invalidArgument("rows: seq must ascend");
  return Status::ok();
}

template <>
struct Wire<UsageAck> {
  using T = UsageAck;
  static constexpr auto fields =
      std::make_tuple(field("watermark", &T::watermark), field("session-watermark", &T::sessionWatermark, kOptional),
                      field("accepted", &T::accepted), field("duplicates", &T::duplicates));
};

template <>
struct Wire<Event> {
  using T = Event;
  static constexpr auto fields = std::make_tuple(field("seq", &T::seq), field("at", &T::at), field("kind", &T::kind),
                                                 field("data", &T::data, kOptional));
};

template <>
struct Wire<EventBatch> {
  static constexpr auto fields = std::make_tuple(field("events", &EventBatch::events));
};

template <>
struct Wire<EventAck> {
  static constexpr auto fields = std::make_tuple(field("watermark", &EventAck::watermark));
};

template <>
struct Wire<CommandResult> {
  using T = CommandResult;
  static constexpr auto fields =
      std::make_tuple(field("id", &T::id), field("ok", &T::ok), field("text", &T::text, kOptional));
};

constexpr const char* kTokenPrefix = "edge1.";

}  // namespace

#define EDGE_SYNC_JSON(T)                          \
  Json toJson(const T& v) { return writeFields(v); } \
  Result<T> fromJson(const Json& j, T*) { return readFields<T>(j); }
EDGE_SYNC_WIRE_TYPES(EDGE_SYNC_JSON)
#undef EDGE_SYNC_JSON

std::vector<LiveNas> groupLiveSessions(std::vector<std::pair<std::string, std::string>> sessions, int64_t* omitted) {
  std::sort(sessions.begin(), sessions.end());
  sessions.erase(std::unique(sessions.begin(), sessions.end()), sessions.end());
  // A name's size as a JSON string, escapes included; 0 for one that is not UTF-8 (JSON cannot carry
  // it, and the ledger keeps whatever a NAS sent).
  auto wireSize = [](const std::string& s) -> size_t {
    try {
      return Json(s).dump().size();
    } catch (const Json::exception&) {
      return 0;
    }
  };
  std::vector<LiveNas> out;
  size_t users = 0, bytes = 0;
  int64_t left = 0;
  for (const auto& [nas, user] : sessions) {
    const size_t cost = wireSize(user);
    if (user.empty() || user.size() > kMaxLiveName || nas.size() > kMaxLiveName || cost == 0 || wireSize(nas) == 0 ||
        users >= kMaxLiveSessions || bytes + cost > kMaxLiveBytes) {
      ++left;
      continue;
    }
    if (out.empty() || out.back().nas != nas) out.push_back(LiveNas{nas, {}});
    out.back().users.push_back(user);
    ++users;
    bytes += cost;
  }
  if (omitted != nullptr) *omitted = left;
  return out;
}

// The token is the claim's JSON (its own table above) in base64url behind a version prefix, so it
// is one word to copy and paste.
std::string encodeClaimToken(const ClaimToken& t) {
  return kTokenPrefix + pki::base64Encode(writeFields(t).dump(), true);
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
  Result<ClaimToken> t = readFields<ClaimToken>(*parsed);
  if (!t.isOk()) return invalidArgument("the claim token is damaged: " + t.status().message());
  return t;
}

}  // namespace core::sync
