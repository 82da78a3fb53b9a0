#include "edge/app/edge_config.h"

#include <arpa/inet.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <unistd.h>

#include "catalog/subscriber.h"
#include "core/command_args.h"
#include "core/log.h"

namespace edge {

namespace {

using core::absolutePath;
using core::ipAddress;

// An absolute path, or empty for "not set" (the RadSec files).
core::Status optionalAbsolutePath(const std::string& v) { return v.empty() ? core::Status::ok() : absolutePath(v); }

// A text a RADIUS string attribute carries: at most 253 octets, printable ASCII.
core::Status walledAttribute(const std::string& v) {
  if (v.size() > 253) return core::invalidArgument("longer than 253 octets (a RADIUS attribute)");
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return core::invalidArgument("printable ASCII only");
  return core::Status::ok();
}

std::shared_ptr<const core::ConfigTable<DatabaseConfig>> databaseTable() {
  auto t = std::make_shared<core::ConfigTable<DatabaseConfig>>();
  t->choice("synchronous", &DatabaseConfig::synchronous, "full", {"full", "normal"},
            "SQLite synchronous mode of the appliance database; 'full' never loses an acknowledged write on "
            "power loss (required for accounting)")
      .integer("busy-timeout-ms", &DatabaseConfig::busyTimeoutMs, 5000, 0, 600000,
               "How long a database access waits for a lock before failing, in milliseconds");
  return t;
}

std::shared_ptr<const core::ConfigTable<RadiusConfig>> radiusTable() {
  auto t = std::make_shared<core::ConfigTable<RadiusConfig>>();
  t->string("listen", &RadiusConfig::listen, "0.0.0.0",
            "Address the RADIUS server listens on (IPv4, IPv6, or :: for both)",
            ipAddress)
      .integer("auth-port", &RadiusConfig::authPort, 1812, 0, 65535,
               "UDP port for authentication (RFC 2865); 0 picks a free port, shown by edgectl status")
      .integer("acct-port", &RadiusConfig::acctPort, 1813, 0, 65535,
               "UDP port for accounting (RFC 2866); 0 picks a free port")
      .string("dictionary-dir", &RadiusConfig::dictionaryDir, "/usr/share/freeradius",
              "Folder of the FreeRADIUS dictionaries (Debian's by default)", absolutePath)
      .boolean("require-message-authenticator", &RadiusConfig::requireMessageAuthenticator, true,
               "Drop Access-Requests without Message-Authenticator (BlastRADIUS, CVE-2024-3596); a NAS client "
               "can override it")
      .integer("threads", &RadiusConfig::threads, 0, 0, 256, "Worker threads, each with its own socket; 0 = one per core")
      .stringList("auth-methods", &RadiusConfig::authMethods, {"pap", "chap", "mschapv2", "mac"},
                  "Authentication methods accepted (pap, chap, mschapv2, mac). Without chap, subscriber passwords "
                  "are stored only as NT hashes")
      .string("walled-filter-id", &RadiusConfig::walledFilterId, "",
              "Filter-Id in the Access-Accept of a walled subscriber (dunning), for a NAS that walls by a named filter "
              "or ACL (every vendor profile but accel-ppp); empty: none",
              walledAttribute)
      .string("walled-address-list", &RadiusConfig::walledAddressList, "walled",
              "Mikrotik-Address-List in the Access-Accept of a walled subscriber (mikrotik profile): the router's "
              "firewall sends that list to the pay page; empty: none",
              walledAttribute)
      .string("walled-url", &RadiusConfig::walledUrl, "",
              "WISPr-Redirection-URL of a walled subscriber without its own dunning-url (wispr and chillispot "
              "profiles): an https URL; empty: none",
              [](const std::string& v) -> core::Status {
                if (v.empty()) return core::Status::ok();
                core::Result<catalog::SubscriberFields> f =
                    catalog::parseSubscriberFields(core::CommandArgs(core::Json{{"dunning-url", v}}));
                return f.isOk() ? core::Status::ok() : f.status();
              })
      .integer("radsec-port", &RadiusConfig::radsecPort, 2083, 0, 65535,
               "TCP port of RadSec, RADIUS over TLS (RFC 6614), when radsec-certificate is set; 0 picks a free port")
      .string("radsec-certificate", &RadiusConfig::radsecCertificate, "",
              "PEM certificate (chain) edged shows RadSec clients; empty: RadSec is off", optionalAbsolutePath)
      .string("radsec-key", &RadiusConfig::radsecKey, "", "PEM private key of radsec-certificate",
              optionalAbsolutePath)
      .string("radsec-ca", &RadiusConfig::radsecCa, "",
              "PEM CA certificate(s) a RadSec client's certificate must chain to; the NAS client is then the one whose "
              "radsec-identity names the certificate",
              optionalAbsolutePath)
      .string("radsec-crl", &RadiusConfig::radsecCrl, "",
              "PEM certificate revocation list(s) of radsec-ca: a revoked NAS certificate is refused at the handshake "
              "(read again by a config reload)",
              optionalAbsolutePath)
      .integer("radsec-max-connections", &RadiusConfig::radsecMaxConnections, 64, 1, 4096,
               "RadSec connections open at once, in total (one thread each)")
      .integer("radsec-max-connections-per-nas", &RadiusConfig::radsecMaxConnectionsPerNas, 4, 1, 256,
               "RadSec connections open at once per NAS client")
      .integer("radsec-idle-timeout-seconds", &RadiusConfig::radsecIdleTimeoutSeconds, 120, 5, 86400,
               "A RadSec connection with no request for this long is closed")
      .integer("radsec-handshake-timeout-seconds", &RadiusConfig::radsecHandshakeTimeoutSeconds, 10, 1, 300,
               "A RadSec client must finish its TLS handshake within this many seconds")
      .string("eap-certificate", &RadiusConfig::eapCertificate, "",
              "PEM certificate (chain) edged shows EAP peers (EAP-TLS, PEAP, EAP-TTLS); empty: EAP is off",
              optionalAbsolutePath)
      .string("eap-key", &RadiusConfig::eapKey, "", "PEM private key of eap-certificate", optionalAbsolutePath)
      .string("eap-ca", &RadiusConfig::eapCa, "",
              "PEM CA certificate(s) EAP-TLS client certificates must chain to (their CN names the subscriber); "
              "empty: no EAP-TLS",
              optionalAbsolutePath)
      .string("eap-crl", &RadiusConfig::eapCrl, "",
              "PEM certificate revocation list(s) of eap-ca: a revoked client certificate is refused (read again by a "
              "config reload)",
              optionalAbsolutePath)
      .string("eap-first-method", &RadiusConfig::eapFirstMethod, "peap",
              "EAP method offered first (peap, ttls or tls); a peer that wants another one answers with a Nak")
      .string("eap-peap-crypto-binding", &RadiusConfig::eapPeapCryptoBinding, "optional",
              "PEAP's Crypto-Binding TLV (MS-PEAP) is always offered; required: a PEAP device that does not answer it "
              "is rejected (optional: it logs in with the tunnel's keys)")
      .integer("eap-max-conversations", &RadiusConfig::eapMaxConversations, 1024, 1, 65536,
               "EAP conversations open at once, in total (each holds a TLS context of about 40 KiB)")
      .integer("eap-max-conversations-per-nas", &RadiusConfig::eapMaxConversationsPerNas, 256, 1, 65536,
               "EAP conversations open at once per NAS client")
      .integer("eap-timeout-seconds", &RadiusConfig::eapTimeoutSeconds, 30, 5, 600,
               "An EAP conversation whose peer does not answer within this many seconds is dropped")
      .integer("eap-fragment-size", &RadiusConfig::eapFragmentSize, 1000, 100, 4000,
               "TLS octets per EAP-Request (RFC 5216 2.1.5); keep the EAP packet within the Wi-Fi link's MTU")
      .integer("eap-resumption-seconds", &RadiusConfig::eapResumptionSeconds, 3600, 0, 86400,
               "An accepted EAP login's TLS session may be resumed this long after it (a short handshake without the "
               "inner password check; the subscriber's state, plan and quotas are checked again); 0: no resumption")
      .integer("eap-resumption-max-sessions", &RadiusConfig::eapResumptionMaxSessions, 4096, 1, 65536,
               "TLS sessions kept for EAP resumption (about 1 KiB each, at most 8 KiB; the oldest goes first)")
      .check([](const RadiusConfig& c) -> core::Status {
        if (!c.radsecCertificate.empty() || !c.radsecKey.empty() || !c.radsecCa.empty()) {
          if (c.radsecCertificate.empty()) return core::invalidArgument("radsec-certificate: required with radsec-key and radsec-ca");
          if (c.radsecKey.empty()) return core::invalidArgument("radsec-key: required with radsec-certificate");
          if (c.radsecCa.empty()) return core::invalidArgument("radsec-ca: required with radsec-certificate");
        }
        if (!c.radsecCrl.empty() && c.radsecCa.empty())
          return core::invalidArgument("radsec-crl: needs radsec-ca (the CA it revokes for)");
        if (!c.eapCertificate.empty() || !c.eapKey.empty() || !c.eapCa.empty() || !c.eapCrl.empty()) {
          if (c.eapCertificate.empty()) return core::invalidArgument("eap-certificate: required with eap-key, eap-ca and eap-crl");
          if (c.eapKey.empty()) return core::invalidArgument("eap-key: required with eap-certificate");
          if (!c.eapCrl.empty() && c.eapCa.empty()) return core::invalidArgument("eap-crl: needs eap-ca (the CA it revokes for)");
        }
        if (c.eapFirstMethod != "peap" && c.eapFirstMethod != "ttls" && c.eapFirstMethod != "tls")
          return core::invalidArgument("eap-first-method: '" + c.eapFirstMethod + "' is not one of: peap, ttls, tls");
        if (c.eapPeapCryptoBinding != "optional" && c.eapPeapCryptoBinding != "required")
          return core::invalidArgument("eap-peap-crypto-binding: '" + c.eapPeapCryptoBinding +
                                       "' is not one of: optional, required");
        if (c.eapFirstMethod == "tls" && !c.eapCertificate.empty() && c.eapCa.empty())
          return core::invalidArgument("eap-first-method: tls needs eap-ca");
        for (const std::string& m : c.authMethods)
          if (m != "pap" && m != "chap" && m != "mschapv2" && m != "mac")
            return core::invalidArgument("auth-methods: '" + m + "' is not one of: pap, chap, mschapv2, mac");
        if (c.authPort != 0 && c.authPort == c.acctPort)
          return core::invalidArgument("auth-port and acct-port must differ");
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<AccountingConfig>> accountingTable() {
  auto t = std::make_shared<core::ConfigTable<AccountingConfig>>();
  t->integer("stale-multiplier", &AccountingConfig::staleMultiplier, 3, 2, 100,
             "A session with no accounting update for this many interim intervals is closed as stale")
      .integer("stale-default-seconds", &AccountingConfig::staleDefaultSeconds, 7200, 10, 31 * 86400,
               "Stale time for sessions whose plan sends no interim updates")
      .integer("disconnect-grace-seconds", &AccountingConfig::disconnectGraceSeconds, 10, 1, 3600,
               "After a Disconnect-ACK, how long to wait for the NAS's Stop before closing the session ourselves");
  return t;
}

std::shared_ptr<const core::ConfigTable<BillingConfig>> billingTable() {
  auto t = std::make_shared<core::ConfigTable<BillingConfig>>();
  t->string("time-zone", &BillingConfig::timeZone, "",
           "Time zone of billing periods and time-of-day windows, an IANA name such as Europe/Berlin; empty = the "
           "system's (/etc/localtime)",
           [](const std::string& v) -> core::Status {
             if (v.empty()) return core::Status::ok();
             if (v.find("..") != std::string::npos || v[0] == '/' ||
                 ::access(("/usr/share/zoneinfo/" + v).c_str(), R_OK) != 0)
               return core::invalidArgument("'" + v + "' is not a time zone in /usr/share/zoneinfo (e.g. Europe/Berlin)");
             return core::Status::ok();
           })
      .string("tenant-name", &BillingConfig::tenantName, "Wi-Fi access",
              "The operator's name, printed on voucher sheets");
  return t;
}

std::shared_ptr<const core::ConfigTable<AdminConfig>> adminTable() {
  auto t = std::make_shared<core::ConfigTable<AdminConfig>>();
  t->string("listen", &AdminConfig::listen, "127.0.0.1",
            "Address of the admin HTTP listener (/metrics for Prometheus); loopback by default, a management "
            "address to scrape it from elsewhere",
            ipAddress)
      .integer("port", &AdminConfig::port, 9180, 0, 65535,
               "TCP port of the admin HTTP listener; 0 picks a free port (shown by edgectl status)")
      .integer("https-port", &AdminConfig::httpsPort, 9443, 0, 65535,
               "TCP port of the technician web UI over HTTPS on the same address (the enrolled device certificate, "
               "else one made at first start; its fingerprint is in edgectl status); 0 picks a free port");
  return t;
}

std::shared_ptr<const core::ConfigTable<SnmpConfig>> snmpTable() {
  auto t = std::make_shared<core::ConfigTable<SnmpConfig>>();
  t->boolean("enabled", &SnmpConfig::enabled, false,
             "Serve the RADIUS MIBs (RFC 4669, 4671, 4672) and EDGED-MIB as an AgentX subagent of snmpd, and send "
             "notifications")
      .string("agentx-socket", &SnmpConfig::agentxSocket, "/var/agentx/master",
              "The AgentX socket of the snmpd master agent: a Unix socket path, or tcp:HOST:PORT")
      .integer("ping-interval", &SnmpConfig::pingInterval, 5, 1, 300,
               "Seconds between pings to the master agent; when snmpd is gone, edged tries again at this interval")
      .stringList("trap-receivers", &SnmpConfig::trapReceivers, {},
                  "Where notifications go, as ADDRESS[:PORT] (port 162 by default; IPv6 as [ADDRESS]:PORT)")
      .string("trap-community", &SnmpConfig::trapCommunity, "",
              "SNMPv2c community of the notifications; required when trap-receivers is set (no default, never "
              "'public')")
      .check([](const SnmpConfig& c) -> core::Status {
        for (const std::string& r : c.trapReceivers) {
          core::Result<TrapReceiver> parsed = parseTrapReceiver(r);
          if (!parsed.isOk()) return core::invalidArgument("trap-receivers: " + parsed.status().message());
        }
        if (!c.trapReceivers.empty() && c.trapCommunity.empty())
          return core::invalidArgument("trap-community: required when trap-receivers is set");
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<AlertsConfig>> alertsTable() {
  auto t = std::make_shared<core::ConfigTable<AlertsConfig>>();
  t->integer("license-warning-days", &AlertsConfig::licenseWarningDays, 30, 1, 365,
             "Warn (license state 'expiring') this many days before the license expires")
      .integer("sync-failing-seconds", &AlertsConfig::syncFailingSeconds, 3600, 10, 30 * 86400,
               "Alert when the sync with the management plane has failed for this long")
      .integer("disk-low-percent", &AlertsConfig::diskLowPercent, 10, 0, 99,
               "Alert when the data directory's file system has less than this share free; 0 = off")
      .integer("nas-silent-seconds", &AlertsConfig::nasSilentSeconds, 900, 0, 31 * 86400,
               "Alert when a NAS that had sent requests sends none for this long; 0 = off")
      .integer("auth-failure-burst", &AlertsConfig::authFailureBurst, 100, 0, 100000000,
               "Alert when more Access-Rejects than this arrive within a minute; 0 = off")
      .integer("certificate-warning-days", &AlertsConfig::certificateWarningDays, 30, 1, 365,
               "Warn (alert certificate-expiring, `edgectl certs`, the UI's Certificates page) this many days before "
               "a certificate of the box expires");
  return t;
}

std::shared_ptr<const core::ConfigTable<SyncConfig>> syncTable() {
  auto t = std::make_shared<core::ConfigTable<SyncConfig>>();
  t->integer("max-backoff", &SyncConfig::maxBackoff, 300, 5, 86400,
             "Longest wait in seconds between sync attempts while the management plane is unreachable (the wait "
             "doubles from 5 s, with jitter)")
      .integer("usage-batch", &SyncConfig::usageBatch, 1000, 1, 10000, "Usage journal rows per upload")
      .integer("outbox-limit", &SyncConfig::outboxLimit, 100000, 100, 10000000,
               "Changes made on the box kept for the management plane while it is unreachable; beyond this the "
               "oldest are dropped (and counted)")
      .string("version-file", &SyncConfig::versionFile, "/usr/lib/edge/version",
              "The firmware version the box runs, reported at check-in so rollouts see it (\"\" or a missing file: "
              "edged's own version)",
              [](const std::string& v) -> core::Status {
                if (!v.empty() && v[0] != '/') return core::invalidArgument("'" + v + "' is not an absolute path");
                return core::Status::ok();
              });
  return t;
}

std::shared_ptr<const core::ConfigTable<LicenseConfig>> licenseTable() {
  auto t = std::make_shared<core::ConfigTable<LicenseConfig>>();
  t->string("trusted-key", &LicenseConfig::trustedKey, "",
            "PEM public key licenses must be signed with (the management plane's license key); empty = "
            "data-dir/license-key.pem, which enrollment writes",
            [](const std::string& v) -> core::Status {
              if (!v.empty() && v[0] != '/') return core::invalidArgument("'" + v + "' is not an absolute path");
              return core::Status::ok();
            });
  return t;
}

// "10.10.0.1/24" -> ok; names the problem otherwise.
core::Status ipv4Cidr(const std::string& v) {
  auto slash = v.find('/');
  if (slash == std::string::npos) return core::invalidArgument("'" + v + "' is not ADDRESS/LENGTH (for example 10.10.0.1/24)");
  in_addr a{};
  if (inet_pton(AF_INET, v.substr(0, slash).c_str(), &a) != 1)
    return core::invalidArgument("'" + v + "' does not start with an IPv4 address");
  char* end = nullptr;
  long len = std::strtol(v.c_str() + slash + 1, &end, 10);
  if (*end != '\0' || len < 8 || len > 30) return core::invalidArgument("'" + v + "': the length must be 8..30");
  return core::Status::ok();
}

std::shared_ptr<const core::ConfigTable<GatewayConfig>> gatewayTable() {
  auto t = std::make_shared<core::ConfigTable<GatewayConfig>>();
  t->boolean("enabled", &GatewayConfig::enabled, false,
             "Be the hotspot gateway of a LAN: DHCP and DNS (dnsmasq), captive portal, nftables gating, per-subscriber "
             "HTB shaping and accounting from kernel counters (needs root or CAP_NET_ADMIN)")
      .string("lan-interface", &GatewayConfig::lanInterface, "", "The interface facing the subscribers")
      .string("lan-address", &GatewayConfig::lanAddress, "10.10.0.1/24",
              "The box's address on the LAN as ADDRESS/LENGTH; set on lan-interface at start", ipv4Cidr)
      .string("dhcp-range", &GatewayConfig::dhcpRange, "",
              "Addresses handed out, FIRST-LAST inside lan-address's network; empty = the upper half of it")
      .integer("lease-seconds", &GatewayConfig::leaseSeconds, 3600, 120, 7 * 86400, "DHCP lease time")
      .string("wan-interface", &GatewayConfig::wanInterface, "", "The upstream interface (traffic is NATed to it)")
      .integer("portal-port", &GatewayConfig::portalPort, 8080, 1, 65535,
               "TCP port of the captive portal on lan-address (plain HTTP from the LAN is redirected to it)")
      .stringList("walled-garden", &GatewayConfig::walledGarden, {},
                  "Reachable before login: IPv4 addresses, CIDRs and DNS names (names are learned as dnsmasq "
                  "resolves them, subdomains included)")
      .stringList("dns-servers", &GatewayConfig::dnsServers, {},
                  "Upstream DNS servers of the box's resolver; empty = those of /etc/resolv.conf")
      .integer("counter-interval", &GatewayConfig::counterInterval, 1, 1, 60,
               "Seconds between reads of the kernel's per-subscriber counters: quotas are enforced within one "
               "interval")
      .integer("login-attempts", &GatewayConfig::loginAttempts, 5, 1, 1000,
               "Failed portal logins allowed per device (MAC) and per client address per minute; malformed or "
               "oversized input counts as a failure")
      .integer("signup-per-device", &GatewayConfig::signupPerDevice, 5, 1, 1000,
               "Self-signups (and first click-through visits) a device (MAC) and a client address may attempt per "
               "signup-window")
      .integer("signup-total", &GatewayConfig::signupTotal, 50, 1, 100000,
               "Self-signups (and first click-through visits) of all devices together per signup-window: a script "
               "on the LAN cannot fill the subscriber cap")
      .integer("signup-window", &GatewayConfig::signupWindow, 3600, 60, 7 * 86400,
               "Seconds over which signup-per-device and signup-total count")
      .string("dnsmasq", &GatewayConfig::dnsmasq, "/usr/sbin/dnsmasq", "The dnsmasq binary (Debian dnsmasq-base)",
              absolutePath)
      .string("portal-name", &GatewayConfig::portalName, "Wi-Fi", "Name shown on the portal pages")
      .string("portal-logo", &GatewayConfig::portalLogo, "",
              "Logo file (PNG, JPEG or SVG, at most 256 KiB) shown on the portal; empty = none",
              [](const std::string& v) { return v.empty() ? core::Status::ok() : absolutePath(v); })
      .string("portal-color", &GatewayConfig::portalColor, "#0b6e4f", "Accent colour of the portal as #RRGGBB",
              [](const std::string& v) -> core::Status {
                bool ok = v.size() == 7 && v[0] == '#' &&
                          std::all_of(v.begin() + 1, v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
                return ok ? core::Status::ok() : core::invalidArgument("'" + v + "' is not a colour like #0b6e4f");
              })
      .string("portal-terms", &GatewayConfig::portalTerms,
              "Use this network lawfully and fairly. Traffic is shaped to your plan.",
              "Terms of use a visitor accepts on the portal")
      .string("venue-info-url", &GatewayConfig::venueInfoUrl, "",
              "A page about the venue, given in the RFC 8908 captive portal API; empty = none")
      .stringList("signup-plans", &GatewayConfig::signupPlans, {},
                  "Plans a visitor may sign up for on the portal; free plans activate at once, paid ones wait for "
                  "an operator (edgectl subscriber set --status active); empty = no self-signup")
      .string("click-through-plan", &GatewayConfig::clickThroughPlan, "",
              "Click-through access: a visitor who accepts the terms gets this plan without an account, as a "
              "MAC-address subscriber of the device (so the plan's daily time or data quota applies per device); "
              "empty = no click-through")
      .string("selfcare-url", &GatewayConfig::selfcareUrl, "",
              "The tenant's self-care page (pay, buy a top-up), an https URL: linked from the portal's pay page "
              "(a subscriber walled for non-payment without its own dunning-url) and top-up page (a \"redirect\" "
              "fair-use tier), and open in the walled garden; empty = none",
              [](const std::string& v) -> core::Status {
                if (v.empty()) return core::Status::ok();
                core::Result<catalog::SubscriberFields> f =
                    catalog::parseSubscriberFields(core::CommandArgs(core::Json{{"dunning-url", v}}));
                return f.isOk() ? core::Status::ok() : f.status();
              })
      .check([](const GatewayConfig& c) -> core::Status {
        if (!c.enabled) return core::Status::ok();
        if (c.lanInterface.empty()) return core::invalidArgument("lan-interface: required when the gateway is enabled");
        if (c.wanInterface.empty()) return core::invalidArgument("wan-interface: required when the gateway is enabled");
        if (c.lanInterface == c.wanInterface)
          return core::invalidArgument("wan-interface: must differ from lan-interface");
        for (const std::string& s : c.dnsServers)
          if (!ipAddress(s).isOk()) return core::invalidArgument("dns-servers: '" + s + "' is not an IP address");
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<NetworkDeviceConfig>> networkDeviceTable() {
  auto t = std::make_shared<core::ConfigTable<NetworkDeviceConfig>>();
  t->string("name", &NetworkDeviceConfig::name, "", "The device's name in alerts, metrics and the check-in (required, unique)")
      .string("address", &NetworkDeviceConfig::address, "", "Its IPv4 or IPv6 address or host name (required)")
      .integer("port", &NetworkDeviceConfig::port, 161, 1, 65535, "Its SNMP port (UDP)")
      .choice("kind", &NetworkDeviceConfig::kind, "switch", {"nas", "switch", "router"}, "What the device is")
      .string("nas", &NetworkDeviceConfig::nas, "",
              "The NAS client (edgectl nas list) whose subscribers depend on it: mgmt's alert for this device "
              "lists that NAS's customers (\"\" none)")
      .string("community", &NetworkDeviceConfig::community, "", "SNMPv2c community (or user for SNMPv3)")
      .string("user", &NetworkDeviceConfig::user, "", "SNMPv3 user (SHA authentication, AES privacy)")
      .string("auth-password", &NetworkDeviceConfig::authPassword, "", "SNMPv3 authentication pass phrase (8+ characters)")
      .string("priv-password", &NetworkDeviceConfig::privPassword, "",
              "SNMPv3 privacy pass phrase (8+ characters; \"\" for authNoPriv)")
      .check([](const NetworkDeviceConfig& d) -> core::Status {
        if (d.name.empty()) return core::invalidArgument("name: required");
        for (char c : d.name)
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return core::invalidArgument("name: letters, digits, '-', '_' and '.' only");
        if (d.name.size() > 64) return core::invalidArgument("name: at most 64 characters");
        if (d.address.empty()) return core::invalidArgument("address: required");
        if (d.community.empty() == d.user.empty()) return core::invalidArgument("community: give a community or a user, one of them");
        if (!d.user.empty() && d.authPassword.size() < 8) return core::invalidArgument("auth-password: 8 characters or more with a user");
        if (d.user.empty() && (!d.authPassword.empty() || !d.privPassword.empty()))
          return core::invalidArgument("auth-password: only with a user (SNMPv3)");
        if (!d.privPassword.empty() && d.privPassword.size() < 8) return core::invalidArgument("priv-password: 8 characters or more");
        return core::Status::ok();
      });
  return t;
}

std::shared_ptr<const core::ConfigTable<NetworkConfig>> networkTable() {
  auto t = std::make_shared<core::ConfigTable<NetworkConfig>>();
  t->integer("poll-interval", &NetworkConfig::pollInterval, 60, 1, 3600, "Seconds between polls of every device")
      .integer("timeout-ms", &NetworkConfig::timeoutMs, 2000, 100, 30000, "How long a device has to answer one request")
      .integer("failures", &NetworkConfig::failures, 3, 1, 100,
               "Failed polls in a row before a device is unreachable (alert device-unreachable)")
      .sectionList("devices", &NetworkConfig::devices, networkDeviceTable(),
                   "The devices: {\"name\", \"address\", \"kind\", \"nas\", \"community\" or \"user\", "
                   "\"auth-password\", \"priv-password\"}")
      .check([](const NetworkConfig& c) -> core::Status {
        std::set<std::string> names;
        for (size_t i = 0; i < c.devices.size(); ++i)
          if (!names.insert(c.devices[i].name).second)
            return core::invalidArgument("devices[" + std::to_string(i) + "].name: '" + c.devices[i].name + "' is used twice");
        if (c.devices.size() > 1000) return core::invalidArgument("devices: at most 1000");
        return core::Status::ok();
      });
  return t;
}

}  // namespace

const core::ConfigTable<EdgeConfig>& edgeConfigTable() {
  static const core::ConfigTable<EdgeConfig> table = [] {
    core::ConfigTable<EdgeConfig> t;
    t.string("data-dir", &EdgeConfig::dataDir, "/var/lib/edged",
             "Folder of the appliance database and state; created if missing, must be writable", absolutePath)
        .string("control-socket", &EdgeConfig::controlSocket, "/run/edged/control.sock",
                "Unix socket edgectl talks to (mode 0660)", absolutePath)
        .string("pid-file", &EdgeConfig::pidFile, "/run/edged/edged.pid",
                "Pid file, locked while edged runs so a second instance is refused", absolutePath)
        .choice("log-level", &EdgeConfig::logLevel, "info", {"debug", "info", "warning", "error"},
                "Lowest level written to the log")
        .section("database", &EdgeConfig::database, databaseTable(), "The appliance database (SQLite)")
        .section("radius", &EdgeConfig::radius, radiusTable(), "The RADIUS server for the ISP's NAS equipment")
        .section("accounting", &EdgeConfig::accounting, accountingTable(),
                 "Accounting and the session ledger (data-dir/acct.db, always synchronous=FULL)")
        .section("billing", &EdgeConfig::billing, billingTable(),
                 "Quotas, fair use and vouchers (plans carry the rules: edgectl plan add --help)")
        .section("admin", &EdgeConfig::admin, adminTable(), "The admin listener: Prometheus /metrics, and the technician web UI over HTTPS")
        .section("snmp", &EdgeConfig::snmp, snmpTable(),
                 "SNMP: AgentX subagent of the system's snmpd, and notifications (edgectl snmp-config writes the "
                 "snmpd side)")
        .section("alerts", &EdgeConfig::alerts, alertsTable(),
                 "When edged raises an alert: logged, listed by edgectl events, sent as SNMP notification")
        .section("license", &EdgeConfig::license, licenseTable(),
                 "The license (edgectl license install FILE; edgectl license show)")
        .section("sync", &EdgeConfig::sync, syncTable(),
                 "The sync with the management plane (edgectl enroll TOKEN; edgectl sync status)")
        .section("gateway", &EdgeConfig::gateway, gatewayTable(),
                 "The hotspot gateway: captive portal, nftables gating and per-subscriber shaping on a LAN "
                 "(docs/gateway.md)")
        .section("network", &EdgeConfig::network, networkTable(),
                 "The ISP's network devices the box polls over SNMP: reachability, reboots, interfaces down and "
                 "errors, reported to the management plane (docs/operator-guide.md, Network devices)");
    return t;
  }();
  return table;
}

core::Result<EdgeConfig> loadEdgeConfig(const std::string& path) {
  core::Result<core::Json> doc = core::loadJsonFile(path);
  if (!doc.isOk()) return doc.status();
  core::Result<EdgeConfig> config = edgeConfigTable().parse(*doc);
  if (!config.isOk()) return config.status().withContext(path);
  return config;
}


core::Status checkReloadable(const EdgeConfig& running, const EdgeConfig& staged) {
  auto fixed = [](const std::string& key) {
    return core::failedPrecondition(key + " cannot change while edged runs; restart edged to apply it");
  };
  if (running.dataDir != staged.dataDir) return fixed("data-dir");
  if (running.controlSocket != staged.controlSocket) return fixed("control-socket");
  if (running.pidFile != staged.pidFile) return fixed("pid-file");
  if (running.database.synchronous != staged.database.synchronous) return fixed("database.synchronous");
  // Read once at start by what they configure (the databases, the accounting server, the sync agent,
  // the license store): a reload that took them would say "reloaded" and change nothing.
  if (running.database.busyTimeoutMs != staged.database.busyTimeoutMs) return fixed("database.busy-timeout-ms");
  if (running.accounting.staleMultiplier != staged.accounting.staleMultiplier)
    return fixed("accounting.stale-multiplier");
  if (running.accounting.staleDefaultSeconds != staged.accounting.staleDefaultSeconds)
    return fixed("accounting.stale-default-seconds");
  if (running.accounting.disconnectGraceSeconds != staged.accounting.disconnectGraceSeconds)
    return fixed("accounting.disconnect-grace-seconds");
  if (running.billing.tenantName != staged.billing.tenantName) return fixed("billing.tenant-name");
  if (running.license.trustedKey != staged.license.trustedKey) return fixed("license.trusted-key");
  if (running.sync.maxBackoff != staged.sync.maxBackoff) return fixed("sync.max-backoff");
  if (running.sync.usageBatch != staged.sync.usageBatch) return fixed("sync.usage-batch");
  if (running.sync.outboxLimit != staged.sync.outboxLimit) return fixed("sync.outbox-limit");
  if (running.sync.versionFile != staged.sync.versionFile) return fixed("sync.version-file");
  if (running.radius.listen != staged.radius.listen) return fixed("radius.listen");
  if (running.radius.authPort != staged.radius.authPort) return fixed("radius.auth-port");
  if (running.radius.acctPort != staged.radius.acctPort) return fixed("radius.acct-port");
  if (running.radius.dictionaryDir != staged.radius.dictionaryDir) return fixed("radius.dictionary-dir");
  if (running.radius.threads != staged.radius.threads) return fixed("radius.threads");
  // EAP and RadSec: their certificate, key, CA and CRL files are read again by a reload (a new CRL
  // without a restart); turning either on or off, and their limits, need a restart.
  const RadiusConfig& r = running.radius;
  const RadiusConfig& t = staged.radius;
  if (r.eapCertificate.empty() != t.eapCertificate.empty()) return fixed("radius.eap-certificate (EAP on or off)");
  if (r.radsecCertificate.empty() != t.radsecCertificate.empty())
    return fixed("radius.radsec-certificate (RadSec on or off)");
  if (r.radsecPort != t.radsecPort) return fixed("radius.radsec-port");
  if (r.radsecMaxConnections != t.radsecMaxConnections) return fixed("radius.radsec-max-connections");
  if (r.radsecMaxConnectionsPerNas != t.radsecMaxConnectionsPerNas) return fixed("radius.radsec-max-connections-per-nas");
  if (r.radsecIdleTimeoutSeconds != t.radsecIdleTimeoutSeconds) return fixed("radius.radsec-idle-timeout-seconds");
  if (r.radsecHandshakeTimeoutSeconds != t.radsecHandshakeTimeoutSeconds)
    return fixed("radius.radsec-handshake-timeout-seconds");
  if (r.eapFirstMethod != t.eapFirstMethod) return fixed("radius.eap-first-method");
  if (r.eapPeapCryptoBinding != t.eapPeapCryptoBinding) return fixed("radius.eap-peap-crypto-binding");
  if (r.eapMaxConversations != t.eapMaxConversations) return fixed("radius.eap-max-conversations");
  if (r.eapMaxConversationsPerNas != t.eapMaxConversationsPerNas) return fixed("radius.eap-max-conversations-per-nas");
  if (r.eapTimeoutSeconds != t.eapTimeoutSeconds) return fixed("radius.eap-timeout-seconds");
  if (r.eapResumptionSeconds != t.eapResumptionSeconds) return fixed("radius.eap-resumption-seconds");
  if (r.eapResumptionMaxSessions != t.eapResumptionMaxSessions) return fixed("radius.eap-resumption-max-sessions");
  if (r.eapFragmentSize != t.eapFragmentSize) return fixed("radius.eap-fragment-size");
  if (running.billing.timeZone != staged.billing.timeZone) return fixed("billing.time-zone");
  if (running.admin.listen != staged.admin.listen) return fixed("admin.listen");
  {
    const GatewayConfig& a = running.gateway;
    const GatewayConfig& b = staged.gateway;
    if (a.enabled != b.enabled) return fixed("gateway.enabled");
    if (a.lanInterface != b.lanInterface) return fixed("gateway.lan-interface");
    if (a.lanAddress != b.lanAddress) return fixed("gateway.lan-address");
    if (a.dhcpRange != b.dhcpRange) return fixed("gateway.dhcp-range");
    if (a.leaseSeconds != b.leaseSeconds) return fixed("gateway.lease-seconds");
    if (a.wanInterface != b.wanInterface) return fixed("gateway.wan-interface");
    if (a.portalPort != b.portalPort) return fixed("gateway.portal-port");
    if (a.walledGarden != b.walledGarden) return fixed("gateway.walled-garden");
    if (a.selfcareUrl != b.selfcareUrl) return fixed("gateway.selfcare-url");  // its host is in the garden
    if (a.dnsServers != b.dnsServers) return fixed("gateway.dns-servers");
    if (a.counterInterval != b.counterInterval) return fixed("gateway.counter-interval");
    if (a.dnsmasq != b.dnsmasq) return fixed("gateway.dnsmasq");
    if (a.portalLogo != b.portalLogo) return fixed("gateway.portal-logo");  // read into memory at start
  }
  if (running.admin.port != staged.admin.port) return fixed("admin.port");
  if (running.admin.httpsPort != staged.admin.httpsPort) return fixed("admin.https-port");
  if (running.snmp.enabled != staged.snmp.enabled) return fixed("snmp.enabled");
  if (running.snmp.agentxSocket != staged.snmp.agentxSocket) return fixed("snmp.agentx-socket");
  if (running.snmp.pingInterval != staged.snmp.pingInterval) return fixed("snmp.ping-interval");
  if (running.snmp.trapReceivers != staged.snmp.trapReceivers) return fixed("snmp.trap-receivers");
  if (running.snmp.trapCommunity != staged.snmp.trapCommunity) return fixed("snmp.trap-community");
  if (networkTable()->toJson(running.network) != networkTable()->toJson(staged.network)) return fixed("network");
  return core::Status::ok();
}

}  // namespace edge
