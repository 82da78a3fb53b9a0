// A ledger over a private accounting database in a folder under /tmp, the base of the test groups of
// the ledger's reads (ledger_reads_test.cpp, ledger_pages_test.cpp: TEST_GROUP_BASE(Name, LedgerDbTest)):
// setup opens it, teardown removes it; run() applies one record and flushAll() writes the overlay
// out, each in its own transaction, as the accounting writer does.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "aaa/acct/ledger.h"

#include <CppUTest/TestHarness.h>

namespace aaa::acct::test {

// A day's start well after the epoch, so that "yesterday" and day buckets are ordinary numbers.
inline constexpr int64_t kDay = int64_t{20000} * 86400;

// Built before main: CppUTest's leak check would count the lazily built list against a test.
inline const std::vector<core::Migration>& kLedgerMigrations = aaa::acct::migrations();

class LedgerDbTest : public Utest {
 public:
  std::string dir;
  std::unique_ptr<core::Database> db;
  Ledger ledger;

  void setup() override {
    char tmpl[] = "/tmp/edge-ledger-test-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
    core::StoreOptions o;
    o.path = dir + "/acct.db";
    o.migrations = kLedgerMigrations;
    core::Result<std::unique_ptr<core::Database>> opened = core::Database::open(o);
    CHECK_TEXT(opened.isOk(), opened.status().message().c_str());
    db = std::move(*opened);
  }

  void teardown() override {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Through `l` (a test with ledgers of its own: a restart is a second Ledger on the same database).
  void run(Ledger& l, const AcctRecord& r) {
    CHECK(db->exec("BEGIN").isOk());
    core::Status s = l.apply(*db, r, nullptr);
    CHECK_TEXT(s.isOk(), s.message().c_str());
    CHECK(db->exec("COMMIT").isOk());
  }

  void flushAll(Ledger& l) {
    CHECK(db->exec("BEGIN").isOk());
    core::Status s = l.flushAll(*db);
    CHECK_TEXT(s.isOk(), s.message().c_str());
    CHECK(db->exec("COMMIT").isOk());
  }

  void run(const AcctRecord& r) { run(ledger, r); }
  void flushAll() { flushAll(ledger); }
};

}  // namespace aaa::acct::test
