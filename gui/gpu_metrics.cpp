// SPDX-License-Identifier: Apache-2.0
// Per-GPU metrics from GpuCounters.
#include "gui/gpu_metrics.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {

std::string_view metric_name(GpuMetric m) {
    return table_entry(kGpuMetrics, m).description;
}

bool values_vary(const std::vector<double>& v) {
    if (v.empty()) return false;
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double scale  = std::max(std::fabs(*lo), std::fabs(*hi));
    return scale > 0 && (*hi - *lo) > 1e-3 * scale;
}

GpuMetric default_gpu_metric(const RunResult& r) {
    for (const GpuMetric m : {GpuMetric::TokensReceived, GpuMetric::ComputeTime, GpuMetric::DispatchTime,
                              GpuMetric::ExpertSelections, GpuMetric::BytesReceived})
        if (metric_available(r, m) && values_vary(gpu_values(r, m))) return m;
    return GpuMetric::TokensReceived;
}

Unit metric_unit(GpuMetric m) {
    switch (m) {
    case GpuMetric::TokensReceived:
    case GpuMetric::ExpertSelections:
        return Unit::Count;
    case GpuMetric::BusyFraction:
    case GpuMetric::ComputeFraction:
        return Unit::Fraction;
    case GpuMetric::IdleTime:
    case GpuMetric::ComputeTime:
    case GpuMetric::DispatchTime:
    case GpuMetric::CombineTime:
        return Unit::Ns;
    case GpuMetric::BytesSent:
    case GpuMetric::BytesReceived:
    case GpuMetric::HbmUsed:
        return Unit::Bytes;
    }
    return Unit::Count;
}

bool needs_timing(GpuMetric m) {
    return metric_unit(m) == Unit::Ns || metric_unit(m) == Unit::Fraction;
}

bool metric_available(const RunResult& r, GpuMetric m) {
    return !needs_timing(m) || (r.summary.timing_simulated && r.summary.step_time_ns > 0);
}

std::vector<double> gpu_values(const RunResult& r, GpuMetric m) {
    std::vector<double> v(r.gpus.size(), 0.0);
    const double step = double(r.summary.step_time_ns);
    for (size_t g = 0; g < r.gpus.size(); ++g) {
        const GpuCounters& c = r.gpus[g];
        switch (m) {
        case GpuMetric::TokensReceived:
            v[g] = double(c.tokens_received);
            break;
        case GpuMetric::ExpertSelections:
            v[g] = double(c.expert_selections);
            break;
        case GpuMetric::BusyFraction:
            v[g] = step > 0 ? 1.0 - double(c.idle_ns) / step : 0.0;
            break;
        case GpuMetric::ComputeFraction:
            v[g] = step > 0 ? double(c.busy_compute_ns) / step : 0.0;
            break;
        case GpuMetric::IdleTime:
            v[g] = double(c.idle_ns);
            break;
        case GpuMetric::ComputeTime:
            v[g] = double(c.busy_compute_ns);
            break;
        case GpuMetric::DispatchTime:
            v[g] = double(c.dispatch_ns);
            break;
        case GpuMetric::CombineTime:
            v[g] = double(c.combine_ns);
            break;
        case GpuMetric::BytesSent:
            v[g] = double(c.bytes_sent);
            break;
        case GpuMetric::BytesReceived:
            v[g] = double(c.bytes_received);
            break;
        case GpuMetric::HbmUsed:
            v[g] = double(c.hbm_used_bytes);
            break;
        }
    }
    return v;
}

std::array<double, 4> mean_activity_ns(const RunResult& r) {
    std::array<double, 4> parts{0, 0, 0, 0};
    for (const GpuCounters& c : r.gpus) {
        parts[0] += double(c.busy_compute_ns);
        parts[1] += double(c.dispatch_ns);
        parts[2] += double(c.combine_ns);
        parts[3] += double(c.idle_ns);
    }
    for (double& p : parts)
        p /= std::max(double(r.gpus.size()), 1.0);
    return parts;
}

double imbalance(const std::vector<double>& v) {
    if (v.empty()) return 0;
    double sum = 0, mx = v[0];
    for (const double x : v) {
        sum += x;
        mx = std::max(mx, x);
    }
    const double mean = sum / double(v.size());
    return mean > 0 ? mx / mean : 0;
}

std::vector<NodeAggregate> per_node(const RunResult& r, const std::vector<double>& per_gpu) {
    std::vector<NodeAggregate> nodes(size_t(std::max(r.meta.num_nodes, 0)));
    const int gpn = std::max(r.meta.gpus_per_node, 1);
    for (size_t g = 0; g < per_gpu.size(); ++g) {
        const size_t n = g / size_t(gpn);
        if (n >= nodes.size()) break;
        NodeAggregate& a = nodes[n];
        a.sum += per_gpu[g];
        if (a.argmax_gpu < 0 || per_gpu[g] > a.max) {
            a.max        = per_gpu[g];
            a.argmax_gpu = int(g);
        }
    }
    for (NodeAggregate& a : nodes)
        a.mean = a.sum / double(gpn);
    return nodes;
}

} // namespace moetwin::gui
