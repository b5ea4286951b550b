// SPDX-License-Identifier: Apache-2.0
// A tighter floor for units with exactly 2 slots on every GPU and fewer GPUs than experts (the decode
// unit): the configuration-LP bound of the exact problem. There, every placement and split comes down
// to a partition of the E experts into exactly E − G groups with Σ load ≤ (size − 1)·T each
// (placement/tree_partition.cpp proves it), i.e. each group of ≥ 2 with Σ (1 − load / T) ≥ 1.
// Opt-in (`moetwin balance cross --lp-floor`): about 0.5–0.9 s of CPU per layer.
// NOTES (the decode unit, 144 GPUs × 2 slots, 58 MoE layers; `moetwin balance cross --unit decode --split
// minmax --lp-floor`, 52 s CPU for both runs on the shared 2-core VM): decode_in1000out1000 1.1045 (the
// shipped floor 1.0596, tree_partition 1.1320), decode_in2000out100 1.1185 (1.0895, 1.1475). Both are
// above the issue-16 decode target of 1.10: no placement of 288 slots reaches it on these loads, in
// sample or out. A Python + HiGHS prototype of the same LP gave 1.1041 / 1.1149 (bisected from 1, not
// from the floor). Layer 5 of decode_in1000out1000: 1.0812; an exact MILP of the partition proved it
// infeasible at 1.06 and did not decide 1.12 in 1,625 s; tree_partition reaches 1.1042.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_floor.hpp"

#include <span>

namespace moetwin::balancer {

struct LpFloorSpec {
    double grid = 0.02; // each load / T rounded down to a multiple of this (a relaxation)
    // Bisection on T, from the shipped floor up to hi_over_floor × it: 7 steps resolve 0.35 / 128 of the
    // floor (about 0.003 at the decode unit). 1.35: above tree_partition / floor on every layer of the two
    // recorded decode runs (at most 1.1397, decode_in1000out1000), so the optimum lies inside; a layer
    // whose bound lies higher is reported at the cap, still a lower bound.
    int bisect_steps     = 7;
    double hi_over_floor = 1.35;
    int max_columns      = 20000; // column generation stops here without a proof (T counted feasible)
};

// Whether the bound applies: 2 slots on every GPU and num_gpus < num_experts.
bool lp_floor_applies(const PlacementSpec& spec, int num_experts);

// Contract: pure and deterministic. Returns T_lb ≤ the least busiest-GPU load of any placement of
// `spec` under any split (as busiest_load_floor), and ≥ busiest_load_floor. For each trial T it
// rounds every load / T down to the grid (only lighter: every placement feasible at T stays
// feasible), groups the experts into classes by rounded load, and asks whether the LP relaxation of
// "exactly E − G groups (multisets of classes, each of ≥ 2 with Σ (1 − rounded load / T) ≥ 1) using
// every class's experts exactly" has a solution: column generation over group types (GLPK's simplex
// on phase-1 slacks; pricing: a bounded covering knapsack over the classes by dynamic programming,
// exact on the grid). An LP without a solution proves T infeasible; the bisection raises its lower
// end only then (an unfinished column generation proves nothing). Throws ConfigError when the bound
// does not apply or a load is negative.
double partition_lp_floor(std::span<const double> loads, const PlacementSpec& spec, const LpFloorSpec& lp = {});

// partition_lp_floor of every layer over its mean GPU load (1 for a layer without load), on the loads
// rounded to whole tokens as placement_floor. Throws as partition_lp_floor.
FloorSummary partition_lp_floor(const ExpertLoad& load, const PlacementSpec& spec, const LpFloorSpec& lp = {});

} // namespace moetwin::balancer
