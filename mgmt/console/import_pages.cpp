// The console's Imports page (issue 30, ADR 0049): the tenant's import batches (source, when, what
// each added, its state) and, for a batch that is applied, the button that rolls it back. Reads and
// the rollback are import-list and import-rollback of mgmtd's table, called with the visitor's
// caller like every page (the tenant's own batches only; a platform person names the tenant). The
// rollback's answer (what was removed, what stayed because it changed since) is shown on the page.
// Imports themselves are made with `mgmtctl import` (docs/migration.md).
#include <ctime>
#include <map>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

HttpResponse Console::importsPage(const HttpRequest& r, const Visitor& v, std::vector<Message> messages, int status) {
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
  return page(v, "imports", "Imports", data, std::move(messages), status);
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
