// Fleet monitoring's pure rules (issue 26, ADR 0054): a tenant's notification settings (parsed and
// checked, errors naming the key), quiet hours, which channels a customer is told on, the texts of an
// SMS and a webhook, and the webhook's signature. No storage, no I/O: tests/mgmt/monitoring.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace mgmt::monitoring {

// A tenant's notification settings (table notification_settings, one JSON document per tenant).
struct NotifySettings {
  bool email = true;   // customers told by email (the outbox, template "outage-notice")
  bool sms = false;    // customers told by SMS (the tenant's account at an SMS provider)
  // The SMS provider: Twilio's Messages API shape (POST {sms-api-url}/2010-04-01/Accounts/{sms-account}/
  // Messages.json, form-encoded To, From, Body, HTTP basic auth account:token; 201 with a "sid").
  std::string smsApiUrl = "https://api.twilio.com";
  std::string smsAccount, smsToken, smsFrom;
  // The tenant's own systems: a POST of JSON signed Edge-Signature: t=T,v1=HMAC-SHA256(secret, "T.body").
  std::string webhookUrl, webhookSecret;
  // No SMS between these local times ("22:00-07:00"; "" = none); email goes out at any time.
  std::string quietHours;
  int64_t utcOffsetMinutes = 0;  // the tenant's local time, -720..840
};

// Every key a settings document may have, in order (mgmtctl's help and the API reference).
const std::vector<std::string>& settingsKeys();

// `patch` (a JSON object of some keys) applied over `base`, checked as a whole. kInvalidArgument naming
// the key: an unknown key, a wrong type, a URL that is not https://HOST[:PORT][/PATH], a sender that is
// not +E.164, quiet hours not "HH:MM-HH:MM", a webhook secret shorter than 16 bytes, SMS on without
// its account, token and sender.
core::Result<NotifySettings> applySettings(const NotifySettings& base, const core::Json& patch);
core::Json settingsToJson(const NotifySettings& s, bool revealSecrets);
// The stored document back (it was checked when written; a broken one reads as the defaults' error).
core::Result<NotifySettings> settingsFromJson(const std::string& stored);

// When quiet hours hold at `now`, the Unix time they end; 0 when they do not.
int64_t quietUntil(const NotifySettings& s, int64_t now);

// A customer's preference: "email", "sms", "none", or "" (not set: email when the customer has an
// address, SMS otherwise). The channels the customer is told on under the tenant's settings.
std::vector<std::string> channelsFor(const NotifySettings& s, const std::string& preference, const std::string& email,
                                     const std::string& phone);
bool validPreference(const std::string& p);
bool validPhone(const std::string& p);  // +E.164: '+' and 8-15 digits

// "https://host[:port]/path?q" -> ("https://host[:port]", "/path?q"); kInvalidArgument otherwise.
core::Result<std::pair<std::string, std::string>> splitUrl(const std::string& url, const std::string& key);

// The headers a webhook delivery carries: Edge-Timestamp: T, Edge-Signature: t=T,v1=<hex HMAC-SHA256
// of "T.body" under the secret> (the payment webhooks' scheme, billing/payments/webhook_signature.h),
// Edge-Delivery: the notification's id (the same on every retry: a receiver drops repeats by it).
std::map<std::string, std::string> webhookHeaders(const std::string& secret, int64_t timestamp, const std::string& body,
                                                  int64_t deliveryId);

// Seconds before delivery attempt `attempts` + 1 of an SMS or webhook: 30 s doubling, at most an hour.
int64_t retryDelay(int64_t attempts);

// "2026-12-07 10:30 UTC"
std::string utcText(int64_t unix);

}  // namespace mgmt::monitoring
