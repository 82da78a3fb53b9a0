// catalog's argument tables asked for from a static initializer, as a daemon's command table built
// before main() asks for them (edge::edgeCommandSpecs(), mgmt::mgmtCommandSpecs(), a test's table):
// they are whole whatever order the program's statics are built in, and carry their ranges.
#include <cstddef>
#include <string>
#include <vector>

#include "catalog/nas.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "core/command/command.h"

#include <CppUTest/TestHarness.h>

namespace {

// Built before main(), in this file's static initialization: when the tables were statics of their
// own files, which the linker orders after this one, these copies came out empty.
const std::vector<core::command::Arg> kNasBeforeMain = catalog::nasArguments();
const std::vector<core::command::Arg> kPlanBeforeMain = catalog::planArguments();
const std::vector<core::command::Arg> kSubscriberBeforeMain = catalog::subscriberArguments();

}  // namespace

TEST_GROUP(CatalogArgumentTables){};

TEST(CatalogArgumentTables, AreWholeWhenAskedForBeforeMain) {
  LONGS_EQUAL(7, kNasBeforeMain.size());
  LONGS_EQUAL(21, kPlanBeforeMain.size());
  LONGS_EQUAL(7, kSubscriberBeforeMain.size());
  STRCMP_EQUAL("name", kNasBeforeMain.front().name.c_str());
  STRCMP_EQUAL("window", kPlanBeforeMain.back().name.c_str());
  STRCMP_EQUAL("static-ip", kSubscriberBeforeMain.back().name.c_str());
  // The same tables as asked for now (one table, built once).
  CHECK_EQUAL(&catalog::nasArguments(), &catalog::nasArguments());
  LONGS_EQUAL(catalog::planArguments().size(), kPlanBeforeMain.size());
}

TEST(CatalogArgumentTables, DeclareTheRangesOfTheirIntegers) {
  using core::command::argument;
  STRCMP_EQUAL("1..65535", argument(kNasBeforeMain, "coa-port").rangeText().c_str());
  struct Limit {
    const char* key;
    int64_t max;
  };
  for (Limit l : {Limit{"burst-threshold", catalog::kMaxBurstThresholdPercent},
                  Limit{"burst-time", catalog::kMaxBurstTimeSeconds},
                  Limit{"session-timeout", catalog::kMaxPlanTimeoutSeconds},
                  Limit{"idle-timeout", catalog::kMaxPlanTimeoutSeconds}, Limit{"interim", catalog::kMaxInterimSeconds},
                  Limit{"max-sessions", catalog::kMaxPlanSessions}}) {
    const core::command::Arg& a = argument(kPlanBeforeMain, l.key);
    CHECK_TRUE_TEXT(a.type == core::command::ArgType::kInteger, l.key);
    LONGS_EQUAL_TEXT(0, a.min, l.key);
    LONGS_EQUAL_TEXT(l.max, a.max, l.key);
  }
}
