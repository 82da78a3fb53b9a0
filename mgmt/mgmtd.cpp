#include "mgmt/mgmtd.h"

#include <unistd.h>

#include <memory>

#include "billing/commissions/commissions.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/log.h"
#include "core/pki.h"
#include "mgmt/api/admin_api.h"
#include "mgmt/api/auth_api.h"
#include "mgmt/api/device_api.h"
#include "mgmt/api/openapi.h"
#include "mgmt/api/logo_api.h"
#include "mgmt/mail/brand.h"
#include "mgmt/api/payments_api.h"
#include "mgmt/api/signup_api.h"
#include "mgmt/mgmt_commands.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/onboarding/signup_request.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/tiers.h"

namespace mgmt {

const char* const kVersion = "0.1.0";

namespace {

using core::Json;

std::string parentDir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

int64_t nowSeconds() { return core::SystemClock::instance().unixSeconds(); }

// How often the periodic jobs run (a demo tenant is suspended at most this long after its expiry).
constexpr int64_t kJobSeconds = 60;

// The console's signup pages go through the API's gate and the same service (ADR 0037).
console::ConsoleSignup consoleSignup(api::SignupGate& gate) {
  console::ConsoleSignup s;
  s.admit = [&gate](const std::string& remote) {
    const int64_t wait = gate.take(remote);
    return wait == 0 ? std::string() : gate.refusalText(wait);
  };
  s.check = [](const Json& fields) { return onboarding::signupFromJson(fields).status(); };
  s.submit = [&gate](const Json& fields, const std::string& remote) -> core::Result<Json> {
    EDGE_ASSIGN_OR_RETURN(onboarding::SignupRequest request, onboarding::signupFromJson(fields));
    return gate.submit(request, remote);
  };
  s.verify = [&gate](const std::string& token) { return gate.onboarding().verify(token); };
  s.job = [&gate](const std::string& job) { return gate.onboarding().job(job); };
  for (const Tier& t : tiers())
    s.tiers.push_back(Json{{"value", t.name},
                           {"text", t.name + (t.subscriberCap == 0 ? std::string(" (any number of customers)")
                                                                   : " (up to " + std::to_string(t.subscriberCap) +
                                                                         " customers)")}});
  s.scenarios.push_back(Json{{"value", ""}, {"text", "Pick one for my size"}});
  for (const onboarding::Scenario& sc : onboarding::scenarios())
    s.scenarios.push_back(Json{{"value", sc.name},
                               {"text", sc.name + " (" + std::to_string(sc.customers) + " customers, " +
                                            std::to_string(sc.plans) + " plans, " + std::to_string(sc.devices) +
                                            " appliances)"}});
  return s;
}

// The console's partner application form: the signup gate's address bucket, then the partner
// programme's service with its own caps (ADR 0037, 0055).
console::ConsolePartnerApply consolePartnerApply(api::SignupGate& gate, partners::ProgramService& program,
                                                 const std::string& visitorKey, const ReferralSettings& limits) {
  console::ConsolePartnerApply a;
  // A referral link's visitor is a keyed hash of the address (the key shared by every replica): the
  // same visitor counts once a day, and the address itself is never stored (ADR 0065). An IPv6
  // address counts by its /64 (ADR 0073): one household's network is one visitor, so a script
  // walking through its /64 counts once a day.
  a.visit = [&program, visitorKey](const std::string& code, const std::string& remote) {
    return program.visit(code,
                         core::pki::sha256Hex(visitorKey + "\n" + api::AddressRateLimiter::keyOf(remote)).substr(0, 32));
  };
  // Visits per address (the /64 too), in this mgmtd's memory, before any code is looked up (ADR 0073).
  auto visits = std::make_shared<api::AddressRateLimiter>(core::SystemClock::instance(),
                                                          static_cast<double>(limits.perAddressPerHour),
                                                          static_cast<double>(limits.perAddressBurst),
                                                          "referral link visits");
  a.visitAdmit = [visits](const std::string& remote) { return visits->take(remote); };
  a.admit = [&gate](const std::string& remote) {
    const int64_t wait = gate.take(remote);
    return wait == 0 ? std::string() : gate.refusalText(wait);
  };
  a.check = [](const Json& fields) { return partners::applicationFromArgs(fields).status(); };
  a.submit = [&program](const Json& fields, const std::string& remote) -> core::Result<Json> {
    core::ControlReply r = program.apply(fields, core::command::Caller{"", "", "partner application form", remote});
    if (!r.ok()) return core::Status(r.code, r.text);
    return r.arguments;
  };
  for (const char* t : ::billing::commissions::kPartnerTypes) {
    std::string text = t;
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
    for (char& ch : text)
      if (ch == '-') ch = ' ';
    a.types.push_back(Json{{"value", t}, {"text", text}});
  }
  return a;
}

}  // namespace

Mgmtd::Mgmtd(std::string configPath, MgmtConfig config)
    : configPath_(std::move(configPath)),
      config_(std::move(config)),
      // Every operator command is a unit of work of its own (mgmt/store) and the services keep no
      // other state, so commands from the control socket's workers and the admin API run at once.
      commands_(mgmtRoles(), mgmtCommandSpecs(), core::command::Table::Handlers::kConcurrent),
      control_(commands_) {
  if (config_.pidFile.empty()) config_.pidFile = config_.dataDir + "/mgmtd.pid";
}

Mgmtd::~Mgmtd() { stop(); }

core::Status Mgmtd::start() {
  EDGE_RETURN_IF_ERROR(loop_.init());
  core::Logger::instance().setLevel(*core::parseLogLevel(config_.logLevel));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(config_.dataDir, 0700, "data-dir"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.pidFile), 0755, "pid-file folder"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.controlSocket), 0750, "control-socket folder"));
  EDGE_RETURN_IF_ERROR(pidFile_.acquire(config_.pidFile, "mgmtd"));

  // The storage the services share (mgmt/store): "storage" in the config, SQLite in data-dir by
  // default. One mgmtd migrates; others on the same PostgreSQL wait for it.
  core::Result<std::unique_ptr<store::Storage>> opened =
      store::Storage::open(config_.storageConfig(), mgmtStorageMigrations());
  if (!opened.isOk()) return opened.status().withContext("storage");
  storage_ = std::move(*opened);

  int64_t now = nowSeconds();
  EDGE_RETURN_IF_ERROR(authority_.open(config_, now).withContext("PKI"));
  platform_ = std::make_unique<Platform>(config_, authority_, *storage_);
  EDGE_RETURN_IF_ERROR(platform_->access.ensureAdminToken(config_.dataDir + "/admin-token"));
  // Secrets at rest (ADR 0058): the key file (created 0600 at first start), then every provider
  // secret still in the clear or under a rotated-out key sealed with the current one.
  {
    core::Result<core::SecretBox> box = core::SecretBox::loadOrCreate(config_.effectiveSecretsKeyFile());
    if (!box.isOk()) return box.status().withContext("secrets-key-file");
    platform_->collection.setSecrets(std::make_shared<const core::SecretBox>(std::move(*box)));
    core::Result<int64_t> resealed = platform_->collection.resealSecrets();
    if (!resealed.isOk()) return resealed.status().withContext("sealing the payment provider secrets");
    if (*resealed > 0) core::logInfo("mgmtd: sealed the payment provider secrets of ", *resealed, " tenant(s) with the current key");
  }

  platform_->bind(commands_);
  // Every mutating command, run or refused, whoever asked: the audit log (ADR 0028).
  commands_.audit([this](const core::command::Caller& caller, const core::command::Spec& spec, const Json& args,
                         const core::ControlReply& reply) {
    core::Status s = platform_->audit.record(caller, spec, args, reply);
    if (!s.isOk()) core::logWarning("mgmtd: the audit row of ", spec.name, " could not be written: ", s.toString());
  });
  commands_.bind("status", [this](const Json&, const core::command::Caller&) {
    return core::ControlReply::success("mgmtd is running", statusJson());
  });
  commands_.bind("shutdown", [this](const Json&, const core::command::Caller&) {
    loop_.requestStop();
    return core::ControlReply::success("mgmtd is stopping");
  });
  std::string unbound = commands_.unbound();
  if (!unbound.empty()) return core::internalError("commands declared in mgmt/mgmt_commands without a handler: " + unbound);

  core::HttpServerOptions device;
  device.name = "device API";
  device.listen = config_.deviceApi.listen;
  device.port = static_cast<uint16_t>(config_.deviceApi.port);
  device.connectionLimit = 1024;
  // Many boxes may sit behind one carrier-grade NAT, but a box holds one connection at a time; a
  // connection costs at most connectionMemoryLimit until its caller is known (routes admit first).
  // Behind HAProxy (TCP mode) every connection comes from the balancer: connections-per-address.
  device.perAddressLimit = static_cast<unsigned>(config_.deviceApi.connectionsPerAddress);
  device.maxBodyBytes = 4 * 1024 * 1024;  // only for a verified device certificate (authed routes)
  device.requestSeconds = static_cast<unsigned>(config_.deviceApi.requestSeconds);
  // Handshakes are most of a check-in's CPU and an upload waits for the database: one polling
  // thread would queue every box behind both (docs/benchmarks.md, the fleet simulator).
  device.threads = static_cast<unsigned>(config_.deviceApi.threads);
  device.tlsCertPem = authority_.serverCertPem();
  device.tlsKeyPem = authority_.serverKeyPem();
  device.clientTrustPem = authority_.caCertPem();
  // A box resumes its TLS session at the next check-in (no signatures, no certificate chain); the
  // certificate the session was made with is still checked against its device record every request
  // (ADR 0012, ADR 0035). The ticket keys are random, rotated and shared through the storage, so a
  // ticket works on any replica until its period ends (ADR 0044).
  ticketKeys_ = std::make_unique<fleet::TicketKeys>(*storage_, core::SystemClock::instance(),
                                                    config_.ticketRotationSeconds);
  EDGE_RETURN_IF_ERROR(ticketKeys_->start());
  device.tlsTicketKey = [keys = ticketKeys_.get()] { return keys->current(); };
  deviceApi_ = std::make_unique<core::HttpServer>(device);
  api::routeDeviceApi(*deviceApi_, api::DeviceApi{platform_->fleet, platform_->catalog, platform_->usage, authority_,
                                                  core::SystemClock::instance(), &platform_->rollouts});
  EDGE_RETURN_IF_ERROR(deviceApi_->start().withContext("device-api"));
  config_.deviceApi.port = deviceApi_->port();

  core::HttpServerOptions admin;
  admin.name = "admin API";
  admin.listen = config_.adminApi.listen;
  admin.port = static_cast<uint16_t>(config_.adminApi.port);
  admin.tlsCertPem = authority_.serverCertPem();
  admin.tlsKeyPem = authority_.serverKeyPem();
  admin.connectionLimit = 256;
  admin.perAddressLimit = static_cast<unsigned>(config_.adminApi.connectionsPerAddress);
  admin.maxBodyBytes = 1024 * 1024;
  admin.requestSeconds = static_cast<unsigned>(config_.adminApi.requestSeconds);
  admin.threads = static_cast<unsigned>(config_.adminApi.threads);
  adminApi_ = std::make_unique<core::HttpServer>(admin);
  rateLimiter_ = std::make_unique<api::ApiRateLimiter>(
      core::SystemClock::instance(), [this](const std::string& tenantId) { return platform_->tenancy.tierOf(tenantId); });
  api::routeAdminApi(*adminApi_, commands_, platform_->signIn,
                     api::AdminApiPolicy{rateLimiter_.get(), [this](const std::string& t) { tenantActive(t); }});
  api::routeAuthApi(*adminApi_, platform_->signIn);
  api::routeOpenApi(*adminApi_, commands_.specs(), kVersion);
  // Public: ISP self-registration (ADR 0029), its abuse limits per client address (ADR 0037), from
  // the API and the console's signup form alike.
  signupGate_ = std::make_unique<api::SignupGate>(
      platform_->onboarding, core::SystemClock::instance(),
      api::SignupLimits{static_cast<double>(config_.signup.perAddressBurst),
                        static_cast<double>(config_.signup.perAddressPerHour)});
  // The console's and the portal's sessions and CSRF keys live in the storage, shared by every
  // replica on it (ADR 0051): behind HAProxy in TCP mode, any mgmtd serves any visitor.
  const int64_t nowUnix = core::SystemClock::instance().unixSeconds();
  core::Result<std::string> consoleKey = access::sharedWebKey(*storage_, "console-csrf", nowUnix);
  core::Result<std::string> selfcareKey = access::sharedWebKey(*storage_, "selfcare-csrf", nowUnix);
  if (!consoleKey.isOk()) return consoleKey.status().withContext("console CSRF key");
  if (!selfcareKey.isOk()) return selfcareKey.status().withContext("self-care CSRF key");
  console::ConsoleOptions consoleOptions;
  consoleSessions_ = std::make_unique<access::StoredSessions>(*storage_, access::kConsoleSurface, consoleOptions.sessions);
  selfcareSessions_ = std::make_unique<access::StoredSessions>(
      *storage_, "selfcare", core::web::SessionLimits{8192, 30 * 60, 12 * 3600, 10});
  console_ = std::make_unique<console::Console>(commands_, consoleAuth(), *consoleSessions_, *consoleKey, consoleOptions);
  EDGE_RETURN_IF_ERROR(console_->init().withContext("console"));
  console_->setSignup(consoleSignup(*signupGate_));
  core::Result<std::string> visitorKey = access::sharedWebKey(*storage_, "referral-visitor", nowUnix);
  if (!visitorKey.isOk()) return visitorKey.status().withContext("referral visitor key");
  console_->setPartnerApply(
      consolePartnerApply(*signupGate_, platform_->partnerProgram, *visitorKey, config_.referral));
  // The header's brand (ADR 0064): a tenant's people see their tenant's, a partner's people their
  // white label (or their tenant's); read with the visitor's own identity, never from the request.
  console_->setBrand([this](const console::ConsoleUser& u) -> core::Result<core::web::Branding> {
    mail::Brand b;
    EDGE_RETURN_IF_ERROR(storage_->transact(
        [&](store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(b, u.partner() ? mail::partnerBrand(tx, u.partnerId) : mail::tenantBrand(tx, u.tenantId));
          return core::Status::ok();
        },
        store::Storage::Mode::kReadOnly));
    return core::web::Branding{b.name, b.logoPath, b.primaryColour};
  });
  console_->addRoutes(*adminApi_);
  selfcareService_ = std::make_unique<selfcare::SelfcareService>(
      selfcare::SelfcareService::Deps{*storage_, core::SystemClock::instance(),
                                      config_.payments.providerUrl.empty() ? nullptr : &platform_->collection,
                                      &platform_->topups});
  selfcare_ = std::make_unique<selfcare::SelfcarePortal>(*selfcareService_, core::SystemClock::instance(), *storage_,
                                                         *selfcareSessions_, *selfcareKey);
  EDGE_RETURN_IF_ERROR(selfcare_->init().withContext("self-care portal"));
  selfcare_->addRoutes(*adminApi_);
  api::routeSignupApi(*adminApi_, *signupGate_);
  // Public: the payment provider's signed webhooks (ADR 0039).
  api::routePaymentsApi(*adminApi_, platform_->collection);
  // Public: tenants' uploaded logos (issue 23), for mail clients and the self-care portal.
  api::routeLogoApi(*adminApi_, *storage_);
  EDGE_RETURN_IF_ERROR(adminApi_->start().withContext("admin-api"));
  config_.adminApi.port = adminApi_->port();
  // After the admin API's port is known: links in mail name it when mail.link-url is empty.
  platformJobs_ = std::make_unique<app::PlatformJobs>(config_, *storage_, *platform_);
  EDGE_RETURN_IF_ERROR(platformJobs_->start().withContext("mail"));

  // The control socket last: `mgmtctl status` answering is how scripts and tests know mgmtd serves,
  // and its answer names the ports, which exist only once both APIs listen (a status between the
  // two once gave a test admin port 0 on a loaded CI machine).
  EDGE_RETURN_IF_ERROR(control_.start(config_.controlSocket));
  startedUnix_ = now;
  started_ = true;
  core::logInfo("mgmtd ", kVersion, " started: device API ", config_.effectivePublicUrl(), ", admin API port ",
                config_.adminApi.port, ", CA fingerprint ", authority_.caFingerprint());
  core::sdNotify("READY=1\nSTATUS=serving");
  return core::Status::ok();
}

// The console signs people in through mgmt/access: people by email, password and TOTP (a sign-in
// session whose short access token the console renews with its refresh token), integrations by an
// API token; a partner's people get the partner portal (partner_pages.cpp), and a platform role still
// owing its second factor is sent to enrol it first.
console::ConsoleAuth Mgmtd::consoleAuth() {
  auto userOf = [](const access::Principal& p) -> core::Result<console::ConsoleUser> {
    if (p.mfaPending) return core::permissionDenied("enrol a second factor (TOTP) before using the console");
    // A person's sign-in session (not a token) has an account page; one signed in with a second
    // factor has one (their sign-in asked for it).
    const bool partner = p.level == access::Level::kPartner;
    if (partner && p.partnerId.empty()) return core::permissionDenied("a partner account without its partner");
    return console::ConsoleUser{p.label(), p.role, partner ? "" : p.tenantId, p.level == access::Level::kPlatform,
                                !p.personId.empty() && p.sessionId.rfind("s-", 0) == 0, p.mfa,
                                partner ? p.partnerId : ""};
  };
  auto session = [this, userOf](const access::SignedIn& in) -> core::Result<console::ConsoleSignIn> {
    core::Result<console::ConsoleUser> user = userOf(in.principal);
    if (!user.isOk()) {  // the password was right, but this account has no console (yet): say why
      (void)platform_->signIn.logout(in.accessToken);
      return core::invalidArgument(user.status().message());
    }
    return console::ConsoleSignIn{in.accessToken, in.accessExpiresAt, in.refreshToken, *user};
  };
  console::ConsoleAuth auth;
  auth.signIn = [this, session](const std::string& email, const std::string& password, const std::string& code,
                                const std::string& origin) -> core::Result<console::ConsoleSignIn> {
    EDGE_ASSIGN_OR_RETURN(access::SignedIn in, platform_->signIn.login(access::LoginRequest{email, password, code, origin}));
    return session(in);
  };
  auth.refresh = [this, session](const std::string& refresh, const std::string& origin) -> core::Result<console::ConsoleSignIn> {
    EDGE_ASSIGN_OR_RETURN(access::SignedIn in, platform_->signIn.refresh(refresh, origin));
    return session(in);
  };
  auth.login = [this, userOf](const std::string& secret, const std::string&) -> core::Result<console::ConsoleSignIn> {
    EDGE_ASSIGN_OR_RETURN(std::optional<access::Principal> p, platform_->signIn.authenticate(secret));
    if (!p) return core::permissionDenied("unknown, expired or revoked token");
    EDGE_ASSIGN_OR_RETURN(console::ConsoleUser user, userOf(*p));
    return console::ConsoleSignIn{secret, 0, "", user};
  };
  auth.authenticate = [this, userOf](const std::string& bearer) -> core::Result<std::optional<console::ConsoleUser>> {
    EDGE_ASSIGN_OR_RETURN(std::optional<access::Principal> p, platform_->signIn.authenticate(bearer));
    if (!p) return std::optional<console::ConsoleUser>();
    core::Result<console::ConsoleUser> user = userOf(*p);
    if (!user.isOk()) return std::optional<console::ConsoleUser>();
    return std::optional<console::ConsoleUser>(*user);
  };
  // Signing out revokes a person's sign-in session; an API token is left alone (it is revoked with
  // mgmtctl token revoke).
  auth.logout = [this](const std::string& bearer) {
    std::optional<access::BearerParts> b = access::parseBearer(bearer);
    if (b && b->kind == "sa") {
      core::Status st = platform_->signIn.logout(bearer);
      if (!st.isOk()) core::logWarning("console: a sign-out could not revoke its session: ", st.message());
    }
  };
  auth.resetPassword = [this](const std::string& link, const std::string& password) {
    return platform_->signIn.resetPassword(link, password);
  };
  auth.forgotPassword = [this](const std::string& email, const std::string& origin) {
    return platform_->signIn.requestPasswordReset(email, origin);
  };
  // The person's own TOTP enrolment, for the bearer of their console session.
  auto personOf = [this](const std::string& bearer) -> core::Result<access::Principal> {
    EDGE_ASSIGN_OR_RETURN(std::optional<access::Principal> p, platform_->signIn.authenticate(bearer));
    if (!p || p->personId.empty()) return core::permissionDenied("only a person signed in by email has a second factor");
    return *p;
  };
  auth.beginTotp = [this, personOf](const std::string& bearer) -> core::Result<std::pair<std::string, std::string>> {
    EDGE_ASSIGN_OR_RETURN(access::Principal p, personOf(bearer));
    EDGE_ASSIGN_OR_RETURN(access::TotpEnrollment e, platform_->signIn.beginTotp(p));
    return std::make_pair(e.secretBase32, e.otpauthUri);
  };
  auth.confirmTotp = [this, personOf](const std::string& bearer, const std::string& code) -> core::Result<std::vector<std::string>> {
    EDGE_ASSIGN_OR_RETURN(access::Principal p, personOf(bearer));
    return platform_->signIn.confirmTotp(p, code);
  };
  return auth;
}

Json Mgmtd::statusJson() {
  Json j = platform_->statusJson(authority_);
  j["version"] = kVersion;
  j["pid"] = ::getpid();
  j["uptime-seconds"] = nowSeconds() - startedUnix_;
  j["config-file"] = configPath_;
  j["data-dir"] = config_.dataDir;
  j["device-api"] = config_.effectivePublicUrl();
  j["device-api-port"] = config_.deviceApi.port;
  j["admin-api-port"] = config_.adminApi.port;
  j["admin-token-file"] = config_.dataDir + "/admin-token";
  j["poll-interval"] = config_.devicePollInterval;
  return j;
}

int Mgmtd::run() {
  for (;;) {
    switch (loop_.wait(1000)) {
      case core::DaemonLoop::Event::kStop:
        core::logInfo("mgmtd stopping");
        return 0;
      case core::DaemonLoop::Event::kReload:
        core::logWarning("mgmtd: configuration reload is not supported; restart mgmtd to apply changes");
        break;
      case core::DaemonLoop::Event::kTick:
        break;
    }
    int64_t now = nowSeconds();
    if (console_) console_->tick(now);
    if (selfcare_) selfcare_->tick(now);
    if (now >= nextJobsAt_) {
      nextJobsAt_ = now + kJobSeconds;
      runJobs();
    }
  }
}

void Mgmtd::runJobs() {
  std::vector<std::string> suspended;
  core::Result<bool> ran = storage_->withSingletonLock("demo-expiry", [&]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(suspended, platform_->tenancy.expireDemos());
    return core::Status::ok();
  });
  if (!ran.isOk()) {
    core::logWarning("mgmtd: the demo-expiry job failed: ", ran.status().toString());
    return;
  }
  // Not run: another mgmtd holds the job's lock and is running it.
  for (const std::string& name : suspended) core::logInfo("mgmtd: demo tenant '", name, "' expired: suspended");
}

void Mgmtd::tenantActive(const std::string& tenantId) {
  const int64_t now = nowSeconds();
  {
    std::lock_guard<std::mutex> lock(activityMu_);
    int64_t& last = lastActivity_[tenantId];
    if (now - last < 600) return;
    last = now;
  }
  core::Status s = platform_->onboarding.touch(tenantId);
  if (!s.isOk()) core::logWarning("mgmtd: a demo's activity could not be recorded: ", s.toString());
}

void Mgmtd::stop() {
  if (!started_) return;
  started_ = false;
  core::sdNotify("STOPPING=1");
  control_.stop();
  if (deviceApi_) deviceApi_->stop();
  if (adminApi_) adminApi_->stop();
  console_.reset();  // imports it runs stop after their chunk, while the services they use are here
  if (platformJobs_) platformJobs_->stop();
  platformJobs_.reset();
  if (ticketKeys_) ticketKeys_->stop();
  platform_.reset();
  storage_.reset();
  pidFile_.release();
}

}  // namespace mgmt
