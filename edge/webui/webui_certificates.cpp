// The technician UI's Certificates page (issue 28): every certificate and CRL of the box (`certs`,
// every role) with its days left and what is wrong in words; for an admin, the forms that install
// EAP's certificate, key, client CA and CRL (`eap-install`) or replace the CRL alone (`eap-crl`),
// pasted as PEM text. A refusal names its argument ("key: does not match the certificate ..."),
// shown next to that field; a viewer's or technician's post is refused by the command layer (403).
#include <string>

#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

const char* stateText(const std::string& state) {
  if (state == "ok") return "In order";
  if (state == "warning") return "Warning";
  if (state == "error") return "Needs action now";
  return "Not set up";
}

// A certificate or CRL of an entry as rows of a definition list.
core::Json factRows(const core::Json& c) {
  core::Json rows = core::Json::array();
  auto add = [&rows](const char* key, const std::string& value) {
    if (!value.empty()) rows.push_back({{"key", key}, {"value", value}});
  };
  std::string names;
  if (c.contains("alt-names"))
    for (const core::Json& n : c["alt-names"]) names += (names.empty() ? "" : ", ") + n.get<std::string>();
  add("Subject", textOf(c, "subject"));
  add("Issuer", textOf(c, "issuer"));
  add("Alternative names", names);
  add("Key", textOf(c, "key-type") + (c.value("ca", false) ? " (a CA)" : ""));
  add("Valid from", textOf(c, "not-before"));
  add("Valid until", textOf(c, "not-after"));
  add("Updated", textOf(c, "this-update"));
  if (c.contains("next-update")) add("Next update", c["next-update"].is_null() ? "not given" : textOf(c, "next-update"));
  if (c.contains("revoked")) add("Revoked entries", textOf(c, "revoked"));
  add("SHA-256 fingerprint", textOf(c, "sha256-fingerprint"));
  add("State", textOf(c, "message"));
  return rows;
}

// Mustache takes an empty text as true: what may be empty goes in as null.
core::Json orNull(const std::string& text) { return text.empty() ? core::Json(nullptr) : core::Json(text); }

// The argument a refusal names ("key: does not match ..."), or "" when it names none of the form's.
std::string fieldNamedIn(const std::string& text) {
  for (const char* f : {"certificate", "key", "ca", "crl"})
    if (text.rfind(std::string(f) + ": ", 0) == 0) return f;
  return "";
}

}  // namespace

core::HttpResponse WebUi::certificatesPage(const core::HttpRequest& r, const Visitor& v,
                                           std::vector<core::web::Message> messages, core::Json form, int status) {
  core::ControlReply reply = run(v, r, "certs", core::Json::object());
  if (!reply.ok()) return refuse(v, reply);
  core::Json rows = core::Json::array(), details = core::Json::array();
  bool eapOn = false;
  for (const core::Json& e : reply.arguments.value("certificates", core::Json::array())) {
    std::string state = textOf(e, "state"), name = textOf(e, "name");
    if (name == "eap-certificate") eapOn = state != "not-configured";
    rows.push_back({{"id", "cert-" + name},
                    {"title", textOf(e, "title")},
                    {"state", stateText(state)},
                    {"warning", state == "warning"},
                    {"error", state == "error"},
                    {"configured", state != "not-configured"},
                    {"days", e.contains("days-left") ? textOf(e, "days-left") : std::string("-")},
                    {"message", textOf(e, "message")}});
    if (state == "not-configured") continue;
    core::Json parts = core::Json::array();
    for (const char* list : {"certificates", "crls"})
      for (const core::Json& c : e.value(list, core::Json::array())) parts.push_back({{"facts", factRows(c)}});
    // EAP's: where it came from, and whether anything renews it (ADR 0069).
    std::string source;
    if (textOf(e, "source") == "management plane")
      source = "Issued by the management plane's CA for " + textOf(e, "eap-name") +
               " (the name phones and laptops check); renewed automatically from " + textOf(e, "renews-at") + ".";
    else if (textOf(e, "source") == "installed by hand")
      source = "Installed by hand (edgectl eap install or this page); nothing renews it: install its successor "
               "before it expires.";
    details.push_back({{"id", "cert-" + name + "-details"},
                       {"title", textOf(e, "title")},
                       {"path", orNull(textOf(e, "path"))},
                       {"key", textOf(e, "key")},
                       {"source", orNull(source)},
                       {"parts", parts}});
  }
  // The install form: what a refused post had (never the key), the error next to its field.
  core::Json errors = form.value("errors", core::Json::object());
  auto formField = [&](const char* name, const char* id, const char* label, const char* help, bool required, int rows) {
    return core::Json{{"name", name},
                      {"id", id},
                      {"label", label},
                      {"help", help},
                      {"required", required},
                      {"rows", rows},
                      {"value", name == std::string("key") ? std::string() : textOf(form, name)},
                      {"error", orNull(errors.value(name, ""))}};
  };
  bool crlForm = form.value("form", "") == "crl";
  core::Json installFields = core::Json::array({
      formField("certificate", "eap-certificate", "Server certificate (PEM)",
            "The box's certificate first, then any intermediate CA certificates.", true, 6),
      formField("key", "eap-key", "Private key (PEM, without a passphrase)",
            "Written readable by edged only (mode 0600); never shown again.", true, 4),
      formField("ca", "eap-ca", "Client CA (PEM, optional)",
            "The CA of EAP-TLS client certificates; the server certificate must verify to it too.", false, 4),
      formField("crl", "eap-crl", "CRL of the client CA (PEM, optional)", "Revoked client certificates.", false, 4)});
  if (crlForm) {  // a refused CRL-only post shows its error in its own form
    for (core::Json& f : installFields) f["error"] = nullptr;
  }
  core::Json crlField = formField("crl", "crl-only", "New CRL (PEM)", "Checked against the installed client CA.", true, 6);
  if (!crlForm) crlField["error"] = nullptr;
  core::Json data{{"rows", rows},
                  {"details", details},
                  {"warning_days", textOf(reply.arguments, "warning-days")},
                  {"summary", reply.text},
                  {"may_install", may(v.role, "eap-install") && eapOn},
                  {"eap_off", may(v.role, "eap-install") && !eapOn},
                  {"install_fields", installFields},
                  {"crl_field", crlField}};
  return page(v, "certificates", "Certificates", data, std::move(messages), status);
}

core::HttpResponse WebUi::certificatesPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> posted = core::web::parseForm(r.body);
  const std::string command = action == "crl" ? "eap-crl" : "eap-install";
  core::Json args = core::Json::object(), shown{{"form", action}};
  for (const char* k : {"certificate", "key", "ca", "crl"}) {
    std::string value = field(posted, k);
    if (action == "crl" && std::string(k) != "crl") continue;
    // A browser sends a textarea's line breaks as CRLF; PEM is read either way, stored as LF.
    std::string clean;
    for (char c : value)
      if (c != '\r') clean += c;
    if (!clean.empty()) args[k] = clean;
    if (std::string(k) != "key") shown[k] = clean;
  }
  core::ControlReply reply = run(v, r, command, args);
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  if (!reply.ok()) {
    std::string f = fieldNamedIn(reply.text);
    if (!f.empty()) shown["errors"] = core::Json{{f, reply.text.substr(f.size() + 2)}};
    std::string what = action == "crl" ? "the CRL was not installed: " : "nothing was installed: ";
    return certificatesPage(r, v, {core::web::Message::error(what + (f.empty() ? reply.text : "see the form"))}, shown,
                            core::command::httpStatus(core::command::publicCode(reply.code)));
  }
  return certificatesPage(r, v, {core::web::Message::ok(reply.text)});
}

void WebUi::addCertificatesRoutes(const RouteAdder& get, const RouteAdder& post) {
  get("/certificates", [this](const core::HttpRequest& r, const Visitor& v) { return certificatesPage(r, v); });
  post("/certificates/install",
       [this](const core::HttpRequest& r, const Visitor& v) { return certificatesPost(r, v, "install"); });
  post("/certificates/crl", [this](const core::HttpRequest& r, const Visitor& v) { return certificatesPost(r, v, "crl"); });
}

}  // namespace edge::webui
