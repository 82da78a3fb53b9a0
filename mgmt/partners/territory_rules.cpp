#include "mgmt/partners/territory_rules.h"

#include <algorithm>
#include <cctype>

#include "billing/invoicing/calendar.h"

namespace mgmt::partners {

namespace {

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string folded(const std::string& s) {
  std::string out = trimmed(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool hasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

const char* level(int spec) {
  switch (spec) {
    case 4: return "postal code";
    case 3: return "city";
    case 2: return "region";
    default: return "country";
  }
}

std::string describe(const Territory& t) {
  return std::string(t.exclusive ? "exclusive" : "shared") + " territory " + placeText(t.place) + " of partner " +
         t.partnerName + " (" + t.partnerId + ")";
}

std::string shortDescribe(const Territory& t) {
  return std::string(t.exclusive ? "exclusive" : "shared") + " " + placeText(t.place) + " of " + t.partnerName + " (" +
         t.partnerId + ")";
}

// Whether a comes before b under the rules; a strict weak order.
bool better(const Territory& a, const Territory& b) {
  if (a.exclusive != b.exclusive) return a.exclusive;
  const int sa = specificity(a.place), sb = specificity(b.place);
  if (sa != sb) return sa > sb;
  if (a.createdAt != b.createdAt) return a.createdAt < b.createdAt;
  return a.id < b.id;
}

// The rule that puts `w` before `l`, in words.
std::string reason(const Territory& w, const Territory& l) {
  if (w.exclusive != l.exclusive) return "exclusive beats shared";
  const int sw = specificity(w.place), sl = specificity(l.place);
  if (sw != sl) return std::string("most specific wins: a ") + level(sw) + " is finer than a " + level(sl);
  if (w.createdAt != l.createdAt)
    return "earliest wins: added " + ::billing::formatDay(w.createdAt / 86400) + ", the other " +
           ::billing::formatDay(l.createdAt / 86400);
  return "earliest wins: added in the same second, #" + std::to_string(w.id) + " before #" + std::to_string(l.id);
}

}  // namespace

core::Result<Place> makePlace(const std::string& country, const std::string& region, const std::string& city,
                              const std::string& postal) {
  Place p{trimmed(country), trimmed(region), trimmed(city), trimmed(postal)};
  if (p.country.empty()) {
    if (!p.region.empty() || !p.city.empty() || !p.postal.empty())
      return core::invalidArgument("country: a region, city or postal code needs its country");
    return p;
  }
  if (p.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(p.country[0])) ||
      !std::isalpha(static_cast<unsigned char>(p.country[1])))
    return core::invalidArgument("country: a two-letter ISO 3166 code such as DE");
  for (char& ch : p.country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"region", &p.region}, {"city", &p.city}}) {
    if (value->size() > 64) return core::invalidArgument(std::string(key) + ": at most 64 characters");
    if (hasControl(*value) || value->find('/') != std::string::npos)
      return core::invalidArgument(std::string(key) + ": control characters and '/' are not allowed");
  }
  if (p.postal.size() > 16 || p.postal.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -") !=
                                  std::string::npos)
    return core::invalidArgument("postal: at most 16 letters, digits, spaces or '-'");
  return p;
}

std::string placeText(const Place& p) {
  std::string out = p.country;
  for (const std::string* f : {&p.region, &p.city, &p.postal})
    if (!f->empty()) out += "/" + *f;
  return out;
}

int specificity(const Place& t) {
  if (!t.postal.empty()) return 4;
  if (!t.city.empty()) return 3;
  if (!t.region.empty()) return 2;
  return 1;
}

bool covers(const Place& t, const Place& p) {
  if (t.country.empty() || folded(t.country) != folded(p.country)) return false;
  if (!t.region.empty() && folded(t.region) != folded(p.region)) return false;
  if (!t.city.empty() && folded(t.city) != folded(p.city)) return false;
  if (!t.postal.empty() && folded(t.postal) != folded(p.postal)) return false;
  return true;
}

TerritoryDecision decideTerritory(const Place& place, const std::vector<Territory>& territories) {
  TerritoryDecision d;
  for (const Territory& t : territories)
    if (t.removedAt == 0 && covers(t.place, place)) d.covering.push_back(t);
  std::sort(d.covering.begin(), d.covering.end(), better);
  const std::string where = place.country.empty() ? std::string("a place without a country") : placeText(place);
  if (d.covering.empty()) {
    d.why = "no territory covers " + where;
    return d;
  }
  d.winner = d.covering.front();
  if (d.covering.size() == 1) {
    d.why = describe(*d.winner) + " covers " + where + "; no other territory does";
    return d;
  }
  for (size_t i = 1; i < d.covering.size(); ++i) {
    if (i > 1) d.why += "; ";
    d.why += (i == 1 ? describe(*d.winner) : shortDescribe(*d.winner)) + " beats " + shortDescribe(d.covering[i]) +
             " (" + reason(*d.winner, d.covering[i]) + ")";
  }
  return d;
}

}  // namespace mgmt::partners
