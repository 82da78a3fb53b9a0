// The radius area's configuration sections (radius, accounting, billing); keys in edge/app/edge_config.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge {

struct RadiusConfig {
  std::string listen;
  int64_t authPort = 0;
  int64_t acctPort = 0;
  std::string dictionaryDir;
  bool requireMessageAuthenticator = true;
  int64_t threads = 0;  // 0 = one per core
  std::vector<std::string> authMethods;
  // What an external NAS walls a walled subscriber by (dunning, ADR 0048); '' = not sent.
  std::string walledFilterId;
  std::string walledAddressList = "walled";
  std::string walledUrl;
  // RadSec (RFC 6614): on when radsec-certificate is set (then radsec-key and radsec-ca too).
  int64_t radsecPort = 2083;
  std::string radsecCertificate;
  std::string radsecKey;
  std::string radsecCa;
  std::string radsecCrl;
  int64_t radsecMaxConnections = 64;
  int64_t radsecMaxConnectionsPerNas = 4;
  int64_t radsecIdleTimeoutSeconds = 120;
  int64_t radsecHandshakeTimeoutSeconds = 10;
  // EAP (RFC 3579; EAP-TLS, PEAP, EAP-TTLS): on when eap-certificate is set (then eap-key too).
  std::string eapCertificate;
  std::string eapKey;
  std::string eapCa;   // EAP-TLS client certificates; "" = no EAP-TLS
  std::string eapCrl;
  std::string eapFirstMethod = "peap";
  std::string eapPeapCryptoBinding = "optional";  // or "required" ([MS-PEAP] Crypto-Binding TLV)
  int64_t eapMaxConversations = 1024;
  int64_t eapMaxConversationsPerNas = 256;
  int64_t eapTimeoutSeconds = 30;
  int64_t eapFragmentSize = 1000;
  int64_t eapResumptionSeconds = 3600;  // 0 = no TLS session resumption
  int64_t eapResumptionMaxSessions = 4096;
};

struct AccountingConfig {
  int64_t staleMultiplier = 3;
  int64_t staleDefaultSeconds = 7200;
  int64_t disconnectGraceSeconds = 10;
};

struct BillingConfig {
  std::string timeZone;    // IANA name ("Europe/Berlin"); "" = the system's
  std::string tenantName;  // printed on voucher sheets
};

// What RadiusService needs from the daemon's configuration (edge/app builds it from EdgeConfig).
struct RadiusServiceConfig {
  RadiusConfig radius;
  AccountingConfig accounting;
  BillingConfig billing;
  std::string accountingDatabasePath;
  int64_t busyTimeoutMs = 0;
};

}  // namespace edge
