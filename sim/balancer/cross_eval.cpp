// SPDX-License-Identifier: Apache-2.0
// cross_evaluate(): in-sample, ordered-pair and leave-one-out busiest/mean of every placer.
#include "sim/balancer/cross_eval.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "sim/balancer/partition_lp_floor.hpp"
#include "sim/balancer/placement_floor.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "sim/balancer/split_metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace moetwin::balancer {
namespace {

double mean_of(const std::vector<PairRatio>& v) {
    double s = 0;
    for (const auto& p : v)
        s += p.ratio;
    return v.empty() ? 0 : s / double(v.size());
}

double worst_of(const std::vector<PairRatio>& v) {
    double w = 0;
    for (const auto& p : v)
        w = std::max(w, p.ratio);
    return w;
}

} // namespace

std::vector<Placer> registered_placers(const std::vector<std::string>& names) {
    std::vector<Placer> out;
    for (const auto& p : placement_policies())
        if (names.empty() || std::find(names.begin(), names.end(), p.name) != names.end())
            out.push_back(
                {std::string(p.name), p.place, p.min_max_split ? ReplicaSplitModel::MinMax : ReplicaSplitModel::Even});
    for (const auto& n : names)
        (void)find_placement_policy(n); // ConfigError lists the names
    return out;
}

void CrossSpec::validate() const {
    if (timing_repeats < 1) throw ConfigError("balance cross: timing repeats must be ≥ 1");
    // σ = 2 already spreads an expert's load over a factor e^±4 (one standard deviation e^±2): beyond
    // it, drift says nothing a recorded run of another workload would not.
    if (!(drift_sigma >= 0 && drift_sigma <= 2))
        throw ConfigError("balance cross: --drift: expected a relative σ in [0, 2], got " +
                          std::to_string(drift_sigma));
    // Each draw is one more busiest/mean of every placement on every run: past 1,000 the mean's standard
    // error (spread / √draws) is far below the 4 decimals printed, and the run takes minutes.
    if (drift_draws < 1 || drift_draws > 1000)
        throw ConfigError("balance cross: --drift-draws: expected 1 … 1000, got " + std::to_string(drift_draws));
}

double CrossResult::in_mean() const {
    return mean_of(in);
}
double CrossResult::out_mean() const {
    return mean_of(out);
}
double CrossResult::out_worst() const {
    return worst_of(out);
}
double CrossResult::loo_mean() const {
    return mean_of(loo);
}
double CrossResult::loo_worst() const {
    return worst_of(loo);
}
double CrossResult::drift_mean() const {
    return mean_of(drift);
}
double CrossResult::drift_worst() const {
    return worst_of(drift);
}
const PairRatio* CrossResult::worst_pair() const {
    const auto it =
        std::max_element(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.ratio < b.ratio; });
    return it == out.end() ? nullptr : &*it;
}
double CrossResult::fit_median_s() const {
    if (fit_s.empty()) return 0;
    std::vector<double> v = fit_s;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
double CrossResult::fit_max_s() const {
    return fit_s.empty() ? 0 : *std::max_element(fit_s.begin(), fit_s.end());
}

ExpertLoad pooled_load(const std::vector<const ExpertLoad*>& loads, PoolRule rule) {
    MOETWIN_ASSERT(!loads.empty(), "pooled_load of nothing");
    ExpertLoad out{loads[0]->num_layers, loads[0]->num_experts, std::vector<double>(loads[0]->tokens.size(), 0.0)};
    for (const ExpertLoad* l : loads)
        for (int layer = 0; layer < out.num_layers; ++layer) {
            const auto row   = l->layer(layer);
            const double sum = std::accumulate(row.begin(), row.end(), 0.0);
            if (sum > 0)
                for (int e = 0; e < out.num_experts; ++e) {
                    double& v = out.layer(layer)[e];
                    v         = rule == PoolRule::Mean ? v + row[e] / sum : std::max(v, row[e] / sum);
                }
        }
    return out;
}

ExpertLoad drifted_load(const ExpertLoad& load, double sigma, std::uint64_t seed, std::uint64_t draw) {
    if (sigma == 0) return load;
    Rng rng(seed, draw);
    ExpertLoad out = load;
    for (double& v : out.tokens)
        v *= std::exp(sigma * rng.normal() - 0.5 * sigma * sigma);
    return out;
}

namespace {

// "run ~ σ 0.02": the eval name of a drifted run.
std::string drift_label(const std::string& run, const CrossSpec& cs) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " ~ σ %g", cs.drift_sigma);
    return run + buf;
}

// Mean busiest/mean of `p` over cs.drift_draws drifted copies of `load`.
double drifted_ratio(const Placement& p, const ExpertLoad& load, const CrossSpec& cs, ReplicaSplitModel split) {
    double sum = 0;
    for (int d = 0; d < cs.drift_draws; ++d)
        sum += busiest_over_mean(p, cs.spec, drifted_load(load, cs.drift_sigma, cs.drift_seed, std::uint64_t(d)), split)
                   .mean_ratio;
    return sum / cs.drift_draws;
}

// The runs of the scope, checked: ≥ 2, all one shape, the spec valid for them.
std::vector<const RecordedRun*> runs_in_scope(const std::vector<RecordedRun>& all_runs, const CrossSpec& cs) {
    cs.validate();
    std::vector<const RecordedRun*> runs;
    for (const auto& r : all_runs)
        if (cs.phase.empty() || r.phase() == cs.phase) runs.push_back(&r);
    if (runs.size() < 2)
        throw ConfigError("balance cross: " + std::to_string(runs.size()) + " recorded run(s) of phase \"" + cs.phase +
                          "\": out-of-sample needs at least two");
    for (const auto* r : runs) {
        r->load.validate();
        if (r->load.num_layers != runs[0]->load.num_layers || r->load.num_experts != runs[0]->load.num_experts)
            throw ConfigError("balance cross: run " + r->name + " has " + std::to_string(r->load.num_layers) +
                              " MoE layers × " + std::to_string(r->load.num_experts) + " experts, run " +
                              runs[0]->name + " " + std::to_string(runs[0]->load.num_layers) + " × " +
                              std::to_string(runs[0]->load.num_experts));
    }
    cs.spec.validate(runs[0]->load.num_experts);
    return runs;
}

} // namespace

CrossResult floor_result(const std::vector<RecordedRun>& all_runs, const CrossSpec& cs, bool lp) {
    const auto runs = runs_in_scope(all_runs, cs);
    if (lp && !lp_floor_applies(cs.spec, runs[0]->load.num_experts))
        throw ConfigError("balance cross: the LP floor needs exactly 2 slots on every GPU and fewer GPUs than "
                          "experts (unit " +
                          cs.unit + ")");
    const auto floor_of = [&](const ExpertLoad& l) {
        return lp ? partition_lp_floor(l, cs.spec).mean_ratio : placement_floor(l, cs.spec).mean_ratio;
    };
    std::vector<double> floor;
    for (const auto* r : runs)
        floor.push_back(floor_of(r->load));
    CrossResult res;
    res.policy = lp ? kLpFloorRowName : kFloorRowName;
    for (std::size_t f = 0; f < runs.size(); ++f) {
        for (std::size_t e = 0; e < runs.size(); ++e)
            (e == f ? res.in : res.out).push_back({runs[f]->name, runs[e]->name, floor[e]});
        res.loo.push_back({"all but " + runs[f]->name, runs[f]->name, floor[f]});
        if (cs.drift_sigma > 0 && !lp) { // the LP floor of every drifted copy would cost minutes
            double sum = 0;
            for (int d = 0; d < cs.drift_draws; ++d)
                sum += floor_of(drifted_load(runs[f]->load, cs.drift_sigma, cs.drift_seed, std::uint64_t(d)));
            res.drift.push_back({runs[f]->name, drift_label(runs[f]->name, cs), sum / cs.drift_draws});
        }
    }
    return res;
}

std::vector<CrossResult> cross_evaluate(const std::vector<RecordedRun>& all_runs, const std::vector<Placer>& placers,
                                        const CrossSpec& cs) {
    const auto runs = runs_in_scope(all_runs, cs);
    std::vector<CrossResult> results;
    for (const Placer& placer : placers) {
        CrossResult res;
        res.policy       = placer.name;
        res.split        = cs.split.value_or(placer.split);
        const auto split = res.split;
        try {
            for (std::size_t f = 0; f < runs.size(); ++f) {
                Placement p;
                double best = 1e300;
                for (int rep = 0; rep < cs.timing_repeats; ++rep) {
                    const auto t0                          = std::chrono::steady_clock::now();
                    p                                      = placer.place(runs[f]->load, cs.spec);
                    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
                    best                                   = std::min(best, dt.count());
                }
                check_placement(p, cs.spec);
                res.fit_s.push_back(best);
                for (std::size_t e = 0; e < runs.size(); ++e) {
                    const PairRatio pr{runs[f]->name, runs[e]->name,
                                       busiest_over_mean(p, cs.spec, runs[e]->load, split).mean_ratio};
                    (e == f ? res.in : res.out).push_back(pr);
                }
                std::vector<const ExpertLoad*> rest;
                for (std::size_t o = 0; o < runs.size(); ++o)
                    if (o != f) rest.push_back(&runs[o]->load);
                const Placement q = placer.place(pooled_load(rest, cs.pool), cs.spec);
                check_placement(q, cs.spec);
                res.loo.push_back({"all but " + runs[f]->name, runs[f]->name,
                                   busiest_over_mean(q, cs.spec, runs[f]->load, split).mean_ratio});
                if (cs.drift_sigma > 0)
                    res.drift.push_back(
                        {runs[f]->name, drift_label(runs[f]->name, cs), drifted_ratio(p, runs[f]->load, cs, split)});
            }
        } catch (const ConfigError& e) {
            res         = CrossResult{};
            res.policy  = placer.name;
            res.split   = split;
            res.skipped = e.what();
        }
        results.push_back(std::move(res));
    }
    return results;
}

} // namespace moetwin::balancer
