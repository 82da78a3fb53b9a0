// The management plane's logic: tenants, licenses, claims, devices, central plans and subscribers,
// and what the boxes send (check-ins, usage, events, command results). Used by the control socket
// (mgmtctl), the admin API (tokens) and the device API (certificates) alike, so every door checks
// the same rules.
//
// Contract:
//  - Every operator call carries a Caller: a platform operator (mgmtctl, platform token) or a
//    tenant's token. A tenant caller can name only its own tenant; anything else is "no tenant"
//    (the same answer as for a tenant that does not exist, so nothing leaks).
//  - Every device call carries the Device from its verified certificate; a device reads and writes
//    only its own tenant's data.
//  - Desired state (plans, subscribers) is versioned per tenant; changes() returns what changed
//    since a cursor, or everything (full) when the cursor is ahead of the tenant (a restored mgmt).
//  - Usage rows are keyed by (device, seq): a replayed batch changes nothing.
// Thread-safe: one SQLite connection behind a mutex (the management plane is not on a hot path).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/control_socket.h"
#include "core/store.h"
#include "core/sync_wire.h"
#include "mgmt/authority.h"
#include "mgmt/mgmt_config.h"

namespace mgmt {

struct Caller {
  std::string tenantId;  // "" = platform operator
  bool platform() const { return tenantId.empty(); }
};

struct Device {
  std::string id;
  std::string tenantId;
  std::string certificateFingerprint;  // of the certificate this call came with
};

// A device API failure: the HTTP status and the message for the JSON error body.
struct ApiError {
  int status = 400;
  std::string message;
};

template <class T>
struct ApiResult {
  T value{};
  std::optional<ApiError> error;
  static ApiResult fail(int status, std::string message) {
    ApiResult r;
    r.error = ApiError{status, std::move(message)};
    return r;
  }
};

class Platform {
 public:
  Platform(const MgmtConfig& config, const Authority& authority, core::Database& db);

  using Handler = std::function<core::ControlReply(Platform&, const core::Json& args, const Caller& caller)>;
  struct CommandInfo {
    std::string name;
    std::string help;
    bool tenantAllowed;  // a tenant's token may call it (scoped to its tenant)
    bool readOnly;       // GET in the admin API
    Handler handler;
  };
  static const std::vector<CommandInfo>& commands();
  core::ControlReply call(const std::string& command, const core::Json& args, const Caller& caller);

  // Device API.
  ApiResult<core::sync::EnrollResponse> enroll(const core::sync::EnrollRequest& request, int64_t now);
  // The device of a verified client certificate (DER); 403 when unknown, revoked or suspended.
  ApiResult<Device> authenticate(const std::string& certificateDer);
  ApiResult<core::sync::RenewResponse> renew(const Device& device, const core::sync::RenewRequest& request, int64_t now);
  ApiResult<core::sync::CheckinResponse> checkin(const Device& device, const core::sync::CheckinRequest& request,
                                                 int64_t now);
  ApiResult<core::sync::ChangePage> changes(const Device& device, int64_t cursor, int64_t limit);
  ApiResult<core::sync::UsageAck> usage(const Device& device, const core::sync::UsageBatch& batch);
  ApiResult<core::sync::EventAck> events(const Device& device, const core::sync::EventBatch& batch, int64_t now);
  ApiResult<bool> commandResult(const Device& device, const core::sync::CommandResult& result, int64_t now);

  // Admin API tokens: the caller a bearer token stands for; nullopt when unknown.
  std::optional<Caller> tokenCaller(const std::string& token);
  // Creates the platform operator's first token in data-dir/admin-token when there is none.
  core::Status ensureAdminToken(const std::string& path);

  core::Json statusJson();

 private:
  friend struct Commands;

  const MgmtConfig& config_;
  const Authority& authority_;
  core::Database& db_;
  std::mutex mu_;
};

}  // namespace mgmt
