// SPDX-License-Identifier: Apache-2.0
// The exact min-max split judge behind minmax_swap, shared with other policies that place for the
// load_aware dispatch (joint_minmax).
#pragma once

#include "sim/balancer/placement.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin::balancer {

// Whole-token totals the exact solver splits: w itself rounded when the layer carries at least
// kSplitUnits (recorded counts), else w times the whole factor ceil(kSplitUnits / sum) (a normalised
// or pooled load, whose shares would round to 0 or 1). 2^20 units: rounding then moves a GPU of the decode unit
// (2^20 / 144 ≈ 7,300 units) by < 1e-4 of its load.
inline constexpr double kSplitUnits = 1 << 20;
void split_totals(std::span<const double> w, std::span<int64_t> total);

// One layer's GPU loads under the exact min-max split (dispatch/min_max_flow.hpp).
struct RowSplit {
    int64_t max_load = 0;          // busiest GPU
    int at_max       = 0;          // GPUs at max_load
    std::vector<int64_t> gpu_load; // [num_gpus]
    bool better_than(const RowSplit& o) const {
        return max_load != o.max_load ? max_load < o.max_load : at_max < o.at_max;
    }
};

// Each expert's `total` (whole tokens) split over its replicas in `row` (one layer's phy2log) so that
// the busiest GPU is least. One solve.
RowSplit split_row(std::span<const int> row, std::span<const int64_t> total, const PlacementSpec& spec,
                   int num_experts);

// minmax_swap's swap search on one layer's row, in place: swaps between the busiest GPU (under the
// split) and the lightest ones, each judged by one exact solve, kept when the busiest load (then the
// number of GPUs at it) drops; at most max_solves solves. Slot counts per GPU never change, and no
// swap puts two replicas of one expert on one GPU.
void refine_min_max(std::span<int> row, std::span<const int64_t> total, const PlacementSpec& spec, int num_experts,
                    int max_solves);

} // namespace moetwin::balancer
