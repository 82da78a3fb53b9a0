// core::writeFileAtomically: whole contents, the mode asked for, and several writers of one path.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"

#include <CppUTest/TestHarness.h>

namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> namesIn(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

}  // namespace

TEST_GROUP(Files) {
  std::string dir;
  void setup() override {
    char tmpl[] = "/tmp/core-files-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  void teardown() override {
    for (const std::string& n : namesIn(dir)) ::unlink((dir + "/" + n).c_str());
    ::rmdir(dir.c_str());
  }
};

TEST(Files, WritesTheWholeContentWithTheModeAskedFor) {
  std::string path = dir + "/key.pem";
  CHECK_TRUE(core::writeFileAtomically(path, "first", 0640).isOk());
  CHECK_TRUE(core::writeFileAtomically(path, "second", 0600).isOk());
  STRCMP_EQUAL("second", readAll(path).c_str());
  struct stat st {};
  LONGS_EQUAL(0, ::stat(path.c_str(), &st));
  LONGS_EQUAL(0600, st.st_mode & 07777);
  LONGS_EQUAL(1, namesIn(dir).size());  // no temporary file left behind
}

TEST(Files, TwoWritersOfOnePathEachSucceedAndTheFileIsOneOfThemWhole) {
  // Two processes starting at once wrote the same file (docs/decisions/0024): with one fixed
  // temporary name, one renamed the other's half-written file away and the other failed.
  std::string path = dir + "/shared.key";
  const std::string a(256 * 1024, 'a');
  const std::string b(256 * 1024, 'b');
  std::atomic<int> failures{0};
  auto writer = [&](const std::string& content) {
    for (int i = 0; i < 40; ++i)
      if (!core::writeFileAtomically(path, content, 0600).isOk()) ++failures;
  };
  std::thread t1(writer, a);
  std::thread t2(writer, b);
  t1.join();
  t2.join();
  LONGS_EQUAL(0, failures.load());
  std::string got = readAll(path);
  CHECK_TRUE(got == a || got == b);
  LONGS_EQUAL(1, namesIn(dir).size());
}
