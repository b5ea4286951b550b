// SPDX-License-Identifier: Apache-2.0
// tally_layer(): replicas by the dispatch policy, then the traffic matrix and the counts.
#include "sim/step/layer_traffic.hpp"

#include "common/errors.hpp"

#include <vector>

namespace moetwin::step {
namespace {

// TrafficMatrix::add_token for a bundle of `weight` identical tokens; `gpu_mark`/`node_mark` hold the
// last bundle (`stamp`) that counted each GPU / node, so duplicates are found without a search.
void add_bundle(TrafficMatrix& t, const std::vector<int>& gpu_node, int src, const int* dst, int k, int64_t weight,
                std::vector<int>& gpu_mark, std::vector<int>& node_mark, int stamp) {
    int64_t* sel_row  = &t.selections_at(src, 0);
    int64_t* tok_row  = &t.tokens_at(src, 0);
    int64_t* node_row = &t.node_tokens_at(src, 0);
    // Branch-free (whether a GPU / node repeats within a token is unpredictable): integer sums, so
    // adding weight * 0 for a repeat is exactly the skipped add.
    for (int j = 0; j < k; ++j) {
        const int d = dst[j];
        sel_row[d] += weight;
        tok_row[d] += weight * int64_t(gpu_mark[std::size_t(d)] != stamp);
        gpu_mark[std::size_t(d)] = stamp;
        const int m              = gpu_node[std::size_t(d)];
        node_row[m] += weight * int64_t(node_mark[std::size_t(m)] != stamp);
        node_mark[std::size_t(m)] = stamp;
    }
}

} // namespace

void tally_layer(const LayerRoutingInput& in, const LayerGate& prepared, std::span<const int> experts,
                 std::span<const int> source, std::span<const int64_t> bundle, int kk, LayerRouting& out) {
    const int num_gpus               = int(in.tokens_per_gpu.size());
    const std::vector<int>& slot_gpu = prepared.slot_gpu;
    const std::vector<int>& gpu_node = prepared.gpu_node;
    std::vector<int> slots(experts.size());
    balancer::DispatchInput din;
    din.placement     = in.placement;
    din.spec          = in.spec;
    din.layer         = in.layer;
    din.topk          = kk;
    din.token_experts = experts;
    din.source_gpu    = source;
    din.shared_expert = in.shared_expert;
    din.token_weight  = bundle;
    in.dispatch(din, slots);

    out.traffic = TrafficMatrix(num_gpus, in.gpus_per_node);
    out.slot_selections.assign(std::size_t(in.spec->num_slots), 0);
    out.expert_selections.assign(std::size_t(in.placement->num_experts), 0);
    std::vector<int> dst(static_cast<std::size_t>(kk));
    std::vector<int> gpu_mark(std::size_t(num_gpus), -1), node_mark(std::size_t(out.traffic.num_nodes()), -1);
    for (std::size_t i = 0; i < source.size(); ++i) {
        const int* sl = &slots[i * std::size_t(kk)];
        for (int j = 0; j < kk; ++j) {
            dst[std::size_t(j)] = slot_gpu[std::size_t(sl[j])];
            out.slot_selections[std::size_t(sl[j])] += bundle[i];
        }
        add_bundle(out.traffic, gpu_node, source[i], dst.data(), kk, bundle[i], gpu_mark, node_mark, int(i));
    }
    // Per logical expert: the sum over its replicas (the dispatch contract: slot s serves expert
    // phy2log[s]), checked against the selections made.
    const std::span<const int> phy2log = in.placement->slots(in.layer);
    for (int sl = 0; sl < in.spec->num_slots; ++sl)
        if (out.slot_selections[std::size_t(sl)] > 0) {
            const int e = phy2log[std::size_t(sl)];
            MOETWIN_ASSERT(e >= 0, "dispatch chose an empty slot");
            out.expert_selections[std::size_t(e)] += out.slot_selections[std::size_t(sl)];
        }
}

} // namespace moetwin::step
