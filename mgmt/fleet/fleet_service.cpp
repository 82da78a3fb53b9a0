#include "mgmt/fleet/fleet_service.h"

#include <algorithm>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/access/person_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/fleet/rollout_service.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::fleet {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

Json deviceJson(const DeviceRow& d, int64_t now) {
  Json reported = Json::parse(d.reported, nullptr, false);
  return Json{{"id", d.id},
              {"tenant", d.tenantId},
              {"hostname", d.hostname},
              {"status", d.status},
              {"enrolled-at", iso(d.enrolledAt)},
              {"certificate-serial", d.certSerial},
              {"certificate-expires-at", iso(d.certNotAfter)},
              {"certificate-fingerprint", d.certFingerprint},
              {"last-checkin", iso(d.lastCheckin)},
              {"seconds-since-checkin", d.lastCheckin == 0 ? Json(nullptr) : Json(now - d.lastCheckin)},
              {"reported", reported.is_discarded() ? Json::object() : reported},
              {"usage-watermark", d.usageWatermark},
              {"event-watermark", d.eventWatermark}};
}

// The device a command names by its only argument, `device`, as the caller may see it.
core::Result<DeviceRow> deviceArgument(store::Transaction& tx, const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"device"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("device"));
  EDGE_ASSIGN_OR_RETURN(std::optional<DeviceRow> d, FleetStore(tx).device(id));
  // Another tenant's device is answered like one that does not exist.
  if (!d || (!caller.platform() && d->tenantId != caller.tenantId))
    return core::notFound("device: no device '" + id + "' (see device list)");
  return *d;
}

}  // namespace

core::Result<int64_t> activeDevices(store::Transaction& tx, const std::string& tenantId) {
  return FleetStore(tx).activeDevices(tenantId);
}

FleetService::FleetService(Deps deps) : d_(std::move(deps)) {}

ControlReply FleetService::createClaim(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "ttl", "uses"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> ttlText, a.text("ttl"));
  EDGE_ASSIGN_OR_RETURN(int64_t ttl, parseTtl(ttlText.value_or("24h")));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> uses, a.integer("uses"));
  const int64_t now = d_.clock.unixSeconds();
  core::sync::ClaimToken token;
  token.url = d_.publicUrl ? d_.publicUrl() : std::string();
  token.caFingerprint = d_.authority.caFingerprint();
  Claim claim;
  Tenant t;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(t, tenancy::tenantFromArgs(tx, a, caller));
    if (t.status != "active") return core::failedPrecondition("tenant '" + t.name + "' is suspended: no new appliances");
    token.secret = core::pki::randomHex(24);
    claim = Claim{"c-" + core::pki::randomHex(4), t.id, uses.value_or(1), now + ttl, now};
    return FleetStore(tx).insertClaim(claim, core::pki::sha256Hex(token.secret));
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("claim " + claim.id + " for tenant '" + t.name + "'",
                               Json{{"id", claim.id}, {"token", core::sync::encodeClaimToken(token)}, {"tenant", t.id},
                                    {"uses", claim.usesLeft}, {"expires-at", iso(claim.expiresAt)}, {"url", token.url}});
}

ControlReply FleetService::listDevices(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        std::string tenantId = caller.tenantId;
        if (a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          tenantId = t.id;
        }
        EDGE_ASSIGN_OR_RETURN(std::vector<DeviceRow> rows, FleetStore(tx).devices(tenantId));
        list = Json::array();
        const int64_t now = d_.clock.unixSeconds();
        for (const DeviceRow& d : rows) list.push_back(deviceJson(d, now));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(list.size()) + " devices", list);
}

ControlReply FleetService::showDevice(const Json& args, const Caller& caller) {
  DeviceRow d;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(d, deviceArgument(tx, args, caller));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  Json shown = deviceJson(d, d_.clock.unixSeconds());
  shown["eap-name"] = eapName(d.id, d.tenantId);  // what its EAP certificate names, if it asked for one
  return ControlReply::success("device " + d.id, shown);
}

ControlReply FleetService::revokeDevice(const Json& args, const Caller& caller) {
  DeviceRow d;
  const int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(d, deviceArgument(tx, args, caller));
    EDGE_ASSIGN_OR_RETURN(bool revoked, FleetStore(tx).revoke(d.id, now));
    (void)revoked;  // revoked already: the same answer
    d.status = "revoked";
    return core::Status::ok();
  }));
  return ControlReply::success(
      "device " + d.id + " revoked: its certificate is refused from now on (the box keeps serving offline)",
      deviceJson(d, now));
}

// A suspected leak of a box's key: the box makes a new key and certificate at its next check-in,
// and from its first call with them every earlier certificate is refused (ADR 0012).
ControlReply FleetService::rekeyDevice(const Json& args, const Caller& caller) {
  DeviceRow d;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(d, deviceArgument(tx, args, caller));
    if (d.status != "active") return core::failedPrecondition("device is revoked: enroll the box again instead");
    return FleetStore(tx).requestRekey(d.id);
  }));
  return ControlReply::success("device " + d.id +
                                   ": a new key at its next check-in; its current certificate is refused once the "
                                   "new one is in use",
                               deviceJson(d, d_.clock.unixSeconds()));
}

ControlReply FleetService::disconnectSessions(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "user"}));
  std::vector<int64_t> ids;
  std::string user;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(user, a.required("user"));
    EDGE_ASSIGN_OR_RETURN(ids, FleetStore(tx).queueForActiveDevices(t.id, "disconnect", Json{{"user", user}}.dump(),
                                                                     d_.clock.unixSeconds()));
    // Nothing queued: the transaction is rolled back with the refusal.
    if (ids.empty()) return core::invalidArgument("tenant '" + t.name + "' has no active devices");
    return core::Status::ok();
  }));
  return ControlReply::success("disconnect of '" + user + "' queued for " + std::to_string(ids.size()) +
                                   " devices; they run it at their next check-in (see command list)",
                               Json{{"commands", ids}});
}

ControlReply FleetService::listCommands(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<CommandRow> rows, FleetStore(tx).commands(t.id));
        list = Json::array();
        for (const CommandRow& c : rows) {
          Json arguments = Json::parse(c.arguments, nullptr, false);
          list.push_back(Json{{"id", c.id}, {"device", c.deviceId}, {"kind", c.kind},
                              {"arguments", arguments.is_discarded() ? Json::object() : arguments}, {"state", c.state},
                              {"result", c.result}, {"created-at", iso(c.createdAt)}, {"done-at", iso(c.doneAt)}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " commands", list);
}

// ---- device API -----------------------------------------------------------------------------------

std::string FleetService::eapName(const std::string& deviceId, const std::string& tenantId) const {
  return deviceId + "." + tenantId + "." + d_.eapDomain;
}

namespace {

// An EAP CSR must carry a key of its own: the device key authenticates the box to mgmt, the EAP key
// is shown to every phone (ADR 0069).
core::Status checkEapCsr(const std::string& eapCsr, const std::string& deviceKeyPem) {
  core::Result<core::pki::CsrInfo> eap = core::pki::verifyCsr(eapCsr);
  if (!eap.isOk()) return core::invalidArgument("eap-csr: " + eap.status().message());
  if (eap->publicKeyPem == deviceKeyPem) return core::invalidArgument("eap-csr: the same key as csr: EAP needs a key of its own");
  return core::Status::ok();
}

}  // namespace

core::Result<core::sync::EnrollResponse> FleetService::enroll(const core::sync::EnrollRequest& request, int64_t now) {
  // The proof of possession first: a CSR whose signature does not match its key is refused before
  // the claim is looked at (and not used up).
  core::Result<core::pki::CsrInfo> csr = core::pki::verifyCsr(request.csr);
  if (!csr.isOk()) return core::invalidArgument("csr: " + csr.status().message());
  if (!request.eapCsr.empty()) EDGE_RETURN_IF_ERROR(checkEapCsr(request.eapCsr, csr->publicKeyPem));
  core::sync::EnrollResponse r;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    FleetStore fleet(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Claim> claim, fleet.claimBySecret(core::pki::sha256Hex(request.secret)));
    if (!claim) return core::permissionDenied("unknown claim token");
    EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> tenant, tenancy::TenantStore(tx).byId(claim->tenantId));
    if (!tenant) return core::permissionDenied("unknown claim token");
    if (now >= claim->expiresAt)
      return core::permissionDenied("the claim token expired at " + iso(claim->expiresAt) + ": create a new one");
    if (claim->usesLeft <= 0) return core::permissionDenied("the claim token has been used already: create a new one");
    if (tenant->status != "active") return core::permissionDenied("the tenant is suspended");
    DeviceRow d;
    d.id = "d-" + core::pki::randomHex(6);
    d.tenantId = tenant->id;
    d.hostname = request.hostname.substr(0, 253);
    d.claimId = claim->id;
    d.enrolledAt = now;
    core::Result<std::string> cert = d_.authority.issueDevice(request.csr, d.id, d.tenantId, now, d_.certificateDays);
    if (!cert.isOk()) return core::invalidArgument("csr: " + cert.status().message());
    EDGE_ASSIGN_OR_RETURN(core::pki::CertInfo info, core::pki::certificateInfo(*cert));
    d.certSerial = info.serialHex;
    d.certFingerprint = info.fingerprint;
    d.certNotBefore = info.notBefore;
    d.certNotAfter = info.notAfter;
    EDGE_RETURN_IF_ERROR(fleet.useClaim(claim->id));
    EDGE_RETURN_IF_ERROR(fleet.insertDevice(d));
    if (d_.enrolled) EDGE_RETURN_IF_ERROR(d_.enrolled(tx, d.tenantId, d.id, now));
    r = core::sync::EnrollResponse{};
    r.deviceId = d.id;
    r.tenantId = d.tenantId;
    r.tenantName = tenant->name;
    r.certificate = *cert;
    r.license = tenant->license;
    if (!request.eapCsr.empty()) {
      r.eapName = eapName(d.id, d.tenantId);
      core::Result<std::string> eap = d_.authority.issueEap(request.eapCsr, r.eapName, now, d_.certificateDays);
      if (!eap.isOk()) return core::invalidArgument("eap-csr: " + eap.status().message());
      r.eapCertificate = *eap;
    }
    return core::Status::ok();
  }));
  r.caCertificate = d_.authority.caCertPem();
  r.licenseKey = d_.authority.licensePublicKeyPem();
  r.pollInterval = d_.pollInterval;
  return r;
}

core::Result<Device> FleetService::authenticate(const std::string& certificate) {
  core::Result<core::pki::CertInfo> info = core::pki::certificateInfo(certificate);
  if (!info.isOk()) return core::permissionDenied("the client certificate cannot be read");
  Device out;
  bool renewedInUse = false;
  // Read-only: every device call comes here (twice: admission and handler); a write only once, the
  // first time a renewed certificate is used.
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<DeviceRow> d, FleetStore(tx).device(info->commonName));
        if (!d) return core::permissionDenied("unknown device");
        EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> tenant, tenancy::TenantStore(tx).byId(d->tenantId));
        if (!tenant) return core::permissionDenied("unknown device");
        if (d->status != "active") return core::permissionDenied("this device has been revoked");
        // The certificate names its tenant too; both must agree (a certificate is never re-homed).
        if (info->organizationalUnit != d->tenantId)
          return core::permissionDenied("the certificate's tenant does not match");
        if (tenant->status != "active") return core::permissionDenied("the tenant is suspended");
        // The certificate must be the device's own: the current one, or the one it had before a
        // renewal until the renewed one is first used. Any other certificate the CA once issued for
        // this device (a leaked key, a superseded renewal) is refused.
        const std::string& current = d->certFingerprint;
        const std::string& previous = d->certPreviousFingerprint;
        if (info->fingerprint != current && (previous.empty() || info->fingerprint != previous))
          return core::permissionDenied("this certificate has been replaced by a newer one for the device");
        renewedInUse = info->fingerprint == current && !previous.empty();
        out = Device{d->id, d->tenantId, info->fingerprint};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (renewedInUse) {
    // From now on the certificate before the renewal is refused (only while it is still the current
    // one: a renewal since then keeps its own previous).
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      return FleetStore(tx).forgetPreviousCertificate(out.id, out.certificateFingerprint);
    }));
  }
  return out;
}

core::Result<core::sync::RenewResponse> FleetService::renew(const Device& device, const core::sync::RenewRequest& request,
                                                            int64_t now) {
  core::Result<std::string> cert = d_.authority.issueDevice(request.csr, device.id, device.tenantId, now, d_.certificateDays);
  if (!cert.isOk()) return core::invalidArgument("csr: " + cert.status().message());
  EDGE_ASSIGN_OR_RETURN(core::pki::CertInfo info, core::pki::certificateInfo(*cert));
  // The EAP certificate renews with the device certificate (both checked before anything is stored).
  core::sync::RenewResponse r;
  if (!request.eapCsr.empty()) {
    EDGE_RETURN_IF_ERROR(checkEapCsr(request.eapCsr, info.publicKeyPem));
    r.eapName = eapName(device.id, device.tenantId);
    core::Result<std::string> eap = d_.authority.issueEap(request.eapCsr, r.eapName, now, d_.certificateDays);
    if (!eap.isOk()) return core::invalidArgument("eap-csr: " + eap.status().message());
    r.eapCertificate = *eap;
  }
  // Renewing with the current certificate keeps it good until the new one is used; renewing again
  // with the previous one (the answer was lost) keeps that previous one and drops the lost one.
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    return FleetStore(tx).replaceCertificate(device.id, device.certificateFingerprint, info.serialHex, info.fingerprint,
                                             info.notBefore, info.notAfter);
  }));
  r.certificate = *cert;
  return r;
}

core::Result<core::sync::CheckinResponse> FleetService::checkin(const Device& device,
                                                                const core::sync::CheckinRequest& request, int64_t now) {
  core::sync::CheckinResponse r;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    FleetStore fleet(tx);
    // The reported state without the open sessions (kept apart, ADR 0074): device-show, the console
    // and every monitoring pass read this document.
    core::Json reported = core::sync::toJson(request);
    reported.erase("live");
    reported.erase("live-omitted");
    EDGE_ASSIGN_OR_RETURN(std::optional<DeviceRow> d, fleet.recordCheckin(device.id, now, reported.dump()));
    if (!d) return core::internalError("device row missing");
    if (d_.checkedIn) EDGE_RETURN_IF_ERROR(d_.checkedIn(tx, device, request, now));
    EDGE_ASSIGN_OR_RETURN(Tenant tenant, tenancy::loadTenant(tx, device.tenantId));
    r = core::sync::CheckinResponse{};
    r.pollInterval = d_.pollInterval;
    if (d_.urgent) {
      EDGE_ASSIGN_OR_RETURN(bool urgent, d_.urgent(tx, device.tenantId));
      if (urgent) r.pollInterval = std::min(d_.pollInterval, d_.urgentPollInterval);
    }
    r.serverTime = now;
    r.cursor = tenant.version;
    if (request.licenseId != tenant.licenseId) r.license = tenant.license;
    // Renewal at two thirds of the certificate's life, or at once when an operator asked for a new key.
    r.renewCertificate =
        d->rekeyRequested || now >= d->certNotBefore + (d->certNotAfter - d->certNotBefore) * 2 / 3;
    EDGE_ASSIGN_OR_RETURN(r.commands, fleet.takeCommands(device.id));
    EDGE_ASSIGN_OR_RETURN(r.accounts, centralAccounts(tx, device.tenantId));
    r.accountsVersion = accountsVersion(r.accounts);
    // Firmware: the version of a rollout whose ring is open for this box, inside its window (ADR 0052).
    EDGE_ASSIGN_OR_RETURN(r.desiredVersion, desiredVersionAt(tx, device.id, device.tenantId, request, now));
    return core::Status::ok();
  }));
  return r;
}

core::Result<std::vector<core::sync::CentralAccount>> centralAccounts(store::Transaction& tx,
                                                                     const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<access::PersonRow> people, access::PersonStore(tx).list(tenantId));
  std::vector<core::sync::CentralAccount> out;
  for (const access::PersonRow& p : people) {
    // Only the tenant's own, active people who have set a password (an invited person has none yet).
    if (!p.tenantId || *p.tenantId != tenantId || p.status != "active" || p.passwordHash.empty()) continue;
    if (p.passwordHash.rfind("$argon2id$", 0) != 0) continue;  // nothing else is sent (the box verifies argon2id only)
    std::string role;
    if (p.role == "tenant-technician") role = "technician";
    else if (p.role == "tenant-owner" || p.role == "tenant-admin") role = "admin";
    else continue;  // staff, billing and read-only people have no business on the box
    out.push_back({p.email, role, p.passwordHash});
  }
  return out;
}

std::string accountsVersion(const std::vector<core::sync::CentralAccount>& accounts) {
  core::Json list = core::Json::array();
  for (const core::sync::CentralAccount& a : accounts) list.push_back(core::sync::toJson(a));
  return core::pki::sha256Hex(list.dump());
}

core::Status FleetService::commandResult(const Device& device, const core::sync::CommandResult& result, int64_t now) {
  bool found = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(found, FleetStore(tx).finishCommand(device.id, result.id, result.ok, result.text, now));
    return core::Status::ok();
  }));
  if (!found) return core::notFound("no command " + std::to_string(result.id) + " for this device");
  return core::Status::ok();
}

core::Result<int64_t> FleetService::devicesWithStatus(const std::string& status) {
  int64_t n = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(n, FleetStore(tx).devicesWithStatus(status));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return n;
}

}  // namespace mgmt::fleet
