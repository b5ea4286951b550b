// SPDX-License-Identifier: Apache-2.0
// `moetwin sweep SWEEP.json`: a deployment search (issue 18). Every point of the sweep's grid (or a seeded
// random draw of it) runs through the one run pipeline in its own worker process, by default on every core;
// results are cached per point under the output folder, so an interrupted or extended sweep redoes nothing.
// Writes sweep.csv, sweep.json (every point, its verdict and figures, the Pareto front of tokens/s per GPU
// against tokens/s per user) and sweep.png (gnuplot). Format: scenarios/sweeps/README.md.
#include "sim/cli/cli_common.hpp"
#include "sim/cli/commands.hpp"
#include "sim/sweep/sweep_mpi.hpp"
#include "sim/sweep/sweep_output.hpp"
#include "sim/sweep/sweep_run.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "sim/sweep/sweep_top.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

namespace moetwin::cli {
namespace {

struct SweepArgs {
    std::string file;
    std::string out;            // "": out/sweeps/<name>
    int jobs               = 0; // 0: every core
    double point_timeout_s = 0;
    SizeLimits limits; // the size guard per point
    sweep::TopQuery top;
};

void run_rank0(const sweep::SweepSpec& spec, sweep::SweepOptions& o, const SweepArgs& a, const sweep::MpiSession* mpi);

std::string duration_text(double s) {
    char buf[64];
    if (s < 90)
        std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 5400)
        std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

void run_sweep_command(const SweepArgs& a) {
    using namespace moetwin::sweep;
    // Under mpirun every rank runs this; rank 0 holds the queue and writes everything (sweep_mpi.hpp).
    std::unique_ptr<MpiSession> mpi;
    if (mpirun_world_size() > 1) mpi = std::make_unique<MpiSession>();
    const SweepSpec spec = load_sweep(a.file);
    SweepOptions o;
    o.out_dir = a.out.empty() ? std::filesystem::path("out") / "sweeps" / spec.name : std::filesystem::path(a.out);
    // Default workers: every core, or one per rank under MPI (start one rank per core: mpirun -n CORES).
    o.jobs            = a.jobs > 0 ? a.jobs : mpi ? 1 : int(std::max(1u, std::thread::hardware_concurrency()));
    o.point_timeout_s = a.point_timeout_s;
    o.version         = version();
    o.point_limits    = a.limits;
    if (mpi) mpi->split(); // from here the ranks diverge: an error on one aborts all (sweep_mpi.hpp)
    try {
        if (mpi && mpi->rank() > 0) {
            serve_sweep(spec, o);
            return;
        }
        run_rank0(spec, o, a, mpi.get());
    } catch (const std::exception& e) {
        if (mpi) mpi->fail(e.what());
        throw;
    }
}

void run_rank0(const sweep::SweepSpec& spec, sweep::SweepOptions& o, const SweepArgs& a, const sweep::MpiSession* mpi) {
    using namespace moetwin::sweep;
    o.mpi_ranks    = mpi ? mpi->size() : 1;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    o.progress     = [tty](int64_t done, int64_t total, double elapsed_s, double left_s) {
        std::fprintf(stderr, "%ssweep: %lld/%lld points done, %s elapsed, about %s left%s", tty ? "\r" : "",
                         (long long)done, (long long)total, duration_text(elapsed_s).c_str(), duration_text(left_s).c_str(),
                     tty ? "   " : "\n");
        if (tty && done == total) std::fputc('\n', stderr);
    };
    if (mpi)
        std::printf("sweep %s: a grid of %lld points, %d MPI ranks × %d workers, output %s\n", spec.name.c_str(),
                    (long long)spec.grid_size(), o.mpi_ranks, o.jobs, o.out_dir.string().c_str());
    else
        std::printf("sweep %s: a grid of %lld points, %d workers, output %s\n", spec.name.c_str(),
                    (long long)spec.grid_size(), o.jobs, o.out_dir.string().c_str());
    const SweepOutcome r   = run_sweep(spec, o);
    const std::string note = write_sweep_outputs(spec, r, o.version, o.out_dir);
    std::map<std::string, int> counts;
    for (const PointRecord& p : r.points)
        ++counts[p.verdict];
    std::printf("points: %lld (", (long long)r.stats.points);
    const char* sep = "";
    for (const auto& [verdict, n] : counts) {
        std::printf("%s%d %s", sep, n, verdict.c_str());
        sep = ", ";
    }
    std::printf("); simulations: %lld run, %lld from the cache", (long long)r.stats.computed,
                (long long)r.stats.cached);
    if (mpi) std::printf(" (%lld run by the other ranks)", (long long)r.stats.remote);
    std::printf("\n");
    // Parallel efficiency: the workers' CPU time (each point's time alone on an idle core) over the slots' wall.
    if (r.stats.computed > 0) {
        const int slots = o.jobs * o.mpi_ranks;
        std::printf("simulation: %.1f s wall, %.1f s worker CPU, %d workers: parallel efficiency %.0f %%\n",
                    r.stats.wall_s, r.stats.worker_cpu_s, slots,
                    100.0 * r.stats.worker_cpu_s / (double(slots) * std::max(r.stats.wall_s, 1e-9)));
    }
    // The two fronts, one line per point on them.
    for (const bool cost_front : {false, true}) {
        std::printf(cost_front ? "Pareto front (cost per million tokens against latency):\n"
                               : "Pareto front (tokens/s per GPU against tokens/s per user):\n");
        int shown = 0;
        for (std::size_t i = 0; i < r.points.size(); ++i) {
            const PointRecord& p = r.points[i];
            if (!(cost_front ? p.pareto_cost_latency : p.pareto)) continue;
            ++shown;
            std::printf("  point %zu:", i);
            for (std::size_t k = 0; k < spec.axes.size(); ++k)
                std::printf(" %s=%s", spec.axes[k].path.c_str(), p.spec.values[k].dump().c_str());
            std::printf("  %.1f tokens/s per GPU, %.2f tokens/s per user, step %.3f ms, $%.3f per million tokens, "
                        "latency %.2f ms\n",
                        p.metrics->tokens_per_s_per_gpu, p.metrics->tokens_per_s_per_user,
                        double(p.metrics->step_time_ns) / 1e6, cost_per_million_tokens_usd(p), latency_ms(p));
        }
        if (shown == 0) std::printf("  (empty)\n");
    }
    TopQuery top = a.top; // a target without --top lists 5
    if (top.k == 0 && (top.min_tokens_per_s_per_user > 0 || top.max_tpot_ms > 0 || top.min_tokens_per_s_per_gpu > 0))
        top.k = 5;
    if (top.k > 0) std::printf("%s", top_table(spec, r, top, top_points(r, top)).c_str());
    std::string plots;
    for (const char* png : {"sweep.png", "sweep_cost.png"})
        if (std::filesystem::exists(o.out_dir / png)) plots += std::string(", ") + png;
    std::printf("wrote %s/sweep.csv, sweep.json, scenarios/%s\n", o.out_dir.string().c_str(), plots.c_str());
    if (!note.empty()) std::printf("note: %s\n", note.c_str());
}

} // namespace

void add_sweep_command(CLI::App& app) {
    auto a   = std::make_shared<SweepArgs>();
    auto cmd = app.add_subcommand("sweep", "Deployment search: run every point of a sweep file in parallel; "
                                           "CSV/JSON of all points with the Pareto front (scenarios/sweeps/README.md)");
    cmd->add_option("sweep", a->file, "Sweep JSON file")->required();
    cmd->add_option("--out", a->out, "Output folder, also the per-point cache (default: out/sweeps/<name>)");
    cmd->add_option("--jobs,-j", a->jobs, "Worker processes at once (default: every core)")->check(CLI::Range(1, 4096));
    cmd->add_option("--point-timeout-s", a->point_timeout_s,
                    "Kill a point's worker after this many seconds and record the point as failed (default: none)")
        ->check(CLI::NonNegativeNumber);
    add_size_limit_options(*cmd, a->limits);
    cmd->add_option("--top", a->top.k, "Print the K best deployments for the target below (AIConfigurator-style)")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--min-tokens-per-user", a->top.min_tokens_per_s_per_user,
                    "--top's latency target: at least this many tokens/s per user; ranks by tokens/s per GPU")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-tpot-ms", a->top.max_tpot_ms,
                    "--top's latency target: decode TPOT at most this; ranks by tokens/s per GPU")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--min-tokens-per-gpu", a->top.min_tokens_per_s_per_gpu,
                    "--top's throughput target: at least this many tokens/s per GPU; ranks by tokens/s per user")
        ->check(CLI::PositiveNumber);
    cmd->callback([a] { run_sweep_command(*a); });
}

} // namespace moetwin::cli
