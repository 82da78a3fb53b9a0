#include "mgmt/selfcare/usage_chart.h"

#include <algorithm>

#include "core/html.h"
#include "core/units.h"

namespace mgmt::selfcare {

std::string usageSvg(const std::vector<std::pair<std::string, int64_t>>& days) {
  const int kWidth = 320, kHeight = 120, kBase = 100;
  int64_t max = 0, total = 0;
  for (const auto& d : days) {
    max = std::max(max, d.second);
    total += d.second;
  }
  const int n = static_cast<int>(days.size());
  const int slot = n > 0 ? kWidth / n : kWidth;
  std::string svg = "<svg class=\"usage-chart\" role=\"img\" aria-labelledby=\"usage-title usage-desc\" viewBox=\"0 0 " +
                    std::to_string(kWidth) + " " + std::to_string(kHeight) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  svg += "<title id=\"usage-title\">Data used per day</title><desc id=\"usage-desc\">";
  svg += core::htmlEscape(std::to_string(n) + " days, " + core::formatSize(static_cast<uint64_t>(total)) + " in all" +
                          (max > 0 ? ", most in one day " + core::formatSize(static_cast<uint64_t>(max)) : ""));
  svg += "</desc><line x1=\"0\" y1=\"" + std::to_string(kBase) + "\" x2=\"" + std::to_string(kWidth) + "\" y2=\"" +
         std::to_string(kBase) + "\" stroke=\"currentColor\" stroke-width=\"1\"/>";
  for (int i = 0; i < n; ++i) {
    const int64_t v = days[static_cast<size_t>(i)].second;
    const int h = max > 0 ? static_cast<int>(v * (kBase - 4) / max) : 0;
    const int x = i * slot + 2;
    svg += "<rect class=\"bar\" x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(kBase - h) + "\" width=\"" +
           std::to_string(std::max(1, slot - 4)) + "\" height=\"" + std::to_string(h) + "\"><title>" +
           core::htmlEscape(days[static_cast<size_t>(i)].first + ": " + core::formatSize(static_cast<uint64_t>(v))) +
           "</title></rect>";
  }
  if (n > 0) {
    svg += "<text x=\"0\" y=\"116\" font-size=\"10\" fill=\"currentColor\">" + core::htmlEscape(days.front().first) + "</text>";
    svg += "<text x=\"" + std::to_string(kWidth) + "\" y=\"116\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">" +
           core::htmlEscape(days.back().first) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace mgmt::selfcare
