// The customers and customer_keys tables (mgmt_schema migration 3). SQL for them lives here only.
//
// customer_keys is the search index: the terms of a customer (searchTerms()) with its id. A search
// is a prefix range per word of the query over the primary key (tenant_id, term, customer_id), the
// first word driving and each further word an EXISTS on the same index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::customers {

struct Customer {
  std::string tenantId;
  std::string id;  // "cu-" + 12 hex digits
  std::string name;
  std::string email;
  std::string phone;
  std::string address;
  // Where they are, for attribution by territory (mgmt/partners): ISO 3166 alpha-2 country (upper
  // case), region, city, postal code; "" when unknown.
  std::string country, region, city, postalCode;
  std::string notes;
  std::vector<std::string> tags;
  std::string username;  // the RADIUS account (a subscriber of the tenant), or ""
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
  // The import batch that added it (ADR 0049); find() never reads it back, so any later put (a
  // customer-set) writes "" and a rollback leaves the customer.
  std::string importBatch;
};

// The index terms of a customer, lower-case, without duplicates: the whole name and each word of it,
// the username, the email, the phone's digits, each tag.
std::vector<std::string> searchTerms(const Customer& c);
// The words of a search, lower-case (at most 4; a phone number's punctuation removed).
std::vector<std::string> queryWords(const std::string& query);

class CustomerStore {
 public:
  explicit CustomerStore(store::Transaction& tx) : tx_(tx) {}

  core::Result<std::optional<Customer>> find(const std::string& tenantId, const std::string& id);
  // The customer holding the subscriber `username`, or whose email is `email` (case-insensitive);
  // the oldest when several do. Through the term index (both are terms), not a scan.
  core::Result<std::optional<Customer>> findByUsername(const std::string& tenantId, const std::string& username);
  core::Result<std::optional<Customer>> findByEmail(const std::string& tenantId, const std::string& email);
  // Inserts or replaces the customer and its terms.
  core::Status put(const Customer& c);
  // false when there was none.
  core::Result<bool> remove(const std::string& tenantId, const std::string& id);
  // By name; `words` empty = everyone; every word must prefix one of a customer's terms.
  core::Result<std::vector<Customer>> search(const std::string& tenantId, const std::vector<std::string>& words,
                                             int64_t limit, int64_t offset);
  core::Result<int64_t> count(const std::string& tenantId);
  // Those created before `before` (Unix seconds): growth for the tenant health score.
  core::Result<int64_t> countCreatedBefore(const std::string& tenantId, int64_t before);
  // Every customer of the tenant and its terms (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::customers
