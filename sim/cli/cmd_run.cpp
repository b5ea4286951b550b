// SPDX-License-Identifier: Apache-2.0
// `moetwin run [SCENARIO] [--out DIR]`: the main job. Reads like the data flow:
// scenario -> memory fit -> run() -> result files -> terminal summary (progress lines on stderr).
#include "sim/cli/cli_common.hpp"
#include "sim/cli/cmd_run_training.hpp"
#include "sim/cli/commands.hpp"
#include "sim/output_dir.hpp"
#include "sim/preflight.hpp"
#include "sim/result/stage_report.hpp"
#include "sim/run.hpp"
#include "sim/run_outputs.hpp"
#include "sim/scenario_from_result.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

namespace moetwin::cli {

std::vector<std::string> print_fit(std::ostream& out, const Scenario& s); // cmd_fit.cpp

namespace {

// The terminal summary of a simulated step: step time, throughput, lane shares, stragglers, links.
void print_step_summary(std::ostream& out, const RunResult& r) {
    const Summary& s = r.summary;
    if (!s.timing_simulated) {
        out << "timing: not simulated; no step time or throughput is reported\n";
        return;
    }
    const double step_ms = double(s.step_time_ns) * 1e-6;
    out << "== step: " << r.meta.phase << ", " << r.meta.num_gpus << " GPUs, " << r.meta.num_layers << " layers, "
        << r.meta.num_micro_batches << " micro-batch(es) ==\n";
    for (const auto& note : r.meta.notes)
        out << "  " << note << '\n';
    out << std::fixed << std::setprecision(3);
    out << "step time: " << step_ms << " ms (per-layer mean " << step_ms / std::max(1, r.meta.num_layers) << " ms)\n";
    out << std::setprecision(1) << "throughput: " << s.tokens_per_s_per_gpu << " tokens/s per GPU, "
        << s.tokens_per_s_per_node << " tokens/s per node (" << s.tokens_per_step << " tokens per step)\n";
    double compute = 0, dispatch = 0, combine = 0, idle = 0;
    for (const GpuCounters& g : r.gpus) {
        compute += double(g.busy_compute_ns);
        dispatch += double(g.dispatch_ns);
        combine += double(g.combine_ns);
        idle += double(g.idle_ns);
    }
    const double denom = double(s.step_time_ns) * double(std::max<std::size_t>(1, r.gpus.size())) / 100.0;
    out << "time share, mean over GPUs (lanes overlap): compute " << compute / denom << " %, dispatch "
        << dispatch / denom << " %, combine " << combine / denom << " %, idle " << idle / denom << " %\n";
    if (s.slowest_gpu >= 0) {
        const GpuCounters& g = r.gpus[std::size_t(s.slowest_gpu)];
        out << std::setprecision(3) << "slowest GPU: " << s.slowest_gpu << " (node " << g.node << "), busy "
            << double(s.slowest_gpu_busy_ns) * 1e-6 << " ms, compute " << double(g.busy_compute_ns) * 1e-6 << " ms, "
            << g.tokens_received << " tokens received\n";
    }
    for (const LinkStats& l : r.links)
        if (l.name == s.busiest_link)
            out << std::setprecision(1) << "busiest link: " << l.name << " (" << l.kind << ", " << l.src << " -> "
                << l.dst << "): " << 100 * l.utilisation << " % utilised, " << double(l.bytes) / 1e6 << " MB\n";
    if (s.gpu_balance_step > 0)
        out << std::setprecision(3) << "routed balance (busiest / mean selections; moetwin balance's busy/mean): GPU "
            << s.gpu_balance_layer_mean << " per MoE layer (mean), " << s.gpu_balance_layer_worst << " worst layer, "
            << s.gpu_balance_step << " whole step; node " << s.node_balance_layer_mean << " per MoE layer (mean), "
            << s.node_balance_step << " whole step, busiest / least busy node " << s.node_max_over_min_step << "\n";
    out.unsetf(std::ios::fixed);
    out << std::setprecision(6);
    print_stage_report(out, stage_report(r));
}

struct RunArgs {
    std::string scenario;
    std::string out_dir;
    bool allow_not_fitting = false;
    bool force             = false;
    std::string from_result; // a result.json whose recorded scenario is rerun
    SizeLimits limits;       // the size guard (sim/preflight.hpp)
};

void run_main(const RunArgs& args) {
    Scenario scenario =
        args.from_result.empty() ? load_scenario_arg(args.scenario) : load_scenario_from_result(args.from_result);
    if (args.allow_not_fitting) scenario.allow_not_fitting = true;
    if (scenario.training)
        return run_training_main(scenario, args.out_dir, args.force, args.limits); // training.json, trace
    std::cout << scenario;
    print_fit(std::cout, scenario);
    // Every check run() would make before simulating, and the size guard, before any output exists.
    check_runnable(scenario, args.limits);

    // The output folder is checked before simulating: writable, and not another scenario's results.
    const auto dir     = args.out_dir.empty() ? scenario.output.dir : std::filesystem::path(args.out_dir);
    const auto created = prepare_output_dir(dir, scenario.name, args.force);
    std::vector<std::filesystem::path> written;
    RunResult result;
    try {
        // Progress on stderr, "progress <fraction> <what>" (sim/progress.hpp); stdout stays the report.
        result  = run(scenario, [](double fraction, std::string_view what) {
            std::fprintf(stderr, "progress %.2f %.*s\n", fraction, int(what.size()), what.data());
            std::fflush(stderr);
        });
        written = write_run_outputs(result, scenario.output, dir);
    } catch (...) {
        remove_created_dirs(created); // a failed run leaves no empty folder behind
        throw;
    }

    std::cout << '\n';
    print_step_summary(std::cout, result);
    for (const auto& p : written)
        std::cout << "wrote " << p.string() << '\n';
}

} // namespace

void add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    auto* cmd = app.add_subcommand("run", "Simulate a scenario and write result.json, trace.json and CSVs");
    cmd->add_option("scenario", args->scenario,
                    "Scenario JSON file (default: the embedded DeepSeek-V3 production decode scenario, EP144)");
    cmd->add_option("--out", args->out_dir, "Output directory (default: the scenario's output.dir, out/<name>)");
    cmd->add_option("--from-result", args->from_result,
                    "Rerun exactly the scenario a result.json records (its \"scenario\", every default filled in)")
        ->excludes(cmd->get_option("scenario"));
    cmd->add_flag("--force", args->force,
                  "Overwrite the output directory even when it holds another scenario's result.json");
    cmd->add_flag("--allow-not-fitting", args->allow_not_fitting,
                  "Simulate even when the unit does not fit in GPU memory (the result's notes record it)");
    add_size_limit_options(*cmd, args->limits);
    cmd->callback([args] { run_main(*args); });
}

} // namespace moetwin::cli
