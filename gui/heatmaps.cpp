// SPDX-License-Identifier: Apache-2.0
// Heatmap matrices derived from RunResult.
#include "gui/heatmaps.hpp"

#include <algorithm>
#include <limits>

namespace moetwin::gui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Divides each row by its mean over the cells that have data.
void divide_by_row_mean(Matrix& m) {
    for (int r = 0; r < m.rows; ++r) {
        double sum = 0;
        int n      = 0;
        for (int c = 0; c < m.cols; ++c)
            if (m.has(r, c)) sum += m.at(r, c), ++n;
        const double mean = n ? sum / n : 0;
        for (int c = 0; c < m.cols; ++c) {
            double& v = m.values[size_t(r) * size_t(m.cols) + size_t(c)];
            if (!std::isnan(v)) v = mean > 0 ? v / mean : 0;
        }
    }
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
    Matrix out;
    out.rows  = r.meta.num_layers;
    out.cols  = r.meta.num_gpus;
    out.label = std::string(layer_gpu_metric_name(m));
    out.values.assign(size_t(out.rows) * size_t(out.cols), 0.0);
    const bool time = m == LayerGpuMetric::ComputeTime || m == LayerGpuMetric::Idle;
    const auto& src = time ? r.layer_gpu.compute_ns : r.layer_gpu.tokens_received;
    out.unit        = time ? Unit::Ns : Unit::Count;
    for (int l = 0; l < out.rows && size_t(l) < src.size(); ++l) {
        const auto& row  = src[size_t(l)];
        const int64_t mx = row.empty() ? 0 : *std::max_element(row.begin(), row.end());
        for (int g = 0; g < out.cols && size_t(g) < row.size(); ++g)
            out.values[size_t(l) * size_t(out.cols) + size_t(g)] =
                m == LayerGpuMetric::Idle ? double(mx - row[size_t(g)]) : double(row[size_t(g)]);
    }
    for (int l = 0; l < out.rows; ++l)
        if (is_dense_layer(r, l))
            std::fill_n(out.values.begin() + std::ptrdiff_t(size_t(l) * size_t(out.cols)), out.cols, kNaN);
    if (m == LayerGpuMetric::RelativeLoad) {
        divide_by_row_mean(out);
        out.unit = Unit::Count;
    }
    return out;
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

std::vector<std::vector<int>> replica_counts(const RunResult& r) {
    const auto& e = r.experts;
    std::vector<std::vector<int>> out(e.phy2log.size(), std::vector<int>(size_t(std::max(e.num_experts, 0)), 0));
    for (size_t l = 0; l < e.phy2log.size(); ++l)
        for (const int32_t x : e.phy2log[l])
            if (x >= 0 && x < e.num_experts) ++out[l][size_t(x)];
    return out;
}

Matrix expert_matrix(const RunResult& r, ExpertMetric m) {
    const auto& e = r.experts;
    Matrix out;
    out.rows  = int(e.tokens.size());
    out.cols  = std::max(e.num_experts, 0);
    out.unit  = Unit::Count;
    out.label = std::string(expert_metric_name(m));
    out.values.assign(size_t(out.rows) * size_t(out.cols), kNaN);
    const auto replicas = m == ExpertMetric::PerReplica ? replica_counts(r) : std::vector<std::vector<int>>{};
    for (int l = 0; l < out.rows; ++l) {
        const auto& row = e.tokens[size_t(l)];
        for (int x = 0; x < out.cols && size_t(x) < row.size(); ++x) {
            double v = double(row[size_t(x)]);
            if (m == ExpertMetric::PerReplica) v /= std::max(replicas[size_t(l)][size_t(x)], 1);
            out.values[size_t(l) * size_t(out.cols) + size_t(x)] = v;
        }
    }
    if (m == ExpertMetric::RelativeLoad) divide_by_row_mean(out);
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
