// SPDX-License-Identifier: Apache-2.0
// StageReport on a hand-built two-GPU, three-layer result (layer 0 dense, layers 1-2 MoE).
#include "sim/result/stage_report.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin {
namespace {

RunResult two_gpu_result() {
    RunResult r;
    r.meta.num_gpus = 2, r.meta.num_nodes = 1, r.meta.gpus_per_node = 2, r.meta.num_layers = 3;
    r.meta.num_micro_batches = 1;
    const uint16_t dense = intern_op(r, "dense"), attn = intern_op(r, "attn"), mlp = intern_op(r, "mlp"),
                   dispatch = intern_op(r, "dispatch");
    // GPU 0: dense [0,100), L1 attn [100,150), dispatch [150,170), mlp [170,200), L2 attn [200,260), dispatch
    // [260,300), mlp [300,340). GPU 1 the same with its MoE spans 10 ns longer and L2 starting at 220.
    r.spans = {
        {0, 100, 0, Lane::Compute, 0, 0, dense},       {100, 150, 0, Lane::Compute, 1, 0, attn},
        {170, 200, 0, Lane::Compute, 1, 0, mlp},       {200, 260, 0, Lane::Compute, 2, 0, attn},
        {300, 340, 0, Lane::Compute, 2, 0, mlp},       {150, 170, 0, Lane::Dispatch, 1, 0, dispatch},
        {260, 300, 0, Lane::Dispatch, 2, 0, dispatch}, {0, 100, 1, Lane::Compute, 0, 0, dense},
        {100, 160, 1, Lane::Compute, 1, 0, attn},      {180, 220, 1, Lane::Compute, 1, 0, mlp},
        {220, 290, 1, Lane::Compute, 2, 0, attn},      {330, 380, 1, Lane::Compute, 2, 0, mlp},
        {160, 180, 1, Lane::Dispatch, 1, 0, dispatch}, {290, 330, 1, Lane::Dispatch, 2, 0, dispatch},
    };
    sort_spans(r.spans);
    return r;
}

const StageTime& find(const StageReport& rep, const std::string& op) {
    for (const StageTime& t : rep.stages)
        if (t.op == op) return t;
    throw std::runtime_error("no stage " + op);
}

TEST(StageReport, MeansSlowestAndLayerPeriodByHand) {
    const StageReport rep = stage_report(two_gpu_result());
    EXPECT_EQ(rep.first_moe_layer, 1);
    EXPECT_EQ(rep.num_moe_layers, 2);
    ASSERT_EQ(rep.stages.size(), 3u); // attn, mlp (compute), dispatch; the dense layer is left out
    // attn: 50, 60, 60, 70 -> mean 60; slowest per layer 60 and 70 -> 65.
    EXPECT_DOUBLE_EQ(find(rep, "attn").mean_ns, 60);
    EXPECT_DOUBLE_EQ(find(rep, "attn").slowest_ns, 65);
    EXPECT_EQ(find(rep, "attn").count, 4);
    // mlp: 30, 40, 40, 50 -> 40; slowest 40 and 50 -> 45. dispatch: 20, 40, 20, 40 -> 30; slowest 20, 40 -> 30.
    EXPECT_DOUBLE_EQ(find(rep, "mlp").mean_ns, 40);
    EXPECT_DOUBLE_EQ(find(rep, "mlp").slowest_ns, 45);
    EXPECT_DOUBLE_EQ(find(rep, "dispatch").mean_ns, 30);
    EXPECT_EQ(find(rep, "dispatch").lane, Lane::Dispatch);
    // Layer periods: L0 -> L1 starts 100 on both; L1 -> L2: 100 (GPU 0) and 120 (GPU 1) -> 110.
    ASSERT_EQ(rep.layer_period_ns.size(), 2u);
    EXPECT_DOUBLE_EQ(rep.layer_period_ns[0], 100);
    EXPECT_DOUBLE_EQ(rep.layer_period_ns[1], 110);
    EXPECT_DOUBLE_EQ(rep.moe_layer_period_mean_ns, 110);
    std::ostringstream out;
    print_stage_report(out, rep);
    EXPECT_NE(out.str().find("mb0: attn 0.1 [0.1]"), std::string::npos) << out.str();
}

TEST(StageReport, EmptyWithoutSpans) {
    RunResult r;
    r.meta.num_layers = 3;
    EXPECT_TRUE(stage_report(r).stages.empty());
}

} // namespace
} // namespace moetwin
