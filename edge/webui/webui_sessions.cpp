// The technician UI's Sessions page: a page of the live sessions from the ledger (session-search:
// filtered, sorted and counted by the ledger, never the whole list in the page), and the Disconnect
// and CoA buttons with the NAS's answer (session-disconnect, session-coa: technician and above).
#include <algorithm>
#include <cstdlib>
#include <limits>

#include "core/units.h"
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

constexpr int64_t kPerPage = 50;
constexpr int64_t kMaxOffset = 10000;  // session-search's bound on an offset (a page number without a key)

// The filter, sort and page of the Sessions page, from the query (GET) or the form (a button's POST,
// which carries them so the page comes back as it was). The next and previous pages go by the key
// of the row they follow or precede (session-search's last-key / first-key), so a page at any depth
// costs what the first does; `page` is the number shown. A page number without a key (typed, or an
// old bookmark) is an offset, as far as session-search's bound.
struct SessionView {
  std::string user, nas, ip, mac, sort, after, before;
  int64_t page = 1;

  static SessionView from(const std::map<std::string, std::string>& m) {
    SessionView v;
    auto get = [&m](const char* k, size_t max) {
      auto it = m.find(k);
      std::string s = it == m.end() ? "" : it->second;
      return s.size() > max ? s.substr(0, max) : s;
    };
    v.user = get("user", 253);
    v.nas = get("nas", 64);
    v.ip = get("ip", 45);
    v.mac = get("mac", 64);
    v.sort = get("sort", 16);
    if (v.sort != "bytes" && v.sort != "user") v.sort = "started";
    v.after = get("after", 300);
    v.before = v.after.empty() ? get("before", 300) : "";
    const bool keyed = !v.after.empty() || !v.before.empty();
    v.page = std::clamp<int64_t>(std::atoll(get("page", 8).c_str()), 1,
                                 keyed ? std::numeric_limits<int32_t>::max() : kMaxOffset / kPerPage + 1);
    return v;
  }
  // `key` is "after=..." or "before=..." (empty: the page by its number).
  std::string query(const std::string& sortBy, int64_t pageNo, const std::string& key = "") const {
    using core::web::urlEncode;
    return "/sessions?user=" + urlEncode(user) + "&nas=" + urlEncode(nas) + "&ip=" + urlEncode(ip) +
           "&mac=" + urlEncode(mac) + "&sort=" + sortBy + "&page=" + std::to_string(pageNo) + key;
  }
};

// What a NAS answered to a Disconnect or CoA, one line per session, Error-Cause in words.
std::vector<core::web::Message> dynAuthMessages(const core::ControlReply& reply) {
  std::vector<core::web::Message> out;
  out.push_back(reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text));
  const core::Json& a = reply.arguments;
  if (!a.is_array()) return out;
  for (const core::Json& r : a) {
    // {"id", "username", "nas", "outcome": ack|nak|timeout|queued|error, "message", "error-cause-text", ...}
    std::string outcome = textOf(r, "outcome");
    std::string said = outcome == "ack"       ? "the NAS acknowledged (ACK)"
                       : outcome == "nak"     ? "the NAS refused (NAK)"
                       : outcome == "timeout" ? "the NAS did not answer (timeout)"
                       : outcome == "queued"  ? "no answer yet (still queued; the result goes to the event log)"
                                              : "not sent";
    std::string line = textOf(r, "username") + " on " + textOf(r, "nas") + ": " + said;
    if (!textOf(r, "error-cause-text").empty()) line += ", Error-Cause: " + textOf(r, "error-cause-text");
    if (!textOf(r, "message").empty()) line += " (" + textOf(r, "message") + ")";
    out.push_back(outcome == "ack" ? core::web::Message::ok(line) : core::web::Message::error(line));
  }
  return out;
}

}  // namespace

core::HttpResponse WebUi::sessionsPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages,
                                       int status) {
  SessionView view = SessionView::from(r.method == "POST" ? core::web::parseForm(r.body) : r.query);
  core::Json args{{"sort", view.sort}, {"limit", kPerPage}};
  if (!view.after.empty()) args["after"] = view.after;
  else if (!view.before.empty()) args["before"] = view.before;
  else args["offset"] = (view.page - 1) * kPerPage;
  for (const auto& [k, val] : {std::pair<const char*, const std::string&>{"user", view.user}, {"nas", view.nas},
                               {"ip", view.ip}, {"mac", view.mac}})
    if (!val.empty()) args[k] = val;
  core::ControlReply reply = run(v, r, "session-search", args);
  const core::Json& a = reply.arguments;
  core::Json rows = core::Json::array();
  if (a.is_object() && a.contains("sessions") && a["sessions"].is_array())
    for (const core::Json& s : a["sessions"]) rows.push_back(sessionRow(s));
  int64_t total = integerOf(a, "total");
  int64_t pages = std::max<int64_t>(1, (total + kPerPage - 1) / kPerPage);
  // Sessions come and go between pages: a keyed page's number is where it was when followed.
  view.page = std::min(view.page, pages);
  core::Json nasOptions = core::Json::array();
  nasOptions.push_back({{"value", ""}, {"text", "every NAS"}, {"selected", view.nas.empty()}});
  bool listed = view.nas.empty();
  if (a.is_object() && a.contains("per-nas"))
    for (const core::Json& n : a["per-nas"]) {
      std::string name = textOf(n, "nas");
      listed = listed || name == view.nas;
      nasOptions.push_back({{"value", name},
                            {"text", name + " (" + std::to_string(integerOf(n, "sessions")) + ")"},
                            {"selected", name == view.nas}});
    }
  if (!listed) nasOptions.push_back({{"value", view.nas}, {"text", view.nas + " (0)"}, {"selected", true}});
  core::Json sorts = core::Json::array();
  for (const auto& [key, text] : std::vector<std::pair<std::string, std::string>>{
           {"started", "newest first"}, {"bytes", "most data"}, {"user", "user name"}})
    sorts.push_back({{"href", view.query(key, 1)}, {"text", text}, {"current", key == view.sort}});
  core::Json data{{"f_user", view.user}, {"f_nas", view.nas}, {"f_ip", view.ip}, {"f_mac", view.mac},
                  {"f_after", view.after}, {"f_before", view.before},
                  {"sort", view.sort}, {"page", view.page}, {"pages", pages}, {"rows", rows}, {"none", rows.empty()},
                  {"total", total}, {"one_total", total == 1}, {"online", integerOf(a, "online")},
                  {"one_online", integerOf(a, "online") == 1}, {"nas_options", nasOptions}, {"sorts", sorts},
                  {"filtered", !(view.user.empty() && view.nas.empty() && view.ip.empty() && view.mac.empty())}};
  const std::string first = textOf(a, "first-key"), last = textOf(a, "last-key");
  if (view.page > 1)
    data["previous"] = view.page == 2 || first.empty()
                           ? view.query(view.sort, view.page - 1)
                           : view.query(view.sort, view.page - 1, "&before=" + core::web::urlEncode(first));
  if (view.page < pages && !last.empty())
    data["next"] = view.query(view.sort, view.page + 1, "&after=" + core::web::urlEncode(last));
  if (!reply.ok()) {
    messages.push_back(core::web::Message::error(reply.text));
    if (status == 200) status = core::command::httpStatus(core::command::publicCode(reply.code));
  }
  return page(v, "sessions", "Sessions", data, std::move(messages), status);
}

core::HttpResponse WebUi::sessionPost(const core::HttpRequest& r, const Visitor& v, const std::string& command) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string id = field(form, "id");
  if (id.empty()) return sessionsPage(r, v, {core::web::Message::error("which session? (no id was given)")}, 400);
  // Waits for the NAS's answer (up to 12 s) so the page can show it; the UI serves a thread per
  // connection, so the other pages go on meanwhile.
  core::ControlReply reply = run(v, r, command, core::Json{{"id", id}, {"wait", true}});
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
  return sessionsPage(r, v, dynAuthMessages(reply), status);
}

}  // namespace edge::webui
