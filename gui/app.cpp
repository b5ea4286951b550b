// SPDX-License-Identifier: Apache-2.0
// App: loading, menu, status line, tabs.
#include "gui/app.hpp"

#include "gui/file_kind.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

#include <fstream>
#include <sstream>

namespace moetwin::gui {

App::App(const GuiArgs& args) : view_(std::max(view_index(args.view), 0)) {
    whatif_.moetwin_cli = find_moetwin_cli(args.moetwin_cli);
    if (!args.metric.empty()) cluster_.metric = table_parse(kGpuMetrics, args.metric, "GPU metric");
    if (args.window_end_ns > args.window_begin_ns) timeline_.set_window(args.window_begin_ns, args.window_end_ns);
    if (!args.scenario.empty()) {
        whatif_.load_scenario(args.scenario);
        scenario_given_ = true;
    }
}

bool App::open_other(const std::filesystem::path& path, bool show) {
    const DetectedFile f = detect_file_kind(path);
    if (f.kind == FileKind::Result) return false;
    Slot& s = slots_[0];
    try {
        switch (f.kind) {
        case FileKind::Sweep:
            sweep_ = read_sweep_json(f.path);
            sweep_panel_.status.clear();
            break;
        case FileKind::Training: {
            std::ifstream in(f.path, std::ios::binary);
            if (!in) throw ConfigError(f.path.string() + ": cannot open");
            std::stringstream ss;
            ss << in.rdbuf();
            training_      = training_result_from_json(ss.str(), f.path.string());
            training_path_ = f.path;
            break;
        }
        case FileKind::Serve:
            serve_ = read_serve_dir(f.path);
            break;
        case FileKind::Result:
            break;
        }
        s.error.clear();
        if (show) select_view(view_index(to_string(f.kind) == "serve" ? "serving" : std::string(to_string(f.kind))));
    } catch (const std::exception& e) {
        s.error      = e.what();
        s.error_path = f.path;
    }
    return true;
}

void App::open(int slot, const std::filesystem::path& path, bool wait, bool show) {
    if (slot == 0 && open_other(path, show)) return;
    if (wait) {
        on_loaded(slot, load_result(path));
        return;
    }
    slots_[slot].loader.start(path);
}

void App::on_loaded(int slot, LoadedResult l) {
    const bool ok = l.ok();
    Slot& s       = slots_[slot];
    if (ok) {
        s.current = std::move(l);
        s.error.clear();
    } else { // keep showing what was open; say why the new file did not open
        s.error      = l.error;
        s.error_path = l.path;
    }
    if (slot == 0 && ok) {
        layers_.invalidate();
        experts_.invalidate();
        links_.invalidate();
        timeline_.invalidate();
        const LoadedResult& a = slots_[0].current;
        if (!scenario_given_ && !whatif_.running()) {
            const std::string scenario = guess_scenario(a.result->meta.scenario, a.path);
            if (!scenario.empty()) whatif_.load_scenario(scenario);
        }
    }
}

void App::ask_for_result() {
    dialog_slot_ = 0;
    dialog_.open("Open result A", "");
}

void App::update() {
    for (int s = 0; s < 2; ++s)
        if (auto l = slots_[s].loader.poll()) on_loaded(s, std::move(*l));
    whatif_.update();
    if (auto done = whatif_.take_finished()) {
        if (sweep_run_pending_) { // a clicked sweep point: its full result becomes A
            sweep_run_pending_ = false;
            sweep_panel_.status =
                "point " + std::to_string(sweep_run_point_) + " simulated: " + done->string() + " (open as A)";
            open(0, *done);
            select_view(view_index("overview"));
        } else {
            open(1, *done);
            select_view(view_index("compare"));
        }
    }
    if (sweep_run_pending_ && !whatif_.running()) {
        sweep_run_pending_  = false;
        sweep_panel_.status = "point " + std::to_string(sweep_run_point_) +
                              ": moetwin run failed: " + whatif_.job().error() + " (details in the whatif tab)";
    }
}

void App::draw_menu() {
    if (!ImGui::BeginMenuBar()) return;
    if (ImGui::BeginMenu("File")) {
        const auto start = [&](int s) {
            return slots_[s].current.path.empty() ? slots_[0].current.path : slots_[s].current.path;
        };
        if (ImGui::MenuItem("Open A...")) dialog_slot_ = 0, dialog_.open("Open result A", start(0));
        if (ImGui::MenuItem("Open B (compare)...")) dialog_slot_ = 1, dialog_.open("Open result B", start(1));
        if (ImGui::MenuItem("Reload A", nullptr, false, !slots_[0].current.path.empty()))
            open(0, slots_[0].current.path);
        if (ImGui::MenuItem("Close B", nullptr, false, slots_[1].current.ok())) slots_[1].current = {};
        ImGui::EndMenu();
    }
    draw_status();
    ImGui::EndMenuBar();
}

void App::draw_status() {
    for (int s = 0; s < 2; ++s) {
        const Slot& slot = slots_[s];
        ImGui::SameLine(0, 24);
        const char* name = s == 0 ? "A" : "B";
        if (slot.loader.busy()) {
            ImGui::TextColored(ImColor(kWarnColor), "%s: loading %s ...", name,
                               slot.loader.pending_path().string().c_str());
        } else if (slot.current.ok()) {
            ImGui::TextColored(ImColor(kTextDim), "%s: %s (%.0f ms)", name, slot.current.path.string().c_str(),
                               slot.current.load_ms);
        } else if (s == 0) {
            ImGui::TextColored(ImColor(kTextDim), "A: no result open");
        }
    }
}

void App::draw_error(int slot) {
    Slot& s = slots_[slot];
    if (s.error.empty()) return;
    ImGui::PushID(slot);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, IM_COL32(70, 25, 25, 255));
    ImGui::BeginChild("error", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 5), true);
    coloured_text(kErrColor, std::string("Could not open ") + (slot == 0 ? "A" : "B") + ": " + s.error_path.string());
    ImGui::TextWrapped("%s", s.error.c_str());
    if (s.current.ok()) ImGui::TextColored(ImColor(kTextDim), "still showing %s", s.current.path.string().c_str());
    if (ImGui::SmallButton("dismiss")) s.error.clear();
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopID();
}

void App::open_sweep_point(std::size_t i) {
    const SweepPoint& p                  = sweep_->points[i];
    const std::filesystem::path scenario = sweep_->scenario_of(i);
    std::error_code ec;
    if (scenario.empty() || !std::filesystem::is_regular_file(scenario, ec)) {
        sweep_panel_.status = "point " + std::to_string(p.point) + " (" + p.verdict + ") has no scenario file" +
                              (scenario.empty() ? std::string() : ": " + scenario.string() + " is missing");
        return;
    }
    whatif_.load_scenario(scenario.string());
    scenario_given_ = true; // keep this scenario in the what-if panel when its result opens
    if (const std::string why = whatif_.run_as_is(); !why.empty()) {
        sweep_panel_.status = "point " + std::to_string(p.point) + ": " + why;
        return;
    }
    sweep_run_pending_  = true;
    sweep_run_point_    = std::size_t(p.point);
    sweep_panel_.status = "simulating point " + std::to_string(p.point) + ": moetwin run " + scenario.string() +
                          " (progress in the whatif tab); its result opens as A";
}

void App::draw_other(int view) {
    const std::string& name = kViewNames[std::size_t(view)];
    if (name == "sweep" && sweep_) {
        if (const auto clicked = sweep_panel_.draw(*sweep_)) open_sweep_point(*clicked);
    } else if (name == "training" && training_) {
        training_panel_.draw(*training_);
    } else if (name == "serving" && serve_) {
        serve_panel_.draw(*serve_);
    } else {
        ImGui::TextWrapped("Nothing open for this view. Open %s with File > Open A... or on the command line.",
                           name == "sweep"      ? "a sweep.json written by `moetwin sweep` (or its folder)"
                           : name == "training" ? "a training.json written by `moetwin run` on a training scenario"
                                                : "the output folder of `moetwin serve` (series.csv + summary.json)");
    }
}

void App::draw_view(int view, const RunResult& a) {
    const RunResult* b = slots_[1].current.ok() ? slots_[1].current.result.get() : nullptr;
    switch (view) {
    case 0: {
        ImGui::BeginChild("summary", ImVec2(ImGui::GetContentRegionAvail().x * 0.42f, 0), false);
        summary_.draw(a);
        ImGui::EndChild();
        ImGui::SameLine();
        ImGui::BeginChild("map", ImVec2(0, 0), false);
        if (const int g = cluster_.draw(a); g >= 0) timeline_.focus_gpu(g), select_view(view_index("timeline"));
        ImGui::EndChild();
        break;
    }
    case 1:
        if (const int g = cluster_.draw(a); g >= 0) timeline_.focus_gpu(g), select_view(view_index("timeline"));
        break;
    case 2:
        layers_.draw(a);
        break;
    case 3:
        experts_.draw(a);
        break;
    case 4:
        links_.draw(a);
        break;
    case 5:
        timeline_.draw(a);
        break;
    case 6:
        draw_error(1);
        compare_.draw(a, b, slots_[0].current.path.string().c_str(), b ? slots_[1].current.path.string().c_str() : "");
        break;
    default:
        break;
    }
}

void App::draw() {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("moetwin", nullptr, flags);
    if (pending_view_ >= 0) view_ = pending_view_, select_view_ = true, pending_view_ = -1;
    draw_menu();
    if (auto p = dialog_.draw()) open(dialog_slot_, *p);

    const LoadedResult& a = slots_[0].current;
    draw_error(0);
    if (ImGui::BeginTabBar("views")) {
        for (int v = 0; v < int(kViewNames.size()); ++v) {
            const ImGuiTabItemFlags f = select_view_ && v == view_ ? ImGuiTabItemFlags_SetSelected : 0;
            if (!ImGui::BeginTabItem(kViewNames[size_t(v)].c_str(), nullptr, f)) continue;
            if (!select_view_) view_ = v;
            if (v == view_index("whatif")) {
                whatif_.draw();
            } else if (v >= view_index("sweep")) {
                draw_other(v);
            } else if (a.ok()) {
                draw_view(v, *a.result);
            } else {
                ImGui::TextWrapped(loading() ? "Loading ..."
                                             : "No result open. Use File > Open A... to open a "
                                               "result.json written by `moetwin run`.");
            }
            ImGui::EndTabItem();
        }
        select_view_ = false;
        ImGui::EndTabBar();
    }
    ImGui::End();
}

} // namespace moetwin::gui
