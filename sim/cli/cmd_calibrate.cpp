// SPDX-License-Identifier: Apache-2.0
// `moetwin calibrate TRACE [--scenario S] [-o DIR]`: reads a PyTorch-profiler trace of a real run, attributes
// every kernel to its stage, maps kernels to the model's ops, prints measured against the twin's roofline
// (before and after calibration), and writes profile records and a calibration file (sim/calibrate/).
#include "common/errors.hpp"
#include "sim/calibrate/calibrate.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace moetwin::calib {
extern const char* const kTracedScenarioJson;
extern const char* const kTracedScenarioName;
} // namespace moetwin::calib

namespace moetwin::cli {
namespace {

struct CalibrateArgs {
    std::string trace;
    std::string scenario;
    std::string out_dir;
};

void run_calibrate(const CalibrateArgs& args) {
    const Scenario scenario          = args.scenario.empty()
                                           ? parse_scenario(calib::kTracedScenarioJson, calib::kTracedScenarioName)
                                           : load_scenario(args.scenario);
    const calib::ProfilerTrace trace = calib::read_profiler_trace(args.trace);
    const calib::CalibrationResult r = calib::calibrate_trace(trace, scenario, calib::deepseek_v3_training_recipe(),
                                                              "moetwin calibrate " + std::string(version()));
    calib::print_calibration(std::cout, r);
    if (!args.out_dir.empty())
        for (const auto& path : calib::write_calibration_outputs(args.out_dir, r))
            std::cout << "wrote " << path.string() << '\n';
}

} // namespace

void add_calibrate_command(CLI::App& app) {
    auto args     = std::make_shared<CalibrateArgs>();
    CLI::App* cmd = app.add_subcommand(
        "calibrate",
        "Calibrate the twin from a PyTorch-profiler trace (Chrome JSON, plain or .gz) of a real run: attribute every "
        "kernel to its stage (launch correlation id + the enclosing user_annotation), map kernels to the model's "
        "ops, print measured GPU time against the roofline before and after calibration, and with -o write "
        "DIR/profile.json (profile records: compute.source = profile) and DIR/calibration.json (fitted efficiency "
        "factors and in-situ DeepEP figures: compute.calibration). The stage recipe is DeepSeek-V3 training "
        "(annotations attn(F), mlp(F), dispatch(F), combine(F), attn(B), attn(W), mlp(B), mlp(W), dispatch(B), "
        "combine(B)); see README \"Calibrating from a trace of your cluster\".");
    cmd->add_option("trace", args->trace, "Profiler trace (.json or .json.gz)")->required();
    cmd->add_option("--scenario", args->scenario,
                    "Scenario describing the traced run: model, GPU, tokens per GPU, sequence length, experts per "
                    "GPU, compute/comm SMs (default: scenarios/deepseek_v3_train_ep64_trace.json, compiled in)");
    cmd->add_option("-o,--out", args->out_dir, "Write profile.json and calibration.json into this directory");
    cmd->callback([args] { run_calibrate(*args); });
}

} // namespace moetwin::cli
