// Delivering the outbox (outbox.h): SMTP through libcurl, retried with backoff, marked sent once.
//
// Contract:
//  - sendDue() reads the pending messages whose time has come, sends each outside any transaction,
//    then records the outcome in its own unit of work: sent (once: a row already sent is left as it
//    is), or a retry at now + backoff(attempts), or failed after maxAttempts.
//  - mgmtd runs it as a singleton job (Storage::withSingletonLock "mail-sender"), so two mgmtd never
//    send the same row at once.
//  - The Transport is the one place that speaks SMTP; tests of the retry rules give a fake one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/store/sql.h"

namespace mgmt::mail {

struct SmtpConfig {
  std::string url;           // smtp://host:port (STARTTLS when the server offers it) or smtps://host:port
  std::string from;          // the envelope and header sender: one plain address
  std::string username;      // SMTP AUTH, optional
  std::string password;
  int64_t timeoutSeconds = 30;
  bool requireTls = false;   // refuse to send without TLS (production)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one RFC 5322 message; kUnavailable when the server could not be reached or answered 4xx
  // (try again), kInvalidArgument for a permanent refusal (5xx: the recipient or the message).
  virtual core::Status send(const std::string& from, const std::string& to, const std::string& message) = 0;
};

// libcurl's SMTP client.
std::unique_ptr<Transport> makeSmtpTransport(const SmtpConfig& config);

// The message as it goes on the wire: headers (From, To, Subject encoded per RFC 2047 when not ASCII,
// Date, Message-ID <outbox-ID@DOMAIN>, MIME) and a multipart/alternative body, text then HTML, base64;
// the HTML with its inline logo in a multipart/related when the message has one (ADR 0064).
std::string formatMessage(const OutboxMessage& m, const std::string& from, int64_t now);

class MailSender {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    Transport& transport;
    std::string from;
    int64_t maxAttempts = 8;
    int64_t firstBackoffSeconds = 30;  // then doubled per attempt, at most an hour
  };
  struct Report {
    int sent = 0, retried = 0, failed = 0;
  };

  explicit MailSender(Deps deps) : d_(std::move(deps)) {}

  // Sends up to `limit` due messages.
  core::Result<Report> sendDue(int limit = 100);
  // The delay before attempt `attempts + 1`.
  int64_t backoffSeconds(int64_t attempts) const;

 private:
  Deps d_;
};

}  // namespace mgmt::mail
