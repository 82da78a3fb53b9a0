// HTML templates: mustache (kainjow/mustache, Debian libkainjow-mustache-dev, header-only; ADR 0014).
// {{name}} is escaped with core::htmlEscape, {{{name}}} is inserted as it is (HTML made by us:
// another template's output, renderField, csrfInput); sections, inverted sections and lists as in
// the mustache spec; {{> other}} includes another template of the same set.
//
// core/web's own templates (coreWebFiles()) are "frame" (page.h) and "csrf", the hidden field of
// a form's CSRF token: {{> csrf}} with the token in the data as "csrf".
//
// The data is JSON (core::Json): objects, arrays, strings, booleans; numbers are written as JSON
// writes them; null is false. Only template.cpp includes the mustache header.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "core/web/assets.h"

namespace core::web {

// A named set of templates that may include each other. Thread-safe.
class Templates {
 public:
  Templates();
  ~Templates();
  Templates(const Templates&) = delete;
  Templates& operator=(const Templates&) = delete;

  // Adds (or replaces) a template; invalidArgument naming it when it does not parse.
  Status add(const std::string& name, const std::string& text);
  // Every NAME.mustache of `files` as the template NAME. A file's final newline is not part of its
  // template (so a partial ends where its text does).
  Status addFiles(const EmbeddedFiles& files);
  bool has(const std::string& name) const;
  // The template rendered with `data`: notFound for an unknown name, invalidArgument when an
  // included template is missing or does not parse.
  Result<std::string> render(const std::string& name, const Json& data) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
};

}  // namespace core::web
