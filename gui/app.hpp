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
#include "gui/summary_panel.hpp"
#include "gui/timeline_panel.hpp"
#include "gui/whatif_panel.hpp"

#include <filesystem>

namespace moetwin::gui {

class App {
  public:
    explicit App(const GuiArgs& args);

    // Opens a result as A (slot 0) or B (slot 1); `wait` loads synchronously (screenshots, benchmarks).
    void open(int slot, const std::filesystem::path& path, bool wait = false);
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
};

} // namespace moetwin::gui
