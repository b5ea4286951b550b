// SPDX-License-Identifier: Apache-2.0
// `moetwin serve SCENARIO [--out DIR] [--exact]`: replay the scenario's serving traffic on its prefill/decode
// pools request by request (sim/serving/) and write requests.csv, summary.json and series.csv.
// `moetwin bench serve SCENARIO`: the same replay, timed: requests simulated per second on one core.
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/serving/serve_setup.hpp"
#include "sim/serving/traffic/traffic_config.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

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

// The grid step-time model (sim/serving/step_model/, issue 17 item 4) is built on its own branch; until it is
// merged this call site says so as a ConfigError rather than inventing step times.
std::unique_ptr<serving::StepTimeModel> build_step_model(const Scenario& s, Phase phase, bool exact) {
    (void)phase;
    (void)exact;
    throw ConfigError(s.source.string() + ": the grid step-time model (sim/serving/step_model/) is not in this "
                                          "build yet");
}

struct ServeRun {
    serving::ReplaySummary summary;
    serving::ReplayInputs inputs;
    double wall_s = 0;
};

ServeRun serve(const Scenario& s, const std::filesystem::path& dir, bool exact) {
    if (!s.serving) throw ConfigError(s.source.string() + ": no \"serving\" section (see scenarios/README.md)");
    const bool colocated = s.serving->mode == serving::ServingMode::Colocated;
    // Colocated: the prefill chunks run on the decode unit, timed by the step model of that unit in prefill.
    const auto decode  = build_step_model(s, Phase::Decode, exact);
    const auto prefill = build_step_model(s, Phase::Prefill, exact);
    (void)colocated;
    ServeRun run;
    run.inputs       = serving::replay_inputs(s, *prefill, *decode);
    auto source      = open_scenario_traffic(s);
    const auto start = std::chrono::steady_clock::now();
    run.summary      = serving::serve_to_dir(run.inputs, *source, dir);
    run.wall_s       = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

} // namespace

void add_serve_command(CLI::App& app) {
    struct Opts {
        std::string scenario, out;
        bool exact = false;
    };
    auto o    = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand("serve", "Replay the scenario's serving traffic request by request on its "
                                            "prefill/decode pools: requests.csv, summary.json, series.csv");
    cmd->add_option("scenario", o->scenario, "Scenario JSON file with a \"serving\" section")->required();
    cmd->add_option("--out", o->out, "Output folder (default: the scenario's output.dir)");
    cmd->add_flag("--exact", o->exact, "Run the step simulator for every step (small replays only)");
    cmd->callback([o] {
        const Scenario s                = load_scenario_arg(o->scenario);
        const std::filesystem::path dir = o->out.empty() ? s.output.dir : std::filesystem::path(o->out);
        const ServeRun r                = serve(s, dir, o->exact);
        std::cout << "serve " << s.name << ": " << r.summary.completed << " of " << r.summary.requests_in
                  << " requests completed, " << r.summary.unfinished << " unfinished; wrote " << dir.string()
                  << "/{requests.csv,summary.json,series.csv}\n";
    });

    CLI::App* bench = app.get_subcommand("bench");
    auto b          = std::make_shared<Opts>();
    auto* bs        = bench->add_subcommand("serve", "Time `moetwin serve` on a scenario: requests simulated per "
                                                            "second on one core");
    bs->add_option("scenario", b->scenario, "Scenario JSON file with a \"serving\" section")->required();
    bs->add_option("--out", b->out, "Output folder (default: the scenario's output.dir)");
    bs->callback([b] {
        const Scenario s = load_scenario_arg(b->scenario);
        const ServeRun r = serve(s, b->out.empty() ? s.output.dir : std::filesystem::path(b->out), false);
        std::cout << "bench serve " << s.name << ": " << r.summary.requests_in << " requests, "
                  << r.summary.prefill_steps + r.summary.decode_steps << " unit steps in " << r.wall_s
                  << " s: " << double(r.summary.requests_in) / r.wall_s << " requests/s simulated\n";
    });
}

} // namespace moetwin::cli
