// SPDX-License-Identifier: Apache-2.0
// The per-stage programs run by SimGrid actors (sim/step/pipeline_actors.hpp) against their exact event
// simulation (pipeline_sim.hpp), and DualPipe's transfer commits against dualpipe.py's order. Each TEST runs in
// its own process (gtest_discover_tests): one SimGrid engine per process.
#include "sim/step/pipeline_actors.hpp"
#include "sim/step/pipeline_program.hpp"
#include "sim/step/pipeline_sim.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace moetwin::step {
namespace {

// Stage positions with distinct, irregular chunk times (so that no two events tie by accident).
std::vector<ChunkTimes> irregular(int pp) {
    std::vector<ChunkTimes> c;
    for (int p = 0; p < pp; ++p) {
        const double f = 0.101 + 0.0137 * p, b = 0.163 + 0.011 * ((p * 7) % 5), w = 0.071 + 0.003 * p;
        c.push_back({f, b, w, 0.83 * (f + b + w)});
    }
    return c;
}

void expect_same_run(const PipelineRun& actors, const PipelineRun& events) {
    EXPECT_NEAR(actors.step_s, events.step_s, 1e-9 * events.step_s);
    ASSERT_EQ(actors.spans.size(), events.spans.size());
    for (std::size_t i = 0; i < events.spans.size(); ++i) {
        EXPECT_EQ(actors.spans[i].op, events.spans[i].op);
        EXPECT_NEAR(actors.spans[i].begin_s, events.spans[i].begin_s, 1e-9 * events.step_s) << i;
    }
    EXPECT_EQ(actors.peak_live, events.peak_live);
}

// One process per schedule (one engine each): the actors with every transfer taking p2p_s give the event
// simulation's step and every op's start to 1e-9 relative.
TEST(PipelineActors, DualPipeAgreesWithTheEventSimulation) {
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::DualPipe, 8, 20);
    expect_same_run(simulate_pipeline_actors(p, irregular(8), 0.0123), simulate_pipeline(p, irregular(8), 0.0123));
}
TEST(PipelineActors, OneFOneBAgreesWithTheEventSimulation) {
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::OneFOneB, 6, 13);
    expect_same_run(simulate_pipeline_actors(p, irregular(6), 0.0071), simulate_pipeline(p, irregular(6), 0.0071));
}
TEST(PipelineActors, ZeroBubbleAgreesWithTheEventSimulation) {
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::Zb1p, 4, 9);
    expect_same_run(simulate_pipeline_actors(p, irregular(4), 0.0191), simulate_pipeline(p, irregular(4), 0.0191));
}
// The network negligible: DeepSeek's shape, PP16 and 120 micro-batches.
TEST(PipelineActors, DeepSeekShapeWithoutNetworkAgrees) {
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::DualPipe, 16, 120);
    expect_same_run(simulate_pipeline_actors(p, irregular(16), 0), simulate_pipeline(p, irregular(16), 0));
}

// DualPipe's commits carry exactly the transfers its ops need and produce: every input is received in a commit
// at or before its op, every output sent in a commit after it, and every sent transfer is received once.
TEST(PipelineActors, DualPipeCommitsCoverTheOpsTransfers) {
    for (auto [pp, m] : {std::pair{2, 4}, std::pair{4, 8}, std::pair{8, 20}, std::pair{16, 120}}) {
        const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::DualPipe, pp, m);
        ASSERT_EQ(p.commits.size(), std::size_t(pp));
        std::set<PipeMsg> sent, received;
        for (int r = 0; r < pp; ++r) {
            const auto& ops = p.ranks[std::size_t(r)];
            const auto& com = p.commits[std::size_t(r)];
            ASSERT_EQ(com.size(), ops.size() + 1);
            std::set<PipeMsg> got, out;
            for (std::size_t i = 0; i <= ops.size(); ++i) {
                for (const PipeMsg& msg : com[i].recvs)
                    EXPECT_TRUE(got.insert(msg).second && received.insert(msg).second);
                for (const PipeMsg& msg : com[i].sends) {
                    EXPECT_EQ(out.count(msg), 1u) << "sent before its op ran: rank " << r << " " << msg;
                    out.erase(msg);
                    EXPECT_TRUE(sent.insert(msg).second);
                }
                if (i == ops.size()) break;
                for (const PipeMsg& msg : op_inputs(ops[i], r, pp))
                    EXPECT_EQ(got.count(msg), 1u) << "op before its input: rank " << r << " " << ops[i];
                for (const PipeMsg& msg : op_outputs(ops[i], r, pp))
                    out.insert(msg);
            }
            EXPECT_TRUE(out.empty()) << "rank " << r << " never sent an output";
        }
        EXPECT_EQ(sent, received);
        // 2 directions × m/2 micro-batches × (pp − 1) hops, forward and backward.
        EXPECT_EQ(sent.size(), std::size_t(2 * (m / 2) * (pp - 1) * 2));
    }
}

// dualpipe.py's deferred sends, by hand on PP4: rank 0 (not a middle rank) in phase 2 sends F0's activations
// only after its F1 (the commit before the op after F1 holds both), and its phase-3 W waits for the next F1's
// input.
TEST(PipelineActors, DualPipeDefersSendsAsDualpipePyDoes) {
    const PipelinePrograms p = build_pipeline_programs(PipelineSchedule::DualPipe, 4, 8);
    const auto& ops          = p.ranks[0];
    const auto& com          = p.commits[0];
    // Rank 0, h = 0: phase 1 F0 F0, phase 2 F0 F1, phase 3 B1 W F1.
    ASSERT_GE(ops.size(), 8u);
    EXPECT_EQ(ops[2], (PipeOp{PipeOpKind::F, 0, 2}));
    EXPECT_EQ(ops[3], (PipeOp{PipeOpKind::F, 1, 0}));
    // The commit before ops[3] (F1.0; rank 0 is direction 1's last position) receives its activations from
    // rank 1 and sends nothing: F0.2's send is held.
    EXPECT_EQ(com[3].recvs, (std::vector<PipeMsg>{{false, 1, 0, 3}}));
    EXPECT_TRUE(com[3].sends.empty());
    // Commit before ops[4] (phase 3's B1) sends F0.2's activations, deferred past F1.
    EXPECT_NE(std::find(com[4].sends.begin(), com[4].sends.end(), PipeMsg{false, 0, 2, 1}), com[4].sends.end());
    EXPECT_EQ(ops[5].kind, PipeOpKind::W);
    // Commit before the W receives F1.1's activations (dualpipe.py: _recv_forward(1) before _weight_chunk()).
    EXPECT_NE(std::find(com[5].recvs.begin(), com[5].recvs.end(), PipeMsg{false, 1, 1, 3}), com[5].recvs.end());
}

} // namespace
} // namespace moetwin::step
