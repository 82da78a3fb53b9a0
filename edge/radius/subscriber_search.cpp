#include "edge/radius/subscriber_search.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_map>
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

void SubscriberSearch::build(const aaa::policy::SubscriberTable& base) {
  names_.clear();
  nameStart_.clear();
  macs_.clear();
  macRow_.clear();
  const std::vector<aaa::policy::Subscriber>& rows = base.rows();
  nameStart_.reserve(rows.size() + 1);
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < rows.size(); ++i) {
    nameStart_.push_back(static_cast<uint32_t>(names_.size()));
    names_ += lower(rows[i].username);
    names_ += '\n';
    if (rows[i].mac) {
      for (uint8_t b : *rows[i].mac) {
        macs_ += kHex[b >> 4];
        macs_ += kHex[b & 15];
      }
      macs_ += '\n';
      macRow_.push_back(static_cast<uint32_t>(i));
    }
  }
  nameStart_.push_back(static_cast<uint32_t>(names_.size()));
}

SubscriberMatches SubscriberSearch::find(const aaa::policy::Snapshot& snapshot, const std::string& text, size_t limit,
                                         size_t cap) {
  const std::string needle = lower(text);
  // A text with the index's separator, or a base too large for 32-bit offsets: the plain scan.
  if (text.empty() || cap == 0 || needle.find('\n') != std::string::npos ||
      snapshot.base->size() > (size_t{1} << 26))
    return findSubscribers(snapshot, text, limit, cap);
  if (base_ != snapshot.base) {
    build(*snapshot.base);
    base_ = snapshot.base;
  }
  const std::string digits = macDigits(text);
  const bool macSearch = digits.size() >= 2 && digits.size() <= 12;
  const std::vector<aaa::policy::Subscriber>& rows = snapshot.base->rows();
  const aaa::policy::SubscriberOverlay& overlay = *snapshot.overlay;
  SubscriberMatches out;
  std::unordered_map<uint32_t, int> best;  // row -> rank
  std::vector<uint32_t> order;             // rows in the order first found
  auto note = [&](uint32_t row, int rank) {
    if (!overlay.empty() && overlay.count(rows[row].username)) return true;  // the overlay's value counts
    auto [it, added] = best.emplace(row, rank);
    if (!added) {
      it->second = std::min(it->second, rank);
      return true;
    }
    if (order.size() == cap) {  // one match more than counted
      best.erase(it);
      out.capped = true;
      return false;
    }
    order.push_back(row);
    return true;
  };
  for (size_t pos = names_.find(needle); pos != std::string::npos; pos = names_.find(needle, pos + 1)) {
    size_t row = static_cast<size_t>(std::upper_bound(nameStart_.begin(), nameStart_.end(), pos) - nameStart_.begin()) - 1;
    if (!note(static_cast<uint32_t>(row), pos == nameStart_[row] ? 0 : 2)) break;
  }
  if (macSearch && !out.capped)
    for (size_t pos = macs_.find(digits); pos != std::string::npos; pos = macs_.find(digits, pos + 1)) {
      size_t k = pos / 13;
      if (pos % 13 + digits.size() > 12) continue;  // across two MACs
      if (!note(macRow_[k], pos % 13 == 0 ? 1 : 3)) break;
    }
  std::vector<std::pair<int, const aaa::policy::Subscriber*>> found;
  found.reserve(order.size());
  for (uint32_t row : order) found.emplace_back(best[row], &rows[row]);
  // The overlay's subscribers (changed since the base was built), one by one.
  SubscriberMatches changed;
  if (!overlay.empty() && !out.capped) {
    aaa::policy::Snapshot only;
    only.overlay = snapshot.overlay;
    changed = findSubscribers(only, text, cap, cap);
    for (const aaa::policy::Subscriber* s : changed.rows) {
      if (found.size() == cap) {
        out.capped = true;
        break;
      }
      found.emplace_back(std::min(nameRank(s->username, needle),
                                  macSearch && s->mac && macRank(*s->mac, digits) >= 0 ? macRank(*s->mac, digits) : 99),
                         s);
    }
    if (changed.capped) out.capped = true;
  }
  // A name rank of -1 (no name match) with a MAC match: the MAC's rank.
  for (auto& f : found)
    if (f.first < 0) f.first = macRank(*f.second->mac, digits);
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
