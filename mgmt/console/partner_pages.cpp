// The partner portal (issue 25; ADR 0057): a partner's own people land on it; the platform's and a
// tenant's admins open it for a partner they manage (?partner=ID, from the Partners list). Every page
// reads through the partner commands with the visitor's caller (partner-show, partner-ledger,
// partner-statement, payout-list, attribution-list): a partner's caller is "partner:<id>", so naming
// another partner (?partner=B) is the command's not-found, the same as one that does not exist, and a
// tenant's people reach only the tenant's own resellers. Nothing here decides who sees what.
#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "core/clock.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

int64_t minor(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

// "2026-03" of a Unix time, and the month `back` months before it.
std::string monthOf(int64_t unix, int back) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  int months = (tm.tm_year + 1900) * 12 + tm.tm_mon - back;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", months / 12, months % 12 + 1);
  return buf;
}

bool isMonth(const std::string& s) {
  return s.size() == 7 && s[4] == '-' &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
}

// Minor units as "12.34" (the currency is said beside it); negative with a minus.
std::string amount(int64_t v) {
  const bool neg = v < 0;
  uint64_t a = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", neg ? "-" : "", static_cast<unsigned long long>(a / 100),
                static_cast<unsigned long long>(a % 100));
  return buf;
}

// The last 12 months as grouped bars (earned net of clawbacks, paid out), drawn on the server like the
// signup funnel: the table beside it has the same figures for screen readers and copying.
std::string earningsSvg(const Json& months) {
  int64_t top = 1;
  for (const Json& m : months) top = std::max({top, m["earned"].get<int64_t>(), m["paid"].get<int64_t>()});
  const int groupWidth = 40, barWidth = 14, height = 160, left = 56, bottom = 24;
  const int width = left + static_cast<int>(months.size()) * groupWidth + 8;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"funnel-chart\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height + bottom + 8) +
                    "\" role=\"img\" aria-labelledby=\"earnings-chart-title\"><title id=\"earnings-chart-title\">Earned "
                    "and paid out per month, the last 12 months (the table below has the figures)</title>";
  svg += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(height) + "\" x2=\"" + std::to_string(width) +
         "\" y2=\"" + std::to_string(height) + "\" stroke=\"currentColor\"/>";
  svg += "<text x=\"" + std::to_string(left - 4) + "\" y=\"12\" text-anchor=\"end\" font-size=\"10\" fill=\"currentColor\">" +
         amount(top) + "</text>";
  int x = left + 6;
  for (const Json& m : months) {
    const int64_t values[2] = {std::max<int64_t>(0, m["earned"].get<int64_t>()), m["paid"].get<int64_t>()};
    static const char* const kColours[2] = {"#2e8b57", "#4a6fa5"};
    for (int i = 0; i < 2; ++i) {
      const int h = static_cast<int>(values[i] * (height - 16) / top);
      svg += "<rect x=\"" + std::to_string(x + i * barWidth) + "\" y=\"" + std::to_string(height - h) + "\" width=\"" +
             std::to_string(barWidth - 2) + "\" height=\"" + std::to_string(h) + "\" fill=\"" + kColours[i] + "\"/>";
    }
    // The month as MM (digits only: it is ours).
    svg += "<text x=\"" + std::to_string(x + barWidth) + "\" y=\"" + std::to_string(height + 16) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"currentColor\">" + m["month"].get<std::string>().substr(5) +
           "</text>";
    x += groupWidth;
  }
  return svg + "</svg>";
}

}  // namespace

void Console::addPartnerRoutes(const PageRoute& get, const PageRoute& post) {
  get("/partners", [this](const HttpRequest& r, const Visitor& v) { return partnersPage(r, v); });
  get("/partner", [this](const HttpRequest& r, const Visitor& v) { return partnerPage(r, v); });
  post("/partner/invite", [this](const HttpRequest& r, const Visitor& v) { return partnerInvite(r, v); });
  get("/partner/statement", [this](const HttpRequest& r, const Visitor& v) { return partnerStatementPage(r, v); });
  get("/partner/payouts", [this](const HttpRequest& r, const Visitor& v) { return partnerPayoutsPage(r, v); });
  get("/partner/customers", [this](const HttpRequest& r, const Visitor& v) { return partnerCustomersPage(r, v); });
  get("/partner/health", [this](const HttpRequest& r, const Visitor& v) { return partnerHealthPage(r, v); });
  addPartnerAdminRoutes(get, post);
}

Json Console::partnerArgs(const HttpRequest& r, const Visitor& v) const {
  // A partner's people read their own partner unless they name another (which the command refuses
  // with not-found); everyone else names the partner they open.
  Json args = Json::object();
  const std::string named = query(r, "partner").substr(0, 64);
  if (!named.empty()) args["partner"] = named;
  else if (v.user.partner()) args["partner"] = v.user.partnerId;
  return args;
}

// The header of every partner page: the partner (partner-show, which also decides whether the
// visitor reaches it) and the links between the portal's pages.
std::optional<HttpResponse> Console::partnerHead(const HttpRequest& r, const Visitor& v, const std::string& current,
                                                 Json& data) {
  Json args = partnerArgs(r, v);
  if (!args.contains("partner"))
    return page(v, "refused", "Not done", Json::object(), {Message::error("partner: which partner (open one from Partners)")},
                400);
  core::ControlReply shown = run(v, "partner-show", args);
  if (!shown.ok()) return refuse(v, shown);
  const Json& p = shown.arguments;
  const std::string id = text(p, "id");
  const std::string q = v.user.partner() ? "" : "?partner=" + core::web::urlEncode(id);
  Json tabs = Json::array();
  static const char* const kTabs[][2] = {{"", "Earnings"}, {"/statement", "Statements"}, {"/payouts", "Payouts"},
                                         {"/customers", "Customers and leads"}, {"/health", "Health"},
                                         {"/brand", "Brand"}};
  for (const auto& t : kTabs)
    tabs.push_back({{"href", std::string("/partner") + t[0] + q}, {"text", t[1]}, {"current", current == t[0]}});
  data["partner"] = p;
  data["partner_id"] = id;
  data["partner_name"] = text(p, "name");
  data["partner_q"] = q.empty() ? "" : "&partner=" + core::web::urlEncode(id);
  data["tabs"] = tabs;
  data["own"] = v.user.partner();
  data["currency"] = text(p, "currency");
  return std::nullopt;
}

HttpResponse Console::partnersPage(const HttpRequest& r, const Visitor& v) {
  // The list is for the people who manage partners; a partner's own people have their portal.
  if (v.user.partner())
    return page(v, "refused", "Not for partners", Json::object(),
                {Message::error("This page is for the people who manage partners: your own figures are under Earnings.")},
                403);
  Json data = Json::object(), args;
  if (auto refused = partnerAdminHead(r, v, "", data, args)) return std::move(*refused);
  const std::string tenant = data["tenant"].get<std::string>();
  core::ControlReply list = run(v, "partner-list", args);
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  for (const Json& p : list.arguments["partners"])
    rows.push_back({{"id", text(p, "id")},      {"name", text(p, "name")},   {"level", text(p, "level")},
                    {"tenant", text(p, "tenant")}, {"type", text(p, "type")}, {"tier", text(p, "tier")},
                    {"status", text(p, "status")}, {"currency", text(p, "currency")}});
  data["rows"] = rows;
  data["none"] = rows.empty();
  return page(v, "partners", "Partners", data);
}

HttpResponse Console::partnerPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                  int status) {
  Json data = Json::object();
  if (std::optional<HttpResponse> refused = partnerHead(r, v, "", data)) return std::move(*refused);
  const Json p = data["partner"];  // a copy: data grows below (an ordered map moves its values)
  const Json earnings = p.value("earnings", Json::object());
  const Json m = earnings.value("minor", Json::object());
  // The last 12 months of the ledger: earned (accruals, bonuses, clawbacks) and paid out, per month.
  const int64_t now = core::SystemClock::instance().unixSeconds();
  Json ledgerArgs{{"partner", data["partner_id"]}, {"from", monthOf(now, 11) + "-01"}, {"limit", 100000}};
  core::ControlReply ledger = run(v, "partner-ledger", ledgerArgs);
  if (!ledger.ok()) return refuse(v, ledger);
  std::map<std::string, std::pair<int64_t, int64_t>> perMonth;
  for (int i = 11; i >= 0; --i) perMonth[monthOf(now, i)] = {0, 0};
  int64_t accruedYear = 0;
  for (const Json& e : ledger.arguments["entries"]) {
    const std::string month = text(e, "day").substr(0, 7);
    auto it = perMonth.find(month);
    if (it == perMonth.end()) continue;
    const int64_t a = minor(e, "amount-minor");
    if (text(e, "kind") == "payout") it->second.second -= a;
    else it->second.first += a;
    if (text(e, "kind") == "accrual") accruedYear += a;
  }
  Json months = Json::array(), rows = Json::array();
  for (const auto& [month, v2] : perMonth) {
    months.push_back({{"month", month}, {"earned", v2.first}, {"paid", v2.second}});
    rows.push_back({{"month", month},
                    {"earned", amount(v2.first)},
                    {"paid", amount(v2.second)},
                    {"statement", "/partner/statement?period=" + month + data["partner_q"].get<std::string>()}});
  }
  data["accrued"] = amount(accruedYear);
  data["on_hold"] = amount(minor(m, "on-hold"));
  data["payable"] = amount(minor(m, "payable"));
  data["approved"] = amount(minor(m, "approved"));
  data["paid"] = amount(minor(m, "paid"));
  data["chart"] = earningsSvg(months);
  data["rows"] = rows;
  data["referral_code"] = text(p, "referral-code");
  // The link a partner shares: this console's own address (the Host the visitor reached it by).
  auto host = r.headers.find("host");
  data["referral_link"] = (host == r.headers.end() ? std::string() : "https://" + host->second.substr(0, 255)) +
                          "/ref?code=" + core::web::urlEncode(text(p, "referral-code"));
  data["referral_window"] = text(p, "referral-window-days");
  data["tier"] = text(p, "tier");
  data["type"] = text(p, "type");
  data["hold_days"] = text(p, "hold-days");
  data["min_payout"] = text(p, "min-payout");
  data["reseller"] = text(p, "level") == "tenant";
  // The platform's and the tenant's admins invite the partner's people from here (person-add
  // --role partner decides whether they may).
  data["may_invite"] = !v.user.partner() && may(v, "person-add");
  Json values = form.is_object() ? form.value("values", Json::object()) : Json::object();
  Json errors = form.is_object() ? form.value("errors", Json::object()) : Json::object();
  auto error = [&errors](const char* k) { return errors.contains(k) ? errors[k].get<std::string>() : std::string(); };
  data["invite_email"] = core::web::renderField(core::web::Field{
      "email", "invite-email", "Email", "email", text(values, "email"), error("email"),
      {{"required", ""}, {"autocomplete", "off"}, {"aria-describedby", "invite-email-help"}}});
  data["invite_name"] = core::web::renderField(
      core::web::Field{"name", "invite-name", "Name", "text", text(values, "name"), error("name"), {{"maxlength", "128"}}});
  if (messages.empty() && !query(r, "invited").empty())
    messages.push_back(Message::ok("Invitation mailed to " + query(r, "invited").substr(0, 254) +
                                   ": the link lets them choose a password and sign in to this portal."));
  // A partner's own header shows its name already (its brand): its tab's title then.
  return page(v, "partner", v.user.partner() ? std::string("Earnings") : data["partner_name"].get<std::string>(), data,
              std::move(messages), status);
}

HttpResponse Console::partnerInvite(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string partner = field(form, "partner");
  Json args{{"email", field(form, "email")}, {"role", "partner"}, {"partner", partner}};
  if (!field(form, "name").empty()) args["name"] = field(form, "name");
  core::ControlReply reply = run(v, "person-add", args);
  if (reply.ok())
    return core::web::redirect(303,
                               "/partner?partner=" + core::web::urlEncode(partner) +
                                   "&invited=" + core::web::urlEncode(field(form, "email")),
                               "Partner");
  const int status = core::command::httpStatus(core::command::publicCode(reply.code));
  if (status != 400 && status != 409) return refuse(v, reply);  // a role or a partner out of reach
  auto [name, message] = fieldOf(reply.text, {"email", "name"});
  HttpRequest again = r;
  again.query["partner"] = partner;
  Json errors = Json::object();
  errors[name.empty() ? "email" : name] = message;
  return partnerPage(again, v,
                     Json{{"values", {{"email", field(form, "email")}, {"name", field(form, "name")}}}, {"errors", errors}},
                     {Message::error("Not invited: check the " + (name.empty() ? std::string("email") : name) + " field.")},
                     400);
}

HttpResponse Console::partnerStatementPage(const HttpRequest& r, const Visitor& v) {
  Json data = Json::object();
  if (std::optional<HttpResponse> refused = partnerHead(r, v, "/statement", data)) return std::move(*refused);
  const int64_t now = core::SystemClock::instance().unixSeconds();
  std::string period = query(r, "period");
  if (period.empty()) period = monthOf(now, 0);
  if (!isMonth(period))
    return page(v, "refused", "Not done", Json::object(), {Message::error("period: expected a month such as 2026-03")}, 400);
  Json args{{"partner", data["partner_id"]}, {"period", period}};
  core::ControlReply st = run(v, "partner-statement", args);
  if (!st.ok()) return refuse(v, st);
  const Json& s = st.arguments;
  Json lines = Json::array();
  for (const Json& e : s["lines"])
    lines.push_back({{"seq", minor(e, "seq")},        {"day", text(e, "day")},         {"kind", text(e, "kind")},
                     {"part", text(e, "part")},       {"amount", amount(minor(e, "amount-minor"))},
                     {"account", text(e, "tenant") + (text(e, "username").empty() ? "" : " / " + text(e, "username"))},
                     {"invoice", text(e, "invoice")}, {"payment", text(e, "payment")}, {"released", text(e, "released")}});
  Json periods = Json::array();
  for (int i = 0; i < 12; ++i) {
    std::string mo = monthOf(now, i);
    periods.push_back({{"value", mo}, {"selected", mo == period}});
  }
  const Json mm = s.value("minor", Json::object());
  data["period"] = period;
  data["periods"] = periods;
  data["closed"] = s.value("closed", false);
  for (const char* k : {"opening", "accrued", "clawed-back", "bonus", "paid-out", "closing", "on-hold", "payable"}) {
    std::string key = k;
    std::replace(key.begin(), key.end(), '-', '_');
    data[key] = amount(minor(mm, k));
  }
  data["lines"] = lines;
  data["no_lines"] = lines.empty();
  return page(v, "partner_statement", "Statement " + period, data);
}

HttpResponse Console::partnerPayoutsPage(const HttpRequest& r, const Visitor& v) {
  Json data = Json::object();
  if (std::optional<HttpResponse> refused = partnerHead(r, v, "/payouts", data)) return std::move(*refused);
  core::ControlReply list = run(v, "payout-list", Json{{"partner", data["partner_id"]}});
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  for (const Json& p : list.arguments["payouts"])
    rows.push_back({{"id", text(p, "id")},           {"amount", amount(minor(p, "amount-minor"))},
                    {"status", text(p, "status")},   {"approved", text(p, "approved")},
                    {"paid", text(p, "paid")},       {"e2e", text(p, "end-to-end-id")}});
  data["rows"] = rows;
  data["none"] = rows.empty();
  return page(v, "partner_payouts", "Payouts", data);
}

HttpResponse Console::partnerCustomersPage(const HttpRequest& r, const Visitor& v) {
  Json data = Json::object();
  if (std::optional<HttpResponse> refused = partnerHead(r, v, "/customers", data)) return std::move(*refused);
  const std::string id = data["partner_id"].get<std::string>();
  core::ControlReply attributed = run(v, "attribution-list", Json{{"partner", id}});
  if (!attributed.ok()) return refuse(v, attributed);
  // Paying: an account whose payments earned this partner something (the ledger's accruals).
  core::ControlReply ledger = run(v, "partner-ledger", Json{{"partner", id}, {"limit", 100000}});
  if (!ledger.ok()) return refuse(v, ledger);
  std::map<std::string, std::pair<int64_t, std::string>> paid;  // account -> (earned, last payment day)
  for (const Json& e : ledger.arguments["entries"]) {
    if (text(e, "kind") != "accrual") continue;
    auto& x = paid[text(e, "tenant") + "\n" + text(e, "username")];
    x.first += minor(e, "amount-minor");
    x.second = std::max(x.second, text(e, "day"));
  }
  // The attribution history: only the rows in force today are the partner's accounts (one given to
  // another partner, detached, or dated after today is not).
  std::map<std::string, Json> current;
  for (const Json& a : attributed.arguments["attributions"])
    if (a.value("current", false) && text(a, "partner") == id) current[text(a, "tenant") + "\n" + text(a, "username")] = a;
  Json rows = Json::array();
  int64_t signedUp = 0, paying = 0, referred = 0;
  for (const auto& [key, a] : current) {
    ++signedUp;
    if (text(a, "source") == "referral") ++referred;
    auto it = paid.find(key);
    const bool pays = it != paid.end();
    if (pays) ++paying;
    rows.push_back({{"tenant", text(a, "tenant")},
                    {"username", text(a, "username")},
                    {"from", text(a, "from")},
                    {"source", text(a, "source") == "referral" ? "referral code" : "by hand"},
                    {"stage", pays ? "paying" : "signed up"},
                    {"earned", pays ? amount(it->second.first) : "0.00"},
                    {"last", pays ? it->second.second : ""}});
  }
  char rate[16];
  std::snprintf(rate, sizeof rate, "%.0f%%", signedUp == 0 ? 0.0 : 100.0 * static_cast<double>(paying) / static_cast<double>(signedUp));
  // The first stage: visits through the referral link within the attribution window (partner-show
  // counts them; a visit is anonymous, so it is a count, not a row).
  const int64_t visits = number(data["partner"], "referral-visits");
  char signupRate[16];
  std::snprintf(signupRate, sizeof signupRate, "%.0f%%",
                visits == 0 ? 0.0 : 100.0 * static_cast<double>(referred) / static_cast<double>(visits));
  data["visits"] = visits;
  data["referral_window"] = text(data["partner"], "referral-window-days");
  data["signup_rate"] = visits == 0 ? std::string("no visit yet") : std::string(signupRate);
  data["rows"] = rows;
  data["none"] = rows.empty();
  data["signed_up"] = signedUp;
  data["paying"] = paying;
  data["referred"] = referred;
  data["rate"] = std::string(rate);
  data["platform_partner"] = text(data["partner"], "level") == "platform";
  return page(v, "partner_customers", "Customers and leads", data);
}

// The health and churn risk of the partner's accounts (ADR 0073): partner-health decides which
// accounts are the partner's (those attributed to it today) and who may see them; this page only shows
// them, highest risk first, with the factors in words.
HttpResponse Console::partnerHealthPage(const HttpRequest& r, const Visitor& v) {
  Json data = Json::object();
  if (std::optional<HttpResponse> refused = partnerHead(r, v, "/health", data)) return std::move(*refused);
  core::ControlReply health = run(v, "partner-health", Json{{"partner", data["partner_id"]}});
  if (!health.ok()) return refuse(v, health);
  const Json& h = health.arguments;
  const bool platform = text(h, "level") == "platform";
  Json rows = Json::array();
  for (const Json& a : h["accounts"]) {
    const bool known = a.value("known", false);
    const std::string band = text(a, "band");
    std::string figure = "-";
    if (known) figure = std::to_string(number(a, platform ? "health-score" : "churn-score"));
    rows.push_back({{"account", text(a, "account")},
                    {"tenant", text(a, "tenant")},
                    {"from", text(a, "from")},
                    {"source", text(a, "source")},
                    {"figure", figure},
                    {"band", band},
                    {"alarm", band == "at risk"},
                    {"factors", text(a, "factors")},
                    {"action", text(a, "action")}});
  }
  const Json summary = h.value("summary", Json::object());
  data["platform_partner"] = platform;
  data["rows"] = rows;
  data["none"] = rows.empty();
  data["total"] = number(h, "total");
  data["shown"] = static_cast<int64_t>(rows.size());
  data["cut"] = number(h, "total") > static_cast<int64_t>(rows.size());
  data["at_risk"] = number(summary, "at-risk");
  data["watch"] = number(summary, "watch");
  data["fine"] = number(summary, "fine");
  data["no_data"] = number(summary, "no-data");
  data["at_risk_score"] = number(h, "at-risk-score");
  data["watch_score"] = (number(h, "at-risk-score") + 1) / 2;
  return page(v, "partner_health", "Health", data);
}

}  // namespace mgmt::console
