// SPDX-License-Identifier: Apache-2.0
// Out-of-sample judgement of placement policies (issue 16 item 4): every policy fitted on one recorded
// run and measured on the others (all ordered pairs of a scope), and on the held-out run when fitted
// on the rest of its scope (leave-one-out), with its fitting time per placement.
#pragma once

#include "moe/expert_load.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/split_metrics.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moetwin::balancer {

struct RecordedRun {
    std::string name; // e.g. "prefill_in2048": the phase is the name's prefix up to '_'
    ExpertLoad load;  // MoE layers only (drop_empty_layers), all runs the same shape
    std::string phase() const { return name.substr(0, name.find('_')); }
};

// A placement maker: a registered policy, or a user's command or file (sim/balancer/external/).
struct Placer {
    std::string name;
    std::function<Placement(const ExpertLoad&, const PlacementSpec&)> place; // may throw ConfigError: skipped
    // The split it is judged under when CrossSpec::split is unset: a registered policy's own
    // (PlacementPolicy::min_max_split), Even for a user's command or file (EPLB's model).
    ReplicaSplitModel split = ReplicaSplitModel::Even;
};

std::vector<Placer> registered_placers(const std::vector<std::string>& names); // empty: every registered policy

// How leave-one-out pools the fitting runs' loads (each run normalised per layer to one (token,
// expert) pair first): Mean sums them (the expected load of a random run among them); Max takes, per
// expert, the largest share any of them gave it (replicas go wherever some run was hot: a hedge for
// an unseen run, whose hot experts a mean of the others dilutes).
enum class PoolRule { Mean, Max };

inline constexpr std::array<NameEntry<PoolRule>, 2> kPoolRuleNames = {{
    {PoolRule::Mean, "mean", "sum of the runs' normalised loads (their mean)"},
    {PoolRule::Max, "max", "per expert, the largest normalised share over the runs"},
}};

struct CrossSpec {
    std::string unit;       // a label ("decode", "prefill")
    PlacementSpec spec;     // the unit's placement shape
    std::string phase;      // runs used: those whose phase() is this; empty: every run
    int timing_repeats = 1; // fitting time = fastest of this many fits, per run
    // How replicas share their expert's load when measured: Even (round_robin's expectation, EPLB's
    // model) or MinMax (the load_aware dispatch's exact min-max split, split_metrics.hpp); unset: each
    // placer under its own (Placer::split), the dispatch its placement is built for.
    std::optional<ReplicaSplitModel> split = ReplicaSplitModel::Even;
    PoolRule pool                          = PoolRule::Mean; // leave-one-out fitting load
    // Drift (0: not measured): each placement also measured on the run it was fitted on with every
    // expert's load drifted by a log-normal factor of this σ (drifted_load), mean over drift_draws
    // seeded draws: how much of an in-sample figure survives a run that differs by that much.
    double drift_sigma       = 0;
    int drift_draws          = 4;
    std::uint64_t drift_seed = 1;
    void validate() const; // throws ConfigError: repeats < 1, drift σ outside [0, 2], draws outside [1, 1000]
};

struct PairRatio {
    std::string fit, eval;
    double ratio = 0; // busiest/mean, mean over MoE layers
};

struct CrossResult {
    std::string policy;
    ReplicaSplitModel split = ReplicaSplitModel::Even; // the split it was measured under
    std::string skipped;        // non-empty: the policy does not apply to this spec (nothing measured)
    std::vector<PairRatio> in;  // fitted and measured on the same run, one per run
    std::vector<PairRatio> out; // every ordered pair of distinct runs
    std::vector<PairRatio> loo; // fitted on the scope's other runs (each normalised to one token), measured on this
    std::vector<PairRatio>
        drift;                 // fitted on a run, measured on it drifted (CrossSpec::drift_sigma > 0): mean over draws
    std::vector<double> fit_s; // fitting time of each run's placement (all layers), seconds
    double in_mean() const, out_mean() const, out_worst() const, loo_mean() const, loo_worst() const;
    double drift_mean() const, drift_worst() const;
    const PairRatio* worst_pair() const;
    double fit_median_s() const, fit_max_s() const;
};

// Contract: deterministic in its inputs except fit_s; every placement passes check_placement. Throws
// ConfigError when fewer than two runs are in scope or the runs' shapes differ.
std::vector<CrossResult> cross_evaluate(const std::vector<RecordedRun>& runs, const std::vector<Placer>& placers,
                                        const CrossSpec& cs);

// Per layer, each run normalised to one (token, expert) pair, summed (Mean) or the per-expert
// maximum (Max): the leave-one-out fitting load.
// The floor under every placement (placement_floor.hpp) laid out as a CrossResult named
// kFloorRowName, with the same pairs as cross_evaluate: each entry is the floor of its eval run (in
// sample, fitted elsewhere or left out alike: a placement fitted anywhere is still a placement), so
// every column reads as the least any policy can show there. fit_s stays empty. Throws as
// cross_evaluate.
// With `lp`, the row is partition_lp_floor's (partition_lp_floor.hpp: units of exactly 2 slots per GPU
// and fewer GPUs than experts, else ConfigError; seconds per run; no drift entries), named
// kLpFloorRowName.
inline constexpr const char* kFloorRowName   = "floor (any placement)";
inline constexpr const char* kLpFloorRowName = "LP floor (2 slots)";
CrossResult floor_result(const std::vector<RecordedRun>& runs, const CrossSpec& cs, bool lp = false);

ExpertLoad pooled_load(const std::vector<const ExpertLoad*>& loads, PoolRule rule = PoolRule::Mean);

// `load` with every (layer, expert) entry × exp(σ·z − σ²/2), z a standard normal of moetwin::Rng(seed,
// draw) in layer-major order: a run whose experts' loads differ from this one's by a relative σ,
// each unchanged in expectation. Contract: pure, deterministic; σ = 0 returns `load`.
ExpertLoad drifted_load(const ExpertLoad& load, double sigma, std::uint64_t seed, std::uint64_t draw);

} // namespace moetwin::balancer
