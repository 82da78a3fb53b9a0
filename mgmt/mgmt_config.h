// mgmtd's configuration: key/default tables (core/config.h), keys with dashes.
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt {

struct ListenerConfig {
  std::string listen;
  int64_t port = 0;
  int64_t requestSeconds = 30;  // the longest a request may take, head to last body byte
  int64_t connectionsPerAddress = 0;  // from the table: 256 for the device API, 32 for the admin API
  int64_t threads = 0;  // from the table: 4 for the device API, 1 for the admin API
};

// Where mgmtd keeps its data: the embedded SQLite file in data-dir (one mgmtd), or PostgreSQL
// (several mgmtd behind a load balancer, a replica for failover).
struct StorageSettings {
  std::string backend;      // "sqlite" or "postgres"
  std::string dsn;          // postgres: a libpq connection string (keywords or URI; multi-host allowed)
  int64_t connections = 4;  // postgres: pool size; sqlite: read connections beside the writer
  std::string usageIngest;  // "copy" (COPY on PostgreSQL) or "insert" (multi-row INSERTs: the reference)
};

// Mail (mgmt/mail, ADR 0029): the outbox is always written; it is sent when smtp-url is set.
struct MailSettings {
  std::string smtpUrl;   // smtp://host:port or smtps://host:port; "" = mail waits in the outbox
  std::string from;      // the sender address
  std::string username;  // SMTP AUTH (optional)
  std::string passwordFile;  // a file holding the SMTP password (kept out of the config)
  bool requireTls = false;
  // Where links in mail point (the admin API / console as people reach it); "" = derived from
  // admin-api listen and port.
  std::string linkUrl;
};

// The public signup's abuse limits (mgmt/api/signup_api.h, ADR 0037).
struct SignupSettings {
  int64_t perAddressBurst = 10;    // signup requests at once from one address (an IPv6 one by its /64)
  int64_t perAddressPerHour = 20;  // then this many an hour
  int64_t perEmailPerHour = 3;     // signups for one email address an hour
  int64_t pendingPerAddress = 5;   // unverified signups from one address at once
  int64_t pendingMax = 2000;       // unverified signups in all
};

// The public referral link's limits (/ref?code=..., mgmt/console partner_apply_pages.cpp, ADR 0073).
struct ReferralSettings {
  int64_t perAddressBurst = 20;          // visits at once from one address (an IPv6 one by its /64)
  int64_t perAddressPerHour = 60;        // then this many an hour
  int64_t visitorsPerPartnerDay = 10000; // new visitors recorded per partner and day, at most
};

// The online payment provider (mgmt/billing collection, ADR 0039): where mgmtd creates hosted
// checkouts. One provider for the platform; each tenant has its own account there (its keys).
struct PaymentSettings {
  std::string providerUrl;     // https://api.stripe.com or a simulator; "" = online payments off
  std::string providerCaFile;  // PEM trust anchors for the provider's certificate
  int64_t webhookRetentionDays = 90;  // webhook events kept this long (ADR 0058)
};

// Fleet monitoring and notifications (mgmt/monitoring, ADR 0054).
struct MonitoringSettings {
  int64_t checkInterval = 30;       // seconds between passes of the monitoring job
  int64_t missedPolls = 3;          // a box silent for more than this many check-in intervals is offline
  int64_t impactWindow = 86400;     // subscribers seen on a box this long before it went silent are affected
  int64_t maintenanceLead = 86400;  // planned maintenance is announced this long before it starts
  int64_t maxAttempts = 10;         // SMS and webhook deliveries given up after this many
  int64_t groupWindow = 300;        // a tenant's alerts opened this close to an open one join its group
  std::string notifyCaFile;         // PEM trust anchors for SMS providers and webhook receivers
};

// Insight's daily run (mgmt/insight/daily_run.h, ADR 0074): collect, retrain and score once a day.
struct InsightSettings {
  bool daily = true;
  std::string dailyAt = "02:30";  // UTC
  int64_t dailyAttempts = 3;      // tries of a failed day, an hour apart
};

// "HH:MM" (24 h) as minutes after midnight; the refusal says the format.
core::Result<int> parseTimeOfDay(const std::string& text);

struct MgmtConfig {
  std::string dataDir;
  std::string controlSocket;
  std::string pidFile;
  std::string logLevel;
  // The device API's address as appliances reach it (it goes into claim tokens); "" = derived from
  // device-api listen and port.
  std::string publicUrl;
  ListenerConfig deviceApi;
  ListenerConfig adminApi;
  int64_t devicePollInterval = 60;  // seconds between check-ins, told to every box
  int64_t dunningPollInterval = 20;  // the same while a tenant's customers are in dunning (ADR 0047)
  int64_t certificateDays = 90;
  // The DNS suffix of the names in boxes' EAP server certificates: DEVICE.TENANT.eap-domain (ADR 0069).
  std::string eapDomain = "eap.internal";
  int64_t ticketRotationSeconds = 86400;  // the device API's TLS ticket key lives this long (ADR 0044)
  std::string caCert;      // PEM files of a CA to use; "" = create one in data-dir at first start
  std::string caKey;
  std::string secretsKeyFile;  // the key(s) sealing secrets at rest ("" = data-dir/secrets.key; ADR 0058)
  int64_t licenseDays = 365;  // validity of licenses issued for regular tenants
  int64_t graceDays = 14;
  // Firmware rollouts (ADR 0052): the firmware public key bundles are verified with; the folder the
  // catalog's bundles are kept in ("" = data-dir/firmware).
  std::string firmwareKey;
  std::string firmwareDir;
  StorageSettings storage;
  MailSettings mail;
  PaymentSettings payments;
  MonitoringSettings monitoring;
  InsightSettings insight;
  SignupSettings signup;
  ReferralSettings referral;

  std::string databasePath() const { return dataDir + "/mgmt.db"; }
  // What Storage::open needs (mgmt/store/sql.h): the backend chosen by "storage", the SQLite file in
  // data-dir.
  store::StorageConfig storageConfig() const;
  std::string effectivePublicUrl() const;
  // Where links in mail point: mail.link-url, or https://ADMIN-LISTEN:PORT.
  std::string effectiveLinkUrl() const;
  std::string effectiveSecretsKeyFile() const { return secretsKeyFile.empty() ? dataDir + "/secrets.key" : secretsKeyFile; }
  std::string effectiveFirmwareDir() const { return firmwareDir.empty() ? dataDir + "/firmware" : firmwareDir; }
};

const core::ConfigTable<MgmtConfig>& mgmtConfigTable();
core::Result<MgmtConfig> loadMgmtConfig(const std::string& path);

}  // namespace mgmt
