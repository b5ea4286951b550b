// SPDX-License-Identifier: Apache-2.0
// `moetwin bench step`: wall time of one simulated step (planning, then SimGrid) for the production
// decode and prefill scenarios (issue 4, item 8: each <= 1 s on one core). `moetwin bench roofline`:
// the roofline ComputeModel against DeepSeek's published H800 kernel figures.
#include "engine/roofline.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_result.hpp"
#include "topologies/h800_cluster.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

namespace moetwin::cli {
namespace {

double wall_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct StepArgs {
    std::string decode; // "" = embedded default
    std::string prefill = "scenarios/deepseek_v3_prefill_ep32.json";
    int repeat          = 1;
};

// One step in a forked child (one SimGrid engine per process): "plan platform run result step_s tok/s/gpu flows".
std::string bench_once(const Scenario& s) {
    return run_in_child([&s] {
        double t0 = wall_now();
        const RooflineModel roofline(s.gpu);
        const step::StepPlan plan = step::plan_step(s, roofline);
        const double plan_s       = wall_now() - t0;
        const Topology topo       = build_cluster(s.cluster);
        const Router router(topo);
        const step::ExecOptions exec = step::exec_options_for(s);
        const step::StepTrace tr     = step::execute_step(plan, router, exec);
        t0                           = wall_now();
        RunResult r;
        r.meta.num_gpus = plan.num_gpus;
        for (int g = 0; g < plan.num_gpus; ++g) {
            GpuCounters c;
            c.gpu = g;
            r.gpus.push_back(c);
        }
        step::fill_step_result(r, plan, tr, topo, exec.calibration);
        const double result_s = wall_now() - t0;
        char buf[256];
        std::snprintf(buf, sizeof buf, "%.6f %.6f %.6f %.6f %.9f %.3f", plan_s, tr.platform_wall_s, tr.run_wall_s,
                      result_s, tr.step_s, r.summary.tokens_per_s_per_gpu);
        return std::string(buf);
    });
}

void run_bench_step(const StepArgs& a) {
    std::printf("%-28s %8s %9s %8s %8s %8s %10s %12s\n", "scenario", "plan_s", "platform_s", "sim_s", "result_s",
                "total_s", "step_ms", "tok/s/GPU");
    for (const std::string& path : {a.decode, a.prefill}) {
        const Scenario s = load_scenario_arg(path);
        double best[4]   = {1e30, 1e30, 1e30, 1e30};
        double step_s = 0, tps = 0;
        for (int i = 0; i < a.repeat; ++i) { // min of N (toolchain.md pitfall 10)
            std::istringstream in(bench_once(s));
            double v[4];
            in >> v[0] >> v[1] >> v[2] >> v[3] >> step_s >> tps;
            for (int k = 0; k < 4; ++k)
                best[k] = std::min(best[k], v[k]);
        }
        std::printf("%-28s %8.3f %9.3f %8.3f %8.3f %8.3f %10.3f %12.1f\n", s.name.c_str(), best[0], best[1], best[2],
                    best[3], best[0] + best[1] + best[2] + best[3], step_s * 1e3, tps);
    }
}

void run_bench_roofline() {
    const RooflineModel model(find_gpu("h800"));
    std::printf("%-18s %-34s %-7s %10s %10s %8s\n", "source", "shape", "unit", "published", "model", "error");
    for (const CalibrationRow& r : roofline_calibration(model))
        std::printf("%-18s %-34s %-7s %10.1f %10.1f %7.1f%%\n", r.source.c_str(), r.shape.c_str(), r.unit.c_str(),
                    r.published, r.model, 100 * r.error());
}

} // namespace

void add_bench_step_command(CLI::App& app) {
    CLI::App* bench = app.get_subcommand("bench");
    auto a          = std::make_shared<StepArgs>();
    CLI::App* step =
        bench->add_subcommand("step", "Wall time of one simulated decode and prefill step (plan + SimGrid)");
    step->add_option("--decode", a->decode, "Decode scenario (default: the embedded EP144 production scenario)");
    step->add_option("--prefill", a->prefill, "Prefill scenario")->capture_default_str();
    step->add_option("--repeat", a->repeat, "Runs per scenario; the minimum is printed")->capture_default_str();
    step->callback([a] { run_bench_step(*a); });
    CLI::App* roof =
        bench->add_subcommand("roofline", "The roofline ComputeModel against published H800 kernel figures");
    roof->callback([] { run_bench_roofline(); });
}

} // namespace moetwin::cli
