// The control socket over a real Unix socket, and the daemon skeleton's pieces.
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "core/control_socket.h"
#include "core/daemon.h"

#include <CppUTest/TestHarness.h>

namespace {
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
    MemoryLeakWarningPlugin::turnOnThreadSafeNewDeleteOverloads();
    dir = makeTempDir();
  }
  void teardown() override {
    removeTree(dir);
    MemoryLeakWarningPlugin::turnOnDefaultNotThreadSafeNewDeleteOverloads();
  }
};

TEST(ControlSocket, CommandRoundTripOverTheSocket) {
  core::ControlServer server;
  server.registerCommand("echo", "Echo the arguments.", [](const core::Json& args) {
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
  core::ControlServer server;
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
  core::ControlServer server;
  server.registerCommand("boom", "Fails.", [](const core::Json&) -> core::ControlReply {
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
  core::ControlServer first;
  CHECK_TRUE(first.start(path).isOk());
  core::ControlServer second;
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
