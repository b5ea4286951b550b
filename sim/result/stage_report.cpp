// SPDX-License-Identifier: Apache-2.0
#include "sim/result/stage_report.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <tuple>

namespace moetwin {

StageReport stage_report(const RunResult& r) {
    StageReport rep;
    if (r.spans.empty()) return rep;
    const int layers = r.meta.num_layers;
    // The first MoE layer: the lowest layer with a dispatch span.
    for (const Span& s : r.spans)
        if (s.lane == Lane::Dispatch && s.layer >= 0 && (rep.first_moe_layer < 0 || s.layer < rep.first_moe_layer))
            rep.first_moe_layer = s.layer;
    if (rep.first_moe_layer < 0) rep.first_moe_layer = layers;
    rep.num_moe_layers = layers - rep.first_moe_layer;

    // (micro_batch, lane, op) -> per layer: sum, count and max over GPUs.
    struct Acc {
        double sum = 0;
        int64_t n  = 0;
        std::vector<double> layer_max;
    };
    std::map<std::tuple<int, int, std::string>, Acc> acc;
    std::vector<double> first_start(std::size_t(r.meta.num_gpus) * std::size_t(std::max(layers, 1)), -1.0);
    for (const Span& s : r.spans) {
        if (s.layer < 0) continue;
        if (s.lane == Lane::Compute) {
            double& f = first_start[std::size_t(s.gpu) * std::size_t(layers) + std::size_t(s.layer)];
            if (f < 0 || double(s.begin_ns) < f) f = double(s.begin_ns);
        }
        if (s.layer < rep.first_moe_layer) continue;
        Acc& a = acc[{s.micro_batch, int(s.lane), r.op_names[s.op]}];
        a.sum += double(s.duration_ns());
        ++a.n;
        a.layer_max.resize(std::size_t(layers), 0.0);
        a.layer_max[std::size_t(s.layer)] = std::max(a.layer_max[std::size_t(s.layer)], double(s.duration_ns()));
    }
    for (const auto& [key, a] : acc) {
        StageTime t;
        t.micro_batch = std::get<0>(key);
        t.lane        = Lane(std::get<1>(key));
        t.op          = std::get<2>(key);
        t.count       = a.n;
        t.mean_ns     = a.sum / double(a.n);
        double m      = 0;
        int used      = 0;
        for (int l = rep.first_moe_layer; l < layers; ++l)
            if (a.layer_max[std::size_t(l)] > 0) m += a.layer_max[std::size_t(l)], ++used;
        t.slowest_ns = used > 0 ? m / used : 0;
        rep.stages.push_back(std::move(t));
    }
    double moe_sum = 0;
    int moe_n      = 0;
    for (int l = 0; l + 1 < layers; ++l) {
        double sum = 0;
        int n      = 0;
        for (int g = 0; g < r.meta.num_gpus; ++g) {
            const double a = first_start[std::size_t(g) * std::size_t(layers) + std::size_t(l)];
            const double b = first_start[std::size_t(g) * std::size_t(layers) + std::size_t(l + 1)];
            if (a >= 0 && b >= 0) sum += b - a, ++n;
        }
        rep.layer_period_ns.push_back(n > 0 ? sum / n : 0.0);
        if (l >= rep.first_moe_layer && n > 0) moe_sum += sum / n, ++moe_n;
    }
    rep.moe_layer_period_mean_ns = moe_n > 0 ? moe_sum / moe_n : 0.0;
    return rep;
}

void print_stage_report(std::ostream& out, const StageReport& rep) {
    if (rep.stages.empty()) return;
    const auto us = [](double ns) { return ns / 1e3; };
    out << "stage times per micro-batch, mean over " << rep.num_moe_layers
        << " MoE layers and all GPUs [slowest GPU], µs:\n";
    int mb = -1;
    for (const StageTime& t : rep.stages) {
        if (t.micro_batch != mb) {
            mb = t.micro_batch;
            out << "  mb" << mb << ':';
        }
        out << ' ' << t.op << ' ' << std::fixed;
        out.precision(1);
        out << us(t.mean_ns) << " [" << us(t.slowest_ns) << ']';
        const bool last_of_mb = &t == &rep.stages.back() || (&t + 1)->micro_batch != mb;
        if (last_of_mb) out << '\n';
    }
    out.precision(1);
    out << "MoE layer span (pipeline period, mean over GPUs): " << us(rep.moe_layer_period_mean_ns) << " µs\n";
    out.unsetf(std::ios::floatfield);
    out.precision(6);
}

} // namespace moetwin
