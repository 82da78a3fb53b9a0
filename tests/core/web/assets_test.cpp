#include "core/web/assets.h"

#include <string>

#include "core/http_server.h"
#include "core/web/embedded_files.h"
#include "tests/support/http_test_client.h"

#include <CppUTest/TestHarness.h>

using core::HttpRequest;
using core::HttpResponse;
using core::web::AssetOptions;
using core::web::Assets;

namespace {

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

HttpRequest get(const std::string& path, const std::string& ifNoneMatch = "") {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  if (!ifNoneMatch.empty()) r.headers["if-none-match"] = ifNoneMatch;
  return r;
}

}  // namespace

TEST_GROUP(WebAssets){};

TEST(WebAssets, ContentTypes) {
  STRCMP_EQUAL("text/css; charset=utf-8", core::web::contentTypeFor("/static/pico.min.css").c_str());
  STRCMP_EQUAL("text/javascript; charset=utf-8", core::web::contentTypeFor("htmx.js").c_str());
  STRCMP_EQUAL("image/svg+xml", core::web::contentTypeFor("logo.SVG").c_str());
  STRCMP_EQUAL("image/png", core::web::contentTypeFor("a.png").c_str());
  STRCMP_EQUAL("application/octet-stream", core::web::contentTypeFor("a.css/readme").c_str());
  STRCMP_EQUAL("application/octet-stream", core::web::contentTypeFor("noext").c_str());
}

TEST(WebAssets, ServedWithCachingHeaders) {
  Assets assets;
  assets.add("/static/app.css", "body{color:red}");
  CHECK_TRUE(assets.has("/static/app.css"));
  std::optional<HttpResponse> r = assets.respond(get("/static/app.css"));
  CHECK_TRUE(r.has_value());
  LONGS_EQUAL(200, r->status);
  STRCMP_EQUAL("body{color:red}", r->body.c_str());
  STRCMP_EQUAL("text/css; charset=utf-8", r->contentType.c_str());
  STRCMP_EQUAL("max-age=86400", header(*r, "Cache-Control").c_str());
  std::string etag = header(*r, "ETag");
  LONGS_EQUAL(18, etag.size());  // "16 hex digits"
  CHECK(etag.front() == '"' && etag.back() == '"');
  CHECK_FALSE(assets.respond(get("/static/other.css")).has_value());

  // Revalidation: the same bytes are 304 without a body; anything else is the file again.
  for (const std::string& inm : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    std::optional<HttpResponse> again = assets.respond(get("/static/app.css", inm));
    LONGS_EQUAL(304, again->status);
    STRCMP_EQUAL("", again->body.c_str());
    STRCMP_EQUAL(etag.c_str(), header(*again, "ETag").c_str());
  }
  for (const std::string& inm : {std::string("\"0000000000000000\""), etag.substr(1, 16), std::string("\"*\"")}) {
    LONGS_EQUAL(200, assets.respond(get("/static/app.css", inm))->status);
  }
  // New bytes, a new ETag.
  assets.add("/static/app.css", "body{color:blue}");
  CHECK(header(*assets.respond(get("/static/app.css")), "ETag") != etag);
}

TEST(WebAssets, OptionsAndEmbeddedFiles) {
  Assets assets;
  AssetOptions o;
  o.contentType = "image/svg+xml";
  o.cacheControl = "public, max-age=31536000, immutable";
  o.headers = {{"Content-Security-Policy", "default-src 'none'; sandbox"}};
  assets.add("/logo", "<svg/>", o);
  HttpResponse r = *assets.respond(get("/logo"));
  STRCMP_EQUAL("image/svg+xml", r.contentType.c_str());
  STRCMP_EQUAL("public, max-age=31536000, immutable", header(r, "Cache-Control").c_str());
  STRCMP_EQUAL("default-src 'none'; sandbox", header(r, "Content-Security-Policy").c_str());

  core::web::EmbeddedFiles files = core::web::coreWebFiles();
  const core::web::EmbeddedFile* frame = files.find("frame.mustache");
  CHECK(frame != nullptr);
  CHECK(frame->data[frame->size] == 0);  // NUL after the bytes
  CHECK(files.text("frame.mustache").rfind("<!DOCTYPE html>", 0) == 0);
  STRCMP_EQUAL("", files.text("nothing").c_str());
  assets.addEmbedded("/t/", files);
  CHECK_TRUE(assets.has("/t/frame.mustache"));
  CHECK_TRUE(assets.has("/t/csrf.mustache"));
  STRCMP_EQUAL(files.text("csrf.mustache").c_str(), assets.respond(get("/t/csrf.mustache"))->body.c_str());
}

TEST(WebAssets, RoutesOnAServer) {
  Assets assets;
  assets.add("/static/app.js", "console.log(1)");
  core::HttpServer server(core::HttpServerOptions{});
  assets.addRoutes(server);
  CHECK_TRUE(server.start().isOk());
  testing_http::Reply r = testing_http::request(server.port(), "GET", "/static/app.js");
  LONGS_EQUAL(200, r.status);
  STRCMP_EQUAL("console.log(1)", r.body.c_str());
  // The server adds no "no-store" next to the asset's own Cache-Control.
  STRCMP_EQUAL("max-age=86400", r.headers["cache-control"].c_str());
  testing_http::Reply again =
      testing_http::request(server.port(), "GET", "/static/app.js", "", {{"If-None-Match", r.headers["etag"]}});
  LONGS_EQUAL(304, again.status);
  server.stop();
}
