#include "core/web/assets.h"

#include <cctype>
#include <optional>

#include "core/pki.h"

namespace core::web {

namespace {

// Whether an If-None-Match value ("*", or entity tags separated by commas, each maybe W/) names
// `etag` (weak comparison, RFC 9110 8.8.3.2).
bool etagListMatches(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string::npos) comma = header.size();
    size_t b = pos, e = comma;
    while (b < e && (header[b] == ' ' || header[b] == '\t')) ++b;
    while (e > b && (header[e - 1] == ' ' || header[e - 1] == '\t')) --e;
    std::string tag = header.substr(b, e - b);
    if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
    if (tag == "*" || tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

const EmbeddedFile* EmbeddedFiles::find(const std::string& path) const {
  for (const EmbeddedFile& f : *this)
    if (path == f.path) return &f;
  return nullptr;
}

std::string EmbeddedFiles::text(const std::string& path) const {
  const EmbeddedFile* f = find(path);
  return f == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(f->data), f->size);
}

std::string contentTypeFor(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},    {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".svg", "image/svg+xml"},                 {".png", "image/png"},
      {".jpg", "image/jpeg"},                    {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},                  {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},     {".mustache", "text/plain; charset=utf-8"},
  };
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    std::string ext = path.substr(dot);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [e, type] : kTypes)
      if (ext == e) return type;
  }
  return "application/octet-stream";
}

void Assets::add(const std::string& urlPath, std::string bytes, AssetOptions options) {
  auto a = std::make_shared<Asset>();
  a->etag = "\"" + core::pki::sha256Hex(bytes).substr(0, 16) + "\"";
  a->bytes = std::move(bytes);
  if (options.contentType.empty()) options.contentType = contentTypeFor(urlPath);
  a->options = std::move(options);
  assets_[urlPath] = std::move(a);
}

void Assets::addEmbedded(const std::string& urlPrefix, const EmbeddedFiles& files, const AssetOptions& options) {
  for (const EmbeddedFile& f : files)
    add(urlPrefix + f.path, std::string(reinterpret_cast<const char*>(f.data), f.size), options);
}

std::optional<HttpResponse> Assets::respond(const HttpRequest& request) const {
  auto it = assets_.find(request.path);
  if (it == assets_.end()) return std::nullopt;
  return respond(*it->second, request);
}

HttpResponse Assets::respond(const Asset& a, const HttpRequest& request) {
  HttpResponse r;
  r.contentType = a.options.contentType;
  r.headers.emplace_back("Cache-Control", a.options.cacheControl);
  r.headers.emplace_back("ETag", a.etag);
  for (const auto& h : a.options.headers) r.headers.push_back(h);
  // If-None-Match: a list of entity tags or "*" (RFC 9110 13.1.2); weak comparison for GET.
  auto inm = request.headers.find("if-none-match");
  if (inm != request.headers.end()) {
    if (etagListMatches(inm->second, a.etag)) {
      r.status = 304;
      return r;
    }
  }
  r.body = a.bytes;
  return r;
}

void Assets::addRoutes(HttpServer& server) const {
  for (const auto& [path, asset] : assets_) {
    std::shared_ptr<const Asset> a = asset;
    server.route("GET", path, [a](const HttpRequest& request) { return respond(*a, request); });
  }
}

}  // namespace core::web
