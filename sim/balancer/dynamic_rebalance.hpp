// SPDX-License-Identifier: Apache-2.0
// Dynamic rebalancing: loads drift minute by minute; a static placement (fitted once) is compared
// with one re-placed every N minutes from a moving average of observed loads, paying to move
// expert weights (tech report §3.4: redundant set adjusted "e.g., every 10 minutes").
#pragma once

#include "sim/balancer/migration.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/balancer/split_metrics.hpp"

#include <cstdint>
#include <iosfwd>
#include <vector>

namespace moetwin::balancer {

// Drift model (ours, stated): per layer and expert, log-popularity follows a Gaussian random walk
// with step drift_sigma per minute, starting at log(base load). Each minute's observed load is the
// expected (token, expert) count tokens_per_minute × topk × popularity share plus Gaussian
// sampling noise of variance = mean (Poisson-like), clamped at 0.
struct DriftSpec {
    int num_minutes          = 120;
    double tokens_per_minute = 1e6; // tokens through each MoE layer per minute
    int topk                 = 8;
    double drift_sigma       = 0.05;
    std::uint64_t seed       = 1;
    void validate() const;
};

struct RebalanceSpec {
    int interval_minutes = 10; // re-place every N minutes (tech report §3.4)
    int window_minutes   = 10; // moving average over the last W observed minutes
    PlaceFn place        = nullptr;
    bool incremental     = false; // re-place with place_incremental from the placement in force
    // How replicas share an expert's load when a minute is measured (split_metrics.hpp): Even is
    // round_robin's expectation (EPLB's model), MinMax load_aware's exact split.
    ReplicaSplitModel split = ReplicaSplitModel::Even;
    MigrationSpec migration;
    void validate() const;
};

std::ostream& operator<<(std::ostream& os, const DriftSpec& d);
std::ostream& operator<<(std::ostream& os, const RebalanceSpec& r);

// The observed load of every minute: [num_minutes] ExpertLoads shaped like `base`.
std::vector<ExpertLoad> drifting_loads(const ExpertLoad& base, const DriftSpec& drift);

struct RebalanceMinute {
    int minute           = 0;
    double static_ratio  = 0; // busiest/mean (mean over layers) of the placement fitted on `base`
    double dynamic_ratio = 0; // same for the rebalanced placement in force this minute
    bool rebalanced      = false;
    MigrationCost moved; // zero unless rebalanced
};

// Minute 0 uses the placement fitted on `base` for both; from minute interval, every interval
// minutes, the dynamic placement is re-fitted on the last window minutes (their sum: policies are
// scale-free, so this is the moving average), either from scratch with `place` and then aligned to
// the previous one (align_to_previous), or with place_incremental; it is charged migration_cost.
std::vector<RebalanceMinute> simulate_rebalancing(const ExpertLoad& base, const PlacementSpec& spec,
                                                  const std::vector<ExpertLoad>& minutes, const RebalanceSpec& r);

// Migration time charged to serving (issue 16 item 3), as a pause: every re-placement stops the unit
// for its migration time (MigrationCost::time_s, the busiest GPU's copies over NVLink and IB). Why a
// pause and not overlapped with the steps' traffic: a slot holds one expert's weights (the memory fit
// of the 288 slots), so a slot being overwritten serves neither its old nor its new expert until the
// copy lands, and the copies share the NIC (reference §2: 40 GB/s effective IB per GPU) and NVLink
// with the dispatch/combine all-to-all, which saturates them in prefill; overlapping would need the
// step's idle link time, which `balance mix` does not model. So the pause is the upper bound of the
// cost and the amortised step overhead below is what every step pays on average.
struct MigrationCharge {
    int replacements   = 0;
    double pause_s     = 0; // Σ migration time over the re-placements
    double worst_s     = 0; // the longest single pause
    double serving_s   = 0; // minutes × minute_s
    double step_factor = 1; // (serving + pause) / serving: the amortised step-time multiplier
};

// Contract: pure; minute_s > 0 (ConfigError otherwise).
MigrationCharge charge_migrations(const std::vector<RebalanceMinute>& timeline, double minute_s = 60.0);

// CSV: minute,static_ratio,dynamic_ratio,rebalanced,experts_moved,bytes_moved,bytes_ib,migration_s
void write_rebalance_csv(const std::vector<RebalanceMinute>& timeline, std::ostream& out);

} // namespace moetwin::balancer
