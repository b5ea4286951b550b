// SPDX-License-Identifier: Apache-2.0
// run_sweep and pareto_front (sweep_run.hpp).
#include "sim/sweep/sweep_run.hpp"

#include "common/atomic_file.hpp"
#include "common/json_reader.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/sweep/sweep_mpi.hpp"
#include "sim/sweep/sweep_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

namespace moetwin::sweep {
namespace fs = std::filesystem;

namespace {

// One distinct scenario to simulate (points with the same resolved scenario share it).
struct Job {
    Scenario scenario;
    std::string resolved;
    std::string key;
    std::vector<std::size_t> points;
};

// One point through the parser, the memory fit and the size guard, into `p` (verdict when it is refused) and,
// when it is to be simulated, its scenario.
std::optional<Scenario> resolve(const SweepSpec& spec, PointRecord& p, const SizeLimits& limits) {
    try {
        Scenario s = parse_scenario(point_scenario(spec, p.spec.values).dump(), spec.base_origin, spec.base_dir);
        const FitReport fit  = fit_unit(s, s.workload.phase);
        p.fits               = fit.fits;
        p.memory_per_gpu_GiB = double(fit.usable_bytes - fit.free_bytes) / double(1ll << 30);
        p.usd_per_gpu_hour   = spec.cost.price_of(s.gpu.name);
        if (!fit.fits && spec.constraints.must_fit) {
            p.verdict = kVerdictNotFitting;
            p.reason  = fit.reason;
            return std::nullopt;
        }
        if (!fit.fits) s.allow_not_fitting = true; // constraints.must_fit = false: simulate anyway
        try {
            check_run_size(s, limits);
        } catch (const ConfigError& e) {
            p.verdict = kVerdictTooLarge;
            p.reason  = e.what();
            return std::nullopt;
        }
        return s;
    } catch (const ConfigError& e) {
        p.verdict = kVerdictInvalid;
        p.reason  = e.what();
        return std::nullopt;
    }
}

// A worker's task: point number -> its cache entry's text (the point resolved again from the spec).
std::string simulate_point(const SweepSpec& spec, const std::vector<PointSpec>& specs, std::size_t i,
                           const SweepOptions& options) {
    PointRecord p;
    p.spec                    = specs[i];
    std::optional<Scenario> s = resolve(spec, p, SizeLimits{1e30, 1e9}); // rank 0 applied the size guard
    if (!s) throw ConfigError(p.reason);
    const std::string resolved = scenario_to_json(*s);
    const RunResult r          = run(*s);
    return cache_entry_text(metrics_of(*s, r), resolved, options.version);
}

void apply_metrics(PointRecord& p, const PointMetrics& m, const Constraints& c) {
    if (!m.ok) {
        p.verdict = kVerdictFailed;
        p.reason  = m.reason;
        return;
    }
    p.metrics = m;
    p.verdict = kVerdictOk;
    if (c.min_tokens_per_s_per_user > 0 &&
        !(m.tokens_per_s_per_user >= c.min_tokens_per_s_per_user)) { // NaN (prefill) fails too
        p.verdict = kVerdictBelowUser;
        p.reason  = format_number(m.tokens_per_s_per_user) + " tokens/s per user is below the constraint's " +
                   format_number(c.min_tokens_per_s_per_user);
    } else if (c.max_tpot_ms > 0 && !(1000.0 / m.tokens_per_s_per_user <= c.max_tpot_ms)) {
        p.verdict = kVerdictAboveTpot;
        p.reason  = "TPOT " + format_number(1000.0 / m.tokens_per_s_per_user) + " ms is above the constraint's " +
                   format_number(c.max_tpot_ms) + " ms";
    }
}

} // namespace

double cost_per_million_tokens_usd(const PointRecord& p) {
    if (!p.metrics || !(p.metrics->tokens_per_s_per_gpu > 0)) return NAN;
    return p.usd_per_gpu_hour / 3600.0 / p.metrics->tokens_per_s_per_gpu * 1e6;
}

double latency_ms(const PointRecord& p) {
    if (!p.metrics) return NAN;
    if (!std::isnan(p.metrics->tokens_per_s_per_user) && p.metrics->tokens_per_s_per_user > 0)
        return 1000.0 / p.metrics->tokens_per_s_per_user;
    return double(p.metrics->step_time_ns) / 1e6;
}

std::vector<bool> pareto_front(const std::vector<double>& x, const std::vector<double>& y) {
    MOETWIN_ASSERT(x.size() == y.size(), "one y per x");
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isnan(x[i]) && !std::isnan(y[i])) order.push_back(i);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return x[a] != x[b] ? x[a] > x[b] : y[a] > y[b]; });
    std::vector<bool> front(x.size(), false);
    double best_y = -INFINITY; // best y among points of strictly larger x
    for (std::size_t g = 0; g < order.size();) {
        std::size_t end = g; // the group of equal x; its first point has the group's largest y
        while (end < order.size() && x[order[end]] == x[order[g]])
            ++end;
        const double group_y = y[order[g]];
        for (std::size_t k = g; k < end; ++k)
            front[order[k]] = y[order[k]] == group_y && group_y > best_y;
        best_y = std::max(best_y, group_y);
        g      = end;
    }
    return front;
}

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options) {
    SweepOutcome out;
    const std::vector<PointSpec> specs = expand_points(spec);
    out.stats.points                   = int64_t(specs.size());
    const fs::path cache_dir           = options.out_dir / "points";
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (ec) throw ConfigError(cache_dir.string() + ": cannot create the sweep's cache folder: " + ec.message());

    // Resolve and fit every point in this process (parsing and the fit are cheap and never simulate).
    std::vector<Job> jobs;
    std::map<std::string, std::size_t> job_of_key;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        PointRecord p;
        p.spec = specs[i];
        if (std::optional<Scenario> s = resolve(spec, p, options.point_limits)) {
            const std::string resolved = scenario_to_json(*s);
            p.key                      = cache_key(resolved, options.version);
            p.scenario_file            = "scenarios/" + p.key + ".json";
            auto [it, fresh]           = job_of_key.try_emplace(p.key, jobs.size());
            if (fresh) jobs.push_back(Job{std::move(*s), resolved, p.key, {}});
            jobs[it->second].points.push_back(i);
        }
        out.points.push_back(std::move(p));
    }
    // The scenario file that reproduces each simulated point (`moetwin run scenarios/<key>.json`).
    const fs::path scenario_dir = options.out_dir / "scenarios";
    fs::create_directories(scenario_dir, ec);
    if (ec) throw ConfigError(scenario_dir.string() + ": cannot create the sweep's scenario folder: " + ec.message());
    for (const Job& job : jobs) {
        const fs::path file = scenario_dir / (job.key + ".json");
        if (!fs::exists(file, ec)) write_file_atomic(file, nlohmann::json::parse(job.resolved).dump(2) + "\n");
    }

    // The cache, then the pool for the rest.
    std::vector<std::size_t> queue;
    const auto record = [&](const Job& job, const PointMetrics& m) {
        for (const std::size_t i : job.points)
            apply_metrics(out.points[i], m, spec.constraints);
    };
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        const fs::path file = cache_dir / (jobs[j].key + ".json");
        std::optional<PointMetrics> hit;
        if (fs::is_regular_file(file, ec)) {
            try {
                hit = read_cache_entry(read_file(file), file.string(), jobs[j].resolved, options.version);
            } catch (const ConfigError&) { // a damaged entry (a killed writer cannot leave one: atomic): redo it
            }
        }
        if (hit) {
            record(jobs[j], *hit);
            ++out.stats.cached;
        } else {
            queue.push_back(jobs[j].points.front()); // a task is a point number (any rank resolves it alike)
        }
    }
    std::map<std::size_t, std::size_t> job_of_point;
    for (std::size_t j = 0; j < jobs.size(); ++j)
        job_of_point[jobs[j].points.front()] = j;
    const auto start = std::chrono::steady_clock::now();
    int64_t done =
        int64_t(specs.size()) - std::accumulate(queue.begin(), queue.end(), int64_t(0), [&](int64_t n, std::size_t i) {
            return n + int64_t(jobs[job_of_point.at(i)].points.size());
        });
    const int64_t done_before = done;
    const auto task           = [&](std::size_t i) {
        const Job& job    = jobs[job_of_point.at(i)];
        const RunResult r = run(job.scenario);
        return cache_entry_text(metrics_of(job.scenario, r), job.resolved, options.version);
    };
    const auto on_done = [&](std::size_t i, const TaskOutcome& o) {
        const Job& job = jobs[job_of_point.at(i)];
        PointMetrics m;
        if (o.status == TaskStatus::Ok) {
            const auto entry = read_cache_entry(o.text, job.key, job.resolved, options.version);
            if (!entry)
                throw std::runtime_error("point " + std::to_string(i) +
                                         ": a worker answered for another "
                                         "scenario or version (ranks running different moetwin builds?)");
            write_file_atomic(cache_dir / (job.key + ".json"), o.text);
            m = *entry;
        } else {
            m.ok     = false;
            m.reason = o.text;
            // A ConfigError is the point's own (deterministic): cache it. A crash or a timeout may not recur.
            if (o.status == TaskStatus::ConfigError)
                write_file_atomic(cache_dir / (job.key + ".json"), cache_entry_text(m, job.resolved, options.version));
        }
        record(job, m);
        ++out.stats.computed;
        out.stats.worker_cpu_s += o.cpu_s;
        done += int64_t(job.points.size());
        if (options.progress) {
            const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const int64_t total    = int64_t(specs.size());
            options.progress(done, total, elapsed_s, elapsed_s / double(done - done_before) * double(total - done));
        }
    };
    const PoolOptions pool{options.jobs, options.point_timeout_s};
    if (options.mpi_ranks > 1)
        out.stats.remote = int64_t(run_mpi_pool(queue, task, on_done, pool));
    else
        run_local_pool(queue, task, on_done, pool);
    out.stats.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::vector<double> x(out.points.size(), NAN), y(out.points.size(), NAN);
    for (std::size_t i = 0; i < out.points.size(); ++i)
        if (out.points[i].verdict == kVerdictOk) {
            x[i] = out.points[i].metrics->tokens_per_s_per_gpu;
            y[i] = out.points[i].metrics->tokens_per_s_per_user;
        }
    const std::vector<bool> front = pareto_front(x, y);
    // Cost against latency, both lower is better: the front of their negatives.
    std::vector<double> cost(out.points.size(), NAN), lat(out.points.size(), NAN);
    for (std::size_t i = 0; i < out.points.size(); ++i)
        if (out.points[i].verdict == kVerdictOk) {
            cost[i] = -cost_per_million_tokens_usd(out.points[i]);
            lat[i]  = -latency_ms(out.points[i]);
        }
    const std::vector<bool> front_cost = pareto_front(cost, lat);
    for (std::size_t i = 0; i < out.points.size(); ++i) {
        out.points[i].pareto              = front[i];
        out.points[i].pareto_cost_latency = front_cost[i];
    }
    return out;
}

void serve_sweep(const SweepSpec& spec, const SweepOptions& options) {
    const std::vector<PointSpec> specs = expand_points(spec);
    serve_mpi_pool([&](std::size_t i) { return simulate_point(spec, specs, i, options); },
                   PoolOptions{options.jobs, options.point_timeout_s});
}

} // namespace moetwin::sweep
