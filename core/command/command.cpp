#include "core/command/command.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/command/reply.h"
#include "core/command_args.h"
#include "core/log.h"

namespace core::command {

Arg text(std::string name, bool required, size_t maxLength) {
  return Arg{std::move(name), ArgType::kText, required, maxLength};
}
Arg secret(std::string name, bool required) { return Arg{std::move(name), ArgType::kSecret, required, 4096}; }
Arg integer(std::string name, bool required) { return Arg{std::move(name), ArgType::kInteger, required, 32}; }
Arg boolean(std::string name) { return Arg{std::move(name), ArgType::kBoolean, false, 8}; }
Arg list(std::string name) { return Arg{std::move(name), ArgType::kList, false, 4096}; }
Arg rows(std::string name, size_t maxRows, bool required) { return Arg{std::move(name), ArgType::kRows, required, maxRows}; }
Arg object(std::string name) { return Arg{std::move(name), ArgType::kObject, false, 0}; }

Arg Arg::range(int64_t lo, int64_t hi) const {
  Arg a = *this;
  a.min = lo;
  a.max = hi;
  return a;
}

std::string Arg::rangeText() const {
  if (type != ArgType::kInteger || (min == INT64_MIN && max == INT64_MAX)) return "";
  if (max == INT64_MAX) return std::to_string(min) + " or more";
  if (min == INT64_MIN) return std::to_string(max) + " or less";
  return std::to_string(min) + ".." + std::to_string(max);
}

const Arg& argument(const std::vector<Arg>& args, const std::string& name) {
  for (const Arg& a : args)
    if (a.name == name) return a;
  throw std::logic_error("argument " + name + " is not declared in its table");
}

SpecBuilder::SpecBuilder(std::string name, std::string words, std::string usage, std::string help) {
  spec_.name = std::move(name);
  spec_.words = std::move(words);
  spec_.usage = std::move(usage);
  spec_.help = std::move(help);
}
SpecBuilder& SpecBuilder::args(std::vector<Arg> args) {
  spec_.args = std::move(args);
  return *this;
}
SpecBuilder& SpecBuilder::positional(std::string name) {
  spec_.positional = std::move(name);
  return *this;
}
SpecBuilder& SpecBuilder::roles(std::vector<std::string> roles) {
  spec_.roles = std::move(roles);
  return *this;
}
SpecBuilder& SpecBuilder::role(std::string role) {
  spec_.role = std::move(role);
  return *this;
}
SpecBuilder& SpecBuilder::action() {
  spec_.effect = Spec::Effect::kAction;
  return *this;
}
SpecBuilder& SpecBuilder::change() {
  spec_.effect = Spec::Effect::kChange;
  return *this;
}
SpecBuilder& SpecBuilder::feature(std::string feature) {
  spec_.feature = std::move(feature);
  return *this;
}
SpecBuilder& SpecBuilder::upstream() {
  spec_.upstream = true;
  return *this;
}
SpecBuilder& SpecBuilder::cliOnly() {
  spec_.cliOnly = true;
  return *this;
}

PublicCode publicCode(Code code) {
  switch (code) {
    case Code::kOk: return PublicCode::kOk;
    case Code::kInvalidArgument: return PublicCode::kInvalidArgument;
    case Code::kNotFound: return PublicCode::kNotFound;
    case Code::kAlreadyExists: return PublicCode::kConflict;
    case Code::kPermissionDenied: return PublicCode::kPermissionDenied;
    case Code::kFailedPrecondition: return PublicCode::kFailedPrecondition;
    case Code::kResourceExhausted:  // a queue or the disk is full: later may work
    case Code::kUnavailable:
    case Code::kTimeout: return PublicCode::kUnavailable;
    case Code::kIoError:
    case Code::kCorrupt:
    case Code::kInternal: return PublicCode::kInternal;
  }
  return PublicCode::kInternal;
}

namespace {
struct CodeRow {
  PublicCode code;
  const char* name;
  int http;
  int exit;
};
constexpr CodeRow kCodes[] = {
    {PublicCode::kOk, "ok", 200, 0},
    {PublicCode::kInvalidArgument, "invalid-argument", 400, 1},
    {PublicCode::kNotFound, "not-found", 404, 1},
    {PublicCode::kConflict, "conflict", 409, 1},
    {PublicCode::kPermissionDenied, "permission-denied", 403, 1},
    // RFC 9110 15.5.10: "the request could not be completed due to a conflict with the current
    // state of the target resource" (a suspended tenant, a plan still in use, a frozen license).
    {PublicCode::kFailedPrecondition, "failed-precondition", 409, 1},
    {PublicCode::kUnavailable, "unavailable", 503, 3},
    {PublicCode::kInternal, "internal", 500, 4},
};
const CodeRow& row(PublicCode code) {
  for (const CodeRow& r : kCodes)
    if (r.code == code) return r;
  return kCodes[7];
}
}  // namespace

const char* publicCodeName(PublicCode code) { return row(code).name; }
int httpStatus(PublicCode code) { return row(code).http; }
int exitStatus(PublicCode code) { return row(code).exit; }
std::optional<PublicCode> publicCodeFromName(const std::string& name) {
  for (const CodeRow& r : kCodes)
    if (name == r.name) return r.code;
  return std::nullopt;
}

Caller Caller::root() { return Caller{"", "", "control socket"}; }

namespace {

// An empty role means "every right" for a caller and "no right needed" for a spec.
int rank(const std::vector<std::string>& roles, const std::string& role, bool caller) {
  if (role.empty()) return caller ? static_cast<int>(roles.size()) : -1;
  for (size_t i = 0; i < roles.size(); ++i)
    if (roles[i] == role) return static_cast<int>(i);
  return caller ? -2 : static_cast<int>(roles.size());  // unknown caller role: nothing; unknown spec role: root only
}

bool textLike(const Json& v) { return v.is_string(); }

Status checkOne(const Arg& a, const Json& v) {
  auto tooLong = [&](const std::string& s) { return s.size() > a.maxLength; };
  switch (a.type) {
    case ArgType::kText:
    case ArgType::kSecret:
      // A number is accepted where text is expected (JSON callers send ports and prices as numbers).
      if (v.is_number()) return Status::ok();
      if (!textLike(v)) return invalidArgument(a.name + ": expected text");
      if (tooLong(v.get<std::string>()))
        return invalidArgument(a.name + ": longer than " + std::to_string(a.maxLength) + " characters");
      return Status::ok();
    case ArgType::kInteger: {
      // A number or its text ("300": the CLI sends every flag as text), read as handlers read it,
      // within the declared range: the handler need not check it again.
      if (!v.is_number_integer() && !(v.is_string() && !tooLong(v.get<std::string>())))
        return invalidArgument(a.name + ": expected a whole number");
      const Json one{{a.name, v}};
      return CommandArgs(one).integer(a.name.c_str(), a.min, a.max).status();
    }
    case ArgType::kBoolean:
      if (v.is_boolean() || (v.is_number_integer() && (v == 0 || v == 1))) return Status::ok();
      if (v.is_string() && !tooLong(v.get<std::string>())) return Status::ok();
      return invalidArgument(a.name + ": expected yes or no");
    case ArgType::kList:
      if (v.is_string()) return tooLong(v.get<std::string>()) ? invalidArgument(a.name + ": an item is too long") : Status::ok();
      if (!v.is_array()) return invalidArgument(a.name + ": expected a text or a list of texts");
      if (v.size() > 1000) return invalidArgument(a.name + ": at most 1000 items");
      for (const Json& item : v) {
        if (!item.is_string()) return invalidArgument(a.name + ": expected a list of texts");
        if (tooLong(item.get<std::string>())) return invalidArgument(a.name + ": an item is too long");
      }
      return Status::ok();
    case ArgType::kRows:
      if (!v.is_array()) return invalidArgument(a.name + ": expected a list of rows");
      if (v.size() > a.maxLength)
        return invalidArgument(a.name + ": at most " + std::to_string(a.maxLength) + " per call");
      return Status::ok();
    case ArgType::kObject:
      if (!v.is_object()) return invalidArgument(a.name + ": expected an object");
      return Status::ok();
  }
  return internalError(a.name + ": unknown argument type");
}

}  // namespace

Status checkArguments(const Spec& spec, const Json& arguments) {
  if (arguments.is_null()) return checkArguments(spec, Json::object());
  if (!arguments.is_object()) return invalidArgument("\"arguments\" must be a JSON object");
  for (const auto& [key, value] : arguments.items()) {
    const Arg* arg = nullptr;
    for (const Arg& a : spec.args)
      if (a.name == key) arg = &a;
    if (arg == nullptr) {
      std::string known;
      for (const Arg& a : spec.args) known += (known.empty() ? "" : ", ") + a.name;
      return invalidArgument("unknown argument '" + key + "'" +
                             (known.empty() ? " (" + spec.name + " takes none)" : " (known: " + known + ")"));
    }
    if (value.is_null()) continue;  // absent
    EDGE_RETURN_IF_ERROR(checkOne(*arg, value));
  }
  for (const Arg& a : spec.args)
    if (a.required && (!arguments.contains(a.name) || arguments[a.name].is_null()))
      return invalidArgument(a.name + " is required");
  return Status::ok();
}

Table::Table(std::vector<std::string> roles, std::vector<Spec> specs, Handlers handlers)
    : roles_(std::move(roles)), specs_(std::move(specs)), mode_(handlers) {
  specs_.push_back(command("list-commands", "commands", "", "list the commands the running daemon accepts"));
  for (size_t i = 0; i < specs_.size(); ++i) {
    const Spec& s = specs_[i];
    if (!index_.emplace(s.name, i).second) throw std::logic_error("command " + s.name + " is declared twice");
    if (!s.role.empty() && rank(roles_, s.role, false) == static_cast<int>(roles_.size()))
      throw std::logic_error("command " + s.name + " needs role '" + s.role + "', which is not on the ladder");
    for (const std::string& r : s.roles)
      if (rank(roles_, r, false) == static_cast<int>(roles_.size()))
        throw std::logic_error("command " + s.name + " names role '" + r + "', which is not on the ladder");
  }
}

void Table::bind(const std::string& name, Handler handler) {
  const Spec* spec = find(name);
  if (spec == nullptr || spec->cliOnly || name == "list-commands")
    throw std::logic_error("command " + name + " is not declared in the command table");
  if (!handlers_.emplace(name, std::move(handler)).second) throw std::logic_error("command " + name + " is bound twice");
}

std::string Table::unbound() const {
  std::string out;
  for (const Spec& s : specs_)
    if (!s.cliOnly && s.name != "list-commands" && handlers_.count(s.name) == 0) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

void Table::gate(Gate gate) { gate_ = std::move(gate); }

void Table::intercept(Before before, After after) {
  before_ = std::move(before);
  after_ = std::move(after);
}

void Table::audit(Audit audit) { audit_ = std::move(audit); }

const Spec* Table::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &specs_[it->second];
}

bool Table::allowed(const Caller& caller, const Spec& spec) const {
  if (caller.role.empty()) return true;  // local root
  if (!spec.roles.empty()) return std::find(spec.roles.begin(), spec.roles.end(), caller.role) != spec.roles.end();
  return rank(roles_, caller.role, true) >= rank(roles_, spec.role, false);
}

ControlReply Table::builtin(const std::string&, const Json&) const {
  Json list = Json::array();
  size_t n = 0;
  for (const Spec& s : specs_) {
    if (s.cliOnly) continue;
    ++n;
    list.push_back(Json{{"command", s.name}, {"help", s.help}});
  }
  return ControlReply::success(std::to_string(n) + " commands", list);
}

ControlReply Table::call(const Caller& caller, const std::string& name, const Json& arguments) {
  const Spec* spec = find(name);
  if (spec == nullptr || spec->cliOnly)
    return ControlReply{kControlUnsupported, "unknown command '" + name + "' (try list-commands)", nullptr};
  ControlReply reply = dispatch(caller, spec, name, arguments);
  if (audit_ && spec->mutates()) {
    // The reply stands whatever the audit does (the change is made); an audit that throws is logged,
    // never silent: a missing audit row is something an operator must be able to find out.
    try {
      audit_(caller, *spec, arguments.is_null() ? Json::object() : arguments, reply);
    } catch (const std::exception& e) {
      logError("audit of ", name, " failed: ", e.what());
    } catch (...) {
      logError("audit of ", name, " failed: an exception that is not a std::exception");
    }
  }
  return reply;
}

ControlReply Table::dispatch(const Caller& caller, const Spec* spec, const std::string& name, const Json& arguments) {
  if (!allowed(caller, *spec)) {
    std::string who;
    for (const std::string& r : spec->roles) who += (who.empty() ? "" : ", ") + r;
    return ControlReply::error(permissionDenied(
        spec->roles.empty() ? name + " needs the " + spec->role + " role" : name + " needs one of the roles " + who));
  }
  Status args = checkArguments(*spec, arguments);
  if (!args.isOk()) return ControlReply::error(args);
  if (name == "list-commands") return builtin(name, arguments);
  auto handler = handlers_.find(name);
  if (handler == handlers_.end()) return ControlReply::error(unavailable(name + " is not available in this daemon"));
  const Json& given = arguments.is_null() ? Json::object() : arguments;
  std::unique_lock<std::mutex> lock(handleMu_, std::defer_lock);
  if (mode_ == Handlers::kOneAtATime) lock.lock();
  try {
    if (gate_) {
      std::optional<ControlReply> refused = gate_(caller, *spec);
      if (refused) return *refused;
    }
    if (before_) {
      std::optional<ControlReply> refused = before_(*spec, given);
      if (refused) return *refused;
    }
    ControlReply reply = handler->second(given, caller);
    if (reply.wait) {
      // The network wait, with no lock held: other commands (and the portal) go on meanwhile.
      std::function<ControlReply()> wait = std::move(reply.wait);
      if (lock.owns_lock()) lock.unlock();
      reply = wait();
      reply.wait = nullptr;
      if (mode_ == Handlers::kOneAtATime) lock.lock();
    }
    if (after_) after_(*spec, given, reply);
    return reply;
  } catch (const std::exception& e) {
    return ControlReply::error(internalError(name + " failed: " + e.what()));
  } catch (...) {
    return ControlReply::error(internalError(name + " failed"));
  }
}

Json Table::handle(const Caller& caller, const Json& request) {
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
    return ControlReply::error("request must be a JSON object with a string \"command\"").toJson();
  Json arguments = request.contains("arguments") ? request["arguments"] : Json::object();
  if (!arguments.is_object() && !arguments.is_null())
    return ControlReply::error("\"arguments\" must be a JSON object").toJson();
  return call(caller, request["command"].get<std::string>(), arguments).toJson();
}

}  // namespace core::command
