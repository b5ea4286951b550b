// SPDX-License-Identifier: Apache-2.0
// `moetwin run` on a training scenario (cmd_run.cpp hands it over when scenario.training is set).
#pragma once

#include "sim/preflight.hpp"
#include "sim/result/training_result.hpp"
#include "sim/scenario.hpp"

#include <ostream>
#include <string>

namespace moetwin::cli {

// Step time, throughput, MFU, GPU-hours per trillion tokens, and per rank its chunk times and shares.
void print_training_summary(std::ostream& out, const TrainingResult& r);

// Simulates, writes training.json and trace.json into `out_dir` (default: the scenario's output.dir), prints.
void run_training_main(const Scenario& s, const std::string& out_dir, bool force, const SizeLimits& limits);

} // namespace moetwin::cli
