// SPDX-License-Identifier: Apache-2.0
// Recorded loads come out as recorded (issue 12, item 2): the coarse fit (moe/marginal_fit.hpp)
// on a gate whose marginals have a closed form, the load controller (moe/load_control.hpp) by
// hand, the gate tables' in-place reweighting, and whole steps planned on every recorded file at
// the EP144 decode and EP32 prefill token counts (planner only, no SimGrid).
#include "common/errors.hpp"
#include "engine/roofline.hpp"
#include "moe/expert_load_json.hpp"
#include "moe/load_control.hpp"
#include "moe/marginal_fit.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "sim/scenario.hpp"
#include "sim/step/expert_popularity.hpp"
#include "sim/step/gate_tables.hpp"
#include "sim/step/popularity_report.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_result.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <vector>

namespace moetwin::step {
namespace {

// 8 experts in 2 groups of 4, top-1 group, top-2 experts: a token takes group g with probability
// W_g / W, then two of its experts by Plackett-Luce, so P(e) = W_g / W x (w_e / W_g +
// sum_{j != e in g} w_j / W_g x w_e / (W_g - w_j)); the selection share is P(e) / 2.
void exact_shares(std::span<const double> w, std::span<double> shares) {
    double total = 0;
    for (double x : w)
        total += x;
    for (int e = 0; e < 8; ++e) {
        const int g = e / 4;
        double wg   = 0;
        for (int j = 4 * g; j < 4 * g + 4; ++j)
            wg += w[std::size_t(j)];
        double in = w[std::size_t(e)] / wg;
        for (int j = 4 * g; j < 4 * g + 4; ++j)
            if (j != e) in += w[std::size_t(j)] / wg * w[std::size_t(e)] / (wg - w[std::size_t(j)]);
        shares[std::size_t(e)] = wg / total * in / 2;
    }
}

TEST(MarginalFit, ConvergesToTheTargetOnAClosedFormGate) {
    // Group 0 holds half the selections, expert 0 a fifth: as weights these come out as 0.175 for
    // expert 0 (it cannot be picked twice by a token), so the fit must raise it.
    const std::vector<double> target{0.2, 0.1, 0.1, 0.1, 0.15, 0.15, 0.1, 0.1};
    std::vector<double> raw(8);
    exact_shares(target, raw);
    // P(g0) = 0.5; inclusion 0.2 / 0.5 + 3 x (0.1 / 0.5) x 0.2 / 0.4 = 0.7; share 0.5 x 0.7 / 2.
    EXPECT_NEAR(raw[0], 0.175, 1e-12);
    MarginalFitSpec spec;
    spec.max_rounds       = 200;
    spec.tolerance        = 1e-10;
    const MarginalFit fit = fit_marginals(target, exact_shares, spec);
    EXPECT_GT(fit.tv_initial, 0.005);
    EXPECT_LT(fit.tv_final, 1e-9);
    std::vector<double> got(8);
    exact_shares(fit.weights, got);
    for (int e = 0; e < 8; ++e)
        EXPECT_NEAR(got[std::size_t(e)], target[std::size_t(e)], 1e-9) << e;
    EXPECT_GT(fit.weights[0] / fit.weights[1], 2.0); // the hot expert gets more than its share's ratio
    // Deterministic.
    EXPECT_EQ(fit_marginals(target, exact_shares, spec).weights, fit.weights);
}

TEST(MarginalFit, TakeLastStepReturnsTheUnevaluatedUpdate) {
    // One round: w1 = target x target / realised(target), normalised to mean 1 (the coarse fit of
    // the step's router). Expert 0: 0.2 x 0.2 / 0.175; expert 1: 0.1 x 0.1 / realised(1).
    const std::vector<double> target{0.2, 0.1, 0.1, 0.1, 0.15, 0.15, 0.1, 0.1};
    std::vector<double> raw(8);
    exact_shares(target, raw);
    const MarginalFit fit = fit_marginals(target, exact_shares, {1, 0.0, true});
    EXPECT_EQ(fit.rounds, 1);
    EXPECT_EQ(fit.tv_final, fit.tv_initial); // only the target was evaluated
    EXPECT_NEAR(fit.weights[0] / fit.weights[1], (0.2 * 0.2 / 0.175) / (0.1 * 0.1 / raw[1]), 1e-12);
    double sum = 0;
    for (double w : fit.weights)
        sum += w;
    EXPECT_NEAR(sum, 8.0, 1e-12);
    // Without take_last_step one round returns the target itself (mean 1).
    EXPECT_NEAR(fit_marginals(target, exact_shares, {1, 0.0, false}).weights[0], 0.2 * 8, 1e-12);
}

TEST(MarginalFit, RejectsBadInput) {
    EXPECT_THROW(fit_marginals(std::vector<double>(8, 0.0), exact_shares), ConfigError);
    MarginalFitSpec spec;
    spec.max_rounds = 0;
    EXPECT_THROW(fit_marginals(std::vector<double>(8, 1.0), exact_shares, spec), ConfigError);
}

TEST(LoadController, OneUpdateByHand) {
    // Two experts, shares 0.75 / 0.25 (target 3 : 1), one selection per token, 10 tokens of which
    // expert 0 took 9: expected 7.5 / 2.5; scale = 7.5 / 2.5; error +0.2 / -0.6 batches.
    LoadControlSpec spec; // gain 0.8, integral gain 0.2: step = (0.8 + 0.2) x error
    LoadController c(std::vector<double>{3, 1}, std::vector<double>{2, 0.5}, 1, spec);
    c.add_selection(0, 9);
    c.add_selection(1, 1);
    c.add_tokens(10);
    EXPECT_TRUE(c.pending());
    EXPECT_DOUBLE_EQ(c.total_variation(), 0.15); // 0.5 x (|0.9 - 0.75| + |0.1 - 0.25|)
    std::vector<double> w(2);
    c.update(w);
    EXPECT_FALSE(c.pending());
    EXPECT_DOUBLE_EQ(w[0], 2 * std::exp(-0.2));
    EXPECT_DOUBLE_EQ(w[1], 0.5 * std::exp(0.6));
    // A second batch of 10 with 8 / 2: counts 17 / 3 against 15 / 5, errors +2 / 7.5 and -2 / 2.5;
    // the integral term adds the first batch's errors: steps 0.8 x 0.2667 + 0.2 x 0.4667 and
    // 0.8 x (-0.8) + 0.2 x (-1.4).
    c.add_selection(0, 8);
    c.add_selection(1, 2);
    c.add_tokens(10);
    c.update(w);
    EXPECT_NEAR(w[0], 2 * std::exp(-(0.8 * 2 / 7.5 + 0.2 * (0.2 + 2 / 7.5))), 1e-12);
    EXPECT_NEAR(w[1], 0.5 * std::exp(0.8 * 0.8 + 0.2 * 1.4), 1e-12);
    EXPECT_EQ(c.batches(), 2);
    // The step is clamped at e^2: four equal experts, all 20 selections on expert 0 (error +3
    // batches, step 3) slow it by e^2 = 7.4x, not more; the others (error -1) gain e^1.
    LoadController d(std::vector<double>(4, 1.0), std::vector<double>(4, 1.0), 1, spec);
    d.add_selection(0, 20);
    d.add_tokens(20);
    std::vector<double> w4(4);
    d.update(w4);
    EXPECT_DOUBLE_EQ(w4[0], std::exp(-2.0));
    EXPECT_DOUBLE_EQ(w4[1], std::exp(1.0));
}

TEST(LoadController, RejectsBadInput) {
    const std::vector<double> one{1, 1};
    EXPECT_THROW(LoadController(std::vector<double>{0, 0}, one, 1), ConfigError);
    EXPECT_THROW(LoadController(one, std::vector<double>{1, 0}, 1), ConfigError);
    EXPECT_THROW(LoadController(one, std::vector<double>{1}, 1), ConfigError);
    EXPECT_THROW(LoadController(one, one, 0), ConfigError);
    EXPECT_THROW(LoadController(one, one, 1, {0.0, 0.2}), ConfigError);
    EXPECT_THROW(LoadController(one, one, 1, {0.8, -0.1}), ConfigError);
    EXPECT_EQ(control_batch_tokens(18432), 4608); // 4 per micro-batch (load_control.cpp)
    EXPECT_EQ(control_batch_tokens(100), 256);    // the smallest batch
}

TEST(GateTables, ReweightDrawsExactlyAsNewTables) {
    // DeepSeek-V3's gate over 4 nodes (experts homed round-robin by group halves), reweighted from
    // uniform to skewed weights: the same uniforms give the same draws as tables built afresh.
    const GateSpec g{256, 8, 4, 8};
    std::vector<int> home(256);
    for (int e = 0; e < 256; ++e)
        home[std::size_t(e)] = (e / 16) % 4;
    std::vector<double> w0(256, 1.0), w1(256);
    for (int e = 0; e < 256; ++e)
        w1[std::size_t(e)] = 1.0 + double((e * 37) % 101) / 10.0;
    GateTables moved(g, w0, home, 4), fresh(g, w1, home, 4);
    moved.reweight(w1);
    Rng a(7), b(7);
    for (int t = 0; t < 2000; ++t) {
        const int sa = moved.draw_subset(a), sb = fresh.draw_subset(b);
        ASSERT_EQ(sa, sb);
        ASSERT_EQ(moved.expert_draw(sa)(a), fresh.expert_draw(sb)(b));
        ASSERT_EQ(moved.num_nodes(sa), fresh.num_nodes(sb));
        const int node = home[std::size_t(moved.groups(sa)[0] * 32)];
        ASSERT_EQ(moved.node_lists(sa).draw(node, a), fresh.node_lists(sb).draw(node, b));
        ASSERT_EQ(moved.node_lists(sa).weight[node], fresh.node_lists(sb).weight[node]);
    }
}

// TV per MoE layer between a plan's routed loads (all micro-batches) and the recording's rows.
// The MTP pass (decode with draft tokens) has no recorded row and is left out.
std::vector<double> layer_tvs(const StepPlan& p, const ExpertLoad& rec, int num_dense) {
    std::vector<double> out;
    for (int l = 0; l < p.num_moe - p.num_mtp; ++l)
        out.push_back(routed_tv(rec.layer(num_dense + l),
                                std::span<const LayerRouting>(p.routing).subspan(std::size_t(l * p.micro_batches),
                                                                                 std::size_t(p.micro_batches))));
    return out;
}

// Plans scenario `path` with its popularity from `loads` (empty: the scenario's own) and checks
// every MoE layer's TV <= 1 % at the scenario's token count; returns the TVs.
std::vector<double> check_every_layer(const std::string& path, const std::filesystem::path& loads = {}) {
    Scenario s = load_scenario(path);
    if (!loads.empty()) s.routing.loads_path = loads;
    const RooflineModel roof(s.gpu);
    const StepPlan p      = plan_step(s, roof);
    const ModelSpec& full = find_model(s.model.name);
    const ExpertLoad rec  = load_expert_load(s.routing.loads_path);
    EXPECT_EQ(rec.num_layers, full.num_layers) << s.routing.loads_path;
    const std::vector<double> tv = layer_tvs(p, rec, full.num_dense_layers);
    EXPECT_EQ(int(tv.size()), 58);
    for (std::size_t l = 0; l < tv.size(); ++l)
        EXPECT_LE(tv[l], 0.01) << s.routing.loads_path << " MoE layer " << l;
    return tv;
}

double mean(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

// The figures: at layer 30 the recording sends 37.4 % of selections to group 0 and 4.01 %
// to its hottest expert (recorded loads as weights gave 48 % and 4.9 %). Measured: 0.43 % mean,
// 0.47 % max TV per layer (recorded loads as weights: 8.5 % / 14.4 %).
TEST(RecordedLoads, DecodeEp144EveryLayerFollowsTheRecording) {
    const std::string path       = "scenarios/deepseek_v3_decode_ep144_recorded_loads.json";
    const std::vector<double> tv = check_every_layer(path);
    EXPECT_LT(mean(tv), 0.006);
    Scenario s = load_scenario(path);
    const RooflineModel roof(s.gpu);
    const StepPlan p     = plan_step(s, roof);
    const ExpertLoad rec = load_expert_load(s.routing.loads_path);
    const int layer = 30, moe = layer - p.num_dense;
    std::vector<double> got(256, 0.0);
    for (int m = 0; m < p.micro_batches; ++m)
        for (int e = 0; e < 256; ++e)
            got[std::size_t(e)] += double(p.route(layer, m).expert_selections[std::size_t(e)]);
    const auto row   = rec.layer(layer);
    const double sg  = std::accumulate(got.begin(), got.end(), 0.0);
    const double sr  = std::accumulate(row.begin(), row.end(), 0.0);
    const double g0  = std::accumulate(got.begin(), got.begin() + 32, 0.0) / sg;
    const double r0  = std::accumulate(row.begin(), row.begin() + 32, 0.0) / sr;
    const double hot = *std::max_element(got.begin(), got.end()) / sg;
    const double rh  = *std::max_element(row.begin(), row.end()) / sr;
    EXPECT_NEAR(r0, 0.374, 0.0005);
    EXPECT_NEAR(rh, 0.0401, 0.00005);
    EXPECT_NEAR(g0, r0, 0.003) << "MoE layer " << moe;
    EXPECT_NEAR(hot, rh, 0.0005);
    bool noted = false;
    for (const auto& n : p.notes)
        noted = noted || n.starts_with("recorded loads held per MoE layer");
    EXPECT_TRUE(noted);
}

// Measured: 0.31 % mean, 0.35 % max (recorded loads as weights: 8.0 % / 13.3 %).
TEST(RecordedLoads, PrefillEp32EveryLayerFollowsTheRecording) {
    EXPECT_LT(mean(check_every_layer("scenarios/deepseek_v3_prefill_ep32.json")), 0.006);
}

std::vector<std::filesystem::path> shared_recordings() {
    std::vector<std::filesystem::path> out;
    const std::filesystem::path dir = std::filesystem::path(MOETWIN_SHARED_DIR) / "data/expert_load";
    if (std::filesystem::is_directory(dir))
        for (const auto& f : std::filesystem::directory_iterator(dir))
            if (f.path().extension() == ".json") out.push_back(f.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Every recording of ../shared at both token counts. Measured (8 files): 0.42-0.44 % mean and at
// most 0.52 % per layer at decode EP144, 0.31-0.33 % / 0.37 % at prefill EP32.
TEST(RecordedLoads, EverySharedRecordingAtTheDecodeTokenCount) {
    const auto files = shared_recordings();
    if (files.empty()) GTEST_SKIP() << "no ../shared/data/expert_load";
    for (const auto& f : files)
        check_every_layer("scenarios/deepseek_v3_decode_ep144_recorded_loads.json", f);
}

TEST(RecordedLoads, EverySharedRecordingAtThePrefillTokenCount) {
    const auto files = shared_recordings();
    if (files.empty()) GTEST_SKIP() << "no ../shared/data/expert_load";
    for (const auto& f : files)
        check_every_layer("scenarios/deepseek_v3_prefill_ep32.json", f);
}

// The realised balance `moetwin run` reports against `moetwin balance`'s figure for the same
// placement (busiest GPU / mean from the loads, each replica carrying load / replica count;
// `moetwin balance --loads decode_in1000out1000.json --gpus 144 --nodes 18 --policy eplb` prints
// 1.1607 mean, 1.4085 worst). The routed figure can differ by the per-expert counts' residual error
// (the controller holds them to about one batch's noise, ~1 % of a GPU's ~2,000 selections per
// layer) and by taking the busiest of 144 noisy GPUs, which biases it up by about 2 sigma:
// expected within 1.5 % per layer on the mean, 3 % on the worst layer, 2 % for node figures.
// Measured: GPU busiest / mean 1.1642 per layer (loads: 1.1607), worst layer 1.4106 (1.4085);
// node busiest / mean 1.1390 (1.1394), node max / min over the step 1.2206 (1.2235).
TEST(RecordedLoads, RoutedBalanceAgreesWithMoetwinBalance) {
    Scenario s                  = load_scenario("scenarios/deepseek_v3_decode_ep144_recorded_loads.json");
    s.workload.mtp_draft_tokens = 0; // the recording's 58 layers; the MTP pass is not in `moetwin balance`
    const RooflineModel roof(s.gpu);
    const StepPlan p      = plan_step(s, roof);
    const ModelSpec& full = find_model(s.model.name);
    const ExpertLoad pop  = expert_popularity(s, full, p.model);
    Summary routed;
    fill_routed_balance(routed, p);
    const balancer::BalanceSummary loads = balancer::busiest_over_mean(p.placement, p.placement_spec, pop);
    EXPECT_NEAR(loads.mean_ratio, 1.1607, 0.0001); // the CLI's figure: the same placement
    EXPECT_NEAR(routed.gpu_balance_layer_mean / loads.mean_ratio, 1.0, 0.015);
    EXPECT_NEAR(routed.gpu_balance_layer_worst / loads.worst_ratio, 1.0, 0.03);
    // Node figures from the loads: GPU loads summed per node, per layer and over the step.
    const int gpn = p.gpus_per_node, nodes = p.num_gpus / gpn;
    std::vector<double> step_node(std::size_t(nodes), 0.0);
    double node_layer_mean = 0;
    for (int l = 0; l < pop.num_layers; ++l) {
        const std::vector<double> gpu = balancer::gpu_loads(p.placement, p.placement_spec, pop, l);
        std::vector<double> node(std::size_t(nodes), 0.0);
        for (int g = 0; g < p.num_gpus; ++g)
            node[std::size_t(g / gpn)] += gpu[std::size_t(g)];
        for (int n = 0; n < nodes; ++n)
            step_node[std::size_t(n)] += node[std::size_t(n)];
        node_layer_mean += *std::max_element(node.begin(), node.end()) / mean(node) / pop.num_layers;
    }
    const double max_over_min =
        *std::max_element(step_node.begin(), step_node.end()) / *std::min_element(step_node.begin(), step_node.end());
    EXPECT_NEAR(routed.node_balance_layer_mean / node_layer_mean, 1.0, 0.02);
    EXPECT_NEAR(routed.node_max_over_min_step / max_over_min, 1.0, 0.02);
    EXPECT_LT(routed.node_max_over_min_step, 1.3); // the 1.6 with recorded loads as weights
}

TEST(RecordedLoads, DeterministicAndSeeded) {
    Scenario s             = load_scenario("scenarios/deepseek_v3_decode_ep144_recorded_loads.json");
    s.model.num_moe_layers = 3;
    const RooflineModel roof(s.gpu);
    const StepPlan a = plan_step(s, roof), b = plan_step(s, roof);
    ASSERT_EQ(a.routing.size(), b.routing.size());
    for (std::size_t i = 0; i < a.routing.size(); ++i) {
        EXPECT_EQ(a.routing[i].expert_selections, b.routing[i].expert_selections);
        EXPECT_EQ(a.routing[i].slot_selections, b.routing[i].slot_selections);
    }
    EXPECT_EQ(a.notes, b.notes);
    s.seed           = 2;
    const StepPlan c = plan_step(s, roof);
    EXPECT_NE(a.routing[0].expert_selections, c.routing[0].expert_selections);
}

} // namespace
} // namespace moetwin::step
