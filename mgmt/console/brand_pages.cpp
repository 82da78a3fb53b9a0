// A partner's white-label brand (issues 23 and 25, ADR 0064): its name and colours (a form) and its
// logo (multipart/form-data, the Settings logo's limits), under the partner portal's "Brand" tab, for
// the partner's own people and for the admins who manage it (?partner=ID). Every read and change is
// a partner-brand-* command with the visitor's caller: the tier gate's refusal (white label is
// Premium) and another partner's id (not found) come from the command table.
#include "core/pki.h"
#include "core/web/form.h"
#include "core/web/multipart.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

struct BrandField {
  const char* name;
  const char* label;
  const char* help;
  const char* max;
};
const BrandField kBrandFields[] = {
    {"display-name", "Name your customers see", "Shown instead of the ISP's name (at most 100 characters).", "100"},
    {"primary-colour", "Main colour", "Like #0a5d7c: the bar under your name and the top of your mail.", "7"},
    {"accent-colour", "Accent colour", "Like #b35c00: the line under your mail.", "7"},
};

std::vector<std::string> brandFieldNames() {
  std::vector<std::string> out;
  for (const BrandField& f : kBrandFields) out.push_back(f.name);
  return out;
}

int statusOfReply(const core::ControlReply& reply) {
  return core::command::httpStatus(core::command::publicCode(reply.code));
}

std::string brandUrl(const std::string& partnerId, bool own, const std::string& flag) {
  std::string q = own ? "" : "partner=" + core::web::urlEncode(partnerId);
  if (!flag.empty()) q += (q.empty() ? "" : "&") + flag;
  return "/partner/brand" + (q.empty() ? "" : "?" + q);
}

}  // namespace

void Console::addBrandRoutes(core::HttpServer& server, const PageRoute& get, const PageRoute& post,
                             const core::HttpRouteLimits& upload) {
  get("/partner/brand", [this](const HttpRequest& r, const Visitor& v) { return partnerBrandPage(r, v); });
  post("/partner/brand", [this](const HttpRequest& r, const Visitor& v) { return partnerBrandPost(r, v); });
  server.route("POST", "/partner/brand/logo", [this](const HttpRequest& r) { return partnerLogoPost(r); }, upload);
  post("/partner/brand/logo/clear", [this](const HttpRequest& r, const Visitor& v) { return partnerLogoClear(r, v); });
}

HttpResponse Console::partnerBrandPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                       int status) {
  Json data = Json::object();
  HttpRequest scoped = r;
  if (form.is_object() && !v.user.partner()) scoped.query["partner"] = form.value("partner", "");
  if (std::optional<HttpResponse> refused = partnerHead(scoped, v, "/brand", data)) return std::move(*refused);
  const std::string id = data["partner_id"].get<std::string>();
  core::ControlReply shown = run(v, "partner-brand-show", Json{{"partner", id}});
  if (!shown.ok()) return refuse(v, shown);
  const Json brand = shown.arguments;
  Json values = brand, errors = Json::object();
  if (form.is_object()) {
    values = form["values"];
    errors = form["errors"];
  } else {
    if (!query(r, "saved").empty()) messages.push_back(Message::ok("Saved: your portal, your customers' pages and their next mail show it."));
    if (query(r, "logo") == "1") messages.push_back(Message::ok("Logo saved."));
    if (query(r, "logo") == "0") messages.push_back(Message::ok("Logo removed."));
  }
  Json fields = Json::array();
  for (const BrandField& f : kBrandFields) {
    const std::string fid = std::string("w-") + f.name;
    fields.push_back({{"input", core::web::renderField(core::web::Field{
                                    f.name, fid, f.label, "text", text(values, f.name), text(errors, f.name),
                                    {{"maxlength", f.max}, {"aria-describedby", fid + "-help"}}})},
                      {"id", fid},
                      {"help", f.help}});
  }
  const Json shownNow = brand.value("shown", Json::object());
  data["fields"] = fields;
  data["white_label"] = brand.value("white-label", false);
  data["shown_name"] = text(shownNow, "name");
  data["has_logo"] = brand.value("logo", false);
  data["logo"] = text(brand, "logo-url");
  data["may_save"] = may(v, "partner-brand-set");
  data["may_logo"] = may(v, "partner-brand-logo-set");
  data["logo_input"] = core::web::renderField(core::web::Field{
      "logo", "w-logo", "Logo file", "file", "", text(errors, "logo"),
      {{"accept", "image/png,image/jpeg"}, {"aria-describedby", "w-logo-help"}}});
  return page(v, "partner_brand", v.user.partner() ? "Brand" : "Brand of " + data["partner_name"].get<std::string>(),
              data, std::move(messages), status);
}

HttpResponse Console::partnerBrandPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string partner = v.user.partner() ? v.user.partnerId : field(form, "partner");
  Json args{{"partner", partner}}, values = Json::object();
  for (const BrandField& f : kBrandFields) {
    args[f.name] = field(form, f.name);
    values[f.name] = field(form, f.name);
  }
  core::ControlReply reply = run(v, "partner-brand-set", args);
  if (!reply.ok()) {
    if (statusOfReply(reply) != 400) return refuse(v, reply);
    auto [name, message] = fieldOf(reply.text, brandFieldNames());
    Json errors = Json::object();
    if (!name.empty()) errors[name] = message;
    return partnerBrandPage(r, v, Json{{"partner", partner}, {"values", values}, {"errors", errors}},
                            {Message::error(name.empty() ? "Not saved: " + message : "Not saved: check the " + name + " field.")},
                            400);
  }
  return core::web::redirect(303, brandUrl(partner, v.user.partner(), "saved=1"), "Brand");
}

HttpResponse Console::partnerLogoPost(const HttpRequest& r) {
  std::optional<Visitor> v = visitor(r);
  if (!v) return signInFirst();
  auto refused = [&] { return formRefused(*v); };
  auto type = r.headers.find("content-type");
  const std::string boundary = core::web::multipartBoundary(type == r.headers.end() ? "" : type->second);
  if (boundary.empty()) return refused();
  // The brand page again with the logo field's message (reading only: nothing was done).
  auto again = [&](const std::string& partner, const std::string& error, int status) {
    core::ControlReply shown = run(*v, "partner-brand-show", Json{{"partner", partner}});
    if (!shown.ok()) return refuse(*v, shown);
    return partnerBrandPage(r, *v,
                            Json{{"partner", partner}, {"values", shown.arguments}, {"errors", Json{{"logo", error}}}},
                            {Message::error("Logo not saved: check the logo field.")}, status);
  };
  core::Result<core::web::MultipartForm> form = core::web::parseMultipart(r.body, boundary, logoFormLimits());
  const std::string own = v->user.partner() ? v->user.partnerId : "";
  if (!form.isOk() && form.status().code() == core::Code::kResourceExhausted)
    return own.empty() ? refuse(*v, core::ControlReply::error(core::invalidArgument("logo: larger than 256 KiB")))
                       : again(own, "larger than 256 KiB", 413);
  if (!form.isOk() || !csrf_.verifyForm(v->session.id, form->fields)) return refused();
  const std::string partner = own.empty() ? field(form->fields, "partner") : own;
  if (!form->hasFile || form->file.bytes.empty()) return again(partner, "choose a PNG or JPEG file", 400);
  Json args{{"partner", partner}, {"image", core::pki::base64Encode(form->file.bytes)}};
  core::ControlReply reply = run(*v, "partner-brand-logo-set", args);
  if (reply.ok()) return core::web::redirect(303, brandUrl(partner, !own.empty(), "logo=1"), "Brand");
  if (statusOfReply(reply) != 400) return refuse(*v, reply);
  return again(partner, fieldOf(reply.text, {"logo", "image"}).second, 400);
}

HttpResponse Console::partnerLogoClear(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string partner = v.user.partner() ? v.user.partnerId : field(form, "partner");
  core::ControlReply reply = run(v, "partner-brand-logo-clear", Json{{"partner", partner}});
  if (!reply.ok()) return refuse(v, reply);
  return core::web::redirect(303, brandUrl(partner, v.user.partner(), "logo=0"), "Brand");
}

}  // namespace mgmt::console
