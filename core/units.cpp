#include "core/units.h"

#include <cctype>

namespace core {

namespace {

struct Suffix {
  const char* text;
  uint64_t multiplier;
};

// Parses "<digits>[.<digits>]<suffix>" where suffix is matched case-sensitively against `suffixes`
// first, then case-insensitively (so "10m" and "10M" both mean mega for rates).
Result<uint64_t> parseScaled(const std::string& text, const Suffix* suffixes, size_t n, const char* what) {
  auto bad = [&](const std::string& why) { return invalidArgument("'" + text + "' is not a valid " + what + ": " + why); };
  size_t i = 0;
  uint64_t whole = 0;
  bool digits = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - d) / 10) return bad("too large");
    whole = whole * 10 + d;
    digits = true;
    ++i;
  }
  uint64_t fracNum = 0, fracDen = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (fracDen >= 1000000000000ULL) return bad("too many decimals");
      fracNum = fracNum * 10 + static_cast<uint64_t>(text[i] - '0');
      fracDen *= 10;
      digits = true;
      ++i;
    }
  }
  if (!digits) return bad("expected a number");
  std::string suffix = text.substr(i);
  if (!suffix.empty() && suffix[0] == ' ') suffix.erase(0, 1);
  uint64_t mult = 0;
  for (size_t k = 0; k < n && mult == 0; ++k)
    if (suffix == suffixes[k].text) mult = suffixes[k].multiplier;
  if (mult == 0) {
    for (size_t k = 0; k < n && mult == 0; ++k) {
      std::string a = suffix, b = suffixes[k].text;
      if (a.size() != b.size()) continue;
      bool same = true;
      for (size_t c = 0; c < a.size(); ++c)
        same = same && std::tolower(static_cast<unsigned char>(a[c])) == std::tolower(static_cast<unsigned char>(b[c]));
      if (same) mult = suffixes[k].multiplier;
    }
  }
  if (mult == 0) return bad("unknown unit '" + suffix + "'");
  if (whole > UINT64_MAX / mult) return bad("too large");
  uint64_t value = whole * mult;
  if (fracNum != 0) {
    // The fraction times the unit must come out whole ("1.5k" yes, "1.0001k" no).
    unsigned __int128 scaled = static_cast<unsigned __int128>(fracNum) * mult;
    if (scaled % fracDen != 0) return bad("not a whole number of " + std::string(mult == 1 ? "units" : "base units"));
    uint64_t extra = static_cast<uint64_t>(scaled / fracDen);
    if (value > UINT64_MAX - extra) return bad("too large");
    value += extra;
  }
  return value;
}

const Suffix kRateSuffixes[] = {
    {"", 1},       {"bps", 1},           {"bit", 1},           {"k", 1000},          {"kbps", 1000},
    {"kbit", 1000}, {"M", 1000000},      {"Mbps", 1000000},    {"Mbit", 1000000},    {"G", 1000000000},
    {"Gbps", 1000000000}, {"Gbit", 1000000000},
};

const Suffix kSizeSuffixes[] = {
    {"", 1},
    {"B", 1},
    {"kB", 1000ULL},
    {"KB", 1000ULL},
    {"MB", 1000ULL * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
};

}  // namespace

Result<uint64_t> parseRate(const std::string& text) {
  return parseScaled(text, kRateSuffixes, sizeof kRateSuffixes / sizeof kRateSuffixes[0], "rate (e.g. 512k, 10M, 1G)");
}

Result<uint64_t> parseSize(const std::string& text) {
  return parseScaled(text, kSizeSuffixes, sizeof kSizeSuffixes / sizeof kSizeSuffixes[0],
                     "size (e.g. 500MB, 5GB, 2GiB)");
}

std::string formatRate(uint64_t v) {
  if (v != 0 && v % 1000000000 == 0) return std::to_string(v / 1000000000) + "G";
  if (v != 0 && v % 1000000 == 0) return std::to_string(v / 1000000) + "M";
  if (v != 0 && v % 1000 == 0) return std::to_string(v / 1000) + "k";
  return std::to_string(v);
}

std::string formatSize(uint64_t v) {
  if (v != 0 && v % (1ULL << 40) == 0) return std::to_string(v >> 40) + "TiB";
  if (v != 0 && v % 1000000000000ULL == 0) return std::to_string(v / 1000000000000ULL) + "TB";
  if (v != 0 && v % (1ULL << 30) == 0) return std::to_string(v >> 30) + "GiB";
  if (v != 0 && v % 1000000000ULL == 0) return std::to_string(v / 1000000000ULL) + "GB";
  if (v != 0 && v % (1ULL << 20) == 0) return std::to_string(v >> 20) + "MiB";
  if (v != 0 && v % 1000000ULL == 0) return std::to_string(v / 1000000ULL) + "MB";
  if (v != 0 && v % 1000ULL == 0) return std::to_string(v / 1000ULL) + "kB";
  return std::to_string(v) + "B";
}

}  // namespace core
