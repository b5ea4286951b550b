// SPDX-License-Identifier: Apache-2.0
// `moetwin serve SCENARIO [--out DIR] [--exact] [--step-model-cache DIR] [-j N]`: replay the scenario's serving traffic
// on its prefill/decode pools request by request (sim/serving/) and write requests.csv, summary.json and series.csv.
// `moetwin bench serve SCENARIO`: the same replay, timed: requests simulated per second on one core.
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/serving/drift/drift_build.hpp"
#include "sim/serving/serve_plots.hpp"
#include "sim/serving/serve_setup.hpp"
#include "sim/serving/step_model/pool_unit_scenario.hpp"
#include "sim/serving/step_model/step_model_for_unit.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

namespace moetwin::cli {
namespace {

// The traffic sources (sim/serving/traffic/): serving.traffic is kept verbatim by the scenario parser and read
// here, with its JSON path, by the traffic module's own parser.
std::unique_ptr<serving::RequestSource> open_scenario_traffic(const Scenario& s) {
    if (s.serving->traffic_json.empty())
        throw ConfigError(s.source.string() + ": serving: missing required key \"traffic\" (the requests to replay)");
    const nlohmann::json j = parse_json_text(s.serving->traffic_json, s.source.string());
    const JsonObject o(j, "serving.traffic", s.source.string());
    return serving::traffic::open_traffic(serving::traffic::parse_traffic(o, s.serving->base_dir), s.seed);
}

struct StepModelArgs {
    bool exact = false;
    std::string cache;     // "": the default cache folder
    int jobs          = 0; // 0: every core
    int cached_points = 0; // the prefill grid's cached-prefix planes (GridSpec::cached_points; 0: its default)
};

// The step-time model of one pool's unit (sim/serving/step_model/, issue 17 item 4): the grid model from the
// cache, built when missing (progress on stderr), or with --exact the step simulator per distinct shape.
std::unique_ptr<serving::StepTimeModel> build_step_model(const Scenario& s, Phase phase, const StepModelArgs& a) {
    using namespace moetwin::serving;
    const Scenario unit = pool_unit_scenario(s, phase);
    const std::string phase_name(to_string(phase));
    StepModelOptions o;
    o.exact              = a.exact;
    o.build.cache_dir    = a.cache;
    o.build.jobs         = a.jobs > 0 ? a.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
    o.build.version      = version();
    o.grid.cached_points = a.cached_points;
    if (a.exact) {
        std::fprintf(stderr, "serve: %s unit: --exact, the step simulator runs every distinct step shape\n",
                     phase_name.c_str());
        return step_model_for_unit(unit, o);
    }
    const GridAxes axes = grid_axes(unit, o.grid);
    const std::filesystem::path file =
        (o.build.cache_dir.empty() ? default_step_model_cache_dir() : o.build.cache_dir) /
        (step_model_key(keyed_scenario_json(unit), o.build.version, o.grid.interpolation, axes) + ".json");
    const bool cached = std::filesystem::exists(file);
    std::fprintf(stderr, "serve: %s unit: %s the %zu x %zu x %zu step-time grid %s\n", phase_name.c_str(),
                 cached ? "loading" : "building", axes.batch.size(), axes.context.size(), axes.cached.size(),
                 file.string().c_str());
    if (!cached && ::isatty(STDERR_FILENO))
        o.build.progress = [phase_name](std::size_t done, std::size_t total) {
            std::fprintf(stderr, "\rserve: %s unit: %zu/%zu shapes simulated%s", phase_name.c_str(), done, total,
                         done == total ? "\n" : "");
        };
    const auto start = std::chrono::steady_clock::now();
    std::string warning;
    auto model = step_model_for_unit(unit, o, &warning);
    if (!warning.empty()) std::fprintf(stderr, "moetwin: warning: %s\n", warning.c_str());
    if (!cached)
        std::fprintf(stderr, "serve: %s unit: grid built in %.1f s\n", phase_name.c_str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return model;
}

struct ServeRun {
    serving::StepDrift prefill_drift, decode_drift; // borrowed by inputs
    serving::ReplaySummary summary;
    serving::ReplayInputs inputs;
    double wall_s = 0;
};

// Expert-load drift (sim/serving/drift/, issue 17 item 4): per pool the step-time factors and re-placement pauses
// of serving.expert_drift, or without it the placement's busiest/mean on routing's loads (factor 1); wired into
// run.inputs. Colocated: the prefill chunks run on the decode units, which pay the re-placement once.
void pool_drifts(const Scenario& s, const serving::StepTimeModel& prefill, const serving::StepTimeModel& decode,
                 const StepModelArgs& a, ServeRun& run) {
    using namespace moetwin::serving;
    const bool colocated = s.serving->mode == ServingMode::Colocated;
    for (const Phase phase : {Phase::Prefill, Phase::Decode}) {
        const Scenario unit = pool_unit_scenario(s, phase);
        StepDrift& d        = phase == Phase::Prefill ? run.prefill_drift : run.decode_drift;
        if (!s.serving->expert_drift.enabled) {
            d = static_step_drift(unit);
        } else {
            DriftBuildOptions o;
            o.cache_dir        = a.cache;
            o.jobs             = a.jobs > 0 ? a.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
            o.version          = version();
            o.pays_migration   = !(colocated && phase == Phase::Prefill);
            const auto start   = std::chrono::steady_clock::now();
            const DriftBuild b = build_step_drift(unit, *s.serving, phase == Phase::Prefill ? prefill : decode, o);
            double moved_B = 0, pause_s = 0;
            for (const balancer::MigrationCost& m : b.plan.moved)
                moved_B += m.bytes, pause_s = std::max(pause_s, m.time_s);
            std::fprintf(stderr,
                         "serve: %s unit: expert drift over %zu intervals, %zu placements (%.1f GB moved, longest "
                         "pause %.3f s), %s %s (%.1f s)\n",
                         std::string(to_string(phase)).c_str(), std::size_t(b.drift.intervals()),
                         b.plan.placements.size(), moved_B * 1e-9, pause_s, b.from_cache ? "loaded" : "simulated",
                         b.file.string().c_str(),
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            d = b.drift;
        }
        (phase == Phase::Prefill ? run.inputs.prefill : run.inputs.decode).drift = &d;
    }
}

// trace.json's default sample: every 1000th request (a Day-6 day of ~10^8 requests gives ~10^5 lifecycles, a
// trace Perfetto opens; a small replay gives a few).
constexpr int64_t kDefaultTraceEvery = 1000;

ServeRun serve(const Scenario& s, const std::filesystem::path& dir, const StepModelArgs& models, int64_t trace_every) {
    if (!s.serving) throw ConfigError(s.source.string() + ": no \"serving\" section (see scenarios/README.md)");
    // Colocated: the prefill chunks run on the decode unit, timed by the step model of that unit in prefill.
    const auto decode  = build_step_model(s, Phase::Decode, models);
    const auto prefill = build_step_model(s, Phase::Prefill, models);
    ServeRun run;
    run.inputs = serving::replay_inputs(s, *prefill, *decode);
    pool_drifts(s, *prefill, *decode, models, run);
    auto source              = open_scenario_traffic(s);
    const auto start         = std::chrono::steady_clock::now();
    run.summary              = serving::serve_to_dir(run.inputs, *source, dir, trace_every, s.name);
    run.wall_s               = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.inputs.prefill.drift = run.inputs.decode.drift = nullptr; // they point into `run`, which moves
    return run;
}

} // namespace

void add_serve_command(CLI::App& app) {
    struct Opts {
        std::string scenario, out;
        StepModelArgs models;
        int64_t trace_every = -1; // -1: kDefaultTraceEvery when output.trace, else none
        bool no_plots       = false;
    };
    auto o    = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand("serve", "Replay the scenario's serving traffic request by request on its "
                                            "prefill/decode pools: requests.csv, summary.json, series.csv");
    cmd->add_option("scenario", o->scenario, "Scenario JSON file with a \"serving\" section")->required();
    cmd->add_option("--out", o->out, "Output folder (default: the scenario's output.dir)");
    cmd->add_option("--trace-every", o->trace_every,
                    "trace.json holds every Nth request's lifecycle (default 1000 when output.trace; 0: no trace)")
        ->check(CLI::Range(int64_t(0), int64_t(1) << 40));
    cmd->add_flag("--no-plots", o->no_plots, "Do not draw the PNG plots of series.csv");
    cmd->add_flag("--exact", o->models.exact, "Run the step simulator for every distinct step (small replays only)");
    cmd->add_option("--step-model-cache", o->models.cache,
                    "Step-time model cache folder (default: $XDG_CACHE_HOME/moetwin/step_models)");
    cmd->add_option("--jobs,-j", o->models.jobs, "Worker processes building a step-time grid (default: every core)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--cached-points", o->models.cached_points,
                    "Planes of the prefill grid's cached-prefix axis, 0 included (default 5: 0, 1, 3, 10, 32; 1: none, "
                    "prefix hits "
                    "then timed as whole prompts of the same mean attended context, as before that axis)")
        ->check(CLI::Range(1, 100));
    cmd->callback([o] {
        const Scenario s                = load_scenario_arg(o->scenario);
        const std::filesystem::path dir = o->out.empty() ? s.output.dir : std::filesystem::path(o->out);
        const int64_t every = o->trace_every >= 0 ? o->trace_every : s.output.trace ? kDefaultTraceEvery : 0;
        const ServeRun r    = serve(s, dir, o->models, every);
        std::cout << "serve " << s.name << ": " << r.summary.completed << " of " << r.summary.requests_in
                  << " requests completed, " << r.summary.unfinished << " unfinished in " << r.wall_s << " s; wrote "
                  << dir.string() << "/{" << (s.serving->requests_csv ? "requests.csv," : "")
                  << "summary.json,series.csv" << (every > 0 ? ",trace.json" : "") << "}\n";
        if (!o->no_plots) {
            const std::string note = serving::write_serve_plots(r.inputs, s.name, dir);
            if (note.empty())
                std::cout << "plots: " << dir.string() << "/{serve_throughput,serve_latency,serve_cost}.png\n";
            else
                std::cout << "plots: " << note << "\n";
        }
    });

    CLI::App* bench = app.get_subcommand("bench");
    auto b          = std::make_shared<Opts>();
    auto* bs        = bench->add_subcommand("serve", "Time `moetwin serve` on a scenario: requests simulated per "
                                                            "second on one core");
    bs->add_option("scenario", b->scenario, "Scenario JSON file with a \"serving\" section")->required();
    bs->add_option("--out", b->out, "Output folder (default: the scenario's output.dir)");
    bs->add_option("--step-model-cache", b->models.cache, "Step-time model cache folder");
    bs->callback([b] {
        const Scenario s = load_scenario_arg(b->scenario);
        const ServeRun r = serve(s, b->out.empty() ? s.output.dir : std::filesystem::path(b->out), b->models, 0);
        std::cout << "bench serve " << s.name << ": " << r.summary.requests_in << " requests, "
                  << r.summary.prefill_steps + r.summary.decode_steps << " unit steps in " << r.wall_s
                  << " s: " << double(r.summary.requests_in) / r.wall_s << " requests/s simulated\n";
    });
}

} // namespace moetwin::cli
