// SPDX-License-Identifier: Apache-2.0
// `moetwin topo [SCENARIO]`: builds the scenario's cluster, prints a summary (counts, links, sample
// routes, bisection bandwidth) and writes topology.dot (Graphviz) and topology.json (for the GUI).
#include "common/atomic_file.hpp"
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "topologies/bisection.hpp"
#include "topologies/cluster_builder.hpp"
#include "topologies/routing.hpp"
#include "topologies/topology_export.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace moetwin::cli {
namespace {

struct TopoArgs {
    std::string scenario;
    std::string out_dir;
    bool bisection = true;
};

std::string line(const char* f, double a, double b = 0, double c = 0) {
    char buf[200];
    std::snprintf(buf, sizeof buf, f, a, b, c);
    return buf;
}

void print_route(const Topology& t, const Router& r, const char* what, int a, int b, std::ostream& out) {
    if (a >= t.num_gpus() || b >= t.num_gpus()) return;
    const Route route = r.route(a, b);
    out << "  " << what << " (" << t.device(t.gpu(a)).name << " -> " << t.device(t.gpu(b)).name
        << "): " << route.hop_count() << " links, "
        << line("%.2f us, bottleneck %.0f GB/s\n", route_latency_s(t, route) * 1e6,
                route_bottleneck_Bps(t, route) / 1e9);
}

void run_topo(const TopoArgs& args) {
    const Scenario scenario = load_scenario_arg(args.scenario);
    const ClusterSpec& spec = scenario.cluster;
    const Topology topo     = build_cluster(spec);
    const Router router(topo);
    std::ostream& out = std::cout;
    out << "scenario " << scenario.name << ": " << to_string(spec.fabric) << ", " << spec.num_nodes << " nodes x "
        << spec.gpus_per_node << " GPUs = " << topo.num_gpus() << " GPUs, " << topo.num_planes() << " IB plane(s)\n";
    out << topo.counts();
    out << line("link bandwidth per direction: NVLink %.0f GB/s, PCIe %.0f GB/s, IB %.0f GB/s\n",
                spec.nvlink.bandwidth_Bps / 1e9, spec.pcie.bandwidth_Bps / 1e9, spec.ib_bandwidth_Bps / 1e9);
    if (spec.host_bridge.bandwidth_Bps > 0)
        out << line("host bridge (inter-socket) per direction: %.1f GB/s\n", spec.host_bridge.bandwidth_Bps / 1e9);
    out << "sample routes:\n";
    const int per_node = spec.gpus_per_node;
    print_route(topo, router, "same node", 0, 1, out);
    print_route(topo, router, "same rank, next node", 0, per_node, out);
    print_route(topo, router, "other rank, next node", 0, per_node + 1, out);
    print_route(topo, router, "same rank, farthest node", 0, topo.num_gpus() - per_node, out);
    if (args.bisection)
        out << line("bisection bandwidth (GPUs [0, n/2) -> [n/2, n)): %.1f TB/s\n",
                    bisection_bandwidth_Bps(topo) / 1e12);
    const std::filesystem::path dir = args.out_dir.empty() ? scenario.output.dir : std::filesystem::path(args.out_dir);
    write_file_atomic(dir / "topology.dot", [&](std::ostream& o) { write_dot(topo, o); });
    write_file_atomic(dir / "topology.json", [&](std::ostream& o) { write_json(topo, o); });
    out << "wrote " << (dir / "topology.dot").string() << " and " << (dir / "topology.json").string() << '\n';
}

} // namespace

void add_topo_command(CLI::App& app) {
    auto args = std::make_shared<TopoArgs>();
    CLI::App* cmd =
        app.add_subcommand("topo", "Build the scenario's cluster topology; print a summary, write DOT and JSON");
    cmd->add_option("scenario", args->scenario, "Scenario JSON file (default: the embedded EP144 decode scenario)");
    cmd->add_option("-o,--out", args->out_dir, "Output directory (default: the scenario's output.dir)");
    cmd->add_flag("!--no-bisection", args->bisection, "Skip the bisection max-flow (~0.06 s at 16,384 GPUs)");
    cmd->callback([args] { run_topo(*args); });
}

} // namespace moetwin::cli
