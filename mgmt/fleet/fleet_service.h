// The tenant's appliances: claim tokens and enrollment (a certificate from the mgmt CA bound to the
// device record), the device API's identification of a box by its certificate, renewals, check-ins,
// and the commands mgmt sends to boxes (claim-create, device-list/show/revoke/rekey,
// session-disconnect, command-list).
//
// Contract:
//  - A device is known by its one current certificate; the previous one stays good only until the
//    renewed one is first used (ADR 0012). Revoked devices and suspended tenants are refused
//    (kPermissionDenied), and so is any certificate that is not the device's own.
//  - A claim's proof of possession (the CSR's signature) is checked before the claim is looked at,
//    so a bad CSR does not use it up. A claim is used once per `uses`, until it expires.
//  - A tenant caller sees and changes only its own tenant's devices: another tenant's device is
//    "no device", like one that does not exist. Each operation is one unit of work.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/control_socket.h"
#include "core/sync_wire.h"
#include "mgmt/authority.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::fleet {

// A device API call's device, from its verified certificate.
struct Device {
  std::string id;
  std::string tenantId;
  std::string certificateFingerprint;  // of the certificate this call came with
};

class FleetService {
 public:
  struct Deps {
    store::Storage& storage;
    const Authority& authority;
    const core::Clock& clock;
    // The device API as boxes reach it (in claim tokens); asked at each claim (the port may be
    // known only once the listener runs).
    std::function<std::string()> publicUrl;
    int64_t pollInterval = 60;    // seconds between check-ins, told to every box
    int64_t certificateDays = 90;
    // While `urgent` says a tenant's customers are in dunning, its boxes are told to check in every
    // `urgentPollInterval` seconds instead, so a payment's restore reaches them within it (ADR 0047).
    int64_t urgentPollInterval = 20;
    std::function<core::Result<bool>(store::Transaction&, const std::string& tenantId)> urgent;
    // Called in the unit of work that enrolls a device (after its row is written): work that waited
    // for the tenant's first box, such as top-ups paid before it (ADR 0066). Optional.
    std::function<core::Status(store::Transaction&, const std::string& tenantId, const std::string& deviceId,
                               int64_t now)>
        enrolled;
    // The DNS suffix of boxes' EAP server certificate names: DEVICE-ID.TENANT-ID.eapDomain (ADR 0069).
    std::string eapDomain = "eap.internal";
    // Called in a check-in's unit of work (after the device row is written) with what the box
    // reported: the sessions it has open go to monitoring (ADR 0074). Optional.
    std::function<core::Status(store::Transaction&, const Device&, const core::sync::CheckinRequest&, int64_t now)>
        checkedIn;
  };

  explicit FleetService(Deps deps);

  // The name in a box's EAP server certificate, which phones check (ADR 0069).
  std::string eapName(const std::string& deviceId, const std::string& tenantId) const;

  // Operator commands.
  core::ControlReply createClaim(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply listDevices(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply showDevice(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply revokeDevice(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply rekeyDevice(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply disconnectSessions(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply listCommands(const core::Json& args, const tenancy::Caller& caller);

  // Device API. Refusals: kInvalidArgument (the CSR), kPermissionDenied (claim, certificate, device or
  // tenant refused), kNotFound (a command result for a command the device does not have).
  core::Result<core::sync::EnrollResponse> enroll(const core::sync::EnrollRequest& request, int64_t now);
  // The device of a verified client certificate (PEM or DER).
  core::Result<Device> authenticate(const std::string& certificate);
  core::Result<core::sync::RenewResponse> renew(const Device& device, const core::sync::RenewRequest& request, int64_t now);
  core::Result<core::sync::CheckinResponse> checkin(const Device& device, const core::sync::CheckinRequest& request,
                                                    int64_t now);
  core::Status commandResult(const Device& device, const core::sync::CommandResult& result, int64_t now);

  // Every tenant's devices with this status ("active", "revoked"), for mgmtd's status.
  core::Result<int64_t> devicesWithStatus(const std::string& status);

 private:
  Deps d_;
};

// The tenant's people who reach its boxes' technician UI (ADR 0046), by email: active, with an
// argon2id password, tenant-technician as the box's "technician", tenant-owner and tenant-admin as its
// "admin"; nobody else. Sent in every check-in answer with accountsVersion() of the list.
core::Result<std::vector<core::sync::CentralAccount>> centralAccounts(store::Transaction& tx,
                                                                     const std::string& tenantId);
std::string accountsVersion(const std::vector<core::sync::CentralAccount>& accounts);

// A tenant's active devices, in the caller's transaction (the tenant's listing).
core::Result<int64_t> activeDevices(store::Transaction& tx, const std::string& tenantId);

}  // namespace mgmt::fleet
