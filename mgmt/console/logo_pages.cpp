// The tenant's logo on the Settings page (issue 23): uploaded as multipart/form-data (core/web/
// multipart.h: one file part beside the CSRF token, bounded before and while it is read), handed to
// branding-logo-set in base64 so the command layer checks the role, the tier and the bytes, and
// removed with branding-logo-clear. A refusal is shown next to the file field.
#include "core/pki.h"
#include "core/web/form.h"
#include "core/web/multipart.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"
#include "mgmt/mail/logo_store.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

std::string settingsUrl(const std::string& tenant, const std::string& flag) {
  return "/settings?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&") + flag;
}

}  // namespace

core::web::MultipartLimits Console::logoFormLimits() {
  core::web::MultipartLimits limits;
  limits.maxParts = 4;  // csrf, tenant, logo (and room for a browser's extra)
  limits.maxHeaderBytes = 1024;
  limits.maxFieldBytes = 256;
  limits.maxFileBytes = mail::kLogoMaxBytes;
  limits.maxBodyBytes = mail::kLogoMaxBytes + 16 * 1024;
  return limits;
}

HttpResponse Console::logoPost(const HttpRequest& r) {
  std::optional<Visitor> v = visitor(r);
  if (!v) return signInFirst();
  auto refused = [&] { return formRefused(*v); };
  auto type = r.headers.find("content-type");
  const std::string boundary = core::web::multipartBoundary(type == r.headers.end() ? "" : type->second);
  if (boundary.empty()) return refused();
  // The settings page again with the logo field's message (reading only: nothing was done).
  auto again = [&](const std::string& tenant, const std::string& error, int status) {
    Json args = Json::object();
    if (!tenant.empty()) args["tenant"] = tenant;
    core::ControlReply shown = run(*v, "branding-show", args);
    if (!shown.ok()) return refuse(*v, shown);
    return settingsPage(r, *v,
                        Json{{"tenant", tenant}, {"values", shown.arguments}, {"errors", Json{{"logo", error}}}},
                        {Message::error("Logo not saved: check the logo field.")}, status);
  };
  core::Result<core::web::MultipartForm> form = core::web::parseMultipart(r.body, boundary, logoFormLimits());
  // A file past the limit: the body was not taken, so its CSRF token is not trusted either; the page
  // says why, and nothing is done.
  if (!form.isOk() && form.status().code() == core::Code::kResourceExhausted)
    return again("", "larger than 256 KiB", 413);
  if (!form.isOk() || !csrf_.verifyForm(v->session.id, form->fields)) return refused();
  const std::string tenant = v->user.platform() ? field(form->fields, "tenant") : "";
  if (!form->hasFile || form->file.bytes.empty()) return again(tenant, "choose a PNG or JPEG file", 400);
  Json args = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  args["image"] = core::pki::base64Encode(form->file.bytes);
  core::ControlReply reply = run(*v, "branding-logo-set", args);
  if (reply.ok()) return core::web::redirect(303, settingsUrl(tenant, "logo=1"), "Settings");
  if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400) return refuse(*v, reply);
  return again(tenant, fieldOf(reply.text, {"logo", "image"}).second, 400);
}

HttpResponse Console::logoClear(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "branding-logo-clear", args);
  if (!reply.ok()) return refuse(v, reply);
  return core::web::redirect(303, settingsUrl(tenant, "logo=0"), "Settings");
}

}  // namespace mgmt::console
