// SPDX-License-Identifier: Apache-2.0
// 64-bit block hashes for generated and rescaled traffic: SplitMix64's finaliser (Steele, Lea & Flood
// 2014), a bijection on 64 bits, so distinct inputs never collide and mixed keys look random.
#pragma once

#include <cstdint>

namespace moetwin::serving::traffic {

constexpr uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A copy's version of a hash: within one salt distinct hashes stay distinct; copies with different salts
// share a block only by a 64-bit collision (probability ~2^-64 per pair); salt 0 is the identity.
constexpr uint64_t salted_hash(uint64_t h, uint64_t salt) {
    return salt == 0 ? h : mix64(h ^ mix64(salt * 0x9E3779B97F4A7C15ull));
}

} // namespace moetwin::serving::traffic
