// SPDX-License-Identifier: Apache-2.0
// busiest_load_floor(): conditions (C), (S) and (H_j) of the contract, bisected on T.
#include "sim/balancer/placement_floor.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace moetwin::balancer {
namespace {

// Rounding guard: every ceiling is taken of (value − kEps), so floating error can only make the
// conditions pass (a lower T_lb), never fail where exact arithmetic would pass.
constexpr double kEps = 1e-9;

long long ceil_down(double v) {
    return static_cast<long long>(std::ceil(v - kEps));
}

// Whether T passes (C), (S) and every (H_j). slots[g]: the GPU's slot count.
bool passes(std::span<const double> loads, double total, const std::vector<int>& slots, int num_slots, double T,
            std::vector<long long>& n0, std::vector<long long>& costs) {
    const int G = int(slots.size());
    if (total > double(G) * T * (1 + 1e-12)) return false; // (C)
    long long used = 0;
    for (std::size_t e = 0; e < loads.size(); ++e)
        n0[e] = std::max(1LL, ceil_down(loads[e] / T)), used += n0[e];
    if (used > num_slots) return false; // (S)
    const long long spare = num_slots - used;
    const int kmax        = *std::max_element(slots.begin(), slots.end());
    for (int j = 1; j < kmax; ++j) { // (H_j)
        long long cap = 0;
        for (int k : slots)
            cap += std::min(j, k);
        long long heavy = 0;
        costs.clear();
        for (std::size_t e = 0; e < loads.size(); ++e) {
            const double y = double(j + 1) * loads[e] / T - double(n0[e]);
            if (y <= kEps) continue;
            const long long h = std::max(0LL, ceil_down(y / j));
            if (h == 0) continue;
            heavy += h;
            costs.push_back(std::max(1LL, ceil_down(y - double(j) * double(h - 1))));
        }
        if (heavy <= cap) continue;
        std::sort(costs.begin(), costs.end());
        long long budget = spare, cuts = 0;
        for (long long c : costs) {
            if (c > budget) break;
            budget -= c, ++cuts;
        }
        if (cuts == static_cast<long long>(costs.size())) cuts += budget / j; // later cuts cost j each
        if (heavy - std::min(cuts, heavy) > cap) return false;
    }
    return true;
}

} // namespace

double busiest_load_floor(std::span<const double> loads, const PlacementSpec& spec) {
    spec.validate(int(loads.size()));
    double total = 0;
    for (std::size_t e = 0; e < loads.size(); ++e) {
        if (!(loads[e] >= 0))
            throw ConfigError("placement floor: expert " + std::to_string(e) + " has load " + std::to_string(loads[e]));
        total += loads[e];
    }
    if (total <= 0) return 0;
    std::vector<int> slots(std::size_t(spec.num_gpus));
    for (int g = 0; g < spec.num_gpus; ++g)
        slots[std::size_t(g)] = spec.slots_on_gpu(g);
    std::vector<long long> n0(loads.size()), costs;
    const auto ok     = [&](double T) { return passes(loads, total, slots, spec.num_slots, T, n0, costs); };
    const double mean = total / spec.num_gpus;
    if (ok(mean)) return mean;
    double lo = mean, hi = 2 * mean;
    while (!ok(hi))
        lo = hi, hi *= 2;
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; ++it) {
        const double mid    = 0.5 * (lo + hi);
        (ok(mid) ? hi : lo) = mid;
    }
    return lo;
}

FloorSummary placement_floor(const ExpertLoad& load, const PlacementSpec& spec) {
    return floor_summary(load, spec, [&](std::span<const double> row) { return busiest_load_floor(row, spec); });
}

FloorSummary floor_summary(const ExpertLoad& load, const PlacementSpec& spec,
                           const std::function<double(std::span<const double>)>& layer_floor) {
    FloorSummary s;
    std::vector<double> row(std::size_t(load.num_experts));
    for (int l = 0; l < load.num_layers; ++l) {
        double total = 0;
        for (int e = 0; e < load.num_experts; ++e)
            row[std::size_t(e)] = double(std::llround(load.at(l, e))), total += row[std::size_t(e)];
        const double r = total > 0 ? layer_floor(row) / (total / spec.num_gpus) : 1.0;
        s.layer_ratio.push_back(r);
        s.mean_ratio += r;
    }
    if (load.num_layers > 0) s.mean_ratio /= load.num_layers;
    return s;
}

} // namespace moetwin::balancer
