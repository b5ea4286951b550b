// SPDX-License-Identifier: Apache-2.0
// The load-aware dispatch's per-rank plan (dispatch/load_aware.cpp): from every rank's per-expert
// token counts of one micro-batch (what the all-gather delivers), how many tokens each replica
// serves, and where each rank's tokens of an expert begin in that expert's global order.
#pragma once

#include "sim/balancer/placement.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace moetwin::balancer {

struct ReplicaSplit {
    std::vector<int64_t> expert_total; // [num_experts] tokens per logical expert, all ranks
    std::vector<int64_t> slot_count;   // [num_slots] tokens each replica serves; per expert they sum to its total
    std::vector<int64_t> slot_start;   // [num_slots] where the replica's interval begins in its expert's order
    int64_t max_load = 0;              // the busiest GPU's tokens (the optimum)
    int64_t sum_ops  = 0;              // additions of the count reduction: num_ranks x num_experts
    // The locality matching's streaming steps (dispatch/load_aware.cpp): per expert with ≥ 2 replicas,
    // a pass over the ranks and, per replica, over its node's ranks: num_ranks + replicas x (gpus_per_node + 1).
    int64_t match_ops = 0;
    int64_t ops       = 0; // the rest: the solver's ops + num_slots (per-slot split)
};

// Contract: pure and deterministic (every rank computes the same result from the same counts).
// rank_counts is [num_ranks, num_experts] row-major (rank r's tokens of each logical expert,
// shared expert included when it is served from slots). An expert with all replicas on one GPU is
// fixed load; the others are items of solve_min_max (dispatch/min_max_flow.hpp) over the distinct
// GPUs of their replicas, so max_load is the least busiest-GPU load any split of the counts over
// the replicas achieves. A GPU's share of an expert is split evenly over the expert's replicas on
// that GPU (lower log2phy index first gets the remainder); an expert's replicas take consecutive
// intervals of its order in log2phy order (slot_start). sum_ops = num_ranks x num_experts (the
// sums); ops = the solver's ops + num_slots. Throws ConfigError on a size mismatch.
ReplicaSplit split_replicas(const Placement& placement, const PlacementSpec& spec, int layer,
                            std::span<const int64_t> rank_counts, int num_ranks);

// The same split from the totals alone (what the step's cost model re-derives from a layer's
// expert selections); sum_ops counts num_ranks x num_experts for the reduction it stands in for.
ReplicaSplit split_replicas_from_totals(const Placement& placement, const PlacementSpec& spec, int layer,
                                        std::span<const int64_t> expert_total, int num_ranks);

} // namespace moetwin::balancer
