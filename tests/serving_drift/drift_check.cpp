// SPDX-License-Identifier: Apache-2.0
// The drift approximation (step_drift.hpp: grid + Δ_i(batch)) on any serving scenario with serving.expert_drift
// (not a test: production units take ~0.6 s per simulation). build/bin/drift_check SCENARIO CACHE_DIR [JOBS]: per
// pool, the interval with the largest busiest/mean, its loads under the placement in force, simulated directly
// at shapes across the unit's grid (not the reference points) with the scenario's own routing and placement
// (base) and drifted; prints base + Δ_i(batch) against the direct drifted time, one line per shape, and the
// worst error. No step-time grid is built (the grid's own interpolation error: step_model/README.md).
// build/bin/drift_check SCENARIO --plan: no simulation; per pool, the placements of the day under `replacement`
// full and incremental: mean and worst busiest/mean over the intervals, GB moved per unit, pauses.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/scenario.hpp"
#include "sim/serving/drift/drift_build.hpp"
#include "sim/serving/drift/drift_loads.hpp"
#include "sim/serving/step_model/pool_unit_scenario.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace moetwin;
using namespace moetwin::serving;

namespace {
// Not a grid: drift_reference then takes the default grid's axes (grid_axes(unit, GridSpec{})), as `moetwin serve`.
class NoGrid : public StepTimeModel {
  public:
    double step_s(const StepShape&) const override { return 1; }
};
} // namespace

// Full against incremental re-placement, plans only (drift_plan.hpp).
void compare_replacements(const Scenario& s) {
    const ExpertDriftConfig& c = s.serving->expert_drift;
    const int period_min       = int(std::lround(s.serving->series_period_s / 60));
    const int rebalance        = int(std::lround(c.rebalance_s / s.serving->series_period_s));
    const int window           = int(std::lround(c.window_s / s.serving->series_period_s));
    for (const Phase phase : {Phase::Decode, Phase::Prefill}) {
        const Scenario u = pool_unit_scenario(s, phase);
        const std::vector<ExpertLoad> loads =
            interval_loads(drift_runs(u, c), int(std::lround(c.hours_per_run * 60)), period_min,
                           s.serving->duration_s / 60, find_model(u.model.name).top_k, u.seed);
        for (const bool incremental : {false, true}) {
            const DriftPlan p =
                plan_drift(loads, drift_placement_spec(u), drift_place_fn(u), rebalance, window, {}, incremental);
            double sum = 0, worst = 0, bytes = 0, pause = 0, longest = 0;
            int replacements = 0, experts = 0;
            for (std::size_t i = 0; i < loads.size(); ++i) {
                sum += p.busiest_over_mean[i];
                worst = std::max(worst, p.busiest_over_mean[i]);
                bytes += p.moved[i].bytes;
                pause += p.moved[i].time_s;
                longest = std::max(longest, p.moved[i].time_s);
                experts += p.moved[i].experts_moved;
                replacements += i > 0 && p.placement_of[i] != p.placement_of[i - 1];
            }
            std::printf("%s %-11s: %zu intervals, busiest/mean mean %.3f worst %.3f; %d re-placements moving %d "
                        "experts, %.1f GB per unit; pauses %.3f s in all, longest %.3f s\n",
                        std::string(to_string(phase)).c_str(), incremental ? "incremental" : "full", loads.size(),
                        sum / double(loads.size()), worst, replacements, experts, bytes / 1e9, pause, longest);
        }
    }
}

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: drift_check SCENARIO CACHE_DIR [JOBS] | drift_check SCENARIO --plan\n");
        return 2;
    }
    const Scenario s = load_scenario(argv[1]);
    if (std::string(argv[2]) == "--plan") {
        if (!s.serving || !s.serving->expert_drift.enabled) throw ConfigError("needs serving.expert_drift");
        compare_replacements(s);
        return 0;
    }
    const int jobs = argc > 3 ? std::stoi(argv[3]) : 2;
    if (!s.serving || !s.serving->expert_drift.enabled) throw ConfigError("needs serving.expert_drift");
    double worst = 0;
    for (const Phase phase : {Phase::Decode, Phase::Prefill}) {
        const Scenario u = pool_unit_scenario(s, phase); // as sim/cli/cmd_serve.cpp
        DriftBuildOptions o;
        o.cache_dir                         = argv[2];
        o.jobs                              = jobs;
        o.version                           = MOETWIN_VERSION;
        const DriftBuild b                  = build_step_drift(u, *s.serving, NoGrid{}, o);
        const auto& bom                     = b.drift.busiest_over_mean;
        const int i                         = int(std::max_element(bom.begin(), bom.end()) - bom.begin());
        const ExpertDriftConfig& c          = s.serving->expert_drift;
        const std::vector<ExpertLoad> loads = interval_loads(
            drift_runs(u, c), int(std::lround(c.hours_per_run * 60)), int(std::lround(s.serving->series_period_s / 60)),
            s.serving->duration_s / 60, find_model(u.model.name).top_k, u.seed);
        std::vector<StepShape> shapes =
            phase == Phase::Decode
                ? std::vector<StepShape>{{8, 1024}, {32, 4096}, {64, 16384}, {100, 2000}, {12, 48000}, {128, 300}}
                : std::vector<StepShape>{{2048, 512}, {6000, 1500}, {16384, 1024}, {12000, 3000}, {1000, 200}};
        // Other shapes: DRIFT_CHECK_DECODE / DRIFT_CHECK_PREFILL = "batch:context,batch:context,...".
        if (const char* env = std::getenv(phase == Phase::Decode ? "DRIFT_CHECK_DECODE" : "DRIFT_CHECK_PREFILL")) {
            shapes.clear();
            for (std::string rest = env; !rest.empty();) {
                const std::size_t comma = rest.find(',');
                const std::string one   = rest.substr(0, comma);
                shapes.push_back({std::stod(one.substr(0, one.find(':'))), std::stod(one.substr(one.find(':') + 1))});
                rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
            }
        }
        if (shapes.empty()) continue;
        const auto pts = simulate_drift_points(u, shapes, loads[std::size_t(i)],
                                               b.plan.placements[std::size_t(b.plan.placement_of[std::size_t(i)])],
                                               std::string(argv[2]) + "/check_" + std::to_string(::getpid()), jobs);
        std::printf("%s: interval %d, busiest/mean %.3f, reference context %g, batches",
                    std::string(to_string(phase)).c_str(), i, bom[std::size_t(i)], b.reference.context);
        for (std::size_t k = 0; k < b.reference.batches.size(); ++k)
            std::printf(" %g (%+.4f s)", b.reference.batches[k],
                        b.drift.excess_s[std::size_t(i) * b.reference.batches.size() + k]);
        std::printf("\n");
        for (const DriftCheckPoint& p : pts) {
            const double dx  = b.drift.excess_at(i, p.shape.batch_per_rank);
            const double err = (p.base_s + dx) / p.drifted_s - 1;
            worst            = std::max(worst, std::abs(err));
            std::printf(
                "  (%g, %g): base %.4f s, direct drifted %.4f s (ratio %.4f), base + delta %.4f s: error %+.2f %%\n",
                p.shape.batch_per_rank, p.shape.context_tokens, p.base_s, p.drifted_s, p.drifted_s / p.base_s,
                p.base_s + dx, 100 * err);
        }
    }
    std::printf("worst |error| %.2f %%\n", 100 * worst);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "drift_check: %s\n", e.what());
    return 1;
}
