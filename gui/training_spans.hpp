// SPDX-License-Identifier: Apache-2.0
// The training view's pure maths: what kind of work a training.json span is (its op name, as
// sim/step/pipeline_program.cpp prints it: "F0.3", "B1.2", "BW0.1", "W0.4", "FB0.5/1.2", or the DP sync's
// "reduce_scatter", "optimizer", "all_gather"), and each PP stage's shares of the step. No ImGui.
#pragma once

#include "sim/result/training_result.hpp"

#include <array>
#include <string_view>

namespace moetwin::gui {

enum class TrainingSpanKind { F, B, BW, W, FB, DpSync, Optimizer, Other };
inline constexpr int kNumTrainingSpanKinds = 8;

std::string_view to_string(TrainingSpanKind k); // legend text: "F (forward)", ...
// Contract: pure; the op's kind from its letters before the first digit (F, B, BW, W, FB), or its whole name.
TrainingSpanKind training_span_kind(std::string_view op);

// One stage's step, as shares of the step (step_s): compute, exposed communication and bubble (the pipeline's
// length), DP sync and optimizer, and idle after the rank's end (step_s - end_s). They add up to 1.
struct StageShares {
    double compute = 0, exposed_comm = 0, bubble = 0, dp_sync = 0, optimizer = 0, idle_after = 0;
};
StageShares stage_shares(const TrainingRank& r, double step_s);

// Contract: pure. Per rank, the time covered by no span inside [0, pipeline_s] (the bubble as drawn).
std::vector<double> uncovered_pipeline_s(const TrainingResult& r);

} // namespace moetwin::gui
