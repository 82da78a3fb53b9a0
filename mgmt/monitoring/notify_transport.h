// How an SMS and a webhook leave mgmtd (ADR 0054). The real transport speaks HTTPS through core's
// client (core/https_client.h), with the CA file of monitoring.notify-ca-file as trust anchors:
//  - SMS: Twilio's Messages API shape: POST {api}/2010-04-01/Accounts/{account}/Messages.json,
//    form-encoded To, From, Body, HTTP basic auth account:token; 2xx = accepted (Twilio answers 201
//    with the message's "sid"). tests/support/sms_provider_sim.py speaks the same.
//  - Webhook: POST of the JSON body with the signed headers given; any 2xx = delivered.
// An answer outside 2xx, or no answer, is an error (kUnavailable): the caller retries with backoff.
// Tests of the rules use a fake (tests/mgmt/monitoring).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace mgmt::monitoring {

struct SmsMessage {
  std::string apiUrl, account, token, from, to, text;
};

class NotifyTransport {
 public:
  virtual ~NotifyTransport() = default;
  virtual core::Status sendSms(const SmsMessage& m) = 0;
  virtual core::Status postWebhook(const std::string& url, const std::string& body,
                                   const std::map<std::string, std::string>& headers) = 0;
};

// `caFile`: PEM trust anchors for the SMS provider's and the webhooks' servers.
std::unique_ptr<NotifyTransport> makeHttpsTransport(const std::string& caFile);

}  // namespace mgmt::monitoring
