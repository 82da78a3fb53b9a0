// Identifiers: UUIDv4 (random) and UUIDv7 (time-ordered, RFC 9562 section 5.7) as canonical text.
//
// Contract: randomness comes from getrandom(2) (the kernel CSPRNG); these are safe to use as
// unguessable tokens. UUIDv7 values from one process sort by creation time (monotonic within a
// millisecond thanks to a counter in rand_a). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.h"

namespace core {

// Fills `len` bytes from the kernel CSPRNG; aborts the process if the kernel cannot provide them
// (there is no safe fallback for key or token material).
void secureRandom(uint8_t* out, size_t len);

std::string uuidV4();
std::string uuidV7(const Clock& clock = SystemClock::instance());

// True if `text` is a canonical lower-case UUID of any version.
bool isUuid(const std::string& text);

// Lower-case hex of bytes.
std::string toHex(const uint8_t* data, size_t len);

// The value (0-15) of one hex digit of either case, or -1 if `c` is not one.
int hexValue(char c) noexcept;

}  // namespace core
