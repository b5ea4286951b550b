// SPDX-License-Identifier: Apache-2.0
// run_sweep and pareto_front (sweep_run.hpp).
#include "sim/sweep/sweep_run.hpp"

#include "common/atomic_file.hpp"
#include "common/json_reader.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_fit.hpp"
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
    }
}

} // namespace

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
        try {
            Scenario s = parse_scenario(point_scenario(spec, p.spec.values).dump(), spec.base_origin, spec.base_dir);
            const FitReport fit = fit_unit(s, s.workload.phase);
            p.fits              = fit.fits;
            if (!fit.fits && spec.constraints.must_fit) {
                p.verdict = kVerdictNotFitting;
                p.reason  = fit.reason;
            } else {
                if (!fit.fits) s.allow_not_fitting = true; // constraints.must_fit = false: simulate anyway
                const std::string resolved = scenario_to_json(s);
                p.key                      = cache_key(resolved, options.version);
                auto [it, fresh]           = job_of_key.try_emplace(p.key, jobs.size());
                if (fresh) jobs.push_back(Job{std::move(s), resolved, p.key, {}});
                jobs[it->second].points.push_back(i);
            }
        } catch (const ConfigError& e) {
            p.verdict = kVerdictInvalid;
            p.reason  = e.what();
        }
        out.points.push_back(std::move(p));
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
            queue.push_back(j);
        }
    }
    const auto start = std::chrono::steady_clock::now();
    int64_t done     = int64_t(specs.size()) -
                   std::accumulate(queue.begin(), queue.end(), int64_t(0),
                                   [&](int64_t n, std::size_t j) { return n + int64_t(jobs[j].points.size()); });
    const int64_t done_before = done;
    const auto task           = [&](std::size_t j) {
        const RunResult r = run(jobs[j].scenario);
        return cache_entry_text(metrics_of(jobs[j].scenario, r), jobs[j].resolved, options.version);
    };
    const auto on_done = [&](std::size_t j, const TaskOutcome& o) {
        const Job& job = jobs[j];
        PointMetrics m;
        if (o.status == TaskStatus::Ok) {
            write_file_atomic(cache_dir / (job.key + ".json"), o.text);
            m = *read_cache_entry(o.text, job.key, job.resolved, options.version);
        } else {
            m.ok     = false;
            m.reason = o.text;
            // A ConfigError is the point's own (deterministic): cache it. A crash or a timeout may not recur.
            if (o.status == TaskStatus::ConfigError)
                write_file_atomic(cache_dir / (job.key + ".json"), cache_entry_text(m, job.resolved, options.version));
        }
        record(job, m);
        ++out.stats.computed;
        done += int64_t(job.points.size());
        if (options.progress) {
            const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const int64_t total    = int64_t(specs.size());
            options.progress(done, total, elapsed_s, elapsed_s / double(done - done_before) * double(total - done));
        }
    };
    run_local_pool(queue, task, on_done, PoolOptions{options.jobs, options.point_timeout_s});

    std::vector<double> x(out.points.size(), NAN), y(out.points.size(), NAN);
    for (std::size_t i = 0; i < out.points.size(); ++i)
        if (out.points[i].verdict == kVerdictOk) {
            x[i] = out.points[i].metrics->tokens_per_s_per_gpu;
            y[i] = out.points[i].metrics->tokens_per_s_per_user;
        }
    const std::vector<bool> front = pareto_front(x, y);
    for (std::size_t i = 0; i < out.points.size(); ++i)
        out.points[i].pareto = front[i];
    return out;
}

} // namespace moetwin::sweep
