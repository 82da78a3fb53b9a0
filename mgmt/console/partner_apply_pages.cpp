// The public partner application form (issue 25, ADR 0055): /partners/apply asks for a name,
// company, email, partner type, country and a message, and /partners/apply/sent says what happens
// next. Like the signup form (signup_pages.cpp): no session, an anonymous cookie set by the page,
// the POST refused from its headers without it and then without the form's CSRF token; the
// address's bucket (the signup gate's, ADR 0037) is drawn from before the service's own caps (per
// address, per email, pending in all). Every field's problem is shown next to it at once.
#include <algorithm>

#include "core/log.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

struct ApplyField {
  const char* name;
  const char* label;
  const char* type;
  const char* help;
  const char* autocomplete;
  const char* placeholder;  // a value the check accepts, to find the next field's problem
};

const std::vector<ApplyField>& applyFields() {
  static const std::vector<ApplyField> fields = {
      {"name", "Your name", "text", "The person we write to.", "name", "Applicant"},
      {"company", "Company", "text", "Your company as customers know it; it becomes the partner's name.", "organization",
       "Company"},
      {"email", "Email", "email", "Our answer goes here; when approved, your sign-in invitation too.", "email",
       "check@example.com"},
      {"country", "Country", "text", "Two letters, as in DE, KE or US.", "country", "DE"},
  };
  return fields;
}

std::vector<std::string> applyFieldNames() {
  std::vector<std::string> names;
  for (const ApplyField& f : applyFields()) names.push_back(f.name);
  names.push_back("type");
  names.push_back("message");
  return names;
}

std::string value(const Json& form, const std::string& key) {
  return form.is_object() && form.contains(key) && form[key].is_string() ? form[key].get<std::string>() : "";
}

}  // namespace

HttpResponse Console::partnerApplyPage(const HttpRequest& r, const Json& form, const Json& errors,
                                       std::vector<core::web::Message> messages, int status) {
  using core::web::Field;
  Json fields = Json::array();
  for (const ApplyField& f : applyFields()) {
    const std::string error = value(errors, f.name);
    Field field{f.name, "", f.label, f.type, value(form, f.name), error, {{"autocomplete", f.autocomplete}, {"required", ""}}};
    if (std::string(f.name) == "country") field.attributes.emplace_back("maxlength", "2");
    if (std::string(f.name) == "email") field.attributes.emplace_back("autocapitalize", "none");
    if (error.empty()) field.attributes.emplace_back("aria-describedby", std::string(f.name) + "-help");
    fields.push_back(Json{{"id", f.name}, {"input", core::web::renderField(field)}, {"help", f.help}});
  }
  Json types = Json::array();
  const std::string chosen = value(form, "type");
  for (const Json& t : partnerApply_.types)
    types.push_back(Json{{"value", t.value("value", "")}, {"text", t.value("text", "")}, {"selected", t.value("value", "") == chosen}});
  auto tenantQuery = r.query.find("tenant");
  const std::string tenant = !value(form, "tenant").empty() ? value(form, "tenant")
                             : tenantQuery != r.query.end()  ? tenantQuery->second
                                                             : "";
  Json data{{"fields", fields},
            {"open", static_cast<bool>(partnerApply_.submit)},
            {"types", types},
            {"type_error", value(errors, "type")},
            {"has_type_error", !value(errors, "type").empty()},
            {"message", value(form, "message")},
            {"message_error", value(errors, "message")},
            {"has_message_error", !value(errors, "message").empty()},
            {"tenant", tenant}};
  return publicPage(r, "partner_apply", "Become a partner", data, std::move(messages), status);
}

HttpResponse Console::partnerApplyPost(const HttpRequest& r) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  std::vector<std::string> names = applyFieldNames();
  Json form = Json::object();
  for (const std::string& n : names)
    if (posted.count(n) != 0) form[n] = posted[n];
  if (posted.count("tenant") != 0 && !posted["tenant"].empty()) form["tenant"] = posted["tenant"];
  std::string id = cookie_.idOf(r);
  if (id.empty() || !csrf_.verifyForm(id, posted))
    return partnerApplyPage(r, form, Json::object(),
                            {core::web::Message::error("This form had expired or did not come from this site: nothing "
                                                       "was sent. Check the form and send it again.")},
                            403);
  if (!partnerApply_.submit)
    return partnerApplyPage(r, form, Json::object(), {core::web::Message::error("Applications are closed here.")}, 503);
  std::string refused = partnerApply_.admit ? partnerApply_.admit(r.remote) : "";
  if (!refused.empty()) return partnerApplyPage(r, form, Json::object(), {core::web::Message::error(refused)}, 429);
  // Every field's problem at once: the check names the first; with a value it accepts in that
  // field's place, it names the next.
  Json errors = Json::object();
  if (partnerApply_.check) {
    Json probe = form;
    for (size_t round = 0; round < names.size(); ++round) {
      core::Status s = partnerApply_.check(probe);
      if (s.isOk()) break;
      auto [field, message] = fieldOf(s.message(), names);
      if (field.empty() || errors.contains(field)) {
        if (errors.empty()) return partnerApplyPage(r, form, errors, {core::web::Message::error(s.message())}, 400);
        break;
      }
      errors[field] = message;
      std::string stand;
      for (const ApplyField& f : applyFields())
        if (field == f.name) stand = f.placeholder;
      if (field == "type") stand = "referral-partner";
      probe[field] = stand;
    }
    if (!errors.empty())
      return partnerApplyPage(r, form, errors, {core::web::Message::error("Some fields need another look: see below.")}, 400);
  }
  core::Result<Json> made = partnerApply_.submit(form, r.remote);
  if (!made.isOk()) {
    const core::Status& st = made.status();
    auto [field, message] = fieldOf(st.message(), names);
    if (st.code() == core::Code::kResourceExhausted || st.code() == core::Code::kInvalidArgument ||
        st.code() == core::Code::kNotFound) {
      if (!field.empty()) errors[field] = message;
      const int code = st.code() == core::Code::kResourceExhausted ? 429 : st.code() == core::Code::kNotFound ? 404 : 400;
      return partnerApplyPage(r, form, errors, {core::web::Message::error(st.message())}, code);
    }
    core::logWarning("console: a partner application failed: ", st.toString());
    return partnerApplyPage(r, form, errors, {core::web::Message::error("Sending failed on our side; try again in a moment.")},
                            500);
  }
  return core::web::redirect(303, "/partners/apply/sent", "Application received");
}

// A visit through a partner's referral link (ADR 0065): recorded (once per visitor and day, the
// address never stored), then a page naming the partner and its code, to give at signup within the
// partner's attribution window. An unknown or suspended partner's code is a 404 that records nothing.
// Each client address draws from its bucket first (ADR 0073): a script is answered 429 with
// Retry-After before any code is looked up, so it can neither inflate the count nor probe codes fast.
HttpResponse Console::referralVisit(const HttpRequest& r) {
  auto it = r.query.find("code");
  const std::string code = it == r.query.end() ? "" : it->second.substr(0, 32);
  if (!partnerApply_.visit)
    return publicPage(r, "partner_ref", "Referral link", Json{{"known", false}},
                      {core::web::Message::error("Referral links are not set up here.")}, 503);
  if (const int64_t wait = partnerApply_.visitAdmit ? partnerApply_.visitAdmit(r.remote) : 0; wait > 0) {
    HttpResponse refused = publicPage(
        r, "partner_ref", "Referral link", Json{{"known", false}, {"limited", true}},
        {core::web::Message::error("Too many visits from your address: nothing was counted. Try again in " +
                                   std::to_string(wait) + (wait == 1 ? " second." : " seconds."))},
        429);
    refused.headers.emplace_back("Retry-After", std::to_string(wait));
    return refused;
  }
  core::Result<Json> partner = partnerApply_.visit(code, r.remote);
  if (!partner.isOk()) {
    if (partner.status().code() != core::Code::kNotFound)
      core::logWarning("console: a referral visit could not be recorded: ", partner.status().toString());
    const bool missing = partner.status().code() == core::Code::kNotFound;
    return publicPage(r, "partner_ref", "Referral link", Json{{"known", false}},
                      {core::web::Message::error(missing ? "This referral link is unknown or no longer valid."
                                                         : "Something failed on our side; try again in a moment.")},
                      missing ? 404 : 500);
  }
  const Json& p = *partner;
  Json data{{"known", true},
            {"name", p.value("name", "")},
            {"code", p.value("code", "")},
            {"window", p.value("window-days", 0)},
            {"platform", p.value("level", "") == "platform"},
            {"tenant", p.value("tenant", "")}};
  return publicPage(r, "partner_ref", "Referred by " + p.value("name", std::string()), data, {}, 200);
}

void Console::addPartnerApplyRoutes(core::HttpServer& server, const core::HttpRouteLimits& anonymous) {
  server.route("GET", "/ref", [this](const HttpRequest& r) { return referralVisit(r); });
  server.route("GET", "/partners/apply", [this](const HttpRequest& r) {
    return partnerApplyPage(r, Json::object(), Json::object(), {}, 200);
  });
  core::HttpRouteLimits limits = anonymous;
  limits.maxBodyBytes = 16 * 1024;
  server.route("POST", "/partners/apply", [this](const HttpRequest& r) { return partnerApplyPost(r); }, limits);
  server.route("GET", "/partners/apply/sent", [this](const HttpRequest& r) {
    return publicPage(r, "partner_apply_sent", "Application received", Json::object(), {}, 200);
  });
}

}  // namespace mgmt::console
