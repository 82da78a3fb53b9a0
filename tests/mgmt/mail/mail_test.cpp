// The mail outbox on the storage of this run: a message exists exactly when the unit of work that
// enqueued it commits, is rendered with the tenant's template and branding (the platform's where the
// tenant has none), and the sender marks it sent once, retries with backoff and gives up.
#include <deque>

#include "mgmt/mail/mail_sender.h"
#include "mgmt/mail/outbox.h"
#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::mail::OutboxMessage;
using mgmt::testing::Fixture;

namespace {

// A transport that records what it was given and answers from a script (ok when the script is empty).
struct ScriptedTransport : mgmt::mail::Transport {
  std::deque<core::Status> answers;
  std::vector<std::string> sentTo, messages;
  core::Status send(const std::string&, const std::string& to, const std::string& message) override {
    sentTo.push_back(to);
    messages.push_back(message);
    if (answers.empty()) return core::Status::ok();
    core::Status s = answers.front();
    answers.pop_front();
    return s;
  }
};

core::Result<int64_t> enqueue(Fixture& f, const std::string& tenant, const std::string& to, const std::string& tpl,
                              const Json& vars) {
  int64_t id = 0;
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(id, mgmt::mail::enqueue(tx, tenant, to, tpl, vars, f.now()));
    return core::Status::ok();
  });
  if (!s.isOk()) return s;
  return id;
}

std::vector<OutboxMessage> outbox(Fixture& f, const std::string& tenant = "*") {
  std::vector<OutboxMessage> out;
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(out, mgmt::mail::recent(tx, tenant, 100));
                   return core::Status::ok();
                 })
                 .isOk());
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_GROUP(Mail){};

TEST(Mail, AMessageExistsOnlyWhenItsUnitOfWorkCommits) {
  Fixture f;
  core::Status rolledBack = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_RETURN_IF_ERROR(
        mgmt::mail::enqueue(tx, "", "a@example.net", "password-reset", Json{{"link", "x"}, {"minutes", 30}}, f.now())
            .status());
    return core::failedPrecondition("the caller's change failed");
  });
  CHECK_TRUE(core::Code::kFailedPrecondition == rolledBack.code());
  CHECK_EQUAL(0u, outbox(f).size());
  core::Result<int64_t> id = enqueue(f, "", "a@example.net", "password-reset",
                                     Json{{"link", "https://mgmt.example/reset?t=1&u=<b>"}, {"minutes", 30}});
  CHECK_TRUE(id.isOk());
  std::vector<OutboxMessage> all = outbox(f);
  CHECK_EQUAL(1u, all.size());
  STRCMP_EQUAL("pending", all[0].state.c_str());
  STRCMP_EQUAL("Reset your password", all[0].subject.c_str());
  // Text as it is, HTML escaped, in the platform's frame and colour.
  CHECK_TRUE(contains(all[0].bodyText, "https://mgmt.example/reset?t=1&u=<b>"));
  CHECK_TRUE(contains(all[0].bodyHtml, "reset?t=1&amp;u=&lt;b&gt;"));
  CHECK_TRUE(contains(all[0].bodyHtml, mgmt::mail::platformBranding().primaryColour));
  CHECK_TRUE(contains(all[0].bodyHtml, "Edge Platform"));
}

TEST(Mail, BadAddressesAndUnknownTemplatesAreRefused) {
  Fixture f;
  for (const char* bad : {"", "nobody", "a@b", "a@@b.net", "a b@c.net", "a@c.net\r\nBcc: x@y.net", "a@c.net,b@c.net",
                          "Name <a@c.net>", "a@.net", "a@c..net"}) {
    core::Result<int64_t> r = enqueue(f, "", bad, "password-reset", Json::object());
    CHECK_TRUE(core::Code::kInvalidArgument == r.status().code());
    CHECK_TRUE(contains(r.status().message(), "to:"));
  }
  CHECK_TRUE(core::Code::kNotFound == enqueue(f, "", "a@c.net", "no-such", Json::object()).status().code());
  CHECK_EQUAL(0u, outbox(f).size());
}

TEST(Mail, ATenantsBrandingAndTemplateWinOverThePlatformsDefaults) {
  Fixture f;
  std::string acme = f.tenant("acme", "basic");
  std::string other = f.tenant("other", "basic");
  CHECK_TRUE(f.storage
                 ->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_RETURN_IF_ERROR(mgmt::mail::setBranding(
                       tx, acme, {"Acme Net", "https://acme.example/logo.png", "#112233", ""}, f.now()));
                   return mgmt::mail::setTemplate(tx, acme, "demo-reminder", "Acme: {{{days-left}}} days left",
                                                  "Hi from {{{brand.name}}}", "<p>{{brand.name}}</p>", f.now());
                 })
                 .isOk());
  // Bad branding names its field.
  core::Status bad = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    return mgmt::mail::setBranding(tx, acme, {"Acme", "http://insecure/logo.png", "", ""}, f.now());
  });
  CHECK_TRUE(core::Code::kInvalidArgument == bad.code());
  CHECK_TRUE(contains(bad.message(), "logo-url"));
  bad = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    return mgmt::mail::setBranding(tx, acme, {"Acme", "", "red", ""}, f.now());
  });
  CHECK_TRUE(contains(bad.message(), "primary-colour"));
  bad = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    return mgmt::mail::setTemplate(tx, acme, "demo-reminder", "{{#open}}", "x", "y", f.now());
  });
  CHECK_TRUE(contains(bad.message(), "subject"));

  Json vars{{"tenant", "acme"}, {"days-left", 2}, {"expires", "2026-12-24"}};
  CHECK_TRUE(enqueue(f, acme, "owner@acme.example", "demo-reminder", vars).isOk());
  CHECK_TRUE(enqueue(f, other, "owner@other.example", "demo-reminder", vars).isOk());
  std::vector<OutboxMessage> mine = outbox(f, acme);
  CHECK_EQUAL(1u, mine.size());
  STRCMP_EQUAL("Acme: 2 days left", mine[0].subject.c_str());
  STRCMP_EQUAL("Hi from Acme Net", mine[0].bodyText.c_str());
  CHECK_TRUE(contains(mine[0].bodyHtml, "#112233"));
  CHECK_TRUE(contains(mine[0].bodyHtml, "https://acme.example/logo.png"));
  // The accent colour it left empty is the platform's.
  CHECK_TRUE(contains(mine[0].bodyHtml, mgmt::mail::platformBranding().accentColour));
  std::vector<OutboxMessage> theirs = outbox(f, other);
  CHECK_EQUAL(1u, theirs.size());
  STRCMP_EQUAL("Your demo acme ends in 2 day(s)", theirs[0].subject.c_str());
  CHECK_FALSE(contains(theirs[0].bodyHtml, "Acme Net"));
}

TEST(Mail, TheSenderMarksSentOnceRetriesWithBackoffAndGivesUp) {
  Fixture f;
  ScriptedTransport transport;
  mgmt::mail::MailSender sender({*f.storage, f.clock, transport, "mgmt@platform.example", 3, 30});
  CHECK_TRUE(enqueue(f, "", "ok@example.net", "password-reset", Json{{"link", "l"}, {"minutes", 5}}).isOk());
  CHECK_TRUE(enqueue(f, "", "flaky@example.net", "password-reset", Json{{"link", "l"}, {"minutes", 5}}).isOk());
  CHECK_TRUE(enqueue(f, "", "gone@example.net", "password-reset", Json{{"link", "l"}, {"minutes", 5}}).isOk());
  transport.answers = {core::Status::ok(), core::unavailable("421 try later"), core::invalidArgument("550 no user")};
  core::Result<mgmt::mail::MailSender::Report> r = sender.sendDue();
  CHECK_TRUE(r.isOk());
  CHECK_EQUAL(1, r->sent);
  CHECK_EQUAL(1, r->retried);
  CHECK_EQUAL(1, r->failed);
  CHECK_EQUAL(3u, transport.sentTo.size());
  // The wire form: headers, a fixed Message-ID per row, text and HTML parts.
  CHECK_TRUE(contains(transport.messages[0], "From: mgmt@platform.example\r\n"));
  CHECK_TRUE(contains(transport.messages[0], "To: ok@example.net\r\n"));
  CHECK_TRUE(contains(transport.messages[0], "Message-ID: <outbox-"));
  CHECK_TRUE(contains(transport.messages[0], "multipart/alternative"));

  // Nothing is due before the backoff has passed; the sent one is never sent again.
  r = sender.sendDue();
  CHECK_EQUAL(0, r->sent + r->retried + r->failed);
  f.clock.advance(std::chrono::seconds(29));
  r = sender.sendDue();
  CHECK_EQUAL(0, r->sent + r->retried + r->failed);
  f.clock.advance(std::chrono::seconds(1));
  transport.answers = {core::unavailable("421 again")};
  r = sender.sendDue();
  CHECK_EQUAL(1, r->retried);
  STRCMP_EQUAL("flaky@example.net", transport.sentTo.back().c_str());
  // The second wait is twice the first; the third attempt is the last (maxAttempts 3).
  CHECK_EQUAL(60, sender.backoffSeconds(2));
  f.clock.advance(std::chrono::seconds(60));
  transport.answers = {core::unavailable("421 still")};
  r = sender.sendDue();
  CHECK_EQUAL(1, r->failed);
  std::vector<OutboxMessage> all = outbox(f);
  CHECK_EQUAL(3u, all.size());
  int sent = 0, failed = 0;
  for (const OutboxMessage& m : all) {
    if (m.state == "sent") {
      ++sent;
      CHECK_EQUAL(1, m.attempts);
    }
    if (m.state == "failed") ++failed;
    if (m.recipient == "flaky@example.net") {
      CHECK_EQUAL(3, m.attempts);
      STRCMP_EQUAL("421 still", m.lastError.c_str());
    }
  }
  CHECK_EQUAL(1, sent);
  CHECK_EQUAL(2, failed);
  f.clock.advance(std::chrono::hours(2));
  r = sender.sendDue();
  CHECK_EQUAL(0, r->sent + r->retried + r->failed);
  CHECK_EQUAL(5u, transport.sentTo.size());
}
