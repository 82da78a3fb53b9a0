// The operator commands as the table dispatches them to the services: every declared command is
// bound, roles are the table's (each spec's roles, ADR 0028), and a tenant caller without a tenant is refused
// rather than taken for the platform.
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {
}

TEST_GROUP(OperatorCommands){};

TEST(OperatorCommands, EveryCommandButMgmtdsOwnIsBound) {
  Fixture f;
  STRCMP_EQUAL("status, shutdown", f.table->unbound().c_str());
}

TEST(OperatorCommands, RolesAndScopes) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  core::ControlReply noTenant = f.table->call(core::command::Caller{"tenant-admin", "", "test"}, "tenant-list", Json::object());
  CHECK_TRUE(noTenant.code == core::Code::kPermissionDenied);
  // Local root (the control socket) is the platform.
  core::ControlReply root = f.table->call(core::command::Caller::root(), "tenant-list", Json::object());
  CHECK_EQUAL(1u, root.arguments.size());
  core::ControlReply tenant = f.table->call(core::command::Caller{"tenant-admin", a, "test"}, "tenant-set",
                                            Json{{"tenant", a}, {"tier", "free"}});
  CHECK_TRUE(tenant.code == core::Code::kPermissionDenied);
  core::ControlReply unknown = f.call("tenant-frobnicate", Json::object());
  CHECK_EQUAL(core::kControlUnsupported, unknown.result);
}
