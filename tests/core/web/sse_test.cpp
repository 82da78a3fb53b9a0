#include "core/web/sse.h"

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/http_test_client.h"

#include <CppUTest/TestHarness.h>

using core::web::SseChannel;
using core::web::SseEvent;
using core::web::sseFrame;

namespace {

bool eventually(const std::function<bool()>& f, int ms = 3000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

const char* kSubscribe = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";

}  // namespace

TEST_GROUP(WebSse){};

TEST(WebSse, Framing) {
  STRCMP_EQUAL("data: hello\n\n", sseFrame(SseEvent{"", "hello", "", 0}).c_str());
  STRCMP_EQUAL("event: usage\nid: 42\nretry: 3000\ndata: {\"a\":1}\n\n",
               sseFrame(SseEvent{"usage", "{\"a\":1}", "42", 3000}).c_str());
  // Every kind of line end in the data is a new data line; nothing can start another field.
  STRCMP_EQUAL("data: one\ndata: two\ndata: three\ndata: \ndata: event: fake\n\n",
               sseFrame(SseEvent{"", "one\ntwo\r\nthree\r\revent: fake", "", 0}).c_str());
  STRCMP_EQUAL("data: \n\n", sseFrame(SseEvent{}).c_str());
  STRCMP_EQUAL("data: x\ndata: \n\n", sseFrame(SseEvent{"", "x\n", "", 0}).c_str());
  // Line ends in the event type and id are dropped.
  STRCMP_EQUAL("event: ab\nid: 12\ndata: d\n\n", sseFrame(SseEvent{"a\nb", "d", "1\r2", 0}).c_str());
  STRCMP_EQUAL(": ping\n\n", core::web::sseComment("pi\nng").c_str());
}

TEST(WebSse, SubscribersGetEventsInOrder) {
  SseChannel channel;
  core::HttpServer server(core::HttpServerOptions{});
  server.route("GET", "/events", [&channel](const core::HttpRequest&) {
    SseEvent now{"state", "ready", "1", 0};
    return channel.subscribe(&now);
  });
  CHECK_TRUE(server.start().isOk());
  testing_http::Connection a(server.port()), b(server.port());
  CHECK_TRUE(a.send(kSubscribe) && b.send(kSubscribe));
  CHECK_TRUE(a.readUntil("data: ready\n\n"));
  CHECK_TRUE(b.readUntil("data: ready\n\n"));
  CHECK(a.received().find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(a.received().find("Cache-Control: no-store") != std::string::npos);
  CHECK(a.received().find("X-Accel-Buffering: no") != std::string::npos);
  CHECK(eventually([&] { return channel.subscribers() == 2; }));
  LONGS_EQUAL(2, channel.publish(SseEvent{"usage", "10", "2", 0}));
  LONGS_EQUAL(2, channel.publish(SseEvent{"usage", "20", "3", 0}));
  CHECK_TRUE(a.readUntil("data: 20\n\n"));
  CHECK_TRUE(b.readUntil("data: 20\n\n"));
  CHECK(a.received().find("id: 2\ndata: 10") < a.received().find("id: 3\ndata: 20"));

  // One leaves: the next writes find it gone and it is forgotten.
  a.close();
  CHECK(eventually([&] {
    channel.ping();
    return channel.subscribers() == 1;
  }));
  LONGS_EQUAL(1, channel.publish(SseEvent{"", "after", "", 0}));
  CHECK_TRUE(b.readUntil("data: after\n\n"));

  // Closing the channel ends the response (the chunked body's last chunk).
  channel.closeAll();
  CHECK_TRUE(b.readUntil("0\r\n\r\n"));
  LONGS_EQUAL(0, channel.subscribers());
  server.stop();
}

TEST(WebSse, BoundedNumberOfSubscribers) {
  SseChannel channel(1);
  core::HttpServer server(core::HttpServerOptions{});
  server.route("GET", "/events", [&channel](const core::HttpRequest&) { return channel.subscribe(); });
  CHECK_TRUE(server.start().isOk());
  testing_http::Connection first(server.port());
  CHECK_TRUE(first.send(kSubscribe));
  CHECK_TRUE(first.readUntil(": subscribed\n\n"));
  testing_http::Reply busy = testing_http::request(server.port(), "GET", "/events");
  LONGS_EQUAL(503, busy.status);
  STRCMP_EQUAL("30", busy.headers["retry-after"].c_str());
  // A server that stops with a subscriber parked does not wait for it.
  auto started = std::chrono::steady_clock::now();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  LONGS_EQUAL(0, channel.publish(SseEvent{"", "late", "", 0}));
}
