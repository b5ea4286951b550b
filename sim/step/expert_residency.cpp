// SPDX-License-Identifier: Apache-2.0
// Residency policies over sampled steps, and the fluid fetch over per-GPU links sharing the host.
#include "sim/step/expert_residency.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace moetwin::step {

ResidencyTrace simulate_residency(ResidencyPolicy policy, int num_experts, int capacity,
                                  std::span<const double> weights, const std::vector<std::vector<int>>& steps) {
    MOETWIN_ASSERT(capacity >= 0 && capacity <= num_experts && std::ssize(weights) == num_experts,
                   "simulate_residency: capacity or weights do not match the experts");
    ResidencyTrace t;
    std::vector<char> resident(std::size_t(num_experts), 0);
    std::vector<int64_t> last_use(std::size_t(num_experts), -1), uses(std::size_t(num_experts), 0);
    if (policy == ResidencyPolicy::StaticHottest) {
        std::vector<int> order(static_cast<std::size_t>(num_experts));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return weights[std::size_t(a)] > weights[std::size_t(b)]; });
        for (int i = 0; i < capacity; ++i)
            resident[std::size_t(order[std::size_t(i)])] = 1;
    }
    int held      = policy == ResidencyPolicy::StaticHottest ? capacity : 0;
    int64_t clock = 0;
    for (const auto& step : steps)
        for (int e : step) {
            MOETWIN_ASSERT(e >= 0 && e < num_experts, "simulate_residency: expert id out of range");
            ++t.accesses;
            ++uses[std::size_t(e)];
            const int64_t now = clock++;
            if (resident[std::size_t(e)]) {
                ++t.hits;
                last_use[std::size_t(e)] = now;
                continue;
            }
            if (policy == ResidencyPolicy::StaticHottest || capacity == 0) continue;
            if (held == capacity) { // evict the victim among the resident ones
                int victim = -1;
                for (int k = 0; k < num_experts; ++k) {
                    if (!resident[std::size_t(k)]) continue;
                    if (victim < 0) {
                        victim = k;
                        continue;
                    }
                    const auto key = [&](int x) {
                        return policy == ResidencyPolicy::Lfu
                                   ? std::pair{uses[std::size_t(x)], last_use[std::size_t(x)]}
                                   : std::pair{int64_t(0), last_use[std::size_t(x)]};
                    };
                    if (key(k) < key(victim)) victim = k;
                }
                resident[std::size_t(victim)] = 0;
                --held;
            }
            resident[std::size_t(e)] = 1;
            last_use[std::size_t(e)] = now;
            ++held;
        }
    for (int k = 0; k < num_experts; ++k)
        if (resident[std::size_t(k)]) t.resident.push_back(k);
    return t;
}

std::vector<std::vector<int>> sample_activations(std::span<const double> mean_selections, int steps, Rng& rng) {
    std::vector<std::vector<int>> out(std::size_t(std::max(steps, 0)));
    for (auto& step : out)
        for (std::size_t k = 0; k < mean_selections.size(); ++k)
            if (rng.uniform() < 1.0 - std::exp(-mean_selections[k])) step.push_back(int(k));
    return out;
}

std::vector<double> shared_link_finish_s(std::span<const double> bytes, double cap_Bps, double shared_Bps) {
    MOETWIN_ASSERT(cap_Bps > 0, "shared_link_finish_s: the per-flow cap must be > 0");
    const std::size_t n = bytes.size();
    std::vector<double> finish(n, 0.0), left(bytes.begin(), bytes.end());
    double now = 0;
    for (;;) {
        int active = 0;
        for (double b : left)
            active += b > 0;
        if (active == 0) return finish;
        const double rate = shared_Bps > 0 ? std::min(cap_Bps, shared_Bps / active) : cap_Bps;
        double step       = std::numeric_limits<double>::infinity();
        for (double b : left)
            if (b > 0) step = std::min(step, b / rate);
        now += step;
        for (std::size_t i = 0; i < n; ++i) {
            if (left[i] <= 0) continue;
            left[i] -= step * rate;
            if (left[i] <= left[i] * 0 + 1e-9 * bytes[i]) { // done (within rounding of its own size)
                left[i]   = 0;
                finish[i] = now;
            }
        }
    }
}

} // namespace moetwin::step
