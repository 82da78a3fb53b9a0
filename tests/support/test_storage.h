// A mgmt::store::Storage for a test, on the backend the test run asks for: PostgreSQL when
// MGMT_TEST_PG_DSN is set (the CTest fixture of tests/support/pg_cluster.py sets it), SQLite on a
// temporary file otherwise. Each TestStorage gets a database of its own (a temporary folder, or a
// PostgreSQL schema of its own on the shared test cluster) and removes it when destroyed, so tests
// never see each other's rows. Header-only, for the mgmt store and service tests.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "mgmt/store/sql.h"

namespace mgmt::store::testing {

inline const char* pgTestDsn() {
  const char* dsn = std::getenv("MGMT_TEST_PG_DSN");
  return dsn != nullptr && *dsn != '\0' ? dsn : nullptr;
}

inline Backend testBackend() { return pgTestDsn() != nullptr ? Backend::kPostgres : Backend::kSqlite; }

class TestStorage {
 public:
  TestStorage() {
    static std::atomic<int> counter{0};
    const int n = counter++;
    if (const char* dsn = pgTestDsn()) {
      config_.backend = Backend::kPostgres;
      schema_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(n);
      core::Result<std::unique_ptr<Storage>> admin = openAdmin(dsn);
      if (!admin.isOk()) error_ = admin.status().toString();
      if (admin.isOk()) {
        admin_ = std::move(*admin);
        core::Status s = admin_->transact([this](Transaction& t) -> core::Status {
          EDGE_RETURN_IF_ERROR(t.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").status());
          return t.exec("CREATE SCHEMA " + schema_).status();
        });
        if (!s.isOk()) error_ = s.toString();
      }
      // libpq's keyword form: search_path set at connect, so the migrations and the tests' tables
      // all land in this test's schema. A lock wait past a minute is a bug in a test: fail with
      // PostgreSQL's message instead of hanging until CTest's timeout.
      config_.dsn = std::string(dsn) + " options='-c search_path=" + schema_ + " -c lock_timeout=60s'";
    } else {
      char tmpl[] = "/tmp/mgmt_store_test.XXXXXX";
      const char* d = ::mkdtemp(tmpl);
      dir_ = d != nullptr ? d : "/tmp";
      config_.backend = Backend::kSqlite;
      config_.path = dir_ + "/mgmt.db";
    }
    config_.connections = 3;
  }

  ~TestStorage() {
    if (admin_) {
      (void)admin_->transact(
          [this](Transaction& t) { return t.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").status(); });
    } else if (!dir_.empty() && dir_ != "/tmp") {
      for (const char* suffix : {"/mgmt.db", "/mgmt.db-wal", "/mgmt.db-shm"}) ::unlink((dir_ + suffix).c_str());
      ::rmdir(dir_.c_str());
    }
  }

  TestStorage(const TestStorage&) = delete;
  TestStorage& operator=(const TestStorage&) = delete;

  // Where this test's database is: open as many Storages on it as the test needs (several mgmtd).
  const StorageConfig& config() const { return config_; }
  // Non-empty when the PostgreSQL schema could not be made (the test should fail with it).
  const std::string& error() const { return error_; }

  core::Result<std::unique_ptr<Storage>> open(const std::vector<Migration>& migrations) const {
    if (!error_.empty()) return core::unavailable("test storage: " + error_);
    return Storage::open(config_, migrations);
  }

 private:
  static core::Result<std::unique_ptr<Storage>> openAdmin(const char* dsn) {
    StorageConfig admin;
    admin.backend = Backend::kPostgres;
    admin.dsn = std::string(dsn) + " options='-c lock_timeout=60s'";
    admin.connections = 1;
    return Storage::open(admin, {});
  }

  StorageConfig config_;
  std::string dir_;
  std::string schema_;
  std::string error_;
  std::unique_ptr<Storage> admin_;
};

}  // namespace mgmt::store::testing
