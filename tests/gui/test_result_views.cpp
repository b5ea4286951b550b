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

// Issue 15 defect 11: per-GPU counters near INT64_MAX (valid: each is at most step_time_ns = INT64_MAX). Their
// mean is 2^63 as a double, one past INT64_MAX: the summary formats it saturated, not wrapped negative.
TEST(GpuMetrics, MeanActivityNearInt64Max) {
    RunResult r            = tiny();
    r.summary.step_time_ns = INT64_MAX;
    for (GpuCounters& c : r.gpus)
        c.busy_compute_ns = INT64_MAX - c.gpu, c.idle_ns = INT64_MAX / 2, c.dispatch_ns = 3, c.combine_ns = 0;
    validate(r);
    const auto m = mean_activity_ns(r);
    EXPECT_DOUBLE_EQ(m[0], 9223372036854775808.0);
    EXPECT_DOUBLE_EQ(m[1], 3.0);
    EXPECT_DOUBLE_EQ(m[3], double(INT64_MAX / 2));
    EXPECT_EQ(format_value(m[0], Unit::Ns), format_ns(INT64_MAX));
    EXPECT_EQ(format_value(m[0], Unit::Ns).front(), '9');
}

// Issue 15 defect 8: a valid result of 2,000 layers (1,999 dense, one MoE layer) x 2^20 experts, about 9 MB
// as JSON, made the experts view allocate [2000][2^20] doubles (16 GiB) and as many replica counts (8 GiB).
// Columns are grouped instead: at most kMaxHeatmapCells cells, each the hottest expert of its group.
TEST(Heatmaps, HugeExpertCountIsGrouped) {
    constexpr int kLayers = 2000, kExperts = 1 << 20, kGpus = 8;
    RunResult r;
    r.meta.num_layers = kLayers, r.meta.num_gpus = kGpus;
    r.experts.num_experts   = kExperts;
    r.experts.slots_per_gpu = kExperts / kGpus + 1; // one redundant slot per GPU
    r.experts.tokens.resize(kLayers);
    r.experts.phy2log.resize(kLayers);
    auto& tok = r.experts.tokens.back();
    auto& p2l = r.experts.phy2log.back();
    tok.assign(kExperts, 1);
    tok[777'777]   = 500; // the hot spot
    tok[1'000'000] = 40;  // shares its column with nothing hotter
    for (int x = 0; x < kExperts; ++x)
        p2l.push_back(x);
    for (int g = 0; g < kGpus; ++g)
        p2l.push_back(777'777); // the hot expert has 1 + 8 copies
    const int group = heatmap_col_group(kLayers, kExperts);
    EXPECT_EQ(group, 501); // 2^22 cells / 2000 rows = 2097 columns at most: ceil(2^20 / 2097) experts each
    for (const ExpertMetric metric : {ExpertMetric::Tokens, ExpertMetric::RelativeLoad, ExpertMetric::PerReplica}) {
        const Matrix m = expert_matrix(r, metric);
        EXPECT_LE(int64_t(m.values.size()), kMaxHeatmapCells);
        EXPECT_EQ(m.rows, kLayers);
        EXPECT_EQ(m.col_group, group);
        EXPECT_EQ(m.cols, (kExperts + group - 1) / group);
        EXPECT_EQ(m.src_cols, kExperts);
        EXPECT_FALSE(m.has(0, 0)); // dense layers stay grey
        const int hot = 777'777 / group;
        EXPECT_EQ(m.source_cols(hot).first, hot * group);
        EXPECT_EQ(m.source_cols(m.cols - 1).second, kExperts);
        const double mean = (double(kExperts) + 499 + 39) / kExperts;
        if (metric == ExpertMetric::Tokens) EXPECT_EQ(m.at(kLayers - 1, hot), 500);
        if (metric == ExpertMetric::RelativeLoad) EXPECT_DOUBLE_EQ(m.at(kLayers - 1, hot), 500 / mean);
        // Per replica the hot expert carries 500 / 9 < 40 - its group's hottest is then a plain expert's 1.
        if (metric == ExpertMetric::PerReplica) EXPECT_DOUBLE_EQ(m.at(kLayers - 1, hot), 500.0 / 9);
        EXPECT_EQ(m.at(kLayers - 1, 1'000'000 / group), metric == ExpertMetric::RelativeLoad ? 40 / mean : 40);
        EXPECT_EQ(m.at(kLayers - 1, 0), metric == ExpertMetric::RelativeLoad ? 1 / mean : 1);
    }
    const auto reps = replica_counts(r, group);
    ASSERT_EQ(reps.size(), size_t(kLayers));
    EXPECT_EQ(reps.back().size(), size_t((kExperts + group - 1) / group));
    EXPECT_EQ(reps.back()[777'777 / group], 9);
    EXPECT_EQ(reps.back()[0], 1);
    EXPECT_EQ(reps[0][0], 0);
    const ReplicaSummary s = replica_summary(r);
    EXPECT_EQ(s.moe_layers, 1);
    EXPECT_EQ(s.copies_per_layer, 8);
    // The layer x GPU view of the same result is small: nothing grouped.
    r.layer_gpu.tokens_received.assign(kLayers, std::vector<int64_t>(kGpus, 1));
    EXPECT_EQ(layer_gpu_matrix(r, LayerGpuMetric::TokensReceived).col_group, 1);
    EXPECT_EQ(heatmap_col_group(61, 320), 1);
    EXPECT_EQ(heatmap_col_group(3, 10'000), 3); // 4096 columns at most, whatever the row count
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
