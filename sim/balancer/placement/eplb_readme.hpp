// SPDX-License-Identifier: Apache-2.0
// deepseek-ai/EPLB's README example (reference §8) as data: the input weights, the published
// phy2log of the hierarchical policy, and the per-GPU loads of reference §8's test-vector table.
// The one place these figures are typed in: tests/balancer/test_eplb.cpp and `moetwin check` read them.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"

#include <array>

namespace moetwin::balancer::eplb_readme {

// 2 layers × 12 experts, 16 replicas, 4 groups, 2 nodes, 8 GPUs.
inline ExpertLoad weight() {
    return {2, 12, {90, 132, 40,  61, 104, 165, 39,  4,   73,  56, 183, 86,
                    20, 107, 104, 64, 19,  197, 187, 157, 172, 86, 16,  27}};
}
inline const PlacementSpec kSpec{16, 4, 2, 8};

// README output of rebalance_experts (hierarchical, since 4 groups % 2 nodes == 0).
inline constexpr std::array<std::array<int, 16>, 2> kHierarchicalPhy2log{{
    {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1},
    {7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1},
}};

// Reference §8 table: per-GPU loads (each replica carries weight / count).
inline constexpr std::array<std::array<double, 8>, 2> kHierarchicalGpuLoads{{
    {121.5, 86.5, 125, 113, 147.5, 131.5, 156, 152},
    {173, 179.5, 120.5, 172, 123, 152, 118.5, 117.5},
}};
// Global policy (num_groups = num_nodes = 1): phy2log and per-GPU loads.
inline constexpr std::array<std::array<int, 16>, 2> kGlobalPhy2log{{
    {10, 6, 10, 7, 0, 2, 11, 4, 5, 9, 5, 4, 8, 3, 1, 1},
    {1, 10, 2, 4, 5, 11, 5, 0, 6, 7, 6, 3, 8, 8, 9, 7},
}};
inline constexpr std::array<std::array<double, 8>, 2> kGlobalGpuLoads{{
    {130.5, 95.5, 130, 138, 138.5, 134.5, 134, 132},
    {123, 123, 125.5, 118.5, 172, 157.5, 172, 164.5},
}};

} // namespace moetwin::balancer::eplb_readme
