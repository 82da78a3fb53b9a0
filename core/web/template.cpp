#include "core/web/template.h"

#include <kainjow/mustache.hpp>

#include <set>

#include "core/html.h"

namespace core::web {

namespace {

using Data = kainjow::mustache::data;

Data toData(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      Data d;
      for (const auto& [k, v] : j.items()) d.set(k, toData(v));
      return d;
    }
    case Json::value_t::array: {
      Data l{Data::type::list};
      for (const Json& v : j) l.push_back(toData(v));
      return l;
    }
    case Json::value_t::string: return Data(j.get<std::string>());
    case Json::value_t::boolean: return Data(j.get<bool>());
    case Json::value_t::null:
    case Json::value_t::discarded: return Data(false);
    default: return Data(j.dump());  // numbers
  }
}

// The set's templates are the partials ({{> name}}), looked up by name rather than in the data (the
// library's default), so a data key never shadows a template. A name that is not in the set is
// remembered and reported after the render.
class SetContext : public kainjow::mustache::context<std::string> {
 public:
  SetContext(const Data* data, const std::map<std::string, Data>* partials)
      : kainjow::mustache::context<std::string>(data), partials_(partials) {}

  const Data* get_partial(const std::string& name) const override {
    auto it = partials_->find(name);
    if (it != partials_->end()) return &it->second;
    missing_.insert(name);
    return nullptr;
  }
  const std::set<std::string>& missing() const { return missing_; }

 private:
  const std::map<std::string, Data>* partials_;
  mutable std::set<std::string> missing_;
};

}  // namespace

struct Templates::Impl {
  std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> parsed;
  std::map<std::string, Data> partials;  // name -> its text
};

Templates::Templates() : impl_(std::make_unique<Impl>()) {}
Templates::~Templates() = default;

Status Templates::add(const std::string& name, const std::string& text) {
  auto t = std::make_unique<kainjow::mustache::mustache>(text);
  if (!t->is_valid()) return invalidArgument("template '" + name + "': " + t->error_message());
  t->set_custom_escape([](const std::string& s) { return htmlEscape(s); });
  std::lock_guard<std::mutex> lock(mu_);
  impl_->parsed[name] = std::move(t);
  impl_->partials[name] = Data(text);
  return Status::ok();
}

Status Templates::addFiles(const EmbeddedFiles& files) {
  const std::string ext = ".mustache";
  for (const EmbeddedFile& f : files) {
    std::string path = f.path;
    if (path.size() <= ext.size() || path.compare(path.size() - ext.size(), ext.size(), ext) != 0) continue;
    std::string text(reinterpret_cast<const char*>(f.data), f.size);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    Status s = add(path.substr(0, path.size() - ext.size()), text);
    if (!s.isOk()) return s;
  }
  return Status::ok();
}

bool Templates::has(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->parsed.count(name) != 0;
}

Result<std::string> Templates::render(const std::string& name, const Json& data) const {
  Data root = toData(data.is_object() ? data : Json::object());
  std::lock_guard<std::mutex> lock(mu_);  // the library's render is not const
  auto it = impl_->parsed.find(name);
  if (it == impl_->parsed.end()) return notFound("no template '" + name + "'");
  SetContext context(&root, &impl_->partials);
  std::string out = it->second->render(context);
  if (!context.missing().empty())
    return invalidArgument("template '" + name + "' includes '" + *context.missing().begin() + "', which is not in its set");
  if (!it->second->is_valid()) return invalidArgument("template '" + name + "': " + it->second->error_message());
  return out;
}

}  // namespace core::web
