// SPDX-License-Identifier: Apache-2.0
// The pure parts of expert drift: a hand-made placement's imbalance, re-placement and its migration bytes and time
// (against sim/balancer/migration), the day's loads (load_mix by the hour), and the replay's factor and pauses.
#include "common/errors.hpp"
#include "sim/balancer/migration.hpp"
#include "sim/balancer/placement/incremental.hpp"
#include "sim/serving/drift/drift_loads.hpp"
#include "sim/serving/drift/drift_plan.hpp"
#include "sim/serving/drift/step_drift.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace moetwin::serving {
namespace {

// One node of 2 GPUs, 4 experts in 4 slots (2 per GPU), one group.
balancer::PlacementSpec spec_2gpu() {
    balancer::PlacementSpec s;
    s.num_slots = 4, s.num_groups = 1, s.num_nodes = 1, s.num_gpus = 2;
    return s;
}

ExpertLoad load1(std::vector<double> v) {
    return ExpertLoad{1, int(v.size()), std::move(v)};
}

// TEST POLICY: the hottest and the coldest expert on GPU 0, the two middle ones on GPU 1 (a pure function of the
// load, as a PlaceFn must be).
balancer::Placement hot_with_cold(const ExpertLoad& l, const balancer::PlacementSpec&) {
    std::vector<int> o(4);
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](int a, int b) { return l.at(0, a) > l.at(0, b); });
    return balancer::make_placement(1, 4, 4, {o[0], o[3], o[1], o[2]});
}

TEST(DriftPlan, HandMadePlacementImbalance) {
    // Placement fitted on [4, 3, 2, 1]: GPU 0 {0, 3}, GPU 1 {1, 2}. Its load on the next intervals:
    //   [4, 3, 2, 1]: 5 and 5 -> busiest / mean = 1;  [4, 1, 2, 3]: 7 and 3 -> 7 / 5 = 1.4.
    const std::vector<ExpertLoad> loads = {load1({4, 3, 2, 1}), load1({4, 1, 2, 3}), load1({4, 1, 2, 3})};
    const DriftPlan never               = plan_drift(loads, spec_2gpu(), hot_with_cold, 0, 1);
    ASSERT_EQ(never.placements.size(), 1u);
    EXPECT_EQ(never.placement_of, (std::vector<int>{0, 0, 0}));
    EXPECT_DOUBLE_EQ(never.busiest_over_mean[0], 1.0);
    EXPECT_DOUBLE_EQ(never.busiest_over_mean[1], 1.4);
    EXPECT_DOUBLE_EQ(never.busiest_over_mean[2], 1.4);
    for (const auto& m : never.moved)
        EXPECT_EQ(m.experts_moved, 0);
}

TEST(DriftPlan, RebalancingFollowsTheLoadsAndPaysTheMigration) {
    const std::vector<ExpertLoad> loads = {load1({4, 3, 2, 1}), load1({4, 1, 2, 3}), load1({4, 1, 2, 3})};
    // Every interval, fitted on the one before: interval 1 still sees [4, 3, 2, 1] (same placement, 1.4);
    // interval 2 is fitted on [4, 1, 2, 3]: GPU {0, 1} and {3, 2}, 5 and 5 -> 1.
    const DriftPlan every = plan_drift(loads, spec_2gpu(), hot_with_cold, 1, 1);
    ASSERT_EQ(every.placements.size(), 3u);
    EXPECT_DOUBLE_EQ(every.busiest_over_mean[1], 1.4);
    EXPECT_DOUBLE_EQ(every.busiest_over_mean[2], 1.0);
    EXPECT_EQ(every.moved[1].experts_moved, 0);
    // Interval 2: {0, 3}, {1, 2} -> {0, 1}, {2, 3} (or the GPUs swapped): each GPU keeps one expert and receives one,
    // from the other GPU of its node: 2 experts over NVLink, 44,040,192 B each (reference §1.3, FP8), the busiest GPU
    // copying one at 160 GB/s.
    const balancer::MigrationSpec m;
    const balancer::MigrationCost c = every.moved[2];
    EXPECT_EQ(c.experts_moved, 2);
    EXPECT_DOUBLE_EQ(c.bytes, 2 * 3.0 * 7168 * 2048);
    EXPECT_DOUBLE_EQ(c.bytes_ib, 0);
    EXPECT_DOUBLE_EQ(c.time_s, 3.0 * 7168 * 2048 / 160e9);
    // The same as migration.* computes from the two placements.
    const balancer::MigrationCost direct =
        balancer::migration_cost(every.placements[1], every.placements[2], spec_2gpu(), m);
    EXPECT_EQ(direct.experts_moved, c.experts_moved);
    EXPECT_DOUBLE_EQ(direct.time_s, c.time_s);
}

TEST(DriftPlan, IncrementalReplacementStartsFromThePlacementInForce) {
    const std::vector<ExpertLoad> loads = {load1({4, 3, 2, 1}), load1({4, 1, 2, 3}), load1({4, 1, 2, 3})};
    const DriftPlan inc                 = plan_drift(loads, spec_2gpu(), hot_with_cold, 1, 1, {}, true);
    ASSERT_EQ(inc.placements.size(), 3u);
    // Interval 0 is the policy's; each re-placement is place_incremental from the one before on the window's loads.
    EXPECT_EQ(inc.placements[0].phy2log, hot_with_cold(loads[0], spec_2gpu()).phy2log);
    for (int i = 1; i < 3; ++i) {
        const balancer::Placement direct =
            balancer::place_incremental(inc.placements[std::size_t(i) - 1], loads[std::size_t(i) - 1], spec_2gpu());
        EXPECT_EQ(inc.placements[std::size_t(i)].phy2log, direct.phy2log);
        EXPECT_EQ(inc.moved[std::size_t(i)].experts_moved,
                  balancer::migration_cost(inc.placements[std::size_t(i) - 1], direct, spec_2gpu(), {}).experts_moved);
    }
    // {0, 3}, {1, 2} on [4, 1, 2, 3] (7 and 3): one swap between the GPUs balances it (5 and 5), 2 experts move.
    EXPECT_EQ(inc.moved[1].experts_moved, 0); // fitted on the loads it was placed for: nothing pays
    EXPECT_DOUBLE_EQ(inc.busiest_over_mean[2], 1.0);
    EXPECT_EQ(inc.moved[2].experts_moved, 2);
}

TEST(DriftPlan, RejectsBadArguments) {
    const std::vector<ExpertLoad> loads = {load1({4, 3, 2, 1})};
    EXPECT_THROW(plan_drift({}, spec_2gpu(), hot_with_cold, 1, 1), ConfigError);
    EXPECT_THROW(plan_drift(loads, spec_2gpu(), hot_with_cold, 1, 0), ConfigError);
    EXPECT_THROW(plan_drift(loads, spec_2gpu(), hot_with_cold, -1, 1), ConfigError);
    EXPECT_THROW(plan_drift(loads, spec_2gpu(), nullptr, 1, 1), ConfigError);
}

TEST(DriftLoads, RunsMixedByTheHourSummedPerInterval) {
    // Two runs of shares [0.75, 0.25] and [0.25, 0.75]; 10-minute runs, 5-minute intervals. Minute m of a segment has
    // w = m / 9: interval 0 averages w = 2/9 (share of expert 0: 0.75 − 0.5 × 2/9), interval 1 w = 7/9; the next
    // segment goes back from run 1 to run 0 (cyclic).
    const std::vector<ExpertLoad> runs = {load1({3, 1}), load1({1, 3})};
    const auto l                       = interval_loads(runs, 10, 5, 20, 8, 1);
    ASSERT_EQ(l.size(), 4u);
    const auto share0 = [](const ExpertLoad& x) { return x.tokens[0] / (x.tokens[0] + x.tokens[1]); };
    EXPECT_NEAR(share0(l[0]), 0.75 - 0.5 * 2 / 9, 1e-3);
    EXPECT_NEAR(share0(l[1]), 0.75 - 0.5 * 7 / 9, 1e-3);
    EXPECT_NEAR(share0(l[2]), 0.25 + 0.5 * 2 / 9, 1e-3);
    EXPECT_NEAR(share0(l[3]), 0.25 + 0.5 * 7 / 9, 1e-3);
    // Each minute carries tokens_per_minute × topk = 10^6 × 8 (MixSpec's default) selections per layer, ± noise.
    EXPECT_NEAR(l[0].tokens[0] + l[0].tokens[1], 5 * 8e6, 5 * 8e6 * 1e-3);
    // A partial last interval is still whole; same seed, same loads; another seed, other noise.
    EXPECT_EQ(interval_loads(runs, 10, 5, 16, 8, 1).size(), 4u);
    EXPECT_EQ(interval_loads(runs, 10, 5, 20, 8, 1)[3].tokens, l[3].tokens);
    EXPECT_NE(interval_loads(runs, 10, 5, 20, 8, 2)[3].tokens, l[3].tokens);
    EXPECT_THROW(interval_loads({runs[0]}, 10, 5, 20, 8, 1), ConfigError);
    EXPECT_THROW(interval_loads({runs[0], load1({1, 1, 1})}, 10, 5, 20, 8, 1), ConfigError);
}

TEST(DriftClock, ExcessPerIntervalAndBatchAndOnePausePerUnitAndReplacement) {
    StepDrift d;
    d.period_s          = 100;
    d.ref_batch         = {4, 16};
    d.ref_step_s        = {1, 2};
    d.excess_s          = {1, 2, 0.5, 1, 0.1, 0.3};
    d.busiest_over_mean = {1.3, 1.2, 1.1};
    d.migration_s       = {0, 0.5, 0};
    d.series_batch      = 10;
    EXPECT_EQ(d.intervals(), 3);
    // Linear in batch: batch 10 is half-way from 4 to 16; the first's below; proportional to batch beyond the last.
    EXPECT_DOUBLE_EQ(d.excess_at(2, 10), 0.2);
    EXPECT_DOUBLE_EQ(d.excess_at(2, 1), 0.1);
    EXPECT_DOUBLE_EQ(d.excess_at(2, 32), 0.6);
    EXPECT_DOUBLE_EQ(d.factor_at(2, 10), 1 + 0.2 / 1.5); // over T(10, c_ref) = 1.5
    DriftClock c(&d);
    EXPECT_DOUBLE_EQ(c.step_s(0, 10, 10, 1), 2.5);   // interval 0: 1 + 1.5
    EXPECT_DOUBLE_EQ(c.step_s(0, 100, 10, 1), 2.25); // 1 + 0.75 + the re-placement at 100 s
    EXPECT_DOUBLE_EQ(c.step_s(0, 150, 10, 1), 1.75); // paid
    EXPECT_DOUBLE_EQ(c.step_s(1, 250, 16, 2), 2.8);  // unit 1 first steps in interval 2: 2 + 0.3 + the one at 100 s
    EXPECT_DOUBLE_EQ(c.step_s(1, 260, 16, 2), 2.3);  // once
    EXPECT_DOUBLE_EQ(c.step_s(0, 1e6, 4, 1), 1.1);   // past the end: the last interval
    double b = 0, f = 0;
    drift_at(&d, 150, b, f);
    EXPECT_DOUBLE_EQ(b, 1.2);
    EXPECT_DOUBLE_EQ(f, 1.5);
    drift_at(&d, 250, b, f);
    EXPECT_DOUBLE_EQ(f, 1 + 0.2 / 1.5); // at series_batch
    drift_at(nullptr, 150, b, f);
    EXPECT_EQ(b, 0);
    EXPECT_EQ(f, 0);
    DriftClock none(nullptr);
    EXPECT_DOUBLE_EQ(none.step_s(3, 10, 8, 0.7), 0.7);
}

} // namespace
} // namespace moetwin::serving
