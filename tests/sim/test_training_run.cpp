// SPDX-License-Identifier: Apache-2.0
// `moetwin run` on a training scenario (sim/training_run.hpp) end to end on the tiny PP2 DualPipe scenario: the
// step's pipeline (SimGrid actors, transfers as flows) lies between the event simulation with transfers alone and
// at half the NIC, the PP transfer and the DP sync follow their formulas, every rank's shares add up, and two runs give
// the same bytes.
#include "common/atomic_file.hpp"
#include "engine/model_spec.hpp"
#include "sim/scenario.hpp"
#include "sim/step/pipeline_program.hpp"
#include "sim/training_run.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace moetwin {
namespace {

const std::string kTiny = std::string(MOETWIN_SOURCE_DIR) + "/scenarios/tiny_train_pp2_ep16.json";

TEST(TrainingRun, TinyPp2DualPipeIsThePipelineOnItsChunkTimes) {
    const Scenario s                      = load_scenario(kTiny);
    const std::vector<StageChunks> stages = training_stage_chunks(s);
    ASSERT_EQ(stages.size(), 2u);
    // Stage 0: 1 dense + 1 MoE layer + embedding; stage 1: 2 MoE layers + the MTP module's.
    EXPECT_EQ(stages[0].dense_layers, 1);
    EXPECT_EQ(stages[0].moe_layers, 1);
    EXPECT_EQ(stages[1].dense_layers, 0);
    EXPECT_EQ(stages[1].moe_layers, 3);
    for (const StageChunks& st : stages) {
        EXPECT_GT(st.total.f_s, 0);
        EXPECT_GE(st.total.f_s, st.compute.f_s); // the exposed all-to-all adds to compute
        EXPECT_GE(st.total.b_s, st.compute.b_s);
        EXPECT_DOUBLE_EQ(st.total.w_s, st.compute.w_s); // weight gradients carry no communication
        EXPECT_LE(st.total.fb_s, st.total.f_s + st.total.b_s + st.total.w_s);
    }
    const TrainingResult r = assemble_training(s, stages);

    // PP transfer alone: 512 tokens × 7168 × 2 B over one IB NIC at 50 GB/s × 0.89, plus the route's latency
    // (ranks 0 and 1 hold GPUs 0 and 16: nodes 0 and 2, one leaf).
    EXPECT_DOUBLE_EQ(r.p2p_s, 2.8e-6 + 512.0 * 7168 * 2 / (50e9 * 0.89));
    // The actors' pipeline on the fabric lies between the event simulation with every transfer alone and with
    // every transfer at half the NIC (at most two of a rank's transfers share a link at once).
    std::vector<step::ChunkTimes> total{stages[0].total, stages[1].total};
    const step::PipelinePrograms prog = step::build_pipeline_programs(PipelineSchedule::DualPipe, 2, 4);
    const step::PipelineRun alone     = step::simulate_pipeline(prog, total, r.p2p_s);
    const step::PipelineRun halved    = step::simulate_pipeline(prog, total, 2 * r.p2p_s);
    EXPECT_GE(r.pipeline_s, alone.step_s * (1 - 1e-12));
    EXPECT_LE(r.pipeline_s, halved.step_s * (1 + 1e-12));
    EXPECT_EQ(r.spans.size(), alone.spans.size() + 3 * 2); // + reduce-scatter, optimizer, all-gather per rank
    EXPECT_EQ(r.tokens_per_step, 64 * 512);
    double latest = 0;
    for (const TrainingRank& k : r.ranks) {
        EXPECT_NEAR(k.compute_s + k.exposed_comm_s + k.bubble_s, r.pipeline_s, 1e-12);
        EXPECT_GE(k.bubble_s, alone.bubble_s[std::size_t(k.rank)] - 1e-12);
        EXPECT_EQ(k.peak_live_chunks, alone.peak_live[std::size_t(k.rank)]);
        EXPECT_LE(k.peak_live_chunks, 2 + 1); // reference §9: DualPipe holds PP + 1 chunks
        latest = std::max(latest, k.end_s);
    }
    EXPECT_EQ(r.step_s, latest);
    // DP sync of rank 0 (DualPipe: stages 0 and 1, i.e. the whole model): experts have DP 1 (no traffic), the
    // rest 16 ranks: ring reduce-scatter of FP32 gradients and all-gather of BF16 weights, 2 × 15 steps of
    // bytes / 16 over one NIC each, plus each step's route latency (same plane 2.8 µs; a wrap-around to the next
    // plane also crosses NVLink, 3.33 µs, and one more IB hop at most: < 10 µs).
    const ModelSpec m   = with_layers(find_model("deepseek_v3"), 1, 3);
    const RankParams p  = rank_params(m, *s.training, 16, {0, 1});
    const double ib_Bps = 50e9 * 0.89;
    const double bw_s   = 15.0 / 16 * 6.0 * double(p.other) / ib_Bps;
    EXPECT_GE(r.ranks[0].dp_sync_s, bw_s + 2 * 15 * 2.8e-6 - 1e-12);
    EXPECT_LE(r.ranks[0].dp_sync_s, bw_s + 2 * 15 * 10e-6);
    EXPECT_NEAR(r.ranks[0].optimizer_s, 22.0 * (double(p.routed_local) + double(p.other) / 16) / (3350e9 * 0.90),
                1e-12);
    EXPECT_DOUBLE_EQ(r.gpu_hours_per_trillion_tokens, 32 * r.step_s / 3600 * 1e12 / (64 * 512));

    // Deterministic: a second run gives the same bytes.
    EXPECT_EQ(training_result_to_json(run_training(s)), training_result_to_json(r));
}

TEST(TrainingRun, SchedulesOnTheSameChunksOrderAsTheReadmeSays) {
    nlohmann::json j                      = nlohmann::json::parse(read_file(kTiny));
    const Scenario dual                   = load_scenario(kTiny);
    const std::vector<StageChunks> stages = training_stage_chunks(dual);
    double step[3];
    for (PipelineSchedule sch : {PipelineSchedule::OneFOneB, PipelineSchedule::Zb1p, PipelineSchedule::DualPipe}) {
        j["training"]["schedule"] = std::string(to_string(sch));
        const Scenario s          = parse_scenario(j.dump(), "t.json", std::string(MOETWIN_SOURCE_DIR) + "/scenarios");
        step[int(sch)]            = assemble_training(s, stages).pipeline_s;
    }
    EXPECT_LE(step[int(PipelineSchedule::Zb1p)], step[int(PipelineSchedule::OneFOneB)]);
    EXPECT_LT(step[int(PipelineSchedule::DualPipe)], step[int(PipelineSchedule::OneFOneB)]);
}

} // namespace
} // namespace moetwin
