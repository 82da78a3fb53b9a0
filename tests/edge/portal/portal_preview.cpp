// The captive portal's pages for a browser walk without a gateway (tests/browser/portal_held_walk.js):
// the real Portal on 127.0.0.1 with a host that answers a few fixed accounts, among them the ones
// the gateway holds in the walled garden (ADR 0048): "walt" (walled for non-payment, with a pay page)
// and "rita" (at a "redirect" fair-use tier: the top-up page). Prints {"port": N} once it serves;
// stops on SIGTERM or SIGINT. The gateway end to end is tests/integration/gateway_test.py.
#include <csignal>
#include <cstdio>
#include <map>
#include <string>

#include <unistd.h>

#include "core/clock.h"
#include "core/counters.h"
#include "edge/portal/portal.h"

namespace {

using edge::portal::ClientStatus;
using edge::portal::LoginResult;

volatile std::sig_atomic_t stop = 0;

class PreviewHost : public edge::portal::PortalHost {
 public:
  std::map<std::string, ClientStatus> online;

  std::optional<ClientStatus> clientAt(const std::string& ip) override {
    auto it = online.find(ip);
    if (it == online.end()) return std::nullopt;
    return it->second;
  }
  std::string macOf(const std::string&) override { return "02:00:00:00:77:01"; }
  LoginResult login(const std::string& ip, const std::string& user, const std::string& password) override {
    LoginResult r;
    if (password != user + "-pass-12") {
      r.message = "Wrong username or password.";
      r.httpStatus = 403;
      return r;
    }
    r.username = user;
    r.httpStatus = 402;
    if (user == "walt") {
      r.held = LoginResult::Held::kWalled;
      r.payUrl = "https://pay.example.net/acme/invoices?u=walt";
      return r;
    }
    if (user == "rita") {
      r.held = LoginResult::Held::kTopUp;
      r.payUrl = "https://mgmt.example.net/selfcare/acme/";
      r.topUp = {{"plan", "home-5gb"}, {"price", "10.00 USD per month"}, {"data-used-text", "5GB"},
                 {"data-quota", 5000000000}, {"data-topped-up", 1000000000},
                 {"resets-at-local", "2030-02-01 00:00 UTC"}, {"redirect", true}};
      return r;
    }
    ClientStatus c;
    c.username = user;
    c.started = core::SystemClock::instance().unixSeconds();
    online[ip] = c;
    r.ok = true;
    r.httpStatus = 200;
    return r;
  }
  void logout(const std::string& ip) override { online.erase(ip); }
  edge::PortalLimit takeSignup(const std::string&, const std::string&, int64_t*) override {
    return edge::PortalLimit::kNone;
  }
  std::vector<core::Json> plans() override { return {}; }
  bool subscriberExists(const std::string&) override { return false; }
  core::Status addSubscriber(const core::Json&) override { return core::failedPrecondition("no signups here"); }
  void visitorLog(core::LogLevel, const std::string&) override {}
};

}  // namespace

int main() {
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  PreviewHost host;
  core::CounterRegistry counters;
  edge::portal::PortalSettings settings;
  settings.name = "Harbour Cafe Wi-Fi";
  settings.color = "#8a3b12";
  settings.terms = "Use this network lawfully and fairly.";
  edge::portal::Portal portal(host, counters, settings);
  core::Status s = portal.start("127.0.0.1", 0, {});
  if (!s.isOk()) {
    std::fprintf(stderr, "portal_preview: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("{\"port\": %u}\n", static_cast<unsigned>(portal.port()));
  std::fflush(stdout);
  while (!stop) ::pause();
  portal.stop();
  return 0;
}
