// SPDX-License-Identifier: Apache-2.0
// The exhaustive optimum of small units, for the balancer tests that compare a bound or a policy with it.
#pragma once

#include "sim/balancer/dispatch/min_max_flow.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

namespace moetwin::balancer::test {

// The least busiest-GPU load over every placement of `loads` on `gpus` GPUs × `k` slots (each GPU a
// multiset of k experts, GPUs in non-decreasing order: they are interchangeable; every expert at
// least once), each split exactly (solve_min_max, integral tokens).
inline int64_t exhaustive_optimum(const std::vector<int64_t>& loads, int gpus, int k) {
    const int E = int(loads.size());
    std::vector<std::vector<int>> sets; // multisets of k experts, non-decreasing
    std::vector<int> cur(std::size_t(k), 0);
    while (true) {
        sets.push_back(cur);
        int i = k - 1;
        while (i >= 0 && cur[std::size_t(i)] == E - 1)
            --i;
        if (i < 0) break;
        ++cur[std::size_t(i)];
        for (int j = i + 1; j < k; ++j)
            cur[std::size_t(j)] = cur[std::size_t(i)];
    }
    int64_t best = INT64_MAX;
    std::vector<int> pick(std::size_t(gpus), 0); // non-decreasing indices into sets
    while (true) {
        std::vector<std::vector<int>> where(static_cast<std::size_t>(E));
        for (int g = 0; g < gpus; ++g)
            for (int e : sets[std::size_t(pick[std::size_t(g)])])
                if (where[std::size_t(e)].empty() || where[std::size_t(e)].back() != g)
                    where[std::size_t(e)].push_back(g);
        if (std::all_of(where.begin(), where.end(), [](const auto& w) { return !w.empty(); })) {
            MinMaxProblem p{gpus, std::vector<int64_t>(std::size_t(gpus), 0), loads, where};
            best = std::min(best, solve_min_max(p).max_load);
        }
        int i = gpus - 1;
        while (i >= 0 && pick[std::size_t(i)] == int(sets.size()) - 1)
            --i;
        if (i < 0) break;
        ++pick[std::size_t(i)];
        for (int j = i + 1; j < gpus; ++j)
            pick[std::size_t(j)] = pick[std::size_t(i)];
    }
    return best;
}

} // namespace moetwin::balancer::test
