// SPDX-License-Identifier: Apache-2.0
// The matrices behind the heatmaps: layer x GPU (tokens, compute, idle) and layer x logical expert (tokens,
// replicas from the phy2log placement). Pure functions over RunResult; no ImGui.
#pragma once

#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin::gui {

// Row-major [rows][cols]; NaN marks "no data" (a dense layer in an expert matrix), drawn grey.
struct Matrix {
    int rows = 0;
    int cols = 0;
    std::vector<double> values;
    Unit unit = Unit::Count;
    std::string label; // legend text: what a cell's colour means

    double at(int r, int c) const { return values[size_t(r) * size_t(cols) + size_t(c)]; }
    bool has(int r, int c) const { return !std::isnan(at(r, c)); }
};

enum class LayerGpuMetric : uint8_t {
    TokensReceived, // layer_gpu.tokens_received
    RelativeLoad,   // tokens received / the layer's mean over GPUs (1.0 = balanced)
    ComputeTime,    // layer_gpu.compute_ns
    Idle,           // the layer's slowest GPU compute time minus this GPU's: time spent waiting for the straggler
};
inline constexpr int kNumLayerGpuMetrics = 4;
std::string_view layer_gpu_metric_name(LayerGpuMetric m);
bool layer_gpu_metric_available(const RunResult& r, LayerGpuMetric m); // compute/idle need timing

// [num_layers][num_gpus]; dense layers (no MoE: DeepSeek-V3's first 3) are NaN rows, drawn grey, so their
// attention-only compute and zero routed tokens do not stretch the colour scale.
Matrix layer_gpu_matrix(const RunResult& r, LayerGpuMetric m);

// A layer without routed experts: its experts.tokens row is empty (result.hpp's ExpertStats NOTES).
bool is_dense_layer(const RunResult& r, int layer);

enum class ExpertMetric : uint8_t {
    Tokens,       // experts.tokens
    RelativeLoad, // tokens / the layer's mean over experts
    PerReplica,   // tokens / replicas: the load each physical copy carries after placement
};
inline constexpr int kNumExpertMetrics = 3;
std::string_view expert_metric_name(ExpertMetric m);

Matrix expert_matrix(const RunResult& r, ExpertMetric m); // [num_layers][num_experts]

// How many physical slots hold each logical expert: [num_layers][num_experts], 0 for dense layers.
std::vector<std::vector<int>> replica_counts(const RunResult& r);

// The GPUs holding a replica of `expert` in `layer` (ascending, a GPU listed once per slot it gives it).
std::vector<int> gpus_hosting(const RunResult& r, int layer, int expert);

// The logical experts on `gpu` in `layer` (in slot order).
std::vector<int> experts_on_gpu(const RunResult& r, int layer, int gpu);

} // namespace moetwin::gui
