// SPDX-License-Identifier: Apache-2.0
// A sweep's sweep.json (`moetwin sweep`, format in scenarios/sweeps/README.md) as the GUI's sweep view needs it,
// read strictly (common/json_reader.hpp), and the view's pure maths: which points have a place on the plot
// (tokens/s per GPU against tokens/s per user) and which point is under the pointer. No ImGui.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moetwin::gui {

struct SweepPoint {
    int64_t point = 0;
    std::vector<std::pair<std::string, std::string>> values; // axis path -> value as text, in axis order
    std::string verdict;                                     // "ok", "invalid", "does_not_fit", ...
    std::optional<double> memory_per_gpu_GiB;
    bool simulated      = false; // has the figures below
    double step_time_ms = 0, tokens_per_s_per_gpu = 0, tokens_per_s_per_node = 0;
    std::optional<double> tokens_per_s_per_user, latency_ms, cost_per_million_tokens_usd; // null: prefill
    std::string bottleneck;
    bool pareto = false, pareto_cost_latency = false;
    std::string scenario_file; // relative to the sweep's folder; "" when the point was not resolved
    std::string key, reason;
};

struct SweepData {
    std::filesystem::path path; // sweep.json
    std::string name, description, moetwin_version;
    std::vector<std::string> axes;
    std::vector<SweepPoint> points; // points[i].point == i
    std::vector<int64_t> pareto_front;

    // The file that reproduces point i (`moetwin run` on it); "" when the point has none.
    std::filesystem::path scenario_of(std::size_t i) const;
};

// Strict: ConfigError "<file>:<line>:<col>: ..." (syntax) or "<file>: <json.path>: ..." (content), also when the
// points are out of order or the front names a point that is not marked pareto (or the reverse).
SweepData read_sweep_json(const std::filesystem::path& path);

// A point has a place on the plot when it was simulated and has a tokens/s per user (decode).
bool on_gpu_user_plot(const SweepPoint& p);

// Contract: pure. The index into `xy` of the point nearest (x, y) within `radius` (same units), or -1.
int nearest_point(const std::vector<std::pair<float, float>>& xy, float x, float y, float radius);

} // namespace moetwin::gui
