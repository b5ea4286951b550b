// SPDX-License-Identifier: Apache-2.0
// The matrices behind the heatmaps: layer x GPU (tokens, compute, idle) and layer x logical expert (tokens,
// replicas from the phy2log placement). Pure functions over RunResult; no ImGui.
#pragma once

#include "gui/format.hpp"
#include "sim/result/result.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moetwin::gui {

// What one heatmap may allocate (issue 15 defect 8: 2,000 layers x 2^20 experts, a valid 9 MB result, asked
// for 16 GiB). A cell is a double (8 B) and a texel (4 B), so 2^22 cells cost 48 MiB; no panel is wider than
// kMaxHeatmapCols pixels on a 4K screen (3840 px), so grouping columns beyond it hides nothing the screen could
// show. Rows (layers) are never grouped: the result validator caps them at 32,767 (sim/result/result_validate.cpp).
inline constexpr int64_t kMaxHeatmapCells = int64_t(1) << 22;
inline constexpr int64_t kMaxHeatmapCols  = 4096;

// How many source columns (GPUs, experts) one heatmap column holds so that rows x columns stays within
// kMaxHeatmapCells and columns within kMaxHeatmapCols: 1 when the matrix fits, else the smallest group that fits.
int heatmap_col_group(int64_t rows, int64_t src_cols);

// Row-major [rows][cols]; NaN marks "no data" (a dense layer in an expert matrix), drawn grey.
// NOTES: when col_group > 1 each column holds source columns [c * col_group, min((c + 1) * col_group, src_cols))
// and its value is the largest of theirs (a heatmap is read for hot spots: a mean would hide the hottest one).
struct Matrix {
    int rows = 0;
    int cols = 0;
    std::vector<double> values;
    Unit unit = Unit::Count;
    std::string label; // legend text: what a cell's colour means
    int col_group = 1; // source columns per column
    int src_cols  = 0; // source columns (GPUs, experts) before grouping

    double at(int r, int c) const { return values[size_t(r) * size_t(cols) + size_t(c)]; }
    bool has(int r, int c) const { return !std::isnan(at(r, c)); }
    bool grouped() const { return col_group > 1; }
    // The source columns [first, last) that column c holds.
    std::pair<int, int> source_cols(int c) const {
        return {c * col_group, int(std::min<int64_t>(int64_t(c + 1) * col_group, src_cols))};
    }
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
Matrix layer_gpu_matrix(const RunResult& r, LayerGpuMetric m); // GPUs grouped by heatmap_col_group

// A layer without routed experts: its experts.tokens row is empty (result.hpp's ExpertStats NOTES).
bool is_dense_layer(const RunResult& r, int layer);

enum class ExpertMetric : uint8_t {
    Tokens,       // experts.tokens
    RelativeLoad, // tokens / the layer's mean over experts
    PerReplica,   // tokens / replicas: the load each physical copy carries after placement
};
inline constexpr int kNumExpertMetrics = 3;
std::string_view expert_metric_name(ExpertMetric m);

Matrix expert_matrix(const RunResult& r, ExpertMetric m); // [num_layers][num_experts], grouped likewise

// How many physical slots hold each logical expert: [num_layers][ceil(num_experts / col_group)], 0 for dense
// layers; with col_group > 1, the most copies any expert of the group has (as expert_matrix groups columns).
std::vector<std::vector<int>> replica_counts(const RunResult& r, int col_group = 1);

// Redundant copies per MoE layer (slots beyond one per logical expert), counted one layer at a time (no
// [layers][experts] matrix): the expert panel's headline.
struct ReplicaSummary {
    int moe_layers           = 0; // layers with at least one expert placed
    int64_t copies_per_layer = 0; // mean over those layers of sum over experts of max(copies - 1, 0), rounded down
};
ReplicaSummary replica_summary(const RunResult& r);

// The GPUs holding a replica of `expert` in `layer` (ascending, a GPU listed once per slot it gives it).
std::vector<int> gpus_hosting(const RunResult& r, int layer, int expert);

// The logical experts on `gpu` in `layer` (in slot order).
std::vector<int> experts_on_gpu(const RunResult& r, int layer, int gpu);

} // namespace moetwin::gui
