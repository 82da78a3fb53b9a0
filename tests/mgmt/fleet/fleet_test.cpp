// Appliances through the fleet service, on the storage of this run: claims (used once, expiry, the
// CSR's proof of possession first), device scoping per tenant, revocation and suspension refuse a
// box, renewal keeps the previous certificate until the new one is used, commands reach a box at its
// check-in and take its answer.
#include "mgmt/api/api_status.h"
#include "mgmt/access/person_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::api::httpStatusOf;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {
}

TEST_GROUP(Fleet){};

TEST(Fleet, ClaimsAreUsedOnceAndCheckTheCsr) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string secret = f.claimSecret("acme", Json{{"uses", "1"}});
  std::string key = *core::pki::generateKey();
  std::string csr = *core::pki::createCsr(key, "box");
  // A CSR whose signature does not match: refused before the claim is used.
  std::string other = *core::pki::createCsr(*core::pki::generateKey(), "box");
  std::string mixed = csr.substr(0, csr.size() / 2) + other.substr(other.size() / 2);
  core::Result<core::sync::EnrollResponse> bad = f.platform->fleet.enroll({secret, mixed, "box", "", ""}, f.now());
  CHECK_FALSE(bad.isOk());
  CHECK_TRUE(bad.status().code() == core::Code::kInvalidArgument);
  CHECK_EQUAL(400, httpStatusOf(bad.status().code()));
  core::Result<core::sync::EnrollResponse> ok = f.platform->fleet.enroll({secret, csr, "box", "", ""}, f.now());
  CHECK_TRUE(ok.isOk());
  core::Result<core::sync::EnrollResponse> again = f.platform->fleet.enroll({secret, csr, "box", "", ""}, f.now());
  CHECK_TRUE(again.status().code() == core::Code::kPermissionDenied);
  CHECK_EQUAL(403, httpStatusOf(again.status().code()));
  CHECK_TRUE(again.status().message().find("used already") != std::string::npos);
  std::string s2 = f.claimSecret("acme", Json{{"ttl", "1h"}});
  core::Result<core::sync::EnrollResponse> late = f.platform->fleet.enroll({s2, csr, "box", "", ""}, f.now() + 7200);
  CHECK_EQUAL(403, httpStatusOf(late.status().code()));
  CHECK_TRUE(late.status().message().find("expired") != std::string::npos);
  core::Result<core::sync::EnrollResponse> unknown = f.platform->fleet.enroll({"nope", csr, "box", "", ""}, f.now());
  CHECK_EQUAL(403, httpStatusOf(unknown.status().code()));
}

TEST(Fleet, ATenantSeesAndChangesOnlyItsDevices) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  Caller callerB{b};
  core::ControlReply other = f.call("device-show", Json{{"device", d.id}}, callerB);
  core::ControlReply missing = f.call("device-show", Json{{"device", "d-nothing"}}, callerB);
  CHECK_TRUE(other.code == core::Code::kNotFound);
  STRCMP_EQUAL(("device: no device '" + d.id + "' (see device list)").c_str(), other.text.c_str());
  CHECK_TRUE(missing.code == core::Code::kNotFound);
  CHECK_TRUE(f.call("device-revoke", Json{{"device", d.id}}, callerB).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("device-rekey", Json{{"device", d.id}}, callerB).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("device-list", Json{{"tenant", "acme"}}, callerB).code == core::Code::kNotFound);
  CHECK_EQUAL(0u, f.call("device-list", Json::object(), callerB).arguments.size());
  CHECK_TRUE(f.call("claim-create", Json{{"tenant", "acme"}}, callerB).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("session-disconnect", Json{{"tenant", "acme"}, {"user", "u"}}, callerB).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("command-list", Json{{"tenant", "acme"}}, callerB).code == core::Code::kNotFound);
  // Still active, and still the device's: the platform sees it.
  core::ControlReply shown = f.call("device-show", Json{{"device", d.id}});
  STRCMP_EQUAL("active", shown.arguments["status"].get<std::string>().c_str());
  CHECK_EQUAL(1u, f.call("device-list", Json::object()).arguments.size());
  CHECK_EQUAL(1u, f.call("device-list", Json::object(), Caller{d.tenantId}).arguments.size());
}

TEST(Fleet, RevokedDevicesAndSuspendedTenantsAreRefused) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string cert;
  mgmt::fleet::Device d = f.enroll("acme", &cert);
  CHECK_EQUAL(0, f.call("tenant-suspend", Json{{"tenant", "acme"}}).result);
  core::Result<mgmt::fleet::Device> suspended = f.platform->fleet.authenticate(cert);
  CHECK_EQUAL(403, httpStatusOf(suspended.status().code()));
  CHECK_TRUE(suspended.status().message().find("suspended") != std::string::npos);
  CHECK_EQUAL(0, f.call("tenant-resume", Json{{"tenant", "acme"}}).result);
  CHECK_TRUE(f.platform->fleet.authenticate(cert).isOk());
  CHECK_EQUAL(0, f.call("device-revoke", Json{{"device", d.id}}).result);
  core::Result<mgmt::fleet::Device> revoked = f.platform->fleet.authenticate(cert);
  CHECK_TRUE(revoked.status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(revoked.status().message().find("revoked") != std::string::npos);
  CHECK_TRUE(f.call("device-rekey", Json{{"device", d.id}}).code == core::Code::kFailedPrecondition);
  CHECK_TRUE(f.platform->fleet.authenticate("not a certificate").status().code() == core::Code::kPermissionDenied);
}

TEST(Fleet, RenewalKeepsThePreviousCertificateUntilTheNewOneIsUsed) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string oldCert;
  mgmt::fleet::Device d = f.enroll("acme", &oldCert);
  CHECK_EQUAL(0, f.call("device-rekey", Json{{"device", d.id}}).result);
  core::Result<core::sync::CheckinResponse> in = f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now());
  CHECK_TRUE(in->renewCertificate);
  core::Result<core::sync::RenewResponse> renewed =
      f.platform->fleet.renew(d, core::sync::RenewRequest{*core::pki::createCsr(*core::pki::generateKey(), "box"), ""}, f.now());
  CHECK_TRUE(renewed.isOk());
  CHECK_FALSE(f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now())->renewCertificate);
  // The old one still works (the answer may have been lost) until the new one is used.
  CHECK_TRUE(f.platform->fleet.authenticate(oldCert).isOk());
  core::Result<mgmt::fleet::Device> fresh = f.platform->fleet.authenticate(renewed->certificate);
  CHECK_TRUE(fresh.isOk());
  core::Result<mgmt::fleet::Device> stale = f.platform->fleet.authenticate(oldCert);
  CHECK_EQUAL(403, httpStatusOf(stale.status().code()));
  CHECK_TRUE(stale.status().message().find("replaced") != std::string::npos);
}

// ADR 0069: the box's EAP server certificate, for the name mgmt gives it, from a key of its own.
TEST(Fleet, TheEapCertificateIsIssuedForTheNameMgmtGivesTheBox) {
  Fixture f;
  std::string tenant = f.tenant("acme", "basic");
  std::string secret = f.claimSecret("acme", Json{{"uses", "2"}});
  std::string key = *core::pki::generateKey(), eapKey = *core::pki::generateKey();
  std::string csr = *core::pki::createCsr(key, "box");
  // The device key again: refused, naming the field, and the claim is not used up.
  core::Result<core::sync::EnrollResponse> same =
      f.platform->fleet.enroll({secret, csr, "box", "", *core::pki::createCsr(key, "eap")}, f.now());
  CHECK_EQUAL(400, httpStatusOf(same.status().code()));
  STRCMP_EQUAL("eap-csr: the same key as csr: EAP needs a key of its own", same.status().message().c_str());
  core::Result<core::sync::EnrollResponse> r =
      f.platform->fleet.enroll({secret, csr, "box", "", *core::pki::createCsr(eapKey, "evil.example")}, f.now());
  CHECK_TRUE(r.isOk());
  const std::string name = r->deviceId + "." + tenant + ".eap.internal";
  STRCMP_EQUAL(name.c_str(), r->eapName.c_str());
  core::pki::CertInfo eap = *core::pki::certificateInfo(r->eapCertificate);
  STRCMP_EQUAL(name.c_str(), eap.commonName.c_str());  // mgmt's name, not the CSR's
  CHECK_EQUAL(1u, eap.dnsNames.size());
  STRCMP_EQUAL(name.c_str(), eap.dnsNames[0].c_str());
  CHECK_TRUE(eap.serverAuth);
  STRCMP_EQUAL("", eap.organizationalUnit.c_str());
  STRCMP_EQUAL(core::pki::publicKeyOf(eapKey)->c_str(), eap.publicKeyPem.c_str());
  CHECK_TRUE(core::pki::verifyCertificate(r->eapCertificate, r->caCertificate, f.now()).isOk());
  // It never passes for the device's certificate.
  CHECK_EQUAL(403, httpStatusOf(f.platform->fleet.authenticate(r->eapCertificate).status().code()));
  CHECK_EQUAL(0, f.call("device-show", Json{{"device", r->deviceId}}).arguments["eap-name"].get<std::string>().compare(name));
  // Renewal: a new one for the same name; without eap-csr none.
  mgmt::fleet::Device d = *f.platform->fleet.authenticate(r->certificate);
  std::string eapKey2 = *core::pki::generateKey();
  core::Result<core::sync::RenewResponse> renewed = f.platform->fleet.renew(
      d, core::sync::RenewRequest{*core::pki::createCsr(*core::pki::generateKey(), "box"), *core::pki::createCsr(eapKey2, "eap")},
      f.now());
  CHECK_TRUE(renewed.isOk());
  STRCMP_EQUAL(name.c_str(), renewed->eapName.c_str());
  STRCMP_EQUAL(core::pki::publicKeyOf(eapKey2)->c_str(), core::pki::certificateInfo(renewed->eapCertificate)->publicKeyPem.c_str());
  core::Result<core::sync::RenewResponse> plain = f.platform->fleet.renew(
      *f.platform->fleet.authenticate(renewed->certificate),
      core::sync::RenewRequest{*core::pki::createCsr(*core::pki::generateKey(), "box"), ""}, f.now());
  CHECK_TRUE(plain.isOk());
  CHECK_TRUE(plain->eapCertificate.empty());
  // An EAP request without the device CSR's proof: refused before anything is stored.
  core::Result<core::sync::RenewResponse> bad = f.platform->fleet.renew(
      *f.platform->fleet.authenticate(plain->certificate),
      core::sync::RenewRequest{*core::pki::createCsr(*core::pki::generateKey(), "box"), "garbage"}, f.now());
  CHECK_EQUAL(400, httpStatusOf(bad.status().code()));
  CHECK_TRUE(bad.status().message().rfind("eap-csr: ", 0) == 0);
}

TEST(Fleet, CommandsReachTheBoxAtItsCheckin) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  core::ControlReply none = f.call("session-disconnect", Json{{"tenant", "acme"}, {"user", "alice"}});
  CHECK_EQUAL(1, none.result);  // no active devices: nothing queued
  mgmt::fleet::Device d = f.enroll("acme");
  mgmt::fleet::Device e = f.enroll("globex");
  core::ControlReply queued = f.call("session-disconnect", Json{{"tenant", "acme"}, {"user", "alice"}});
  CHECK_EQUAL(0, queued.result);
  CHECK_EQUAL(1u, queued.arguments["commands"].size());
  int64_t id = queued.arguments["commands"][0].get<int64_t>();
  core::Result<core::sync::CheckinResponse> in = f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now());
  CHECK_EQUAL(1u, in->commands.size());
  CHECK_EQUAL(id, in->commands[0].id);
  STRCMP_EQUAL("alice", in->commands[0].arguments["user"].get<std::string>().c_str());
  CHECK_EQUAL(0u, f.platform->fleet.checkin(e, core::sync::CheckinRequest{}, f.now())->commands.size());
  // Another device cannot answer it; the box can.
  core::Status stranger = f.platform->fleet.commandResult(e, core::sync::CommandResult{id, true, "done"}, f.now());
  CHECK_TRUE(stranger.code() == core::Code::kNotFound);
  CHECK_EQUAL(404, httpStatusOf(stranger.code()));
  CHECK_TRUE(f.platform->fleet.commandResult(d, core::sync::CommandResult{id, true, "1 of 1 session(s) disconnected"}, f.now()).isOk());
  CHECK_EQUAL(0u, f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now())->commands.size());
  core::ControlReply list = f.call("command-list", Json{{"tenant", "acme"}});
  STRCMP_EQUAL("done", list.arguments[0]["state"].get<std::string>().c_str());
  CHECK_EQUAL(0u, f.call("command-list", Json::object(), Caller{b}).arguments.size());
  // The check-in carries the tenant's license when the box has another, and its cursor.
  core::sync::CheckinRequest req;
  req.licenseId = "lic-old";
  CHECK_FALSE(f.platform->fleet.checkin(d, req, f.now())->license.empty());
  core::ControlReply shown = f.call("device-show", Json{{"device", d.id}});
  CHECK_TRUE(shown.arguments["last-checkin"].get<std::string>() != "");
}

// ADR 0046: the check-in answer carries the box's tenant's technicians (tenant-technician as
// "technician", tenant-owner/-admin as "admin") with their argon2id hashes: active people with a
// password only, never another tenant's; the version follows the list.
TEST(Fleet, TheCheckinCarriesTheTenantsTechniciansAndNobodyElse) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  const std::string hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
  auto person = [&](const std::string& id, const std::string& email, const std::string& tenant, const std::string& role,
                    const std::string& status, const std::string& h) {
    mgmt::access::PersonRow p;
    p.id = id;
    p.email = email;
    p.level = "tenant";
    p.role = role;
    p.status = status;
    p.passwordHash = h;
    p.tenantId = tenant;
    p.createdAt = p.changedAt = f.now();
    CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) { return mgmt::access::PersonStore(tx).insert(p); }).isOk());
  };
  person("p1", "tech@acme.example", a, "tenant-technician", "active", hash);
  person("p2", "boss@acme.example", a, "tenant-admin", "active", hash);
  person("p3", "clerk@acme.example", a, "tenant-billing", "active", hash);      // not on the box
  person("p4", "gone@acme.example", a, "tenant-technician", "disabled", hash);  // disabled
  person("p5", "new@acme.example", a, "tenant-technician", "active", "");       // invited, no password yet
  person("p6", "tech@globex.example", b, "tenant-technician", "active", hash);  // another tenant
  core::Result<core::sync::CheckinResponse> in = f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now());
  CHECK_TRUE_TEXT(in.isOk(), in.status().toString().c_str());
  CHECK_EQUAL(2u, in->accounts.size());
  STRCMP_EQUAL("boss@acme.example", in->accounts[0].email.c_str());
  STRCMP_EQUAL("admin", in->accounts[0].role.c_str());
  STRCMP_EQUAL("tech@acme.example", in->accounts[1].email.c_str());
  STRCMP_EQUAL("technician", in->accounts[1].role.c_str());
  STRCMP_EQUAL(hash.c_str(), in->accounts[1].passwordHash.c_str());
  CHECK_EQUAL(64u, in->accountsVersion.size());
  // The same list, the same version; disabling the technician changes both.
  CHECK_EQUAL(in->accountsVersion, f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now())->accountsVersion);
  CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) {
    return mgmt::access::PersonStore(tx).setStatus("p1", "disabled", f.now());
  }).isOk());
  core::Result<core::sync::CheckinResponse> after = f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now());
  CHECK_EQUAL(1u, after->accounts.size());
  STRCMP_EQUAL("boss@acme.example", after->accounts[0].email.c_str());
  CHECK_TRUE(after->accountsVersion != in->accountsVersion);
  // And it reaches the wire as it is.
  core::Result<core::sync::CheckinResponse> wire =
      core::sync::fromJson<core::sync::CheckinResponse>(core::sync::toJson(*after));
  CHECK_TRUE_TEXT(wire.isOk(), wire.status().toString().c_str());
  CHECK_EQUAL(after->accountsVersion, wire->accountsVersion);
}
