#include "mgmt/customers/customer_store.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace mgmt::customers {

namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string digitsOf(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (std::isdigit(static_cast<unsigned char>(ch))) out.push_back(ch);
  return out;
}

// Only digits and a phone number's punctuation, with a digit: queryWords keeps its digits.
bool isPhoneLike(const std::string& w) {
  return w.find_first_not_of("0123456789+-().") == std::string::npos && !digitsOf(w).empty();
}

std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) out += (out.empty() ? "" : ",") + t;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Above every string that starts with `prefix` in byte order (SQLite BINARY, PostgreSQL COLLATE "C"):
// the prefix followed by U+10FFFF, the largest code point.
std::string upperBound(const std::string& prefix) { return prefix + "\xf4\x8f\xbf\xbf"; }

Customer fromRow(const store::Row& r) {
  Customer c;
  c.tenantId = r.text(0);
  c.id = r.text(1);
  c.name = r.text(2);
  c.email = r.text(3);
  c.phone = r.text(4);
  c.address = r.text(5);
  c.notes = r.text(6);
  c.tags = split(r.text(7));
  c.username = r.text(8);
  c.createdAt = r.int64(9);
  c.updatedAt = r.int64(10);
  c.country = r.text(11);
  c.region = r.text(12);
  c.city = r.text(13);
  c.postalCode = r.text(14);
  return c;
}

constexpr const char* kColumns =
    "c.tenant_id, c.id, c.name, c.email, c.phone, c.address, c.notes, c.tags, c.username, c.created_at, c.updated_at, "
    "c.country, c.region, c.city, c.postal_code";

}  // namespace

std::vector<std::string> searchTerms(const Customer& c) {
  std::set<std::string> terms;
  std::string name;  // the whole name with single spaces, and each word of it
  for (const std::string& w : words(lower(c.name))) {
    name += (name.empty() ? "" : " ") + w;
    terms.insert(w);
    if (isPhoneLike(w)) terms.insert(digitsOf(w));  // what queryWords makes of that word
  }
  if (!name.empty()) terms.insert(name);
  if (!c.username.empty()) terms.insert(lower(c.username));
  if (!c.email.empty()) terms.insert(lower(c.email));
  std::string digits = digitsOf(c.phone);
  if (!digits.empty()) terms.insert(digits);
  for (const std::string& t : c.tags) terms.insert(lower(t));
  return {terms.begin(), terms.end()};
}

std::vector<std::string> queryWords(const std::string& query) {
  std::vector<std::string> out;
  // "+351 912-000" is a phone number: its digits, together, are one term.
  if (query.find_first_not_of("0123456789+-(). ") == std::string::npos && !digitsOf(query).empty())
    return {digitsOf(query)};
  for (std::string w : words(lower(query))) {
    if (isPhoneLike(w)) w = digitsOf(w);
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    if (out.size() == 4) break;
  }
  return out;
}

core::Result<std::optional<Customer>> CustomerStore::findByUsername(const std::string& tenantId,
                                                                   const std::string& username) {
  if (username.empty()) return std::optional<Customer>();
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne(std::string("SELECT ") + kColumns +
                                         " FROM customer_keys k JOIN customers c ON c.tenant_id = k.tenant_id AND "
                                         "c.id = k.customer_id WHERE k.tenant_id = $1 AND k.term = $2 AND "
                                         "c.username = $3 ORDER BY c.created_at, c.id LIMIT 1",
                                     {tenantId, lower(username), username}));
  if (!r) return std::optional<Customer>();
  return std::optional<Customer>(fromRow(*r));
}

core::Result<std::optional<Customer>> CustomerStore::findByEmail(const std::string& tenantId, const std::string& email) {
  if (email.empty()) return std::optional<Customer>();
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne(std::string("SELECT ") + kColumns +
                                         " FROM customer_keys k JOIN customers c ON c.tenant_id = k.tenant_id AND "
                                         "c.id = k.customer_id WHERE k.tenant_id = $1 AND k.term = $2 AND "
                                         "lower(c.email) = $2 ORDER BY c.created_at, c.id LIMIT 1",
                                     {tenantId, lower(email)}));
  if (!r) return std::optional<Customer>();
  return std::optional<Customer>(fromRow(*r));
}

core::Result<std::optional<Customer>> CustomerStore::find(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kColumns +
                                         " FROM customers c WHERE c.tenant_id = $1 AND c.id = $2",
                                     {tenantId, id}));
  if (!row) return std::optional<Customer>();
  return std::optional<Customer>(fromRow(*row));
}

core::Status CustomerStore::put(const Customer& c) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec("INSERT INTO customers(tenant_id, id, name, email, phone, address, notes, tags, username, created_at, "
               "updated_at, import_batch, country, region, city, postal_code) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
               "ON CONFLICT(tenant_id, id) DO UPDATE SET name = excluded.name, email = excluded.email, "
               "phone = excluded.phone, address = excluded.address, notes = excluded.notes, tags = excluded.tags, "
               "username = excluded.username, updated_at = excluded.updated_at, import_batch = excluded.import_batch, "
               "country = excluded.country, region = excluded.region, city = excluded.city, "
               "postal_code = excluded.postal_code",
               {c.tenantId, c.id, c.name, c.email, c.phone, c.address, c.notes, joined(c.tags), c.username, c.createdAt,
                c.updatedAt, c.importBatch, c.country, c.region, c.city, c.postalCode})
          .status());
  EDGE_RETURN_IF_ERROR(
      tx_.exec("DELETE FROM customer_keys WHERE tenant_id = $1 AND customer_id = $2", {c.tenantId, c.id}).status());
  for (const std::string& term : searchTerms(c)) {
    EDGE_RETURN_IF_ERROR(
        tx_.exec("INSERT INTO customer_keys(tenant_id, term, customer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 {c.tenantId, term, c.id})
            .status());
  }
  return core::Status::ok();
}

core::Result<bool> CustomerStore::remove(const std::string& tenantId, const std::string& id) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec("DELETE FROM customer_keys WHERE tenant_id = $1 AND customer_id = $2", {tenantId, id}).status());
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("DELETE FROM customers WHERE tenant_id = $1 AND id = $2", {tenantId, id}));
  return n > 0;
}

core::Result<std::vector<Customer>> CustomerStore::search(const std::string& tenantId,
                                                          const std::vector<std::string>& words, int64_t limit,
                                                          int64_t offset) {
  std::string sql;
  store::Params params{tenantId};
  if (words.empty()) {
    sql = std::string("SELECT ") + kColumns + " FROM customers c WHERE c.tenant_id = $1 ORDER BY c.name, c.id";
  } else {
    // The first word's range of the index gives the candidates; every further word must prefix a term
    // of the same customer.
    sql = std::string("SELECT ") + kColumns +
          " FROM customers c WHERE c.tenant_id = $1 AND c.id IN (SELECT k.customer_id FROM customer_keys k "
          "WHERE k.tenant_id = $1 AND k.term >= $2 AND k.term < $3)";
    params.push_back(words[0]);
    params.push_back(upperBound(words[0]));
    for (size_t i = 1; i < words.size(); ++i) {
      std::string lo = "$" + std::to_string(params.size() + 1), hi = "$" + std::to_string(params.size() + 2);
      sql += " AND EXISTS (SELECT 1 FROM customer_keys k" + std::to_string(i) + " WHERE k" + std::to_string(i) +
             ".tenant_id = $1 AND k" + std::to_string(i) + ".customer_id = c.id AND k" + std::to_string(i) +
             ".term >= " + lo + " AND k" + std::to_string(i) + ".term < " + hi + ")";
      params.push_back(words[i]);
      params.push_back(upperBound(words[i]));
    }
    sql += " ORDER BY c.name, c.id";
  }
  sql += " LIMIT $" + std::to_string(params.size() + 1) + " OFFSET $" + std::to_string(params.size() + 2);
  params.push_back(limit);
  params.push_back(offset);
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows, tx_.query(sql, params));
  std::vector<Customer> out;
  for (const store::Row& r : rows) out.push_back(fromRow(r));
  return out;
}

core::Result<int64_t> CustomerStore::count(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM customers WHERE tenant_id = $1", {tenantId});
}

core::Result<int64_t> CustomerStore::countCreatedBefore(const std::string& tenantId, int64_t before) {
  return tx_.queryInt64("SELECT count(*) FROM customers WHERE tenant_id = $1 AND created_at < $2", {tenantId, before});
}

core::Status CustomerStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM customer_keys WHERE tenant_id = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM customers WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::customers
