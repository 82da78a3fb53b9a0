#include "core/web/page.h"

#include <string>

#include <CppUTest/TestHarness.h>

using core::HttpResponse;
using core::web::Branding;
using core::web::Frame;
using core::web::FrameOptions;
using core::web::Message;
using core::web::Page;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string headerOf(const HttpResponse& r, const std::string& name) {
  std::string out;
  for (const auto& [n, v] : r.headers)
    if (n == name) out += (out.empty() ? "" : "\n") + v;
  return out;
}

}  // namespace

TEST_GROUP(WebPage){};

TEST(WebPage, DocumentWithBranding) {
  FrameOptions o;
  o.css = "body{margin:0}";
  o.footerLinks = {{"/terms", "Terms of use"}, {"/help", "Help & support"}};
  Frame frame(o);
  Page page;
  page.title = "Log in";
  page.body = "<section><h2>Body</h2></section>";
  std::string html = frame.html(page, Branding{"Harbour Cafe", "/logo", "#8a3b12"});
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
  CHECK(has(html, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"));
  CHECK(has(html, "<title>Log in - Harbour Cafe</title>"));
  CHECK(has(html, "<style>:root{--brand:#8a3b12}body{margin:0}</style>"));
  CHECK(has(html, "<header><img src=\"/logo\" alt=\"\"><h1>Harbour Cafe</h1></header>"));
  CHECK(has(html, "<section><h2>Body</h2></section>"));
  CHECK(has(html, "<footer><a href=\"/terms\">Terms of use</a> <a href=\"/help\">Help &amp; support</a></footer>"));
  CHECK(html.size() > 8 && html.compare(html.size() - 8, 8, "</html>\n") == 0);
  // Nothing is fetched from elsewhere.
  CHECK_FALSE(has(html, "http:"));
  CHECK_FALSE(has(html, "https:"));
}

TEST(WebPage, EverythingAVisitorOrOperatorTypedIsEscaped) {
  Frame frame{FrameOptions{}};
  Page page;
  page.title = "<script>t</script>";
  page.messages = {Message::error("<b>bad</b> & 'worse'"), Message::ok("saved \"it\"")};
  std::string html = frame.html(page, Branding{"Cafe <img src=x onerror=alert(1)>", "", "red;}</style><script>"});
  CHECK_FALSE(has(html, "<script>"));
  CHECK_FALSE(has(html, "<img src=x"));
  CHECK(has(html, "<title>&lt;script&gt;t&lt;/script&gt; - Cafe &lt;img src=x onerror=alert(1)&gt;</title>"));
  CHECK(has(html, "<p class=\"error\" role=\"alert\">&lt;b&gt;bad&lt;/b&gt; &amp; &#39;worse&#39;</p>"));
  CHECK(has(html, "<p class=\"ok\" role=\"status\">saved &quot;it&quot;</p>"));
  // A colour that is not #hex never reaches the stylesheet; without css there is no <style> at all.
  CHECK_FALSE(has(html, "--brand"));
  CHECK_FALSE(has(html, "<style>"));
  CHECK_FALSE(has(html, "<img"));  // no logo
  CHECK_FALSE(has(html, "<footer>"));
}

TEST(WebPage, MessagesComeBeforeTheBody) {
  Frame frame{FrameOptions{}};
  Page page;
  page.body = "<form>BODY</form>";
  page.messages = {Message::error("first")};
  std::string html = frame.html(page, Branding{"X", "", ""});
  CHECK(html.find("first") < html.find("BODY"));
  CHECK(html.find("</header>") < html.find("first"));
}

TEST(WebPage, ColourCheck) {
  CHECK_TRUE(core::web::isCssHexColor("#0b6e4f"));
  CHECK_TRUE(core::web::isCssHexColor("#abc"));
  CHECK_TRUE(core::web::isCssHexColor("#0b6e4fcc"));
  CHECK_FALSE(core::web::isCssHexColor("0b6e4f"));
  CHECK_FALSE(core::web::isCssHexColor("#0b6e4g"));
  CHECK_FALSE(core::web::isCssHexColor("red"));
  CHECK_FALSE(core::web::isCssHexColor("#12345"));
  CHECK_FALSE(core::web::isCssHexColor(""));
}

TEST(WebPage, ResponseHeaders) {
  FrameOptions o;
  o.stylesheets = {"/static/app.css"};
  o.scripts = {"/static/htmx.js"};
  o.contentSecurityPolicy = "default-src 'self'";
  Frame frame(o);
  Page page;
  page.title = "Missing";
  page.status = 404;
  HttpResponse base;
  base.headers.emplace_back("Set-Cookie", "s=1");
  HttpResponse r = frame.render(page, Branding{"X", "", ""}, base);
  LONGS_EQUAL(404, r.status);
  STRCMP_EQUAL("text/html; charset=utf-8", r.contentType.c_str());
  STRCMP_EQUAL("s=1", headerOf(r, "Set-Cookie").c_str());
  STRCMP_EQUAL("no-store", headerOf(r, "Cache-Control").c_str());
  STRCMP_EQUAL("DENY", headerOf(r, "X-Frame-Options").c_str());
  STRCMP_EQUAL("no-referrer", headerOf(r, "Referrer-Policy").c_str());
  STRCMP_EQUAL("default-src 'self'", headerOf(r, "Content-Security-Policy").c_str());
  CHECK(has(r.body, "<link rel=\"stylesheet\" href=\"/static/app.css\">"));
  CHECK(has(r.body, "<script src=\"/static/htmx.js\" defer></script>"));
  // The default policy allows nothing from elsewhere and no script at all.
  Frame plain{FrameOptions{}};
  STRCMP_EQUAL("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
               headerOf(plain.render(page, Branding{}), "Content-Security-Policy").c_str());
  STRCMP_EQUAL("<title>Missing</title>", plain.html(page, Branding{}).substr(plain.html(page, Branding{}).find("<title>"), 22).c_str());
}

TEST(WebPage, Redirect) {
  HttpResponse r = core::web::redirect(303, "http://10.0.0.1:8080/?a=\"b\"", "Continue");
  LONGS_EQUAL(303, r.status);
  STRCMP_EQUAL("http://10.0.0.1:8080/?a=\"b\"", headerOf(r, "Location").c_str());
  STRCMP_EQUAL("no-store", headerOf(r, "Cache-Control").c_str());
  STRCMP_EQUAL("<a href=\"http://10.0.0.1:8080/?a=&quot;b&quot;\">Continue</a>\n", r.body.c_str());
}
