// The control socket over a real Unix socket, and the daemon skeleton's pieces.
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "core/control_socket.h"
#include "core/counters.h"
#include "core/daemon.h"

#include <CppUTest/TestHarness.h>

namespace {

// The commands these tests may serve (core/command/command.h); each test declares the ones it binds.
// (Built before main(), so CppUTest's leak checker does not count it.)
const std::vector<core::command::Spec> kAllSpecs = {
    core::command::command("echo", "echo", "", "echo the arguments")
        .args({core::command::integer("x"), core::command::integer("y")}),
    core::command::command("boom", "boom", "", "fails"),
    core::command::command("big", "big", "", "a large answer"),
    core::command::command("slow", "slow", "", "waits for the test"),
};

std::vector<core::command::Spec> specs(std::initializer_list<const char*> names) {
  std::vector<core::command::Spec> out;
  for (const char* n : names)
    for (const core::command::Spec& s : kAllSpecs)
      if (s.name == n) out.push_back(s);
  return out;
}
std::string makeTempDir() {
  char tmpl[] = "/tmp/edge-core-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? std::string(d) : std::string();
}
void removeTree(const std::string& dir) {
  std::string cmd = "rm -rf '" + dir + "'";
  int ignored = system(cmd.c_str());
  (void)ignored;
}
}  // namespace

TEST_GROUP(ControlSocket) {
  std::string dir;
  // The server thread allocates while the test runs: CppUTest's bookkeeping must be thread-safe.
  void setup() override {
    dir = makeTempDir();
  }
  void teardown() override {
    removeTree(dir);
  }
};

TEST(ControlSocket, CommandRoundTripOverTheSocket) {
  core::command::Table commands({}, specs({"echo"}));
  core::ControlServer server(commands);
  commands.bind("echo", [](const core::Json& args, const core::command::Caller&) {
    return core::ControlReply::success("echoed", args);
  });
  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());
  struct stat st;
  CHECK_EQUAL(0, ::stat(path.c_str(), &st));
  LONGS_EQUAL(0660, st.st_mode & 0777);

  core::Result<core::Json> r = core::controlCall(path, "echo", core::Json{{"x", 1}});
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(0, (*r)["result"].get<int>());
  STRCMP_EQUAL("echoed", (*r)["text"].get<std::string>().c_str());
  LONGS_EQUAL(1, (*r)["arguments"]["x"].get<int>());

  core::Result<core::Json> unknown = core::controlCall(path, "nope", nullptr);
  CHECK_TRUE(unknown.isOk());
  LONGS_EQUAL(2, (*unknown)["result"].get<int>());

  core::Result<core::Json> list = core::controlCall(path, "list-commands", nullptr);
  CHECK_TRUE(list.isOk());
  LONGS_EQUAL(2, (*list)["arguments"].size());
  server.stop();
  CHECK_EQUAL(-1, ::stat(path.c_str(), &st));  // the socket file is removed
}

TEST(ControlSocket, MalformedRequestsGetAnErrorReply) {
  core::command::Table commands({}, specs({}));
  core::ControlServer server(commands);
  LONGS_EQUAL(1, server.handle(core::Json::array())["result"].get<int>());
  LONGS_EQUAL(1, server.handle(core::Json{{"command", 5}})["result"].get<int>());
  LONGS_EQUAL(1, server.handle(core::Json{{"command", "list-commands"}, {"arguments", 3}})["result"].get<int>());

  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  CHECK_EQUAL(0, ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  const char junk[] = "{not json";
  CHECK_TRUE(::write(fd, junk, sizeof junk - 1) > 0);
  ::shutdown(fd, SHUT_WR);
  char buf[512] = {0};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  CHECK_TRUE(n > 0);
  core::Json reply = core::Json::parse(std::string(buf, static_cast<size_t>(n)));
  LONGS_EQUAL(1, reply["result"].get<int>());
}

TEST(ControlSocket, HandlerExceptionBecomesError) {
  core::command::Table commands({}, specs({"boom"}));
  core::ControlServer server(commands);
  commands.bind("boom", [](const core::Json&, const core::command::Caller&) -> core::ControlReply {
    throw std::runtime_error("broken");
  });
  core::Json r = server.handle(core::Json{{"command", "boom"}});
  LONGS_EQUAL(1, r["result"].get<int>());
  STRCMP_EQUAL("boom failed: broken", r["text"].get<std::string>().c_str());
}

TEST(ControlSocket, ClientSaysWhenDaemonIsNotRunning) {
  core::Result<core::Json> r = core::controlCall(dir + "/absent.sock", "status", nullptr, 1000, "edged");
  CHECK_FALSE(r.isOk());
  STRCMP_EQUAL(("edged is not running (no one is listening on the control socket " + dir + "/absent.sock)").c_str(),
               r.status().message().c_str());
}

TEST(ControlSocket, SecondServerOnSamePathIsRefusedStaleOneReplaced) {
  std::string path = dir + "/c.sock";
  core::command::Table firstCommands({}, specs({}));
  core::ControlServer first(firstCommands);
  CHECK_TRUE(first.start(path).isOk());
  core::command::Table secondCommands({}, specs({}));
  core::ControlServer second(secondCommands);
  core::Status s = second.start(path);
  CHECK_FALSE(s.isOk());
  CHECK(s.code() == core::Code::kAlreadyExists);
  first.stop();
  // A stale socket file (bound, nobody listening) is taken over.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ::close(fd);
  CHECK_TRUE(second.start(path).isOk());
}

namespace {
int connectTo(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}
// Whether the server has sent anything on `fd` (an answer, or EOF) by now.
bool answered(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}
}  // namespace

// A local client that sends a command producing a large answer and never reads it: the server's
// write to it cannot finish, and other clients must be served meanwhile (issue 19, item 6).
TEST(ControlSocket, ClientThatNeverReadsDoesNotWedgeOthers) {
  core::command::Table commands({}, specs({"big", "echo"}));
  core::ControlServer server(commands);
  std::atomic<bool> bigHandled{false};
  commands.bind("big", [&bigHandled](const core::Json&, const core::command::Caller&) {
    bigHandled = true;
    return core::ControlReply::success("big", core::Json{{"blob", std::string(8u << 20, 'x')}});
  });
  commands.bind("echo", [](const core::Json& args, const core::command::Caller&) { return core::ControlReply::success("echoed", args); });
  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());

  int lazy = connectTo(path);
  CHECK_TRUE(lazy >= 0);
  const std::string big = "{\"command\": \"big\"}\n";
  CHECK_EQUAL(static_cast<ssize_t>(big.size()), ::write(lazy, big.data(), big.size()));
  ::shutdown(lazy, SHUT_WR);
  for (int i = 0; i < 500 && !bigHandled; ++i) ::usleep(10000);
  // The server is now writing 8 MiB into a socket nobody reads. Another client asks (with a
  // timeout only so that a wedged server fails the test instead of hanging it).
  core::Result<core::Json> other = core::controlCall(path, "echo", core::Json{{"x", 2}}, 8000);
  ::close(lazy);  // lets an old-style single-threaded server go on, so stop() returns
  server.stop();
  CHECK_TRUE(bigHandled.load());
  CHECK_TRUE_TEXT(other.isOk(), other.isOk() ? "" : other.status().message().c_str());
  LONGS_EQUAL(2, (*other)["arguments"]["x"].get<int>());
}

// A client that sends half a command and waits does not hold the others back: they are answered
// while it is still connected and unanswered; when it sends the rest in time, it is answered too.
TEST(ControlSocket, HalfSentCommandDoesNotHoldOthersBack) {
  core::command::Table commands({}, specs({"echo"}));
  core::ControlServer server(commands);
  commands.bind("echo", [](const core::Json& args, const core::command::Caller&) { return core::ControlReply::success("echoed", args); });
  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());

  int slow = connectTo(path);
  CHECK_TRUE(slow >= 0);
  const std::string first = "{\"command\": \"echo\", \"argu";
  CHECK_EQUAL(static_cast<ssize_t>(first.size()), ::write(slow, first.data(), first.size()));
  ::usleep(50000);  // the server has the connection and half a command
  core::Result<core::Json> other = core::controlCall(path, "echo", core::Json{{"x", 3}}, 8000);
  bool slowAnsweredBefore = answered(slow);  // ordering: the other client got its answer first
  const std::string rest = "ments\": {\"y\": 4}}\n";
  ssize_t sent = ::send(slow, rest.data(), rest.size(), MSG_NOSIGNAL);
  ::shutdown(slow, SHUT_WR);
  std::string got;
  char buf[512];
  pollfd p{slow, POLLIN, 0};
  while (::poll(&p, 1, 5000) > 0) {
    ssize_t n = ::read(slow, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(slow);
  server.stop();
  CHECK_TRUE_TEXT(other.isOk(), other.isOk() ? "" : other.status().message().c_str());
  LONGS_EQUAL(3, (*other)["arguments"]["x"].get<int>());
  CHECK_FALSE_TEXT(slowAnsweredBefore, "the half-sent command was given up before another client was served");
  LONGS_EQUAL(rest.size(), sent);
  core::Json reply = core::Json::parse(got, nullptr, false);
  CHECK_TRUE_TEXT(reply.is_object(), got.c_str());
  LONGS_EQUAL(0, reply.value("result", -1));
  LONGS_EQUAL(4, reply["arguments"]["y"].get<int>());
}

// A command whose answer waits on the network returns later(): the wait runs without the handlers'
// lock, so other commands, over the socket and through handle(), are answered meanwhile.
TEST(ControlSocket, LaterWaitsWithoutHoldingTheHandlersLock) {
  core::command::Table commands({}, specs({"slow", "echo"}));
  core::ControlServer server(commands);
  std::mutex mu;
  std::condition_variable cv;
  bool waiting = false, release = false;
  commands.bind("slow", [&](const core::Json&, const core::command::Caller&) {
    return core::ControlReply::later([&] {
      std::unique_lock<std::mutex> lock(mu);
      waiting = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return core::ControlReply::success("slow done");
    });
  });
  commands.bind("echo", [](const core::Json& args, const core::command::Caller&) { return core::ControlReply::success("echoed", args); });
  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());
  core::Result<core::Json> slow = core::internalError("not run");
  std::thread caller([&] { slow = core::controlCall(path, "slow", nullptr, 10000); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return waiting; });
  }
  core::Result<core::Json> other = core::controlCall(path, "echo", core::Json{{"x", 5}}, 8000);
  core::Json direct = server.handle(core::Json{{"command", "echo"}, {"arguments", {{"x", 6}}}});
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  caller.join();
  server.stop();
  CHECK_TRUE(other.isOk());
  LONGS_EQUAL(5, (*other)["arguments"]["x"].get<int>());
  LONGS_EQUAL(6, direct["arguments"]["x"].get<int>());
  CHECK_TRUE(slow.isOk());
  STRCMP_EQUAL("slow done", (*slow)["text"].get<std::string>().c_str());
}

// Connections are bounded: one beyond the limit is answered "busy" at once (and counted); one that
// sends nothing is ended at its deadline (and counted); then the server takes new ones again.
TEST(ControlSocket, ConnectionsAreBoundedAndIdleOnesEnd) {
  core::ControlOptions options;
  options.maxConnections = 2;
  options.requestTimeoutMs = 300;
  core::CounterRegistry counters;
  core::command::Table commands({}, specs({"echo"}));
  core::ControlServer server(commands, options);
  server.countIn(counters, "test_control");
  commands.bind("echo", [](const core::Json& args, const core::command::Caller&) { return core::ControlReply::success("echoed", args); });
  std::string path = dir + "/c.sock";
  CHECK_TRUE(server.start(path).isOk());
  int idle1 = connectTo(path), idle2 = connectTo(path);
  ::usleep(50000);  // both taken by the workers
  core::Result<core::Json> busy = core::controlCall(path, "echo", nullptr, 8000);
  std::string ended;
  char buf[512];
  pollfd p{idle1, POLLIN, 0};
  if (::poll(&p, 1, 5000) > 0) {
    ssize_t n = ::read(idle1, buf, sizeof buf);
    if (n > 0) ended.assign(buf, static_cast<size_t>(n));
  }
  ::close(idle1);
  ::close(idle2);
  core::Result<core::Json> again = core::internalError("not run");
  int busyRetries = 0;  // tries that came before the worker freed up (a slow machine, ASan): refused too
  for (int i = 0; i < 100; ++i) {  // the second idle connection's worker frees up at its deadline
    again = core::controlCall(path, "echo", core::Json{{"x", 7}}, 8000);
    if (again.isOk() && (*again)["result"].get<int>() == 0) break;
    if (again.isOk() && (*again)["text"].get<std::string>().find("busy") == 0) ++busyRetries;
    ::usleep(20000);
  }
  server.stop();
  CHECK_TRUE(busy.isOk());
  LONGS_EQUAL(1, (*busy)["result"].get<int>());
  CHECK_TRUE_TEXT((*busy)["text"].get<std::string>().find("busy") == 0, (*busy)["text"].get<std::string>().c_str());
  CHECK_TRUE_TEXT(ended.find("no complete request within 300 ms") != std::string::npos, ended.c_str());
  CHECK_TRUE(again.isOk());
  LONGS_EQUAL(7, (*again)["arguments"]["x"].get<int>());
  LONGS_EQUAL(1 + busyRetries, counters.valueOf("test_control_connections_refused_total"));
  CHECK_TRUE(counters.valueOf("test_control_connection_timeouts_total") >= 1);
}

TEST_GROUP(Daemon) {
  std::string dir;
  void setup() override { dir = makeTempDir(); }
  void teardown() override { removeTree(dir); }
};

TEST(Daemon, PidFileRefusesSecondInstanceAndIsRemoved) {
  std::string path = dir + "/d.pid";
  core::PidFile first;
  CHECK_TRUE(first.acquire(path, "edged").isOk());
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  LONGS_EQUAL(::getpid(), pid);
  core::PidFile second;  // flock locks are per open file description: a second open conflicts
  core::Status s = second.acquire(path, "edged");
  CHECK_FALSE(s.isOk());
  STRCMP_EQUAL(("edged is already running (pid " + std::to_string(::getpid()) + ", pid file " + path + ")").c_str(),
               s.message().c_str());
  first.release();
  CHECK_TRUE(::access(path.c_str(), F_OK) != 0);
  CHECK_TRUE(second.acquire(path, "edged").isOk());
}

TEST(Daemon, LoopSeesSignalsAndRequests) {
  core::DaemonLoop loop;
  CHECK_TRUE(loop.init().isOk());
  CHECK_TRUE(loop.wait(0) == core::DaemonLoop::Event::kTick);
  ::raise(SIGHUP);
  CHECK_TRUE(loop.wait(1000) == core::DaemonLoop::Event::kReload);
  loop.requestReload();
  CHECK_TRUE(loop.wait(1000) == core::DaemonLoop::Event::kReload);
  ::raise(SIGTERM);
  CHECK_TRUE(loop.wait(1000) == core::DaemonLoop::Event::kStop);
  loop.requestStop();
  CHECK_TRUE(loop.wait(1000) == core::DaemonLoop::Event::kStop);
}

TEST(Daemon, WritableDirIsCreatedAndUnusablePathsAreNamed) {
  CHECK_TRUE(core::ensureWritableDir(dir + "/a/b", 0750, "data-dir").isOk());
  struct stat st;
  CHECK_EQUAL(0, ::stat((dir + "/a/b").c_str(), &st));
  LONGS_EQUAL(0750, st.st_mode & 0777);
  std::ofstream(dir + "/file") << "x";
  core::Status s = core::ensureWritableDir(dir + "/file/sub", 0750, "data-dir");
  CHECK_FALSE(s.isOk());
  STRCMP_EQUAL(("data-dir '" + dir + "/file/sub': " + dir + "/file is not a directory").c_str(), s.message().c_str());
}

TEST(Daemon, SdNotifySendsToNotifySocket) {
  std::string path = dir + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  core::sdNotify("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  char buf[64] = {0};
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
  ::close(fd);
  STRCMP_EQUAL("READY=1", std::string(buf, n > 0 ? static_cast<size_t>(n) : 0).c_str());
}
