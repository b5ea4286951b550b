// SPDX-License-Identifier: Apache-2.0
// `moetwin bench <what>`: benchmarks that print tables. This file creates `bench` and its `comm`
// subcommand. Other benchmarks join as siblings from their own file, after add_bench_command():
//     void add_bench_step_command(CLI::App& app) {            // e.g. sim/cli/cmd_bench_step.cpp
//         CLI::App* step = app.get_subcommand("bench")->add_subcommand("step", "...");
//         ...
//     }
//
// `bench comm` (issue 3, items 5-6):
//   (default)    per DeepEP generation (network.deepep), its own table: EP, published, simulated,
//                error (fluid backend in SimGrid); --generation NAME picks one, --list names them
//   --sms N      normal kernels on N SMs instead of the tests' 24 (channel-limited rates)
//   --fit        refit the generation's parameters (in-process fluid model) and print the table with them
//   --accuracy   fluid model vs one SimGrid comm per flow on EP16..--max-ep
//   --scale      16,384-GPU MPFT build/route/seal and EP144 wall time per phase
#include "sim/cli/commands.hpp"
#include "sim/published/deepep_calibration.hpp"
#include "sim/published/deepep_generation.hpp"
#include "sim/published/network_bench.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace moetwin::cli {
namespace {

struct CommArgs {
    std::string fabric     = "fat_tree";
    std::string backend    = "fluid";
    std::string model      = "CM02";
    int max_ep             = 256;
    std::uint64_t seed     = 1;
    std::string generation = "all";
    int sms                = kDeepEpTestSms;
    bool fit = false, list = false, scale = false, accuracy = false, reference = false;
};

void list_generations(std::ostream& out) {
    for (const DeepEpGenerationInfo& g : deepep_generations())
        out << g.name << "  (" << g.date << ", DeepEP " << g.commit << ")"
            << (g.generation == kDefaultDeepEpGeneration ? " [default]" : "") << "\n    " << g.what << '\n';
}

// The calibration cluster is H800 nodes on a scale-out fabric: every fabric of the table but the one-node and
// NVL72 ones, spelled by kFabricKinds.
std::vector<std::string> bench_fabric_names() {
    std::vector<std::string> names;
    for (const NameEntry<FabricKind>& f : kFabricKinds)
        if (f.value != FabricKind::SingleNode && f.value != FabricKind::Nvl72) names.emplace_back(f.name);
    return names;
}

std::vector<std::string> backend_names() {
    std::vector<std::string> names;
    for (const NameEntry<CommBackend>& b : kCommBackends)
        names.emplace_back(b.name);
    return names;
}

void run_bench_comm(const CommArgs& a) {
    std::ostream& out = std::cout;
    if (a.list) {
        list_generations(out);
        return;
    }
    if (a.scale) {
        ScaleBenchOptions o;
        o.reference = a.reference;
        o.seed      = a.seed;
        run_scale_bench(o, out);
        return;
    }
    if (a.accuracy) {
        run_accuracy_bench(std::min(a.max_ep, 64), out, a.seed);
        return;
    }
    std::vector<DeepEpGeneration> generations;
    for (const DeepEpGenerationInfo& g : deepep_generations())
        if (a.generation == "all" || a.generation == g.name) generations.push_back(g.generation);
    int bad = 0;
    for (DeepEpGeneration g : generations) {
        CalibrationSetup setup      = setup_for(g);
        setup.fabric                = table_parse(kFabricKinds, a.fabric, "fabric");
        setup.network.backend       = table_parse(kCommBackends, a.backend, "network backend");
        setup.network.simgrid_model = a.model;
        setup.seed                  = a.seed;
        setup.comm_sms              = a.sms;
        if (a.fit) {
            CalibrationSetup fit      = setup;
            fit.use_simgrid           = false;
            setup.network.calibration = fit_generation(fit, &out);
            out << "fitted: " << setup.network.calibration << "\n\n";
        }
        std::vector<PublishedRow> rows;
        for (const PublishedRow& r : deepep_rows(g))
            if (r.ep <= a.max_ep) rows.push_back(r);
        const DeepEpGenerationInfo& gi = info(g);
        out << "DeepEP " << gi.name << " (" << gi.date << ", " << gi.commit << "): " << gi.what << '\n'
            << a.fabric << " fabric, " << to_string(setup.network.backend) << " backend in SimGrid ("
            << setup.network.simgrid_model << "), seed " << setup.seed << ", normal kernels on " << setup.comm_sms
            << " SMs\n"
            << "calibration: " << setup.network.calibration << "\n"
            << "settings: normal 4096 tokens/GPU, hidden 7168, top-8 of (256/EP)*EP experts, node-limited to "
               "min(nodes, "
               "4); low-latency 128 tokens/GPU, top-8 of 288 experts (rounded up to a multiple of EP)\n";
        const auto t0      = std::chrono::steady_clock::now();
        const auto results = run_calibration(setup, rows);
        print_calibration_table(results, out);
        for (const CalibrationResult& r : results)
            bad += std::abs(r.error) > kCalibrationTolerance;
        out << "wall " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n\n";
    }
    out << generations.size() << " generation(s), " << bad << " row(s) outside +/-" << kCalibrationTolerance * 100
        << " %\n";
}

} // namespace

void add_bench_command(CLI::App& app) {
    CLI::App* bench = app.add_subcommand("bench", "Benchmarks that print tables (comm, ...)");
    bench->require_subcommand(1);
    auto a         = std::make_shared<CommArgs>();
    CLI::App* comm = bench->add_subcommand("comm", "All-to-all calibration against DeepEP, accuracy and scale");
    comm->add_option("--fabric", a->fabric, "Scale-out fabric of the calibration cluster")
        ->check(CLI::IsMember(bench_fabric_names()));
    comm->add_option("--backend", a->backend, "fluid (default) or simgrid_flows (one SimGrid comm per flow; slow)")
        ->check(CLI::IsMember(backend_names()));
    comm->add_option("--model", a->model, "SimGrid network model")->check(CLI::IsMember({"CM02", "LV08", "SMPI"}));
    comm->add_option("--max-ep", a->max_ep, "Largest EP to run (simgrid_flows: keep <= 64)");
    comm->add_option("--seed", a->seed, "Seed of the DeepEP test routing");
    comm->add_flag("--fit", a->fit, "Refit the calibration before printing the table");
    std::vector<std::string> names{"all"};
    for (const DeepEpGenerationInfo& g : deepep_generations())
        names.emplace_back(g.name);
    comm->add_option("--generation", a->generation, "DeepEP generation whose table to reproduce (default: all)")
        ->check(CLI::IsMember(names));
    comm->add_option("--sms", a->sms, "SMs of the normal kernels (DeepEP's tests: 24; channels = SMs / 2)")
        ->check(CLI::Range(2, 132));
    comm->add_flag("--list", a->list, "List the DeepEP generations (scenario key network.deepep)");
    comm->add_flag("--accuracy", a->accuracy, "Fluid model vs SimGrid flows on small cases");
    comm->add_flag("--scale", a->scale, "16,384-GPU build and EP144 per-phase wall time");
    comm->add_flag("--reference", a->reference, "With --scale: also time SimGrid flows at EP144 (minutes)");
    comm->callback([a] { run_bench_comm(*a); });
}

} // namespace moetwin::cli
