// The command layer: every operation a person or a program can ask a daemon for is one Spec in the
// daemon's table, dispatched the same way whoever asks (the control socket today; the web UI and
// the HTTP APIs next). docs/decisions/0014-command-layer.md says why.
//
// Contract
// - A daemon declares its specs once (a function both the daemon and its CLI link, so `edgectl
//   help` and the daemon agree) and binds one handler per spec at startup. Binding a name that is
//   not declared, or leaving a spec without a handler, is a bug of ours (bind throws; complete()
//   names the missing ones).
// - Before a handler runs, dispatch decides, from the spec alone: the caller's role is enough,
//   the arguments are an object whose names are declared, required ones are present, each has its
//   declared shape (text within its length, integer within its range, boolean, list, object), so a
//   handler reads an integer without checking its range again. Then `before` (the
//   license gate) may refuse; after the handler, `after` sees the reply (sync reporting).
// - Every failure carries a core::Code. publicCode() folds the codes into the seven a client sees
//   (invalid-argument, not-found, conflict, permission-denied, failed-precondition, unavailable,
//   internal), and httpStatus()/exitStatus() map those for the HTTP APIs and the CLIs. Nothing is
//   decided by the wording of a message.
// - By default handlers run one at a time (edged's share the daemon's read connections); one that
//   waits on the network returns ControlReply::later(wait), and `wait` runs after it with no lock
//   held, so other commands answer meanwhile. A daemon whose handlers are safe on any number of
//   threads at once (mgmtd: each command is a unit of work on its own pooled connection) builds its
//   table with Handlers::kConcurrent: no lock at all, and its `before`/`after` hooks must then be
//   thread-safe too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace core {
struct ControlReply;
}

namespace core::command {

// The shape an argument must have. The CLI sends every flag as text, so integers and booleans are
// accepted as JSON numbers/booleans or as their text ("300", "yes").
enum class ArgType {
  kText,     // a string (a rate "10M" or a size "5GB" too: the handler reads its unit)
  kSecret,   // a string never echoed (passwords, shared secrets, passphrases)
  kInteger,  // a whole number
  kBoolean,  // true/false, yes/no, 1/0
  kList,     // a text or a list of texts (a repeated CLI flag)
  kRows,     // a list of objects (imports)
  kObject,   // any JSON object
};

struct Arg {
  std::string name;
  ArgType type = ArgType::kText;
  bool required = false;
  size_t maxLength = 4096;  // texts and each list item; rows: the number of rows
  int64_t min = INT64_MIN;  // integers: the range a value must be in, both ends included
  int64_t max = INT64_MAX;

  // The same integer argument limited to min..max: integer("limit").range(1, 100000).
  Arg range(int64_t lo, int64_t hi) const;
  // "1..100000", "0 or more", or "" for an argument of any value (the CLI's help shows it).
  std::string rangeText() const;
};

// Constructors that read well in a table: text("name", true), integer("limit").range(1, 100000).
Arg text(std::string name, bool required = false, size_t maxLength = 4096);
Arg secret(std::string name, bool required = false);
Arg integer(std::string name, bool required = false);
Arg boolean(std::string name);
Arg list(std::string name);
Arg rows(std::string name, size_t maxRows, bool required = true);
Arg object(std::string name);

struct Spec {
  std::string name;        // the control command: "subscriber-add"
  std::string words;       // what a person types in the CLI: "subscriber add"
  std::string usage;       // the CLI's argument synopsis: "--username U --password P --plan N [--mac MAC]"
  std::string help;        // one line for people
  std::vector<Arg> args;
  std::string positional;  // the argument a bare CLI value fills ("username"), or ""
  std::string role;        // the least role that may run it (the table's ladder); "" = the lowest
  std::vector<std::string> roles;  // when not empty: exactly the roles that may run it, for roles
                                   // that form no ladder (mgmt's tenant billing and technician);
                                   // `role` is then unused
  enum class Effect {
    kRead,    // changes nothing (GET in an HTTP API)
    kAction,  // acts on live state (disconnect a session, run a sync) without changing what is managed
    kChange,  // a management change: NAS clients, plans, subscribers, vouchers, top-ups (a license
              // that froze changes refuses it; it is audited)
  };
  Effect effect = Effect::kRead;
  std::string feature;     // license feature it needs ("vouchers"), or ""
  bool upstream = false;   // reported to the management plane after it succeeded
  bool cliOnly = false;    // handled by the CLI itself (no daemon command)

  bool mutates() const { return effect != Effect::kRead; }
};

// Builds a Spec in a table that reads like one:
//   command("nas-del", "nas del", "--name N", "delete a NAS client").args({text("name", true)})
//       .positional("name").role("admin").change()
class SpecBuilder {
 public:
  SpecBuilder(std::string name, std::string words, std::string usage, std::string help);
  SpecBuilder& args(std::vector<Arg> args);
  SpecBuilder& positional(std::string name);
  SpecBuilder& role(std::string role);
  SpecBuilder& roles(std::vector<std::string> roles);
  SpecBuilder& action();
  SpecBuilder& change();
  SpecBuilder& feature(std::string feature);
  SpecBuilder& upstream();
  SpecBuilder& cliOnly();
  operator Spec() const { return spec_; }  // NOLINT: implicit by design

 private:
  Spec spec_;
};
inline SpecBuilder command(std::string name, std::string words, std::string usage, std::string help) {
  return SpecBuilder(std::move(name), std::move(words), std::move(usage), std::move(help));
}

// The seven codes a client sees.
enum class PublicCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kConflict,
  kPermissionDenied,
  kFailedPrecondition,
  kUnavailable,
  kInternal,
};
PublicCode publicCode(Code code);
const char* publicCodeName(PublicCode code);
std::optional<PublicCode> publicCodeFromName(const std::string& name);
// HTTP status of a failed command: 400, 404, 409, 403, 409, 503, 500 in the order above.
int httpStatus(PublicCode code);
// Exit status of a CLI for a command's answer: 0 ok; 1 refused (invalid argument, not found,
// conflict, permission, precondition); 3 unavailable (the daemon or its peer; retrying may help);
// 4 internal (a bug: report it). 2 is the CLI's own usage errors.
int exitStatus(PublicCode code);

// Who asks. The control socket's caller is local root: every role.
struct Caller {
  std::string role;   // a rung of the table's ladder; "" = local root (every role)
  std::string scope;  // what the caller is confined to, for the handler to apply (mgmt: a tenant id); "" = all
  std::string label;  // for logs and audit: "control socket", "token k-12", "alice"
  std::string origin = {};  // where the request came from, for audit: an address, "control socket"
  static Caller root();
};

class Table {
 public:
  using Handler = std::function<ControlReply(const Json& arguments, const Caller& caller)>;
  // Policy around every command: `before` may refuse it with its reply (a license that freezes
  // changes); `after` sees each reply (to report changes upstream).
  using Before = std::function<std::optional<ControlReply>(const Spec& spec, const Json& arguments)>;
  using After = std::function<void(const Spec& spec, const Json& arguments, const ControlReply& reply)>;
  // Sees every call of a mutating spec (effect action or change) with its caller and reply, refused
  // ones included (role, arguments, `before`): the daemon's audit log, written in this one place.
  // Never called for reads. Must not throw (what it throws is dropped).
  using Audit = std::function<void(const Caller& caller, const Spec& spec, const Json& arguments, const ControlReply& reply)>;
  // Whether two calls may run their handlers (and hooks) at the same time.
  enum class Handlers {
    kOneAtATime,  // one handler at a time, whichever thread calls (a later()'s wait excepted)
    kConcurrent,  // no lock: the handlers and hooks are safe to run on several threads at once
  };

  // `roles`: the ladder from least to most rights ({"viewer", "technician", "admin"}); a caller may
  // run a spec whose role is at or below its own, or, for a spec with a `roles` set, one of those.
  // Specs naming a role not on the ladder are refused (std::logic_error: a bug of ours).
  Table(std::vector<std::string> roles, std::vector<Spec> specs, Handlers handlers = Handlers::kOneAtATime);

  // Binds the handler of a declared spec. Throws std::logic_error for a name not declared or bound
  // twice. Before the table serves.
  void bind(const std::string& name, Handler handler);
  // Names of specs without a handler (cliOnly ones excepted), "" when every one is bound.
  std::string unbound() const;
  void intercept(Before before, After after);
  // Decides with the caller, after its role and the arguments, before `before` and the handler:
  // mgmt refuses a command whose spec names a plugin (Spec::feature) the tier of the caller's tenant
  // lacks. nullopt lets the command run.
  using Gate = std::function<std::optional<ControlReply>(const Caller& caller, const Spec& spec)>;
  void gate(Gate gate);
  void audit(Audit audit);

  // Runs one command for `caller`, as described in the contract. Any thread.
  ControlReply call(const Caller& caller, const std::string& name, const Json& arguments);
  // The same for a request document {"command": ..., "arguments": ...}; the answer as JSON.
  Json handle(const Caller& caller, const Json& request);

  const Spec* find(const std::string& name) const;
  const std::vector<Spec>& specs() const { return specs_; }

 private:
  bool allowed(const Caller& caller, const Spec& spec) const;
  ControlReply builtin(const std::string& name, const Json& arguments) const;
  ControlReply dispatch(const Caller& caller, const Spec* spec, const std::string& name, const Json& arguments);

  std::vector<std::string> roles_;
  std::vector<Spec> specs_;
  std::map<std::string, size_t> index_;
  std::map<std::string, Handler> handlers_;
  Before before_;
  Gate gate_;
  After after_;
  Audit audit_;
  Handlers mode_;
  std::mutex handleMu_;  // kOneAtATime: one handler at a time, whichever thread calls
};

// The declared shape of `arguments` against `spec` (what dispatch checks before a handler runs).
Status checkArguments(const Spec& spec, const Json& arguments);

// The argument `name` of a table (a catalog's, a spec's). Throws std::logic_error when it has none:
// a handler naming an argument its table does not declare is a bug of ours.
const Arg& argument(const std::vector<Arg>& args, const std::string& name);

}  // namespace core::command
