// SPDX-License-Identifier: Apache-2.0
// Drifting loads and periodic re-placement with migration cost.
#include "sim/balancer/dynamic_rebalance.hpp"

#include "common/rng.hpp"
#include "sim/balancer/placement/incremental.hpp"
#include "sim/balancer/placement_metrics.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

namespace moetwin::balancer {

void DriftSpec::validate() const {
    if (num_minutes < 1) throw ConfigError("drift: num_minutes must be ≥ 1");
    if (!(tokens_per_minute > 0)) throw ConfigError("drift: tokens_per_minute must be > 0");
    if (topk < 1) throw ConfigError("drift: topk must be ≥ 1");
    if (!(drift_sigma >= 0)) throw ConfigError("drift: drift_sigma must be ≥ 0");
}

void RebalanceSpec::validate() const {
    if (interval_minutes < 1) throw ConfigError("rebalance: interval_minutes must be ≥ 1");
    if (window_minutes < 1) throw ConfigError("rebalance: window_minutes must be ≥ 1");
    if (place == nullptr) throw ConfigError("rebalance: no placement policy");
    migration.validate();
}

std::ostream& operator<<(std::ostream& os, const DriftSpec& d) {
    return os << "DriftSpec{num_minutes=" << d.num_minutes << ", tokens_per_minute=" << d.tokens_per_minute
              << ", topk=" << d.topk << ", drift_sigma=" << d.drift_sigma << ", seed=" << d.seed << "}";
}

std::ostream& operator<<(std::ostream& os, const RebalanceSpec& r) {
    return os << "RebalanceSpec{interval_minutes=" << r.interval_minutes << ", window_minutes=" << r.window_minutes
              << ", incremental=" << r.incremental << ", split=" << table_name(kReplicaSplitNames, r.split) << ", "
              << r.migration << "}";
}

std::vector<ExpertLoad> drifting_loads(const ExpertLoad& base, const DriftSpec& d) {
    d.validate();
    base.validate();
    std::vector<double> log_pop(base.tokens.size());
    for (std::size_t i = 0; i < log_pop.size(); ++i)
        log_pop[i] = std::log(std::max(base.tokens[i], 1e-12));
    Rng rng(d.seed, 0x0d21f7);
    std::vector<ExpertLoad> out;
    out.reserve(d.num_minutes);
    std::vector<double> share(base.num_experts);
    for (int m = 0; m < d.num_minutes; ++m) {
        if (m > 0)
            for (double& x : log_pop)
                x += d.drift_sigma * rng.normal();
        ExpertLoad obs{base.num_layers, base.num_experts, std::vector<double>(base.tokens.size())};
        for (int l = 0; l < base.num_layers; ++l) {
            double mx = -1e300, sum = 0;
            for (int e = 0; e < base.num_experts; ++e)
                mx = std::max(mx, log_pop[l * base.num_experts + e]);
            for (int e = 0; e < base.num_experts; ++e)
                sum += share[e] = std::exp(log_pop[l * base.num_experts + e] - mx);
            for (int e = 0; e < base.num_experts; ++e) {
                const double mean = d.tokens_per_minute * d.topk * share[e] / sum;
                obs.layer(l)[e]   = std::max(0.0, mean + std::sqrt(mean) * rng.normal());
            }
        }
        out.push_back(std::move(obs));
    }
    return out;
}

std::vector<RebalanceMinute> simulate_rebalancing(const ExpertLoad& base, const PlacementSpec& spec,
                                                  const std::vector<ExpertLoad>& minutes, const RebalanceSpec& r) {
    r.validate();
    spec.validate(base.num_experts);
    const Placement fixed = r.place(base, spec);
    Placement current     = fixed;
    std::vector<RebalanceMinute> out;
    for (int m = 0; m < static_cast<int>(minutes.size()); ++m) {
        RebalanceMinute row;
        row.minute = m;
        if (m > 0 && m % r.interval_minutes == 0) {
            ExpertLoad avg  = minutes[m - 1];
            const int first = std::max(0, m - r.window_minutes);
            for (int k = first; k < m - 1; ++k)
                for (std::size_t i = 0; i < avg.tokens.size(); ++i)
                    avg.tokens[i] += minutes[k].tokens[i];
            Placement next = r.incremental ? place_incremental(current, avg, spec)
                                           : align_to_previous(r.place(avg, spec), current, spec);
            row.rebalanced = true;
            row.moved      = migration_cost(current, next, spec, r.migration);
            current        = std::move(next);
        }
        row.static_ratio  = busiest_over_mean(fixed, spec, minutes[m], r.split).mean_ratio;
        row.dynamic_ratio = busiest_over_mean(current, spec, minutes[m], r.split).mean_ratio;
        out.push_back(row);
    }
    return out;
}

MigrationCharge charge_migrations(const std::vector<RebalanceMinute>& timeline, double minute_s) {
    if (!(minute_s > 0)) throw ConfigError("charge_migrations: minute_s must be > 0");
    MigrationCharge c;
    c.serving_s = double(timeline.size()) * minute_s;
    for (const auto& m : timeline) {
        if (!m.rebalanced) continue;
        ++c.replacements;
        c.pause_s += m.moved.time_s;
        c.worst_s = std::max(c.worst_s, m.moved.time_s);
    }
    c.step_factor = c.serving_s > 0 ? (c.serving_s + c.pause_s) / c.serving_s : 1.0;
    return c;
}

void write_rebalance_csv(const std::vector<RebalanceMinute>& timeline, std::ostream& out) {
    out << "minute,static_ratio,dynamic_ratio,rebalanced,experts_moved,bytes_moved,bytes_ib,migration_s\n";
    for (const auto& r : timeline)
        out << r.minute << ',' << r.static_ratio << ',' << r.dynamic_ratio << ',' << (r.rebalanced ? 1 : 0) << ','
            << r.moved.experts_moved << ',' << r.moved.bytes << ',' << r.moved.bytes_ib << ',' << r.moved.time_s
            << '\n';
}

} // namespace moetwin::balancer
