// SPDX-License-Identifier: Apache-2.0
// `moetwin stepmodel [SCENARIO]`: build (or load from the cache) the grid step-time model of the scenario's
// active unit (issue 17 item 4: sim/serving/step_model/README.md), print its grid and build time, and with
// --check K its error against direct step simulations at K random shapes off the grid.
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"
#include "sim/serving/step_model/step_grid_check.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

namespace moetwin::cli {
namespace {

struct StepModelArgs {
    std::string scenario;
    int points = 0, batch_points = 0, context_points = 0, cached_points = 0;
    double cached_max   = 0;
    int check           = 0;
    uint64_t check_seed = 1;
    std::string cache;
    std::string interpolation;
    int jobs     = 0; // 0: every core
    bool rebuild = false;
};

void print_grid(const serving::StepGrid& g) {
    const bool decode = g.phase == Phase::Decode;
    for (std::size_t p = 0; p < g.cached.size(); ++p) {
        std::printf("step time (ms); rows: %s per rank; columns: %s", decode ? "requests" : "tokens",
                    decode ? "mean KV tokens per request"
                           : "mean tokens each new token attends to among the new ones (c_new)");
        if (!decode) std::printf("; cached tokens per new token: %g", g.cached[p]);
        std::printf("\n%9s", "");
        for (const double c : g.context)
            std::printf(" %9g", c);
        std::printf("\n");
        for (std::size_t i = 0; i < g.batch.size(); ++i) {
            std::printf("%9g", g.batch[i]);
            for (std::size_t k = 0; k < g.context.size(); ++k)
                std::printf(" %9.3f", g.at(i, k, p) * 1e3);
            std::printf("\n");
        }
    }
}

void run_stepmodel_command(const StepModelArgs& a) {
    using namespace moetwin::serving;
    const Scenario s = load_scenario_arg(a.scenario);
    GridSpec spec;
    if (a.points > 0) spec.batch_points = spec.context_points = std::max(2, int(std::lround(std::sqrt(a.points))));
    if (a.batch_points > 0) spec.batch_points = a.batch_points;
    if (a.context_points > 0) spec.context_points = a.context_points;
    spec.cached_points = a.cached_points;
    spec.cached_max    = a.cached_max;
    if (!a.interpolation.empty()) {
        const auto v = table_find(kGridInterpolations, a.interpolation);
        if (!v)
            throw ConfigError("--interpolation: " +
                              unknown_name_message("interpolation", a.interpolation, table_names(kGridInterpolations)));
        spec.interpolation = *v;
    }
    BuildOptions o;
    o.cache_dir = a.cache;
    o.jobs      = a.jobs > 0 ? a.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
    o.version   = version();
    if (::isatty(STDERR_FILENO))
        o.progress = [](std::size_t done, std::size_t total) {
            std::fprintf(stderr, "\rstepmodel: %zu/%zu shapes simulated%s", done, total, done == total ? "\n" : "");
        };
    const GridAxes axes = grid_axes(s, spec);
    const std::filesystem::path file =
        (o.cache_dir.empty() ? default_step_model_cache_dir() : o.cache_dir) /
        (step_model_key(keyed_scenario_json(s), o.version, spec.interpolation, axes) + ".json");
    if (a.rebuild) std::filesystem::remove(file);
    std::printf("step-time model of %s (%s unit): %zu × %zu × %zu grid, %s interpolation, %d workers\n", s.name.c_str(),
                std::string(to_string(s.workload.phase)).c_str(), axes.batch.size(), axes.context.size(),
                axes.cached.size(), std::string(table_name(kGridInterpolations, spec.interpolation)).c_str(), o.jobs);
    const BuildOutcome b = build_step_model(s, spec, o);
    if (!b.warning.empty()) std::fprintf(stderr, "moetwin: warning: %s\n", b.warning.c_str());
    if (b.from_cache)
        std::printf("loaded from the cache %s in %.2f s\n", b.file.string().c_str(), b.wall_s);
    else
        std::printf("built in %.1f s wall (%zu simulations, %.1f CPU s in the workers: %.1f s per simulation) and "
                    "cached as %s\n",
                    b.wall_s, b.model.grid.step_s.size(), b.worker_cpu_s,
                    b.worker_cpu_s / double(b.model.grid.step_s.size()), b.file.string().c_str());
    print_grid(b.model.grid);
    if (a.check <= 0) return;
    const std::vector<StepShape> shapes =
        random_off_grid_shapes(b.model.grid, a.check, a.check_seed, s.workload.micro_batches);
    const auto start     = std::chrono::steady_clock::now();
    const CheckReport r  = check_step_model(s, b.model.grid, shapes, o.jobs);
    const double check_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const char* own      = table_name(kGridInterpolations, spec.interpolation).data();
    const char* other    = spec.interpolation == GridInterpolation::Bilinear ? "log_bilinear" : "bilinear";
    std::printf("check: %zu random off-grid shapes (seed %llu) against direct step simulations, %.1f s\n",
                shapes.size(), (unsigned long long)a.check_seed, check_s);
    std::printf("%9s %9s %8s %11s %11s %8s %11s %8s\n", "batch", "context", "cached", "direct ms", own, "error", other,
                "error");
    for (const CheckPoint& p : r.points)
        std::printf("%9g %9g %8.3f %11.3f %11.3f %7.2f%% %11.3f %7.2f%%\n", p.shape.batch_per_rank,
                    p.shape.context_tokens, p.shape.cached_per_token, p.direct_s * 1e3, p.model_s * 1e3,
                    100 * (p.model_s - p.direct_s) / p.direct_s, p.other_s * 1e3,
                    100 * (p.other_s - p.direct_s) / p.direct_s);
    std::printf("error: %s max %.2f %%, mean %.2f %%; %s max %.2f %%, mean %.2f %%\n", own, 100 * r.max_rel_error,
                100 * r.mean_rel_error, other, 100 * r.other_max_rel_error, 100 * r.other_mean_rel_error);
}

} // namespace

void add_stepmodel_command(CLI::App& app) {
    auto a   = std::make_shared<StepModelArgs>();
    auto cmd = app.add_subcommand("stepmodel", "Build (or load from the cache) the serving replay's grid step-time "
                                               "model of the scenario's unit; --check K measures its error");
    cmd->add_option("scenario", a->scenario, "Scenario JSON file (default: the embedded decode default)");
    cmd->add_option("--points", a->points, "About N grid points: sqrt(N) batch × sqrt(N) context (default 12 × 8)")
        ->check(CLI::Range(4, 10000));
    cmd->add_option("--batch-points", a->batch_points, "Batch values of the grid")->check(CLI::Range(2, 1000));
    cmd->add_option("--context-points", a->context_points, "Context values of the grid")->check(CLI::Range(2, 1000));
    cmd->add_option(
           "--cached-points", a->cached_points,
           "Prefill: planes of the cached-tokens-per-new-token axis, 0 included (default 5: 0, 1, 3, 10, 32; 1: none)")
        ->check(CLI::Range(1, 100));
    cmd->add_option("--cached-max", a->cached_max,
                    "Prefill: the cached axis's largest value, cached tokens per new token (default 32)")
        ->check(CLI::Range(1.0, 1e6));
    cmd->add_option("--check", a->check, "Simulate K random off-grid shapes and print the model's error")
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--check-seed", a->check_seed, "Seed of the check's shapes (default 1)");
    cmd->add_option("--interpolation", a->interpolation, "bilinear (default) or log_bilinear");
    cmd->add_option("--cache", a->cache, "Cache folder (default: $XDG_CACHE_HOME/moetwin/step_models)");
    cmd->add_option("--jobs,-j", a->jobs, "Worker processes at once (default: every core)")->check(CLI::Range(1, 4096));
    cmd->add_flag("--rebuild", a->rebuild, "Simulate the grid even when the cache holds it (and replace it)");
    cmd->callback([a] { run_stepmodel_command(*a); });
}

} // namespace moetwin::cli
