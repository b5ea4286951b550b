// SPDX-License-Identifier: Apache-2.0
// The pipeline on chunk times measured from the simulated DualPipe chunk pair (training_chunk_times.hpp):
// the window scenario (4 MoE layers of DeepSeek-V3, EP64, 20 comm SMs: one middle PP16 stage's chunk) run
// on SimGrid in a child, its F, B, W and F&B, and DeepSeek's PP16 × 120 micro-batch step under each schedule.
#include "sim/network/subprocess.hpp"
#include "sim/run.hpp"
#include "sim/step/pipeline_sim.hpp"
#include "sim/step/training_chunk_times.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace moetwin::step {
namespace {

ChunkTimes window_chunk_times() {
    const std::string out = run_in_child([] {
        const RunPlan plan    = plan_run(load_scenario("scenarios/deepseek_v3_train_window_ep64.json"));
        const StepTrace trace = execute_run(plan);
        const ChunkTimes t    = chunk_times_from_trace(trace);
        std::ostringstream s;
        s.precision(17);
        s << t.f_s << ' ' << t.b_s << ' ' << t.w_s << ' ' << t.fb_s;
        return s.str();
    });
    std::istringstream in(out);
    ChunkTimes t;
    in >> t.f_s >> t.b_s >> t.w_s >> t.fb_s;
    return t;
}

TEST(TrainingPipeline, DeepSeekStepOnSimulatedChunks) {
    const ChunkTimes t = window_chunk_times();
    std::printf("chunk (4 MoE layers, EP64, 20 comm SMs): F %.3f ms, B %.3f ms, W %.3f ms, F&B %.3f ms\n", t.f_s * 1e3,
                t.b_s * 1e3, t.w_s * 1e3, t.fb_s * 1e3);
    EXPECT_GT(t.f_s, 1e-3); // milliseconds per layer at 4096 tokens per GPU
    EXPECT_GT(t.w_s, 0);
    EXPECT_LT(t.w_s, t.b_s);
    // The overlapped pair hides communication under compute: it cannot beat two fully busy lanes (the two
    // chunks' compute and all-to-all seconds, F + B + W, split over the compute and comm lanes), nor its
    // compute alone; it may beat the backward chunk alone, whose all-to-alls are exposed there.
    EXPECT_GE(t.fb_s, 0.5 * (t.f_s + t.full_backward_s()));
    EXPECT_LT(t.fb_s, t.f_s + t.full_backward_s());

    // DeepSeek-V3 pre-training: PP16, 15,360 sequences over DP 128 = 120 micro-batches of one 4096-token
    // sequence per GPU; every stage here a middle stage (no embedding, head or MTP; no PP transfers).
    constexpr int kPp = 16, kMicroBatches = 120;
    const std::vector<ChunkTimes> stages(kPp, t);
    double step[3];
    for (PipelineSchedule s : {PipelineSchedule::OneFOneB, PipelineSchedule::Zb1p, PipelineSchedule::DualPipe}) {
        const PipelineRun run = simulate_pipeline(build_pipeline_programs(s, kPp, kMicroBatches), stages, 0);
        step[int(s)]          = run.step_s;
        const double bubble   = *std::max_element(run.bubble_s.begin(), run.bubble_s.end());
        const double tokens   = 15360.0 * 4096.0;
        std::printf("%-8s step %.2f s, bubble %.2f s (%.1f %%), %.0fK GPU-hours per trillion tokens\n",
                    std::string(to_string(s)).c_str(), run.step_s, bubble, 100 * bubble / run.step_s,
                    2048 * run.step_s / 3600 * 1e12 / tokens / 1e3);
        const double full = t.full_backward_s();
        if (s == PipelineSchedule::OneFOneB) EXPECT_NEAR(bubble, (kPp - 1) * (t.f_s + full), 1e-9);
        if (s == PipelineSchedule::Zb1p) EXPECT_NEAR(bubble, (kPp - 1) * (t.f_s + full - 2 * t.w_s), 1e-9);
        if (s == PipelineSchedule::DualPipe) EXPECT_LE(bubble, (kPp / 2 - 1) * (t.fb_s + full - 3 * t.w_s) + 1e-9);
    }
    EXPECT_LT(step[int(PipelineSchedule::Zb1p)], step[int(PipelineSchedule::OneFOneB)]);
    EXPECT_LT(step[int(PipelineSchedule::DualPipe)], step[int(PipelineSchedule::Zb1p)]);
}

} // namespace
} // namespace moetwin::step
