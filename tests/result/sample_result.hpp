// SPDX-License-Identifier: Apache-2.0
// A small hand-made RunResult (2 nodes x 2 GPUs, 2 layers, 2 micro-batches) shared by the result tests,
// and a scratch directory per test process.
#pragma once

#include "sim/result/result.hpp"

#include <filesystem>
#include <string>

namespace moetwin::test {

// step_time_ns 10000; spans on every GPU (gpu 0 has all three lanes); 3 links (nvlink, ib, pcie);
// 4 logical experts in 8 slots per layer. Counters and summary filled by fill_counters_from_spans/fill_summary.
RunResult sample_result();

// A fresh directory under the system temp dir, unique to this process and `name`.
std::filesystem::path scratch_dir(const std::string& name);

} // namespace moetwin::test
