// SPDX-License-Identifier: Apache-2.0
// A small seeded generator (SplitMix64) so that every sampled result is identical on every
// platform for a given seed; <random>'s distributions are implementation-defined.
#pragma once

#include <cmath>
#include <cstdint>

namespace moetwin::balancer {

class Rng {
  public:
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) : state_(seed ^ (stream * 0xD1B54A32D192ED03ull)) {
        next();
    }
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z               = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z               = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)
    double normal() {                                                          // Box–Muller
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

  private:
    std::uint64_t state_;
};

} // namespace moetwin::balancer
