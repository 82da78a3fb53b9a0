#include "edge/gateway/gateway_portal_host.h"

#include <utility>

#include "core/command/command.h"
#include "edge/gateway/gateway_internal.h"
#include "edge/radius/radius_service.h"

namespace edge {

namespace {

using core::command::PublicCode;

// A refused command's answer as a Status: its code ("conflict", "failed-precondition", ...; one of
// core/command/command.h's public codes) and its text. The portal decides by the code, never by
// the text. An answer without a code it knows is invalid-argument, as a plain error is.
core::Status refusal(const core::Json& reply) {
  std::string text = reply.value("text", std::string());
  std::optional<PublicCode> code;
  if (reply.contains("code") && reply["code"].is_string())
    code = core::command::publicCodeFromName(reply["code"].get<std::string>());
  switch (code.value_or(PublicCode::kInvalidArgument)) {
    case PublicCode::kConflict: return core::alreadyExists(std::move(text));
    case PublicCode::kFailedPrecondition: return core::failedPrecondition(std::move(text));
    case PublicCode::kNotFound: return core::notFound(std::move(text));
    case PublicCode::kPermissionDenied: return core::permissionDenied(std::move(text));
    case PublicCode::kUnavailable: return core::unavailable(std::move(text));
    case PublicCode::kInternal: return core::internalError(std::move(text));
    case PublicCode::kOk:
    case PublicCode::kInvalidArgument: break;
  }
  return core::invalidArgument(std::move(text));
}

}  // namespace

std::optional<portal::ClientStatus> Gateway::PortalHostImpl::clientAt(const std::string& ip) {
  std::optional<GatewayClient> c = g_.clientAt(ip);
  if (!c) return std::nullopt;
  portal::ClientStatus s;
  s.username = c->username;
  s.started = c->started;
  s.sessionTimeout = c->sessionTimeout;
  s.upBytes = c->upBytes;
  s.downBytes = c->downBytes;
  s.limitBytes = c->limitBytes;
  s.downBps = c->rate.downBps;
  s.upBps = c->rate.upBps;
  return s;
}

std::string Gateway::PortalHostImpl::macOf(const std::string& ip) { return g_.macOf(ip); }

portal::LoginResult Gateway::PortalHostImpl::login(const std::string& ip, const std::string& username,
                                                   const std::string& password) {
  return g_.login(ip, username, password);
}

void Gateway::PortalHostImpl::logout(const std::string& ip) {
  g_.logout(ip, gw::kCauseUserRequest, "logged out on the portal");
}

PortalLimit Gateway::PortalHostImpl::takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) {
  return g_.takeSignup(mac, ip, retryAfter);
}

std::vector<core::Json> Gateway::PortalHostImpl::plans() {
  core::Json reply = g_.control_.handle(core::Json{{"command", "plan-list"}, {"arguments", core::Json::object()}});
  std::vector<core::Json> out;
  if (reply.value("result", 1) != 0 || !reply["arguments"].is_array()) return out;
  for (const core::Json& p : reply["arguments"]) out.push_back(p);
  return out;
}

bool Gateway::PortalHostImpl::subscriberExists(const std::string& username) {
  return g_.radius_.snapshot()->findSubscriber(username) != nullptr;
}

core::Status Gateway::PortalHostImpl::addSubscriber(const core::Json& arguments) {
  core::Json reply = g_.control_.handle(core::Json{{"command", "subscriber-add"}, {"arguments", arguments}});
  if (reply.value("result", 1) == 0) return core::Status::ok();
  return refusal(reply);
}

void Gateway::PortalHostImpl::visitorLog(core::LogLevel level, const std::string& line) { g_.visitorLog(level, line); }

}  // namespace edge
