// Search as you type (edge/radius/subscriber_search.h): the text comes from a browser's query string
// (the technician UI's Subscribers page) or `edgectl subscriber list --find`, so it is outside input.
// Input: the search text (any bytes), searched over a fixed table of subscribers, some with a MAC.
// Properties: at most `limit` rows and `cap` matches; capped exactly when more than cap match; every row matches
// (its username contains the text in any case, or its MAC's hex digits contain the text's); the
// indexed search (SubscriberSearch) gives the same rows; rows
// in rank order (name prefix, MAC prefix, name substring, MAC substring), by username within a rank.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aaa/auth/mac.h"
#include "edge/radius/subscriber_search.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "subscriber_search";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const aaa::policy::Snapshot& snapshot() {
  static const std::shared_ptr<const aaa::policy::Snapshot> snap = [] {
    aaa::policy::SnapshotHolder holder;
    std::vector<aaa::policy::Subscriber> subs;
    const char* names[] = {"alice", "Alicia", "bob", "02:00:00:00:00:01", "ab-cd", "user1", "user10", "user100",
                           "maria", "MARIO", "x", "", "café", "a%b_c", "zz"};
    int i = 0;
    for (const char* n : names) {
      aaa::policy::Subscriber s;
      s.id = ++i;
      s.username = n;
      if (i % 3 == 0) s.mac = aaa::auth::parseMac("02:00:5e:0" + std::to_string(i % 10) + ":ab:cd");
      subs.push_back(s);
    }
    holder.publishFull({}, {}, subs);
    // Changes since the base (the overlay): one changed (a MAC now), one deleted, one new.
    auto changed = std::make_shared<aaa::policy::Subscriber>(subs[0]);
    changed->mac = aaa::auth::parseMac("02:00:5e:77:ab:cd");
    auto added = std::make_shared<aaa::policy::Subscriber>();
    added->id = 99;
    added->username = "Alina";
    holder.publishSubscriberChanges({{"alice", changed}, {"bob", nullptr}, {"Alina", added}});
    return holder.current();
  }();
  return *snap;
}

int rank(const aaa::policy::Subscriber& s, const std::string& text) {
  std::string name = lower(s.username), needle = lower(text);
  std::string digits;
  bool macText = true;
  for (unsigned char c : text) {
    if (std::isxdigit(c)) digits.push_back(static_cast<char>(std::tolower(c)));
    else if (c != ':' && c != '-' && c != '.') macText = false;
  }
  int best = -1;
  if (name.compare(0, needle.size(), needle) == 0 && name.size() >= needle.size()) best = 0;
  else if (name.find(needle) != std::string::npos) best = 2;
  if (macText && digits.size() >= 2 && digits.size() <= 12 && s.mac) {
    std::string hex;
    static const char* kHex = "0123456789abcdef";
    for (uint8_t b : *s.mac) hex += std::string{kHex[b >> 4], kHex[b & 15]};
    int m = hex.compare(0, digits.size(), digits) == 0 ? 1 : hex.find(digits) != std::string::npos ? 3 : -1;
    if (m >= 0 && (best < 0 || m < best)) best = m;
  }
  return best;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t limit = data[0] % 8, cap = 1 + data[1] % 16;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  const aaa::policy::Snapshot& snap = snapshot();
  edge::SubscriberMatches m = edge::findSubscribers(snap, text, limit, cap);
  FUZZ_CHECK(m.rows.size() <= limit, "more rows than the limit");
  FUZZ_CHECK(m.total <= cap, "counted past the cap");
  FUZZ_CHECK(!m.capped || m.total == cap, "capped below the cap");
  FUZZ_CHECK(m.rows.size() == std::min(limit, m.total), "rows missing");
  if (text.empty()) FUZZ_CHECK(m.total == 0, "an empty text matched");
  size_t all = 0;
  snap.forEachSubscriber([&](const aaa::policy::Subscriber& s) { all += rank(s, text) >= 0 ? 1 : 0; });
  if (!text.empty()) {
    FUZZ_CHECK(m.total == std::min(all, cap), "counted " + std::to_string(m.total) + " of " + std::to_string(all) +
                                                  " matches of '" + text + "'");
    FUZZ_CHECK(m.capped == (all > cap), "capped is not 'more than cap matched'");
  }
  for (size_t i = 0; i < m.rows.size(); ++i) {
    int r = rank(*m.rows[i], text);
    FUZZ_CHECK(r >= 0, "row '" + m.rows[i]->username + "' does not match");
    if (i > 0 && !m.capped) {
      int p = rank(*m.rows[i - 1], text);
      FUZZ_CHECK(p < r || (p == r && m.rows[i - 1]->username <= m.rows[i]->username),
                 "rows out of order: '" + m.rows[i - 1]->username + "' (" + std::to_string(p) + ") before '" +
                     m.rows[i]->username + "' (" + std::to_string(r) + ") for '" + text + "'");
    }
  }
  // The indexed search (SubscriberSearch) answers the same; when capped, the scan order decides which
  // matches were counted, so only the counts compare.
  static edge::SubscriberSearch indexed;
  edge::SubscriberMatches i = indexed.find(snap, text, limit, cap);
  FUZZ_CHECK(i.total == m.total && i.capped == m.capped, "the index counted " + std::to_string(i.total) + ", the scan " +
                                                            std::to_string(m.total) + " for '" + text + "'");
  if (!m.capped) {
    FUZZ_CHECK(i.rows.size() == m.rows.size(), "the index found other rows");
    for (size_t k = 0; k < m.rows.size(); ++k)
      FUZZ_CHECK(i.rows[k] == m.rows[k], "the index's row " + std::to_string(k) + " is '" + i.rows[k]->username +
                                             "', the scan's '" + m.rows[k]->username + "' for '" + text + "'");
  }
  return 0;
}
