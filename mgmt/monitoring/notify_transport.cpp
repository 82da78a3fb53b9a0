#include "mgmt/monitoring/notify_transport.h"

#include <fstream>
#include <sstream>

#include "core/https_client.h"
#include "core/pki.h"
#include "core/web/form.h"
#include "mgmt/monitoring/notify_rules.h"

namespace mgmt::monitoring {

namespace {

class HttpsTransport final : public NotifyTransport {
 public:
  explicit HttpsTransport(std::string caFile) : caFile_(std::move(caFile)) {}

  core::Status sendSms(const SmsMessage& m) override {
    EDGE_ASSIGN_OR_RETURN(auto url, splitUrl(m.apiUrl, "sms-api-url"));
    std::string prefix = url.second == "/" ? "" : url.second;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    const std::string path = prefix + "/2010-04-01/Accounts/" + core::web::urlEncode(m.account) + "/Messages.json";
    const std::string form = "To=" + core::web::urlEncode(m.to) + "&From=" + core::web::urlEncode(m.from) +
                             "&Body=" + core::web::urlEncode(m.text);
    return post(url.first, path, form, "application/x-www-form-urlencoded",
                {{"Authorization", "Basic " + core::pki::base64Encode(m.account + ":" + m.token)}}, "SMS provider");
  }

  core::Status postWebhook(const std::string& url, const std::string& body,
                           const std::map<std::string, std::string>& headers) override {
    EDGE_ASSIGN_OR_RETURN(auto parts, splitUrl(url, "webhook-url"));
    return post(parts.first, parts.second, body, "application/json", headers, "webhook");
  }

 private:
  core::Status post(const std::string& base, const std::string& path, const std::string& body,
                    const std::string& contentType, const std::map<std::string, std::string>& headers,
                    const std::string& what) {
    core::HttpsClientOptions options;
    EDGE_ASSIGN_OR_RETURN(options.endpoint, core::parseHttpsUrl(base));
    std::ifstream in(caFile_);
    if (!in) return core::failedPrecondition("monitoring.notify-ca-file '" + caFile_ + "' cannot be read");
    std::stringstream pem;
    pem << in.rdbuf();
    options.caCertPem = pem.str();
    options.timeoutMs = 10000;
    options.maxResponseBytes = 64 * 1024;
    core::Result<core::HttpsResponse> r = core::httpsRequest(options, "POST", path, body, contentType, headers);
    if (!r.isOk()) return core::Status(core::Code::kUnavailable, what + ": " + r.status().message());
    if (r->status < 200 || r->status > 299)
      return core::Status(core::Code::kUnavailable,
                          what + " answered HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
    return core::Status::ok();
  }

  std::string caFile_;
};

}  // namespace

std::unique_ptr<NotifyTransport> makeHttpsTransport(const std::string& caFile) {
  return std::make_unique<HttpsTransport>(caFile);
}

}  // namespace mgmt::monitoring
