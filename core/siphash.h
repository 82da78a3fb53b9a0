// SipHash-2-4 (Aumasson and Bernstein): a keyed hash for hash tables whose keys an outsider
// chooses. With a key drawn at random per process, a sender cannot make its keys collide (hash
// flooding), which plain bit-mixing of the sender's bytes allows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace core {

using SipKey = std::array<uint64_t, 2>;

uint64_t sipHash24(const SipKey& key, const void* data, size_t len) noexcept;

// A key drawn from the system's random source once per process (the same for every caller).
const SipKey& processSipKey();

}  // namespace core
