// SPDX-License-Identifier: Apache-2.0
// The pipeline of one training step as an event simulation of its per-stage programs (pipeline_program.hpp):
// each rank runs its ops in program order; an op starts when the rank is free and its inputs have arrived
// (eager transfers, 1F1B and ZB1P: a forward at stage position p > 0 needs the activations of position p − 1,
// p2p_s after that op ended; a backward at p < PP − 1 the gradients of position p + 1, likewise; DualPipe's
// commits: a transfer takes p2p_s from when both its ends are posted, and the rank waits for the whole commit). Pure
// and exact: the reference the SimGrid actors (pipeline_actors.hpp) agree with, and the arithmetic the bubble formulas
// are tested on.
#pragma once

#include "sim/step/pipeline_program.hpp"

#include <vector>

namespace moetwin::step {

// Seconds of one chunk (one stage's layers for one micro-batch) at one stage position.
struct ChunkTimes {
    double f_s  = 0; // forward
    double b_s  = 0; // backward, input gradient only
    double w_s  = 0; // backward, weight gradient
    double fb_s = 0; // a forward overlapped with a full backward of this chunk (DualPipe's F&B)
    double full_backward_s() const { return b_s + w_s; }
};

struct PipeSpan {
    int rank = 0;
    PipeOp op;
    double begin_s = 0, end_s = 0;
};

struct PipelineRun {
    double step_s = 0;            // when the last rank finished its program
    std::vector<PipeSpan> spans;  // in each rank's program order, rank by rank
    std::vector<double> busy_s;   // [rank] seconds running ops
    std::vector<double> bubble_s; // [rank] step_s − busy_s: waiting for inputs or for the others to finish
    std::vector<int> peak_live;   // [rank] most (direction, micro-batch) chunks alive at once: from its
                                  // forward's start until its weight gradient ends (activation memory)
};

// Seconds of an op at `rank` from the chunk times of its stage positions. FB pairs a forward at position pf
// with a backward at pb: (F[pf] + B[pb] + W[pb]) times the mean of the two positions' overlap ratios
// fb_s / (f_s + b_s + w_s) (exactly fb_s when both are one chunk kind).
double op_seconds(const PipeOp& op, int rank, int pp, const std::vector<ChunkTimes>& by_position);

// Busy, bubble and live chunks from each rank's spans (program order) and the time each rank ended.
PipelineRun finish_pipeline_run(const std::vector<std::vector<PipeSpan>>& spans, const std::vector<double>& end_s);

// Contract: pure, deterministic. `by_position` has one entry per stage position (pp entries); p2p_s ≥ 0 is
// the transfer time between adjacent stages. MOETWIN_ASSERT on a program that deadlocks (a bug in the
// program, never an input error).
PipelineRun simulate_pipeline(const PipelinePrograms& programs, const std::vector<ChunkTimes>& by_position,
                              double p2p_s);

} // namespace moetwin::step
