// The gateway as its portal's PortalHost (edge/portal/portal.h). Private to edge/gateway.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "edge/gateway/gateway.h"

namespace edge {

// What the portal asks of the gateway: its clients, logins and limits, and the plans and
// subscribers through the control commands (so the license gate and the sync outbox apply).
class Gateway::PortalHostImpl : public portal::PortalHost {
 public:
  explicit PortalHostImpl(Gateway& gateway) : g_(gateway) {}

  std::optional<portal::ClientStatus> clientAt(const std::string& ip) override;
  std::string macOf(const std::string& ip) override;
  portal::LoginResult login(const std::string& ip, const std::string& username, const std::string& password) override;
  void logout(const std::string& ip) override;
  PortalLimit takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) override;
  std::vector<core::Json> plans() override;
  bool subscriberExists(const std::string& username) override;
  core::Status addSubscriber(const core::Json& arguments) override;
  void visitorLog(core::LogLevel level, const std::string& line) override;

 private:
  Gateway& g_;
};

}  // namespace edge
