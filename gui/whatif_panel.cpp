// SPDX-License-Identifier: Apache-2.0
// WhatIfPanel.
#include "gui/whatif_panel.hpp"

#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

// A combo over "(default)" + options; the current value is listed even when it is not one of them.
void string_knob(const char* label, std::string* value, const std::vector<std::string>& options, const char* help) {
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo(label, value->empty() ? "(default)" : value->c_str())) {
        if (ImGui::Selectable("(default)", value->empty())) value->clear();
        bool listed = value->empty();
        for (const std::string& o : options) {
            listed |= o == *value;
            if (ImGui::Selectable(o.c_str(), o == *value)) *value = o;
        }
        if (!listed) ImGui::Selectable(value->c_str(), true);
        ImGui::EndCombo();
    }
    help_marker(help);
}

void int_knob(const char* label, int* value, int step, const char* help) {
    ImGui::SetNextItemWidth(200);
    ImGui::InputInt(label, value, step, step * 4);
    *value = std::max(*value, 0);
    help_marker(help);
}

void double_knob(const char* label, double* value, const char* help) {
    ImGui::SetNextItemWidth(200);
    ImGui::InputDouble(label, value, 10.0, 50.0, *value == 0 ? "(default)" : "%.1f");
    *value = std::max(*value, 0.0);
    help_marker(help);
}

} // namespace

std::string guess_scenario(const std::string& name, const fs::path& result_path) {
    std::error_code ec;
    std::vector<fs::path> candidates;
    if (!result_path.empty()) {
        candidates.push_back(result_path.parent_path() / "scenario.json");
        candidates.push_back(result_path.parent_path().parent_path() / "scenario.json");
    }
    if (!name.empty()) candidates.push_back(fs::path("scenarios") / (name + ".json"));
    for (const fs::path& p : candidates)
        if (fs::is_regular_file(p, ec)) return p.string();
    return "";
}

std::string find_moetwin_cli(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("MOETWIN_CLI"); env && *env) return env;
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && fs::exists(self.parent_path() / "moetwin", ec)) return (self.parent_path() / "moetwin").string();
    return "moetwin";
}

void WhatIfPanel::load_scenario(const std::string& path) {
    scenario_path = path;
    loaded_       = false;
    load_error_.clear();
    std::ifstream in(path);
    if (!in) {
        load_error_ = path + ": cannot read";
        return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        original_ = read_knobs(ss.str(), path);
        knobs_    = original_;
        text_     = ss.str();
        loaded_   = true;
    } catch (const std::exception& e) {
        load_error_ = e.what();
    }
}

std::string WhatIfPanel::run_as_is() {
    if (!loaded_) return load_error_.empty() ? scenario_path + ": not loaded" : load_error_;
    try {
        job_.start(moetwin_cli, apply_knobs(text_, original_, scenario_path)); // input paths made absolute
        delivered_ = false;
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

void WhatIfPanel::update() {
    job_.update();
}

std::optional<fs::path> WhatIfPanel::take_finished() {
    if (job_.state() != WhatIfJob::State::Succeeded || delivered_) return std::nullopt;
    delivered_ = true;
    return job_.result_path();
}

void WhatIfPanel::draw_knobs() {
    ImGui::Text("scenario \"%s\", phase %s", knobs_.name.c_str(), knobs_.phase.c_str());
    ImGui::SetNextItemWidth(200);
    ImGui::InputInt("EP size", &knobs_.ep_size, knobs_.gpus_per_node, knobs_.gpus_per_node * 4);
    knobs_.ep_size = std::max(knobs_.ep_size, knobs_.gpus_per_node);
    ImGui::SameLine();
    ImGui::TextColored(ImColor(kTextDim), "= %d nodes x %d GPUs", knobs_.ep_size / std::max(knobs_.gpus_per_node, 1),
                       knobs_.gpus_per_node);
    help_marker("deployment.<phase>.ep_size; also sets num_nodes and dp_size (= EP / tp_size) and grows "
                "cluster.num_nodes. Moves in whole nodes.");
    int_knob("redundant experts", &knobs_.redundant_experts, 8,
             "deployment.<phase>.redundant_experts: extra "
             "replicas of hot experts placed by the balancer (EPLB).");
    const KnobOptions& opt = knob_options(); // every list from the libraries' tables
    view_probe().set("whatif.balancer_policies", double(opt.balancer_policies.size()));
    view_probe().set("whatif.gpus", double(opt.gpus.size()));
    view_probe().set("whatif.overlaps", double(opt.overlaps.size()));
    string_knob("model", &knobs_.model, opt.models,
                "model.name: the model catalogue (engine/model_spec.hpp); routing defaults follow the model.");
    string_knob("balancer policy", &knobs_.balancer_policy, opt.balancer_policies,
                "balancer.policy: the placement policies of sim/balancer (moetwin balance --list).");
    string_knob("replica dispatch", &knobs_.replica_policy, opt.replica_policies,
                "routing.replica_policy: which replica serves a token (sim/balancer dispatch policies).");
    int_knob("node limit M", &knobs_.node_limit, 1,
             "routing.node_limit: nodes a token may reach (0 = default, "
             "min(4, nodes)); capped at the unit's nodes.");
    int_knob(knobs_.phase == "decode" ? "requests per GPU" : "tokens per GPU", &knobs_.batch_per_gpu,
             knobs_.phase == "decode" ? 16 : 1024,
             "workload.requests_per_gpu (decode) or workload.tokens_per_gpu (prefill); 0 = default.");
    int_knob("micro-batches", &knobs_.micro_batches, 1, "workload.micro_batches: 1 or 2 (0 = default, 2).");
    knobs_.micro_batches = std::min(knobs_.micro_batches, 2);
    string_knob("overlap schedule", &knobs_.overlap, opt.overlaps, "schedule.overlap");
    string_knob("GPU", &knobs_.gpu, opt.gpus, "hardware.gpu: the hardware table row (engine/gpu_spec.cpp).");
    string_knob("fabric", &knobs_.fabric, opt.fabrics, "cluster.fabric (topologies/cluster_spec.hpp).");
    string_knob("all-to-all", &knobs_.all_to_all, opt.all_to_all_modes,
                "network.all_to_all: DeepEP kernels (auto: normal in prefill, low-latency in decode).");
    double_knob("NVLink GB/s", &knobs_.nvlink_GBps,
                "cluster.nvlink.bandwidth_GBps per direction (0 = the GPU table's).");
    double_knob("InfiniBand GB/s", &knobs_.ib_GBps,
                "cluster.ib.bandwidth_GBps per NIC and direction (0 = the GPU table's).");
}

void WhatIfPanel::draw_job() {
    const WhatIfJob::State st = job_.state();
    if (st == WhatIfJob::State::Running) {
        const auto p              = job_.progress();
        const float pulse         = float(std::fmod(job_.elapsed_s() * 0.5, 1.0));
        const std::string overlay = (p ? format_percent(*p) : std::string("running")) + ", " +
                                    format_fixed(job_.elapsed_s(), 1) + " s: " + job_.last_line().substr(0, 80);
        ImGui::ProgressBar(p ? float(*p) : pulse, ImVec2(-110, 0), overlay.c_str());
        ImGui::SameLine();
        if (ImGui::Button("Cancel", ImVec2(100, 0))) job_.cancel();
        if (!p)
            ImGui::TextColored(ImColor(kTextDim), "no progress line from the CLI yet; the bar only shows it is alive");
    } else if (st == WhatIfJob::State::Succeeded) {
        coloured_text(IM_COL32(110, 210, 120, 255), "done in " + format_fixed(job_.elapsed_s(), 1) +
                                                        " s: " + job_.result_path().string() + " (opened as B)");
    } else if (st == WhatIfJob::State::Failed) {
        coloured_text(kErrColor, "re-run failed: " + job_.error());
    } else if (st == WhatIfJob::State::Cancelled) {
        coloured_text(kWarnColor, "cancelled after " + format_fixed(job_.elapsed_s(), 1) + " s");
    }
    if (st != WhatIfJob::State::Idle && ImGui::CollapsingHeader("moetwin output")) {
        ImGui::BeginChild("log", ImVec2(0, 220), true, ImGuiWindowFlags_HorizontalScrollbar);
        ImGui::TextUnformatted(job_.log().c_str());
        if (job_.running()) ImGui::SetScrollHereY(1.0f);
        ImGui::EndChild();
    }
}

void WhatIfPanel::draw() {
    ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - 260, 200.0f));
    ImGui::InputTextWithHint("##scenario", "scenario JSON file", &scenario_path);
    ImGui::SameLine();
    if (ImGui::Button("Browse...")) dialog_.open("Open scenario", scenario_path.empty() ? "scenarios" : scenario_path);
    ImGui::SameLine();
    if (ImGui::Button("Load")) load_scenario(scenario_path);
    if (auto p = dialog_.draw()) load_scenario(p->string());
    ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - 260, 200.0f));
    ImGui::InputText("moetwin CLI", &moetwin_cli);
    if (!load_error_.empty()) coloured_text(kErrColor, load_error_);
    if (!loaded_) {
        ImGui::TextWrapped("Load a scenario (scenarios/README.md documents the keys) to edit its knobs and re-run it.");
        draw_job();
        return;
    }
    ImGui::Separator();
    ImGui::BeginGroup();
    draw_knobs();
    ImGui::EndGroup();
    ImGui::SameLine(0, 40);
    ImGui::BeginGroup();
    const auto changes = knob_changes(original_, knobs_);
    ImGui::TextUnformatted(changes.empty() ? "No changes: a re-run reproduces the file as it is." : "Changes:");
    for (const std::string& c : changes)
        ImGui::BulletText("%s", c.c_str());
    if (ImGui::Button("Reset")) knobs_ = original_;
    ImGui::EndGroup();

    ImGui::Separator();
    ImGui::BeginDisabled(job_.running());
    if (ImGui::Button("Re-run with moetwin", ImVec2(220, 0))) {
        run_error_.clear();
        try {
            job_.start(moetwin_cli, apply_knobs(text_, knobs_, scenario_path));
            delivered_ = false;
        } catch (const std::exception& e) {
            run_error_ = e.what();
        }
    }
    ImGui::EndDisabled();
    if (!run_error_.empty()) coloured_text(kErrColor, run_error_);
    draw_job();
    if (ImGui::CollapsingHeader("scenario JSON that will run")) {
        std::string preview;
        try {
            preview = apply_knobs(text_, knobs_, scenario_path);
        } catch (const std::exception& e) {
            preview = e.what();
        }
        ImGui::InputTextMultiline("##preview", &preview, ImVec2(-1, 300), ImGuiInputTextFlags_ReadOnly);
    }
}

} // namespace moetwin::gui
