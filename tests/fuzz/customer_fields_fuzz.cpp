// What a person types into the console's customer form, mgmtctl customer or the admin API
// (mgmt/customers): the fields as checked, the terms indexed, a search's words.
// Input: "name\0email\0phone\0address\0notes\0tags\0query" (missing parts are empty).
// Properties: validateFields never throws and, when it refuses, its message starts with the name of
// a field; accepted tags are lower-case [a-z0-9_-]{1,32}, at most 20; every search term is lower-case
// and non-empty, with no duplicates; a query has at most 4 words, none empty; a customer is found by
// every word of its own name.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "mgmt/customers/customer_service.h"
#include "mgmt/customers/customer_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "customer_fields";
const char* const kFields[] = {"name", "email", "phone", "address", "notes", "tags"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts(7);
  size_t i = 0;
  for (size_t k = 0; k < size; ++k) {
    if (data[k] == 0 && i < 6) ++i;
    else parts[i].push_back(static_cast<char>(data[k]));
  }
  core::Json args = core::Json::object();
  for (size_t f = 0; f < 6; ++f)
    if (!parts[f].empty()) args[kFields[f]] = parts[f];
  core::Status s = mgmt::customers::validateFields(args);
  if (!s.isOk()) {
    bool named = false;
    for (const char* f : kFields) named = named || s.message().rfind(std::string(f) + ":", 0) == 0;
    FUZZ_CHECK(named, "a refusal names no field: " + s.message());
  }
  std::vector<std::string> tags = mgmt::customers::parseTags(parts[5]);
  if (s.isOk()) {
    FUZZ_CHECK(tags.size() <= 20, "more than 20 tags accepted");
    for (const std::string& t : tags)
      FUZZ_CHECK(!t.empty() && t.size() <= 32 && t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos,
                 "a bad tag accepted: " + t);
  }
  mgmt::customers::Customer c;
  c.name = parts[0];
  c.email = parts[1];
  c.phone = parts[2];
  c.tags = tags;
  std::vector<std::string> terms = mgmt::customers::searchTerms(c);
  for (size_t t = 0; t < terms.size(); ++t) {
    FUZZ_CHECK(!terms[t].empty(), "an empty term");
    for (char ch : terms[t]) FUZZ_CHECK(!(ch >= 'A' && ch <= 'Z'), "a term with upper case: " + terms[t]);
    FUZZ_CHECK(std::count(terms.begin(), terms.end(), terms[t]) == 1, "a duplicate term: " + terms[t]);
  }
  std::vector<std::string> words = mgmt::customers::queryWords(parts[6]);
  FUZZ_CHECK(words.size() <= 4, "more than 4 query words");
  for (const std::string& w : words) FUZZ_CHECK(!w.empty(), "an empty query word");
  // Every word of a name, as a query, prefixes one of that customer's terms (a name that is all
  // phone characters is searched as one number, which its words' digits need not prefix).
  if (parts[0].find_first_not_of("0123456789+-(). ") != std::string::npos)
    for (const std::string& w : mgmt::customers::queryWords(parts[0])) {
      bool found = std::any_of(terms.begin(), terms.end(), [&](const std::string& t) { return t.rfind(w, 0) == 0; });
      FUZZ_CHECK(found, "'" + parts[0] + "' is not found by its word '" + w + "'");
    }
  return 0;
}
