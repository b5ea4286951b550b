// SPDX-License-Identifier: Apache-2.0
// What the GUI shows comes from the libraries and means something: the what-if choices equal the libraries'
// tables; the default cluster colouring varies on a real result; legends show distinct figures; dense layers are
// grey rows; link capacities say when they are calibrated; --metric follows the one name rule.
#include "engine/gpu_spec.hpp"
#include "engine/model_spec.hpp"
#include "gui/format.hpp"
#include "gui/gpu_metrics.hpp"
#include "gui/gui_args.hpp"
#include "gui/heatmaps.hpp"
#include "gui/link_capacity.hpp"
#include "gui/scenario_knobs.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/result/result_json.hpp"
#include "sim/scenario_enums.hpp"
#include "synthetic_result.hpp"
#include "topologies/cluster_spec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace moetwin::gui {
namespace {

template <class Range> std::vector<std::string> names_of(const Range& r) {
    std::vector<std::string> out;
    for (const auto& e : r)
        out.emplace_back(e.name);
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

RunResult golden_decode() { // a real simulated result: 1 node x 8 H800, DeepSeek-V3 truncated to 2 MoE layers
    return read_result_json(std::string(MOETWIN_SOURCE_DIR) + "/tests/golden/tiny_1node_ep8_decode.result.json");
}

TEST(GuiTables, WhatIfChoicesAreTheLibrariesTables) {
    const KnobOptions& o = knob_options();
    EXPECT_EQ(o.balancer_policies, names_of(balancer::placement_policies()));
    EXPECT_EQ(o.replica_policies, names_of(balancer::dispatch_policies()));
    EXPECT_EQ(o.gpus, names_of(gpu_catalogue()));
    EXPECT_EQ(o.models, names_of(model_catalogue()));
    EXPECT_EQ(o.overlaps, names_of(kOverlapSchedules));
    EXPECT_EQ(o.fabrics, names_of(kFabricKinds));
    EXPECT_EQ(o.all_to_all_modes, names_of(kAllToAllModes));
    // The symptoms: policies that do not exist were offered, real ones hidden, GPUs in the wrong case.
    EXPECT_FALSE(contains(o.balancer_policies, "local_search"));
    EXPECT_FALSE(contains(o.balancer_policies, "milp"));
    EXPECT_TRUE(contains(o.balancer_policies, "lpt_swap"));
    EXPECT_TRUE(contains(o.balancer_policies, "group_affine"));
    EXPECT_TRUE(contains(o.gpus, "h800"));
    EXPECT_FALSE(contains(o.gpus, "H800"));
}

TEST(GuiTables, DefaultClusterMetricVariesOnARealResult) {
    const RunResult r = golden_decode();
    ASSERT_TRUE(r.summary.timing_simulated);
    // busy % is 100.0 % on every GPU of a real step (they wait inside the all-to-alls): colouring by it is noise.
    EXPECT_FALSE(values_vary(gpu_values(r, GpuMetric::BusyFraction)));
    const GpuMetric m = default_gpu_metric(r);
    EXPECT_NE(m, GpuMetric::BusyFraction);
    EXPECT_EQ(m, GpuMetric::TokensReceived); // 650..690 tokens per GPU
    const std::vector<double> v = gpu_values(r, m);
    EXPECT_TRUE(values_vary(v));
    EXPECT_EQ(*std::min_element(v.begin(), v.end()), 650);
    EXPECT_EQ(*std::max_element(v.begin(), v.end()), 690);
}

TEST(GuiTables, LegendLabelsAreDistinct) {
    // The legend: busy % spanning 99.966-100.0 % read "100.0 % 100.0 % 100.0 %".
    const LegendLabels busy = legend_labels(0.99966, 1.0, Unit::Fraction);
    EXPECT_EQ(busy.lo, "99.97 %");
    EXPECT_EQ(busy.mid, "99.98 %");
    EXPECT_EQ(busy.hi, "100.00 %");
    const LegendLabels ns = legend_labels(1'234'000, 1'236'000, Unit::Ns); // 1.234 / 1.235 / 1.236 ms
    EXPECT_EQ(ns.lo, "1.234 ms");
    EXPECT_EQ(ns.mid, "1.235 ms");
    EXPECT_EQ(ns.hi, "1.236 ms");
    const LegendLabels wide = legend_labels(0, 1000, Unit::Count); // already distinct: the usual format
    EXPECT_EQ(wide.lo, "0");
    EXPECT_EQ(wide.mid, "500");
    EXPECT_EQ(wide.hi, "1.00 k");
    const LegendLabels flat = legend_labels(0.5, 0.5, Unit::Fraction); // one value: nothing to distinguish
    EXPECT_EQ(flat.lo, flat.hi);
}

TEST(GuiTables, DenseLayersAreGreyRows) {
    const RunResult r = test::make_synthetic_result(test::synthetic_small()); // layer 0 dense, then MoE layers
    ASSERT_TRUE(is_dense_layer(r, 0));
    ASSERT_FALSE(is_dense_layer(r, 1));
    for (int i = 0; i < kNumLayerGpuMetrics; ++i) {
        const Matrix m = layer_gpu_matrix(r, LayerGpuMetric(i));
        for (int g = 0; g < m.cols; ++g) {
            EXPECT_FALSE(m.has(0, g)) << "metric " << i << " GPU " << g;
            EXPECT_TRUE(m.has(1, g)) << "metric " << i << " GPU " << g;
        }
    }
}

TEST(GuiTables, LinkCapacitiesSayTheyAreCalibrated) {
    const LinkCapacityBasis b = link_capacity_basis(golden_decode());
    EXPECT_TRUE(b.known);
    EXPECT_TRUE(b.calibrated);
    EXPECT_EQ(b.deepep, "v1_2025_06_nvlink");
    EXPECT_DOUBLE_EQ(b.nvlink_efficiency, 0.83);
    EXPECT_DOUBLE_EQ(b.ib_efficiency, 0.89);
    EXPECT_NE(b.describe().find("calibrated capacities, not nominal"), std::string::npos) << b.describe();
    EXPECT_NE(b.describe().find("NVLink 0.83"), std::string::npos) << b.describe();
    RunResult bare;
    EXPECT_FALSE(link_capacity_basis(bare).known); // scenario_json "{}"
}

TEST(GuiTables, MetricFlagFollowsTheNameRule) {
    EXPECT_EQ(parse_gui_args({"r.json", "--metric", "compute_time"}).metric, "compute_time");
    for (const NameEntry<GpuMetric>& e : kGpuMetrics)
        EXPECT_EQ(parse_gui_args({"--metric", std::string(e.name)}).metric, e.name);
    try {
        parse_gui_args({"--metric", "Busy"});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).substr(0, 86),
                  "--metric: \"Busy\" is not a known GPU metric (names are lowercase; did you mean \"busy\"?)");
    }
}

} // namespace
} // namespace moetwin::gui
