// The console's signup journey (issue 23): the public signup form, "check your mail", the emailed
// link's landing with the demo's provisioning progress, the demo owner's conversion to paid and the
// platform's signup funnel. The public pages have no session: like the sign-in form, the page sets an
// anonymous cookie, and its POST is refused from its headers without that cookie (the route's
// admission), then without the form's CSRF token; the signup itself goes through the same gate as
// POST /api/v1/signup (the client address's bucket, the service's caps: ADR 0037).
#include <algorithm>
#include <cstdio>

#include "core/log.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

struct SignupField {
  const char* name;
  const char* label;
  const char* type;
  const char* help;
  const char* autocomplete;
  bool required;
  // A value the service accepts, to find the next field's problem while this one's is known.
  const char* placeholder;
};

const std::vector<SignupField>& signupFields() {
  static const std::vector<SignupField> fields = {
      {"business-name", "Business name", "text", "Your company as customers know it; it names your demo tenant.",
       "organization", true, "Business"},
      {"registration-id", "Company registration number", "text", "As on your certificate of incorporation.", "off",
       true, "R-1"},
      {"tax-id", "Tax id", "text", "Your VAT or tax PIN.", "off", true, "T-1"},
      {"contact-name", "Your name", "text", "The person we write to.", "name", true, "Contact"},
      {"email", "Email", "email", "We send a link here to confirm it; the demo's owner signs in with it.", "email",
       true, "check@example.com"},
      {"phone", "Phone (optional)", "tel", "Digits, spaces and + - ( ).", "tel", false, ""},
      {"country", "Country", "text", "Two letters, as in KE, TZ or US.", "country", true, "KE"},
      {"region", "Region", "text", "County, state or province.", "address-level1", true, "Region"},
      {"service-area", "Service area", "text", "Towns or neighbourhoods you serve.", "off", true, "Area"},
      {"expected-customers", "Expected customers", "number", "About how many subscribers in a year (1 or more).",
       "off", true, "1"},
  };
  return fields;
}

// A Json string value of the form's field, "" when absent.
std::string formValue(const Json& form, const std::string& key) {
  return form.is_object() && form.contains(key) && form[key].is_string() ? form[key].get<std::string>() : "";
}

// "field: message" -> (field, message) when the field is one of `names`.
std::pair<std::string, std::string> namedField(const std::string& message, const std::vector<std::string>& names) {
  size_t colon = message.find(": ");
  if (colon == std::string::npos) return {"", message};
  std::string name = message.substr(0, colon);
  if (std::find(names.begin(), names.end(), name) == names.end()) return {"", message};
  return {name, message.substr(colon + 2)};
}

std::vector<std::string> signupFieldNames() {
  std::vector<std::string> names;
  for (const SignupField& f : signupFields()) names.push_back(f.name);
  names.push_back("tier");
  names.push_back("scenario");
  return names;
}

// <select> options from [{"value", "text"}] with `chosen` selected.
Json options(const Json& choices, const std::string& chosen) {
  Json out = Json::array();
  if (!choices.is_array()) return out;
  for (const Json& c : choices) {
    const std::string value = c.value("value", "");
    out.push_back(Json{{"value", value}, {"text", c.value("text", value)}, {"selected", value == chosen}});
  }
  return out;
}

std::string numberText(int64_t n) { return std::to_string(n); }

// The funnel as grouped bars, one group per week, drawn on the server (no script): the table beside
// it has the same figures for screen readers and copying.
std::string funnelSvg(const Json& weeks) {
  static const char* const kStages[] = {"started", "verified", "provisioned", "converted"};
  static const char* const kColours[] = {"#4a6fa5", "#2e8b57", "#b8860b", "#8b3a62"};
  int64_t top = 1;
  for (const Json& w : weeks)
    for (const char* s : kStages) top = std::max(top, w.value(s, int64_t{0}));
  const int groupWidth = 64, barWidth = 12, height = 160, left = 36, bottom = 24;
  const int width = left + std::max<int>(1, static_cast<int>(weeks.size())) * groupWidth + 8;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"funnel-chart\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height + bottom + 8) +
                    "\" role=\"img\" aria-labelledby=\"funnel-chart-title\"><title id=\"funnel-chart-title\">Signups "
                    "per week: started, verified, provisioned, converted (the table below has the figures)</title>";
  svg += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(height) + "\" x2=\"" +
         std::to_string(width) + "\" y2=\"" + std::to_string(height) + "\" stroke=\"currentColor\"/>";
  svg += "<text x=\"" + std::to_string(left - 4) + "\" y=\"12\" text-anchor=\"end\" font-size=\"10\" "
         "fill=\"currentColor\">" + numberText(top) + "</text>";
  int x = left + 6;
  for (const Json& w : weeks) {
    for (int i = 0; i < 4; ++i) {
      const int64_t v = w.value(kStages[i], int64_t{0});
      const int h = static_cast<int>(v * (height - 16) / top);
      svg += "<rect x=\"" + std::to_string(x + i * barWidth) + "\" y=\"" + std::to_string(height - h) + "\" width=\"" +
             std::to_string(barWidth - 2) + "\" height=\"" + std::to_string(h) + "\" fill=\"" + kColours[i] + "\"/>";
    }
    // The week as MM-DD under its group (the date is digits and dashes only: it comes from our store).
    std::string week = w.value("week", "");
    std::string label = week.size() == 10 ? week.substr(5) : week;
    label.erase(std::remove_if(label.begin(), label.end(), [](char c) { return !(std::isdigit(static_cast<unsigned char>(c)) || c == '-'); }),
                label.end());
    svg += "<text x=\"" + std::to_string(x + 2 * barWidth) + "\" y=\"" + std::to_string(height + 16) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"currentColor\">" + label + "</text>";
    x += groupWidth;
  }
  return svg + "</svg>";
}

}  // namespace

HttpResponse Console::publicPage(const HttpRequest& r, const std::string& tmpl, const std::string& title, Json data,
                                 std::vector<core::web::Message> messages, int status) {
  HttpResponse base;
  std::string id = cookie_.ensure(r, base);
  data["csrf"] = csrf_.tokenFor(id);
  core::web::Page p;
  p.title = title;  // the frame adds the console's name
  p.status = status;
  p.messages = std::move(messages);
  core::Result<std::string> body = templates_->render(tmpl, data);
  if (!body.isOk()) {
    core::logWarning("console: page ", tmpl, " could not be rendered: ", body.status().message());
    p.status = 500;
    p.messages = {core::web::Message::error("this page could not be shown")};
  } else {
    p.body = *body;
  }
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

HttpResponse Console::signupPage(const HttpRequest& r, const Json& form, const Json& errors,
                                 std::vector<core::web::Message> messages, int status) {
  using core::web::Field;
  Json fields = Json::array();
  for (const SignupField& f : signupFields()) {
    const std::string error = formValue(errors, f.name);
    Field field{f.name, "", f.label, f.type, formValue(form, f.name), error, {{"autocomplete", f.autocomplete}}};
    if (f.required) field.attributes.emplace_back("required", "");
    if (std::string(f.name) == "expected-customers") {
      field.attributes.emplace_back("min", "1");
      field.attributes.emplace_back("inputmode", "numeric");
    }
    if (std::string(f.name) == "country") field.attributes.emplace_back("maxlength", "2");
    if (std::string(f.name) == "email") field.attributes.emplace_back("autocapitalize", "none");
    // The help is tied to the input unless an error is (the field's one aria-describedby).
    if (error.empty()) field.attributes.emplace_back("aria-describedby", std::string(f.name) + "-help");
    fields.push_back(Json{{"id", f.name}, {"input", core::web::renderField(field)}, {"help", f.help}});
  }
  const std::string tier = formValue(form, "tier").empty() ? "free" : formValue(form, "tier");
  Json data{{"fields", fields},
            {"open", static_cast<bool>(signup_.submit)},
            {"tiers", options(signup_.tiers, tier)},
            {"tier_error", formValue(errors, "tier")},
            {"has_tier_error", !formValue(errors, "tier").empty()},
            {"scenarios", options(signup_.scenarios, formValue(form, "scenario"))},
            {"scenario_error", formValue(errors, "scenario")},
            {"has_scenario_error", !formValue(errors, "scenario").empty()}};
  return publicPage(r, "signup", "Sign up your ISP", data, std::move(messages), status);
}

HttpResponse Console::signupPost(const HttpRequest& r) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  const std::vector<std::string> names = signupFieldNames();
  Json form = Json::object();
  for (const std::string& n : names)
    if (posted.count(n) != 0) form[n] = posted[n];
  std::string id = cookie_.idOf(r);
  if (id.empty() || !csrf_.verifyForm(id, posted))
    return signupPage(r, form, Json::object(),
                      {core::web::Message::error("This form had expired or did not come from this site: nothing was "
                                                 "sent. Check the form and send it again.")},
                      403);
  if (!signup_.submit) return signupPage(r, form, Json::object(), {core::web::Message::error("Signups are closed here.")}, 503);
  std::string refused = signup_.admit ? signup_.admit(r.remote) : "";
  if (!refused.empty()) return signupPage(r, form, Json::object(), {core::web::Message::error(refused)}, 429);
  // Every field's problem at once: the service names the first; with a value it accepts in that
  // field's place, it names the next.
  Json errors = Json::object();
  if (signup_.check) {
    Json probe = form;
    for (size_t round = 0; round < names.size(); ++round) {
      core::Status s = signup_.check(probe);
      if (s.isOk()) break;
      auto [field, message] = namedField(s.message(), names);
      if (field.empty() || errors.contains(field)) {
        if (errors.empty()) return signupPage(r, form, errors, {core::web::Message::error(s.message())}, 400);
        break;
      }
      errors[field] = message;
      std::string stand = "";
      for (const SignupField& f : signupFields())
        if (field == f.name) stand = f.placeholder;
      if (field == "tier") stand = "free";
      if (field == "scenario") stand = "";
      probe[field] = stand;
    }
    if (!errors.empty())
      return signupPage(r, form, errors, {core::web::Message::error("Some fields need another look: see below.")}, 400);
  }
  core::Result<Json> made = signup_.submit(form, r.remote);
  if (!made.isOk()) {
    const core::Status& st = made.status();
    if (st.code() == core::Code::kResourceExhausted) {
      auto [field, message] = namedField(st.message(), names);
      if (!field.empty()) errors[field] = message;
      return signupPage(r, form, errors, {core::web::Message::error(st.message())}, 429);
    }
    if (st.code() == core::Code::kInvalidArgument) {
      auto [field, message] = namedField(st.message(), names);
      if (!field.empty()) errors[field] = message;
      return signupPage(r, form, errors, {core::web::Message::error(st.message())}, 400);
    }
    core::logWarning("console: a signup failed: ", st.toString());
    return signupPage(r, form, errors, {core::web::Message::error("Signing up failed on our side; try again in a moment.")}, 500);
  }
  // After a POST, a GET: reloading the next page sends nothing again.
  return core::web::redirect(303, "/signup/sent", "Check your mail");
}

HttpResponse Console::signupVerify(const HttpRequest& r) {
  auto token = r.query.find("token");
  if (token == r.query.end() || token->second.empty() || !signup_.verify)
    return publicPage(r, "signup_link", "Confirm your email", Json{{"problem", "This link is not complete: open it from the mail again."}},
                      {}, 400);
  core::Result<Json> v = signup_.verify(token->second);
  if (!v.isOk()) {
    const core::Status& st = v.status();
    int status = st.code() == core::Code::kNotFound ? 404 : st.code() == core::Code::kFailedPrecondition ? 410 : 400;
    std::string problem = st.code() == core::Code::kNotFound
                              ? "This link is not known: it may have been cut short; open it from the mail again."
                          : st.code() == core::Code::kFailedPrecondition
                              ? "This link has expired (it works for 24 hours): sign up again."
                              : "This link cannot be used.";
    if (st.code() != core::Code::kNotFound && st.code() != core::Code::kFailedPrecondition &&
        st.code() != core::Code::kInvalidArgument) {
      core::logWarning("console: a signup link failed: ", st.toString());
      problem = "Confirming failed on our side; open the link again in a moment.";
      status = 500;
    }
    return publicPage(r, "signup_link", "Confirm your email", Json{{"problem", problem}}, {}, status);
  }
  return core::web::redirect(303, "/signup/progress?job=" + core::web::urlEncode(v->value("job", "")),
                             "See your demo being made");
}

HttpResponse Console::signupProgress(const HttpRequest& r) {
  auto id = r.query.find("job");
  if (id == r.query.end() || id->second.empty() || id->second.size() > 64 || !signup_.job)
    return publicPage(r, "signup_link", "Your demo", Json{{"problem", "No such demo is being made."}}, {}, 404);
  core::Result<Json> job = signup_.job(id->second);
  if (!job.isOk())
    return publicPage(r, "signup_link", "Your demo", Json{{"problem", "No such demo is being made."}}, {},
                      job.status().code() == core::Code::kNotFound ? 404 : 500);
  const std::string state = job->value("state", "");
  Json steps = Json::array();
  if (job->contains("log") && (*job)["log"].is_array())
    for (const Json& s : (*job)["log"]) steps.push_back(Json{{"step", s.value("step", "")}});
  const bool working = state == "queued" || state == "running";
  Json data{{"tenant", job->value("tenant", "")},
            {"percent", job->value("percent", int64_t{0})},
            {"step", job->value("step", "")},
            {"steps", steps},
            {"steps_done", job->value("steps-done", int64_t{0})},
            {"steps_total", job->value("steps-total", int64_t{0})},
            {"working", working},
            {"done", state == "done"},
            {"failed", state == "failed"}};
  HttpResponse out = publicPage(r, "signup_progress", working ? "Making your demo" : "Your demo", data, {}, 200);
  // The page looks again by itself while the job runs (a header, not a script: the CSP allows no
  // inline script, and the page works without any).
  if (working) out.headers.emplace_back("Refresh", "2");
  return out;
}

HttpResponse Console::convertPage(const HttpRequest& r, const Visitor& v, Json form, Json errors,
                                  std::vector<core::web::Message> messages, int status) {
  core::ControlReply shown = run(v, "tenant-show", tenantArgs(r, v));
  if (shown.result != 0) return refuse(v, shown);
  const Json& t = shown.arguments;
  if (!form.is_object()) form = Json{{"tier", t.value("tier", "basic")}};
  if (!errors.is_object()) errors = Json::object();
  using core::web::Field;
  struct Input {
    const char* name;
    const char* label;
    const char* type;
    const char* autocomplete;
    const char* help;
    bool required;
  };
  static const Input inputs[] = {
      {"billing-name", "Billing name", "text", "organization", "The legal name on invoices.", true},
      {"billing-email", "Billing email", "email", "email", "Where invoices and receipts go.", true},
      {"billing-address", "Billing address", "text", "street-address", "Street, town, postal code.", true},
      {"billing-tax-id", "Tax id (optional)", "text", "off", "Printed on invoices when given.", false}};
  Json fields = Json::array();
  for (const Input& in : inputs) {
    const std::string error = formValue(errors, in.name);
    Field f{in.name, "", in.label, in.type, formValue(form, in.name), error, {{"autocomplete", in.autocomplete}}};
    if (in.required) f.attributes.emplace_back("required", "");
    if (error.empty()) f.attributes.emplace_back("aria-describedby", std::string(in.name) + "-help");
    fields.push_back(Json{{"id", in.name}, {"input", core::web::renderField(f)}, {"help", in.help}});
  }
  Json data{{"name", t.value("name", "")},
            {"demo", t.value("demo", false)},
            {"tier", t.value("tier", "")},
            {"expires", t.value("expires", "")},
            {"tenant", v.user.platform() ? tenantOf(r, v) : ""},
            {"platform", v.user.platform()},
            {"may_convert", may(v, "demo-convert")},
            {"fields", fields},
            {"tiers", options(signup_.tiers, formValue(form, "tier"))},
            {"tier_error", formValue(errors, "tier")},
            {"has_tier_error", !formValue(errors, "tier").empty()}};
  return page(v, "convert", "Go paid", data, std::move(messages), status);
}

HttpResponse Console::convertPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  Json form = Json::object();
  for (const char* n : {"tier", "billing-name", "billing-email", "billing-address", "billing-tax-id"})
    if (posted.count(n) != 0) form[n] = posted[n];
  Json args = form;
  if (args.contains("billing-tax-id") && args["billing-tax-id"].get<std::string>().empty()) args.erase("billing-tax-id");
  const std::string tenant = tenantOf(r, v);
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "demo-convert", args);
  if (reply.result == 0)
    return convertPage(r, v, nullptr, nullptr,
                       {core::web::Message::ok("Your tenant is on the " + reply.arguments.value("tier", "") +
                                               " tier now: the demo's sample data is gone, your own data stays.")});
  const int status = core::command::httpStatus(core::command::publicCode(reply.code));
  if (status == 403 || status == 404) return refuse(v, reply);
  auto [field, message] = namedField(reply.text, {"tier", "billing-name", "billing-email", "billing-address", "billing-tax-id"});
  Json errors = Json::object();
  if (!field.empty()) errors[field] = message;
  return convertPage(r, v, form, errors, {core::web::Message::error(reply.text)}, status);
}

HttpResponse Console::funnelPage(const HttpRequest& r, const Visitor& v) {
  Json args = Json::object();
  if (auto w = r.query.find("weeks"); w != r.query.end() && !w->second.empty() && w->second.size() <= 3 &&
                                      w->second.find_first_not_of("0123456789") == std::string::npos)
    args["weeks"] = std::stoll(w->second);
  core::ControlReply reply = run(v, "signup-funnel", args);
  if (reply.result != 0) return refuse(v, reply);
  Json rows = Json::array();
  auto percent = [](int64_t part, int64_t whole) { return whole == 0 ? std::string("-") : std::to_string(part * 100 / whole) + " %"; };
  for (const Json& w : reply.arguments) {
    const int64_t started = w.value("started", int64_t{0});
    rows.push_back(Json{{"week", w.value("week", "")},
                        {"started", started},
                        {"verified", w.value("verified", int64_t{0})},
                        {"provisioned", w.value("provisioned", int64_t{0})},
                        {"converted", w.value("converted", int64_t{0})},
                        {"rate", percent(w.value("converted", int64_t{0}), started)}});
  }
  Json data{{"rows", rows}, {"none", rows.empty()}, {"chart", funnelSvg(reply.arguments)}};
  return page(v, "funnel", "Signup funnel", data);
}

void Console::addSignupRoutes(
    core::HttpServer& server,
    const std::function<void(const std::string&, std::function<HttpResponse(const HttpRequest&, const Visitor&)>)>& get,
    const std::function<void(const std::string&, std::function<HttpResponse(const HttpRequest&, const Visitor&)>)>& post,
    const core::HttpRouteLimits& anonymous) {
  server.route("GET", "/signup", [this](const HttpRequest& r) {
    return signupPage(r, Json::object(), Json::object(), {}, 200);
  });
  // The signup form's POST: anonymous, so refused from its headers without the page's cookie; the
  // address's bucket is drawn from in the handler, so a refused person keeps what they typed.
  core::HttpRouteLimits signupLimits = anonymous;
  signupLimits.maxBodyBytes = 16 * 1024;
  server.route("POST", "/signup", [this](const HttpRequest& r) { return signupPost(r); }, signupLimits);
  server.route("GET", "/signup/sent", [this](const HttpRequest& r) {
    return publicPage(r, "signup_sent", "Check your mail", Json::object(), {}, 200);
  });
  server.route("GET", "/signup/verify", [this](const HttpRequest& r) { return signupVerify(r); });
  server.route("GET", "/signup/progress", [this](const HttpRequest& r) { return signupProgress(r); });
  get("/convert", [this](const HttpRequest& r, const Visitor& v) { return convertPage(r, v); });
  post("/convert", [this](const HttpRequest& r, const Visitor& v) { return convertPost(r, v); });
  get("/funnel", [this](const HttpRequest& r, const Visitor& v) { return funnelPage(r, v); });
}

}  // namespace mgmt::console
