// Static files served from the binary (templates, stylesheets, scripts, images): nothing is fetched
// from elsewhere, so every page works with the WAN down and the files a page gets are the ones it
// was built with.
//
// Files in the source tree are embedded at build time by edge_embed_files() (core/web/embed.cmake):
// it generates a function returning EmbeddedFiles. Files known only at run time (an operator's logo)
// are added as bytes. Either way a response carries a strong ETag (a digest of the bytes) and a
// Cache-Control, so a browser keeps the file and revalidates it with If-None-Match (304).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/http_server.h"

namespace core::web {

struct EmbeddedFile {
  const char* path;            // relative to the folder it was embedded from: "frame.mustache"
  const unsigned char* data;   // followed by a NUL byte that `size` does not count
  size_t size;
};

struct EmbeddedFiles {
  const EmbeddedFile* files = nullptr;
  size_t count = 0;

  const EmbeddedFile* begin() const { return files; }
  const EmbeddedFile* end() const { return files + count; }
  // The file's bytes, or nullptr.
  const EmbeddedFile* find(const std::string& path) const;
  // The file's bytes as a string; "" when there is no such file.
  std::string text(const std::string& path) const;
};

// "text/css; charset=utf-8", "image/png", ... by the name's extension; application/octet-stream
// for an unknown one.
std::string contentTypeFor(const std::string& path);

struct AssetOptions {
  std::string contentType;                      // "": contentTypeFor(url path)
  std::string cacheControl = "max-age=86400";  // a day, then revalidated by ETag
  std::vector<std::pair<std::string, std::string>> headers;  // more, e.g. a Content-Security-Policy
};

// The files a server serves, by URL path. Filled before the server starts; read-only afterwards.
class Assets {
 public:
  void add(const std::string& urlPath, std::string bytes, AssetOptions options = {});
  // Every file at urlPrefix + its path ("/static/" + "pico.css").
  void addEmbedded(const std::string& urlPrefix, const EmbeddedFiles& files, const AssetOptions& options = {});

  bool has(const std::string& urlPath) const { return assets_.count(urlPath) != 0; }
  // 200 with the bytes, or 304 when If-None-Match names the current ETag; nullopt for an unknown path.
  std::optional<HttpResponse> respond(const HttpRequest& request) const;
  // A GET route per file (the routes keep their own copy of the bytes).
  void addRoutes(HttpServer& server) const;

 private:
  struct Asset {
    std::string bytes;
    std::string etag;  // "\"<16 hex digits of SHA-256>\""
    AssetOptions options;
  };
  static HttpResponse respond(const Asset& asset, const HttpRequest& request);
  std::map<std::string, std::shared_ptr<const Asset>> assets_;
};

}  // namespace core::web
