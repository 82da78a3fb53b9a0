// The rollout rules' parsers of outside input (ADR 0052): a maintenance window (console forms, the
// admin API), rings as JSON (the admin API), the Range header of a bundle download (boxes). The first
// byte picks the parser. Properties: an accepted window prints as text that parses back to the same
// window; accepted rings place every box in exactly one ring, the same way twice; an accepted range
// has first <= last.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/json.h"
#include "mgmt/fleet/rollout_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      core::Result<mgmt::fleet::MaintenanceWindow> w = mgmt::fleet::parseWindow(text);
      if (!w.isOk()) return 0;
      core::Result<mgmt::fleet::MaintenanceWindow> again = mgmt::fleet::parseWindow(w->text());
      if (!again.isOk() || again->days != w->days || again->startMinute != w->startMinute ||
          again->endMinute != w->endMinute)
        std::abort();
      for (int64_t t : {int64_t{0}, int64_t{1767571200}, int64_t{-86401}, int64_t{4102444800}})
        (void)mgmt::fleet::insideWindow(*w, t);
      return 0;
    }
    case 1: {
      core::JsonLimits limits;
      limits.maxDepth = 4;
      core::Result<core::Json> j = core::parseJsonWithComments(text, "rings", limits);
      if (!j.isOk()) return 0;
      core::Result<std::vector<mgmt::fleet::Ring>> rings = mgmt::fleet::parseRings(*j);
      if (!rings.isOk()) return 0;
      std::vector<std::string> devices;
      for (const mgmt::fleet::Ring& r : *rings) devices.insert(devices.end(), r.devices.begin(), r.devices.end());
      for (int i = 0; i < 7; ++i) devices.push_back("d-extra-" + std::to_string(i));
      auto a = mgmt::fleet::assignRings("r-fuzz", *rings, devices);
      if (!a.isOk() || a->size() != devices.size()) std::abort();
      for (const auto& [d, ring] : *a)
        if (ring < 0 || ring >= static_cast<int>(rings->size())) std::abort();
      if (*a != *mgmt::fleet::assignRings("r-fuzz", *rings, devices)) std::abort();
      return 0;
    }
    default: {
      auto r = mgmt::fleet::parseRangeHeader(text);
      if (r && r->second && *r->second < r->first) std::abort();
      return 0;
    }
  }
}
