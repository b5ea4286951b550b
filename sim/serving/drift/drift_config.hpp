// SPDX-License-Identifier: Apache-2.0
// serving.expert_drift (issue 17 items 4 and 5): expert loads that drift over the day, a placement re-fitted
// every N minutes, and the migration it costs. Parsed in drift_json.cpp (called from sim/serving/serving_json.cpp);
// every key is documented in scenarios/README.md ("serving.expert_drift"). The model: sim/serving/drift/README.md.
#pragma once

#include "common/name_table.hpp"

#include <array>
#include <filesystem>
#include <vector>

namespace moetwin::serving {

// Off (enabled = false): the step time is the grid's, the loads are routing's, one placement all day.
struct ExpertDriftConfig {
    bool enabled = false;
    // Recorded runs ({"logical_count": ...}, as routing.popularity "file" reads them), absolute paths. Empty:
    // `generated_runs` runs of the scenario's own routing popularity, each with another seed.
    std::vector<std::filesystem::path> loads;
    // Per pool: that pool's own recorded runs in place of `loads` (prefill steps, colocated chunks included, take
    // prefill_loads; decode steps decode_loads). Empty: `loads`, so both pools see the same runs by default.
    std::vector<std::filesystem::path> prefill_loads, decode_loads;
    int generated_runs = 4; // ours: enough for a day of hot spots that move; only for a pool without recorded runs
    // The day moves from run i to run i + 1 (cyclic) over each hours_per_run hours (sim/balancer/load_mix; at most
    // 24 h: a segment's minutes are held in memory while they are summed).
    double hours_per_run = 3;
    // A re-placement every rebalance_s (tech report §3.4: "e.g., every 10 minutes"); 0: never (the placement
    // fitted at 0 h stays all day). A multiple of serving.series_period_min.
    double rebalance_s = 600;
    // The placement is fitted on the loads of the last window_s (at 0 h: the first window_s, the loads the
    // service starts with). A multiple of serving.series_period_min.
    double window_s = 600;
    // How a re-placement is made: Full re-fits balancer.policy from scratch and relabels it to the previous
    // placement (balancer::align_to_previous: most experts may change GPU); Incremental starts from the placement in
    // force and changes only the slots that pay (balancer::place_incremental: EPLB's replica counts, then swaps).
    enum class Replacement { Full, Incremental };
    Replacement replacement = Replacement::Full;

    // The recorded runs of the pool whose unit runs `prefill` steps (true) or decode steps; empty: generated runs.
    const std::vector<std::filesystem::path>& loads_of(bool prefill) const {
        const auto& own = prefill ? prefill_loads : decode_loads;
        return own.empty() ? loads : own;
    }
};

// serving.expert_drift.replacement's names.
inline constexpr std::array<NameEntry<ExpertDriftConfig::Replacement>, 2> kReplacements = {{
    {ExpertDriftConfig::Replacement::Full, "full",
     "re-fit balancer.policy from scratch and relabel it to the previous placement"},
    {ExpertDriftConfig::Replacement::Incremental, "incremental",
     "from the placement in force, move only the replicas that lower the busiest GPU (balancer::place_incremental)"},
}};
constexpr std::string_view to_string(ExpertDriftConfig::Replacement v) {
    return table_name(kReplacements, v);
}

} // namespace moetwin::serving
