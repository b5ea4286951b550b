// SPDX-License-Identifier: Apache-2.0
// Running a sweep: every point resolved through the scenario parser, fitted in memory, looked up in the
// cache, and otherwise simulated through the one run pipeline (sim/run.hpp: run()) in a worker of the pool
// (sweep_pool.hpp); then verdicts, constraints and the Pareto front. Nothing is skipped: a point that does
// not parse, fit or run is recorded with the parser's, the fit's or the run's message.
#pragma once

#include "sim/preflight.hpp"
#include "sim/sweep/point_metrics.hpp"
#include "sim/sweep/sweep_points.hpp"
#include "sim/sweep/sweep_spec.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moetwin::sweep {

// A point's verdict, one name each (the CSV's and JSON's "verdict").
inline constexpr const char* kVerdictOk         = "ok";           // simulated, meets the constraints
inline constexpr const char* kVerdictInvalid    = "invalid";      // the scenario parser refused the point
inline constexpr const char* kVerdictNotFitting = "does_not_fit"; // constraints.must_fit and the unit does not fit
inline constexpr const char* kVerdictFailed     = "failed";       // the run failed, crashed or timed out
inline constexpr const char* kVerdictTooLarge   = "too_large";    // the size guard: too much memory or time
inline constexpr const char* kVerdictBelowUser  = "below_min_tokens_per_s_per_user";
inline constexpr const char* kVerdictAboveTpot  = "above_max_tpot_ms";

struct PointRecord {
    PointSpec spec;
    std::string verdict;
    std::string reason;                       // "" for ok
    std::optional<bool> fits;                 // the memory fit's verdict; nullopt when the point did not parse
    std::string key;                          // cache key (points/<key>.json), "" when not simulated
    std::optional<PointMetrics> metrics;      // when simulated successfully
    bool pareto              = false;         // on the front of tokens/s per GPU against tokens/s per user
    bool pareto_cost_latency = false;         // on the front of cost per million tokens against latency (both lower)
    std::optional<double> memory_per_gpu_GiB; // the fit's per-GPU total (weights, KV, buffers, activations)
    double usd_per_gpu_hour = 0;              // the sweep's price for the point's GPU
    std::string scenario_file;                // scenarios/<key>.json under the output folder, "" when not simulated
};

// Contract: pure. Dollars per million tokens (output tokens in decode, input tokens in prefill) at the point's
// $/GPU-hour: price / 3600 / tokens_per_s_per_gpu × 10^6. NaN when not simulated.
double cost_per_million_tokens_usd(const PointRecord& p);
// Contract: pure. Latency, ms: decode TPOT (1000 / tokens_per_s_per_user), prefill the step time. NaN when not
// simulated.
double latency_ms(const PointRecord& p);

// How a run went (not part of the outputs, which do not depend on it).
struct SweepStats {
    int64_t points = 0;
    // Simulations (points with the same resolved scenario share one):
    int64_t computed    = 0; // run by a worker in this run
    int64_t cached      = 0; // read from the cache
    int64_t remote      = 0; // of `computed`, run by other MPI ranks
    double worker_cpu_s = 0; // CPU time of the workers that ran them (about their time alone on idle cores)
    double wall_s       = 0; // wall time of the simulations (from the first worker started to the last answer)
};

struct SweepOutcome {
    std::vector<PointRecord> points; // in expand_points order
    SweepStats stats;
};

struct SweepOptions {
    std::filesystem::path out_dir; // the cache lives in out_dir/points
    int jobs               = 1;
    double point_timeout_s = 0; // 0: none
    std::string version;        // moetwin's, part of the cache key
    int mpi_ranks = 1;          // > 1: this is rank 0 of an MPI run (sweep_mpi.hpp); the others call serve_sweep
    SizeLimits point_limits;    // the size guard per point (preflight.hpp); too large: verdict too_large
    // Hears (points done, points in all, seconds elapsed, seconds left) after each simulation a worker finishes.
    // Seconds left: the wall time so far per point the workers finished, times the points left (points
    // resolved without a worker, from the cache or refused, count as done from the start).
    std::function<void(int64_t, int64_t, double, double)> progress;
};

// Contract: runs the sweep; deterministic outputs (points, verdicts, figures, fronts) in the spec whatever the
// jobs, the ranks and the cache's state (but too_large depends on the machine's memory when the limit is not
// given). Writes only cache entries under out_dir/points and the points' scenarios under out_dir/scenarios. ConfigError
// when the cache folder cannot be created.
SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options);

// The other ranks of an MPI run. Contract: runs the points rank 0 hands out (by point number, resolved here from
// the same spec) until it says stop; writes nothing.
void serve_sweep(const SweepSpec& spec, const SweepOptions& options);

// Contract: pure. front[i] is true when no other point has both coordinates >= and one > (maximising both);
// points with equal coordinates are on the front together. NaN coordinates are never on it.
std::vector<bool> pareto_front(const std::vector<double>& x, const std::vector<double>& y);

} // namespace moetwin::sweep
