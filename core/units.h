// Human units for rates and sizes, as operators type them.
//
// Rates are bit/s with decimal prefixes: "512k" = 512000, "10M", "1.5G", "100" (bit/s); an optional
// "bps"/"bit" suffix is accepted ("10Mbps"). Sizes are bytes: decimal "500MB" = 500 * 10^6, "5GB",
// binary "2GiB" = 2 * 2^30, "1024" or "1024B". Fractions are allowed where the result is whole.
// Parsing is strict: junk, negative values and overflow are errors that quote the input.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace core {

Result<uint64_t> parseRate(const std::string& text);
Result<uint64_t> parseSize(const std::string& text);

// Shortest exact text for a rate: 512000 -> "512k", 10000000 -> "10M", 1500 -> "1500".
std::string formatRate(uint64_t bitsPerSecond);
// Shortest exact text for a size: 2147483648 -> "2GiB", 500000000 -> "500MB", 1000 -> "1kB".
std::string formatSize(uint64_t bytes);

}  // namespace core
