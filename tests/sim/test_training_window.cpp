// SPDX-License-Identifier: Apache-2.0
// The DualPipe chunk-pair window (training): the program's order against reference §4 and DeepSeek's
// H800 trace, the backward stages' seconds by hand from the roofline, and the scenario's rules.
#include "common/errors.hpp"
#include "engine/roofline.hpp"
#include "engine/training_ops.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_program.hpp"
#include "sim/step/training_stages.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace moetwin::step {
namespace {

const std::string kWindow = "scenarios/deepseek_v3_train_window_ep64.json";

std::string program_text(const StepProgram& p) {
    std::ostringstream s;
    for (const Instr& i : p.instrs)
        s << i << "; ";
    return s.str();
}

TEST(TrainingWindow, ProgramFollowsTheTracedOrder) {
    const StepProgram p = build_program(ProgramKind::TrainingChunkPair, 0, 2, 2);
    EXPECT_TRUE(p.serial_comm_lane());
    // Per layer: compute ATTN(F) MLP(B) MLP(W) MLP(F) ATTN(B) ATTN(W); comm lane (signal order)
    // COMBINE(B) = dispatch of mb1, DISPATCH(F), DISPATCH(B) = combine of mb1, COMBINE(F).
    EXPECT_EQ(program_text(p),
              "signal dispatch(L0,mb1); attn(L0,mb0); signal dispatch(L0,mb0); wait dispatch(L0,mb1); "
              "mlp_b(L0,mb1); signal combine(L0,mb1); mlp_w(L0,mb1); wait dispatch(L0,mb0); mlp(L0,mb0); "
              "signal combine(L0,mb0); wait combine(L0,mb1); attn_b(L0,mb1); attn_w(L0,mb1); "
              "signal dispatch(L1,mb1); wait combine(L0,mb0); attn(L1,mb0); signal dispatch(L1,mb0); "
              "wait dispatch(L1,mb1); mlp_b(L1,mb1); signal combine(L1,mb1); mlp_w(L1,mb1); "
              "wait dispatch(L1,mb0); mlp(L1,mb0); signal combine(L1,mb0); wait combine(L1,mb1); "
              "attn_b(L1,mb1); attn_w(L1,mb1); wait combine(L1,mb0); ");
    EXPECT_THROW(build_program(ProgramKind::TrainingChunkPair, 3, 2, 2), ConfigError); // dense layers
    EXPECT_THROW(build_program(ProgramKind::TrainingChunkPair, 0, 2, 1), ConfigError); // one chunk
}

TEST(TrainingWindow, BackwardStagesAreTheSumOfTheirTrainingOps) {
    Scenario s = load_scenario(kWindow);
    const RooflineModel roof(s.gpu);
    const StepPlan p = plan_step(s, roof);
    ASSERT_EQ(p.program.kind, ProgramKind::TrainingChunkPair);
    ASSERT_EQ(p.num_moe, 4);
    // GPU 0, MoE layer 0: mlp_w = the four weight-gradient GEMMs at the GPU's received tokens on 112 SMs.
    const LayerRouting& r = p.route(0, 1);
    int64_t sel = 0, used = 0;
    for (int k = 0; k < 4; ++k) {
        const int64_t n = r.slot_selections[std::size_t(k)];
        sel += n;
        used += n > 0;
    }
    OpShape shape;
    shape.phase                    = Phase::Prefill;
    shape.num_tokens               = 4096;
    shape.num_requests             = 1;
    shape.kv_len                   = 4096;
    shape.query_tokens_per_request = 4096;
    shape.num_local_experts        = used;
    shape.tokens_per_expert        = (sel + used - 1) / used;
    double want                    = 0;
    for (const OpSpec& op : make_training_ops(p.model))
        for (std::string_view name : backward_stage_ops(Stage::MlpW))
            if (op.name == name) want += roof.op_time(op, shape, 112).seconds;
    EXPECT_NEAR(p.seconds(0, 0, 1, Stage::MlpW), want, 1e-12);
    EXPECT_GT(want, 2e-3); // ~2.9 ms: 4 × [2048 x 8192] x [8192 x 7168]-class GEMMs and the shared expert's
    for (Stage st : {Stage::AttnB, Stage::AttnW, Stage::MlpB})
        EXPECT_GT(p.seconds(0, 0, 1, st), 0) << to_string(st);
    // The backward chunk runs no forward stages; the forward chunk's shared expert is inside its mlp.
    for (Stage st : {Stage::Attn, Stage::Mlp, Stage::Shared})
        EXPECT_EQ(p.seconds(0, 0, 1, st), 0);
    EXPECT_EQ(p.seconds(0, 0, 0, Stage::Shared), 0);
    EXPECT_GT(p.seconds(0, 0, 0, Stage::Mlp), p.seconds(0, 0, 1, Stage::MlpW) / 2);
}

TEST(TrainingWindow, ScenarioRules) {
    const std::string base =
        R"({"name": "w", "model": {"name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 2},
      "hardware": {"gpu": "h800"}, "cluster": {"num_nodes": 8, "gpus_per_node": 8},
      "deployment": {"prefill": {"num_nodes": 8, "ep_size": 64, "dp_size": 64, "routed_experts_per_gpu": 4},
                     "decode": {"num_nodes": 8, "ep_size": 64, "dp_size": 64, "routed_experts_per_gpu": 4}},
      "workload": {"phase": "PHASE", "tokens_per_gpu": 8192, "requests_per_gpu": 8, "micro_batches": MB},
      "schedule": {"overlap": "dualpipe_chunk_pair", "compute_sms": 112, "comm_sms": 20}})";
    const auto with = [&](std::string phase, std::string mb) {
        std::string t = base;
        t.replace(t.find("PHASE"), 5, phase);
        t.replace(t.find("MB"), 2, mb);
        return t;
    };
    EXPECT_NO_THROW(parse_scenario(with("prefill", "2"), "w.json"));
    try {
        parse_scenario(with("decode", "2"), "w.json");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("schedule.overlap"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse_scenario(with("prefill", "1"), "w.json"), ConfigError);
}

} // namespace
} // namespace moetwin::step
