// SPDX-License-Identifier: Apache-2.0
// Pipeline schedules (sim/step/pipeline_program.hpp) and their event simulation (pipeline_sim.hpp): exact
// step times of small pipelines by hand, the DualPipe README's bubble formulas (reference §9), activation
// counts, coverage of every micro-batch, determinism and the schedules' rules.
#include "common/errors.hpp"
#include "sim/step/pipeline_program.hpp"
#include "sim/step/pipeline_sim.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace moetwin::step {
namespace {

std::vector<ChunkTimes> uniform(int pp, double f, double b, double w, double fb) {
    return std::vector<ChunkTimes>(std::size_t(pp), ChunkTimes{f, b, w, fb});
}
double max_of(const std::vector<double>& v) {
    return *std::max_element(v.begin(), v.end());
}

TEST(Pipeline, OneFOneBHandComputed) {
    // PP4, 8 micro-batches, F = 1, full backward = 2: rank 0 runs F0..F3 (0-4); B0 returns after F through
    // the other 3 ranks (4) and backwards through them (3·2 = 6): B0 at rank 0 starts at 1 + 3 + 6 = 10 ...
    // the textbook step (M + PP − 1)(F + B) = 11 · 3 = 33, every rank idle (PP − 1)(F + B) = 9.
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::OneFOneB, 4, 8);
    const PipelineRun run    = simulate_pipeline(p, uniform(4, 1, 1, 1, 0), 0);
    EXPECT_DOUBLE_EQ(run.step_s, 33);
    for (double b : run.bubble_s)
        EXPECT_DOUBLE_EQ(b, 9);
    // Activations: rank r holds PP − r micro-batches at its peak (warm-up PP − 1 − r, plus one).
    for (int r = 0; r < 4; ++r)
        EXPECT_EQ(run.peak_live[std::size_t(r)], 4 - r);
    // PP2, 2 micro-batches, F = 1, B = 2 (b 1.5 + w 0.5), p2p 0.25: F0 [0,1], F0@1 [1.25,2.25], BW0@1
    // [2.25,4.25], F1 at rank 0 [1,2] -> rank 1 F1 [4.25,5.25] (busy until 4.25), BW1@1 [5.25,7.25];
    // rank 0: BW0 [4.5,6.5], BW1 [7.5,9.5].
    const PipelineRun two =
        simulate_pipeline(build_pipeline_programs(PipelineSchedule::OneFOneB, 2, 2), uniform(2, 1, 1.5, 0.5, 0), 0.25);
    EXPECT_DOUBLE_EQ(two.step_s, 9.5);
    EXPECT_DOUBLE_EQ(two.bubble_s[0], 9.5 - 6);
}

TEST(Pipeline, ZeroBubbleReachesTheReadmeBubble) {
    for (auto [pp, m] : {std::pair{4, 8}, std::pair{8, 20}, std::pair{16, 32}})
        for (auto [f, b, w] : {std::tuple{1.0, 1.0, 1.0}, std::tuple{2.0, 3.0, 1.0}, std::tuple{1.0, 1.5, 0.7}}) {
            const PipelineRun run =
                simulate_pipeline(build_pipeline_programs(PipelineSchedule::Zb1p, pp, m), uniform(pp, f, b, w, 0), 0);
            const double full = b + w;
            // Reference §9: ZB1P (PP−1)(F+B−2W), B the full backward.
            for (double bubble : run.bubble_s)
                EXPECT_NEAR(bubble, (pp - 1) * (f + full - 2 * w), 1e-9) << pp << " " << m << " " << f << b << w;
            EXPECT_NEAR(run.step_s, m * (f + full) + (pp - 1) * (f + full - 2 * w), 1e-9);
            // Against 1F1B at the same times: smaller by (PP − 1)·2W.
            const PipelineRun ref = simulate_pipeline(build_pipeline_programs(PipelineSchedule::OneFOneB, pp, m),
                                                      uniform(pp, f, b, w, 0), 0);
            EXPECT_NEAR(ref.step_s - run.step_s, (pp - 1) * 2 * w, 1e-9);
        }
}

TEST(Pipeline, DualPipeBubbleAgainstTheReadme) {
    // At F = B = W (the input gradient as long as the forward, the README's figure) the formula is exact: the
    // busiest ranks (the middle ones) idle (PP/2 − 1)(F&B + B − 3W), B the full backward.
    for (auto [pp, m] : {std::pair{4, 8}, std::pair{8, 20}, std::pair{16, 32}})
        for (double fb : {2.25, 3.0, 2.0}) {
            const PipelineRun run = simulate_pipeline(build_pipeline_programs(PipelineSchedule::DualPipe, pp, m),
                                                      uniform(pp, 1, 1, 1, fb), 0);
            EXPECT_NEAR(max_of(run.bubble_s), (pp / 2 - 1) * (fb + 2 - 3), 1e-9) << pp << " " << m << " " << fb;
            for (int r = 0; r < pp; ++r) // mirror-symmetric
                EXPECT_NEAR(run.bubble_s[std::size_t(r)], run.bubble_s[std::size_t(pp - 1 - r)], 1e-9);
        }
    // Other ratios: the program idles less than the formula, by less than (PP/2 − 1)·F (the README's formula
    // is the bound of its figure's layout; the twin reports what the program gives).
    for (auto [f, b, w, fb] : {std::tuple{2.0, 3.0, 1.0, 4.8}, std::tuple{1.0, 1.5, 0.7, 2.88}}) {
        const PipelineRun run =
            simulate_pipeline(build_pipeline_programs(PipelineSchedule::DualPipe, 8, 20), uniform(8, f, b, w, fb), 0);
        const double formula = 3 * (fb + b + w - 3 * w);
        EXPECT_LE(max_of(run.bubble_s), formula + 1e-9);
        EXPECT_GT(max_of(run.bubble_s), formula - 3 * f);
    }
}

TEST(Pipeline, ActivationsPerSchedule) {
    // Reference §9: 1F1B PP, DualPipe PP + 1 chunks alive at the peak (counted in one stage's chunks).
    for (int pp : {4, 8, 16}) {
        const auto times = uniform(pp, 1, 1, 1, 2.25);
        const PipelineRun a =
            simulate_pipeline(build_pipeline_programs(PipelineSchedule::OneFOneB, pp, 2 * pp), times, 0);
        EXPECT_EQ(*std::max_element(a.peak_live.begin(), a.peak_live.end()), pp);
        const PipelineRun d =
            simulate_pipeline(build_pipeline_programs(PipelineSchedule::DualPipe, pp, 2 * pp + 4), times, 0);
        EXPECT_EQ(*std::max_element(d.peak_live.begin(), d.peak_live.end()), pp + 1) << pp;
    }
}

TEST(Pipeline, EveryChunkRunsOnceAndTheOrderIsRespected) {
    for (PipelineSchedule s : {PipelineSchedule::OneFOneB, PipelineSchedule::Zb1p, PipelineSchedule::DualPipe}) {
        const PipelinePrograms p = build_pipeline_programs(s, 8, 24);
        // (rank, dir, mb) -> forwards, backwards, weight gradients
        std::map<std::tuple<int, int, int>, std::array<int, 3>> count;
        for (int r = 0; r < p.pp; ++r)
            for (const PipeOp& op : p.ranks[std::size_t(r)]) {
                auto& c = count[{r, op.dir, op.mb}];
                switch (op.kind) {
                case PipeOpKind::F:
                    ++c[0];
                    break;
                case PipeOpKind::B:
                    ++c[1];
                    break;
                case PipeOpKind::BW:
                    ++c[1], ++c[2];
                    break;
                case PipeOpKind::W:
                    ++c[2];
                    break;
                case PipeOpKind::FB:
                    ++c[0];
                    auto& cb = count[{r, op.dir_b, op.mb_b}];
                    ++cb[1], ++cb[2];
                    break;
                }
            }
        const int per_dir = p.micro_batches / p.directions;
        EXPECT_EQ(int(count.size()), p.pp * p.directions * per_dir) << to_string(s);
        for (const auto& [k, c] : count)
            EXPECT_EQ(c, (std::array<int, 3>{1, 1, 1})) << to_string(s);
        // Deterministic, and every span of the run starts after the previous one of its rank.
        EXPECT_EQ(build_pipeline_programs(s, 8, 24).ranks, p.ranks);
        const PipelineRun run = simulate_pipeline(p, uniform(8, 1, 1.2, 0.8, 2.5), 0.1);
        for (std::size_t i = 1; i < run.spans.size(); ++i)
            if (run.spans[i].rank == run.spans[i - 1].rank) EXPECT_GE(run.spans[i].begin_s, run.spans[i - 1].end_s);
        // Transfers only lengthen the step.
        EXPECT_GT(run.step_s, simulate_pipeline(p, uniform(8, 1, 1.2, 0.8, 2.5), 0).step_s);
    }
}

TEST(Pipeline, DualPipeProgramOfTheReadmeExample) {
    // Rank 0 of 8 with 20 micro-batches (the README's example): phases 1-8 give 6 F0, then F0 F1, then 3 ×
    // (B1 W F1), main 1 × (F0&B1, F1&B0), ... The first ops by hand from dualpipe.py:
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::DualPipe, 8, 20);
    std::ostringstream s;
    for (std::size_t i = 0; i < 18; ++i)
        s << p.ranks[0][i] << ' ';
    EXPECT_EQ(s.str(), "F0.0 F0.1 F0.2 F0.3 F0.4 F0.5 F0.6 F1.0 B1.0 W1.0 F1.1 B1.1 W1.1 F1.2 B1.2 W1.2 F1.3 "
                       "FB0.7/1.3 ");
    // Rank 7 mirrors rank 0 with the directions swapped.
    for (std::size_t i = 0; i < p.ranks[0].size(); ++i) {
        PipeOp m = p.ranks[0][i];
        m.dir ^= 1;
        if (m.kind == PipeOpKind::FB) m.dir_b ^= 1;
        EXPECT_EQ(p.ranks[7][i], m) << i;
    }
}

TEST(Pipeline, ScheduleRules) {
    const auto fails = [](PipelineSchedule s, int pp, int m, std::string_view needle) {
        try {
            build_pipeline_programs(s, pp, m);
            ADD_FAILURE() << "expected ConfigError for " << pp << " " << m;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    fails(PipelineSchedule::DualPipe, 5, 20, "even number of stages");
    fails(PipelineSchedule::DualPipe, 8, 14, ">= 2 x stages (16");
    fails(PipelineSchedule::DualPipe, 8, 21, "even number of micro-batches");
    fails(PipelineSchedule::OneFOneB, 8, 7, "at least as many micro-batches");
    fails(PipelineSchedule::Zb1p, 4, 3, "at least as many micro-batches");
    EXPECT_NO_THROW(build_pipeline_programs(PipelineSchedule::DualPipe, 2, 4));
    EXPECT_NO_THROW(build_pipeline_programs(PipelineSchedule::OneFOneB, 1, 1));
}

} // namespace
} // namespace moetwin::step
