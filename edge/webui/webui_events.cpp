// The technician UI's Events page (issue 22): the appliance's event log filtered by kind, by words
// of the detail (a subscriber's name) and by time, through the `events` command; "Follow live" keeps
// the page open on a server-sent events stream (core/web/sse.h) that tick() feeds with the events
// logged since, each follower getting only those its filter matches.
#include <algorithm>
#include <cctype>

#include "core/html.h"
#include "core/web/sse.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using detail::query;
using detail::textOf;

namespace {

constexpr size_t kMaxFollowers = 16;     // each holds a connection's thread on the UI's server
constexpr int64_t kPingSeconds = 15;     // keeps proxies from closing, finds followers that left

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool matches(const core::Json& e, const std::string& kind, const std::string& search) {
  std::string k = textOf(e, "kind");
  if (!kind.empty()) {
    if (kind.back() == '*') {
      if (k.compare(0, kind.size() - 1, kind, 0, kind.size() - 1) != 0) return false;
    } else if (k != kind) {
      return false;
    }
  }
  return search.empty() || lower(textOf(e, "detail")).find(lower(search)) != std::string::npos;
}

// One row of the table, as the page's own template writes it (escaped).
std::string rowHtml(const core::Json& e) {
  return "<tr data-id=\"" + std::to_string(detail::integerOf(e, "id")) + "\"><td>" + core::htmlEscape(textOf(e, "at")) +
         "</td><td>" + core::htmlEscape(textOf(e, "kind")) + "</td><td>" + core::htmlEscape(textOf(e, "detail")) +
         "</td></tr>";
}

}  // namespace

core::HttpResponse WebUi::eventsPage(const core::HttpRequest& r, const Visitor& v) {
  std::string kind = query(r, "kind"), search = query(r, "q"), since = query(r, "since");
  core::Json args{{"limit", 200}};
  if (!kind.empty()) args["kind"] = kind;
  if (!search.empty()) args["search"] = search;
  if (!since.empty()) args["since"] = since;
  core::ControlReply reply = run(v, r, "events", args);
  std::vector<core::web::Message> messages;
  core::Json errors = core::Json::object();
  int status = 200;
  core::Json rows = core::Json::array();
  int64_t newest = 0;
  if (!reply.ok()) {
    if (reply.code == core::Code::kPermissionDenied) return refuse(v, reply);
    status = core::command::httpStatus(core::command::publicCode(reply.code));
    // The only argument a person can get wrong here is the time.
    errors[reply.text.find("since") != std::string::npos ? "since" : "kind"] = reply.text;
  } else if (reply.arguments.is_array()) {
    for (const core::Json& e : reply.arguments) {
      newest = std::max(newest, detail::integerOf(e, "id"));
      rows.push_back({{"id", detail::integerOf(e, "id")}, {"at", textOf(e, "at")}, {"kind", textOf(e, "kind")},
                      {"detail", textOf(e, "detail")}});
    }
  }
  // The newest id in the whole log, so following starts right after what the page shows.
  if (reply.ok() && newest == 0) {
    core::ControlReply last = run(v, r, "events", core::Json{{"limit", 1}});
    if (last.ok() && last.arguments.is_array() && !last.arguments.empty())
      newest = detail::integerOf(last.arguments[0], "id");
  }
  auto input = [&](const char* name, const char* id, const char* label, const std::string& value, const char* type,
                   std::vector<std::pair<std::string, std::string>> attrs) {
    return core::web::renderField(core::web::Field{name, id, label, type, value, errors.value(name == std::string("q") ? "q" : name, ""), attrs});
  };
  std::string followUrl = "/events/follow?after=" + std::to_string(newest) + "&kind=" + core::web::urlEncode(kind) +
                          "&q=" + core::web::urlEncode(search);
  core::Json data{{"rows", rows},
                  {"none", rows.empty()},
                  {"follow_url", followUrl},
                  {"f_kind", input("kind", "f-kind", "Kind (ui-* for every UI action)", kind, "text",
                                   {{"maxlength", "64"}, {"list", "event-kinds"}})},
                  {"f_q", input("q", "f-q", "Subscriber or words", search, "search", {{"maxlength", "253"}})},
                  {"f_since", input("since", "f-since", "Since (UTC)", since, "datetime-local", {})}};
  return page(v, "events", "Events", data, std::move(messages), status);
}

core::HttpResponse WebUi::eventsFollow(const core::HttpRequest& r, const Visitor& v) {
  // Reading the log is the events command's to allow (every role today; decided there, not here).
  core::ControlReply check = run(v, r, "events", core::Json{{"limit", 1}});
  if (!check.ok()) return refuse(v, check);
  Follower f;
  f.kind = query(r, "kind").substr(0, 64);
  f.search = query(r, "q").substr(0, 253);
  f.after = std::atoll(query(r, "after").c_str());
  f.stream = std::make_shared<core::HttpStream>();
  {
    std::lock_guard<std::mutex> lock(followersMu_);
    // Followers that left are noticed at the next ping; count only open ones.
    followers_.erase(std::remove_if(followers_.begin(), followers_.end(),
                                    [](const Follower& x) { return !x.stream->isOpen(); }),
                     followers_.end());
    if (followers_.size() >= kMaxFollowers) {
      core::HttpResponse busy = core::HttpResponse::jsonError(503, "too many pages follow the events; try again later");
      busy.headers.emplace_back("Retry-After", "30");
      return busy;
    }
    followers_.push_back(f);
  }
  core::HttpResponse out;
  out.status = 200;
  out.contentType = "text/event-stream; charset=utf-8";
  out.headers.emplace_back("Cache-Control", "no-store");
  out.headers.emplace_back("X-Accel-Buffering", "no");
  out.body = core::web::sseFrame(core::web::SseEvent{"", "", "", 5000}) + core::web::sseComment("following");
  out.stream = f.stream;
  return out;
}

void WebUi::followEvents(int64_t now) {
  std::vector<Follower> followers;
  {
    std::lock_guard<std::mutex> lock(followersMu_);
    followers_.erase(std::remove_if(followers_.begin(), followers_.end(),
                                    [](const Follower& x) { return !x.stream->isOpen(); }),
                     followers_.end());
    followers = followers_;
  }
  if (followers.empty()) return;
  int64_t from = followers.front().after;
  for (const Follower& f : followers) from = std::min(from, f.after);
  core::ControlReply reply =
      host_.commands->call(core::command::Caller::root(), "events", core::Json{{"after", from}, {"limit", 500}});
  std::vector<core::Json> fresh;
  if (reply.ok() && reply.arguments.is_array())
    for (auto it = reply.arguments.rbegin(); it != reply.arguments.rend(); ++it) fresh.push_back(*it);  // oldest first
  const bool ping = now - lastFollowPing_ >= kPingSeconds;
  if (ping) lastFollowPing_ = now;
  std::lock_guard<std::mutex> lock(followersMu_);
  for (Follower& f : followers_) {
    for (const core::Json& e : fresh) {
      int64_t id = detail::integerOf(e, "id");
      if (id <= f.after) continue;
      f.after = id;
      if (matches(e, f.kind, f.search))
        f.stream->write(core::web::sseFrame(core::web::SseEvent{"event", rowHtml(e), std::to_string(id), 0}));
    }
    if (ping) f.stream->write(core::web::sseComment("ping"));
  }
}

}  // namespace edge::webui
