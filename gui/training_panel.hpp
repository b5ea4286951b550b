// SPDX-License-Identifier: Apache-2.0
// Training view: one lane per PP stage of a training step (training.json), its F / B / W / F&B spans and the DP
// sync coloured by kind over the step's time, the bubbles left as the lane's dark background, and a table of
// each stage's shares of the step (compute, exposed communication, bubble, DP sync, optimizer).
#pragma once

#include "sim/result/training_result.hpp"

namespace moetwin::gui {

class TrainingPanel {
  public:
    void draw(const TrainingResult& r);

    bool pipeline_only = false; // the time axis spans the pipeline (pipeline_s), not the whole step

  private:
    void draw_lanes(const TrainingResult& r);
    void draw_shares(const TrainingResult& r);
};

} // namespace moetwin::gui
