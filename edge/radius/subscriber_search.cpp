#include "edge/radius/subscriber_search.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace edge {

namespace {

std::string lower(const std::string& s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Hex digits of a MAC search text, lower case; empty when it has anything else than digits and
// separators (then it is not a MAC search).
std::string macDigits(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isxdigit(c)) out.push_back(static_cast<char>(std::tolower(c)));
    else if (c != ':' && c != '-' && c != '.') return "";
  }
  return out;
}

// Case-insensitive: does `name` start with / contain `needle` (lower case already)?
int nameRank(std::string_view name, const std::string& needle) {
  if (name.size() < needle.size()) return -1;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);  // bytes past ASCII too
  };
  // eq(a character of the name, one of the needle)
  if (std::equal(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(needle.size()), needle.begin(), eq)) return 0;
  auto it = std::search(name.begin(), name.end(), needle.begin(), needle.end(), eq);
  return it != name.end() ? 2 : -1;
}

int macRank(const aaa::policy::MacAddress& mac, const std::string& digits) {
  static const char* kHex = "0123456789abcdef";
  char text[12];
  for (size_t i = 0; i < 6; ++i) {
    text[2 * i] = kHex[mac[i] >> 4];
    text[2 * i + 1] = kHex[mac[i] & 15];
  }
  std::string_view t(text, sizeof text);
  if (t.substr(0, digits.size()) == digits) return 1;
  return t.find(digits) != std::string_view::npos ? 3 : -1;
}

}  // namespace

SubscriberMatches findSubscribers(const aaa::policy::Snapshot& snapshot, const std::string& text, size_t limit,
                                  size_t cap) {
  SubscriberMatches out;
  if (text.empty() || cap == 0) return out;
  const std::string needle = lower(text);
  const std::string digits = macDigits(text);
  const bool macSearch = digits.size() >= 2 && digits.size() <= 12;
  std::vector<std::pair<int, const aaa::policy::Subscriber*>> found;
  // The snapshot's iteration has no early exit: past the cap, the rest is skipped cheaply.
  snapshot.forEachSubscriber([&](const aaa::policy::Subscriber& s) {
    if (out.capped) return;
    int rank = nameRank(s.username, needle);
    if (macSearch && s.mac) {
      int m = macRank(*s.mac, digits);
      if (m >= 0 && (rank < 0 || m < rank)) rank = m;
    }
    if (rank < 0) return;
    if (found.size() == cap) {  // one match more than counted: "more than cap"
      out.capped = true;
      return;
    }
    found.emplace_back(rank, &s);
  });
  out.total = found.size();
  size_t keep = std::min(limit, found.size());
  auto better = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->username < b.second->username;
  };
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(), better);
  for (size_t i = 0; i < keep; ++i) out.rows.push_back(found[i].second);
  return out;
}

}  // namespace edge
