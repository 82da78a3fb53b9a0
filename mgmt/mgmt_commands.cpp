#include "mgmt/mgmt_commands.h"

#include "catalog/plan.h"
#include "catalog/subscriber.h"

namespace mgmt {

using core::command::Arg;
using core::command::boolean;
using core::command::command;
using core::command::integer;
using core::command::list;
using core::command::secret;
using core::command::Spec;
using core::command::text;

const std::vector<std::string>& mgmtRoles() {
  static const std::vector<std::string> roles = {"tenant", "platform"};
  return roles;
}

namespace {

// A tenant's token may leave `tenant` out (its own); the platform names one.
Arg tenant(bool required = false) { return text("tenant", required, 128); }

std::vector<Arg> with(std::vector<Arg> args, const std::vector<Arg>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

const std::vector<Spec>& mgmtCommandSpecs() {
  static const std::vector<Spec> specs = {
      command("status", "status", "", "whether mgmtd runs, its listeners, CA fingerprint and counts")
          .role("platform"),
      command("shutdown", "shutdown", "", "stop mgmtd cleanly").role("platform").action(),

      // Tenants and their licenses.
      command("tenant-add", "tenant add", "--name N --tier free|basic|premium|enterprise [--expires ISO8601] | --demo true [--name N]", "add a tenant (prints its id); --demo true: a 7-day demo with 3 plans, 50 subscribers, a month of usage")
          .args({text("name", false, 64), text("tier", false, 32), boolean("demo"), text("expires", false, 64)})
          .role("platform")
          .change(),
      command("tenant-list", "tenant list", "", "list tenants").role("tenant"),
      command("tenant-show", "tenant show", "T", "one tenant: tier, cap, features, counts, license")
          .args({tenant()})
          .positional("tenant")
          .role("tenant"),
      command("tenant-set", "tenant set", "--tenant T [--name N] [--tier TIER] [--expires ISO8601]", "change a tenant; a new tier or expiry issues a new license")
          .args({tenant(true), text("name", false, 64), text("tier", false, 32), text("expires", false, 64)})
          .role("platform")
          .change(),
      command("tenant-suspend", "tenant suspend", "T", "suspend a tenant: its boxes are refused (they keep serving offline)")
          .args({tenant(true)})
          .positional("tenant")
          .role("platform")
          .change(),
      command("tenant-resume", "tenant resume", "T", "resume a suspended tenant")
          .args({tenant(true)})
          .positional("tenant")
          .role("platform")
          .change(),
      command("license-show", "license show", "--tenant T", "the tenant's signed license")
          .args({tenant()})
          .positional("tenant")
          .role("tenant"),

      // Appliances.
      command("claim-create", "claim create", "--tenant T [--ttl 24h] [--uses 1]", "a claim token for `edgectl enroll TOKEN` (printed alone on its line)")
          .args({tenant(), text("ttl", false, 32), integer("uses").range(1, 100000)})
          .role("tenant")
          .change(),
      command("device-list", "device list", "[--tenant T]", "enrolled appliances and their last check-in").args({tenant()}).role("tenant"),
      command("device-show", "device show", "D", "one appliance with its reported state")
          .args({text("device", true, 64)})
          .positional("device")
          .role("tenant"),
      command("device-revoke", "device revoke", "D", "revoke an appliance's certificate; refused from the next request on")
          .args({text("device", true, 64)})
          .positional("device")
          .role("tenant")
          .change(),
      command("device-rekey", "device rekey", "D", "the appliance makes a new key at its next check-in; its old certificate is refused once the new one is used")
          .args({text("device", true, 64)})
          .positional("device")
          .role("tenant")
          .change(),

      // The tenant's catalog, for every box of the tenant.
      command("plan-add", "plan add", "--tenant T --name N --down RATE --up RATE [any edgectl plan add option]", "add a plan on every box of the tenant")
          .args(with({tenant()}, catalog::planArguments()))
          .role("tenant")
          .change(),
      command("plan-set", "plan set", "--tenant T --name N [any plan add option]", "change a plan")
          .args(with({tenant()}, catalog::planArguments()))
          .role("tenant")
          .change(),
      command("plan-list", "plan list", "--tenant T", "the tenant's plans").args({tenant()}).role("tenant"),
      command("plan-del", "plan del", "--tenant T --name N", "delete a plan no subscriber uses")
          .args({tenant(), text("name", true, 64)})
          .role("tenant")
          .change(),
      command("subscriber-add", "subscriber add", "--tenant T --username U --password P --plan N [--mac MAC] [--expires ISO8601] [--status S] [--static-ip IP]", "add a subscriber on every box of the tenant")
          .args(with({tenant()}, catalog::subscriberArguments()))
          .role("tenant")
          .change(),
      command("subscriber-set", "subscriber set", "--tenant T --username U [any subscriber add option]", "change a subscriber")
          .args(with({tenant()}, catalog::subscriberArguments()))
          .role("tenant")
          .change(),
      command("subscriber-del", "subscriber del", "--tenant T --username U", "delete a subscriber")
          .args({tenant(), text("username", true, 253)})
          .role("tenant")
          .change(),
      command("subscriber-list", "subscriber list", "--tenant T [--plan N] [--limit N] [--offset N]", "the tenant's subscribers (passwords are never shown)")
          .args({tenant(), text("plan", false, 64), integer("limit").range(1, 100000),
                 integer("offset").range(0, INT64_MAX)})
          .role("tenant"),

      // What the boxes report, and what mgmt asks of them.
      command("usage", "usage", "--tenant T [--user U]", "usage totals per subscriber as received from the boxes")
          .args({tenant(), text("user", false, 253)})
          .role("tenant"),
      command("session-list", "session list", "--tenant T [--user U] [--limit N]", "closed sessions as the boxes summed them up (uploaded with the usage)")
          .args({tenant(), text("user", false, 253), integer("limit").range(1, 100000)})
          .role("tenant"),
      command("session-disconnect", "session disconnect", "--tenant T --user U", "disconnect a subscriber on every box of the tenant (at their next check-in)")
          .args({tenant(), text("user", false, 253)})
          .role("tenant")
          .action(),
      command("command-list", "command list", "--tenant T", "commands sent to the boxes and their results")
          .args({tenant()})
          .role("tenant"),

      // Admin API tokens.
      command("token-create", "token create", "[--tenant T] [--name N] [--ttl 90d]", "an admin API bearer token, for the platform or one tenant (shown once; --ttl: it expires)")
          .args({tenant(), text("name", false, 64), text("ttl", false, 32)})
          .role("platform")
          .change(),
      command("token-list", "token list", "", "admin API tokens (never their secrets): state, expiry, last use")
          .role("platform"),
      command("token-revoke", "token revoke", "ID", "revoke an admin API token at once")
          .args({text("id", true, 64)})
          .positional("id")
          .role("platform")
          .change(),
      command("call", "call", "COMMAND [JSON-ARGUMENTS]", "send any control command (scripts, support)").cliOnly(),
  };
  return specs;
}

}  // namespace mgmt
