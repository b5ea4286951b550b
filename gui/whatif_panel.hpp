// SPDX-License-Identifier: Apache-2.0
// What-if panel: edit a scenario's knobs (EP size, redundant experts, balancer policy, node limit M, batch per
// GPU, micro-batches, overlap schedule, GPU, NVLink and InfiniBand bandwidth), re-run it with the moetwin CLI
// as a child process (progress bar, cancel), and hand the new result to the app to open as B.
#pragma once

#include "gui/file_dialog.hpp"
#include "gui/scenario_knobs.hpp"
#include "gui/whatif_job.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moetwin::gui {

struct WhatIfPanel {
    std::string moetwin_cli;   // the CLI to run
    std::string scenario_path; // the scenario being edited

    void load_scenario(const std::string& path); // reads it; errors are shown in the panel
    void update();                               // every frame, visible or not: follows the running job
    void draw();
    std::optional<std::filesystem::path> take_finished(); // a successful re-run's result.json, once
    bool running() const { return job_.running(); }
    // Runs the loaded scenario as it is (a sweep point's file); "" when started, else why not.
    std::string run_as_is();
    const WhatIfJob& job() const { return job_; }

  private:
    void draw_knobs();
    void draw_job();

    std::string text_; // the scenario file as read
    std::string load_error_;
    std::string run_error_;
    ScenarioKnobs original_, knobs_;
    bool loaded_    = false;
    bool delivered_ = true;
    WhatIfJob job_;
    FileDialog dialog_;
};

// Where the scenario of a result probably is: beside it (scenario.json, as what-if runs leave it), then
// scenarios/<meta.scenario>.json from the working folder. Empty when none exists.
std::string guess_scenario(const std::string& scenario_name, const std::filesystem::path& result_path);

// The moetwin CLI: `flag` when given, else $MOETWIN_CLI, else `moetwin` beside this executable, else "moetwin".
std::string find_moetwin_cli(const std::string& flag);

} // namespace moetwin::gui
