// SPDX-License-Identifier: Apache-2.0
// serving.expert_drift (issue 17 items 4 and 5): expert loads that drift over the day, a placement re-fitted
// every N minutes, and the migration it costs. Parsed in drift_json.cpp (called from sim/serving/serving_json.cpp);
// every key is documented in scenarios/README.md ("serving.expert_drift"). The model: sim/serving/drift/README.md.
#pragma once

#include <filesystem>
#include <vector>

namespace moetwin::serving {

// Off (enabled = false): the step time is the grid's, the loads are routing's, one placement all day.
struct ExpertDriftConfig {
    bool enabled = false;
    // Recorded runs ({"logical_count": ...}, as routing.popularity "file" reads them), absolute paths. Empty:
    // `generated_runs` runs of the scenario's own routing popularity, each with another seed.
    std::vector<std::filesystem::path> loads;
    int generated_runs = 4; // ours: enough for a day of hot spots that move; only without `loads`
    // The day moves from run i to run i + 1 (cyclic) over each hours_per_run hours (sim/balancer/load_mix; at most
    // 24 h: a segment's minutes are held in memory while they are summed).
    double hours_per_run = 3;
    // A re-placement every rebalance_s (tech report §3.4: "e.g., every 10 minutes"); 0: never (the placement
    // fitted at 0 h stays all day). A multiple of serving.series_period_min.
    double rebalance_s = 600;
    // The placement is fitted on the loads of the last window_s (at 0 h: the first window_s, the loads the
    // service starts with). A multiple of serving.series_period_min.
    double window_s = 600;
};

} // namespace moetwin::serving
