#include "core/web/page.h"

#include <cctype>

#include "core/html.h"
#include "core/web/embedded_files.h"

namespace core::web {

bool isCssHexColor(const std::string& c) {
  if (c.size() != 4 && c.size() != 7 && c.size() != 9) return false;
  if (c[0] != '#') return false;
  for (size_t i = 1; i < c.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
  return true;
}

Frame::Frame(FrameOptions options) : options_(std::move(options)), templates_(std::make_unique<Templates>()) {
  // The frame ships in the binary and is checked by the unit tests: it cannot fail to parse.
  (void)templates_->addFiles(coreWebFiles());
}

Frame::~Frame() = default;

std::string Frame::html(const Page& page, const Branding& branding) const {
  Json d = Json::object();
  d["lang"] = options_.lang;
  d["title"] = branding.name.empty() ? page.title : page.title + " - " + branding.name;
  d["stylesheets"] = options_.stylesheets;
  d["scripts"] = options_.scripts;
  std::string style = isCssHexColor(branding.color) ? ":root{--brand:" + branding.color + "}" : "";
  style += options_.css;
  // An empty string would still open a mustache section: leave the key out instead.
  if (!style.empty()) d["style"] = style;
  if (!branding.logoUrl.empty()) d["logo"] = branding.logoUrl;
  d["name"] = branding.name;
  d["messages"] = Json::array();
  for (const Message& m : page.messages) {
    bool error = m.kind == Message::Kind::kError;
    d["messages"].push_back({{"class", error ? "error" : "ok"}, {"role", error ? "alert" : "status"}, {"text", m.text}});
  }
  d["body"] = page.body;
  if (!options_.footerLinks.empty()) {
    Json links = Json::array();
    for (const auto& [href, text] : options_.footerLinks)
      links.push_back({{"first", links.empty()}, {"href", href}, {"text", text}});
    d["footer"] = {{"links", links}};
  }
  Result<std::string> out = templates_->render("frame", d);
  return out.isOk() ? *out + "\n" : std::string();  // a document ends with its newline
}

HttpResponse Frame::render(const Page& page, const Branding& branding, HttpResponse base) const {
  base.status = page.status;
  base.contentType = "text/html; charset=utf-8";
  base.body = html(page, branding);
  base.headers.emplace_back("Cache-Control", "no-store");
  base.headers.emplace_back("X-Frame-Options", "DENY");
  base.headers.emplace_back("Referrer-Policy", "no-referrer");
  base.headers.emplace_back("Content-Security-Policy", options_.contentSecurityPolicy);
  return base;
}

HttpResponse redirect(int status, const std::string& url, const std::string& linkText) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Location", url);
  r.body = "<a href=\"" + htmlEscape(url) + "\">" + htmlEscape(linkText) + "</a>\n";
  r.contentType = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace core::web
