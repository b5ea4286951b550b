// SPDX-License-Identifier: Apache-2.0
// The day's loads and placements into step-time factors, with an on-disk cache (drift_build.hpp).
#include "sim/serving/drift/drift_build.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "engine/model_spec.hpp"
#include "sim/balancer/external/placement_json.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "sim/run.hpp"
#include "sim/serving/drift/drift_loads.hpp"
#include "sim/serving/step_model/step_grid_build.hpp"
#include "sim/serving/step_time_grid.hpp"
#include "sim/step/expert_popularity.hpp"
#include "sim/step/step_placement.hpp"
#include "sim/sweep/sweep_pool.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <string_view>

namespace moetwin::serving {
namespace fs = std::filesystem;
namespace {

constexpr double kMinute_s = 60;
// Part of the cache key: the form of what is cached (additive step times since the factor model; a change of form
// must not read an older file).
constexpr std::string_view kDriftModelTag = "drift excess_s v2";

ExpertLoad unit_popularity(const Scenario& s) {
    const ModelSpec& full = find_model(s.model.name);
    return step::expert_popularity(s, full, with_layers(full, s.model.num_dense_layers, s.model.num_moe_layers));
}

// FNV-1a 64 (as the step-time grid's key, step_grid_build.cpp) over raw bytes.
void fnv1a(uint64_t& h, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
}
void fnv1a(uint64_t& h, const std::string& s) {
    fnv1a(h, s.data(), s.size());
}

std::string loads_json(const ExpertLoad& l) {
    nlohmann::json rows = nlohmann::json::array();
    for (int layer = 0; layer < l.num_layers; ++layer) {
        const auto r = l.layer(layer);
        rows.push_back(std::vector<double>(r.begin(), r.end()));
    }
    return nlohmann::json{{"logical_count", rows}}.dump();
}

// The cache file: {"key", "reference_step_s": [K], "excess_s": [intervals × K]}; empty when it does not match.
std::vector<double> read_cached(const fs::path& file, const std::string& key, std::size_t n,
                                std::vector<double>& ref_s) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return {};
    try {
        const nlohmann::json j = parse_json_text(read_file(file), file.string());
        const JsonObject o(j, "", file.string());
        o.finish({"key", "reference_step_s", "excess_s"});
        if (o.string("key") != key) return {};
        const JsonArray r = o.array("reference_step_s");
        ref_s.clear();
        for (std::size_t i = 0; i < r.size(); ++i)
            ref_s.push_back(r.number_in(i, 1e-9, 1e6));
        const JsonArray a = o.array("excess_s");
        std::vector<double> f;
        for (std::size_t i = 0; i < a.size(); ++i)
            f.push_back(a.number_in(i, -1e6, 1e6));
        return f.size() == n ? f : std::vector<double>{};
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "moetwin: warning: %s; rebuilding the cached drift step times\n", e.what());
        return {};
    }
}

} // namespace

std::vector<ExpertLoad> drift_runs(const Scenario& unit, const ExpertDriftConfig& c) {
    std::vector<ExpertLoad> runs;
    Scenario s                            = unit;
    const std::vector<fs::path>& recorded = c.loads_of(unit.workload.phase == Phase::Prefill);
    if (!recorded.empty()) {
        s.routing.popularity = ExpertPopularity::File;
        for (const fs::path& p : recorded) {
            s.routing.loads_path = p;
            runs.push_back(unit_popularity(s));
        }
    } else {
        for (int i = 0; i < c.generated_runs; ++i) {
            s.seed = unit.seed + uint64_t(i) + 1;
            runs.push_back(unit_popularity(s));
        }
    }
    return runs;
}

balancer::PlacementSpec drift_placement_spec(const Scenario& unit) {
    if (unit.active_unit().shared_expert_slots > 0 || unit.balancer.hosted_experts_per_gpu > 0)
        throw ConfigError(unit.source.string() +
                          ": serving.expert_drift: a unit with shared-expert slots or hosted experts is not supported "
                          "(its placement is not one policy's)");
    ExpertLoad none;
    none.num_experts = find_model(unit.model.name).num_routed_experts;
    return step::place_step_experts(unit, none).spec;
}

balancer::PlaceFn drift_place_fn(const Scenario& unit) {
    if (unit.balancer.policy == balancer::kPlacementFromFile || unit.balancer.policy == balancer::kPlacementFromCommand)
        throw ConfigError(unit.source.string() + ": serving.expert_drift: balancer.policy \"" + unit.balancer.policy +
                          "\" cannot be re-fitted on drifting loads (use a registered policy)");
    return balancer::find_placement_policy(unit.balancer.policy).place;
}

DriftReference drift_reference(const Scenario& unit, const StepTimeModel& model) {
    const WorkloadConfig& w = unit.workload;
    const bool decode       = w.phase == Phase::Decode;
    const auto* grid        = dynamic_cast<const StepTimeGrid*>(&model);
    const GridAxes axes     = grid ? GridAxes{grid->grid().batch, grid->grid().context} : grid_axes(unit, GridSpec{});
    const auto nearest      = [](const std::vector<double>& axis, double x) {
        double best = axis.front();
        for (const double v : axis)
            if (std::abs(std::log(v / x)) < std::abs(std::log(best / x))) best = v;
        return best;
    };
    DriftReference r;
    r.own_batch     = decode ? double(w.requests_per_gpu) : double(w.tokens_per_gpu);
    r.context       = nearest(axes.context, decode ? double(w.context_tokens) : (double(w.context_tokens) + 1) / 2);
    const double lo = axes.batch.front(), hi = axes.batch.back();
    for (int k = 0; k < kDriftReferenceBatches; ++k) {
        const double b = nearest(axes.batch, lo * std::pow(hi / lo, double(k) / (kDriftReferenceBatches - 1)));
        if (r.batches.empty() || b > r.batches.back()) r.batches.push_back(b);
    }
    return r;
}

Scenario drifted_scenario(const Scenario& unit, const StepShape& shape, const fs::path& loads_file,
                          const fs::path& placement_file) {
    Scenario s                = shape_scenario(unit, shape);
    s.routing.popularity      = ExpertPopularity::File;
    s.routing.loads_path      = loads_file;
    s.balancer.policy         = std::string(balancer::kPlacementFromFile);
    s.balancer.placement_path = placement_file;
    s.balancer.fit_loads_path = fs::path();
    return s;
}

std::vector<double> simulate_scenarios(const std::vector<Scenario>& scenarios, int jobs) {
    std::vector<std::size_t> tasks(scenarios.size());
    std::iota(tasks.begin(), tasks.end(), std::size_t(0));
    std::vector<double> out(scenarios.size(), 0);
    std::string failure;
    const auto task = [&](std::size_t i) { return std::to_string(run(scenarios[i]).summary.step_time_ns); };
    const auto done = [&](std::size_t i, const sweep::TaskOutcome& o) {
        if (o.status == sweep::TaskStatus::Ok)
            out[i] = double(std::stoll(o.text)) * 1e-9;
        else if (failure.empty())
            failure = "expert drift: step simulation " + std::to_string(i) + " failed: " + o.text;
    };
    sweep::run_local_pool(tasks, task, done, sweep::PoolOptions{std::max(1, jobs), 0});
    if (!failure.empty()) throw ConfigError(failure);
    return out;
}

std::vector<DriftCheckPoint> simulate_drift_points(const Scenario& unit, const std::vector<StepShape>& shapes,
                                                   const ExpertLoad& loads, const balancer::Placement& placement,
                                                   const fs::path& work_dir, int jobs) {
    std::error_code ec;
    fs::create_directories(work_dir, ec);
    if (ec) throw ConfigError(work_dir.string() + ": cannot create the drift work folder: " + ec.message());
    const fs::path lf = work_dir / "loads.json", pf = work_dir / "placement.json";
    write_file_atomic(lf, loads_json(loads));
    write_file_atomic(pf, balancer::placement_json(placement));
    std::vector<Scenario> runs;
    for (const StepShape& x : shapes) {
        runs.push_back(shape_scenario(unit, x));
        runs.push_back(drifted_scenario(unit, x, lf, pf));
    }
    const std::vector<double> t = simulate_scenarios(runs, jobs);
    fs::remove(lf, ec);
    fs::remove(pf, ec);
    std::vector<DriftCheckPoint> out;
    for (std::size_t i = 0; i < shapes.size(); ++i)
        out.push_back({simulated_shape(unit.workload.phase, shapes[i]), t[2 * i], t[2 * i + 1]});
    return out;
}

DriftBuild build_step_drift(const Scenario& unit, const ServingConfig& cfg, const StepTimeModel& model,
                            const DriftBuildOptions& options) {
    const ExpertDriftConfig& c = cfg.expert_drift;
    MOETWIN_ASSERT(c.enabled, "build_step_drift needs serving.expert_drift");
    const int period_min = int(std::lround(cfg.series_period_s / kMinute_s));
    const int per_run    = int(std::lround(c.hours_per_run * 60));
    const int rebalance  = int(std::lround(c.rebalance_s / cfg.series_period_s));
    const int window     = int(std::lround(c.window_s / cfg.series_period_s));
    const int topk       = find_model(unit.model.name).top_k;
    const std::vector<ExpertLoad> loads =
        interval_loads(drift_runs(unit, c), per_run, period_min, cfg.duration_s / kMinute_s, topk, unit.seed);
    const balancer::PlacementSpec spec = drift_placement_spec(unit);
    DriftBuild b;
    b.plan              = plan_drift(loads, spec, drift_place_fn(unit), rebalance, window, {},
                                     c.replacement == ExpertDriftConfig::Replacement::Incremental);
    b.reference         = drift_reference(unit, model);
    const std::size_t K = b.reference.batches.size();

    // Key: everything the factors depend on (the unit as the grid keys it, the reference, the loads, placements).
    uint64_t h = 0xcbf29ce484222325ull;
    fnv1a(h, std::string(kDriftModelTag) + "\n" + options.version + "\n" + keyed_scenario_json(unit) + "\n" +
                 std::string(to_string(unit.workload.phase)) + "\n" + format_number(b.reference.context));
    fnv1a(h, b.reference.batches.data(), K * sizeof(double));
    for (const ExpertLoad& l : loads)
        fnv1a(h, l.tokens.data(), l.tokens.size() * sizeof(double));
    for (const balancer::Placement& p : b.plan.placements)
        fnv1a(h, p.phy2log.data(), p.phy2log.size() * sizeof(int));
    fnv1a(h, b.plan.placement_of.data(), b.plan.placement_of.size() * sizeof(int));
    char key[17];
    std::snprintf(key, sizeof key, "%016llx", (unsigned long long)h);
    const fs::path dir = options.cache_dir.empty() ? default_step_model_cache_dir() : options.cache_dir;
    b.file             = dir / ("drift_" + std::string(key) + ".json");

    const std::size_t n       = loads.size();
    std::vector<double> times = read_cached(b.file, key, n * K, b.reference_step_s);
    if (b.reference_step_s.size() != K) times.clear();
    b.from_cache = !times.empty();
    if (!b.from_cache) {
        std::error_code ec;
        // A fresh private folder (mkdtemp); a killed run's leftover is removed here by the next run.
        const fs::path tmp = create_work_dir(dir, "drift_tmp_" + std::string(key) + "_");
        std::vector<Scenario> runs; // [0, K): the grid's own; then K per interval
        for (const double x : b.reference.batches)
            runs.push_back(shape_scenario(unit, {x, b.reference.context}));
        for (std::size_t p = 0; p < b.plan.placements.size(); ++p)
            write_file_atomic(tmp / ("placement_" + std::to_string(p) + ".json"),
                              balancer::placement_json(b.plan.placements[p]));
        for (std::size_t i = 0; i < n; ++i) {
            const fs::path lf = tmp / ("loads_" + std::to_string(i) + ".json");
            write_file_atomic(lf, loads_json(loads[i]));
            for (const double x : b.reference.batches)
                runs.push_back(
                    drifted_scenario(unit, {x, b.reference.context}, lf,
                                     tmp / ("placement_" + std::to_string(b.plan.placement_of[i]) + ".json")));
        }
        std::vector<double> t;
        try {
            t = simulate_scenarios(runs, options.jobs);
        } catch (...) {
            fs::remove_all(tmp, ec);
            throw;
        }
        fs::remove_all(tmp, ec);
        b.reference_step_s.assign(t.begin(), t.begin() + std::ptrdiff_t(K));
        times.assign(t.begin() + std::ptrdiff_t(K), t.end());
        for (std::size_t j = 0; j < times.size(); ++j)
            times[j] -= b.reference_step_s[j % K];
        nlohmann::ordered_json j;
        j["key"]              = key;
        j["reference_step_s"] = b.reference_step_s;
        j["excess_s"]         = times;
        write_file_atomic(b.file, j.dump() + "\n");
    }
    b.drift.period_s          = cfg.series_period_s;
    b.drift.ref_batch         = b.reference.batches;
    b.drift.series_batch      = b.reference.own_batch;
    b.drift.ref_step_s        = b.reference_step_s;
    b.drift.excess_s          = times;
    b.drift.busiest_over_mean = b.plan.busiest_over_mean;
    for (const balancer::MigrationCost& m : b.plan.moved)
        b.drift.migration_s.push_back(options.pays_migration ? m.time_s : 0);
    return b;
}

StepDrift static_step_drift(const Scenario& unit) {
    StepDrift d;
    d.period_s                   = 1;
    d.ref_batch                  = {1};
    d.ref_step_s                 = {1};
    d.excess_s                   = {0};
    d.migration_s                = {0};
    const ExpertLoad pop         = unit_popularity(unit);
    const step::StepPlacement sp = step::place_step_experts(unit, pop);
    d.busiest_over_mean          = {sp.shared_expert >= 0 ? 0.0
                                                          : balancer::busiest_over_mean(sp.placement, sp.spec, pop).mean_ratio};
    return d;
}

} // namespace moetwin::serving
