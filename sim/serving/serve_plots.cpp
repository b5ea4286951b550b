// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/serve_plots.hpp"

#include "common/atomic_file.hpp"
#include "common/gnuplot.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace moetwin::serving {
namespace fs = std::filesystem;

std::string serve_plot_script(const ReplayInputs& in, const std::string& name, const std::string& title,
                              const fs::path& series_csv, const fs::path& png) {
    // series.csv columns: 1 t_s (period end), 2 arrivals, 3 input_tokens, 4 output_tokens, 5 completed,
    // 6 prefill_nodes, 7 decode_nodes, 8 queued, 9 kv_use, 10 ttft_p50_s, 11 ttft_p99_s, 12 tpot_p50_s,
    // 13 tpot_p99_s, 14 hit_tokens.
    const double period_s = in.config.series_period_s;
    const PriceConfig& p  = in.config.prices;
    const double gpn_p    = double(in.prefill.gpus) / double(std::max(1, in.prefill.nodes));
    const double gpn_d    = double(in.decode.gpus) / double(std::max(1, in.decode.nodes));
    std::ostringstream s;
    s << "set terminal pngcairo size 1000,600 noenhanced\n"
      << gnuplot_output(png)
      << "set datafile separator ','\nset key top left\nset grid\nset xlabel 'hours since the replay start'\n"
      << "P = " << period_s << "\n"
      << "csv = " << gnuplot_quote(series_csv.string()) << "\n";
    if (name == "serve_throughput") {
        s << "set title " << gnuplot_quote(title + ": throughput and nodes") << "\n"
          << "set ylabel 'tokens/s (millions)'\nset y2label 'paid nodes'\nset ytics nomirror\nset y2tics\n"
          << "plot csv skip 1 using ($1/3600):($3/P/1e6) with steps lw 2 title 'input tokens/s (arrivals)', \\\n"
          << "     csv skip 1 using ($1/3600):($4/P/1e6) with steps lw 2 title 'output tokens/s (completions)', \\\n"
          << "     csv skip 1 using ($1/3600):6 axes x1y2 with steps lw 2 dt 2 title 'prefill nodes', \\\n"
          << "     csv skip 1 using ($1/3600):7 axes x1y2 with steps lw 2 dt 2 title 'decode nodes'\n";
    } else if (name == "serve_latency") {
        s << "set title " << gnuplot_quote(title + ": latency percentiles of each period's completions") << "\n"
          << "set ylabel 'ms'\nset logscale y\n"
          << "plot csv skip 1 using ($1/3600):($10 > 0 ? $10*1e3 : NaN) with lines lw 2 title 'TTFT p50', \\\n"
          << "     csv skip 1 using ($1/3600):($11 > 0 ? $11*1e3 : NaN) with lines lw 2 title 'TTFT p99', \\\n"
          << "     csv skip 1 using ($1/3600):($12 > 0 ? $12*1e3 : NaN) with lines lw 2 title 'TPOT p50', \\\n"
          << "     csv skip 1 using ($1/3600):($13 > 0 ? $13*1e3 : NaN) with lines lw 2 title 'TPOT p99'\n";
    } else {
        // Cost: paid GPUs x $/GPU-hour. Revenue per hour: the period's tokens at the per-token prices, x 3600 / P.
        s << "set title " << gnuplot_quote(title + ": cost and revenue per hour") << "\n"
          << "set ylabel 'USD per hour'\n"
          << "plot csv skip 1 using ($1/3600):(($6*" << gpn_p << " + $7*" << gpn_d << ")*" << p.gpu_hour_usd
          << ") with steps lw 2 title 'cost (" << p.gpu_hour_usd << " USD/GPU-hour)', \\\n"
          << "     csv skip 1 using ($1/3600):(($14*" << p.input_hit_per_mtok_usd << " + ($3-$14)*"
          << p.input_miss_per_mtok_usd << " + $4*" << p.output_per_mtok_usd
          << ")/1e6*3600/P) with steps lw 2 title 'revenue at the per-token prices'\n";
    }
    return s.str();
}

std::string write_serve_plots(const ReplayInputs& in, const std::string& title, const fs::path& dir) {
    const std::string gnuplot = find_on_path("gnuplot");
    if (gnuplot.empty())
        return "gnuplot is not installed (Debian: gnuplot-nox): no serve_throughput.png, serve_latency.png, "
               "serve_cost.png";
    // gnuplot cannot draw a range from fewer than two periods (a replay shorter than two series periods).
    std::ifstream series(dir / "series.csv");
    std::string line;
    int lines = 0;
    while (lines < 3 && std::getline(series, line))
        ++lines;
    if (lines < 3)
        return "series.csv holds fewer than two periods (serving.series_period_min): no serve_throughput.png, "
               "serve_latency.png, serve_cost.png";
    std::string notes;
    for (const char* name : {"serve_throughput", "serve_latency", "serve_cost"}) {
        const std::string why = draw_gnuplot(
            gnuplot, serve_plot_script(in, name, title, dir / "series.csv", dir / (std::string(name) + ".png")), dir,
            name);
        if (!why.empty()) notes += (notes.empty() ? "" : "; ") + why;
    }
    return notes;
}

} // namespace moetwin::serving
