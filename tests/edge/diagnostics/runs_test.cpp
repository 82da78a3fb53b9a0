// edge/diagnostics/runs.h: one run per owner, followers get every line then the end, a run whose
// page went away is stopped, and only its owner finds it.
#include "edge/diagnostics/runs.h"

#include <atomic>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using edge::diagnostics::Run;
using edge::diagnostics::Runs;

TEST_GROUP(Runs){};

TEST(Runs, AFollowerGetsTheLinesSoFarThenTheRestThenTheEnd) {
  Runs runs;
  std::atomic<bool> release{false};
  core::Result<std::shared_ptr<Run>> run = runs.start("tess", "ping", "192.0.2.1", false, [&release](Run& r) {
    r.line("first");
    while (!release) r.idle();
    r.line("second");
    r.finish("exited with status 0", false);
  });
  CHECK_TRUE(run.isOk());
  std::shared_ptr<Run> r = *run;
  // Wait for the first line without a timing threshold: poll its JSON.
  while (r->toJson()["lines"].empty()) {
  }
  std::vector<std::string> got;
  bool followed = false;
  std::atomic<bool> ended{false};
  r->follow([&](const std::string& event, const std::string& data) {
    if (event == "end") ended = true;
    if (!event.empty()) got.push_back(event + ":" + data);
    return true;
  });
  followed = true;
  release = true;
  CHECK_TRUE(r->waitDone(30000));
  CHECK_TRUE(followed);
  CHECK_TRUE(ended);
  LONGS_EQUAL(3, got.size());
  STRCMP_EQUAL("line:first", got[0].c_str());
  STRCMP_EQUAL("line:second", got[1].c_str());
  STRCMP_EQUAL("end:exited with status 0", got[2].c_str());
  STRCMP_EQUAL("first\nsecond\n", r->output().c_str());
}

TEST(Runs, OneRunPerOwnerAtATime) {
  Runs runs;
  core::Result<std::shared_ptr<Run>> first = runs.start("tess", "traceroute", "192.0.2.1", false, [](Run& r) {
    while (!r.shouldStop()) r.idle();
    r.finish("stopped", false);
  });
  CHECK_TRUE(first.isOk());
  core::Result<std::shared_ptr<Run>> second = runs.start("tess", "ping", "192.0.2.2", false, [](Run& r) { r.finish("", false); });
  CHECK(second.status().code() == core::Code::kFailedPrecondition);
  // Someone else may run at the same time.
  core::Result<std::shared_ptr<Run>> other = runs.start("ada", "ping", "192.0.2.3", false, [](Run& r) { r.finish("ok", false); });
  CHECK_TRUE(other.isOk());
  CHECK_TRUE(runs.stop("tess").isOk());
  CHECK_TRUE((*first)->waitDone(30000));
  CHECK(runs.stop("tess").code() == core::Code::kNotFound);
  CHECK_TRUE(runs.start("tess", "ping", "192.0.2.2", false, [](Run& r) { r.finish("ok", false); }).isOk());
}

TEST(Runs, AnAttendedRunStopsWhenItsLastFollowerIsGone) {
  Runs runs;
  core::Result<std::shared_ptr<Run>> run = runs.start("tess", "ping", "192.0.2.1", true, [](Run& r) {
    while (!r.shouldStop()) r.line("tick");
    r.finish("stopped: nobody watches", false);
  });
  CHECK_TRUE(run.isOk());
  std::atomic<int> calls{0};
  (*run)->follow([&calls](const std::string&, const std::string&) { return ++calls < 3; });  // the page closes
  CHECK_TRUE((*run)->waitDone(30000));
  STRCMP_EQUAL("stopped: nobody watches", (*run)->toJson()["summary"].get<std::string>().c_str());
}

TEST(Runs, OnlyTheOwnerFindsARun) {
  Runs runs;
  core::Result<std::shared_ptr<Run>> run = runs.start("tess", "dns", "example.com", false, [](Run& r) { r.finish("ok", false); });
  CHECK_TRUE(run.isOk());
  CHECK_TRUE(runs.find((*run)->id(), "tess") != nullptr);
  CHECK_TRUE(runs.find((*run)->id(), "ada") == nullptr);
  CHECK_TRUE(runs.find("1-000000000000", "tess") == nullptr);
}

TEST(Runs, StopAllEndsEveryRunAndRefusesNewOnes) {
  Runs runs;
  core::Result<std::shared_ptr<Run>> run = runs.start("tess", "ping", "x", false, [](Run& r) {
    while (!r.shouldStop()) r.idle();
    r.finish("stopped", false);
  });
  CHECK_TRUE(run.isOk());
  runs.stopAll();
  CHECK_TRUE((*run)->done());
  CHECK(runs.start("ada", "ping", "x", false, [](Run& r) { r.finish("", false); }).status().code() ==
        core::Code::kUnavailable);
}
