// SPDX-License-Identifier: Apache-2.0
// Building a unit's grid step-time model (sim/serving/step_time_grid.hpp): choose the grid's shapes, run
// the step simulator (sim/run.hpp) once per shape, each in a forked worker of the sweep's pool
// (sim/sweep/sweep_pool.hpp: SimGrid allows one engine per process), and cache the model on disk.
//
// The step simulator's shapes (a grid point, an exact call, a check point) are integers:
//   decode   workload.requests_per_gpu = round(batch), context fixed at round(context) tokens per request
//            (the simulator adds the step's own query tokens to the KV length, as a real step does).
//   prefill  workload.tokens_per_gpu = round(batch); prompts of L = round(2·context − 1) tokens, so that each
//            new token attends on average to (L + 1) / 2 = context tokens (causal mask, engine/attention_ops.cpp).
//            With q = cached_per_token > 0: prompts of N new tokens after P = round(q·N) cached ones
//            (workload.cached_prefix_tokens), N = round(2·c_new − 1), c_new the grid's context coordinate
//            (step_time_grid.hpp: grid_context); a grid point's q is an integer, so P = q·N exactly.
//            A prompt the rank's budget cuts (the last one, or the only one when N > batch) counts as that
//            fraction of a request, its tokens attending as the request's do (sim/step/rank_batches.hpp,
//            PrefillMix), and each micro-batch carries its share of the rank's requests, keys and pairs: the step
//            has exactly `batch` tokens, `context` keys per new token and q·batch cached keys, and its time is
//            continuous in them (whole requests per micro-batch made it jump, README.md here).
// Every shape runs with allow_not_fitting (a grid is a rectangle; its far corner may not fit in memory).
//
// Cache: <cache dir>/<key>.json (step_grid_file.hpp), key = FNV-1a 64 of the moetwin version, the keyed
// scenario (below), the interpolation and the grid's axes. A hit returns the file without simulating. A file
// that does not parse, or holds another scenario (a hash collision), is rebuilt and replaced, with a warning
// on stderr naming it: the cache is derived data, and atomic writes mean no moetwin leaves a partial file.
#pragma once

#include "sim/scenario.hpp"
#include "sim/serving/step_model/step_grid_file.hpp"
#include "sim/serving/step_time_grid.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace moetwin::serving {

// DeepSeek-V3's context window, 128K tokens (DeepSeek-V3 technical report §4.3, long-context extension):
// the decode grid's default longest context.
inline constexpr double kDefaultMaxContextTokens = 131072;
// The default shortest context of both grids and the shortest prefill batch (the brief's range; below, the
// edge cell extrapolates linearly).
inline constexpr double kDefaultMinContextTokens = 128;
inline constexpr double kDefaultMinPrefillTokens = 512;
// The prefill grid's largest cached tokens per new token: a request whose prefix-cache hit is 32 times its new
// tokens (a 16K-token conversation continued by a 500-token turn). Beyond it the model continues linearly in q,
// as the step's work is affine in q (step_time_grid.hpp). Default planes q = 0, 1, 3, 10, 32: the step time is
// convex in q where the prefix's attention work stops hiding under the all-to-all, at a q that depends on the
// batch and c_new (measured on the Day-6 prefill unit at 2,557 tokens, c_new 182.5: 7 ms per unit of q from 0 to
// 1, 9.5 from 1 to 2, 16.4–17.2 from 2 to 32). On that unit's check (24 shapes, step_model/README.md) planes
// 0, 2, 32 erred by up to 2.17 %, 0, 1, 6, 32 by 2.17 %, 0, 1, 3, 10, 32 by 1.78 %; a plane costs ~2.5 CPU s
// there (its shapes share each batch's routing, simulate_step_times).
inline constexpr double kDefaultMaxCachedPerToken = 32;
inline constexpr int kDefaultPrefillCachedPoints  = 5;
// The cached planes' spacing: q_max / 16^(points − 2) up to q_max, log-spaced, at least 1 (3 points: 0, 2, 32;
// 4: 0, 1, 6, 32; 5: 0, 1, 3, 10, 32).
inline constexpr double kCachedPlaneRatio = 16;

// What grid to build; 0 means the default named beside it.
struct GridSpec {
    int batch_points   = 12; // log-spaced (error against grid size: step_model/README.md)
    int context_points = 8;
    double batch_min   = 0; // decode 1; prefill kDefaultMinPrefillTokens
    double batch_max   = 0; // decode: the memory fit's largest batch at the scenario's context (at least
                            // requests_per_gpu); prefill: the scenario's tokens_per_gpu (at least 2 × min)
    double context_min = 0; // kDefaultMinContextTokens
    double context_max = 0; // decode: max(kDefaultMaxContextTokens, the scenario's context horizon);
                            // prefill: (batch_max / micro_batches + 1) / 2, a prompt of a whole micro-batch
    int cached_points = 0;  // prefill: the planes of the cached axis, 0 plus cached_points − 1 integers up to
                            // cached_max, log-spaced from cached_max / 16^(cached_points − 2) (0: the default
                            // kDefaultPrefillCachedPoints; 1: no cached axis); decode: 1
    double cached_max               = 0; // kDefaultMaxCachedPerToken
    GridInterpolation interpolation = GridInterpolation::Bilinear;
};

// Contract: pure (the memory fit). The grid's axes, in StepShape units, for the scenario's active unit
// (workload.phase); each axis holds the simulator's integer shapes (above). ConfigError for a spec whose
// range is empty or whose points are < 2.
struct GridAxes {
    std::vector<double> batch, context;
    std::vector<double> cached = {0};
};
GridAxes grid_axes(const Scenario& s, const GridSpec& spec);

// Contract: pure. The shape the step simulator runs for `shape` (the integers above, back in StepShape units).
StepShape simulated_shape(Phase phase, const StepShape& shape);

// Contract: pure. The simulator's shape of grid point (batch, context coordinate c_new, cached q), in StepShape
// units (context = P + (N + 1) / 2 for prefill).
StepShape grid_point_shape(Phase phase, double batch, double grid_context, double cached);

// Contract: pure. `s` with its workload set to `shape` (the integers above), context fixed, allow_not_fitting.
Scenario shape_scenario(const Scenario& s, const StepShape& shape);

// Contract: pure. The resolved scenario (scenario_to_json) without what does not change a step's time or
// what the grid varies: name, description, output, allow_not_fitting, workload.context,
// workload.cached_prefix_tokens and the phase's batch key (requests_per_gpu or tokens_per_gpu). Compact JSON.
std::string keyed_scenario_json(const Scenario& s);

// Contract: pure. 16 hex digits (FNV-1a 64) of the version, the keyed scenario, the interpolation and the axes
// (the cached axis only when it has more than the one value 0, so one-plane keys are as before).
std::string step_model_key(const std::string& keyed_scenario, const std::string& version,
                           GridInterpolation interpolation, const GridAxes& axes);

// $XDG_CACHE_HOME/moetwin/step_models, else $HOME/.cache/moetwin/step_models, else ./.moetwin_cache/step_models.
std::filesystem::path default_step_model_cache_dir();

// Contract: runs the step simulator at every shape, `jobs` workers at once; returns the step times in seconds, in the
// shapes' order. ConfigError naming the shape and the simulator's message when one fails. `on_done` (optional) hears
// (shapes done, shapes in all). The shapes of one simulated batch share a worker, which plans the step's routing once
// (plan_run) and forks one process per shape to re-time its compute stages and run SimGrid (restage_run, sim/run.hpp):
// each time is run()'s of the shape's scenario exactly, at ~1/4 of its CPU for a prefill grid's shapes
// (step_model/README.md).
std::vector<double> simulate_step_times(const Scenario& s, const std::vector<StepShape>& shapes, int jobs,
                                        const std::function<void(std::size_t, std::size_t)>& on_done = {});

struct BuildOptions {
    std::filesystem::path cache_dir; // "": default_step_model_cache_dir()
    int jobs = 1;
    std::string version; // moetwin's (part of the key and of the file)
    std::function<void(std::size_t, std::size_t)> progress;
};

struct BuildOutcome {
    StepModelFile model;
    std::filesystem::path file; // the cache file
    bool from_cache = false;
    double wall_s   = 0; // this call's wall time
    // CPU seconds of the workers (getrusage of the children): wall_s on an idle machine is about this over
    // the workers, whatever else runs on a shared one.
    double worker_cpu_s = 0;
    std::string warning; // non-empty when a cached file was unusable and rebuilt: names the file and why
};

// Contract: the unit's model, from the cache when there, else simulated (simulate_step_times) and written
// atomically to the cache. Deterministic: the same inputs give a byte-identical file whatever `jobs`.
BuildOutcome build_step_model(const Scenario& s, const GridSpec& spec, const BuildOptions& options);

} // namespace moetwin::serving
