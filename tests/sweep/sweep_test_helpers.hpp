// SPDX-License-Identifier: Apache-2.0
// Sweep files for the tests: written to a per-process temporary folder, on the tiny one-node scenario.
#pragma once

#include "../support/test_files.hpp"
#include "common/atomic_file.hpp"
#include "sim/sweep/sweep_spec.hpp"

#include <filesystem>
#include <string>

namespace moetwin::sweep::test {

inline std::filesystem::path temp_dir(const std::string& name) {
    return moetwin_test::scratch_dir("sweep", name);
}

// The tiny one-node EP8 decode scenario (two MoE layers): a step simulates in well under a second.
inline std::string tiny_base() {
    return std::string("\"") + MOETWIN_SOURCE_DIR + "/scenarios/tiny_1node_ep8_decode.json\"";
}

// A sweep over `axes` (JSON array text) on the tiny base, with optional extra top-level members.
inline std::string sweep_text(const std::string& axes, const std::string& extra = "") {
    return "{ \"name\": \"t\", \"base\": " + tiny_base() + ", \"axes\": " + axes + (extra.empty() ? "" : ", " + extra) +
           " }";
}

inline SweepSpec parse(const std::string& text) {
    return parse_sweep(text, "sweep.json", MOETWIN_SOURCE_DIR);
}

} // namespace moetwin::sweep::test
