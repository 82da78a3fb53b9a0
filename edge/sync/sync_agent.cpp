#include "edge/sync/sync_agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>

#include "aaa/acct/ledger.h"
#include "core/clock.h"
#include "core/files.h"
#include "core/log.h"
#include "core/pki.h"
#include "edge/sync/sync_store.h"

namespace edge {

namespace {

using core::Json;

thread_local bool tApplyingCentral = false;

int64_t nowSeconds() { return core::SystemClock::instance().unixSeconds(); }

std::string iso(int64_t unix) {
  if (unix == 0) return "";
  return core::formatRfc3339(core::WallTime{std::chrono::milliseconds(unix * 1000)});
}

// An HTTP answer as a Status: 2xx -> the JSON body; otherwise the server's {"error"} message.
core::Result<Json> decode(const core::HttpsResponse& r, const std::string& what) {
  // The HTTPS client already bounds the body's size; the depth limit is what matters here.
  core::Result<Json> parsed = core::parseJsonWithComments(r.body, what, core::JsonLimits{r.body.size(), 64});
  if (r.status >= 200 && r.status < 300) {
    if (!parsed.isOk()) return core::corrupt(what + ": the management plane answered with invalid JSON");
    return *parsed;
  }
  Json body = parsed.isOk() ? *parsed : Json();
  std::string message = body.is_object() && body.contains("error") && body["error"].is_string()
                            ? body["error"].get<std::string>()
                            : "HTTP " + std::to_string(r.status);
  core::Code code = r.status == 401 || r.status == 403 ? core::Code::kPermissionDenied
                    : r.status >= 500                 ? core::Code::kUnavailable
                                                      : core::Code::kInvalidArgument;
  return core::Status(code, what + " refused by the management plane: " + message);
}

}  // namespace

struct SyncAgent::State : sync::SyncStateRow {
  bool enrolled = false;
  std::string caPem, certPem, keyPem;
};

bool SyncAgent::applyingCentralChange() { return tApplyingCentral; }

SyncAgent::SyncAgent(SyncOptions options, core::Writer& writer, LicenseStore& license, core::CounterRegistry& counters,
                     Apply apply, Report report)
    : options_(std::move(options)),
      writer_(writer),
      license_(license),
      apply_(std::move(apply)),
      report_(std::move(report)),
      counters_(counters) {}

SyncAgent::~SyncAgent() { stop(); }

core::Status SyncAgent::start() {
  if (::mkdir(syncDir().c_str(), 0700) != 0 && errno != EEXIST) return core::errnoStatus("creating " + syncDir(), errno);
  core::StoreOptions o;
  o.path = options_.databasePath;
  o.readOnly = true;
  o.migrations = options_.databaseMigrations;
  core::Result<std::unique_ptr<core::Database>> reader = core::Database::open(o);
  if (!reader.isOk()) return reader.status();
  reader_ = std::move(*reader);
  core::StoreOptions j;
  j.path = options_.accountingDatabasePath;
  j.readOnly = true;
  j.migrations = aaa::acct::migrations();
  core::Result<std::unique_ptr<core::Database>> journal = core::Database::open(j);
  if (!journal.isOk()) return journal.status();  // the RADIUS service created it before us
  journal_ = std::move(*journal);
  core::Result<State> st = loadState();
  if (!st.isOk()) return st.status();
  usageWatermark_ = st->usageWatermark;
  counters_.state.set(st->enrolled ? (st->failures > 0 ? 3 : 2) : 1);
  counters_.lastSuccess.set(static_cast<uint64_t>(st->lastSuccess));
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return core::Status::ok();
}

void SyncAgent::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncAgent::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

core::Result<SyncAgent::State> SyncAgent::loadState() {
  State s;
  EDGE_ASSIGN_OR_RETURN(std::optional<sync::SyncStateRow> row, withReaders([](core::Database& r, core::Database&) { return sync::loadState(r); }));
  if (!row) return s;
  static_cast<sync::SyncStateRow&>(s) = std::move(*row);
  s.enrolled = true;
  for (auto [field, file] : {std::pair<std::string*, const char*>{&s.caPem, "/mgmt-ca.pem"},
                             {&s.certPem, "/device.pem"},
                             {&s.keyPem, "/device-key.pem"}}) {
    core::Result<std::string> text = core::readTextFile(syncDir() + file, "the sync credentials");
    if (!text.isOk()) return text.status();
    *field = *text;
  }
  return s;
}

core::Status SyncAgent::saveState(const State& s, bool enrollment) {
  return writer_
      .submit([row = static_cast<const sync::SyncStateRow&>(s), enrollment](core::Database& db) {
        return enrollment ? sync::saveEnrollment(db, row) : sync::saveProgress(db, row);
      })
      .get();
}

core::HttpsClientOptions SyncAgent::clientOptions(const State& s, bool withCertificate) const {
  core::HttpsClientOptions o;
  core::Result<core::HttpsEndpoint> ep = core::parseHttpsUrl(s.url);
  if (ep.isOk()) o.endpoint = *ep;
  o.caCertPem = s.caPem;
  o.serverName = core::sync::kServerName;
  if (withCertificate) {
    o.clientCertPem = s.certPem;
    o.clientKeyPem = s.keyPem;
  }
  o.timeoutMs = static_cast<int>(options_.timeoutMs);
  return o;
}

core::Result<Json> SyncAgent::call(const State& s, const std::string& method, const std::string& path, const Json& body) {
  core::HttpsClientOptions o = clientOptions(s, true);
  const core::HttpsClientOptions* held = client_ != nullptr ? &client_->options() : nullptr;
  if (held == nullptr || held->endpoint.host != o.endpoint.host || held->endpoint.port != o.endpoint.port ||
      held->caCertPem != o.caCertPem || held->clientCertPem != o.clientCertPem ||
      held->clientKeyPem != o.clientKeyPem || held->timeoutMs != o.timeoutMs) {
    client_.reset();
    EDGE_ASSIGN_OR_RETURN(client_, core::HttpsClient::create(o));
  }
  core::Result<core::HttpsResponse> r = client_->request(method, path, method == "GET" ? "" : body.dump());
  if (!r.isOk()) return r.status();
  return decode(*r, method + " " + path);
}

core::Result<Json> SyncAgent::enroll(const std::string& tokenText, bool force, bool keepEap) {
  // Runs outside the control socket's handler lock (the enroll command answers through
  // ControlReply::later). Not under cycleMu_ either, so a cycle stuck on an unreachable mgmt does not
  // hold it up: a cycle that runs meanwhile saves its progress only for the device it started with
  // (saveState), so it cannot undo the new enrollment.
  std::lock_guard<std::mutex> enrolling(enrollMu_);
  core::Result<core::sync::ClaimToken> token = core::sync::decodeClaimToken(tokenText);
  if (!token.isOk()) return token.status();
  core::Result<State> current = loadState();
  if (current.isOk() && current->enrolled && !force)
    return core::failedPrecondition("this box is enrolled already as device " + current->deviceId + " of tenant '" +
                                    current->tenantName + "' (enroll again with --force true to replace it)");
  core::Result<core::HttpsEndpoint> ep = core::parseHttpsUrl(token->url);
  if (!ep.isOk()) return core::invalidArgument("the claim token's URL: " + ep.status().message());

  // 1. The CA, fetched without trust, accepted only when it is the one the token pins.
  core::HttpsClientOptions open;
  open.endpoint = *ep;
  open.timeoutMs = static_cast<int>(options_.timeoutMs);
  core::Result<core::HttpsResponse> caAnswer = core::httpsRequest(open, "GET", "/v1/ca");
  if (!caAnswer.isOk()) return caAnswer.status().withContext("reaching the management plane at " + token->url);
  if (caAnswer->status != 200)
    return core::unavailable("the management plane at " + token->url + " answered HTTP " + std::to_string(caAnswer->status) +
                             " for its CA");
  core::Result<core::pki::CertInfo> ca = core::pki::certificateInfo(caAnswer->body);
  if (!ca.isOk()) return core::corrupt("the management plane's CA certificate cannot be read: " + ca.status().message());
  if (ca->fingerprint != token->caFingerprint)
    return core::permissionDenied("the server at " + token->url + " presented a CA (SHA-256 " + ca->fingerprint.substr(0, 16) +
                                  "...) that is not the one the claim token pins (" + token->caFingerprint.substr(0, 16) +
                                  "...): wrong URL, or someone in between; nothing was sent");

  // 2. The box's own key and CSR; then the enrollment over TLS verified against that CA.
  core::Result<std::string> key = core::pki::generateKey();
  if (!key.isOk()) return key.status();
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  core::Result<std::string> csr = core::pki::createCsr(*key, host[0] != '\0' ? host : "edge");
  if (!csr.isOk()) return csr.status();
  // EAP's key of its own, when mgmt is to issue EAP's certificate (ADR 0069).
  const bool withEap = !keepEap && eap_.state && eap_.install && eap_.state().enabled;
  std::string eapKey, eapCsr;
  if (withEap) {
    EDGE_ASSIGN_OR_RETURN(eapKey, core::pki::generateKey());
    EDGE_ASSIGN_OR_RETURN(eapCsr, core::pki::createCsr(eapKey, "eap"));
  }
  State s;
  s.url = token->url;
  s.caPem = ca->pem;
  core::sync::EnrollRequest request;
  request.secret = token->secret;
  request.csr = *csr;
  request.eapCsr = eapCsr;
  request.hostname = host;
  request.version = options_.version;
  core::Result<core::HttpsResponse> answer =
      core::httpsRequest(clientOptions(s, false), "POST", "/v1/enroll", core::sync::toJson(request).dump());
  if (!answer.isOk()) return answer.status().withContext("enrolling at " + token->url);
  core::Result<Json> body = decode(*answer, "the enrollment");
  if (!body.isOk()) return body.status();
  core::Result<core::sync::EnrollResponse> response = core::sync::fromJson<core::sync::EnrollResponse>(*body);
  if (!response.isOk()) return core::corrupt("the enrollment answer: " + response.status().message());
  core::Result<core::pki::CertInfo> cert = core::pki::certificateInfo(response->certificate);
  if (!cert.isOk() || cert->commonName != response->deviceId)
    return core::corrupt("the enrollment answer holds no certificate for device " + response->deviceId);

  // 3. Keep it: credentials, license (its key becomes the trusted one), state.
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(syncDir() + "/device-key.pem", *key, 0600));
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(syncDir() + "/device.pem", response->certificate, 0644));
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(syncDir() + "/mgmt-ca.pem", ca->pem, 0644));
  core::Result<core::License> license = license_.replaceTrust(response->licenseKey, response->license);
  if (!license.isOk()) return license.status().withContext("the license from the management plane");
  s.enrolled = true;
  s.deviceId = response->deviceId;
  s.tenantId = response->tenantId;
  s.tenantName = response->tenantName;
  s.enrolledAt = nowSeconds();
  s.pollInterval = response->pollInterval;
  // A new enrollment starts the streams over: mgmt knows nothing of this device yet.
  EDGE_RETURN_IF_ERROR(writer_
                           .submit([](core::Database& db) { return sync::clearStreams(db); })
                           .get());
  EDGE_RETURN_IF_ERROR(saveState(s, true));
  usageWatermark_ = 0;
  counters_.state.set(2);
  Json eap = withEap ? installEap(s, response->eapCertificate, response->eapName, eapKey)
                     : Json{{"state", keepEap ? "kept" : "off"}};
  wake();
  return Json{{"device-id", s.deviceId},
              {"tenant-id", s.tenantId},
              {"tenant", s.tenantName},
              {"url", s.url},
              {"certificate-expires-at", iso(cert->notAfter)},
              {"license", core::licenseToJson(*license)},
              {"eap-certificate", eap}};
}

void SyncAgent::run() {
  std::mt19937_64 rng(std::random_device{}());
  int64_t delay = 0;  // seconds until the next cycle
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(delay), [this] { return !running_ || wake_; });
      if (!running_) return;
      wake_ = false;
    }
    std::lock_guard<std::mutex> busy(cycleMu_);
    core::Result<State> loaded = loadState();
    if (!loaded.isOk()) {
      core::logError("sync: cannot read the sync state: ", loaded.status().message());
      delay = 60;
      continue;
    }
    State s = std::move(*loaded);
    if (!s.enrolled) {
      delay = 3600;  // enroll() wakes us
      continue;
    }
    counters_.cycles.inc();
    int64_t now = nowSeconds();
    s.lastAttempt = now;
    core::Status result = cycle(s);
    if (result.isOk()) {
      if (s.failures > 0) core::logInfo("sync: the management plane is reachable again");
      s.failures = 0;
      s.lastError.clear();
      s.lastSuccess = nowSeconds();
      counters_.state.set(2);
      counters_.lastSuccess.set(static_cast<uint64_t>(s.lastSuccess));
      delay = std::max<int64_t>(1, s.pollInterval);
    } else {
      counters_.failures.inc();
      ++s.failures;
      s.lastError = result.message();
      counters_.state.set(3);
      delay = syncBackoffSeconds(s.failures, options_.maxBackoffSeconds, rng());
      if (s.failures == 1 || s.failures % 10 == 0)
        core::logWarning("sync: ", result.message(), " (attempt ", s.failures, ", next in ", delay, " s)");
    }
    nextAttempt_.store(nowSeconds() + delay);
    core::Status saved = saveState(s);
    if (!saved.isOk()) core::logError("sync: saving the sync state: ", saved.message());
  }
}

int64_t syncBackoffSeconds(int64_t failures, int64_t maxBackoff, uint64_t random) {
  const int64_t doublings = std::clamp<int64_t>(failures - 1, 0, 16);
  const int64_t ceiling = std::max<int64_t>(1, std::min<int64_t>(maxBackoff, int64_t{5} << doublings));
  return std::max<int64_t>(1, ceiling / 2 + static_cast<int64_t>(random % static_cast<uint64_t>(ceiling - ceiling / 2 + 1)));
}

core::Status SyncAgent::cycle(State& s) {
  // Certificate renewal at two thirds of its life, before it is needed.
  core::Result<core::pki::CertInfo> cert = core::pki::certificateInfo(s.certPem);
  if (!cert.isOk()) return cert.status();
  int64_t now = nowSeconds();
  // EAP's certificate, while it is the management plane's, renews with the device certificate.
  EapState eap = eap_.state ? eap_.state() : EapState{};
  const bool eapOurs = eap.enabled && eap.fromMgmt && eap_.install;
  bool eapDue = false;
  if (eapOurs && now >= eap.renewAt) {
    std::lock_guard<std::mutex> lock(mu_);
    eapDue = now >= eapRetryAt_;
  }
  const bool deviceDue = now >= cert->notBefore + (cert->notAfter - cert->notBefore) * 2 / 3;
  if (deviceDue || eapDue) EDGE_RETURN_IF_ERROR(renew(s, eapOurs));

  core::sync::CheckinRequest in = report_();
  in.version = options_.version;
  if (!options_.versionFile.empty()) {  // an appliance reports the firmware it runs (rollouts compare it)
    core::Result<std::string> firmware = core::readTextFile(options_.versionFile, "the firmware version");
    std::string v = firmware.isOk() ? firmware->substr(0, 64) : "";
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
    if (!v.empty()) in.version = v;
  }
  in.clock = now;
  in.cursor = s.cursor;
  std::optional<core::License> license = license_.current();
  in.licenseId = license ? license->id : "";
  in.backlog = std::max<int64_t>(0, in.backlog - s.usageWatermark);
  // The sessions open now, by NAS, for an outage's impact on mgmt (ADR 0074): the ledger's live
  // sessions young ones included, read on the journal's connection (never the writer). A failed read
  // costs this check-in its list, not the check-in.
  core::Result<std::vector<aaa::acct::SessionRow>> live =
      withReaders([](core::Database&, core::Database& journal) { return aaa::acct::liveSessionsNow(journal, ""); });
  if (live.isOk()) {
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(live->size());
    for (const aaa::acct::SessionRow& row : *live) pairs.emplace_back(row.nas, row.username);
    in.live = core::sync::groupLiveSessions(std::move(pairs), &in.liveOmitted);
  } else {
    core::logWarning("sync: reading the open sessions for the check-in: ", live.status().message());
  }
  core::Result<Json> answer = call(s, "POST", "/v1/checkin", core::sync::toJson(in));
  if (!answer.isOk()) return answer.status();
  core::Result<core::sync::CheckinResponse> out = core::sync::fromJson<core::sync::CheckinResponse>(*answer);
  if (!out.isOk()) return core::corrupt("the check-in answer: " + out.status().message());
  s.pollInterval = out->pollInterval;
  {
    std::lock_guard<std::mutex> lock(mu_);
    desiredVersion_ = out->desiredVersion;
    desiredAt_ = now;
  }
  if (!out->license.empty()) {
    core::Result<core::License> installed = license_.install(out->license);
    if (installed.isOk()) core::logInfo("sync: license ", installed->id, " installed (", installed->tier, ")");
    else core::logWarning("sync: the license from the management plane was refused: ", installed.status().message());
  }
  // An older mgmt sends no version: the box keeps the central accounts it has.
  if (centralAccounts_ && !out->accountsVersion.empty()) {
    core::Status applied = centralAccounts_(out->accountsVersion, out->accounts);
    if (!applied.isOk()) core::logError("sync: storing the central technicians: ", applied.message());
  }
  if (out->renewCertificate && !deviceDue && !eapDue) EDGE_RETURN_IF_ERROR(renew(s, eapOurs));
  // The changes first, then the commands: a top-up for a subscriber added in the same cycle finds it.
  // (A command not run because the pull failed is sent again at the next check-in.)
  if (out->cursor != s.cursor) EDGE_RETURN_IF_ERROR(pull(s, out->cursor));
  for (const core::sync::Command& c : out->commands) runCommand(s, c);
  EDGE_RETURN_IF_ERROR(pushEvents(s));
  return pushUsage(s);
}

core::Status SyncAgent::finishInterruptedRenewal(const std::string& dataDir) {
  // renew() writes device-key.pem.new, then device.pem, then renames the key into place. A stop
  // between those leaves the new key beside either certificate: the certificate tells which.
  const std::string pending = dataDir + "/sync/device-key.pem.new", cert = dataDir + "/sync/device.pem";
  struct stat st {};
  if (::stat(pending.c_str(), &st) != 0) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(std::string key, core::readTextFile(pending, "the renewed device key"));
  core::Result<std::string> certPem = core::readTextFile(cert, "the device certificate");
  core::Result<std::string> keyPublic = core::pki::publicKeyOf(key);
  core::Result<core::pki::CertInfo> info =
      certPem.isOk() ? core::pki::certificateInfo(*certPem) : core::Result<core::pki::CertInfo>(certPem.status());
  if (keyPublic.isOk() && info.isOk() && info->publicKeyPem == *keyPublic) {
    if (::rename(pending.c_str(), (dataDir + "/sync/device-key.pem").c_str()) != 0)
      return core::errnoStatus("installing the renewed key", errno);
    core::logWarning("sync: finished a certificate renewal a stop interrupted (the new key matches device.pem)");
    return core::Status::ok();
  }
  ::unlink(pending.c_str());
  core::logWarning("sync: dropped the key of a certificate renewal a stop interrupted before its certificate came");
  return core::Status::ok();
}

core::Status SyncAgent::renew(State& s, bool withEap) {
  core::Result<std::string> key = core::pki::generateKey();
  if (!key.isOk()) return key.status();
  core::Result<std::string> csr = core::pki::createCsr(*key, s.deviceId);
  if (!csr.isOk()) return csr.status();
  std::string eapKey, eapCsr;
  if (withEap) {
    EDGE_ASSIGN_OR_RETURN(eapKey, core::pki::generateKey());
    EDGE_ASSIGN_OR_RETURN(eapCsr, core::pki::createCsr(eapKey, "eap"));
  }
  core::Result<Json> answer = call(s, "POST", "/v1/renew", core::sync::toJson(core::sync::RenewRequest{*csr, eapCsr}));
  if (!answer.isOk()) return answer.status();
  core::Result<core::sync::RenewResponse> r = core::sync::fromJson<core::sync::RenewResponse>(*answer);
  if (!r.isOk()) return core::corrupt("the renewal answer: " + r.status().message());
  // The new key first, under another name, then the certificate, then the key into place: a stop
  // anywhere in between leaves files finishInterruptedRenewal() completes or undoes at the next start.
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(syncDir() + "/device-key.pem.new", *key, 0600));
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(syncDir() + "/device.pem", r->certificate, 0644));
  if (::rename((syncDir() + "/device-key.pem.new").c_str(), (syncDir() + "/device-key.pem").c_str()) != 0)
    return core::errnoStatus("installing the renewed key", errno);
  s.keyPem = *key;
  s.certPem = r->certificate;
  core::logInfo("sync: device certificate renewed");
  if (withEap) (void)installEap(s, r->eapCertificate, r->eapName, eapKey);
  return core::Status::ok();
}

Json SyncAgent::installEap(const State& s, const std::string& certificate, const std::string& name,
                           const std::string& key) {
  const int64_t now = nowSeconds();
  core::Status done = [&]() -> core::Status {
    if (certificate.empty())
      return core::unavailable("the management plane issued no EAP certificate (a mgmtd older than this box?)");
    // What the box asked for: the name mgmt gave it, issued by the CA the box trusts.
    EDGE_ASSIGN_OR_RETURN(core::pki::CertInfo info, core::pki::certificateInfo(certificate));
    if (name.empty() || std::find(info.dnsNames.begin(), info.dnsNames.end(), name) == info.dnsNames.end() ||
        !info.serverAuth)
      return core::corrupt("the EAP certificate from the management plane is not a server certificate for " + name);
    EDGE_RETURN_IF_ERROR(core::pki::verifyCertificate(certificate, s.caPem, now));
    return eap_.install(certificate, key);
  }();
  Json out{{"name", name}, {"at", iso(now)}};
  std::lock_guard<std::mutex> lock(mu_);
  if (done.isOk()) {
    core::logInfo("sync: EAP server certificate for ", name, " from the management plane installed");
    out["state"] = "installed";
    eapRetryAt_ = 0;
  } else {
    core::logWarning("sync: the EAP server certificate from the management plane was not installed (the one in use "
                     "stays): ", done.message());
    out["state"] = "failed";
    out["error"] = done.message();
    eapRetryAt_ = now + 3600;
  }
  eapStatus_ = out;
  return out;
}

void SyncAgent::runCommand(State& s, const core::sync::Command& c) {
  core::sync::CommandResult result;
  result.id = c.id;
  if (c.kind == "disconnect" && c.arguments.contains("user")) {
    tApplyingCentral = true;
    Json reply = apply_("session-disconnect", Json{{"user", c.arguments["user"]}});
    tApplyingCentral = false;
    result.ok = reply.value("result", 1) == core::kControlSuccess;
    result.text = reply.value("text", std::string());
  } else if (c.kind == "topup" && c.arguments.value("id", Json()).is_string() &&
             c.arguments.value("username", Json()).is_string()) {
    // A top-up bought in self-care (ADR 0058): applied once by its id, so a command delivered again
    // (its result was lost, mgmt restarted) changes nothing the second time.
    Json args{{"id", c.arguments["id"]}, {"username", c.arguments["username"]},
              {"note", c.arguments.value("note", std::string("bought in self-care"))}};
    auto count = [&c](const char* key) -> int64_t {
      const Json v = c.arguments.value(key, Json());
      return v.is_number_integer() ? v.get<int64_t>() : 0;
    };
    if (count("bytes") > 0) args["bytes"] = std::to_string(count("bytes"));
    if (count("seconds") > 0) args["time"] = std::to_string(count("seconds")) + "s";
    tApplyingCentral = true;
    Json reply = apply_("subscriber-topup", args);
    tApplyingCentral = false;
    result.ok = reply.value("result", 1) == core::kControlSuccess;
    result.text = reply.value("text", std::string());
    if (result.ok) core::logInfo("sync: ", result.text);
    else core::logWarning("sync: top-up ", c.arguments["id"].get<std::string>(), " refused: ", result.text);
  } else {
    result.ok = false;
    result.text = "this box does not know the command '" + c.kind + "'";
  }
  core::Result<Json> posted = call(s, "POST", "/v1/results", core::sync::toJson(result));
  if (!posted.isOk()) core::logWarning("sync: reporting the result of command ", c.id, ": ", posted.status().message());
}

core::Status SyncAgent::pull(State& s, int64_t target) {
  (void)target;
  for (int page = 0; page < 1000; ++page) {
    core::Result<Json> answer = call(s, "GET", "/v1/changes?cursor=" + std::to_string(s.cursor) + "&limit=500", Json());
    if (!answer.isOk()) return answer.status();
    core::Result<core::sync::ChangePage> p = core::sync::fromJson<core::sync::ChangePage>(*answer);
    if (!p.isOk()) return core::corrupt("the changes: " + p.status().message());
    std::set<std::pair<std::string, std::string>> seen;
    tApplyingCentral = true;
    for (const core::sync::Change& c : p->changes) {
      seen.insert({c.kind, c.name});
      Json reply;
      std::string command;
      if (c.deleted) {
        command = c.kind + "-del";
        reply = apply_(command, c.kind == "plan" ? Json{{"name", c.name}} : Json{{"username", c.name}});
        // Already gone is what a delete wants.
        if (reply.value("result", 1) != core::kControlSuccess && reply.value("code", std::string()) == "not-found")
          reply["result"] = core::kControlSuccess;
      } else {
        Json spec = c.spec;
        // Set when the box has it (whoever made it), add otherwise.
        Json probe = apply_(c.kind == "plan" ? "plan-list" : "subscriber-show",
                            c.kind == "plan" ? Json::object() : Json{{"username", c.name}});
        bool exists = false;
        if (c.kind == "plan") {
          for (const Json& plan : probe.value("arguments", Json::array()))
            if (plan.value("name", std::string()) == c.name) exists = true;
        } else {
          exists = probe.value("result", 1) == core::kControlSuccess;
        }
        command = c.kind + (exists ? "-set" : "-add");
        reply = apply_(command, spec);
      }
      if (reply.value("result", 1) == core::kControlSuccess) {
        counters_.applied.inc();
        std::string kind = c.kind, name = c.name;
        int64_t version = c.version;
        bool deleted = c.deleted;
        (void)writer_.submit([kind, name, version, deleted](core::Database& db) {
          return deleted ? sync::forgetRecord(db, kind, name) : sync::rememberRecord(db, kind, name, version);
        });
      } else {
        counters_.applyErrors.inc();
        core::logWarning("sync: ", command, " '", c.name, "' from the management plane refused: ", reply.value("text", std::string()));
      }
    }
    if (p->full) {
      // Everything mgmt gave the box before and no longer has is gone: subscribers first, then plans.
      std::vector<std::pair<std::string, std::string>> gone;
      if (auto known = withReaders([](core::Database& r, core::Database&) { return sync::records(r); }); known.isOk()) {
        for (const std::pair<std::string, std::string>& k : *known)
          if (seen.count(k) == 0) gone.push_back(k);
      }
      for (const auto& [kind, name] : gone) {
        apply_(kind + "-del", kind == "plan" ? Json{{"name", name}} : Json{{"username", name}});
        (void)writer_.submit([kind = kind, name = name](core::Database& db) { return sync::forgetRecord(db, kind, name); });
      }
    }
    tApplyingCentral = false;
    s.cursor = p->cursor;
    EDGE_RETURN_IF_ERROR(saveState(s));
    if (!p->more) return core::Status::ok();
  }
  return core::Status::ok();
}

void SyncAgent::recordLocalChange(const std::string& kind, const Json& data) {
  core::Result<State> s = loadState();
  if (!s.isOk() || !s->enrolled) return;
  int64_t now = nowSeconds();
  int64_t limit = options_.outboxLimit;
  core::Counter* dropped = &counters_.outboxDropped;
  std::string text = data.dump();
  writer_.submit(
      [kind, text, now, limit, dropped](core::Database& db) {
        EDGE_ASSIGN_OR_RETURN(int64_t trimmed, sync::appendOutbox(db, now, kind, text, limit));
        if (trimmed > 0) dropped->inc(static_cast<uint64_t>(trimmed));
        return core::Status::ok();
      },
      [](const core::Status& s) {
        if (!s.isOk()) core::logError("sync: recording a local change for the management plane: ", s.message());
      });
}

core::Status SyncAgent::pushEvents(State& s) {
  for (int round = 0; round < 100; ++round) {
    EDGE_ASSIGN_OR_RETURN(std::vector<sync::OutboxEntry> entries, withReaders([&](core::Database& r, core::Database&) { return sync::outboxAfter(r, s.eventWatermark, 200); }));
    core::sync::EventBatch batch;
    for (sync::OutboxEntry& entry : entries) {
      core::sync::Event e;
      e.seq = entry.seq;
      e.at = entry.at;
      e.kind = std::move(entry.kind);
      e.data = Json::parse(entry.data, nullptr, false);
      if (!e.data.is_object()) e.data = Json::object();
      batch.events.push_back(std::move(e));
    }
    if (batch.events.empty()) return core::Status::ok();
    core::Result<Json> answer = call(s, "POST", "/v1/events", core::sync::toJson(batch));
    if (!answer.isOk()) return answer.status();
    core::Result<core::sync::EventAck> ack = core::sync::fromJson<core::sync::EventAck>(*answer);
    if (!ack.isOk()) return core::corrupt("the events answer: " + ack.status().message());
    int64_t acked = std::min(ack->watermark, batch.events.back().seq);
    if (acked <= s.eventWatermark) return core::unavailable("the management plane did not acknowledge the events");
    s.eventWatermark = acked;
    EDGE_RETURN_IF_ERROR(saveState(s));
  }
  return core::Status::ok();
}

core::Status SyncAgent::pushUsage(State& s) {
  for (int round = 0; round < 200; ++round) {
    // The ledger's journal and history (aaa/acct/ledger.h), on this agent's read connection.
    EDGE_ASSIGN_OR_RETURN(std::vector<aaa::acct::JournalRow> rows,
                          withReaders([&](core::Database&, core::Database& j) { return aaa::acct::journalAfter(j, s.usageWatermark, options_.usageBatch); }));
    core::sync::UsageBatch batch;
    for (aaa::acct::JournalRow& r : rows) {
      core::sync::UsageRow u;
      u.seq = r.seq;
      u.at = r.at;
      u.session = std::move(r.uid);
      u.username = std::move(r.username);
      u.inputOctets = static_cast<int64_t>(r.counters.inputOctets);
      u.outputOctets = static_cast<int64_t>(r.counters.outputOctets);
      u.sessionTime = static_cast<int64_t>(r.counters.sessionTime);
      batch.rows.push_back(std::move(u));
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<aaa::acct::SessionRow> closed,
                          withReaders([&](core::Database&, core::Database& j) { return aaa::acct::closedSessionsAfter(j, s.sessionWatermark, 500); }));
    for (aaa::acct::SessionRow& h : closed) {
      core::sync::SessionSummary x;
      x.id = h.historyId;
      x.session = std::move(h.uid);
      x.username = std::move(h.username);
      x.nas = std::move(h.nas);
      x.started = h.started;
      x.stopped = h.stopped;
      x.inputOctets = static_cast<int64_t>(h.counters.inputOctets);
      x.outputOctets = static_cast<int64_t>(h.counters.outputOctets);
      x.sessionTime = static_cast<int64_t>(h.counters.sessionTime);
      x.closeReason = std::move(h.closeReason);
      batch.sessions.push_back(std::move(x));
    }
    if (batch.rows.empty() && batch.sessions.empty()) return core::Status::ok();
    batch.idempotencyKey = "usage:" + (batch.rows.empty() ? std::string("-")
                                                          : std::to_string(batch.rows.front().seq) + "-" +
                                                                std::to_string(batch.rows.back().seq)) +
                           (batch.sessions.empty() ? "" : ";sessions:" + std::to_string(batch.sessions.back().id));
    core::Result<Json> answer = call(s, "POST", "/v1/usage", core::sync::toJson(batch));
    if (!answer.isOk()) return answer.status();
    core::Result<core::sync::UsageAck> ack = core::sync::fromJson<core::sync::UsageAck>(*answer);
    if (!ack.isOk()) return core::corrupt("the usage answer: " + ack.status().message());
    if (!batch.rows.empty()) {
      int64_t acked = std::min(ack->watermark, batch.rows.back().seq);
      if (acked <= s.usageWatermark) return core::unavailable("the management plane did not acknowledge the usage");
      counters_.usageRows.inc(static_cast<uint64_t>(ack->accepted));
      s.usageWatermark = acked;
      usageWatermark_ = acked;
    }
    if (!batch.sessions.empty()) {
      int64_t acked = std::min(ack->sessionWatermark, batch.sessions.back().id);
      if (acked <= s.sessionWatermark)
        return core::unavailable("the management plane did not acknowledge the session summaries");
      s.sessionWatermark = acked;
    }
    EDGE_RETURN_IF_ERROR(saveState(s));
  }
  return core::Status::ok();
}

Json SyncAgent::statusJson() {
  core::Result<State> loaded = loadState();
  if (!loaded.isOk())
    return Json{{"state", "error"},
                {"summary", "cannot read the sync state: " + loaded.status().message()},
                {"last-error", loaded.status().message()}};
  const State& s = *loaded;
  if (!s.enrolled)
    return Json{{"state", "not-enrolled"},
                {"summary", "not enrolled: run `edgectl enroll TOKEN` with a token from `mgmtctl claim create`"}};
  int64_t now = nowSeconds();
  int64_t journal = withReaders([](core::Database&, core::Database& j) { return aaa::acct::lastJournalSeq(j); }).valueOr(0);
  int64_t outbox = withReaders([&](core::Database& r, core::Database&) { return sync::outboxCountAfter(r, s.eventWatermark); }).valueOr(0);
  std::string state = s.failures > 0 ? "failing" : s.lastSuccess > 0 ? "ok" : "pending";
  std::string summary;
  if (state == "ok") summary = "in sync with " + s.url + ", last check-in " + std::to_string(now - s.lastSuccess) + " s ago";
  else if (state == "pending") summary = "enrolled; the first check-in has not completed yet";
  else summary = "cannot reach the management plane for " + std::to_string(s.failures) + " attempts: " + s.lastError +
                 "; subscribers are still served, usage waits in the journal";
  Json j{{"state", state},
         {"summary", summary},
         {"device-id", s.deviceId},
         {"tenant-id", s.tenantId},
         {"tenant", s.tenantName},
         {"url", s.url},
         {"enrolled-at", iso(s.enrolledAt)},
         {"last-success", iso(s.lastSuccess)},
         {"last-attempt", iso(s.lastAttempt)},
         {"last-error", s.lastError},
         {"failures", s.failures},
         {"next-attempt", iso(nextAttempt_.load())},
         {"poll-interval", s.pollInterval},
         {"cursor", s.cursor},
         {"usage-watermark", s.usageWatermark},
         {"usage-backlog", std::max<int64_t>(0, journal - s.usageWatermark)},
         {"outbox-backlog", outbox}};
  if (core::Result<core::pki::CertInfo> cert = core::pki::certificateInfo(s.certPem); cert.isOk())
    j["certificate-expires-at"] = iso(cert->notAfter);
  {
    std::lock_guard<std::mutex> lock(mu_);
    j["firmware"] = Json{{"desired-version", desiredVersion_},
                         {"told-at", iso(desiredAt_)},
                         {"age-seconds", desiredAt_ == 0 ? Json(nullptr) : Json(now - desiredAt_)}};
    if (!eapStatus_.is_null()) j["eap-certificate"] = eapStatus_;
  }
  return j;
}

}  // namespace edge
