// edge/diagnostics/runs.h: one run per owner, followers get every line then the end, a run whose
// page went away is stopped, and only its owner finds it.
#include "edge/diagnostics/runs.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using edge::diagnostics::Run;
using edge::diagnostics::Runs;
using edge::diagnostics::RunsOptions;

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

TEST(Runs, TheRecentRunsAreListedNewestFirstAndBounded) {
  RunsOptions o;
  o.keep = 3;
  o.wallNow = [] { return int64_t{1700000000}; };
  Runs runs(o);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    core::Result<std::shared_ptr<Run>> run =
        runs.start(i % 2 ? "ada" : "tess", "ping", "192.0.2." + std::to_string(i), false,
                   [i](Run& r) { r.finish(i == 4 ? "failed: no route" : "exited with status 0", i == 4); });
    CHECK_TRUE(run.isOk());
    CHECK_TRUE((*run)->waitDone(30000));
    ids.push_back((*run)->id());
  }
  // Five finished, three kept: the last three, newest first.
  std::vector<std::shared_ptr<Run>> listed = runs.list();
  LONGS_EQUAL(3, listed.size());
  STRCMP_EQUAL(ids[4].c_str(), listed[0]->id().c_str());
  STRCMP_EQUAL(ids[2].c_str(), listed[2]->id().c_str());
  CHECK_TRUE(runs.get(ids[0]) == nullptr);
  CHECK_TRUE(runs.get(ids[3]) != nullptr);
  core::Json j = listed[0]->summaryJson();
  STRCMP_EQUAL("tess", j["owner"].get<std::string>().c_str());
  STRCMP_EQUAL("192.0.2.4", j["target"].get<std::string>().c_str());
  LONGS_EQUAL(1700000000, j["started-at"].get<int64_t>());
  CHECK_TRUE(j["done"].get<bool>());
  CHECK_TRUE(j["failed"].get<bool>());
  CHECK_TRUE(j["duration-ms"].get<int64_t>() >= 0);
  STRCMP_EQUAL("failed: no route", j["summary"].get<std::string>().c_str());
  CHECK_FALSE(j.contains("lines"));  // the list carries no output
}

TEST(Runs, ARunInProgressIsNeverDroppedFromTheList) {
  RunsOptions o;
  o.keep = 1;
  Runs runs(o);
  core::Result<std::shared_ptr<Run>> slow = runs.start("tess", "traceroute", "192.0.2.9", false, [](Run& r) {
    while (!r.shouldStop()) r.idle();
    r.finish("stopped", false);
  });
  CHECK_TRUE(slow.isOk());
  for (int i = 0; i < 3; ++i) {
    core::Result<std::shared_ptr<Run>> quick = runs.start("ada", "dns", "example.com", false, [](Run& r) { r.finish("ok", false); });
    CHECK_TRUE(quick.isOk());
    CHECK_TRUE((*quick)->waitDone(30000));
  }
  std::vector<std::shared_ptr<Run>> listed = runs.list();
  LONGS_EQUAL(2, listed.size());  // the one in progress and the last finished one
  STRCMP_EQUAL((*slow)->id().c_str(), listed[1]->id().c_str());
  CHECK_FALSE(listed[1]->summaryJson()["done"].get<bool>());
  CHECK_TRUE(runs.stop("tess").isOk());
}

TEST(Runs, ACaptureFileIsDeletedWhenItExpiresAndTheRunStaysListed) {
  int64_t nowMs = 1000;
  RunsOptions o;
  o.fileSeconds = 3600;
  o.nowMs = [&nowMs] { return nowMs; };
  Runs runs(o);
  char tmpl[] = "/tmp/runs-test-XXXXXX.pcap";
  int fd = ::mkstemps(tmpl, 5);
  CHECK_TRUE(fd >= 0);
  ::close(fd);
  std::string path = tmpl;
  core::Result<std::shared_ptr<Run>> run = runs.start("ada", "capture", "1 s", false, [path](Run& r) {
    r.setFile(path, "radius.pcap");
    r.finish("captured 0 packets", false);
  });
  CHECK_TRUE(run.isOk());
  CHECK_TRUE((*run)->waitDone(30000));
  CHECK_TRUE(runs.list().at(0)->summaryJson()["has-file"].get<bool>());  // seen finished at 1000 ms
  nowMs = 1000 + 3600 * 1000;
  CHECK_TRUE(runs.list().at(0)->summaryJson()["has-file"].get<bool>());  // an hour: still there
  CHECK_TRUE(std::ifstream(path).good());
  nowMs = 1000 + 3600 * 1000 + 1;
  core::Json j = runs.list().at(0)->summaryJson();
  CHECK_FALSE(j["has-file"].get<bool>());
  CHECK_TRUE(j["file-expired"].get<bool>());
  CHECK_FALSE(std::ifstream(path).good());
  CHECK_TRUE((*run)->file().empty());
}
