// SPDX-License-Identifier: Apache-2.0
// App: the two open results (A and B), the file dialog and one panel per view, drawn as tabs in one full-window
// ImGui window. It only routes: panels own their state and draw themselves (design.md example 12).
#pragma once

#include "gui/cluster_panel.hpp"
#include "gui/compare_panel.hpp"
#include "gui/expert_panel.hpp"
#include "gui/file_dialog.hpp"
#include "gui/gui_args.hpp"
#include "gui/layer_heatmap_panel.hpp"
#include "gui/link_panel.hpp"
#include "gui/result_loader.hpp"
#include "gui/serve_panel.hpp"
#include "gui/summary_panel.hpp"
#include "gui/sweep_panel.hpp"
#include "gui/timeline_panel.hpp"
#include "gui/training_panel.hpp"
#include "gui/whatif_panel.hpp"

#include <filesystem>

namespace moetwin::gui {

class App {
  public:
    explicit App(const GuiArgs& args);

    // Opens a result as A (slot 0) or B (slot 1); `wait` loads synchronously (screenshots, benchmarks). In slot 0
    // a sweep, training or serving output (detect_file_kind) opens in its own view instead, read synchronously
    // (they are small); a failure shows as slot 0's error. `show` switches to that view.
    void open(int slot, const std::filesystem::path& path, bool wait = false, bool show = true);
    void update(); // polls the loaders and the what-if job; call once per frame before draw()
    void draw();   // the whole UI, filling the display

    bool loading() const { return slots_[0].loader.busy() || slots_[1].loader.busy(); }
    const LoadedResult& loaded(int slot) const { return slots_[slot].current; }
    // Why the last load of `slot` failed ("" when it succeeded); the window shows it, headless runs print it.
    const std::string& load_error(int slot) const { return slots_[slot].error; }
    void select_view(int v) { pending_view_ = v; } // switches tabs on the next frame
    void ask_for_result();                         // opens the file dialog for A

  private:
    struct Slot {
        LoadedResult current; // the result shown (kept when a later load fails)
        std::string error;    // the last failed load's message, shown in the window until the next success
        std::filesystem::path error_path;
        ResultLoader loader;
    };
    void on_loaded(int slot, LoadedResult l);
    void draw_menu();
    void draw_status();
    void draw_error(int slot);
    void draw_view(int view, const RunResult& a);
    bool open_other(const std::filesystem::path& path, bool show); // false: a result.json, for the slots
    void draw_other(int view);                                     // the sweep, training and serving views
    void open_sweep_point(std::size_t i);

    Slot slots_[2];
    int view_         = 0;
    int pending_view_ = -1;
    bool select_view_ = true;
    FileDialog dialog_;
    int dialog_slot_ = 0;

    SummaryPanel summary_;
    ClusterPanel cluster_;
    LayerHeatmapPanel layers_;
    ExpertPanel experts_;
    LinkPanel links_;
    TimelinePanel timeline_;
    ComparePanel compare_;
    WhatIfPanel whatif_;
    bool scenario_given_ = false;

    std::optional<SweepData> sweep_;
    std::optional<TrainingResult> training_;
    std::optional<ServeData> serve_;
    std::filesystem::path training_path_;
    SweepPanel sweep_panel_;
    TrainingPanel training_panel_;
    ServePanel serve_panel_;
    bool sweep_run_pending_      = false; // the what-if job runs a clicked sweep point: its result opens as A
    std::size_t sweep_run_point_ = 0;
};

} // namespace moetwin::gui
