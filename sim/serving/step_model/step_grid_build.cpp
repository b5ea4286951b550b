// SPDX-License-Identifier: Apache-2.0
// Grid axes, shape scenarios, the cache key and the build (step_grid_build.hpp).
#include "sim/serving/step_model/step_grid_build.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/run.hpp"
#include "sim/scenario_fit.hpp"
#include "sim/sweep/sweep_pool.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <sstream>

namespace moetwin::serving {
namespace fs = std::filesystem;
namespace {

// The prompt length of a prefill shape's context (step_grid_build.hpp) and back.
int64_t prompt_tokens(double context_tokens) {
    return std::max<int64_t>(1, std::llround(2 * context_tokens - 1));
}
double attended_tokens(int64_t prompt) {
    return double(prompt + 1) / 2;
}

double or_default(double v, double fallback) {
    return v > 0 ? v : fallback;
}

void fnv1a(uint64_t& h, const std::string& s) {
    // FNV-1a, 64-bit (offset basis and prime from the FNV specification, draft-eastlake-fnv); as the sweep's key.
    for (const unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
}

// A prefill shape's prompts: N new tokens after P cached ones (step_grid_build.hpp).
struct Prompt {
    int64_t new_tokens = 1, cached_tokens = 0;
};
Prompt prefill_prompt(const StepShape& shape) {
    const int64_t n = prompt_tokens(grid_context(Phase::Prefill, shape));
    return {n, shape.cached_per_token > 0 ? std::llround(shape.cached_per_token * double(n)) : 0};
}

std::string shape_text(Phase phase, const StepShape& shape) {
    const StepShape sim = simulated_shape(phase, shape);
    if (phase == Phase::Decode)
        return format_number(sim.batch_per_rank) + " requests per rank of " + format_number(sim.context_tokens) +
               " context tokens";
    const Prompt p = prefill_prompt(sim);
    return format_number(sim.batch_per_rank) + " tokens per rank, prompts of " + std::to_string(p.new_tokens) +
           " tokens" + (p.cached_tokens > 0 ? " after " + std::to_string(p.cached_tokens) + " cached ones" : "");
}

// CPU seconds (user + system) of this process's finished children so far.
double children_cpu_s() {
    rusage u{};
    ::getrusage(RUSAGE_CHILDREN, &u);
    const auto sec = [](const timeval& t) { return double(t.tv_sec) + 1e-6 * double(t.tv_usec); };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

} // namespace

GridAxes grid_axes(const Scenario& s, const GridSpec& spec) {
    const WorkloadConfig& w = s.workload;
    const bool decode       = w.phase == Phase::Decode;
    if (spec.batch_points < 2 || spec.context_points < 2)
        throw ConfigError("step-time grid: needs at least 2 batch and 2 context points, got " +
                          std::to_string(spec.batch_points) + " and " + std::to_string(spec.context_points));
    double bmin = or_default(spec.batch_min, decode ? 1 : kDefaultMinPrefillTokens), bmax = spec.batch_max;
    if (bmax <= 0) {
        if (decode) {
            const FitReport fit = fit_unit(s, Phase::Decode);
            bmax                = double(std::max<int64_t>(fit.max_batch, w.requests_per_gpu));
        } else {
            bmax = double(w.tokens_per_gpu);
        }
        bmax = std::max(bmax, 2 * bmin);
    }
    const double cmin = or_default(spec.context_min, kDefaultMinContextTokens);
    const double cmax =
        or_default(spec.context_max,
                   decode ? std::max(kDefaultMaxContextTokens, double(std::max(w.context_max_tokens, w.context_tokens)))
                          : attended_tokens(int64_t(bmax) / w.micro_batches));
    if (!(bmin >= 1 && bmax > bmin) || !(cmin >= 1 && cmax > cmin))
        throw ConfigError("step-time grid: batch range [" + format_number(bmin) + ", " + format_number(bmax) +
                          "] and context range [" + format_number(cmin) + ", " + format_number(cmax) +
                          "] must each have min >= 1 and max > min");
    GridAxes a;
    a.batch = log_spaced_integers(std::round(bmin), std::round(bmax), spec.batch_points);
    if (decode) {
        a.context = log_spaced_integers(std::round(cmin), std::round(cmax), spec.context_points);
    } else {
        for (const double prompt :
             log_spaced_integers(double(prompt_tokens(cmin)), double(prompt_tokens(cmax)), spec.context_points))
            a.context.push_back(attended_tokens(int64_t(prompt)));
    }
    if (a.batch.size() < 2 || a.context.size() < 2)
        throw ConfigError("step-time grid: the ranges hold fewer than 2 distinct integer shapes per axis");
    const int planes = decode ? 1 : spec.cached_points > 0 ? spec.cached_points : kDefaultPrefillCachedPoints;
    if (planes > 1) {
        const double qmax = std::round(or_default(spec.cached_max, kDefaultMaxCachedPerToken));
        if (!(qmax >= 1))
            throw ConfigError("step-time grid: the cached axis needs a largest value >= 1, got " + format_number(qmax));
        if (planes == 2) {
            a.cached.push_back(qmax);
        } else {
            const double lo = std::max(1.0, std::round(qmax / std::pow(kCachedPlaneRatio, planes - 2)));
            for (const double q : lo < qmax ? log_spaced_integers(lo, qmax, planes - 1) : std::vector<double>{qmax})
                a.cached.push_back(q);
        }
    }
    return a;
}

StepShape grid_point_shape(Phase phase, double batch, double grid_context, double cached) {
    if (phase == Phase::Decode || cached == 0) return {batch, grid_context, 0};
    const double n = double(prompt_tokens(grid_context));
    return {batch, std::round(cached * n) + attended_tokens(int64_t(n)), cached};
}

StepShape simulated_shape(Phase phase, const StepShape& shape) {
    const double batch = double(std::max<int64_t>(1, std::llround(shape.batch_per_rank)));
    if (phase == Phase::Decode) return {batch, double(std::max<int64_t>(1, std::llround(shape.context_tokens)))};
    const Prompt p = prefill_prompt(shape);
    if (p.cached_tokens == 0) return {batch, attended_tokens(p.new_tokens)};
    return {batch, double(p.cached_tokens) + attended_tokens(p.new_tokens),
            double(p.cached_tokens) / double(p.new_tokens)};
}

Scenario shape_scenario(const Scenario& s, const StepShape& shape) {
    Scenario out           = s;
    WorkloadConfig& w      = out.workload;
    const StepShape sim    = simulated_shape(w.phase, shape);
    w.context_distribution = ContextDistribution::Fixed;
    w.context_tokens       = w.phase == Phase::Decode ? int64_t(sim.context_tokens) : prefill_prompt(sim).new_tokens;
    w.cached_prefix_tokens = w.phase == Phase::Decode ? 0 : prefill_prompt(sim).cached_tokens;
    w.context_min_tokens   = 0;
    w.context_max_tokens   = w.context_tokens; // the parser's horizon for a fixed context
    if (w.phase == Phase::Decode)
        w.requests_per_gpu = int(sim.batch_per_rank);
    else
        w.tokens_per_gpu = int64_t(sim.batch_per_rank);
    out.allow_not_fitting = true;
    return out;
}

std::string keyed_scenario_json(const Scenario& s) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(scenario_to_json(s));
    for (const char* key : {"name", "description", "output", "allow_not_fitting"})
        j.erase(key);
    j["workload"].erase("context");
    j["workload"].erase("cached_prefix_tokens");
    j["workload"].erase(s.workload.phase == Phase::Decode ? "requests_per_gpu" : "tokens_per_gpu");
    return j.dump();
}

std::string step_model_key(const std::string& keyed_scenario, const std::string& version,
                           GridInterpolation interpolation, const GridAxes& axes) {
    uint64_t h = 0xcbf29ce484222325ull;
    fnv1a(h, version + "\n" + keyed_scenario + "\n" + std::string(table_name(kGridInterpolations, interpolation)));
    for (const auto* axis : {&axes.batch, &axes.context, &axes.cached}) {
        if (axis == &axes.cached && axes.cached.size() == 1) break; // one plane: the key of a 2-D grid
        fnv1a(h, "\n");
        for (const double v : *axis)
            fnv1a(h, format_number(v) + ",");
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return buf;
}

fs::path default_step_model_cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "moetwin" / "step_models";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".cache" / "moetwin" / "step_models";
    return fs::path(".moetwin_cache") / "step_models";
}

std::vector<double> simulate_step_times(const Scenario& s, const std::vector<StepShape>& shapes, int jobs,
                                        const std::function<void(std::size_t, std::size_t)>& on_done) {
    // One task per simulated batch: its worker plans the step (routing and placement, most of a run's CPU) once,
    // then forks one child per shape of the batch that re-times the compute stages for the shape and runs
    // SimGrid (restage_run). The routing sees the batch only, so each child's step is run(shape)'s exactly.
    std::vector<std::vector<std::size_t>> groups;
    {
        std::map<int64_t, std::size_t> group_of; // simulated batch -> group, in the shapes' first-seen order
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const auto b      = std::llround(simulated_shape(s.workload.phase, shapes[i]).batch_per_rank);
            const auto [g, _] = group_of.emplace(b, groups.size());
            if (g->second == groups.size()) groups.emplace_back();
            groups[g->second].push_back(i);
        }
    }
    std::vector<std::size_t> tasks(groups.size());
    std::iota(tasks.begin(), tasks.end(), std::size_t(0));
    std::vector<double> out(shapes.size(), 0);
    std::string failure;
    std::size_t done = 0;
    const auto task  = [&](std::size_t g) {
        const std::vector<std::size_t>& group = groups[g];
        RunPlan plan                          = plan_run(shape_scenario(s, shapes[group.front()]));
        std::vector<std::string> ns(group.size());
        std::string inner_failure;
        std::vector<std::size_t> members(group.size());
        std::iota(members.begin(), members.end(), std::size_t(0));
        sweep::run_local_pool(
             members,
             [&](std::size_t k) {
                restage_run(plan, shape_scenario(s, shapes[group[k]]));
                return std::to_string(assemble_run(plan, execute_run(plan)).summary.step_time_ns);
            },
             [&](std::size_t k, const sweep::TaskOutcome& o) {
                if (o.status == sweep::TaskStatus::Ok)
                    ns[k] = o.text;
                else if (inner_failure.empty())
                    inner_failure =
                        "step simulation of " + shape_text(s.workload.phase, shapes[group[k]]) + " failed: " + o.text;
            },
             sweep::PoolOptions{1, 0});
        if (!inner_failure.empty()) throw ConfigError(inner_failure);
        std::string text;
        for (const std::string& t : ns)
            text += t + " ";
        return text;
    };
    const auto record = [&](std::size_t g, const sweep::TaskOutcome& o) {
        const std::vector<std::size_t>& group = groups[g];
        done += group.size();
        if (on_done) on_done(done, shapes.size());
        if (o.status == sweep::TaskStatus::Ok) {
            std::istringstream in(o.text);
            for (const std::size_t i : group) {
                long long ns = 0;
                in >> ns;
                out[i] = double(ns) * 1e-9;
            }
        } else if (failure.empty()) {
            failure = o.status == sweep::TaskStatus::ConfigError && o.text.rfind("step simulation of ", 0) == 0
                          ? o.text
                          : "step simulation of " + shape_text(s.workload.phase, shapes[group.front()]) +
                                " failed: " + o.text;
        }
    };
    sweep::run_local_pool(tasks, task, record, sweep::PoolOptions{std::max(1, jobs), 0});
    if (!failure.empty()) throw ConfigError(failure);
    return out;
}

BuildOutcome build_step_model(const Scenario& s, const GridSpec& spec, const BuildOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    BuildOutcome out;
    const GridAxes axes     = grid_axes(s, spec);
    const std::string keyed = keyed_scenario_json(s);
    const std::string key   = step_model_key(keyed, options.version, spec.interpolation, axes);
    const fs::path dir      = options.cache_dir.empty() ? default_step_model_cache_dir() : options.cache_dir;
    out.file                = dir / (key + ".json");
    const auto elapsed      = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::error_code ec;
    if (fs::is_regular_file(out.file, ec)) {
        try {
            StepModelFile m = load_step_model(out.file);
            if (m.key == key && m.moetwin_version == options.version &&
                nlohmann::json::parse(m.scenario_json) == nlohmann::json::parse(keyed) && m.grid.batch == axes.batch &&
                m.grid.context == axes.context && m.grid.cached == axes.cached &&
                m.grid.interpolation == spec.interpolation) {
                out.model      = std::move(m);
                out.from_cache = true;
                out.wall_s     = elapsed();
                return out;
            }
            out.warning = out.file.string() + ": holds another unit's model (a key collision); rebuilding it";
        } catch (const ConfigError& e) {
            out.warning = std::string(e.what()) + "; rebuilding the cached step-time model";
        }
    }
    std::vector<StepShape> shapes; // in StepGrid::step_s's order: plane, batch, context
    for (const double q : axes.cached)
        for (const double b : axes.batch)
            for (const double c : axes.context)
                shapes.push_back(grid_point_shape(s.workload.phase, b, c, q));
    StepModelFile& m     = out.model;
    m.grid.phase         = s.workload.phase;
    m.grid.interpolation = spec.interpolation;
    m.grid.batch         = axes.batch;
    m.grid.context       = axes.context;
    m.grid.cached        = axes.cached;
    const double cpu0    = children_cpu_s();
    m.grid.step_s        = simulate_step_times(s, shapes, options.jobs, options.progress);
    out.worker_cpu_s     = children_cpu_s() - cpu0;
    m.moetwin_version    = options.version;
    m.key                = key;
    m.scenario_json      = keyed;
    check_step_grid(m.grid, "step-time grid of " + s.name);
    fs::create_directories(dir, ec);
    if (ec) throw ConfigError(dir.string() + ": cannot create the step-time model cache folder: " + ec.message());
    write_file_atomic(out.file, step_model_text(m));
    out.wall_s = elapsed();
    return out;
}

} // namespace moetwin::serving
