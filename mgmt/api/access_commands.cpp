#include "mgmt/api/access_commands.h"

#include "core/command_args.h"

namespace mgmt::api {

using core::ControlReply;
using core::Json;
using access::Principal;

namespace {

using Serve = std::function<ControlReply(const Json& args, const Principal& actor)>;

// A tenant-level caller without a tenant is a bug of the door that made it: refused, never taken for
// the platform (as operator_commands.cpp's scoped()).
core::command::Table::Handler asPrincipal(Serve serve) {
  return [serve = std::move(serve)](const Json& args, const core::command::Caller& c) -> ControlReply {
    Principal p = access::principalOf(c);
    if (p.level != access::Level::kPlatform && c.scope.empty())
      return ControlReply::error(core::permissionDenied("a tenant caller without a tenant"));
    return serve(args, p);
  };
}

ControlReply personReply(const core::Result<access::Person>& p, const std::string& what) {
  if (!p.isOk()) return ControlReply::error(p.status());
  return ControlReply::success(what + " " + p->email + " (" + p->role + ", " + p->status + ")", access::personJson(*p));
}

}  // namespace

void bindAccessCommands(core::command::Table& table, access::AccessService& tokens, access::SignInService& people,
                        access::AuditLog& audit) {
  table.bind("token-create", asPrincipal([&tokens](const Json& a, const Principal& p) { return tokens.createToken(a, p); }));
  table.bind("token-list", asPrincipal([&tokens](const Json& a, const Principal& p) { return tokens.listTokens(a, p); }));
  table.bind("token-revoke", asPrincipal([&tokens](const Json& a, const Principal& p) { return tokens.revokeToken(a, p); }));

  table.bind("person-add", asPrincipal([&people](const Json& args, const Principal& p) -> ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string email, a.required("email"));
    EDGE_ASSIGN_OR_RETURN(std::string role, a.required("role"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tenant, a.text("tenant"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> password, a.text("password"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> partner, a.text("partner"));
    core::Result<access::Person> added =
        people.addPerson(email, name.value_or(""), role, tenant.value_or(""), password, p, partner.value_or(""));
    return personReply(added, password ? "added" : "invited (a link to set a password was mailed)");
  }));
  table.bind("person-list", asPrincipal([&people](const Json& args, const Principal& p) -> ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tenant, a.text("tenant"));
    EDGE_ASSIGN_OR_RETURN(std::vector<access::Person> list, people.people(tenant.value_or(""), p));
    Json out = Json::array();
    for (const access::Person& person : list) out.push_back(access::personJson(person));
    return ControlReply::success(std::to_string(list.size()) + " people", out);
  }));
  table.bind("person-set", asPrincipal([&people](const Json& args, const Principal& p) -> ControlReply {
    core::CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string email, a.required("email"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> role, a.text("role"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
    if (!role && !status) return ControlReply::error(core::invalidArgument("give --role or --status"));
    core::Result<access::Person> changed = core::notFound("");
    access::Person before;  // as they were, for the audit log's before state
    if (role) {
      changed = people.setRole(email, *role, p, &before);
      if (!changed.isOk()) return ControlReply::error(changed.status());
    }
    if (status) changed = people.setStatus(email, *status, p, &before);
    ControlReply reply = personReply(changed, "changed");
    if (reply.result == core::kControlSuccess) reply.arguments["before"] = access::personJson(before);
    return reply;
  }));

  table.bind("audit-search", asPrincipal([&audit](const Json& a, const Principal& p) { return audit.search(a, p); }));
  table.bind("audit-export", asPrincipal([&audit](const Json& a, const Principal& p) { return audit.exportCsv(a, p); }));
}

}  // namespace mgmt::api
