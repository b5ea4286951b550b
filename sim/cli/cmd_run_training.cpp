// SPDX-License-Identifier: Apache-2.0
// `moetwin run` on a training scenario (workload.phase = "training", sim/training_run.hpp): simulates one
// training step, writes training.json and trace.json (one thread per PP rank) and prints the summary.
#include "sim/cli/cmd_run_training.hpp"

#include "common/atomic_file.hpp"
#include "sim/output_dir.hpp"
#include "sim/preflight.hpp"
#include "sim/training_run.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>

namespace moetwin::cli {

void print_training_summary(std::ostream& out, const TrainingResult& r) {
    out << std::fixed << std::setprecision(3);
    out << "== training step: " << r.num_gpus << " GPUs, PP" << r.pp_size << " " << r.schedule << ", "
        << r.micro_batches << " micro-batches, " << r.tokens_per_step << " tokens ==\n";
    out << "step time: " << r.step_s << " s (pipeline " << r.pipeline_s << " s, PP transfer " << r.p2p_s * 1e3
        << " ms)\n";
    out << std::setprecision(1) << "throughput: " << r.tokens_per_s << " tokens/s, " << r.tokens_per_s / r.num_gpus
        << " tokens/s per GPU; MFU " << 100 * r.mfu << " %; " << r.gpu_hours_per_trillion_tokens / 1e3
        << "K GPU-hours per trillion tokens\n";
    out << "per rank (stage r's chunks in ms; shares of the step in %):\n";
    out << "  rank layers moe      F      B      W    F&B  compute  exp.comm  bubble  dp-sync  optimizer  idle-end  "
           "live\n";
    for (const TrainingRank& k : r.ranks) {
        const double pct = 100.0 / r.step_s;
        char line[256];
        std::snprintf(line, sizeof line,
                      "  %4d %6d %3d %6.1f %6.1f %6.1f %6.1f %8.1f %9.1f %7.1f %8.1f %10.2f %9.1f %5d\n", k.rank,
                      k.layers, k.moe_layers, k.f_s * 1e3, k.b_s * 1e3, k.w_s * 1e3, k.fb_s * 1e3, k.compute_s * pct,
                      k.exposed_comm_s * pct, k.bubble_s * pct, k.dp_sync_s * pct, k.optimizer_s * pct,
                      (r.step_s - k.end_s) * pct, k.peak_live_chunks);
        out << line;
    }
    out.unsetf(std::ios::fixed);
    out << std::setprecision(6);
}

void run_training_main(const Scenario& s, const std::string& out_dir, bool force, const SizeLimits& limits) {
    std::cout << s;
    check_runnable(s, limits); // the chunk pairs' checks, before any output exists
    const auto dir     = out_dir.empty() ? s.output.dir : std::filesystem::path(out_dir);
    const auto created = prepare_output_dir(dir, s.name, force);
    std::vector<std::filesystem::path> written;
    TrainingResult r;
    try {
        r = run_training(s, [](double fraction, std::string_view what) {
            std::fprintf(stderr, "progress %.2f %.*s\n", fraction, int(what.size()), what.data());
            std::fflush(stderr);
        });
        if (s.output.result_json) {
            write_file_atomic(dir / "training.json", training_result_to_json(r));
            written.push_back(dir / "training.json");
        }
        if (s.output.trace) {
            write_file_atomic(dir / "trace.json", training_trace_json(r));
            written.push_back(dir / "trace.json");
        }
    } catch (...) {
        remove_created_dirs(created);
        throw;
    }
    std::cout << '\n';
    print_training_summary(std::cout, r);
    for (const auto& p : written)
        std::cout << "wrote " << p.string() << '\n';
}

} // namespace moetwin::cli
