// Territories and who owns a place (issue 25, ADR 0055): the one pure function that decides which
// partner's territory covers a customer, with the words of why. No I/O; the service loads the
// territories of a scope (a tenant's resellers, or the platform's partners) and asks.
//
// Rules, in order (ADR 0055):
//  1. Only territories that cover the place count: the same country, and every finer field the
//     territory names (region, city, postal code) equal to the place's (compared without case and
//     surrounding spaces). A place that lacks a field a territory names is not covered by it.
//  2. Exclusive beats shared.
//  3. Most specific wins: postal code > city > region > country (the finest field a territory names).
//  4. Then the earliest: the territory added first (created_at, then its id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace mgmt::partners {

struct Place {
  std::string country, region, city, postal;  // country: ISO 3166 alpha-2, upper case
};

struct Territory {
  int64_t id = 0;
  std::string partnerId, partnerName;
  Place place;
  bool exclusive = false;
  int64_t createdAt = 0;  // unix seconds
  int64_t removedAt = 0;  // 0 = in force
};

// A place from outside input: country two letters (made upper case); region and city at most 64
// characters, postal code at most 16 letters, digits, spaces or '-'; no control characters. A
// finer field without its country is refused. Errors name the field.
core::Result<Place> makePlace(const std::string& country, const std::string& region, const std::string& city,
                              const std::string& postal);

// "DE/Bavaria/Munich/80331": the fields a place names, coarse to fine.
std::string placeText(const Place& p);
// 1 country, 2 region, 3 city, 4 postal code: the finest field named.
int specificity(const Place& territory);
bool covers(const Place& territory, const Place& place);

struct TerritoryDecision {
  std::optional<Territory> winner;
  std::vector<Territory> covering;  // every territory covering the place, best first
  std::string why;                  // the reasons in words, one per beaten territory
};

// Which territory (if any) owns `place`; removed territories are ignored.
TerritoryDecision decideTerritory(const Place& place, const std::vector<Territory>& territories);

}  // namespace mgmt::partners
