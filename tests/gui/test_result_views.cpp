// SPDX-License-Identifier: Apache-2.0
// What the panels show, computed without ImGui: per-GPU metrics, heatmap matrices, link groups, A/B diff.
#include "gui/gpu_metrics.hpp"
#include "gui/heatmaps.hpp"
#include "gui/link_groups.hpp"
#include "gui/result_diff.hpp"
#include "synthetic_result.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace moetwin::gui {
namespace {

// 1 node x 2 GPUs, 2 layers (layer 0 dense), 3 experts in 4 slots (expert 2 twice).
RunResult tiny() {
    RunResult r;
    r.meta.moetwin_version = "0.1.0";
    r.meta.scenario = "tiny", r.meta.model = "deepseek_v3", r.meta.phase = "decode";
    r.meta.num_nodes = 1, r.meta.gpus_per_node = 2, r.meta.num_gpus = 2, r.meta.num_layers = 2;
    r.meta.num_micro_batches = 1, r.meta.compute_source = "roofline", r.meta.network_model = "CM02";
    r.summary.step_time_ns = 1000, r.summary.tokens_per_step = 10;
    for (int g = 0; g < 2; ++g) {
        GpuCounters c;
        c.gpu = g, c.local_rank = g, c.tokens_received = 10 + 30 * g, c.idle_ns = 400 - 300 * g;
        c.busy_compute_ns = 500 + 100 * g;
        r.gpus.push_back(c);
    }
    r.layer_gpu.tokens_received = {{0, 0}, {10, 40}};
    r.layer_gpu.compute_ns      = {{100, 100}, {200, 500}};
    r.links                     = {{"a", "nvlink", "x", "y", 1e9, 500, 500, 0},
                                   {"b", "ib", "x", "z", 1e9, 250, 250, 0},
                                   {"c", "nvlink", "y", "x", 1e9, 100, 100, 0}};
    r.experts.num_experts = 3, r.experts.slots_per_gpu = 2;
    r.experts.tokens  = {{}, {6, 12, 30}};
    r.experts.phy2log = {{}, {0, 2, 1, 2}};
    fill_summary(r);
    validate(r);
    return r;
}

TEST(GpuMetrics, ValuesAndAvailability) {
    const RunResult r = tiny();
    EXPECT_EQ(gpu_values(r, GpuMetric::TokensReceived), (std::vector<double>{10, 40}));
    EXPECT_EQ(gpu_values(r, GpuMetric::BusyFraction), (std::vector<double>{0.6, 0.9}));
    EXPECT_DOUBLE_EQ(imbalance({10, 40}), 40.0 / 25.0);
    const auto nodes = per_node(r, {10, 40});
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes[0].argmax_gpu, 1);
    EXPECT_DOUBLE_EQ(nodes[0].mean, 25);
    RunResult loads_only                = r;
    loads_only.summary.timing_simulated = false;
    EXPECT_FALSE(metric_available(loads_only, GpuMetric::BusyFraction));
    EXPECT_TRUE(metric_available(loads_only, GpuMetric::TokensReceived));
}

TEST(Heatmaps, LayerGpu) {
    const RunResult r = tiny();
    const Matrix t    = layer_gpu_matrix(r, LayerGpuMetric::TokensReceived);
    EXPECT_EQ(t.rows, 2);
    EXPECT_EQ(t.cols, 2);
    EXPECT_EQ(t.at(1, 1), 40);
    const Matrix idle = layer_gpu_matrix(r, LayerGpuMetric::Idle);
    EXPECT_EQ(idle.at(1, 0), 300); // waits 500 - 200 for GPU 1
    EXPECT_EQ(idle.at(1, 1), 0);
    EXPECT_EQ(idle.unit, Unit::Ns);
    const Matrix rel = layer_gpu_matrix(r, LayerGpuMetric::RelativeLoad);
    EXPECT_DOUBLE_EQ(rel.at(1, 1), 40.0 / 25.0);
    for (const Matrix* m : {&t, &idle, &rel}) // the dense layer has no data: a grey row, outside the scale
        EXPECT_FALSE(m->has(0, 0) || m->has(0, 1));
}

TEST(Heatmaps, ExpertsAndPlacement) {
    const RunResult r = tiny();
    const Matrix e    = expert_matrix(r, ExpertMetric::Tokens);
    EXPECT_FALSE(e.has(0, 0)); // dense layer: no data
    EXPECT_EQ(e.at(1, 2), 30);
    EXPECT_EQ(expert_matrix(r, ExpertMetric::PerReplica).at(1, 2), 15);
    EXPECT_DOUBLE_EQ(expert_matrix(r, ExpertMetric::RelativeLoad).at(1, 2), 30.0 / 16.0);
    const auto reps = replica_counts(r);
    EXPECT_EQ(reps[1], (std::vector<int>{1, 1, 2}));
    EXPECT_EQ(reps[0], (std::vector<int>{0, 0, 0}));
    EXPECT_EQ(gpus_hosting(r, 1, 2), (std::vector<int>{0, 1}));
    EXPECT_EQ(gpus_hosting(r, 0, 2), std::vector<int>{});
    EXPECT_EQ(experts_on_gpu(r, 1, 1), (std::vector<int>{1, 2}));
}

TEST(LinkGroups, PerKind) {
    const RunResult r = tiny();
    const auto kinds  = link_kind_stats(r);
    ASSERT_EQ(kinds.size(), 2u);
    EXPECT_EQ(kinds[0].kind, "nvlink");
    EXPECT_EQ(kinds[0].count, 2);
    EXPECT_DOUBLE_EQ(kinds[0].max_util, 0.5);
    EXPECT_EQ(kinds[0].busiest, 0);
    EXPECT_DOUBLE_EQ(kinds[0].mean_util, 0.3);
    EXPECT_EQ(kinds[1].kind, "ib");
    EXPECT_EQ(links_by_utilisation(r, ""), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(links_by_utilisation(r, "nvlink"), (std::vector<int>{0, 2}));
    const auto h = utilisation_histogram(r, "nvlink", 10);
    EXPECT_EQ(h[5], 1.0f); // 0.5
    EXPECT_EQ(std::accumulate(h.begin(), h.end(), 0.0f), 2.0f);
}

TEST(ResultDiff, RowsVerdictsAndSetup) {
    const RunResult a      = tiny();
    RunResult b            = a;
    b.summary.step_time_ns = 800; // faster
    b.meta.scenario        = "tiny_whatif";
    fill_summary(b);
    const auto rows = compare_results(a, b);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0].name, "step time");
    EXPECT_EQ(rows[0].verdict(), +1);
    EXPECT_DOUBLE_EQ(*rows[0].relative(), -0.2);
    const auto tps = std::find_if(rows.begin(), rows.end(), [](auto& r) { return r.name == "tokens/s per GPU"; });
    ASSERT_NE(tps, rows.end());
    EXPECT_EQ(tps->verdict(), +1);
    EXPECT_EQ(setup_differences(a, b), std::vector<std::string>{"meta.scenario: tiny -> tiny_whatif"});
    EXPECT_EQ(gpu_delta(a, b, GpuMetric::TokensReceived), (std::vector<double>{0, 0}));
    b.summary.timing_simulated = false;
    EXPECT_FALSE(compare_results(a, b)[0].available);
    EXPECT_EQ(compare_results(a, b)[0].verdict(), 0);
}

TEST(SyntheticResult, SmallIsValidAndBalancedByPlacement) {
    const RunResult r = test::make_synthetic_result(test::synthetic_small());
    EXPECT_EQ(r.meta.num_gpus, 16);
    EXPECT_FALSE(r.spans.empty());
    // Placement spreads load: GPU imbalance is far below the raw expert hot-spot factor.
    EXPECT_LT(imbalance(gpu_values(r, GpuMetric::TokensReceived)), expert_hotspot_factor(r));
    auto spec         = test::synthetic_small();
    spec.timing       = false;
    const RunResult n = test::make_synthetic_result(spec);
    EXPECT_TRUE(n.spans.empty());
    EXPECT_FALSE(n.summary.timing_simulated);
}

} // namespace
} // namespace moetwin::gui
