// The console's Imports page (issue 30, ADR 0049): the tenant's import batches (source, when, what
// each added, its state) and, for a batch that is applied, the button that rolls it back. Reads and
// the rollback are import-list and import-rollback of mgmtd's table, called with the visitor's
// caller like every page (the tenant's own batches only; a platform person names the tenant). The
// rollback's answer (what was removed, what stayed because it changed since) is shown on the page.
//
// The dry run from a file (issue 30): a users file or a User Manager export uploaded as
// multipart/form-data (its own body limit, the CSRF token read from the parsed parts, as the logo's)
// is mapped with the importer library in a private temporary file removed at once, and its rows go
// through import-apply with dry-run in chunks with the visitor's caller (the role, the tenant and
// the tier's cap decided by the command layer, nothing written): the page shows the risk report
// (counts, password forms and the methods they keep, what does not map and why, per-subscriber
// warnings) and what the tenant would get. No password or hash is shown or logged; an error names
// the field. Applying is still `mgmtctl import` (docs/migration.md).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <map>

#include "core/web/form.h"
#include "core/web/multipart.h"
#include "import/file_sources.h"
#include "import/mapping.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"
#include "mgmt/importing/import_service.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

constexpr size_t kUploadMaxBytes = 4 * 1024 * 1024;
constexpr size_t kShownRows = 100;  // per-subscriber rows and warnings shown on the page
// The sources a single uploaded file holds.
const char* const kUploadSources[] = {"freeradius-users", "mikrotik-um"};

bool uploadSource(const std::string& name) {
  for (const char* s : kUploadSources)
    if (name == s) return true;
  return false;
}

// The uploaded bytes mapped by the source's reader, through a private temporary file removed at once;
// an error without the temporary path ("line 3: ...").
core::Result<importer::ImportPlan> mapUpload(const std::string& source, const std::string& bytes,
                                             const importer::MapOptions& options) {
  const importer::FileSource* reader = importer::findFileSource(source);
  if (reader == nullptr) return core::invalidArgument("source: not one of the sources a file holds");
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/mgmt-import-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return core::Status(core::Code::kInternal, "could not hold the upload");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  core::Result<importer::ImportPlan> plan =
      done == bytes.size() ? reader->read(path, options) : core::Status(core::Code::kInternal, "could not hold the upload");
  ::unlink(path.c_str());
  if (!plan.isOk()) {
    std::string m = plan.status().message();
    if (m.rfind(path + ": ", 0) == 0) m = m.substr(path.size() + 2);
    for (size_t at; (at = m.find(path)) != std::string::npos;) m.replace(at, path.size(), "the file");
    return core::invalidArgument("file: " + m);
  }
  return plan;
}

}  // namespace

core::web::MultipartLimits Console::importFormLimits() {
  core::web::MultipartLimits limits;
  limits.maxParts = 8;  // csrf, tenant, source, default-plan, currency, file (and room)
  limits.maxHeaderBytes = 1024;
  limits.maxFieldBytes = 256;
  limits.maxFileBytes = kUploadMaxBytes;
  limits.maxBodyBytes = kUploadMaxBytes + 16 * 1024;
  return limits;
}

HttpResponse Console::importsPage(const HttpRequest& r, const Visitor& v, std::vector<Message> messages, int status,
                                  Json form) {
  const std::string tenant = tenantOf(r, v);
  core::ControlReply list = run(v, "import-list", tenantArgs(r, v));
  if (!list.ok()) return refuse(v, list);
  const bool mayRollBack = may(v, "import-rollback");
  Json rows = Json::array();
  for (const Json& b : list.arguments) {
    const bool applied = text(b, "state") == "applied";
    rows.push_back({{"batch", text(b, "batch")},
                    {"source", text(b, "source")},
                    {"state", applied ? "applied" : "rolled back " + minuteUtc(number(b, "rolled-back"))},
                    {"created", minuteUtc(number(b, "created"))},
                    {"plans", text(b, "plans")},
                    {"subscribers", text(b, "subscribers")},
                    {"customers", text(b, "customers")},
                    {"rollback", applied && mayRollBack}});
  }
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"tenant_arg", tenant.empty() ? "TENANT" : tenant},
            {"rows", rows},
            {"none", rows.empty()},
            {"may_roll_back", mayRollBack}};
  // The dry-run form, with what was posted and the errors next to their fields.
  const Json values = form.is_object() ? form.value("values", Json::object()) : Json::object();
  const Json errors = form.is_object() ? form.value("errors", Json::object()) : Json::object();
  Json sources = Json::array();
  for (const char* s : kUploadSources)
    sources.push_back({{"name", s}, {"selected", text(values, "source") == s}});
  data["may_import"] = may(v, "import-apply");
  data["sources"] = sources;
  data["source_error"] = text(errors, "source");
  data["has_source_error"] = !text(errors, "source").empty();
  data["file_input"] = core::web::renderField(core::web::Field{
      "file", "imp-file", "Source file", "file", "", text(errors, "file"), {{"aria-describedby", "imp-file-help"}}});
  data["default_plan_input"] = core::web::renderField(core::web::Field{
      "default-plan", "imp-default-plan", "Default plan (optional)", "text", text(values, "default-plan"),
      text(errors, "default-plan"), {{"aria-describedby", "imp-default-plan-help"}, {"maxlength", "64"}}});
  data["currency_input"] = core::web::renderField(core::web::Field{
      "currency", "imp-currency", "Currency of prices (optional)", "text", text(values, "currency"),
      text(errors, "currency"), {{"maxlength", "3"}, {"aria-describedby", "imp-currency-help"}}});
  if (form.is_object() && form.contains("report")) {
    data["report"] = form["report"];
    data["has_report"] = true;
  }
  return page(v, "imports", "Imports", data, std::move(messages), status);
}

HttpResponse Console::importDryRunPost(const HttpRequest& r) {
  std::optional<Visitor> v = visitor(r);
  if (!v) return signInFirst();
  auto refused = [&] { return formRefused(*v); };
  auto type = r.headers.find("content-type");
  const std::string boundary = core::web::multipartBoundary(type == r.headers.end() ? "" : type->second);
  if (boundary.empty()) return refused();
  // The page again for the tenant the form named, with the fields' errors.
  Json values = Json::object();
  auto again = [&](const std::string& tenant, Json errors, int status, Json report = nullptr) {
    HttpRequest back = r;
    back.query.clear();
    if (!tenant.empty()) back.query["tenant"] = tenant;
    Json form{{"values", values}, {"errors", errors}};
    std::vector<Message> said;
    if (!report.is_null()) form["report"] = std::move(report);
    else said.push_back(Message::error("No dry run: check the fields marked."));
    return importsPage(back, *v, std::move(said), status, std::move(form));
  };
  core::Result<core::web::MultipartForm> parsed = core::web::parseMultipart(r.body, boundary, importFormLimits());
  // A file past the limit: the body was not taken, so its CSRF token is not trusted either.
  if (!parsed.isOk() && parsed.status().code() == core::Code::kResourceExhausted)
    return again("", Json{{"file", "larger than 4 MiB: import it with mgmtctl import (docs/migration.md)"}}, 413);
  if (!parsed.isOk() || !csrf_.verifyForm(v->session.id, parsed->fields)) return refused();
  const auto& fields = parsed->fields;
  const std::string tenant = v->user.platform() ? field(fields, "tenant") : "";
  const std::string source = field(fields, "source");
  importer::MapOptions options;
  options.defaultPlan = field(fields, "default-plan");
  options.currency = field(fields, "currency");
  values = Json{{"source", source}, {"default-plan", options.defaultPlan}, {"currency", options.currency}};
  if (!uploadSource(source)) return again(tenant, Json{{"source", "choose the system the file comes from"}}, 400);
  if (!parsed->hasFile || parsed->file.bytes.empty())
    return again(tenant, Json{{"file", "choose the file to read"}}, 400);
  if (!options.currency.empty() &&
      (options.currency.size() != 3 || options.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos))
    return again(tenant, Json{{"currency", "three capital letters, such as EUR"}}, 400);
  core::Result<importer::ImportPlan> mapped = mapUpload(source, parsed->file.bytes, options);
  if (!mapped.isOk()) return again(tenant, Json{{"file", fieldOf(mapped.status().message(), {"file"}).second}}, 400);
  const importer::ImportPlan& plan = *mapped;

  // What the tenant would get: every chunk applied and rolled back by import-apply (as mgmtctl
  // import --dry-run does), with the visitor's caller.
  Json plans = Json::array();
  for (const importer::MappedPlan& p : plan.plans)
    if (p.subscribers > 0) plans.push_back(p.args);
  if (plans.size() > importing::kMaxPlansPerCall)
    return again(tenant, Json{{"file", "more than 1000 plans: split the source"}}, 400);
  std::vector<size_t> rows;
  for (size_t i = 0; i < plan.subscribers.size(); ++i)
    if (plan.subscribers[i].importable) rows.push_back(i);
  const std::string batch = importer::newBatchId();
  int64_t plansAdded = 0, plansKept = 0, added = 0, already = 0, capRefused = 0, customersAdded = 0, before = 0,
          cap = 0;
  Json refusedRows = Json::array();
  size_t sent = 0;
  bool first = true;
  do {
    Json args{{"batch", batch}, {"source", plan.source}, {"dry-run", true}, {"plans", plans}};
    if (!tenant.empty()) args["tenant"] = tenant;
    Json part = Json::array();
    const size_t end = std::min(rows.size(), sent + importing::kMaxSubscribersPerCall);
    for (size_t i = sent; i < end; ++i) {
      const importer::MappedSubscriber& s = plan.subscribers[rows[i]];
      Json row = s.args;
      row["line"] = s.line;
      if (!s.customer.empty()) row["customer"] = s.customer;
      part.push_back(std::move(row));
    }
    args["subscribers"] = std::move(part);
    core::ControlReply reply = run(*v, "import-apply", args);
    if (!reply.ok()) {
      const int code = core::command::httpStatus(core::command::publicCode(reply.code));
      if (code != 400) return refuse(*v, reply);
      return again(tenant, Json{{"file", reply.text}}, 400);
    }
    const Json& a = reply.arguments;
    if (first) {
      plansAdded = number(a, "plans-added");
      plansKept = number(a, "plans-kept");
      before = number(a, "subscribers-before");
      cap = number(a, "subscriber-cap");
    }
    added += number(a, "added");
    already += number(a, "already-there");
    capRefused += number(a, "cap-refused");
    customersAdded += number(a, "customers-added");
    if (a.contains("refused") && a["refused"].is_array())
      for (const Json& x : a["refused"])
        if ((first || !x.contains("plan")) && refusedRows.size() < kShownRows)
          refusedRows.push_back({{"what", x.contains("plan") ? "plan " + text(x, "plan")
                                                             : text(x, "username") + " (line " + text(x, "line") + ")"},
                                 {"error", text(x, "error")}});
    sent = end;
    first = false;
  } while (sent < rows.size());
  if (cap > 0 && before + added > cap) {  // each rolled-back chunk saw the tenant as it was
    capRefused += before + added - cap;
    added = cap - before > 0 ? cap - before : 0;
  }

  // The risk report, without any password or hash (the report's subscribers carry none).
  const Json j = importer::reportJson(plan);
  const Json& counts = j["counts"];
  Json forms = Json::array(), unsupported = Json::array(), warnings = Json::array(), subscribers = Json::array();
  for (const auto& [form, n] : j["password-forms"].items()) forms.push_back({{"form", form}, {"count", n}});
  for (const auto& [attr, n] : j["unsupported-attributes"].items())
    unsupported.push_back({{"attribute", attr}, {"count", n}});
  for (const Json& w : j["warnings"])
    if (warnings.size() < kShownRows) warnings.push_back(w);
  size_t flagged = 0;
  for (const Json& s : j["subscribers"]) {
    const bool importable = s.value("importable", false);
    if (importable && s["warnings"].empty()) continue;
    ++flagged;
    if (subscribers.size() >= kShownRows) continue;
    std::string notes;
    if (!importable) notes = "not imported: " + text(s, "refusal");
    for (const Json& w : s["warnings"]) notes += (notes.empty() ? "" : "; ") + w.get<std::string>();
    std::string methods;
    for (const Json& m : s["methods"]) methods += (methods.empty() ? "" : ", ") + m.get<std::string>();
    subscribers.push_back({{"username", text(s, "username")},
                           {"line", text(s, "line")},
                           {"form", text(s, "password-form")},
                           {"methods", methods},
                           {"notes", notes}});
  }
  const std::string file = parsed->file.filename.empty() ? "the file" : parsed->file.filename;
  Json report{{"file", file},
              {"source", plan.source},
              {"entries", number(counts, "entries")},
              {"importable", number(counts, "importable")},
              {"not_importable", number(counts, "not-importable")},
              {"with_warnings", number(counts, "with-warnings")},
              {"plans", number(counts, "plans")},
              {"forms", forms},
              {"unsupported", unsupported},
              {"has_unsupported", !unsupported.empty()},
              {"warnings", warnings},
              {"has_warnings", !warnings.empty()},
              {"more_warnings", j["warnings"].size() - warnings.size()},
              {"has_more_warnings", j["warnings"].size() > warnings.size()},
              {"subscribers", subscribers},
              {"has_subscribers", !subscribers.empty()},
              {"more_subscribers", flagged - subscribers.size()},
              {"has_more_subscribers", flagged > subscribers.size()},
              {"plans_added", plansAdded},
              {"plans_kept", plansKept},
              {"added", added},
              {"already", already},
              {"cap_refused", capRefused},
              {"cap", cap > 0 ? " of " + std::to_string(cap) : std::string()},
              {"customers_added", customersAdded},
              {"refused", refusedRows},
              {"has_refused", !refusedRows.empty()}};
  return again(tenant, Json::object(), 200, std::move(report));
}

HttpResponse Console::importsPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args{{"batch", field(form, "batch")}};
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "import-rollback", args);
  // The page again, for the tenant the form named (a tenant's own, whatever it posted).
  HttpRequest again = r;
  again.query.clear();
  if (!tenant.empty()) again.query["tenant"] = tenant;
  if (!reply.ok()) {
    const int status = core::command::httpStatus(core::command::publicCode(reply.code));
    if (status != 400 && status != 409) return refuse(v, reply);
    return importsPage(again, v, {Message::error("Not rolled back: " + reply.text)}, status);
  }
  const Json& a = reply.arguments;
  std::string said = "Batch " + text(a, "batch") + " rolled back: " + text(a, "subscribers-removed") +
                     " subscribers, " + text(a, "customers-removed") + " customers and " + text(a, "plans-removed") +
                     " plans removed.";
  if (a.value("subscribers-left", 0) > 0 || a.value("customers-left", 0) > 0)
    said += " Kept because they changed since the import: " + text(a, "subscribers-left") + " subscribers, " +
            text(a, "customers-left") + " customers.";
  if (a.contains("plans-kept") && a["plans-kept"].is_array() && !a["plans-kept"].empty()) {
    said += " Plans kept because other subscribers are on them:";
    for (const Json& p : a["plans-kept"]) said += " " + text(p, "plan") + " (" + text(p, "subscribers") + ")";
    said += ".";
  }
  return importsPage(again, v, {Message::ok(said)}, 200);
}

}  // namespace mgmt::console
