// SPDX-License-Identifier: Apache-2.0
// A floor under every placement: a lower bound on the busiest GPU's load that no choice of replica
// counts, pairing (which experts share a GPU) and split of each expert's load over its replicas
// (load_aware's min-max split included) can beat, for a unit and one layer's loads. Printed beside
// the policies (`moetwin balance cross`, build/bin/eval_balancer_targets) to tell a policy's
// shortfall from what the loads and the slots allow at all.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"

#include <functional>
#include <span>
#include <vector>

namespace moetwin::balancer {

// Contract: pure and deterministic. Returns T_lb ≤ min over all placements for `spec` (every expert
// ≥ 1 replica, spec.num_slots slots, spec.slots_on_gpu(g) on GPU g) and all splits of each load
// over its replicas (continuous, so integral splits too) of the busiest GPU's load. Proof: take an
// optimal placement and split with busiest load T. Call a piece an (expert, GPU) pair the expert's
// replicas on that GPU carry (merged if several); write x_e = L_e / T, n_e the expert's pieces and
// k_g the GPU's slots. Every piece is ≤ T (its GPU carries it), so
//  (C) Σ L_e ≤ num_gpus · T;
//  (S) n_e ≥ max(1, ⌈x_e⌉) and Σ n_e ≤ num_slots (pieces on distinct GPUs, one slot each at least);
//  (H_j), 1 ≤ j < max k_g: a GPU holds at most min(j, k_g) pieces heavier than T / (j + 1) (j + 1
//      of them would exceed T), and an expert with n_e pieces of which h are heavy has
//      L_e ≤ h·T + (n_e − h)·T / (j + 1), so h ≥ ((j + 1)·x_e − n_e) / j: hence
//      Σ_e ⌈((j + 1)·x_e − n_e) / j⌉⁺ ≤ Σ_g min(j, k_g) for some n ≥ ⌈x⌉ with Σ n_e ≤ num_slots.
// Each (H_j) is tested on its own with the n that minimises its left side: from n_e = max(1, ⌈x_e⌉),
// the num_slots − Σ n_e spare slots are spent where they cut a heavy piece cheapest (an expert's
// first cut costs ⌈y_e − j·(h_e − 1)⌉ slots, y_e = (j + 1)·x_e − n_e, every later one j; the
// cheapest-first greedy maximises the cuts a budget buys because first cuts cost ≤ j). All the
// conditions only get easier as T grows, so a bisection finds the least T passing them (to 1e-12
// relative) and returns the largest T it saw fail (or the mean load, when that passes): every
// placement's busiest GPU is above it. With 2 slots per GPU, (H_1) is the pairing argument: experts
// heavier than T / 2 cannot share a GPU unsplit, and splitting one costs a slot.
// Not exact in general: "every GPU ≤ T" is bin packing with splittable items and at most k parts per
// bin (k = slots per GPU), strongly NP-hard for every fixed k (Chung, Graham, Mao, Varghese 2006;
// Epstein, Levin, van Stee, Algorithmica 62, 2012), so no matching or flow test decides it in
// general; the floor equals the exhaustive optimum on the cases
// tests/balancer/test_placement_floor.cpp names.
// With exactly 2 slots per GPU and fewer GPUs than experts, partition_lp_floor.hpp bounds the exact
// problem (a partition, placement/tree_partition.cpp) far tighter: decode unit, 58 layers,
// decode_in1000out1000 1.1045 and decode_in2000out100 1.1185 against this floor's 1.0596 / 1.0895
// (tree_partition reaches 1.1320 / 1.1475). It needs an LP and about 25 s of CPU per run, so it is an
// opt-in (`moetwin balance cross --lp-floor`).
// Throws ConfigError when the spec is invalid for loads.size() experts or a load is negative.
double busiest_load_floor(std::span<const double> loads, const PlacementSpec& spec);

struct FloorSummary {
    std::vector<double> layer_ratio; // floor / mean GPU load, per layer (1 for a layer without load)
    double mean_ratio = 0;           // mean over layers: the figure printed beside busiest_over_mean
};

// busiest_load_floor of every layer over its mean GPU load, on the loads rounded to whole tokens as
// the min-max split measures them (split_metrics.hpp), so floor ≤ busiest_over_mean(…, MinMax) and
// ≤ the Even figure up to that rounding, for every placement. Throws as busiest_load_floor.
FloorSummary placement_floor(const ExpertLoad& load, const PlacementSpec& spec);

// `layer_floor` (a bound on one layer's busiest GPU, from its loads rounded to whole tokens) of every
// layer over its mean GPU load, as placement_floor lays out busiest_load_floor (which it is with
// that function); partition_lp_floor.hpp's summary uses it too.
FloorSummary floor_summary(const ExpertLoad& load, const PlacementSpec& spec,
                           const std::function<double(std::span<const double>)>& layer_floor);

} // namespace moetwin::balancer
