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
  LONGS_EQUAL(8, kNasBeforeMain.size());  // with radsec-identity
  LONGS_EQUAL(21, kPlanBeforeMain.size());
  LONGS_EQUAL(12, kSubscriberBeforeMain.size());  // with nt-hash and password-hash (ADR 0045), the dunning three (ADR 0048)
  STRCMP_EQUAL("name", kNasBeforeMain.front().name.c_str());
  STRCMP_EQUAL("window", kPlanBeforeMain.back().name.c_str());
  STRCMP_EQUAL("dunning-url", kSubscriberBeforeMain.back().name.c_str());
  // The same tables as asked for now (one table, built once).
  CHECK_EQUAL(&catalog::nasArguments(), &catalog::nasArguments());
  LONGS_EQUAL(catalog::planArguments().size(), kPlanBeforeMain.size());
}

TEST(CatalogArgumentTables, DeclareTheRangesOfTheirIntegers) {
  using core::command::argument;
  STRCMP_EQUAL("1..65535", argument(kNasBeforeMain, "coa-port").rangeText().c_str());
  STRCMP_EQUAL("0..100", argument(kPlanBeforeMain, "burst-threshold").rangeText().c_str());
  STRCMP_EQUAL("0..86400", argument(kPlanBeforeMain, "interim").rangeText().c_str());
  STRCMP_EQUAL("0..2678400", argument(kPlanBeforeMain, "idle-timeout").rangeText().c_str());
  // Each integer of the plan table has one (plan_test checks each limit through applyPlanArgs).
  size_t integers = 0;
  for (const core::command::Arg& a : kPlanBeforeMain) {
    if (a.type != core::command::ArgType::kInteger) continue;
    ++integers;
    CHECK_TEXT(a.min == 0 && a.max < INT64_MAX, a.name.c_str());
  }
  LONGS_EQUAL(6, integers);
}
