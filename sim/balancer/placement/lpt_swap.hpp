// SPDX-License-Identifier: Apache-2.0
// The swap local search behind lpt_swap, shared with other policies that refine a packing.
#pragma once

#include <span>

namespace moetwin::balancer {

// Lowers the busiest GPU by exchanging items between GPUs (item counts per GPU never change).
// item_load[i] is item i's load; gpu_of_item[i] is updated in place. Stops after max_swaps, when no
// swap lowers the busiest GPU, or when it is ≤ stop_ratio × max(mean GPU load, largest item).
void improve_by_swaps(std::span<const double> item_load, int num_gpus, std::span<int> gpu_of_item, int max_swaps,
                      double stop_ratio = 1.0);

} // namespace moetwin::balancer
