// SPDX-License-Identifier: Apache-2.0
// The backward chunk of a DualPipe chunk pair (reference §4): which training ops (engine/training_ops.hpp)
// each backward stage runs, as DeepSeek's H800 trace runs them (../shared/data/profile_traces: attn(B)
// recomputes the norms and the MLA up-projections, tech report §3.3.3, and holds the router gate's
// gradients; mlp(W) and attn(W) hold the weight gradients). sim/calibrate/training_recipe.cpp maps the
// trace's kernels onto the same ops; tests/sim/test_training_window.cpp checks that the two agree.
// The forward chunk's stages are the inference stages: attn(F) = Stage::Attn, mlp(F) = Stage::Mlp with
// the shared expert folded in (the trace runs the shared expert inside mlp(F)).
#pragma once

#include "engine/compute_model.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_plan.hpp"

#include <span>
#include <string_view>

namespace moetwin::step {

// Ops of a backward stage (AttnB, AttnW, MlpB, MlpW), by name; ConfigError for another stage.
std::span<const std::string_view> backward_stage_ops(Stage stage);

// Contract: `p` was planned with ProgramKind::TrainingChunkPair (micro-batch 0 = forward chunk,
// micro-batch 1 = backward chunk) and has its Attn/Mlp/Shared seconds. Moves micro-batch 0's Shared
// seconds into its Mlp, and fills micro-batch 1's AttnB, AttnW, MlpB and MlpW from the model's training
// ops on `sms` SMs: the attention-side ops at the DP rank's shape, the expert ops at the GPU's received
// tokens (as Stage::Mlp). Deterministic; ConfigError when the model lacks an op a stage names.
void fill_backward_stages(StepPlan& p, const Scenario& s, const ComputeModel& compute, int sms);

} // namespace moetwin::step
