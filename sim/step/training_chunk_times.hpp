// SPDX-License-Identifier: Apache-2.0
// A pipeline stage's chunk times (pipeline_sim.hpp's F, B, W, F&B) measured from one simulated DualPipe
// chunk pair (schedule.overlap = dualpipe_chunk_pair: the calibrated compute model and the EP all-to-all on
// the scenario's comm SMs, sim/step/training_stages.hpp).
//
// Aggregation: a step of PP16 × 120 micro-batches runs 1,920 chunk pairs per rank; with balanced routing
// (uniform popularity, round-robin replicas) and identical layers every middle stage's chunk of every
// micro-batch has the same shapes and the same traffic, so one simulated pair gives them all. Skewed
// routing varies per micro-batch and layer; this aggregation then uses one draw of it (an approximation).
#pragma once

#include "sim/step/pipeline_sim.hpp"
#include "sim/step/step_executor.hpp"

namespace moetwin::step {

// Contract: pure. `trace` is an executed TrainingChunkPair step (micro-batch 0 the forward chunk, 1 the
// backward chunk). Per GPU: F = its micro-batch-0 compute spans plus its micro-batch-0 dispatch and combine
// spans (a forward chunk run on its own exposes its all-to-alls; a notify span counts as the shortest
// over the ranks, the others having waited at the barrier for the last rank); B = its AttnB and MlpB spans plus its
// micro-batch-1 all-to-all spans; W = its AttnW and MlpW spans; each the largest over the GPUs (every
// all-to-all waits for its slowest rank). F&B = trace.step_s, the overlapped pair as simulated.
ChunkTimes chunk_times_from_trace(const StepTrace& trace);

} // namespace moetwin::step
