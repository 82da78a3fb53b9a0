#include "mgmt/mgmt_config.h"

#include <cctype>

namespace mgmt {

namespace {

std::shared_ptr<const core::ConfigTable<ListenerConfig>> listenerTable(const char* what, int64_t port,
                                                                       int64_t perAddress, int64_t threads) {
  auto t = std::make_shared<core::ConfigTable<ListenerConfig>>();
  t->string("listen", &ListenerConfig::listen, "127.0.0.1", std::string("Address the ") + what + " listens on",
            core::ipAddress)
      .integer("port", &ListenerConfig::port, port, 0, 65535,
               std::string("TCP port of the ") + what + " (HTTPS); 0 picks a free port (shown by mgmtctl status)")
      .integer("request-seconds", &ListenerConfig::requestSeconds, 30, 2, 600,
               "Longest time one request may take from its first byte to its last (a slowly trickled body is cut "
               "off); an idle connection is closed after 10 s anyway")
      .integer("connections-per-address", &ListenerConfig::connectionsPerAddress, perAddress, 1, 100000,
               "Most connections at once from one client address; behind a TCP load balancer (HAProxy) every "
               "connection comes from the balancer's address, so raise it to what the balancer may open")
      .integer("threads", &ListenerConfig::threads, threads, 1, 64,
               "Threads serving connections at once (TLS handshakes and requests); more than the cores lets "
               "requests that wait for the database overlap");
  return t;
}

std::shared_ptr<const core::ConfigTable<StorageSettings>> storageTable() {
  auto t = std::make_shared<core::ConfigTable<StorageSettings>>();
  t->choice("backend", &StorageSettings::backend, "sqlite", {"sqlite", "postgres"},
            "Database: sqlite (data-dir/mgmt.db, one mgmtd) or postgres (several mgmtd, replicas)")
      .string("dsn", &StorageSettings::dsn, "",
              "postgres: libpq connection string, e.g. \"host=db1,db2 dbname=mgmt user=mgmtd "
              "target_session_attrs=read-write\"; keep the password out of it (a passfile= / ~/.pgpass file)")
      .integer("connections", &StorageSettings::connections, 4, 1, 200,
               "postgres: connections in the pool; sqlite: read connections beside the one writer")
      .choice("usage-ingest", &StorageSettings::usageIngest, "copy", {"copy", "insert"},
              "How uploaded usage rows are written: copy (postgres: COPY into a staging table, then one "
              "de-duplicating insert; sqlite: multi-row INSERTs) or insert (multi-row INSERTs on both: the "
              "reference for benchmarks)")
      .check([](const StorageSettings& s) -> core::Status {
        if (s.backend == "postgres" && s.dsn.empty()) {
          return core::invalidArgument("dsn: required when backend is postgres");
        }
        if (s.backend == "sqlite" && !s.dsn.empty()) {
          return core::invalidArgument("dsn: only for backend postgres (sqlite uses data-dir/mgmt.db)");
        }
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<MailSettings>> mailTable() {
  auto t = std::make_shared<core::ConfigTable<MailSettings>>();
  t->string("smtp-url", &MailSettings::smtpUrl, "",
           "SMTP server for the outbox: smtp://host:port (STARTTLS when offered) or smtps://host:port; "
           "empty: mail waits in the outbox")
      .string("from", &MailSettings::from, "mgmt@localhost", "the sender address of every mail")
      .string("username", &MailSettings::username, "", "SMTP AUTH user (optional)")
      .string("password-file", &MailSettings::passwordFile, "", "a file holding the SMTP AUTH password")
      .boolean("require-tls", &MailSettings::requireTls, false, "refuse to send mail without TLS")
      .string("link-url", &MailSettings::linkUrl, "",
              "where links in mail point (https://console.example); empty: the admin API's listen address")
      .check([](const MailSettings& m) -> core::Status {
        if (!m.smtpUrl.empty() && m.smtpUrl.rfind("smtp://", 0) != 0 && m.smtpUrl.rfind("smtps://", 0) != 0)
          return core::invalidArgument("smtp-url: must start with smtp:// or smtps://");
        if (!m.linkUrl.empty() && m.linkUrl.rfind("https://", 0) != 0 && m.linkUrl.rfind("http://", 0) != 0)
          return core::invalidArgument("link-url: must start with https://");
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<SignupSettings>> signupTable() {
  auto t = std::make_shared<core::ConfigTable<SignupSettings>>();
  t->integer("per-address-burst", &SignupSettings::perAddressBurst, 10, 1, 100000,
             "Signup requests one client address may make at once (an IPv6 address counts by its /64); "
             "behind a load balancer every request comes from its address unless it passes the client's")
      .integer("per-address-per-hour", &SignupSettings::perAddressPerHour, 20, 1, 1000000,
               "Then this many signup requests an hour per address (429 with Retry-After beyond)")
      .integer("per-email-per-hour", &SignupSettings::perEmailPerHour, 3, 1, 1000,
               "Signups for one email address an hour (each one mails a link)")
      .integer("pending-per-address", &SignupSettings::pendingPerAddress, 5, 1, 100000,
               "Signups from one address waiting for their email link at once")
      .integer("pending-max", &SignupSettings::pendingMax, 2000, 1, 10000000,
               "Signups waiting for their email link at once, in all (beyond: signups pause; expired links "
               "are deleted each minute)");
  return t;
}

std::shared_ptr<const core::ConfigTable<ReferralSettings>> referralTable() {
  auto t = std::make_shared<core::ConfigTable<ReferralSettings>>();
  t->integer("per-address-burst", &ReferralSettings::perAddressBurst, 20, 1, 100000,
             "Referral-link visits (/ref?code=) one client address may make at once (an IPv6 address counts by "
             "its /64); behind a TCP load balancer every visit comes from its address (docs/partners.md)")
      .integer("per-address-per-hour", &ReferralSettings::perAddressPerHour, 60, 1, 1000000,
               "Then this many visits an hour per address (429 with Retry-After beyond, nothing recorded)")
      .integer("visitors-per-partner-day", &ReferralSettings::visitorsPerPartnerDay, 10000, 1, 10000000,
               "New visitors recorded per partner and day at most: beyond, the page is shown and nothing is "
               "counted (the table grows by at most this per partner a day)");
  return t;
}

std::shared_ptr<const core::ConfigTable<PaymentSettings>> paymentsTable() {
  auto t = std::make_shared<core::ConfigTable<PaymentSettings>>();
  t->string("provider-url", &PaymentSettings::providerUrl, "",
            "The online payment provider's API, https://HOST[:PORT] (hosted checkout, signed webhooks); empty: "
            "online payments off")
      .string("provider-ca-file", &PaymentSettings::providerCaFile, "/etc/ssl/certs/ca-certificates.crt",
              "PEM file of the CA certificates the provider's certificate must chain to")
      .integer("webhook-retention-days", &PaymentSettings::webhookRetentionDays, 90, 7, 3650,
               "Days the provider's webhook events are kept (their ids make a delivery apply once); at least 7, "
               "beyond any provider's retry window (Stripe's is 3 days); signed deliveries go after an hour");
  return t;
}

std::shared_ptr<const core::ConfigTable<MonitoringSettings>> monitoringTable() {
  auto t = std::make_shared<core::ConfigTable<MonitoringSettings>>();
  t->integer("check-interval", &MonitoringSettings::checkInterval, 30, 1, 3600,
             "Seconds between passes of the monitoring job (alerts, impact, notifications; one mgmtd runs it)")
      .integer("missed-polls", &MonitoringSettings::missedPolls, 3, 1, 100,
               "A box whose last check-in is older than this many device-poll-interval is offline (an alert)")
      .integer("impact-window", &MonitoringSettings::impactWindow, 86400, 60, 30 * 86400,
               "Seconds before a box went silent in which a subscriber with usage or a session on it counts as "
               "affected")
      .integer("maintenance-lead", &MonitoringSettings::maintenanceLead, 86400, 0, 30 * 86400,
               "Seconds before planned maintenance starts that its customers are told")
      .integer("max-attempts", &MonitoringSettings::maxAttempts, 10, 1, 100,
               "Attempts at an SMS or a webhook delivery (backoff from 30 s doubling to an hour) before it is "
               "given up")
      .integer("group-window", &MonitoringSettings::groupWindow, 300, 0, 86400,
               "Seconds: an alert opened this soon after an open alert of the same tenant (or on a box with an open "
               "alert) joins its group, one root cause; 0 groups only a box's own alerts")
      .string("notify-ca-file", &MonitoringSettings::notifyCaFile, "/etc/ssl/certs/ca-certificates.crt",
              "PEM file of the CA certificates SMS providers' and tenants' webhook servers must chain to");
  return t;
}

std::shared_ptr<const core::ConfigTable<InsightSettings>> insightTable() {
  auto t = std::make_shared<core::ConfigTable<InsightSettings>>();
  t->boolean("daily", &InsightSettings::daily, true,
             "Collect the customers' daily features, retrain the churn models and score every tenant once a day "
             "(one mgmtd runs it)")
      .string("daily-at", &InsightSettings::dailyAt, "02:30", "The time of day (HH:MM, UTC) the daily run starts",
              [](const std::string& v) { return parseTimeOfDay(v).status(); })
      .integer("daily-attempts", &InsightSettings::dailyAttempts, 3, 1, 24,
               "Tries of a day whose run failed or was interrupted, an hour apart");
  return t;
}

}  // namespace

core::Result<int> parseTimeOfDay(const std::string& text) {
  auto digit = [&text](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -100; };
  const bool shaped = text.size() == 5 && text[2] == ':';
  const int h = shaped ? digit(0) * 10 + digit(1) : -1;
  const int m = shaped ? digit(3) * 10 + digit(4) : -1;
  if (h < 0 || h > 23 || m < 0 || m > 59)
    return core::invalidArgument("'" + text + "' is not a time of day as HH:MM (24 h), such as 02:30");
  return h * 60 + m;
}

store::StorageConfig MgmtConfig::storageConfig() const {
  store::StorageConfig config;
  config.backend = storage.backend == "postgres" ? store::Backend::kPostgres : store::Backend::kSqlite;
  config.path = databasePath();
  config.dsn = storage.dsn;
  config.connections = static_cast<int>(storage.connections);
  return config;
}

std::string MgmtConfig::effectiveLinkUrl() const {
  if (!mail.linkUrl.empty()) return mail.linkUrl;
  std::string host = adminApi.listen == "0.0.0.0" || adminApi.listen == "::" ? "127.0.0.1" : adminApi.listen;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(adminApi.port);
}

std::string MgmtConfig::effectivePublicUrl() const {
  if (!publicUrl.empty()) return publicUrl;
  std::string host = deviceApi.listen == "0.0.0.0" || deviceApi.listen == "::" ? "127.0.0.1" : deviceApi.listen;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(deviceApi.port);
}

const core::ConfigTable<MgmtConfig>& mgmtConfigTable() {
  static const core::ConfigTable<MgmtConfig> table = [] {
    core::ConfigTable<MgmtConfig> t;
    t.string("data-dir", &MgmtConfig::dataDir, "/var/lib/mgmtd",
             "Folder of the database (mgmt.db), the CA, the license key and the admin token", core::absolutePath)
        .string("control-socket", &MgmtConfig::controlSocket, "/run/mgmtd/control.sock",
                "Unix socket mgmtctl talks to (mode 0660)", core::absolutePath)
        .string("pid-file", &MgmtConfig::pidFile, "", "PID file; empty = data-dir/mgmtd.pid")
        .choice("log-level", &MgmtConfig::logLevel, "info", {"debug", "info", "warning", "error"}, "Log level")
        .string("public-url", &MgmtConfig::publicUrl, "",
                "The device API as appliances reach it, https://HOST:PORT (written into claim tokens); empty = "
                "from device-api.listen and port")
        .section("device-api", &MgmtConfig::deviceApi, listenerTable("device API (mutual TLS, appliances)", 8443, 256, 4),
                 "The listener appliances enroll and sync with")
        .section("admin-api", &MgmtConfig::adminApi, listenerTable("admin API (operators, bearer token)", 8444, 32, 1),
                 "The listener for operators' tools")
        .integer("device-poll-interval", &MgmtConfig::devicePollInterval, 60, 1, 86400,
                 "Seconds between an appliance's check-ins (told to every box at each check-in)")
        .integer("device-dunning-poll-interval", &MgmtConfig::dunningPollInterval, 20, 1, 86400,
                 "Seconds between check-ins of the boxes of a tenant with customers in dunning (at most "
                 "device-poll-interval): a payment restores service on them within it (ADR 0047)")
        .integer("certificate-days", &MgmtConfig::certificateDays, 90, 1, 825,
                 "Validity of device certificates; boxes renew at two thirds of it")
        .string("eap-domain", &MgmtConfig::eapDomain, "eap.internal",
                "DNS suffix of the name in each box's EAP server certificate (DEVICE-ID.TENANT-ID.eap-domain); "
                "phones and laptops check the name against TENANT-ID.eap-domain (ADR 0069)",
                [](const std::string& v) -> core::Status {
                  // LDH labels (RFC 1123), short enough to leave room for the device's and tenant's labels.
                  if (v.empty() || v.size() > 200) return core::invalidArgument("expected a DNS name of 1..200 characters");
                  size_t label = 0;
                  for (size_t i = 0; i <= v.size(); ++i) {
                    char c = i < v.size() ? v[i] : '.';
                    if (c == '.') {
                      if (label == 0 || label > 63 || v[i - 1] == '-' || v[i - label] == '-')
                        return core::invalidArgument("\"" + v + "\": a label is empty, longer than 63 or starts or ends with '-'");
                      label = 0;
                    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
                      ++label;
                    } else {
                      return core::invalidArgument("\"" + v + "\" holds a character other than letters, digits, '-' and '.'");
                    }
                  }
                  return core::Status::ok();
                })
        .integer("ticket-rotation-seconds", &MgmtConfig::ticketRotationSeconds, 86400, 2, 7 * 86400,
                 "Life of a TLS session ticket key of the device API (random, shared by every mgmtd through the "
                 "database); a box resumes its session with a ticket until its key's period ends, then shakes "
                 "hands in full once; the same on every mgmtd")
        .string("ca-cert", &MgmtConfig::caCert, "", "PEM file of an existing CA to issue device certificates; empty = "
                "data-dir/ca.pem, created at first start")
        .string("ca-key", &MgmtConfig::caKey, "", "PEM file of that CA's private key (ECDSA P-256)")
        .string("secrets-key-file", &MgmtConfig::secretsKeyFile, "",
                "File of the AES-256 key(s) sealing secrets in the database (payment provider keys), one 64-hex "
                "key a line, the first current; created (0600) at first start; empty = data-dir/secrets.key. "
                "With several mgmtd: the same file on each (ADR 0058 tells how to rotate)")
        .integer("license-days", &MgmtConfig::licenseDays, 365, 1, 3650,
                 "Validity of the licenses issued to tenants (demo tenants: 7 days)")
        .integer("grace-days", &MgmtConfig::graceDays, 14, 0, 365,
                 "Days after a license expires during which boxes warn but still allow management changes")
        .string("firmware-key", &MgmtConfig::firmwareKey, "",
                "PEM file of the firmware public key (fwtool's, not the license key): bundles added to the "
                "catalog are verified with it; empty = firmware add refused")
        .string("firmware-dir", &MgmtConfig::firmwareDir, "",
                "Folder of the firmware catalog's bundles, which boxes download; empty = data-dir/firmware (with "
                "several mgmtd: a shared folder)")
        .section("storage", &MgmtConfig::storage, storageTable(),
                 "The database: SQLite in data-dir (default) or PostgreSQL")
        .section("mail", &MgmtConfig::mail, mailTable(), "Mail: the outbox's SMTP server and sender")
        .section("signup", &MgmtConfig::signup, signupTable(), "The public signup's abuse limits")
        .section("referral", &MgmtConfig::referral, referralTable(), "The public referral link's limits")
        .section("payments", &MgmtConfig::payments, paymentsTable(), "The online payment provider")
        .section("monitoring", &MgmtConfig::monitoring, monitoringTable(),
                 "Fleet monitoring: alerts when boxes go silent, their impact, notifications (ADR 0054)")
        .section("insight", &MgmtConfig::insight, insightTable(),
                 "Insight's daily run: features, churn models and scores (ADR 0074)")
        .check([](const MgmtConfig& c) -> core::Status {
          if (c.caCert.empty() != c.caKey.empty()) return core::invalidArgument("ca-cert and ca-key go together");
          if (!c.publicUrl.empty() && c.publicUrl.rfind("https://", 0) != 0)
            return core::invalidArgument("public-url: must start with https://");
          return core::Status::ok();
        });
    return t;
  }();
  return table;
}

core::Result<MgmtConfig> loadMgmtConfig(const std::string& path) {
  core::Result<core::Json> doc = core::loadJsonFile(path);
  if (!doc.isOk()) return doc.status();
  core::Result<MgmtConfig> config = mgmtConfigTable().parse(*doc);
  if (!config.isOk()) return config.status().withContext(path);
  return config;
}

}  // namespace mgmt
