// SPDX-License-Identifier: Apache-2.0
// apply_offload(): residency per layer and GPU, then the fetch or CPU time of each micro-batch's misses.
#include "sim/step/expert_offload_step.hpp"

#include "sim/scenario_fit.hpp"
#include "sim/step/expert_residency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace moetwin::step {

OffloadStats apply_offload(StepPlan& p, const Scenario& s, const ExpertLoad& pop) {
    const OffloadConfig& oc = s.offload;
    const FitReport fit     = fit_unit(s, s.workload.phase);
    OffloadStats st;
    st.resident_experts_per_gpu = fit.resident_experts_per_gpu;
    st.expert_bytes             = fit.expert_bytes;
    const auto& spec            = p.placement_spec;
    st.slots_per_gpu            = spec.slots_on_gpu(0);
    const ModelSpec& md         = p.model;
    const int main_moe          = p.num_moe - p.num_mtp;
    const int gpn               = std::min(p.gpus_per_node, p.num_gpus);
    const double pcie_Bps       = s.gpu.pcie_bandwidth_Bps;
    const double shared_Bps     = oc.host_bridge_bandwidth_Bps > 0
                                      ? std::min(oc.host_memory_bandwidth_Bps, oc.host_bridge_bandwidth_Bps)
                                      : oc.host_memory_bandwidth_Bps;
    // Expected (token, expert) selections per step, all GPUs: tokens × top_k, spread by popularity.
    double step_tokens = 0;
    for (const LayerRouting& r : std::span(p.routing).first(std::size_t(p.micro_batches)))
        for (int64_t n : r.slot_selections)
            step_tokens += double(n); // = tokens × top_k of the first MoE layer

    int64_t hist_hits = 0, hist_acc = 0, step_hits = 0, step_acc = 0;
    for (int l = 0; l < main_moe; ++l) {
        const int L        = p.num_dense + l;
        const auto slots   = p.placement.slots(l);
        const auto weights = pop.layer(l);
        double wsum        = 0;
        for (double w : weights)
            wsum += w;
        // Misses of each micro-batch per GPU: bytes and selections.
        std::vector<std::vector<double>> miss_bytes(std::size_t(p.micro_batches),
                                                    std::vector<double>(std::size_t(p.num_gpus)));
        std::vector<std::vector<double>> miss_sel = miss_bytes;
        for (int g = 0; g < p.num_gpus; ++g) {
            const int first = spec.first_slot(g), n = spec.slots_on_gpu(g);
            std::vector<double> w(static_cast<std::size_t>(n)), mean(static_cast<std::size_t>(n));
            for (int k = 0; k < n; ++k) {
                const int e = slots[std::size_t(first + k)];
                if (e < 0) continue;
                w[std::size_t(k)]    = weights[std::size_t(e)] / std::max(1, p.placement.count(l, e));
                mean[std::size_t(k)] = wsum > 0 ? step_tokens * w[std::size_t(k)] / wsum : 0;
            }
            Rng rng(s.seed, 0x0ff10ad00000ull + uint64_t(l) * uint64_t(p.num_gpus) + uint64_t(g));
            const auto history     = sample_activations(mean, oc.history_steps, rng);
            const int capacity     = std::min(n, fit.resident_experts_per_gpu);
            const ResidencyTrace t = simulate_residency(oc.policy, n, capacity, w, history);
            hist_hits += t.hits;
            hist_acc += t.accesses;
            std::vector<char> have(std::size_t(n), 0);
            for (int k : t.resident)
                have[std::size_t(k)] = 1;
            for (int m = 0; m < p.micro_batches; ++m) {
                const auto& sel = p.route(L, m).slot_selections;
                for (int k = 0; k < n; ++k) {
                    const int64_t x = sel[std::size_t(first + k)];
                    if (x == 0) continue;
                    if (have[std::size_t(k)] == 1) { // resident (2: fetched for an earlier micro-batch)
                        ++step_hits;
                        ++step_acc;
                        continue;
                    }
                    miss_sel[std::size_t(m)][std::size_t(g)] += double(x);
                    if (have[std::size_t(k)] == 2) continue;
                    ++step_acc;
                    have[std::size_t(k)] = 2;
                    miss_bytes[std::size_t(m)][std::size_t(g)] += double(fit.expert_bytes);
                }
            }
        }
        for (int m = 0; m < p.micro_batches; ++m)
            for (int node0 = 0; node0 < p.num_gpus; node0 += gpn) {
                const std::span<const double> bytes(miss_bytes[std::size_t(m)].data() + node0, std::size_t(gpn));
                if (oc.miss == OffloadMiss::Fetch) {
                    const auto finish = shared_link_finish_s(bytes, pcie_Bps, shared_Bps);
                    for (int i = 0; i < gpn; ++i) {
                        const int g = node0 + i;
                        st.fetched_bytes += bytes[std::size_t(i)];
                        double window = 0;
                        if (oc.prefetch) {
                            window = p.seconds(g, L, m, Stage::Attn);
                            window += L - 1 >= p.num_dense
                                          ? p.seconds(g, L - 1, m, Stage::Mlp) + p.seconds(g, L - 1, m, Stage::Shared)
                                      : L >= 1 ? p.seconds(g, L - 1, m, Stage::Dense)
                                               : 0.0;
                        }
                        const double f     = finish[std::size_t(i)];
                        const double added = std::max(0.0, f - window);
                        st.hidden_s += f - added;
                        st.added_s += added;
                        p.seconds(g, L, m, Stage::Mlp) += added;
                    }
                } else {
                    double node_bytes = 0, node_flops = 0;
                    for (int i = 0; i < gpn; ++i) {
                        node_bytes += bytes[std::size_t(i)];
                        // SwiGLU expert: 3 GEMMs of hidden × moe_inter, 2 FLOPs per multiply-add.
                        node_flops += 2.0 * 3.0 * double(md.hidden_size) * double(md.moe_inter_size) *
                                      miss_sel[std::size_t(m)][std::size_t(node0 + i)];
                    }
                    st.cpu_flops += node_flops;
                    const double cpu_s = std::max(node_flops / (double(oc.cpu_cores) * oc.cpu_flops_per_core),
                                                  node_bytes / oc.host_memory_bandwidth_Bps);
                    for (int i = 0; i < gpn; ++i) {
                        const int g       = node0 + i;
                        const double rows = miss_sel[std::size_t(m)][std::size_t(g)];
                        if (rows == 0) continue;
                        // BF16 activations to the host and expert outputs back.
                        const double path = cpu_s + 2.0 * rows * double(md.hidden_size) * 2.0 / pcie_Bps;
                        double& mlp       = p.seconds(g, L, m, Stage::Mlp);
                        st.added_s += std::max(0.0, path - mlp);
                        mlp = std::max(mlp, path);
                    }
                }
            }
    }
    st.history_hit_rate = hist_acc > 0 ? double(hist_hits) / double(hist_acc) : 1.0;
    st.step_hit_rate    = step_acc > 0 ? double(step_hits) / double(step_acc) : 1.0;
    p.notes.push_back(fmt::format(
        "expert offload ({}, misses {}{}): {} of {} routed experts per GPU and layer resident ({:.2f} GB per GPU in "
        "host memory), hit rate {:.1f} % over {} sampled steps, {:.1f} % in this step; {:.2f} GB fetched over PCIe, "
        "{:.3g} GFLOP on the CPUs; {:.3f} ms added to the MLP stages per GPU ({:.3f} ms hidden by prefetch)",
        to_string(oc.policy), to_string(oc.miss), oc.prefetch && oc.miss == OffloadMiss::Fetch ? ", prefetch" : "",
        st.resident_experts_per_gpu, st.slots_per_gpu, double(fit.offloaded_bytes_per_gpu) / 1e9,
        st.history_hit_rate * 100, oc.history_steps, st.step_hit_rate * 100, st.fetched_bytes / 1e9, st.cpu_flops / 1e9,
        st.added_s / p.num_gpus * 1e3, st.hidden_s / p.num_gpus * 1e3));
    return st;
}

} // namespace moetwin::step
