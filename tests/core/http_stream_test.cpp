// core/http_server.h: responses whose body is written after the handler returned (HttpStream),
// and the Cache-Control the server adds only when a response has none.
#include "core/http_server.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/http_test_client.h"

#include <CppUTest/TestHarness.h>

namespace {

bool eventually(const std::function<bool()>& f, int ms = 3000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

}  // namespace

TEST_GROUP(HttpStream) {
  std::shared_ptr<core::HttpStream> stream;
  std::unique_ptr<core::HttpServer> server;

  void setup() override {
    server = std::make_unique<core::HttpServer>(core::HttpServerOptions{});
    server->route("GET", "/stream", [this](const core::HttpRequest&) {
      core::HttpResponse r;
      r.contentType = "text/plain";
      r.body = "first;";
      stream = std::make_shared<core::HttpStream>(64);
      r.stream = stream;
      return r;
    });
    CHECK_TRUE(server->start().isOk());
  }
  void teardown() override {
    server.reset();
    stream.reset();
  }
};

TEST(HttpStream, WritesFromAnotherThreadArriveThenCloseEndsTheBody) {
  testing_http::Connection c(server->port());
  CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_TRUE(c.readUntil("first;"));
  CHECK(c.received().find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(stream->isOpen());
  // The connection is parked now (nothing queued); a write from another thread wakes it.
  std::thread writer([this] {
    for (int i = 0; i < 5; ++i) {
      CHECK_TRUE(stream->write("part" + std::to_string(i) + ";"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stream->close();
  });
  CHECK_TRUE(c.readUntil("0\r\n\r\n"));
  writer.join();
  testing_http::Reply r = testing_http::parse(c.received());
  LONGS_EQUAL(200, r.status);
  STRCMP_EQUAL("first;part0;part1;part2;part3;part4;", r.body.c_str());
  CHECK_FALSE(stream->isOpen());
  CHECK_FALSE(stream->write("late"));
}

TEST(HttpStream, AClientThatDoesNotReadIsDropped) {
  testing_http::Connection c(server->port());
  CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_TRUE(c.readUntil("first;"));
  // The stream allows 64 bytes waiting; more in one go ends it.
  CHECK_TRUE(stream->write(std::string(60, 'a')));
  CHECK_TRUE(c.readUntil(std::string(60, 'a')));
  CHECK_FALSE(stream->write(std::string(65, 'b')));
  CHECK_FALSE(stream->isOpen());
  CHECK_TRUE(c.readUntil("", 3000));  // the server closes the connection
  CHECK_TRUE(c.closedByPeer());
}

TEST(HttpStream, AClientThatLeftIsNoticedAtTheNextWrites) {
  {
    testing_http::Connection c(server->port());
    CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_TRUE(c.readUntil("first;"));
  }
  CHECK(eventually([this] {
    (void)stream->write(":\n");
    return !stream->isOpen();
  }));
}

TEST(HttpStream, StopWithAParkedStreamDoesNotWait) {
  testing_http::Connection c(server->port());
  CHECK_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_TRUE(c.readUntil("first;"));
  auto started = std::chrono::steady_clock::now();
  server->stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK_FALSE(stream->write("after stop"));
  CHECK_TRUE(c.readUntil("", 3000));
  CHECK_TRUE(c.closedByPeer());
}

TEST_GROUP(HttpCacheControl){};

TEST(HttpCacheControl, NoStoreUnlessTheResponseSaysOtherwise) {
  core::HttpServer server(core::HttpServerOptions{});
  server.route("GET", "/plain", [](const core::HttpRequest& r) {
    core::HttpResponse out;
    out.body = r.tls ? "tls" : "plain";
    return out;
  });
  server.route("GET", "/cached", [](const core::HttpRequest&) {
    core::HttpResponse out;
    out.headers.emplace_back("cache-control", "max-age=60");
    return out;
  });
  CHECK_TRUE(server.start().isOk());
  testing_http::Reply plain = testing_http::request(server.port(), "GET", "/plain");
  STRCMP_EQUAL("no-store", plain.headers["cache-control"].c_str());
  STRCMP_EQUAL("plain", plain.body.c_str());  // HttpRequest::tls is false over plain HTTP
  testing_http::Reply cached = testing_http::request(server.port(), "GET", "/cached");
  STRCMP_EQUAL("max-age=60", cached.headers["cache-control"].c_str());  // one header, the response's
  server.stop();
}
