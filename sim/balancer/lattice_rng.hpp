// SPDX-License-Identifier: Apache-2.0
// LatticeRng: a randomly shifted Kronecker (rank-1 lattice) stream of uniforms for sampling many
// tokens with fewer-than-independent count fluctuations. Token t's j-th uniform is
//   u(t, j) = frac(shift_j + t * alpha_j),  j < kLatticeDims,
// with alpha_j = frac(sqrt(p_j)), p_j the (j+1)-th prime (Weyl's sequence: sqrt of distinct primes
// are linearly independent over the rationals, so every projection is equidistributed; unlike
// the R_d generators, which for d = 32 all lie near 1, no two dimensions move almost in step), and
// shift_j from the seeded Rng; uniforms beyond kLatticeDims come from an Rng stream.
// Why it is exact: for a fixed token the shifts make (u(t, 0), ..., u(t, D-1)) uniform on [0, 1)^D
// with independent coordinates, so every token is an exact draw of whatever sampler consumes the
// stream; only the tokens' joint law changes: consecutive tokens fill each dimension (and each
// low-dimensional projection) evenly, so counts of outcomes decided by the first uniforms (the
// group set, the first experts) deviate from their expectation by O(log N) instead of O(sqrt N).
// Arithmetic is in 64-bit fixed point (wrap-around = mod 1), so streams are bit-identical everywhere.
#pragma once

#include "sim/balancer/rng.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace moetwin::balancer {

// Lattice dimensions per token: a node-limited DeepSeek-V3 token consumes about 20 uniforms (one
// group set, 8 experts, rejections and the node draws of route_layer); more come from the Rng.
inline constexpr int kLatticeDims = 32;

// The generators as 64-bit fixed-point fractions, computed once (sqrt is correctly rounded, so
// these are the same bits on every IEEE-754 platform).
inline const std::array<std::uint64_t, kLatticeDims>& lattice_alphas() {
    static const std::array<std::uint64_t, kLatticeDims> a = [] {
        std::array<std::uint64_t, kLatticeDims> out{};
        int prime = 1;
        for (int j = 0; j < kLatticeDims; ++j) {
            for (bool is_prime = false; !is_prime;) {
                ++prime;
                is_prime = true;
                for (int d = 2; d * d <= prime; ++d)
                    is_prime = is_prime && prime % d != 0;
            }
            const double r      = std::sqrt(double(prime));
            const double f      = r - std::floor(r);
            out[std::size_t(j)] = std::uint64_t(std::ldexp(f, 64 - 11)) << 11; // 53 bits, exact
        }
        return out;
    }();
    return a;
}

class LatticeRng {
  public:
    // Contract: (seed, stream) picks the shifts and the tail stream; tokens are numbered from 0.
    LatticeRng(std::uint64_t seed, std::uint64_t stream) : tail_(seed, stream ^ 0x1a77ce5ull) {
        Rng r(seed, stream);
        for (auto& s : shift_)
            s = r.next();
        alpha_ = lattice_alphas().data();
    }
    // Starts token t: its uniforms are the lattice point t.
    void start_token(std::uint64_t t) {
        t_   = t;
        dim_ = 0;
    }
    double uniform() {
        if (dim_ < kLatticeDims) {
            const std::uint64_t x = shift_[std::size_t(dim_)] + t_ * alpha_[dim_];
            ++dim_;
            return double(x >> 11) * 0x1.0p-53;
        }
        return tail_.uniform();
    }

  private:
    std::array<std::uint64_t, kLatticeDims> shift_{};
    const std::uint64_t* alpha_ = nullptr;
    std::uint64_t t_            = 0;
    int dim_                    = 0;
    Rng tail_;
};

} // namespace moetwin::balancer
