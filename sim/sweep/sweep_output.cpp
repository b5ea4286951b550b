// SPDX-License-Identifier: Apache-2.0
// sweep.csv, sweep.json and sweep.png (sweep_output.hpp).
#include "sim/sweep/sweep_output.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/gnuplot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

namespace moetwin::sweep {
namespace fs = std::filesystem;
namespace {

std::string fixed(double v, int digits) {
    if (std::isnan(v)) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string value_text(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

// Figures as the CSV prints them; the JSON carries the same rounding so the two agree.
double step_ms(const PointMetrics& m) {
    return double(m.step_time_ns) / 1e6;
}
double ns_ms(int64_t ns) {
    return double(ns) / 1e6;
}
nlohmann::ordered_json num_or_null(double v) {
    return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

} // namespace

std::string sweep_csv(const SweepSpec& spec, const SweepOutcome& outcome) {
    std::ostringstream out;
    out << "point,grid_index";
    for (const Axis& a : spec.axes)
        out << ',' << csv_field(a.path);
    out << ",verdict,fits,memory_per_gpu_GiB,step_time_ms,tokens_per_s_per_gpu,tokens_per_s_per_node,"
           "tokens_per_s_per_user,latency_ms,cost_per_million_tokens_usd,busiest_gpu_ratio,bottleneck,compute_ms,"
           "exposed_dispatch_ms,exposed_combine_ms,imbalance_ms,pareto,pareto_cost_latency,scenario_file,key,reason\n";
    for (std::size_t i = 0; i < outcome.points.size(); ++i) {
        const PointRecord& p = outcome.points[i];
        out << i << ',' << p.spec.grid_index;
        for (const nlohmann::json& v : p.spec.values)
            out << ',' << csv_field(value_text(v));
        out << ',' << p.verdict << ',' << (p.fits ? (*p.fits ? "true" : "false") : "") << ','
            << (p.memory_per_gpu_GiB ? fixed(*p.memory_per_gpu_GiB, 3) : "");
        if (p.metrics) {
            const PointMetrics& m = *p.metrics;
            out << ',' << fixed(step_ms(m), 6) << ',' << fixed(m.tokens_per_s_per_gpu, 3) << ','
                << fixed(m.tokens_per_s_per_node, 1) << ',' << fixed(m.tokens_per_s_per_user, 4) << ','
                << fixed(latency_ms(p), 4) << ',' << fixed(cost_per_million_tokens_usd(p), 4) << ','
                << fixed(m.busiest_gpu_ratio, 6) << ',' << m.bottleneck << ',' << fixed(ns_ms(m.compute_ns), 4) << ','
                << fixed(ns_ms(m.exposed_dispatch_ns), 4) << ',' << fixed(ns_ms(m.exposed_combine_ns), 4) << ','
                << fixed(ns_ms(m.imbalance_ns), 4);
        } else {
            out << ",,,,,,,,,,,,";
        }
        out << ',' << (p.pareto ? 1 : 0) << ',' << (p.pareto_cost_latency ? 1 : 0) << ',' << p.scenario_file << ','
            << p.key << ',' << csv_field(p.reason) << '\n';
    }
    return out.str();
}

std::string sweep_json(const SweepSpec& spec, const SweepOutcome& outcome, const std::string& version) {
    using oj = nlohmann::ordered_json;
    oj j;
    j["format"]          = "moetwin-sweep";
    j["format_version"]  = 1;
    j["moetwin_version"] = version;
    j["name"]            = spec.name;
    j["description"]     = spec.description;
    j["axes"]            = oj::array();
    for (const Axis& a : spec.axes)
        j["axes"].push_back({{"path", a.path}, {"values", a.values}});
    j["sampling"]    = spec.sampling == Sampling::Grid
                           ? oj{{"mode", "grid"}}
                           : oj{{"mode", "random"}, {"points", spec.random_points}, {"seed", spec.random_seed}};
    j["constraints"] = {{"must_fit", spec.constraints.must_fit},
                        {"min_tokens_per_s_per_user", spec.constraints.min_tokens_per_s_per_user},
                        {"max_tpot_ms", spec.constraints.max_tpot_ms}};
    j["cost"]        = {{"usd_per_gpu_hour", spec.cost.usd_per_gpu_hour},
                        {"usd_per_gpu_hour_by_gpu", spec.cost.usd_per_gpu_hour_by_gpu}};
    std::map<std::string, int64_t> counts;
    oj front = oj::array(), front_cost = oj::array(), points = oj::array();
    for (std::size_t i = 0; i < outcome.points.size(); ++i) {
        const PointRecord& p = outcome.points[i];
        ++counts[p.verdict];
        if (p.pareto) front.push_back(i);
        if (p.pareto_cost_latency) front_cost.push_back(i);
        oj row;
        row["point"]      = i;
        row["grid_index"] = p.spec.grid_index;
        oj values         = oj::object();
        for (std::size_t a = 0; a < spec.axes.size(); ++a)
            values[spec.axes[a].path] = p.spec.values[a];
        row["values"]             = values;
        row["verdict"]            = p.verdict;
        row["fits"]               = p.fits ? oj(*p.fits) : oj(nullptr);
        row["memory_per_gpu_GiB"] = p.memory_per_gpu_GiB ? oj(*p.memory_per_gpu_GiB) : oj(nullptr);
        if (p.metrics) {
            const PointMetrics& m              = *p.metrics;
            row["step_time_ms"]                = step_ms(m);
            row["tokens_per_s_per_gpu"]        = m.tokens_per_s_per_gpu;
            row["tokens_per_s_per_node"]       = m.tokens_per_s_per_node;
            row["tokens_per_s_per_user"]       = num_or_null(m.tokens_per_s_per_user);
            row["latency_ms"]                  = num_or_null(latency_ms(p));
            row["cost_per_million_tokens_usd"] = num_or_null(cost_per_million_tokens_usd(p));
            row["busiest_gpu_ratio"]           = m.busiest_gpu_ratio;
            row["bottleneck"]                  = m.bottleneck;
            row["compute_ms"]                  = ns_ms(m.compute_ns);
            row["exposed_dispatch_ms"]         = ns_ms(m.exposed_dispatch_ns);
            row["exposed_combine_ms"]          = ns_ms(m.exposed_combine_ns);
            row["imbalance_ms"]                = ns_ms(m.imbalance_ns);
        }
        row["pareto"]              = p.pareto;
        row["pareto_cost_latency"] = p.pareto_cost_latency;
        row["scenario_file"]       = p.scenario_file;
        row["key"]                 = p.key;
        row["reason"]              = p.reason;
        points.push_back(std::move(row));
    }
    j["counts"]                    = counts;
    j["pareto_front"]              = front;
    j["pareto_front_cost_latency"] = front_cost;
    j["points"]                    = points;
    return j.dump(2) + "\n";
}

std::string sweep_plot_script(const SweepSpec& spec, const SweepOutcome& outcome, const fs::path& png, Plot plot) {
    // (x, y) of a point in this plot; NaN when it has no place in it.
    const auto xy = [plot](const PointRecord& p) -> std::pair<double, double> {
        if (plot == Plot::GpuVsUser) return {p.metrics->tokens_per_s_per_user, p.metrics->tokens_per_s_per_gpu};
        return {latency_ms(p), cost_per_million_tokens_usd(p)};
    };
    std::ostringstream all, front;
    std::vector<std::pair<double, double>> f;
    for (const PointRecord& p : outcome.points) {
        if (p.verdict != kVerdictOk) continue;
        const auto [x, y] = xy(p);
        if (std::isnan(x) || std::isnan(y)) continue;
        all << fixed(x, 4) << ' ' << fixed(y, 4) << '\n';
        if (plot == Plot::GpuVsUser ? p.pareto : p.pareto_cost_latency) f.emplace_back(x, y);
    }
    std::sort(f.begin(), f.end());
    for (const auto& [x, y] : f)
        front << fixed(x, 4) << ' ' << fixed(y, 4) << '\n';
    const bool gpu = plot == Plot::GpuVsUser;
    std::ostringstream s;
    s << "set terminal pngcairo size 900,600 noenhanced\n"
      << gnuplot_output(png) << "set title "
      << gnuplot_quote("moetwin sweep " + spec.name +
                       (gpu ? ": Pareto front" : ": cost against latency (Pareto front, both lower is better)"))
      << "\n"
      << (gpu ? "set xlabel 'output tokens/s per user (1 / TPOT, MTP included)'\n"
              : "set xlabel 'latency, ms (decode: TPOT; prefill: step time)'\n")
      << (gpu ? "set ylabel 'output tokens/s per GPU'\n" : "set ylabel 'USD per million tokens'\n")
      << "set grid\nset key top right\n"
      << "$all << EOD\n"
      << all.str() << "EOD\n"
      << "$front << EOD\n"
      << front.str() << "EOD\n"
      << "plot $all using 1:2 with points pt 7 ps 0.8 lc rgb '#9aa5b1' title 'points meeting the constraints', \\\n"
      << "     $front using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc rgb '#d1495b' title 'Pareto front'\n";
    return s.str();
}

std::string write_sweep_outputs(const SweepSpec& spec, const SweepOutcome& outcome, const std::string& version,
                                const fs::path& dir) {
    write_file_atomic(dir / "sweep.csv", sweep_csv(spec, outcome));
    write_file_atomic(dir / "sweep.json", sweep_json(spec, outcome, version));
    const std::string gnuplot = find_on_path("gnuplot");
    if (gnuplot.empty()) return "gnuplot is not installed (Debian: gnuplot-nox): no sweep.png, sweep_cost.png";
    // A plot with no point (prefill has no tokens/s per user; nothing met the constraints) is not drawn.
    const bool any_user = std::any_of(outcome.points.begin(), outcome.points.end(), [](const PointRecord& p) {
        return p.verdict == kVerdictOk && !std::isnan(p.metrics->tokens_per_s_per_user);
    });
    const bool any_ok   = std::any_of(outcome.points.begin(), outcome.points.end(),
                                      [](const PointRecord& p) { return p.verdict == kVerdictOk; });
    std::error_code ec; // a plot not drawn this time must not leave an earlier run's behind
    if (!any_user || !any_ok)
        for (const char* f : {"sweep.png", "sweep.gp"})
            fs::remove(dir / f, ec);
    if (!any_ok) {
        for (const char* f : {"sweep_cost.png", "sweep_cost.gp"})
            fs::remove(dir / f, ec);
        return "no point meets the constraints: no sweep.png, sweep_cost.png";
    }
    const std::string a = any_user
                              ? draw_gnuplot(gnuplot, sweep_plot_script(spec, outcome, dir / "sweep.png"), dir, "sweep")
                              : "no point has a tokens/s per user (prefill): no sweep.png";
    const std::string b = draw_gnuplot(
        gnuplot, sweep_plot_script(spec, outcome, dir / "sweep_cost.png", Plot::CostVsLatency), dir, "sweep_cost");
    return a.empty() ? b : b.empty() ? a : a + "; " + b;
}

} // namespace moetwin::sweep
