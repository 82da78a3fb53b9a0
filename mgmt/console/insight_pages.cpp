// The console's insight pages (issue 26, ADR 0042 and 0059). The platform's Tenant health: the
// distribution of the tenants' health scores as an SVG histogram, each tenant's score with its
// weighted factors, the churn list (tenants to watch or at risk, weakest first) and the premium upsell
// candidates, and insight's daily run (when next, the last runs and their outcome). A tenant's Customer insight: the retention list (the top 20% at risk, the factors in
// words and a suggested action) and the customer upsell candidates. Reads are the insight commands
// of mgmtd's table, called with the visitor's caller like every page.
#include <algorithm>
#include <string>

#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

// Ten bars of ten points each (the last 90-100), coloured by band, labelled below; every value in it
// is a number the page computed, so it is built here and shown as is.
std::string histogram(const std::vector<int>& scores) {
  int bins[10] = {0};
  for (int s : scores) ++bins[std::min(9, std::max(0, s / 10))];
  const int top = std::max(1, *std::max_element(bins, bins + 10));
  const int w = 32, h = 110, base = 130;  // room above the tallest bar for its count
  std::string desc;
  for (int i = 0; i < 10; ++i)
    desc += (i ? ", " : "") + std::to_string(i * 10) + "-" + std::to_string(i == 9 ? 100 : i * 10 + 9) + ": " +
            std::to_string(bins[i]);
  std::string svg = "<svg class=\"histogram\" viewBox=\"0 0 340 160\" role=\"img\" aria-labelledby=\"hist-title hist-desc\" "
                    "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"hist-title\">Tenants by health score</title>"
                    "<desc id=\"hist-desc\">Tenants per band of ten points: " + desc + "</desc>";
  svg += "<line x1=\"10\" y1=\"" + std::to_string(base) + "\" x2=\"330\" y2=\"" + std::to_string(base) +
         "\" stroke=\"#555\" stroke-width=\"1\"/>";
  for (int i = 0; i < 10; ++i) {
    const int bh = bins[i] * h / top;
    const int x = 10 + i * w;
    const char* colour = i < 4 ? "#b71c1c" : i < 7 ? "#8a5a00" : "#1b5e20";
    svg += "<rect x=\"" + std::to_string(x + 3) + "\" y=\"" + std::to_string(base - bh) + "\" width=\"" +
           std::to_string(w - 6) + "\" height=\"" + std::to_string(bh) + "\" fill=\"" + colour + "\"/>";
    if (bins[i] > 0)
      svg += "<text x=\"" + std::to_string(x + w / 2) + "\" y=\"" + std::to_string(base - bh - 3) +
             "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#222\">" + std::to_string(bins[i]) + "</text>";
    svg += "<text x=\"" + std::to_string(x + w / 2) + "\" y=\"" + std::to_string(base + 14) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#222\">" + std::to_string(i * 10) + "</text>";
  }
  svg += "</svg>";
  return svg;
}

std::string points(const Json& f) {
  const double p = f.value("points", 0.0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", p);
  return buf;
}

}  // namespace

HttpResponse Console::healthPage(const HttpRequest&, const Visitor& v) {
  core::ControlReply reply = run(v, "tenant-health", Json::object());
  if (!reply.ok()) return refuse(v, reply);
  Json rows = Json::array(), churn = Json::array(), upsell = Json::array();
  std::vector<int> scores;
  std::vector<std::pair<int, Json>> weak;
  for (const Json& t : reply.arguments["tenants"]) {
    const bool known = t.value("known", false);
    const int score = static_cast<int>(number(t, "score"));
    Json factors = Json::array();
    for (const Json& f : t["factors"])
      factors.push_back({{"name", f["name"]},
                         {"weight", f["weight"]},
                         {"known", f["known"]},
                         {"points", points(f)},
                         {"words", f["words"]}});
    Json row{{"tenant", t["tenant"]}, {"name", t["name"]},   {"tier", t["tier"]},     {"known", known},
             {"score", score},        {"band", t["band"]},   {"factors", factors},    {"weakest", t["weakest"]},
             {"low", known && score < 40}};
    rows.push_back(row);
    if (known) {
      scores.push_back(score);
      if (score < 70) weak.emplace_back(score, row);
    }
    if (t["upsell"].is_string())
      upsell.push_back({{"tenant", t["tenant"]}, {"name", t["name"]}, {"tier", t["tier"]}, {"why", t["upsell"]}});
  }
  std::stable_sort(weak.begin(), weak.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [score, row] : weak) churn.push_back(row);
  // Insight's daily run (ADR 0074): on or off, the next and the last runs with their outcome.
  core::ControlReply daily = run(v, "insight-runs", Json{{"limit", 7}});
  if (!daily.ok()) return refuse(v, daily);
  Json runs = Json::array();
  for (const Json& x : daily.arguments["runs"])
    runs.push_back({{"day", minuteUtc(number(x, "day") * 86400).substr(0, 10)},
                    {"started", minuteUtc(number(x, "started-at"))},
                    {"finished", number(x, "finished-at") > 0 ? minuteUtc(number(x, "finished-at")) : "not finished"},
                    {"outcome", x["outcome"]},
                    {"failed", text(x, "outcome") != "ok"},
                    {"attempts", x["attempts"]},
                    {"detail", x["detail"]}});
  return page(v, "health", "Tenant health",
              Json{{"daily_on", daily.arguments.value("enabled", false)},
                   {"daily_at", daily.arguments["daily-at"]},
                   {"next_run", minuteUtc(number(daily.arguments, "next-run-at"))},
                   {"runs", runs},
                   {"has_runs", !runs.empty()},
                   {"rows", rows},
                   {"has_rows", !rows.empty()},
                   {"histogram", histogram(scores)},
                   {"scored", scores.size()},
                   {"churn", churn},
                   {"has_churn", !churn.empty()},
                   {"upsell", upsell},
                   {"has_upsell", !upsell.empty()}});
}

HttpResponse Console::insightPage(const HttpRequest& r, const Visitor& v) {
  const std::string tenant = tenantOf(r, v);
  Json scope = Json::object();
  if (v.user.platform()) scope["tenant"] = tenant;
  core::ControlReply retention = run(v, "insight-retention", scope);
  if (!retention.ok()) return refuse(v, retention);
  core::ControlReply upsell = run(v, "insight-upsell", scope);
  if (!upsell.ok()) return refuse(v, upsell);
  Json risk = Json::array();
  for (const Json& c : retention.arguments["customers"])
    risk.push_back({{"customer", c["customer"]}, {"score", c["score"]}, {"factors", c["factors"]}, {"action", c["action"]},
                    {"high", number(c, "score") >= 50}});
  Json up = Json::array();
  for (const Json& c : upsell.arguments["customers"])
    up.push_back({{"customer", c["customer"]}, {"why", c["why"]}, {"action", c["action"]}});
  return page(v, "insight", "Customer insight",
              Json{{"tenant", tenant},
                   {"platform", v.user.platform()},
                   {"has_tenant", !tenant.empty()},
                   {"risk", risk},
                   {"has_risk", !risk.empty()},
                   {"upsell", up},
                   {"has_upsell", !up.empty()}});
}

}  // namespace mgmt::console
