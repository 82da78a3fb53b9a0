#include "mgmt/mail/mail_sender.h"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "core/pki.h"
#include "mgmt/mail/mail_store.h"

namespace mgmt::mail {

namespace {

// base64 in lines of 76 (RFC 2045 section 6.8).
std::string base64Lines(const std::string& bytes) {
  const std::string b = core::pki::base64Encode(bytes);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

bool ascii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x7f) return false;
  return true;
}

// RFC 2047 encoded-word when the subject is not plain ASCII.
std::string headerText(const std::string& s) {
  if (ascii(s)) return s;
  return "=?UTF-8?B?" + core::pki::base64Encode(s) + "?=";
}

std::string rfc5322Date(int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// libcurl's global state, once per process (curl_global_init is not thread-safe).
void curlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t readCallback(char* buffer, size_t size, size_t nitems, void* userdata) noexcept {
  auto* up = static_cast<Upload*>(userdata);
  const size_t room = size * nitems;
  const size_t left = up->data->size() - up->offset;
  const size_t n = left < room ? left : room;
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

class SmtpTransport : public Transport {
 public:
  explicit SmtpTransport(SmtpConfig config) : c_(std::move(config)) { curlGlobalInit(); }

  core::Status send(const std::string& from, const std::string& to, const std::string& message) override {
    CURL* curl = curl_easy_init();
    if (!curl) return core::internalError("smtp: curl_easy_init failed");
    const std::string mailFrom = "<" + from + ">";
    const std::string rcpt = "<" + to + ">";
    curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
    Upload up{&message};
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, c_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mailFrom.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &readCallback);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(c_.timeoutSeconds));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, c_.requireTls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    if (!c_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, c_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, c_.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    long response = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK) return core::Status::ok();
    const std::string what = std::string("smtp ") + c_.url + ": " + (error[0] ? error : curl_easy_strerror(rc));
    // A 5xx answer is permanent (RFC 5321 section 4.2.1); everything else may pass on a later try.
    if (response >= 500 && response < 600) return core::invalidArgument(what + " (" + std::to_string(response) + ")");
    return core::unavailable(what);
  }

 private:
  SmtpConfig c_;
};

}  // namespace

std::unique_ptr<Transport> makeSmtpTransport(const SmtpConfig& config) {
  return std::make_unique<SmtpTransport>(config);
}

std::string formatMessage(const OutboxMessage& m, const std::string& from, int64_t now) {
  const std::string domain = from.substr(from.find('@') + 1);
  const std::string boundary = "=_edge_" + std::to_string(m.id) + "_" + core::pki::sha256Hex(m.subject).substr(0, 16);
  std::string out;
  out += "From: " + from + "\r\n";
  out += "To: " + m.recipient + "\r\n";
  out += "Subject: " + headerText(m.subject) + "\r\n";
  out += "Date: " + rfc5322Date(now) + "\r\n";
  out += "Message-ID: <outbox-" + std::to_string(m.id) + "@" + domain + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  // With an attachment: multipart/mixed holding the text/HTML alternative, then the file (RFC 2046
  // section 5.1.3; the file's disposition per RFC 2183).
  const std::string mixed = "=_edge_mixed_" + std::to_string(m.id) + "_" + core::pki::sha256Hex(m.subject).substr(0, 16);
  if (m.attachment) {
    out += "Content-Type: multipart/mixed; boundary=\"" + mixed + "\"\r\n\r\n";
    out += "--" + mixed + "\r\n";
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64Lines(m.bodyText);
  out += "--" + boundary + "\r\n";
  // With the brand's logo: the HTML and the image it shows as cid:brand-logo in a multipart/related
  // (RFC 2387), the image inline (RFC 2183), so the client shows it without fetching anything.
  const std::string related = "=_edge_related_" + std::to_string(m.id) + "_" + core::pki::sha256Hex(m.subject).substr(0, 16);
  if (m.logo) {
    out += "Content-Type: multipart/related; type=\"text/html\"; boundary=\"" + related + "\"\r\n\r\n";
    out += "--" + related + "\r\n";
  }
  out += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64Lines(m.bodyHtml);
  if (m.logo) {
    const std::string ext = m.logo->contentType == "image/png" ? "png" : "jpg";
    out += "--" + related + "\r\nContent-Type: " + m.logo->contentType + "; name=\"logo." + ext +
           "\"\r\nContent-ID: <" + kLogoContentId + ">\r\nContent-Disposition: inline; filename=\"logo." + ext +
           "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64Lines(m.logo->data);
    out += "--" + related + "--\r\n";
  }
  out += "--" + boundary + "--\r\n";
  if (m.attachment) {
    out += "--" + mixed + "\r\nContent-Type: " + m.attachment->contentType + "; name=\"" + m.attachment->filename +
           "\"\r\nContent-Disposition: attachment; filename=\"" + m.attachment->filename +
           "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += base64Lines(m.attachment->data);
    out += "--" + mixed + "--\r\n";
  }
  return out;
}

int64_t MailSender::backoffSeconds(int64_t attempts) const {
  int64_t delay = d_.firstBackoffSeconds;
  for (int64_t i = 1; i < attempts && delay < 3600; ++i) delay *= 2;
  return delay < 3600 ? delay : 3600;
}

core::Result<MailSender::Report> MailSender::sendDue(int limit) {
  const int64_t now = d_.clock.unixSeconds();
  std::vector<OutboxMessage> due;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(due, MailStore(tx).due(now, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  Report report;
  for (const OutboxMessage& m : due) {
    const core::Status sent = d_.transport.send(d_.from, m.recipient, formatMessage(m, d_.from, now));
    const int64_t attempts = m.attempts + 1;
    const bool permanent = sent.code() == core::Code::kInvalidArgument;
    const bool giveUp = !sent.isOk() && (permanent || attempts >= d_.maxAttempts);
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      MailStore store(tx);
      if (sent.isOk()) return store.markSent(m.id, d_.clock.unixSeconds()).status();
      return store.markAttempt(m.id, sent.message(), now + backoffSeconds(attempts), giveUp);
    }));
    if (sent.isOk())
      ++report.sent;
    else if (giveUp)
      ++report.failed;
    else
      ++report.retried;
  }
  return report;
}

}  // namespace mgmt::mail
