// A tenant's notification settings as its owners send them (mgmtctl notification-settings set
// --settings, the admin API's POST /api/v1/notification-settings-set): JSON text parsed with the
// command's limits, applied by mgmt::monitoring::applySettings over the defaults; and the same text as
// a maintenance time (parseTime, maintenance-add --start/--end).
// Properties: nothing throws; a refusal names the settings ("notification settings: KEY: ..."); an
// accepted document reads back to itself (what is stored is what was meant), its webhook secret is
// long enough when it has a webhook, SMS on has its account, token and sender; quiet hours end within
// a day after any moment inside them.
#include <cstdint>
#include <string>

#include "core/json.h"
#include "mgmt/monitoring/monitoring_commands.h"
#include "mgmt/monitoring/notify_rules.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "notify_settings";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mm = mgmt::monitoring;
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)mm::parseTime(text, "start");
  core::Result<core::Json> doc = core::parseJsonWithComments(text, "settings", {16384, 4});
  if (!doc.isOk()) return 0;
  core::Result<mm::NotifySettings> s = mm::applySettings(mm::NotifySettings{}, *doc);
  if (!s.isOk()) {
    FUZZ_CHECK(s.status().message().rfind("notification settings:", 0) == 0,
               "a refusal does not name the settings: " + s.status().message());
    return 0;
  }
  FUZZ_CHECK(s->webhookUrl.empty() || s->webhookSecret.size() >= 16, "a webhook with a short secret");
  FUZZ_CHECK(!s->sms || (!s->smsAccount.empty() && !s->smsToken.empty() && mm::validPhone(s->smsFrom)),
             "SMS on without its account, token or sender");
  const std::string stored = mm::settingsToJson(*s, true).dump();
  core::Result<mm::NotifySettings> again = mm::settingsFromJson(stored);
  FUZZ_CHECK(again.isOk(), "stored settings are refused: " + stored);
  FUZZ_CHECK(mm::settingsToJson(*again, true).dump() == stored, "stored settings read back differently: " + stored);
  for (int64_t t : {int64_t{0}, int64_t{1796000000}, int64_t{1796043210}, int64_t{1796086399}}) {
    const int64_t end = mm::quietUntil(*s, t);
    FUZZ_CHECK(end == 0 || (end > t && end <= t + 86400), "quiet hours end outside the next day");
  }
  return 0;
}
