// SPDX-License-Identifier: Apache-2.0
// One what-if re-run: writes the edited scenario to a fresh temp folder, starts `moetwin run SCENARIO --out DIR`
// as a child process, follows its output for progress, cancels on request, and reports DIR/result.json.
// Polled once per frame; never blocks. No ImGui.
#pragma once

#include "gui/child_process.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace moetwin::gui {

// Progress printed by the CLI, if any: "progress: 0.42", "progress 42%", "[12/58]" or "layer 12/58" -> [0, 1].
std::optional<double> parse_progress(std::string_view line);

class WhatIfJob {
  public:
    enum class State { Idle, Running, Succeeded, Failed, Cancelled };

    // Starts a run; a job still running is cancelled first. On a spawn error the state becomes Failed.
    void start(const std::string& moetwin_cli, const std::string& scenario_json);
    void update(); // read output, update progress, notice the exit; call every frame
    void cancel(); // SIGTERM now, SIGKILL if it is still running 2 s later

    State state() const { return state_; }
    bool running() const { return state_ == State::Running; }
    std::optional<double> progress() const { return progress_; } // empty: no "progress <fraction>" line read yet
    double elapsed_s() const;
    const std::string& log() const { return log_; }     // the child's output (the last 256 KiB)
    std::string last_line() const;                      // last non-empty output line
    const std::string& error() const { return error_; } // why it failed
    std::filesystem::path result_path() const { return dir_ / "out" / "result.json"; }
    const std::filesystem::path& work_dir() const { return dir_; }

  private:
    void append(std::string_view text);
    void finish();

    ChildProcess child_;
    State state_ = State::Idle;
    std::optional<double> progress_;
    std::string log_;
    std::string partial_; // output after the last newline
    std::string error_;
    std::filesystem::path dir_;
    std::chrono::steady_clock::time_point started_{}, finished_{}, cancel_at_{};
    bool cancel_requested_ = false;
};

} // namespace moetwin::gui
