// SPDX-License-Identifier: Apache-2.0
// A/B comparison rows.
#include "gui/result_diff.hpp"

#include "gui/link_groups.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::gui {
namespace {

double mean(const std::vector<double>& v) {
    double s = 0;
    for (const double x : v)
        s += x;
    return v.empty() ? 0 : s / double(v.size());
}

double mean_link_util(const RunResult& r, const char* kind) {
    for (const LinkKindStats& s : link_kind_stats(r))
        if (s.kind == kind) return s.mean_util;
    return 0;
}

int64_t total_bytes_sent(const RunResult& r) {
    int64_t s = 0;
    for (const GpuCounters& c : r.gpus)
        s += c.bytes_sent;
    return s;
}

} // namespace

std::optional<double> DiffRow::relative() const {
    if (a == 0) return std::nullopt;
    return (b - a) / std::fabs(a);
}

int DiffRow::verdict() const {
    if (!available) return 0;
    const double scale = std::max({std::fabs(a), std::fabs(b), 1e-300});
    if (std::fabs(b - a) <= 1e-9 * scale) return 0;
    return (b < a) == lower_is_better ? +1 : -1;
}

double expert_hotspot_factor(const RunResult& r) {
    double sum = 0;
    int n      = 0;
    for (const auto& row : r.experts.tokens) {
        if (row.empty()) continue;
        std::vector<double> v(row.begin(), row.end());
        sum += imbalance(v);
        ++n;
    }
    return n ? sum / n : 0;
}

std::vector<DiffRow> compare_results(const RunResult& a, const RunResult& b) {
    const bool timed = a.summary.timing_simulated && b.summary.timing_simulated;
    std::vector<DiffRow> rows;
    const auto add = [&](std::string name, Unit u, double va, double vb, bool lower_better, bool needs_time) {
        rows.push_back({std::move(name), u, va, vb, lower_better, !needs_time || timed});
    };
    const Summary &sa = a.summary, &sb = b.summary;
    add("step time", Unit::Ns, double(sa.step_time_ns), double(sb.step_time_ns), true, true);
    add("tokens per step", Unit::Count, double(sa.tokens_per_step), double(sb.tokens_per_step), false, false);
    add("tokens/s per GPU", Unit::TokensPerS, sa.tokens_per_s_per_gpu, sb.tokens_per_s_per_gpu, false, true);
    add("tokens/s per node", Unit::TokensPerS, sa.tokens_per_s_per_node, sb.tokens_per_s_per_node, false, true);
    add("slowest GPU busy", Unit::Ns, double(sa.slowest_gpu_busy_ns), double(sb.slowest_gpu_busy_ns), true, true);
    add("mean GPU busy %", Unit::Fraction, mean(gpu_values(a, GpuMetric::BusyFraction)),
        mean(gpu_values(b, GpuMetric::BusyFraction)), false, true);
    add("mean GPU idle", Unit::Ns, mean(gpu_values(a, GpuMetric::IdleTime)), mean(gpu_values(b, GpuMetric::IdleTime)),
        true, true);
    add("GPU token imbalance (max/mean)", Unit::Count, imbalance(gpu_values(a, GpuMetric::TokensReceived)),
        imbalance(gpu_values(b, GpuMetric::TokensReceived)), true, false);
    add("expert hot-spot factor (max/mean)", Unit::Count, expert_hotspot_factor(a), expert_hotspot_factor(b), true,
        false);
    add("max link utilisation", Unit::Fraction, sa.max_link_utilisation, sb.max_link_utilisation, true, true);
    add("mean NVLink utilisation", Unit::Fraction, mean_link_util(a, "nvlink"), mean_link_util(b, "nvlink"), true,
        true);
    add("mean InfiniBand utilisation", Unit::Fraction, mean_link_util(a, "ib"), mean_link_util(b, "ib"), true, true);
    add("bytes sent (all GPUs)", Unit::Bytes, double(total_bytes_sent(a)), double(total_bytes_sent(b)), true, false);
    return rows;
}

std::vector<std::string> setup_differences(const RunResult& a, const RunResult& b) {
    std::vector<std::string> out;
    const auto diff = [&](const char* name, const std::string& x, const std::string& y) {
        if (x != y) out.push_back(std::string("meta.") + name + ": " + x + " -> " + y);
    };
    const auto num    = [](auto v) { return std::to_string(v); };
    const RunMeta &ma = a.meta, &mb = b.meta;
    diff("scenario", ma.scenario, mb.scenario);
    diff("model", ma.model, mb.model);
    diff("phase", ma.phase, mb.phase);
    diff("seed", num(ma.seed), num(mb.seed));
    diff("num_nodes", num(ma.num_nodes), num(mb.num_nodes));
    diff("gpus_per_node", num(ma.gpus_per_node), num(mb.gpus_per_node));
    diff("num_gpus", num(ma.num_gpus), num(mb.num_gpus));
    diff("num_layers", num(ma.num_layers), num(mb.num_layers));
    diff("num_micro_batches", num(ma.num_micro_batches), num(mb.num_micro_batches));
    diff("compute_source", ma.compute_source, mb.compute_source);
    diff("network_model", ma.network_model, mb.network_model);
    diff("experts.num_experts", num(a.experts.num_experts), num(b.experts.num_experts));
    diff("experts.slots_per_gpu", num(a.experts.slots_per_gpu), num(b.experts.slots_per_gpu));
    if (a.summary.timing_simulated != b.summary.timing_simulated)
        out.push_back(std::string("summary.timing_simulated: ") + (a.summary.timing_simulated ? "true" : "false") +
                      " -> " + (b.summary.timing_simulated ? "true" : "false"));
    return out;
}

bool same_gpu_layout(const RunResult& a, const RunResult& b) {
    return a.meta.num_nodes == b.meta.num_nodes && a.meta.gpus_per_node == b.meta.gpus_per_node &&
           a.gpus.size() == b.gpus.size();
}

std::vector<double> gpu_delta(const RunResult& a, const RunResult& b, GpuMetric m) {
    if (!same_gpu_layout(a, b)) return {};
    std::vector<double> va = gpu_values(a, m), vb = gpu_values(b, m);
    for (size_t g = 0; g < va.size(); ++g)
        vb[g] -= va[g];
    return vb;
}

} // namespace moetwin::gui
