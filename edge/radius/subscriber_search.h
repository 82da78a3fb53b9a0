// Search as you type over the subscribers of a snapshot (subscriber-list --find; the technician UI's
// Subscribers page): in memory, on the immutable snapshot the RADIUS path reads, so a keystroke
// costs no SQL and no lock, and a MAC bound to a subscriber is found without an index on edge.db.
//
// Contract
// - Matches, best first: a username that starts with the text, a bound MAC that starts with it,
//   a username that contains it, a bound MAC that contains it; within each, by username. The text is
//   compared case-insensitively; for MACs as hex digits (':', '-' and '.' ignored), so "AA-BB" finds
//   aa:bb:cc:dd:ee:ff.
// - Bounded: the scan stops at the first match past `cap` (then `capped`, and `total` is `cap`):
//   a one-letter search over a million subscribers answers at once with "more than cap"; typing more
//   narrows it. Without the cap a scan touches every subscriber once (tens of milliseconds at a
//   million).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aaa/policy/snapshot.h"

namespace edge {

struct SubscriberMatches {
  std::vector<const aaa::policy::Subscriber*> rows;  // `limit` of them at most, best first
  size_t total = 0;                                  // how many matched (at most cap)
  bool capped = false;                               // more than cap matched
};

// Pointers into `snapshot`: keep the snapshot alive while using them. An empty text matches nothing.
SubscriberMatches findSubscribers(const aaa::policy::Snapshot& snapshot, const std::string& text, size_t limit,
                                  size_t cap = 1000);

// The same search with an index of the snapshot's base table: every username lower-cased in one
// buffer and every bound MAC's digits in another, so a search reads a few megabytes in order instead
// of touching a million subscribers (about ten times faster at a million). Built at the first search
// after the base table changed (a full reload or a fold of the overlay: rarely); the overlay's
// subscribers are searched one by one. Same answers as findSubscribers. Not thread-safe: one owner
// (the catalog's command handlers run one at a time).
class SubscriberSearch {
 public:
  SubscriberMatches find(const aaa::policy::Snapshot& snapshot, const std::string& text, size_t limit,
                         size_t cap = 1000);

 private:
  void build(const aaa::policy::SubscriberTable& base);
  std::shared_ptr<const aaa::policy::SubscriberTable> base_;  // the table indexed
  std::string names_;                 // row i's lower-cased username at nameStart_[i], each followed by '\n'
  std::vector<uint32_t> nameStart_;   // one more than rows: the end
  std::string macs_;                  // 12 hex digits and '\n' per bound MAC
  std::vector<uint32_t> macRow_;      // the row of each MAC in macs_
};

}  // namespace edge
