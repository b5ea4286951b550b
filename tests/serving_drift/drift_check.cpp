// SPDX-License-Identifier: Apache-2.0
// The scaled-grid approximation on any serving scenario with serving.expert_drift (not a test: production units
// take seconds per simulation). build/bin/drift_check SCENARIO CACHE_DIR [JOBS]: per pool, the interval with the
// largest factor, its loads under the placement in force, simulated directly at shapes across the unit's grid
// (not the reference points), against grid × factor and against base × factor. Prints one line per shape.
#include "common/errors.hpp"
#include "engine/model_spec.hpp"
#include "sim/scenario.hpp"
#include "sim/serving/drift/drift_build.hpp"
#include "sim/serving/drift/drift_loads.hpp"
#include "sim/serving/step_model/step_model_for_unit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

using namespace moetwin;
using namespace moetwin::serving;

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: drift_check SCENARIO CACHE_DIR [JOBS]\n");
        return 2;
    }
    const Scenario s = load_scenario(argv[1]);
    const int jobs   = argc > 3 ? std::stoi(argv[3]) : 2;
    if (!s.serving || !s.serving->expert_drift.enabled) throw ConfigError("needs serving.expert_drift");
    for (const Phase phase : {Phase::Decode, Phase::Prefill}) {
        Scenario u       = s; // as sim/cli/cmd_serve.cpp's unit_scenario (disaggregated)
        u.serving        = std::nullopt;
        u.workload.phase = phase;
        if (phase == Phase::Prefill) u.workload.tokens_per_gpu = s.serving->prefill_tokens_per_rank;
        StepModelOptions mo;
        mo.build.cache_dir = argv[2];
        mo.build.jobs      = jobs;
        mo.build.version   = MOETWIN_VERSION;
        const auto model   = step_model_for_unit(u, mo);
        DriftBuildOptions o;
        o.cache_dir                         = argv[2];
        o.jobs                              = jobs;
        o.version                           = MOETWIN_VERSION;
        const DriftBuild b                  = build_step_drift(u, *s.serving, *model, o);
        const std::size_t K                 = b.reference.batches.size();
        const auto& f                       = b.drift.factor;
        const int i                         = int(std::max_element(f.begin(), f.end()) - f.begin()) / int(K);
        const ExpertDriftConfig& c          = s.serving->expert_drift;
        const std::vector<ExpertLoad> loads = interval_loads(
            drift_runs(u, c), int(std::lround(c.hours_per_run * 60)), int(std::lround(s.serving->series_period_s / 60)),
            s.serving->duration_s / 60, find_model(u.model.name).top_k, u.seed);
        const double cref = b.reference.context;
        const std::vector<StepShape> shapes =
            phase == Phase::Decode ? std::vector<StepShape>{{8, 1024}, {32, 4096}, {64, 16384}, {100, 2000}}
                                   : std::vector<StepShape>{{2048, 512}, {6000, 1500}, {16384, 1024}, {12000, 3000}};
        const auto pts = simulate_drift_points(u, shapes, loads[std::size_t(i)],
                                               b.plan.placements[std::size_t(b.plan.placement_of[std::size_t(i)])],
                                               std::string(argv[2]) + "/check_" + std::to_string(::getpid()), jobs);
        std::printf("%s: interval %d, busiest/mean %.3f, reference context %g\n", std::string(to_string(phase)).c_str(),
                    i, b.drift.busiest_over_mean[std::size_t(i)], cref);
        for (const DriftCheckPoint& p : pts) {
            const double fx = b.drift.factor_at(i, p.shape.batch_per_rank);
            const double g  = model->step_s(p.shape);
            std::printf("  (%g, %g): direct ratio %.4f, factor %.4f (error %.2f %%); grid x factor vs direct %.2f %%\n",
                        p.shape.batch_per_rank, p.shape.context_tokens, p.drifted_s / p.base_s, fx,
                        100 * (p.base_s * fx / p.drifted_s - 1), 100 * (g * fx / p.drifted_s - 1));
        }
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "drift_check: %s\n", e.what());
    return 1;
}
