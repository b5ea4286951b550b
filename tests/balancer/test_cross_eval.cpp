// SPDX-License-Identifier: Apache-2.0
// Out-of-sample judgement (cross_evaluate, pooled_load) on hand-computed cases, and mixed loads.
#include "common/errors.hpp"
#include "sim/balancer/cross_eval.hpp"
#include "sim/balancer/load_mix.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace moetwin;
using namespace moetwin::balancer;

namespace {

// 4 experts, 4 slots, 2 GPUs of one node, 1 group: no redundancy, the placement only pairs experts.
const PlacementSpec kSpec{4, 1, 1, 2};

// A toy policy: GPU 0 gets the heaviest and the lightest expert, GPU 1 the middle two.
Placement heaviest_with_lightest(const ExpertLoad& load, const PlacementSpec&) {
    std::vector<int> order(4);
    std::iota(order.begin(), order.end(), 0);
    const auto row = load.layer(0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
    return make_placement(1, 4, 4, {order[0], order[3], order[1], order[2]});
}

std::vector<RecordedRun> runs() {
    return {
        {"prefill_a", {1, 4, {6, 3, 2, 1}}}, {"prefill_b", {1, 4, {1, 6, 2, 3}}}, {"decode_c", {1, 4, {1, 1, 1, 1}}}};
}

} // namespace

// Fitted on a: GPU0 {0,3}, GPU1 {1,2}: on a 7 | 5 → 7/6, on b 4 | 8 → 4/3.
// Fitted on b: GPU0 {1,0}, GPU1 {3,2}: on b 7 | 5 → 7/6, on a 9 | 3 → 3/2.
// Leave-one-out with two runs is the other run's placement (the policy is scale-free).
TEST(CrossEval, HandComputedPairsAndLeaveOneOut) {
    const auto rs = cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, {"prefill", kSpec, "prefill", 1});
    ASSERT_EQ(rs.size(), 1u);
    const CrossResult& r = rs[0];
    ASSERT_TRUE(r.skipped.empty());
    ASSERT_EQ(r.in.size(), 2u);
    ASSERT_EQ(r.out.size(), 2u);
    EXPECT_DOUBLE_EQ(r.in_mean(), 7.0 / 6);
    EXPECT_DOUBLE_EQ(r.out[0].ratio, 4.0 / 3);
    EXPECT_EQ(r.out[0].fit, "prefill_a");
    EXPECT_EQ(r.out[0].eval, "prefill_b");
    EXPECT_DOUBLE_EQ(r.out_mean(), (4.0 / 3 + 1.5) / 2);
    EXPECT_DOUBLE_EQ(r.out_worst(), 1.5);
    EXPECT_EQ(r.worst_pair()->fit, "prefill_b");
    EXPECT_DOUBLE_EQ(r.loo[0].ratio, 1.5); // a held out, fitted on b
    EXPECT_DOUBLE_EQ(r.loo[1].ratio, 4.0 / 3);
    EXPECT_EQ(r.fit_s.size(), 2u);
    EXPECT_GE(r.fit_max_s(), r.fit_median_s());
}

TEST(CrossEval, ScopeSelectsRunsAndSkipsWhatDoesNotApply) {
    const auto all = cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, {"any", kSpec, "", 1});
    EXPECT_EQ(all[0].out.size(), 6u);
    EXPECT_EQ(all[0].loo.size(), 3u);
    EXPECT_THROW((void)cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, {"decode", kSpec, "decode", 1}),
                 ConfigError);
    const Placer refuses{"refuses", [](const ExpertLoad&, const PlacementSpec&) -> Placement {
                             throw ConfigError("refuses: not for this spec");
                         }};
    const auto rs = cross_evaluate(runs(), {refuses}, {"prefill", kSpec, "prefill", 1});
    EXPECT_EQ(rs[0].skipped, "refuses: not for this spec");
    EXPECT_TRUE(rs[0].out.empty());
    auto bad    = runs();
    bad[1].load = {2, 4, std::vector<double>(8, 1.0)};
    EXPECT_THROW((void)cross_evaluate(bad, {{"toy", &heaviest_with_lightest}}, {"prefill", kSpec, "prefill", 1}),
                 ConfigError);
}

TEST(CrossEval, RegisteredPlacersNameThePolicies) {
    EXPECT_EQ(registered_placers({"eplb", "lpt_swap"}).size(), 2u);
    EXPECT_THROW((void)registered_placers({"no_such_policy"}), ConfigError);
    EXPECT_GE(registered_placers({}).size(), 7u);
}

TEST(CrossEval, PooledLoadNormalisesEachRun) {
    const auto r           = runs();
    const ExpertLoad p     = pooled_load({&r[0].load, &r[1].load});
    const double expect[4] = {6.0 / 12 + 1.0 / 12, 3.0 / 12 + 6.0 / 12, 2.0 / 12 + 2.0 / 12, 1.0 / 12 + 3.0 / 12};
    for (int e = 0; e < 4; ++e)
        EXPECT_DOUBLE_EQ(p.at(0, e), expect[e]);
}

// Max pooling: per expert the largest normalised share; the leave-one-out fit uses the rule of the spec
// and the split model of the spec measures (MinMax = Even here: no expert has two replicas).
TEST(CrossEval, PooledLoadMaxRuleAndSplitModel) {
    const auto r           = runs();
    const ExpertLoad p     = pooled_load({&r[0].load, &r[1].load}, PoolRule::Max);
    const double expect[4] = {6.0 / 12, 6.0 / 12, 2.0 / 12, 3.0 / 12};
    for (int e = 0; e < 4; ++e)
        EXPECT_DOUBLE_EQ(p.at(0, e), expect[e]);
    CrossSpec cs{"prefill", kSpec, "prefill", 1, ReplicaSplitModel::MinMax, PoolRule::Max};
    const auto rs = cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, cs);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_NEAR(rs[0].out_mean(), (4.0 / 3 + 3.0 / 2) / 2, 1e-12);
    EXPECT_EQ(table_parse(kPoolRuleNames, "max", "pool"), PoolRule::Max);
    EXPECT_THROW((void)table_parse(kPoolRuleNames, "median", "pool"), ConfigError);
    EXPECT_THROW((void)table_parse(kReplicaSplitNames, "Even", "split"), ConfigError);
}

// The split a result is measured under: CrossSpec's when set, else the placer's own (a registered
// policy's PlacementPolicy::min_max_split). A fixed placement on 2 GPUs × 3 slots, GPU 0 {0, 1, 2},
// GPU 1 {0, 3, 1}: on a (6, 3, 2, 1) the even split gives 3 + 1.5 + 2 = 6.5 | 3 + 1 + 1.5 = 5.5, 13/12
// of the mean 6; the min-max split moves 1 of expert 0 to GPU 1: 6 | 6. On b (1, 6, 2, 3): 5.5 | 6.5
// and 6 | 6 alike.
TEST(CrossEval, EachPlacerUnderItsOwnSplitUnlessTheSpecSetsOne) {
    const PlacementSpec spec{6, 1, 1, 2};
    const auto fixed = [](const ExpertLoad&, const PlacementSpec&) {
        return make_placement(1, 4, 6, {0, 1, 2, 0, 3, 1});
    };
    const std::vector<Placer> placers{{"for_even", fixed, ReplicaSplitModel::Even},
                                      {"for_minmax", fixed, ReplicaSplitModel::MinMax}};
    CrossSpec cs{"prefill", spec, "prefill", 1};
    cs.split      = std::nullopt;
    const auto rs = cross_evaluate(runs(), placers, cs);
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].split, ReplicaSplitModel::Even);
    EXPECT_DOUBLE_EQ(rs[0].in_mean(), 13.0 / 12);
    EXPECT_EQ(rs[1].split, ReplicaSplitModel::MinMax);
    EXPECT_DOUBLE_EQ(rs[1].in_mean(), 1.0);
    EXPECT_DOUBLE_EQ(rs[1].out_mean(), 1.0);
    cs.split = ReplicaSplitModel::Even; // set: every placer under it
    for (const CrossResult& r : cross_evaluate(runs(), placers, cs)) {
        EXPECT_EQ(r.split, ReplicaSplitModel::Even) << r.policy;
        EXPECT_DOUBLE_EQ(r.in_mean(), 13.0 / 12) << r.policy;
    }
    // The registered policies built for load_aware's split say so; EPLB's do not.
    for (const Placer& p :
         registered_placers({"eplb_global", "joint_minmax", "tree_partition", "replica_ring", "group_ring"}))
        EXPECT_EQ(p.split, p.name == "eplb_global" ? ReplicaSplitModel::Even : ReplicaSplitModel::MinMax) << p.name;
}

// drifted_load: σ = 0 is the identity; the same (seed, draw) the same copy, another draw another; the
// factors' logs have mean −σ²/2 and spread σ, and the factors mean 1 (14,848 entries: the sample mean's
// standard error is σ / 122).
TEST(CrossEval, DriftedLoadIsSeededLogNormalAndUnbiased) {
    ExpertLoad load{58, 256, std::vector<double>(58 * 256, 1000.0)};
    EXPECT_EQ(drifted_load(load, 0, 1, 0).tokens, load.tokens);
    const ExpertLoad a = drifted_load(load, 0.1, 1, 0), b = drifted_load(load, 0.1, 1, 0),
                     c = drifted_load(load, 0.1, 1, 1);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_NE(a.tokens, c.tokens);
    double mean = 0, log_mean = 0, log_sq = 0;
    const double n = double(a.tokens.size());
    for (double v : a.tokens) {
        const double f = v / 1000.0, l = std::log(f);
        mean += f / n, log_mean += l / n, log_sq += l * l / n;
    }
    EXPECT_NEAR(mean, 1.0, 0.004);
    EXPECT_NEAR(log_mean, -0.005, 0.004);
    EXPECT_NEAR(std::sqrt(log_sq - log_mean * log_mean), 0.1, 0.003);
}

// The drift column: one entry per run, the fitted placement on its own run drifted; at a vanishing σ it
// is the in-sample figure (7/6 on both prefill runs), for the floor row too. Bad σ and draw counts are
// refused.
TEST(CrossEval, DriftColumnAndItsBounds) {
    CrossSpec cs{"prefill", kSpec, "prefill", 1};
    cs.drift_sigma = 1e-12;
    const auto rs  = cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, cs);
    ASSERT_EQ(rs[0].drift.size(), 2u);
    EXPECT_EQ(rs[0].drift[0].fit, "prefill_a");
    EXPECT_EQ(rs[0].drift[0].eval, "prefill_a ~ σ 1e-12");
    EXPECT_NEAR(rs[0].drift_mean(), 7.0 / 6, 1e-9);
    const CrossResult fl = floor_result(runs(), cs);
    ASSERT_EQ(fl.drift.size(), 2u);
    EXPECT_NEAR(fl.drift_mean(), fl.in_mean(), 1e-9);
    cs.drift_sigma   = 0.5; // a real drift moves the figure, and the floor stays under the policy
    const auto moved = cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, cs);
    EXPECT_NE(moved[0].drift_mean(), rs[0].drift_mean());
    EXPECT_LE(floor_result(runs(), cs).drift_mean(), moved[0].drift_mean() + 1e-9);
    for (const double bad : {-0.1, 2.5}) {
        cs.drift_sigma = bad;
        EXPECT_THROW(cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, cs), ConfigError) << bad;
    }
    cs.drift_sigma = 0.1, cs.drift_draws = 0;
    EXPECT_THROW(cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, cs), ConfigError);
    EXPECT_TRUE(
        cross_evaluate(runs(), {{"toy", &heaviest_with_lightest}}, {"prefill", kSpec, "prefill", 1})[0].drift.empty());
}

TEST(LoadMix, MovesLinearlyFromOneRunToTheOther) {
    const ExpertLoad a{1, 4, {6, 3, 2, 1}}, b{1, 4, {1, 6, 2, 3}};
    MixSpec m;
    m.num_minutes       = 3;
    m.tokens_per_minute = 1e12; // noise sd = sqrt(mean): relative 1e-6
    const auto mins     = mixed_loads(a, b, m);
    ASSERT_EQ(mins.size(), 3u);
    const double total = m.tokens_per_minute * m.topk;
    for (int e = 0; e < 4; ++e) {
        EXPECT_NEAR(mins[0].at(0, e) / total, a.at(0, e) / 12, 1e-5);
        EXPECT_NEAR(mins[2].at(0, e) / total, b.at(0, e) / 12, 1e-5);
        EXPECT_NEAR(mins[1].at(0, e) / total, (a.at(0, e) + b.at(0, e)) / 24, 1e-5);
    }
    EXPECT_EQ(mixed_loads(a, b, m)[1].tokens, mins[1].tokens); // deterministic in the seed
    m.seed = 2;
    EXPECT_NE(mixed_loads(a, b, m)[1].tokens, mins[1].tokens);
    m.num_minutes = 1;
    EXPECT_THROW((void)mixed_loads(a, b, m), ConfigError);
    m.num_minutes = 3;
    EXPECT_THROW((void)mixed_loads(a, ExpertLoad{2, 4, std::vector<double>(8, 1.0)}, m), ConfigError);
}
