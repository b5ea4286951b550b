// SPDX-License-Identifier: Apache-2.0
// A SYNTHETIC `moetwin serve` output for the GUI's tests: a ReplaySummary made up here (a 2-hour replay, 12
// periods of 10 minutes, a load rising then falling), written by the product's own writers
// (serving::summary_json, serving::series_csv), so the GUI's readers are checked against what `moetwin serve`
// writes. Not a simulation.
#pragma once

#include "sim/serving/replay.hpp"

#include <filesystem>

namespace moetwin::gui::test {

serving::ReplaySummary synthetic_serve_summary();
serving::ReplayInputs synthetic_serve_inputs();
// Writes dir/series.csv and dir/summary.json.
void write_synthetic_serve_dir(const std::filesystem::path& dir);

} // namespace moetwin::gui::test
