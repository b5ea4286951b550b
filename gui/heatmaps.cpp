// SPDX-License-Identifier: Apache-2.0
// Heatmap matrices derived from RunResult.
#include "gui/heatmaps.hpp"

#include <algorithm>
#include <limits>

namespace moetwin::gui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// An empty matrix of rows x src_cols source columns, grouped by heatmap_col_group, every cell NaN (no data).
Matrix empty_matrix(int rows, int src_cols) {
    Matrix m;
    m.rows      = std::max(rows, 0);
    m.src_cols  = std::max(src_cols, 0);
    m.col_group = heatmap_col_group(m.rows, m.src_cols);
    m.cols      = int((int64_t(m.src_cols) + m.col_group - 1) / m.col_group);
    m.values.assign(size_t(m.rows) * size_t(m.cols), kNaN);
    return m;
}

// Puts source cell (r, src_col)'s value v into its (grouped) cell: the largest value the group has seen.
void put(Matrix& m, int r, int src_col, double v) {
    double& cell = m.values[size_t(r) * size_t(m.cols) + size_t(src_col / m.col_group)];
    cell         = std::isnan(cell) ? v : std::max(cell, v);
}

// The mean of a row's source values (0 when it has none): RelativeLoad divides by it before grouping.
template <class T> double row_mean(const std::vector<T>& row, int n) {
    const size_t k = std::min(row.size(), size_t(std::max(n, 0)));
    double sum     = 0;
    for (size_t i = 0; i < k; ++i)
        sum += double(row[i]);
    return k ? sum / double(k) : 0;
}

// Copies of each logical expert in one layer's placement row: [num_experts].
void layer_replicas(const ExpertStats& e, size_t layer, std::vector<int>& out) {
    out.assign(size_t(std::max(e.num_experts, 0)), 0);
    if (layer >= e.phy2log.size()) return;
    for (const int32_t x : e.phy2log[layer])
        if (x >= 0 && x < e.num_experts) ++out[size_t(x)];
}

} // namespace

std::string_view layer_gpu_metric_name(LayerGpuMetric m) {
    switch (m) {
    case LayerGpuMetric::TokensReceived:
        return "tokens received";
    case LayerGpuMetric::RelativeLoad:
        return "tokens / layer mean";
    case LayerGpuMetric::ComputeTime:
        return "compute time";
    case LayerGpuMetric::Idle:
        return "idle (wait for layer's slowest GPU)";
    }
    return "?";
}

bool layer_gpu_metric_available(const RunResult& r, LayerGpuMetric m) {
    if (m == LayerGpuMetric::ComputeTime || m == LayerGpuMetric::Idle) return r.summary.timing_simulated;
    return true;
}

Matrix layer_gpu_matrix(const RunResult& r, LayerGpuMetric m) {
    Matrix out      = empty_matrix(r.meta.num_layers, r.meta.num_gpus);
    out.label       = std::string(layer_gpu_metric_name(m));
    const bool time = m == LayerGpuMetric::ComputeTime || m == LayerGpuMetric::Idle;
    const auto& src = time ? r.layer_gpu.compute_ns : r.layer_gpu.tokens_received;
    out.unit        = time ? Unit::Ns : Unit::Count;
    for (int l = 0; l < out.rows; ++l) {
        if (is_dense_layer(r, l)) continue; // no MoE: stays NaN (grey)
        // A layer without a row of values is all zeros, as before grouping.
        static const std::vector<int64_t> kNone;
        const auto& row   = size_t(l) < src.size() ? src[size_t(l)] : kNone;
        const int64_t mx  = row.empty() ? 0 : *std::max_element(row.begin(), row.end());
        const double mean = m == LayerGpuMetric::RelativeLoad ? row_mean(row, out.src_cols) : 0;
        for (int g = 0; g < out.src_cols; ++g) {
            const bool has = size_t(g) < row.size();
            const double v = has ? double(row[size_t(g)]) : 0.0;
            put(out, l, g,
                m == LayerGpuMetric::Idle           ? (has ? double(mx) - v : 0.0)
                : m == LayerGpuMetric::RelativeLoad ? (mean > 0 ? v / mean : 0)
                                                    : v);
        }
    }
    if (m == LayerGpuMetric::RelativeLoad) out.unit = Unit::Count;
    return out;
}

int heatmap_col_group(int64_t rows, int64_t src_cols) {
    if (src_cols <= 0) return 1;
    const int64_t max_cols = std::clamp<int64_t>(kMaxHeatmapCells / std::max<int64_t>(rows, 1), 1, kMaxHeatmapCols);
    return int((src_cols + max_cols - 1) / max_cols);
}

bool is_dense_layer(const RunResult& r, int layer) {
    return layer >= 0 && size_t(layer) < r.experts.tokens.size() && r.experts.tokens[size_t(layer)].empty();
}

std::string_view expert_metric_name(ExpertMetric m) {
    switch (m) {
    case ExpertMetric::Tokens:
        return "tokens routed";
    case ExpertMetric::RelativeLoad:
        return "tokens / layer mean";
    case ExpertMetric::PerReplica:
        return "tokens per replica";
    }
    return "?";
}

std::vector<std::vector<int>> replica_counts(const RunResult& r, int col_group) {
    const auto& e       = r.experts;
    const int64_t group = std::max(col_group, 1);
    const size_t cols   = size_t((std::max<int64_t>(e.num_experts, 0) + group - 1) / group);
    std::vector<std::vector<int>> out(e.phy2log.size(), std::vector<int>(cols, 0));
    std::vector<int> copies;
    for (size_t l = 0; l < e.phy2log.size(); ++l) {
        if (e.phy2log[l].empty()) continue; // dense: zeros (and no [num_experts] pass per dense layer)
        layer_replicas(e, l, copies);
        for (size_t x = 0; x < copies.size(); ++x)
            out[l][x / size_t(group)] = std::max(out[l][x / size_t(group)], copies[x]);
    }
    return out;
}

ReplicaSummary replica_summary(const RunResult& r) {
    ReplicaSummary s;
    int64_t copies = 0;
    std::vector<int> n;
    for (size_t l = 0; l < r.experts.phy2log.size(); ++l) {
        if (r.experts.phy2log[l].empty()) continue;
        layer_replicas(r.experts, l, n);
        if (std::none_of(n.begin(), n.end(), [](int c) { return c > 0; })) continue;
        ++s.moe_layers;
        for (const int c : n)
            copies += std::max(c - 1, 0);
    }
    s.copies_per_layer = s.moe_layers ? copies / s.moe_layers : 0;
    return s;
}

Matrix expert_matrix(const RunResult& r, ExpertMetric m) {
    const auto& e = r.experts;
    Matrix out    = empty_matrix(int(e.tokens.size()), e.num_experts);
    out.unit      = Unit::Count;
    out.label     = std::string(expert_metric_name(m));
    std::vector<int> copies;
    for (int l = 0; l < out.rows; ++l) {
        const auto& row = e.tokens[size_t(l)];
        if (row.empty()) continue; // dense: stays NaN
        if (m == ExpertMetric::PerReplica) layer_replicas(e, size_t(l), copies);
        const double mean = m == ExpertMetric::RelativeLoad ? row_mean(row, out.src_cols) : 0;
        for (int x = 0; x < out.src_cols && size_t(x) < row.size(); ++x) {
            double v = double(row[size_t(x)]);
            if (m == ExpertMetric::PerReplica) v /= std::max(copies[size_t(x)], 1);
            if (m == ExpertMetric::RelativeLoad) v = mean > 0 ? v / mean : 0;
            put(out, l, x, v);
        }
    }
    return out;
}

std::vector<int> gpus_hosting(const RunResult& r, int layer, int expert) {
    std::vector<int> gpus;
    const auto& e = r.experts;
    if (layer < 0 || size_t(layer) >= e.phy2log.size() || e.slots_per_gpu <= 0) return gpus;
    const auto& row = e.phy2log[size_t(layer)];
    for (int32_t g = 0; g < r.meta.num_gpus; ++g) // each GPU's slots (uneven layouts: experts.gpu_slots)
        for (size_t s = e.first_slot(g); s < e.first_slot(g) + e.slots_on_gpu(g) && s < row.size(); ++s)
            if (row[s] == expert) gpus.push_back(int(g));
    return gpus;
}

std::vector<int> experts_on_gpu(const RunResult& r, int layer, int gpu) {
    std::vector<int> xs;
    const auto& e = r.experts;
    if (layer < 0 || size_t(layer) >= e.phy2log.size() || e.slots_per_gpu <= 0) return xs;
    const auto& row = e.phy2log[size_t(layer)];
    if (gpu < 0 || gpu >= r.meta.num_gpus) return xs;
    for (size_t s = e.first_slot(gpu); s < e.first_slot(gpu) + e.slots_on_gpu(gpu); ++s)
        if (s < row.size()) xs.push_back(row[s]);
    return xs;
}

} // namespace moetwin::gui
