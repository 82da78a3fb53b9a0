// store_writer DB_PATH: a helper for tests/integration/store_crash_test.py.
//
// Opens DB_PATH through core::Writer with synchronous=FULL and a migration creating table `acked`,
// then from 4 threads inserts rows forever, keeping several jobs in flight per thread so that the
// writer's batches hold many jobs. After a job's future reports ok (its batch is committed), the
// row's id is printed on stdout, one per line: those are the acknowledged rows, which must survive a
// kill -9 at any moment. Each line goes out with one write(2) of less than PIPE_BUF bytes, so a
// line is either wholly in the pipe or not at all. Errors go to stderr with exit status 1 or 2.
#include "core/store.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr size_t kInFlightPerThread = 16;
constexpr int kPayloadBytes = 512;

void printAck(int64_t id) {
  char line[32];
  int n = std::snprintf(line, sizeof line, "%lld\n", static_cast<long long>(id));
  if (::write(STDOUT_FILENO, line, static_cast<size_t>(n)) != n) std::_Exit(3);  // reader gone
}

[[noreturn]] void die(const std::string& what, const core::Status& status) {
  std::fprintf(stderr, "store_writer: %s: %s\n", what.c_str(), status.toString().c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

core::Writer::Job insertRow(int64_t id, int thread) {
  return [id, thread](core::Database& db) -> core::Status {
    core::Result<core::Statement> st =
        db.prepare("INSERT INTO acked(id, writer, payload) VALUES (?1, ?2, randomblob(?3))");
    if (!st.isOk()) return st.status();
    return st->bindInt64(1, id).bindInt64(2, thread).bindInt64(3, kPayloadBytes).run();
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_writer DB_PATH\n");
    return 2;
  }
  core::StoreOptions options;
  options.path = argv[1];
  options.synchronous = core::StoreOptions::Synchronous::kFull;
  options.migrations = {
      {1, "create_acked", "CREATE TABLE acked (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload BLOB NOT NULL);"},
  };
  core::Result<std::unique_ptr<core::Writer>> opened = core::Writer::open(options);
  if (!opened.isOk()) die("opening", opened.status());
  std::unique_ptr<core::Writer> writer = std::move(*opened);

  // Continue after the rows of earlier (killed) runs.
  int64_t last = 0;
  core::Status s = writer
                       ->submit([&last](core::Database& db) -> core::Status {
                         core::Result<int64_t> max = db.queryInt64("SELECT coalesce(max(id), 0) FROM acked");
                         if (!max.isOk()) return max.status();
                         last = *max;
                         return core::Status::ok();
                       })
                       .get();
  if (!s.isOk()) die("reading the last id", s);
  std::atomic<int64_t> nextId{last + 1};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&writer, &nextId, t] {
      std::deque<std::pair<int64_t, std::future<core::Status>>> inFlight;
      for (;;) {
        while (inFlight.size() < kInFlightPerThread) {
          int64_t id = nextId.fetch_add(1);
          inFlight.emplace_back(id, writer->submit(insertRow(id, t)));
        }
        std::pair<int64_t, std::future<core::Status>> oldest = std::move(inFlight.front());
        inFlight.pop_front();
        core::Status done = oldest.second.get();
        if (!done.isOk()) die("row " + std::to_string(oldest.first), done);
        printAck(oldest.first);
      }
    });
  }
  for (std::thread& th : threads) th.join();  // never: the test kills us
  return 0;
}
