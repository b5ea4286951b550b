// SPDX-License-Identifier: Apache-2.0
// Writing a RunResult's files into an output directory, as the scenario's `output` section asks.
#pragma once

#include "sim/result/result.hpp"
#include "sim/scenario.hpp"

#include <filesystem>
#include <vector>

namespace moetwin {

// Writes result.json, trace.json, gpus.csv and links.csv (each atomically) into `dir`, skipping
// what `out` turns off. Returns the paths written, in that order.
std::vector<std::filesystem::path> write_run_outputs(const RunResult& r, const OutputConfig& out,
                                                     const std::filesystem::path& dir);

} // namespace moetwin
