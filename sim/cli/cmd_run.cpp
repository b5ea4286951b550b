// SPDX-License-Identifier: Apache-2.0
// `moetwin run [SCENARIO] [--out DIR]`: the main job. Reads like the data flow:
// scenario -> memory fit -> run() -> result files -> terminal summary.
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/run.hpp"
#include "sim/run_outputs.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace moetwin::cli {

void print_fit(std::ostream& out, const Scenario& s); // cmd_fit.cpp

namespace {

struct RunArgs {
    std::string scenario;
    std::string out_dir;
};

void run_main(const RunArgs& args) {
    const Scenario scenario = load_scenario_arg(args.scenario);
    std::cout << scenario;
    print_fit(std::cout, scenario);

    const RunResult result = run(scenario);
    const auto dir         = args.out_dir.empty() ? scenario.output.dir : std::filesystem::path(args.out_dir);
    const auto written     = write_run_outputs(result, scenario.output, dir);

    std::cout << '\n';
    if (!result.summary.timing_simulated) {
        std::cout << "timing: not simulated yet (the SimGrid step simulator is not built); no step time or "
                     "tokens/s is reported\n";
    }
    for (const auto& p : written) std::cout << "wrote " << p.string() << '\n';
}

} // namespace

void add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    auto* cmd = app.add_subcommand("run", "Simulate a scenario and write result.json, trace.json and CSVs");
    cmd->add_option("scenario", args->scenario,
                    "Scenario JSON file (default: the embedded DeepSeek-V3 production decode scenario, EP144)");
    cmd->add_option("--out", args->out_dir, "Output directory (default: the scenario's output.dir, out/<name>)");
    cmd->callback([args] { run_main(*args); });
}

} // namespace moetwin::cli
