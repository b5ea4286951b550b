// SPDX-License-Identifier: Apache-2.0
// step_result(): StepPlan + StepTrace -> RunResult.
#include "sim/step/step_result.hpp"

#include "common/errors.hpp"
#include "sim/step/layer_routing.hpp"
#include "sim/step/step_comm_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace moetwin::step {
namespace {

// Busiest / mean of v (0 when v sums to 0).
double busiest_over_mean(const std::vector<double>& v) {
    double sum = 0, max = 0;
    for (double x : v)
        sum += x, max = std::max(max, x);
    return sum > 0 ? max / (sum / double(v.size())) : 0.0;
}

// "tensor parallelism: ..." with the all-reduces per layer and the share of the step they hold on the
// GPU that spends the most time in them.
std::string tp_note(const StepPlan& plan, const StepTrace& trace, int64_t step_ns) {
    std::vector<double> ar_s(std::size_t(plan.num_gpus), 0.0);
    int64_t count = 0;
    for (const ExecSpan& e : trace.spans)
        if (e.allreduce) ar_s[std::size_t(e.gpu)] += e.end_s - e.begin_s, count += e.gpu == 0;
    const auto max_it   = std::max_element(ar_s.begin(), ar_s.end());
    const double step_s = double(step_ns) * 1e-9;
    char text[320];
    std::snprintf(text, sizeof text,
                  "tensor parallelism: TP%d, ring all-reduce of BF16 activations in line on the compute lane, %d per "
                  "dense layer and %d per MoE layer (%lld per GPU in the step); GPU %d spends %.3f ms in them, "
                  "%.1f %% of the step",
                  plan.tp.group_size, plan.tp.per_dense_layer, plan.tp.per_moe_layer, (long long)count,
                  int(max_it - ar_s.begin()), *max_it * 1e3, step_s > 0 ? 100.0 * *max_it / step_s : 0.0);
    return text;
}

} // namespace

void fill_routed_balance(Summary& s, const StepPlan& plan) {
    s.gpu_balance_layer_mean = s.gpu_balance_layer_worst = s.gpu_balance_step = 0;
    s.node_balance_layer_mean = s.node_balance_step = s.node_max_over_min_step = 0;
    const int n                                                                = plan.num_gpus;
    const balancer::PlacementSpec& spec                                        = plan.placement_spec;
    const int nodes = (n + plan.gpus_per_node - 1) / plan.gpus_per_node;
    std::vector<double> step_gpu(std::size_t(n), 0.0), step_node(std::size_t(nodes), 0.0);
    int counted = 0;
    for (int L = plan.num_dense; L < plan.num_layers(); ++L) {
        if (plan.is_mtp(L)) continue; // the main model's MoE layers, as `moetwin balance` counts them
        std::vector<double> gpu(std::size_t(n), 0.0), node(std::size_t(nodes), 0.0);
        for (int m = 0; m < plan.micro_batches; ++m) {
            const LayerRouting& lr = plan.route(L, m);
            for (int sl = 0; sl < int(lr.slot_selections.size()); ++sl)
                gpu[std::size_t(spec.gpu_of_slot(sl))] += double(lr.slot_selections[std::size_t(sl)]);
        }
        for (int g = 0; g < n; ++g) {
            node[std::size_t(g / plan.gpus_per_node)] += gpu[std::size_t(g)];
            step_gpu[std::size_t(g)] += gpu[std::size_t(g)];
        }
        const double r = busiest_over_mean(gpu);
        if (r == 0) continue;
        ++counted;
        s.gpu_balance_layer_mean += r;
        s.gpu_balance_layer_worst = std::max(s.gpu_balance_layer_worst, r);
        s.node_balance_layer_mean += busiest_over_mean(node);
    }
    if (counted == 0) return;
    s.gpu_balance_layer_mean /= counted;
    s.node_balance_layer_mean /= counted;
    for (int g = 0; g < n; ++g)
        step_node[std::size_t(g / plan.gpus_per_node)] += step_gpu[std::size_t(g)];
    s.gpu_balance_step       = busiest_over_mean(step_gpu);
    s.node_balance_step      = busiest_over_mean(step_node);
    const double least       = *std::min_element(step_node.begin(), step_node.end());
    s.node_max_over_min_step = least > 0 ? *std::max_element(step_node.begin(), step_node.end()) / least : 0.0;
}

namespace {

int64_t to_ns(double s) {
    return std::llround(s * 1e9);
}

std::string link_kind(LinkKind k) {
    switch (k) {
    case LinkKind::NvLink:
        return "nvlink";
    case LinkKind::Pcie:
    case LinkKind::HostBridge: // result.json's link kinds are nvlink, pcie, ib: the host bridge is host-side PCIe
        return "pcie";
    default:
        return "ib";
    }
}

} // namespace

RunResult step_result(const StepPlan& plan, const StepTrace& trace, const Topology& topo,
                      const NetworkCalibration& calib, RunMeta meta, int64_t hbm_used_bytes) {
    const int n = plan.num_gpus, layers = plan.num_layers();
    MOETWIN_ASSERT(calib.nvlink_efficiency == trace.calibration.nvlink_efficiency &&
                       calib.ib_efficiency == trace.calibration.ib_efficiency,
                   "the trace ran with another calibration than the scenario's");
    RunResult r;
    r.meta                   = std::move(meta);
    r.meta.gpus_per_node     = plan.gpus_per_node;
    r.meta.num_gpus          = n;
    r.meta.num_nodes         = n / plan.gpus_per_node; // a unit is whole nodes (DeploymentUnit)
    r.meta.num_layers        = layers;
    r.meta.num_micro_batches = plan.micro_batches;
    for (int g = 0; g < n; ++g) {
        GpuCounters c;
        c.gpu            = g;
        c.node           = g / plan.gpus_per_node;
        c.local_rank     = g % plan.gpus_per_node;
        c.hbm_used_bytes = hbm_used_bytes;
        r.gpus.push_back(c);
    }
    r.summary.step_time_ns = to_ns(trace.step_s);

    // Spans, one op name per stage and comm direction.
    r.spans.reserve(trace.spans.size());
    for (const ExecSpan& e : trace.spans) {
        Span s;
        s.gpu         = e.gpu;
        s.lane        = e.lane;
        s.begin_ns    = to_ns(e.begin_s);
        s.end_ns      = std::min(to_ns(e.end_s), r.summary.step_time_ns);
        s.layer       = int16_t(e.layer);
        s.micro_batch = int8_t(e.micro_batch);
        s.op          = intern_op(r, e.allreduce                ? std::string_view("tp_allreduce")
                                     : e.lane == Lane::Compute  ? to_string(e.stage)
                                     : e.lane == Lane::Dispatch ? (e.notify ? "notify_dispatch" : "dispatch")
                                                                : (e.notify ? "cached_notify" : "combine"));
        r.spans.push_back(s);
    }
    sort_spans(r.spans);
    // Back-to-back activities whose ends were rounded to ns separately can overlap by 1-2 ns; trace viewers
    // then nest them (issue 13 item 9). Such an overlap is rounding, never simulated concurrency: snap the
    // later span's start to the earlier one's end. Real overlaps (decode's concurrent phases) are longer.
    constexpr int64_t kRoundingNs = 2;
    for (std::size_t i = 1; i < r.spans.size(); ++i) {
        Span& s       = r.spans[i];
        const Span& p = r.spans[i - 1];
        if (p.gpu == s.gpu && p.lane == s.lane && s.begin_ns < p.end_ns && p.end_ns - s.begin_ns <= kRoundingNs &&
            p.end_ns <= s.end_ns)
            s.begin_ns = p.end_ns;
    }

    // Per-layer matrices and token counters.
    r.layer_gpu.tokens_received.assign(std::size_t(layers), std::vector<int64_t>(std::size_t(n), 0));
    r.layer_gpu.compute_ns = r.layer_gpu.tokens_received;
    for (const Span& s : r.spans)
        if (s.lane == Lane::Compute && s.layer >= 0)
            r.layer_gpu.compute_ns[std::size_t(s.layer)][std::size_t(s.gpu)] += s.duration_ns();
    const balancer::PlacementSpec& spec = plan.placement_spec;
    r.experts.num_experts = plan.placement.num_experts > 0 ? plan.placement.num_experts : plan.model.num_routed_experts;
    // The busiest GPU's slot count; an uneven layout also lists every GPU's (PlacementSpec's layout).
    r.experts.slots_per_gpu = spec.max_slots_per_gpu();
    if (!spec.even_slots())
        for (int g = 0; g < n; ++g)
            r.experts.gpu_slots.push_back(spec.slots_on_gpu(g));
    r.experts.tokens.assign(std::size_t(layers), {});
    r.experts.phy2log.assign(std::size_t(layers), {});
    for (int L = plan.num_dense; L < layers; ++L) {
        auto& et = r.experts.tokens[std::size_t(L)];
        et.assign(std::size_t(r.experts.num_experts), 0); // the shared expert last when served from slots
        const auto slots = plan.placement.slots(L - plan.num_dense);
        r.experts.phy2log[std::size_t(L)].assign(slots.begin(), slots.end());
        for (int m = 0; m < plan.micro_batches; ++m) {
            const LayerRouting& lr = plan.route(L, m);
            for (std::size_t e = 0; e < et.size(); ++e)
                et[e] += lr.expert_selections[e];
            for (int s = 0; s < n; ++s)
                for (int d = 0; d < n; ++d) {
                    const int64_t k = lr.traffic.tokens_at(s, d);
                    r.layer_gpu.tokens_received[std::size_t(L)][std::size_t(d)] += k;
                    r.gpus[std::size_t(d)].tokens_received += k;
                    if (s != d) r.gpus[std::size_t(s)].tokens_sent += k;
                }
            for (int g = 0; g < n; ++g)
                r.gpus[std::size_t(g)].expert_selections += gpu_expert_work(lr, spec, g).selections;
        }
    }
    for (int g = 0; g < n; ++g) {
        r.gpus[std::size_t(g)].bytes_sent     = std::llround(trace.gpu_bytes_sent[std::size_t(g)]);
        r.gpus[std::size_t(g)].bytes_received = std::llround(trace.gpu_bytes_received[std::size_t(g)]);
    }

    // Links that carried bytes, each direction on its own (l<id>.up: lower -> upper device).
    for (std::size_t i = 0; i < trace.link_bytes.size(); ++i) {
        if (trace.link_bytes[i] <= 0) continue;
        const LinkId id  = LinkId(i / 2);
        const bool up    = i % 2 == 0;
        const Link& link = topo.link(id);
        const LinkEnds e = topo.ends(id);
        LinkStats ls;
        ls.name         = "l" + std::to_string(id) + (up ? ".up" : ".down");
        ls.kind         = link_kind(link.kind);
        ls.src          = topo.device(up ? e.lower : e.upper).name;
        ls.dst          = topo.device(up ? e.upper : e.lower).name;
        ls.capacity_Bps = effective_bandwidth_Bps(link, trace.calibration);
        ls.bytes        = std::llround(trace.link_bytes[i]);
        ls.busy_ns      = std::min(r.summary.step_time_ns, to_ns(trace.link_bytes[i] / ls.capacity_Bps));
        r.links.push_back(std::move(ls));
    }

    r.summary.tokens_per_step  = std::llround(plan.output_tokens);
    r.summary.timing_simulated = true;
    fill_routed_balance(r.summary, plan);
    fill_counters_from_spans(r);
    fill_summary(r);
    r.comm = comm_timeline(plan, trace, topo, r.meta.num_nodes, r.summary.step_time_ns); // the trace's flows, counters
    if (plan.tp.enabled()) r.meta.notes.push_back(tp_note(plan, trace, r.summary.step_time_ns));
    return r;
}

} // namespace moetwin::step
