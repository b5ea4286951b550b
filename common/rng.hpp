// SPDX-License-Identifier: Apache-2.0
// The project's random numbers: a small seeded generator (SplitMix64, Steele, Lea & Flood 2014)
// and the only distributions that results may depend on, each written out here. <random>'s
// distributions are implementation-defined (std::normal_distribution and
// std::lognormal_distribution draw differently in libstdc++, libc++ and MSVC), so a draw through
// them would make the same scenario and seed give different results on another standard library.
// What remains platform-dependent is libm's rounding of log/cos/exp (glibc's are accurate to < 1
// ulp), which can move a sample by an ulp, not change the algorithm.
#pragma once

#include <cmath>
#include <cstdint>

namespace moetwin {

class Rng {
  public:
    // `stream` selects one of many independent sequences for one seed (per layer, per rank, ...).
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) : state_(seed ^ (stream * 0xD1B54A32D192ED03ull)) {
        next();
    }
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z               = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z               = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform on [0, 1): the top 53 bits of one draw.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Standard normal N(0, 1) by the Box–Muller transform (Box & Muller 1958), cosine branch only:
    // sqrt(-2 ln u1) cos(2π u2) with u1 in (0, 1], u2 in [0, 1). Two uniforms per draw, no cache,
    // so every call consumes the same two draws whatever came before.
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    // Lognormal: exp(mu + sigma · normal()), i.e. ln X ~ N(mu, sigma²) (std::lognormal_distribution's
    // parameters), by the definition on one Box–Muller draw.
    double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

  private:
    std::uint64_t state_;
};

} // namespace moetwin
