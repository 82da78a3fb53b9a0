// The console's Imports page (issue 30, ADR 0049, ADR 0075): the tenant's import batches (source,
// when, what each added, its state and progress) and, for a batch not rolled back, the button that
// rolls it back. Reads and the rollback are import-list and import-rollback of mgmtd's table, called
// with the visitor's caller like every page (the tenant's own batches only; a platform person names
// the tenant). The rollback's answer (what was removed, what stayed because it changed since) is
// shown on the page.
//
// A file (a users file or a User Manager export) uploaded as multipart/form-data (its own body
// limit, the CSRF token read from the parsed parts, as the logo's) is mapped with the importer
// library in a private temporary file removed at once. Then either:
//  - the dry run: its rows go through import-apply with dry-run, in chunks (importing::applyInChunks,
//    mgmtctl import's loop) with the visitor's caller (the role, the tenant and the tier's cap
//    decided by the command layer, nothing written): the page shows the risk report (counts,
//    password forms and the methods they keep, what does not map and why, per-subscriber warnings)
//    and what the tenant would get; or
//  - the import: the same loop applies them as a new batch in a background job (ImportJobs), with the
//    visitor's caller, and the answer is a redirect to the page of that batch (?batch=), which shows
//    rows done of total as mgmtd records them with each chunk, and looks again by itself (a Refresh
//    header, as the signup's progress: no script) until it is done; then what it added and refused.
// No password or hash is shown or logged; an error names the field.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>

#include "core/web/form.h"
#include "core/web/multipart.h"
#include "import/file_sources.h"
#include "import/mapping.h"
#include "mgmt/console/console.h"
#include "mgmt/console/import_jobs.h"
#include "mgmt/console/page_text.h"
#include "mgmt/importing/import_chunks.h"

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

// What an uploaded form gave: the tenant it named (a platform person's), the fields as typed, the
// file's name and the mapped plan.
struct Console::ImportUpload {
  std::string tenant;
  Json values = Json::object();
  std::string file;
  importer::ImportPlan plan;
};

namespace {

// An "applying" batch whose progress has not moved for this long has stopped (mgmtd was stopped or
// killed while applying it); the replica running it knows better (ImportJobs).
constexpr int64_t kImportStalledSeconds = 120;

// The background job of a batch, by the tenant as the visitor's pages name it and the batch.
std::string importJobKey(const std::string& tenant, const std::string& batch) { return tenant + "/" + batch; }

Json importRefusedRows(const Json& refused) {
  Json rows = Json::array();
  for (const Json& x : refused)
    rows.push_back({{"what", x.contains("plan") ? "plan " + text(x, "plan")
                                                : text(x, "username") + " (line " + text(x, "line") + ")"},
                    {"error", text(x, "error")}});
  return rows;
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
  const int64_t at = now();
  const std::string focus = query(r, "batch");
  Json rows = Json::array();
  Json focused;  // the batch of ?batch= as listed
  bool focusRunning = false;
  for (const Json& b : list.arguments) {
    const std::string id = text(b, "batch"), state = text(b, "state");
    const int64_t done = number(b, "rows-done"), total = number(b, "rows-total"), updated = number(b, "updated");
    std::optional<ImportJobs::View> job = importJobs_->find(importJobKey(tenant, id));
    const bool running =
        state == "applying" && ((job && job->running) || (!job && at - updated < kImportStalledSeconds));
    const std::string progress = std::to_string(done) + " of " + std::to_string(total) + " subscribers";
    std::string shown = state == "applied"       ? std::string("applied")
                        : state == "rolled-back" ? "rolled back " + minuteUtc(number(b, "rolled-back"))
                        : running                ? "importing: " + progress
                                                 : "stopped at " + progress + " (no progress since " +
                                                       minuteUtc(updated) + "): roll it back, or import the file again";
    Json row{{"batch", id},
             {"source", text(b, "source")},
             {"state", shown},
             {"created", minuteUtc(number(b, "created"))},
             {"plans", text(b, "plans")},
             {"subscribers", text(b, "subscribers")},
             {"customers", text(b, "customers")},
             {"running", running},
             {"done", done},
             {"total", total},
             {"rollback", state != "rolled-back" && mayRollBack}};
    if (id == focus) {
      focused = row;
      focusRunning = running;
    }
    rows.push_back(std::move(row));
  }
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"tenant_arg", tenant.empty() ? "TENANT" : tenant},
            {"rows", rows},
            {"none", rows.empty()},
            {"may_roll_back", mayRollBack}};
  // The batch an import from this console made (?batch=): its progress as mgmtd records it, and
  // what the job knows when this replica ran it (the sums, the refused rows, why it stopped).
  if (!focus.empty() && focus.size() <= 64) {
    std::optional<ImportJobs::View> job = importJobs_->find(importJobKey(tenant, focus));
    if (!focused.is_null() || job) {
      // A job done without a failure whose batch this read does not list yet is still recording it:
      // the page looks again rather than show a batch without its row (and its rollback button).
      const bool recording = job && !job->running && focused.is_null() && !job->outcome.failure && !job->outcome.stopped;
      const bool running = job ? job->running || recording : focusRunning;
      int64_t done = number(focused, "done"), total = number(focused, "total");
      if (job && (focused.is_null() || !job->running)) {
        done = static_cast<int64_t>(job->outcome.done);
        total = static_cast<int64_t>(job->outcome.total);
      }
      Json j{{"batch", focus},
             {"running", running},
             {"done", done},
             {"total", total},
             {"percent", total > 0 ? done * 100 / total : (running ? 0 : 100)},
             {"state", focused.is_null() ? std::string("starting") : text(focused, "state")},
             {"has_outcome", false}};
      if (job && !job->running) {
        const importing::ChunkOutcome& o = job->outcome;
        j["has_outcome"] = true;
        j["failed"] = o.failure.has_value() || o.stopped;
        j["failure"] = o.failure ? o.failure->text : o.stopped ? "mgmtd was stopping" : "";
        j["plans_added"] = o.plansAdded;
        j["plans_kept"] = o.plansKept;
        j["added"] = o.added;
        j["already"] = o.already;
        j["cap_refused"] = o.capRefused;
        j["not_importable"] = o.notImportable;
        j["customers_added"] = o.customersAdded;
        j["refused"] = importRefusedRows(o.refused);
        j["has_refused"] = !o.refused.empty();
        j["more_refused"] = o.refusedCount - o.refused.size();
        j["has_more_refused"] = o.refusedCount > o.refused.size();
      }
      data["job"] = j;
      data["has_job"] = true;
      focusRunning = running;
    }
  }
  // The upload form, with what was posted and the errors next to their fields.
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
  HttpResponse out = page(v, "imports", "Imports", data, std::move(messages), status);
  // The batch's page looks again by itself while it runs (a header, not a script: the CSP allows no
  // inline script, and the page works without any). Only that page: the form would lose its file.
  if (focusRunning) out.headers.emplace_back("Refresh", "2");
  return out;
}

HttpResponse Console::importFormAgain(const HttpRequest& r, const Visitor& v, const std::string& tenant,
                                      const Json& values, Json errors, int status, Json report) {
  HttpRequest back = r;
  back.query.clear();
  if (!tenant.empty()) back.query["tenant"] = tenant;
  Json form{{"values", values}, {"errors", std::move(errors)}};
  std::vector<Message> said;
  if (!report.is_null()) form["report"] = std::move(report);
  else said.push_back(Message::error(r.path == "/imports/apply" ? "Not imported: check the fields marked."
                                                                 : "No dry run: check the fields marked."));
  return importsPage(back, v, std::move(said), status, std::move(form));
}

std::optional<HttpResponse> Console::readImportUpload(const HttpRequest& r, const Visitor& v, ImportUpload& out) {
  auto type = r.headers.find("content-type");
  const std::string boundary = core::web::multipartBoundary(type == r.headers.end() ? "" : type->second);
  if (boundary.empty()) return formRefused(v);
  core::Result<core::web::MultipartForm> parsed = core::web::parseMultipart(r.body, boundary, importFormLimits());
  // A file past the limit: the body was not taken, so its CSRF token is not trusted either.
  if (!parsed.isOk() && parsed.status().code() == core::Code::kResourceExhausted)
    return importFormAgain(r, v, "", out.values,
                           Json{{"file", "larger than 4 MiB: import it with mgmtctl import (docs/migration.md)"}}, 413);
  if (!parsed.isOk() || !csrf_.verifyForm(v.session.id, parsed->fields)) return formRefused(v);
  const auto& fields = parsed->fields;
  out.tenant = v.user.platform() ? field(fields, "tenant") : "";
  const std::string source = field(fields, "source");
  importer::MapOptions options;
  options.defaultPlan = field(fields, "default-plan");
  options.currency = field(fields, "currency");
  out.values = Json{{"source", source}, {"default-plan", options.defaultPlan}, {"currency", options.currency}};
  auto again = [&](Json errors) { return importFormAgain(r, v, out.tenant, out.values, std::move(errors), 400); };
  if (!uploadSource(source)) return again(Json{{"source", "choose the system the file comes from"}});
  if (!parsed->hasFile || parsed->file.bytes.empty()) return again(Json{{"file", "choose the file to read"}});
  if (!options.currency.empty() &&
      (options.currency.size() != 3 || options.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos))
    return again(Json{{"currency", "three capital letters, such as EUR"}});
  core::Result<importer::ImportPlan> mapped = mapUpload(source, parsed->file.bytes, options);
  if (!mapped.isOk()) return again(Json{{"file", fieldOf(mapped.status().message(), {"file"}).second}});
  out.plan = std::move(*mapped);
  out.file = parsed->file.filename.empty() ? "the file" : parsed->file.filename;
  return std::nullopt;
}

HttpResponse Console::importDryRunPost(const HttpRequest& r) {
  std::optional<Visitor> v = visitor(r);
  if (!v) return signInFirst();
  ImportUpload upload;
  if (std::optional<HttpResponse> answered = readImportUpload(r, *v, upload)) return std::move(*answered);
  const importer::ImportPlan& plan = upload.plan;
  const std::string& tenant = upload.tenant;

  // What the tenant would get: every chunk applied and rolled back by import-apply (mgmtctl import
  // --dry-run's loop), with the visitor's caller.
  importing::ChunkOptions chunking;
  chunking.tenant = tenant;
  chunking.batch = importer::newBatchId();
  chunking.dryRun = true;
  chunking.keepRefused = kShownRows;
  const importing::ChunkOutcome o =
      importing::applyInChunks(plan, chunking, [&](const Json& args) { return run(*v, "import-apply", args); });
  if (o.failure) {
    const int code = core::command::httpStatus(core::command::publicCode(o.failure->code));
    if (code != 400) return refuse(*v, *o.failure);
    return importFormAgain(r, *v, tenant, upload.values, Json{{"file", o.failure->text}}, 400);
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
  Json report{{"file", upload.file},
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
              {"plans_added", o.plansAdded},
              {"plans_kept", o.plansKept},
              {"added", o.added},
              {"already", o.already},
              {"cap_refused", o.capRefused},
              {"cap", o.cap > 0 ? " of " + std::to_string(o.cap) : std::string()},
              {"customers_added", o.customersAdded},
              {"refused", importRefusedRows(o.refused)},
              {"has_refused", !o.refused.empty()}};
  return importFormAgain(r, *v, tenant, upload.values, Json::object(), 200, std::move(report));
}

HttpResponse Console::importApplyPost(const HttpRequest& r) {
  std::optional<Visitor> v = visitor(r);
  if (!v) return signInFirst();
  ImportUpload upload;
  if (std::optional<HttpResponse> answered = readImportUpload(r, *v, upload)) return std::move(*answered);
  // Who may, decided before anything runs: the role by the command table, the tenant by import-list
  // with the visitor's caller (another tenant's is not found); every chunk is checked again.
  Json scope = Json::object();
  if (!upload.tenant.empty()) scope["tenant"] = upload.tenant;
  if (!may(*v, "import-apply"))
    return refuse(*v, core::ControlReply::error(core::permissionDenied("import-apply: not allowed for this role")));
  core::ControlReply listed = run(*v, "import-list", scope);
  if (!listed.ok()) return refuse(*v, listed);
  const std::string tenantKey = v->user.platform() ? upload.tenant : v->user.tenantId;
  const std::string batch = importer::newBatchId();
  auto plan = std::make_shared<importer::ImportPlan>(std::move(upload.plan));
  const Visitor who = *v;
  std::string refused = importJobs_->start(
      importJobKey(tenantKey, batch), tenantKey,
      [this, plan, who, batch, tenant = upload.tenant](const std::function<bool(const importing::ChunkOutcome&)>& progress) {
        importing::ChunkOptions chunking;
        chunking.tenant = tenant;
        chunking.batch = batch;
        chunking.keepRefused = kShownRows;
        chunking.progress = progress;
        return importing::applyInChunks(*plan, chunking,
                                        [&](const Json& args) { return run(who, "import-apply", args); });
      });
  if (!refused.empty()) return importFormAgain(r, *v, upload.tenant, upload.values, Json{{"file", refused}}, 409);
  std::string to = "/imports?batch=" + core::web::urlEncode(batch);
  if (!upload.tenant.empty()) to += "&tenant=" + core::web::urlEncode(upload.tenant);
  return core::web::redirect(303, to, "See the import's progress");
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
