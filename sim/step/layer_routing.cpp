// SPDX-License-Identifier: Apache-2.0
// route_layer(): gate sampling with node limit, replica dispatch, traffic matrix.
#include "sim/step/layer_routing.hpp"

#include "common/errors.hpp"
#include "sim/balancer/rng.hpp"
#include "sim/step/gate_tables.hpp"

#include <algorithm>
#include <numeric>

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

// The expert of [first, last) at offset u (>= 0) in their free weight, scanning in order; -1 if
// none is free. Branch-free on taken experts: their free_w is 0, so u - 0 == u neither moves u nor
// breaks (u >= 0 until the pick), the same pick as skipping them. Its own function so that the
// loop keeps its values in registers.
int scan_free(const int* first, const int* last, const double* free_w, double u) {
    int e = -1;
    for (; first != last; ++first) {
        const int x     = *first;
        const double fw = free_w[x];
        e               = fw > 0 ? x : e; // the last free one absorbs rounding
        if ((u -= fw) < 0) break;
    }
    return e;
}

} // namespace

LayerRouting route_layer(const LayerRoutingInput& in) {
    const balancer::GateSpec& g = in.gate;
    g.validate();
    if (int(in.weights.size()) != g.num_experts) throw ConfigError("route_layer: weights size != num_experts");
    if (in.max_samples_per_gpu < 1) throw ConfigError("route_layer: max_samples_per_gpu must be >= 1");
    const int num_gpus = int(in.tokens_per_gpu.size());
    const int gs       = g.group_size();
    // Floor weights so every expert can be drawn (balancer::sample_tokens does the same).
    std::vector<double> w(in.weights.begin(), in.weights.end());
    const double mean = std::accumulate(w.begin(), w.end(), 0.0) / double(w.size());
    for (double& x : w)
        x = std::max(x, 1e-9 * mean);

    // Slot -> GPU, GPU -> node and expert -> home node, without divisions in the per-token loops.
    const int num_nodes = in.spec->num_nodes;
    std::vector<int> slot_gpu(static_cast<std::size_t>(in.spec->num_slots));
    std::vector<int> gpu_node(static_cast<std::size_t>(num_gpus));
    for (int sl = 0; sl < in.spec->num_slots; ++sl)
        slot_gpu[std::size_t(sl)] = in.spec->gpu_of_slot(sl);
    for (int gp = 0; gp < num_gpus; ++gp)
        gpu_node[std::size_t(gp)] = gp / in.gpus_per_node;
    std::vector<int> home(std::size_t(g.num_experts));
    for (int e = 0; e < g.num_experts; ++e)
        home[std::size_t(e)] = in.spec->node_of_gpu(slot_gpu[std::size_t(in.placement->replicas(in.layer, e)[0])]);
    GateTables tables(g, w, home, num_nodes);

    LayerRouting out;
    // Tokens of a GPU beyond max_samples_per_gpu are bundles: each sampled token stands for
    // base or base + 1 identical tokens, so counts stay exact sums.
    std::vector<int64_t> bundle; // weight per sampled token
    std::vector<int> source;
    std::size_t num_samples = 0;
    for (int src = 0; src < num_gpus; ++src) {
        out.num_tokens += in.tokens_per_gpu[std::size_t(src)];
        num_samples += std::size_t(std::min<int64_t>(in.tokens_per_gpu[std::size_t(src)], in.max_samples_per_gpu));
    }
    bundle.reserve(num_samples);
    source.reserve(num_samples);
    for (int src = 0; src < num_gpus; ++src) {
        const int64_t n       = in.tokens_per_gpu[std::size_t(src)];
        const int64_t samples = std::min<int64_t>(n, in.max_samples_per_gpu);
        for (int64_t i = 0; i < samples; ++i) {
            bundle.push_back(n / samples + (i < n % samples ? 1 : 0));
            source.push_back(src);
        }
    }
    const int kk = g.topk + (in.shared_expert >= 0 ? 1 : 0); // selections per token
    std::vector<int> experts(source.size() * std::size_t(kk));
    balancer::Rng rng(in.seed, in.stream);

    std::vector<char> is_taken(std::size_t(g.num_experts), 0);
    std::vector<double> free_w(w); // w[e], 0 while e is taken (w > 0 after the floor above)
    std::vector<int> node_on(std::size_t(num_nodes), 0); // 1 + the node's index in used_nodes, 0: not used
    std::vector<int> used_nodes(std::size_t(g.topk));
    std::vector<double> node_taken_w(std::size_t(g.topk)), node_free_w(std::size_t(g.topk));
    int last = -1;
    for (std::size_t tok = 0; tok < source.size(); ++tok) {
        int* sel                          = &experts[tok * std::size_t(kk)];
        const int subset                  = tables.draw_subset(rng);
        const std::vector<int>& groups    = tables.groups(subset);
        const GateTables::ExpertDraw draw = tables.expert_draw(subset);
        const GateTables::NodeLists lists = tables.node_lists(subset);
        // Experts: below M nodes, alias draws over the subset's experts rejecting repeats (exact
        // Plackett-Luce by rejection); from M nodes on, one draw over the free experts of the subset
        // on the token's nodes (a node by its free weight, then an expert in it). After 16
        // rejections in a row, or nothing free there, one draw over the eligible experts by a
        // direct scan (the same distribution; it lifts the limit if none is eligible).
        int count     = 0;
        int nnodes    = 0;
        bool relaxed  = false;
        auto eligible = [&](int e) {
            return !is_taken[std::size_t(e)] && (nnodes < in.node_limit || node_on[std::size_t(home[std::size_t(e)])]);
        };
        while (count < g.topk) {
            int e = -1;
            if (nnodes < in.node_limit) {
                for (int tries = 0; tries < 16 && e < 0; ++tries) {
                    const int x = draw(rng);
                    if (!is_taken[std::size_t(x)]) e = x;
                }
            } else { // one draw over the free experts of the groups on the token's nodes
                double total = 0;
                for (int j = 0; j < nnodes; ++j) {
                    node_free_w[std::size_t(j)] =
                        std::max(0.0, lists.weight[used_nodes[std::size_t(j)]] - node_taken_w[std::size_t(j)]);
                    total += node_free_w[std::size_t(j)];
                }
                if (total > 0) {
                    double u = rng.uniform() * total;
                    int j    = 0;
                    while (j < nnodes - 1 && u >= node_free_w[std::size_t(j)]) // u becomes the offset in node j
                        u -= node_free_w[std::size_t(j++)];
                    const int node = used_nodes[std::size_t(j)];
                    e = scan_free(lists.experts + lists.begin[node], lists.experts + lists.begin[node + 1],
                                  free_w.data(), u);
                }
            }
            if (e < 0) {
                double sum = 0;
                for (int c : groups)
                    for (int x = c * gs; x < (c + 1) * gs; ++x)
                        if (eligible(x)) sum += w[std::size_t(x)];
                if (!(sum > 0)) { // no eligible expert left within M nodes: lift the limit
                    relaxed = true;
                    for (int c : groups)
                        for (int x = c * gs; x < (c + 1) * gs; ++x)
                            if (!is_taken[std::size_t(x)]) sum += w[std::size_t(x)];
                }
                double u = rng.uniform() * sum;
                for (int c : groups) {
                    for (int x = c * gs; x < (c + 1) * gs && e < 0; ++x)
                        if (relaxed ? !is_taken[std::size_t(x)] : eligible(x)) {
                            e = x; // the last eligible one absorbs rounding
                            if ((u -= w[std::size_t(x)]) < 0) break;
                            e = -1, last = x;
                        }
                    if (e >= 0) break;
                }
                if (e < 0) e = last;
            }
            // Accept e, without a branch on whether its node is new (unpredictable): slot nnodes of
            // used_nodes / node_taken_w is free, so it may be written either way.
            sel[count++]                      = e;
            is_taken[std::size_t(e)]          = 1;
            free_w[std::size_t(e)]            = 0.0;
            const int m                       = home[std::size_t(e)];
            const int on                      = node_on[std::size_t(m)]; // 1 + index in used_nodes, 0: new
            const int at                      = on > 0 ? on - 1 : nnodes;
            used_nodes[std::size_t(nnodes)]   = on > 0 ? used_nodes[std::size_t(nnodes)] : m;
            node_taken_w[std::size_t(nnodes)] = on > 0 ? node_taken_w[std::size_t(nnodes)] : 0.0;
            node_taken_w[std::size_t(at)] += w[std::size_t(e)];
            node_on[std::size_t(m)] = at + 1;
            nnodes += on == 0;
        }
        if (in.shared_expert >= 0) sel[g.topk] = in.shared_expert;
        out.node_limit_relaxed += relaxed;
        for (int j = 0; j < count; ++j) {
            is_taken[std::size_t(sel[j])] = 0;
            free_w[std::size_t(sel[j])]   = w[std::size_t(sel[j])];
        }
        for (int j = 0; j < nnodes; ++j)
            node_on[std::size_t(used_nodes[std::size_t(j)])] = 0;
    }

    // Replicas, then the traffic matrix.
    std::vector<int> slots(experts.size());
    balancer::DispatchInput din;
    din.placement     = in.placement;
    din.spec          = in.spec;
    din.layer         = in.layer;
    din.topk          = kk;
    din.token_experts = experts;
    din.source_gpu    = source;
    in.dispatch(din, slots);

    out.traffic = TrafficMatrix(num_gpus, in.gpus_per_node);
    out.slot_selections.assign(std::size_t(in.spec->num_slots), 0);
    out.expert_selections.assign(std::size_t(in.placement->num_experts), 0);
    std::vector<int> dst(static_cast<std::size_t>(kk));
    std::vector<int> gpu_mark(std::size_t(num_gpus), -1), node_mark(std::size_t(out.traffic.num_nodes()), -1);
    for (std::size_t i = 0; i < source.size(); ++i) {
        const int* sl = &slots[i * std::size_t(kk)];
        const int* ex = &experts[i * std::size_t(kk)];
        for (int j = 0; j < kk; ++j) {
            dst[std::size_t(j)] = slot_gpu[std::size_t(sl[j])];
            out.slot_selections[std::size_t(sl[j])] += bundle[i];
            out.expert_selections[std::size_t(ex[j])] += bundle[i];
        }
        add_bundle(out.traffic, gpu_node, source[i], dst.data(), kk, bundle[i], gpu_mark, node_mark, int(i));
    }
    return out;
}

} // namespace moetwin::step
