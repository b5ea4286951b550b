// SPDX-License-Identifier: Apache-2.0
// Sweep view: every simulated point of a `moetwin sweep` as tokens/s per GPU against tokens/s per user, coloured
// by verdict, the Pareto front joined and ringed, the point's settings on hover; a click asks the app to open the
// point's full result (App runs `moetwin run <sweep folder>/scenarios/<key>.json` through the what-if job).
#pragma once

#include "gui/sweep_data.hpp"

#include <optional>

namespace moetwin::gui {

class SweepPanel {
  public:
    // Returns the point clicked this frame, if any.
    std::optional<std::size_t> draw(const SweepData& d);
    std::string status; // the app's line about the clicked point's run ("running ...", "failed: ...")

  private:
    void draw_plot(const SweepData& d, std::optional<std::size_t>* clicked);
    void draw_front_table(const SweepData& d);
};

} // namespace moetwin::gui
