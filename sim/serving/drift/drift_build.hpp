// SPDX-License-Identifier: Apache-2.0
// Building a pool's StepDrift (step_drift.hpp) from serving.expert_drift: the day's loads (drift_loads.hpp), the
// placements of the unit's balancer policy over it (drift_plan.hpp), and one step simulation per interval at a
// reference shape with that interval's loads and the placement in force, over the same simulation with the
// scenario's own routing and placement (the grid's). Simulations run in forked workers (sweep_pool), and the
// factors are cached on disk beside the step-time grids, keyed by everything that changes them.
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/drift/drift_plan.hpp"
#include "sim/serving/drift/step_drift.hpp"
#include "sim/serving/serving_config.hpp"
#include "sim/serving/step_time_model.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace moetwin::serving {

// Contract: the runs the day drifts between, as the step simulator would read each ([MoE layers, experts] rows
// summing to top_k, step::expert_popularity): the recorded files of the unit's pool (c.loads_of: prefill steps take
// prefill_loads, decode steps decode_loads, either defaulting to loads), or generated_runs copies of the unit's
// routing popularity with seeds seed + 1, seed + 2, ... ConfigError naming a file that does not read.
std::vector<ExpertLoad> drift_runs(const Scenario& unit, const ExpertDriftConfig& c);

// Contract: pure. The unit's placement spec (step::place_step_experts) and its policy. ConfigError when the
// scenario's balancer cannot be re-fitted by moetwin ("file", "command", shared-expert slots, hosted experts).
balancer::PlacementSpec drift_placement_spec(const Scenario& unit);
balancer::PlaceFn drift_place_fn(const Scenario& unit);

// The reference shapes of the drift's extra step time (step_drift.hpp): kDriftReferenceBatches batches of the
// unit's grid axis (the grid points nearest to 0, 1/5, ..., 1 of its log range; ours: enough to follow the extra
// time from the weight-bound small batches through the knee to the token-bound large ones, measured in README.md:
// 4 left up to 5 % between them) at the grid context nearest to the unit's own (decode: context; prefill:
// (context + 1) / 2), so grid + Δ is exact at those points.
inline constexpr int kDriftReferenceBatches = 6;
struct DriftReference {
    std::vector<double> batches; // increasing, distinct
    double context   = 0;
    double own_batch = 0; // the unit's own (decode: requests_per_gpu; prefill: tokens_per_gpu): the series' factor
};
// Contract: pure (the memory fit). The grid's axes are `model`'s when it is a grid (StepTimeGrid), else
// grid_axes(unit, GridSpec{}) (--exact).
DriftReference drift_reference(const Scenario& unit, const StepTimeModel& model);

// Contract: `unit` at `shape` (step_grid_build.hpp: shape_scenario) routing with the loads file and running the
// placement file (routing.popularity "file", balancer.policy "file").
Scenario drifted_scenario(const Scenario& unit, const StepShape& shape, const std::filesystem::path& loads_file,
                          const std::filesystem::path& placement_file);

// Contract: runs the step simulator on each scenario, `jobs` forked workers at once; seconds, in order.
// ConfigError naming the index and the simulator's message when one fails.
std::vector<double> simulate_scenarios(const std::vector<Scenario>& scenarios, int jobs);

// The approximation's check (step_drift.hpp): the step simulator at each shape with the scenario's own routing and
// placement (base_s) and with `loads` and `placement` (drifted_s); the scaled grid is exact where
// drifted_s / base_s equals the reference's factor. Files are written under work_dir (removed after).
struct DriftCheckPoint {
    StepShape shape;
    double base_s = 0, drifted_s = 0;
};
std::vector<DriftCheckPoint> simulate_drift_points(const Scenario& unit, const std::vector<StepShape>& shapes,
                                                   const ExpertLoad& loads, const balancer::Placement& placement,
                                                   const std::filesystem::path& work_dir, int jobs);

struct DriftBuildOptions {
    std::filesystem::path cache_dir; // "": default_step_model_cache_dir()
    int jobs = 1;
    std::string version;        // moetwin's (part of the key)
    bool pays_migration = true; // false: the pool's units do not pause (colocated prefill chunks: the decode pays)
};

struct DriftBuild {
    StepDrift drift;
    DriftPlan plan;
    DriftReference reference;
    std::vector<double> reference_step_s; // [K]: the step simulator at each reference with the scenario's own routing
    std::filesystem::path file;           // the cache file
    bool from_cache = false;
};

// Contract: the pool's drift for cfg (cfg.expert_drift.enabled) on `unit` (workload.phase names the pool's unit),
// `model` its step-time model. Deterministic; a cache hit returns the same factors without simulating.
DriftBuild build_step_drift(const Scenario& unit, const ServingConfig& cfg, const StepTimeModel& model,
                            const DriftBuildOptions& options);

// Contract: pure. Drift off: one interval, factor 1, no pause, and busiest/mean of the unit's own placement
// on its routing popularity (0 when the unit has shared-expert slots: not a routed-expert placement).
StepDrift static_step_drift(const Scenario& unit);

} // namespace moetwin::serving
