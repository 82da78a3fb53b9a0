// The page frame every web surface shares (captive portal, technician UI, console, self-care):
// one HTML document per page with the surface's branding (name, logo, accent colour), a place for
// messages, the page's own HTML, a footer; phone-first (viewport meta); no external assets (styles
// inline or from the surface's own Assets); headers that forbid framing, referrers and caching.
//
// The frame is a template (templates/frame.mustache, embedded in the binary). Page bodies come from
// each surface's own templates; everything a person typed is escaped by them (core::htmlEscape).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/http_server.h"
#include "core/web/template.h"

namespace core::web {

// Whose pages these are. Set by the surface from its configuration.
struct Branding {
  std::string name;     // in the header and after the page title ("Log in - Harbour Cafe")
  std::string logoUrl;  // an image on the surface's own origin ("/logo"); empty: none
  std::string color;    // "#rrggbb" (or #rgb, #rrggbbaa): the CSS variable --brand; anything else ignored
};

struct Message {
  enum class Kind { kError, kOk };
  Kind kind = Kind::kError;
  std::string text;  // plain text

  static Message error(std::string text) { return {Kind::kError, std::move(text)}; }
  static Message ok(std::string text) { return {Kind::kOk, std::move(text)}; }
};

struct Page {
  std::string title;              // plain text
  std::string body;               // HTML, from a template
  std::vector<Message> messages;  // above the body: errors as role=alert, the others role=status
  int status = 200;
};

struct FrameOptions {
  std::string lang = "en";
  std::string css;                       // the surface's inline stylesheet (trusted, from the binary)
  std::vector<std::string> stylesheets;  // URLs of the surface's own stylesheets
  std::vector<std::string> scripts;      // URLs of the surface's own scripts (deferred)
  std::vector<std::pair<std::string, std::string>> footerLinks;  // (href, text)
  // Nothing from elsewhere, no script unless the surface allows its own.
  std::string contentSecurityPolicy =
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'";
};

class Frame {
 public:
  explicit Frame(FrameOptions options);
  ~Frame();

  const FrameOptions& options() const { return options_; }
  // The whole document.
  std::string html(const Page& page, const Branding& branding) const;
  // The document as a response: `base` may carry headers already (Set-Cookie); status, type and
  // body are the page's; Cache-Control no-store, X-Frame-Options DENY, Referrer-Policy no-referrer
  // and the Content-Security-Policy are added.
  HttpResponse render(const Page& page, const Branding& branding, HttpResponse base = {}) const;

 private:
  FrameOptions options_;
  std::unique_ptr<Templates> templates_;
};

// Whether `color` is #rgb, #rrggbb or #rrggbbaa (what may go into the page's CSS).
bool isCssHexColor(const std::string& color);

// A redirect (302, 303, 307) to `url` with a small HTML body linking to it, not cached.
HttpResponse redirect(int status, const std::string& url, const std::string& linkText);

}  // namespace core::web
