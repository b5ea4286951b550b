// SPDX-License-Identifier: Apache-2.0
// The training section of a scenario (sim/scenario_training.hpp), read by the scenario parser
// (sim/scenario_json.cpp calls these two; nothing else reads it). Internal to moetwin_scenario.
#pragma once

#include "common/json_reader.hpp"
#include "sim/scenario.hpp"

namespace moetwin {

// The phase name a training scenario's workload.phase holds (kPhases holds the serving phases only).
inline constexpr std::string_view kTrainingPhaseName = "training";

// True when root's workload.phase is "training".
bool is_training_scenario(const JsonObject& root);

// Contract: `s` has its model, hardware, cluster and deployment parsed; root's workload.phase is "training".
// Reads workload (only "phase") and the `training` section strictly, derives num_gpus, dp_size and
// micro_batches (restated values must agree), checks the layer split, the schedule's micro-batch needs
// (pipeline_requirement_error) and, unless s.allow_not_fitting, per-GPU memory (training_memory); sets
// s.training, the workload of one DualPipe chunk pair (2 micro-batches of one sequence per GPU, prefill
// shapes) and the schedule (dualpipe_chunk_pair on training.comm_sms). ConfigError names the key.
void parse_training(const JsonObject& root, Scenario& s);

} // namespace moetwin
