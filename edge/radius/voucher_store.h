// The vouchers' rows in edge.db (migration 4): a batch in voucher_batches, each code a subscriber
// that names its batch. The SQL of voucher_service.cpp, nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace edge {

struct VoucherBatchRow {
  std::string name;
  int64_t planId = 0;
  int64_t count = 0;
  std::string prefix;
  int64_t validFor = 0;  // seconds from first use; 0 = the plan's validity
  int64_t priceMinor = 0;
  std::string currency;
  int64_t createdAt = 0;
};

// Inserts the batch row (in a Writer job); its id. kAlreadyExists when the name is taken.
core::Result<int64_t> insertVoucherBatch(core::Database& db, const VoucherBatchRow& batch);

// A voucher as listed and exported: the subscriber, its batch and its plan joined.
struct VoucherRow {
  std::string code, batch, plan, status, mac;
  int64_t firstLogin = 0, expiresAt = 0, validFor = 0, priceMinor = 0, createdAt = 0;
  std::string currency;
};

// The vouchers of `batch` ("" = every batch) and/or with `code` ("" = any), in batch then creation order.
core::Result<std::vector<VoucherRow>> loadVouchers(core::Database& db, const std::string& batch, const std::string& code);

}  // namespace edge
