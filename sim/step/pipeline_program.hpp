// SPDX-License-Identifier: Apache-2.0
// Pipeline-parallel training schedules as explicit per-stage programs (issue 19): for each PP rank, the
// ordered list of chunk operations it runs in one training step. A program is plain data; the pipeline
// simulator (pipeline_sim.hpp) follows it and adds the dependencies between ranks (a forward needs the
// previous stage's activations, a backward the next stage's gradients).
//
//   1F1B      warm-up of PP−1−r forwards, then one forward and one full backward in turn, then cool-down.
//   ZB1P      zero bubble (Qi et al. 2023): the backward split into its input gradient (B, on the critical
//             path) and its weight gradient (W, deferred into the pipeline's idle time). The order is the
//             greedy list schedule at unit op times: input gradients first, then forwards within 1F1B's
//             in-flight limit (PP−r), then deferred weight gradients; it reaches the README's bubble
//             (PP−1)(F+B−2W) exactly, but defers W's to the step's end where no idle time is left, so its
//             peak of live activations exceeds ZB-H1's PP (pipeline_sim.hpp reports the program's own peak).
//   DualPipe  deepseek-ai/DualPipe's dualpipe.py step(): every rank holds two chunks (stage r of direction 0
//             and stage PP−1−r of direction 1), micro-batches enter from both ends, and its 8 phases
//             (reference §9) run forwards, backwards (full, or input-gradient only with the weight gradient
//             queued: "enable_zb"), queued weight gradients and overlapped forward+backward pairs (F&B).
//             Its point-to-point transfers follow dualpipe.py's own order (PipeCommit below): every op first
//             commits the receives and sends queued since the previous one (_commit_and_wait_comm:
//             batch_isend_irecv, then wait for all), so a rank waits for its previous op's sends as well as its
//             next op's inputs, a send leaves only when the receiver has posted its receive (NCCL rendezvous),
//             and the sends dualpipe.py queues late leave late: in phase 2 the F0 send after the F1 compute
//             (non-middle ranks) and the middle ranks' last F1 send after phase 4's first F0; phase 3's W waits
//             for the next F1's input (dualpipe.py step(), deepseek-ai/DualPipe dualpipe/dualpipe.py at bb214e8).
//             1F1B and ZB1P transfer eagerly: a send leaves when its op ends and is never waited for, the
//             receive is posted at the start of the step (no commits).
#pragma once

#include "sim/scenario_training.hpp"

#include <array>
#include <ostream>
#include <string_view>
#include <vector>

namespace moetwin::step {

// PipelineSchedule, its name table and pipeline_requirement_error: sim/scenario_training.hpp (the scenario
// names the schedule).

// F: forward; B: input gradient only (its W queued); BW: full backward (input and weight gradients);
// W: a queued weight gradient; FB: a forward overlapped with a full backward (DualPipe's F&B).
enum class PipeOpKind { F, B, BW, W, FB };

// One op of a rank's program. Direction 0 enters at rank 0 (stage position = rank), direction 1 (DualPipe
// only) at rank PP−1 (position = PP−1−rank). `dir`/`mb`: the forward of F and FB, the backward of B and
// BW, the queued backward of W; `dir_b`/`mb_b`: FB's backward.
struct PipeOp {
    PipeOpKind kind = PipeOpKind::F;
    int dir = 0, mb = 0;
    int dir_b = 0, mb_b = 0;
    bool operator==(const PipeOp&) const = default;
};
std::ostream& operator<<(std::ostream& out, const PipeOp& op); // "F0.3", "FB0.5/1.2", "W1.0"

// One PP transfer: the activations (forward) or the input gradients (backward) of micro-batch `mb` of
// direction `dir`, arriving at stage position `to`.
struct PipeMsg {
    bool backward = false;
    int dir = 0, mb = 0, to = 0;
    auto operator<=>(const PipeMsg&) const = default;
};
std::ostream& operator<<(std::ostream& out, const PipeMsg& m); // "f0.3>2", "b1.0>5"

// dualpipe.py's _commit_and_wait_comm(): the transfers queued since the previous commit, posted together; the
// rank waits for all of them (its receives and its sends) before it goes on.
struct PipeCommit {
    std::vector<PipeMsg> sends, recvs;
};

// The transfers an op needs before it starts (inputs) and produces when it ends (outputs) at `rank`.
std::vector<PipeMsg> op_inputs(const PipeOp& op, int rank, int pp);
std::vector<PipeMsg> op_outputs(const PipeOp& op, int rank, int pp);

struct PipelinePrograms {
    PipelineSchedule schedule = PipelineSchedule::OneFOneB;
    int pp                    = 1; // ranks (= stages per direction)
    int micro_batches         = 1; // per step through the whole pipeline (DualPipe: both directions together)
    int directions            = 1; // 2 for DualPipe
    std::vector<std::vector<PipeOp>> ranks;
    // Empty: eager transfers (an op's outputs leave when it ends; receives are posted at the start). Else
    // (DualPipe) [rank][i] is committed before ranks[rank][i], and [rank][ranks[rank].size()] at the end.
    std::vector<std::vector<PipeCommit>> commits;
};

// Stage position of direction `dir` on `rank` of `pp`, and the rank holding position `pos`.
constexpr int stage_position(int dir, int rank, int pp) {
    return dir == 0 ? rank : pp - 1 - rank;
}

// Contract: pure, deterministic. Every rank's program of one step; every (direction, micro-batch) a rank
// holds gets exactly one forward, one backward and one weight gradient (BW and FB's backward include it).
// ConfigError with pipeline_requirement_error's text when the counts do not fit.
PipelinePrograms build_pipeline_programs(PipelineSchedule schedule, int pp, int micro_batches);

} // namespace moetwin::step
