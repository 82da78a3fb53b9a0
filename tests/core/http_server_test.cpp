// core/http_server.h with threadPerConnection: a handler that waits holds up only its own
// connection (the technician UI's Disconnect waiting for a silent NAS), and a stream is served on its
// connection's own thread (the technician UI's diagnostics output) without holding up the others.
#include "core/http_server.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "tests/support/http_test_client.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(HttpServerThreads) {
  std::unique_ptr<core::HttpServer> server;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  std::atomic<bool> waitAnswered{false};
  std::shared_ptr<core::HttpStream> stream;

  void setup() override {
    core::HttpServerOptions o;
    o.threadPerConnection = true;
    server = std::make_unique<core::HttpServer>(o);
    server->route("GET", "/wait", [this](const core::HttpRequest&) {
      entered.set_value();
      released.wait();
      waitAnswered = true;
      core::HttpResponse r;
      r.body = "waited";
      return r;
    });
    server->route("GET", "/quick", [](const core::HttpRequest&) {
      core::HttpResponse r;
      r.body = "quick";
      return r;
    });
    server->route("GET", "/stream", [this](const core::HttpRequest&) {
      core::HttpResponse r;
      r.body = "first;";
      stream = std::make_shared<core::HttpStream>();
      r.stream = stream;
      return r;
    });
    CHECK_TRUE(server->start().isOk());
  }
  void teardown() override {
    try {
      release.set_value();  // a failed test must not leave the handler waiting
    } catch (const std::future_error&) {
    }
    server.reset();
    stream.reset();
  }
};

TEST(HttpServerThreads, AnotherConnectionIsAnsweredWhileAHandlerWaits) {
  testing_http::Connection slow(server->port());
  CHECK_TRUE(slow.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The handler is running and waits until this test releases it.
  CHECK(entered.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);

  testing_http::Connection quick(server->port());
  CHECK_TRUE(quick.send("GET /quick HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  CHECK_TRUE(quick.readUntil("quick", 5000));
  CHECK(quick.received().find("200 OK") != std::string::npos);
  // Answered while the other request was still waiting: nothing has come back on it.
  CHECK_FALSE(waitAnswered.load());
  CHECK_TRUE(slow.received().empty());

  release.set_value();
  CHECK_TRUE(slow.readUntil("waited", 5000));
  CHECK_TRUE(waitAnswered.load());
}

TEST(HttpServerThreads, AStreamIsWrittenFromAnotherThreadWhileOtherConnectionsAreAnswered) {
  testing_http::Connection c(server->port());
  CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_TRUE(c.readUntil("first;", 5000));
  CHECK(c.received().find("200 OK") != std::string::npos);
  CHECK(c.received().find("Transfer-Encoding: chunked") != std::string::npos);

  // The stream's thread waits for bytes; another connection is answered meanwhile.
  testing_http::Connection quick(server->port());
  CHECK_TRUE(quick.send("GET /quick HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  CHECK_TRUE(quick.readUntil("quick", 5000));

  CHECK_TRUE(stream->write("second;"));
  CHECK_TRUE(c.readUntil("second;", 5000));
  stream->close();
  CHECK_TRUE(c.readUntil("0\r\n\r\n", 5000));  // the chunked body's end
}

TEST(HttpServerThreads, StopEndsAWaitingStream) {
  testing_http::Connection c(server->port());
  CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_TRUE(c.readUntil("first;", 5000));
  server->stop();  // returns: the reader waiting for bytes was woken and ended
  CHECK_FALSE(stream->write("late;"));
}

// threads > 1 (a pool of polling threads, what mgmtd's device API runs): a handler that waits holds
// up only its own thread; another connection is accepted and answered by another one.
TEST_GROUP(HttpServerPool) {
  std::unique_ptr<core::HttpServer> server;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  std::atomic<bool> waitAnswered{false};

  void setup() override {
    core::HttpServerOptions o;
    o.threads = 2;
    server = std::make_unique<core::HttpServer>(o);
    server->route("GET", "/wait", [this](const core::HttpRequest&) {
      entered.set_value();
      released.wait();
      waitAnswered = true;
      core::HttpResponse r;
      r.body = "waited";
      return r;
    });
    server->route("GET", "/quick", [](const core::HttpRequest&) {
      core::HttpResponse r;
      r.body = "quick";
      return r;
    });
    CHECK_TRUE(server->start().isOk());
  }
  void teardown() override {
    try {
      release.set_value();
    } catch (const std::future_error&) {
    }
    server.reset();
  }
};

TEST(HttpServerPool, AnotherConnectionIsAnsweredWhileAHandlerWaits) {
  testing_http::Connection slow(server->port());
  CHECK_TRUE(slow.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(entered.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  testing_http::Connection quick(server->port());
  CHECK_TRUE(quick.send("GET /quick HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  CHECK_TRUE(quick.readUntil("quick", 5000));
  CHECK_FALSE(waitAnswered.load());
  CHECK_TRUE(slow.received().empty());
  release.set_value();
  CHECK_TRUE(slow.readUntil("waited", 5000));
}
