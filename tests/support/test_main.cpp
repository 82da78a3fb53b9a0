// The one CppUTest runner main shared by every unit test executable (see edge_unit_tests()).
#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/TestHarness.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

int main(int argc, char** argv) {
  // CppUTest's leak detector replaces operator new/delete, and its default bookkeeping is not
  // thread-safe: tests whose code under test runs threads (store writers, connection pools, NAS
  // workers) corrupt it and crash far from the cause (mgmt_store_tests_pg once segfaulted that
  // way). Every runner uses the locked overloads; no test group switches them back.
  MemoryLeakWarningPlugin::turnOnThreadSafeNewDeleteOverloads();
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
