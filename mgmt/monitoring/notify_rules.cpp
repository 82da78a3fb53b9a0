#include "mgmt/monitoring/notify_rules.h"

#include <cctype>
#include <ctime>

#include "billing/payments/webhook_signature.h"
#include "core/https_client.h"

namespace mgmt::monitoring {

namespace {

core::Status bad(const std::string& key, const std::string& why) {
  return core::invalidArgument("notification settings: " + key + ": " + why);
}

core::Result<std::string> str(const core::Json& v, const std::string& key, size_t max) {
  if (!v.is_string()) return bad(key, "must be a string");
  std::string s = v.get<std::string>();
  if (s.size() > max) return bad(key, "longer than " + std::to_string(max) + " bytes");
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20) return bad(key, "control characters are not allowed");
  return s;
}

core::Result<bool> flag(const core::Json& v, const std::string& key) {
  if (!v.is_boolean()) return bad(key, "must be true or false");
  return v.get<bool>();
}

// "HH:MM" -> minutes of the day, or -1.
int minutesOf(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

bool parseQuiet(const std::string& q, int& from, int& to) {
  if (q.size() != 11 || q[5] != '-') return false;
  from = minutesOf(q.substr(0, 5));
  to = minutesOf(q.substr(6));
  return from >= 0 && to >= 0 && from != to;
}

}  // namespace

const std::vector<std::string>& settingsKeys() {
  static const std::vector<std::string> keys = {"email",       "sms",         "sms-api-url",  "sms-account",
                                                "sms-token",   "sms-from",    "webhook-url",  "webhook-secret",
                                                "quiet-hours", "utc-offset-minutes"};
  return keys;
}

bool validPhone(const std::string& p) {
  if (p.size() < 9 || p.size() > 16 || p[0] != '+') return false;
  for (size_t i = 1; i < p.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(p[i]))) return false;
  return true;
}

bool validPreference(const std::string& p) { return p == "email" || p == "sms" || p == "none"; }

core::Result<std::pair<std::string, std::string>> splitUrl(const std::string& url, const std::string& key) {
  if (url.rfind("https://", 0) != 0) return bad(key, "must start with https://");
  size_t slash = url.find('/', 8);
  std::string base = slash == std::string::npos ? url : url.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  core::Result<core::HttpsEndpoint> e = core::parseHttpsUrl(base);
  if (!e.isOk() || base.size() <= 8) return bad(key, "not https://HOST[:PORT][/PATH]");
  for (char c : url)
    if (c == ' ' || c == '#' || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return bad(key, "spaces, fragments and non-ASCII characters are not allowed");
  return std::make_pair(base, path);
}

core::Result<NotifySettings> applySettings(const NotifySettings& base, const core::Json& patch) {
  if (!patch.is_object()) return core::invalidArgument("notification settings: must be a JSON object of keys");
  NotifySettings s = base;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    const core::Json& v = it.value();
    if (k == "email") {
      EDGE_ASSIGN_OR_RETURN(s.email, flag(v, k));
    } else if (k == "sms") {
      EDGE_ASSIGN_OR_RETURN(s.sms, flag(v, k));
    } else if (k == "sms-api-url") {
      EDGE_ASSIGN_OR_RETURN(s.smsApiUrl, str(v, k, 512));
    } else if (k == "sms-account") {
      EDGE_ASSIGN_OR_RETURN(s.smsAccount, str(v, k, 64));
      for (char c : s.smsAccount)
        if (!std::isalnum(static_cast<unsigned char>(c))) return bad(k, "letters and digits only");
    } else if (k == "sms-token") {
      EDGE_ASSIGN_OR_RETURN(s.smsToken, str(v, k, 256));
    } else if (k == "sms-from") {
      EDGE_ASSIGN_OR_RETURN(s.smsFrom, str(v, k, 16));
      if (!s.smsFrom.empty() && !validPhone(s.smsFrom)) return bad(k, "must be a number in +E.164 form (+15551234567)");
    } else if (k == "webhook-url") {
      EDGE_ASSIGN_OR_RETURN(s.webhookUrl, str(v, k, 512));
    } else if (k == "webhook-secret") {
      EDGE_ASSIGN_OR_RETURN(s.webhookSecret, str(v, k, 256));
    } else if (k == "quiet-hours") {
      EDGE_ASSIGN_OR_RETURN(s.quietHours, str(v, k, 11));
      int a = 0, b = 0;
      if (!s.quietHours.empty() && !parseQuiet(s.quietHours, a, b))
        return bad(k, "must be \"HH:MM-HH:MM\" (local time, two different times) or \"\"");
    } else if (k == "utc-offset-minutes") {
      if (!v.is_number_integer()) return bad(k, "must be an integer");
      s.utcOffsetMinutes = v.get<int64_t>();
      if (s.utcOffsetMinutes < -720 || s.utcOffsetMinutes > 840) return bad(k, "must be between -720 and 840");
    } else {
      return bad(k, "unknown key (known: email, sms, sms-api-url, sms-account, sms-token, sms-from, webhook-url, "
                    "webhook-secret, quiet-hours, utc-offset-minutes)");
    }
  }
  if (!s.smsApiUrl.empty()) EDGE_RETURN_IF_ERROR(splitUrl(s.smsApiUrl, "sms-api-url").status());
  if (!s.webhookUrl.empty()) {
    EDGE_RETURN_IF_ERROR(splitUrl(s.webhookUrl, "webhook-url").status());
    if (s.webhookSecret.size() < 16) return bad("webhook-secret", "at least 16 bytes when webhook-url is set");
  }
  if (s.sms) {
    if (s.smsApiUrl.empty()) return bad("sms-api-url", "needed when sms is on");
    if (s.smsAccount.empty()) return bad("sms-account", "needed when sms is on");
    if (s.smsToken.empty()) return bad("sms-token", "needed when sms is on");
    if (s.smsFrom.empty()) return bad("sms-from", "needed when sms is on");
  }
  return s;
}

core::Json settingsToJson(const NotifySettings& s, bool revealSecrets) {
  auto secret = [revealSecrets](const std::string& v) -> std::string {
    if (revealSecrets || v.empty()) return v;
    return "(set)";
  };
  return core::Json{{"email", s.email},
                    {"sms", s.sms},
                    {"sms-api-url", s.smsApiUrl},
                    {"sms-account", s.smsAccount},
                    {"sms-token", secret(s.smsToken)},
                    {"sms-from", s.smsFrom},
                    {"webhook-url", s.webhookUrl},
                    {"webhook-secret", secret(s.webhookSecret)},
                    {"quiet-hours", s.quietHours},
                    {"utc-offset-minutes", s.utcOffsetMinutes}};
}

core::Result<NotifySettings> settingsFromJson(const std::string& stored) {
  core::Json doc = core::Json::parse(stored, nullptr, false);
  if (doc.is_discarded()) return core::internalError("notification settings: the stored document does not parse");
  return applySettings(NotifySettings{}, doc);
}

int64_t quietUntil(const NotifySettings& s, int64_t now) {
  int from = 0, to = 0;
  if (s.quietHours.empty() || !parseQuiet(s.quietHours, from, to)) return 0;
  const int64_t local = now + s.utcOffsetMinutes * 60;
  const int64_t dayStart = local - ((local % 86400) + 86400) % 86400;
  const int minute = static_cast<int>((local - dayStart) / 60);
  bool quiet = from < to ? (minute >= from && minute < to) : (minute >= from || minute < to);
  if (!quiet) return 0;
  // The end: `to` today, or tomorrow when it is already past.
  int64_t end = dayStart + to * 60;
  if (end <= local) end += 86400;
  return end - s.utcOffsetMinutes * 60;
}

std::vector<std::string> channelsFor(const NotifySettings& s, const std::string& preference, const std::string& email,
                                     const std::string& phone) {
  const bool canEmail = s.email && !email.empty();
  const bool canSms = s.sms && validPhone(phone);
  if (preference == "none") return {};
  if (preference == "sms") {
    if (canSms) return {"sms"};
    if (canEmail) return {"email"};
    return {};
  }
  if (canEmail) return {"email"};
  if (canSms) return {"sms"};
  return {};
}

std::map<std::string, std::string> webhookHeaders(const std::string& secret, int64_t timestamp, const std::string& body,
                                                  int64_t deliveryId) {
  return {{"Edge-Timestamp", std::to_string(timestamp)},
          {"Edge-Signature", ::billing::webhookSignatureHeader(secret, timestamp, body)},
          {"Edge-Delivery", std::to_string(deliveryId)}};
}

int64_t retryDelay(int64_t attempts) {
  int64_t d = 30;
  for (int64_t i = 1; i < attempts && d < 3600; ++i) d *= 2;
  return d < 3600 ? d : 3600;
}

std::string utcText(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace mgmt::monitoring
