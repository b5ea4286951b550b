// SPDX-License-Identifier: Apache-2.0
// route_layer(): gate sampling with node limit, replica dispatch, traffic matrix.
#include "sim/step/layer_routing.hpp"

#include "common/errors.hpp"
#include "sim/balancer/rng.hpp"

#include <algorithm>
#include <numeric>

namespace moetwin::step {
namespace {

// Walker alias table per group: one uniform draw picks an expert of the group by weight.
struct GroupTables {
    std::vector<double> group_weight; // [num_groups]
    std::vector<double> prob;         // [num_experts]: keep probability of the column
    std::vector<int> alias;           // [num_experts]: expert taken otherwise
};

GroupTables make_tables(const balancer::GateSpec& g, const std::vector<double>& w) {
    GroupTables t;
    const int gs = g.group_size();
    t.group_weight.assign(std::size_t(g.num_groups), 0.0);
    t.prob.assign(w.size(), 1.0);
    t.alias.resize(w.size());
    std::vector<double> scaled(static_cast<std::size_t>(gs));
    std::vector<int> small, large;
    for (int grp = 0; grp < g.num_groups; ++grp) {
        const int base = grp * gs;
        double sum     = 0;
        for (int i = 0; i < gs; ++i)
            sum += w[std::size_t(base + i)];
        t.group_weight[std::size_t(grp)] = sum;
        small.clear();
        large.clear();
        for (int i = 0; i < gs; ++i) {
            scaled[std::size_t(i)]         = w[std::size_t(base + i)] * gs / sum;
            t.alias[std::size_t(base + i)] = base + i;
            (scaled[std::size_t(i)] < 1.0 ? small : large).push_back(i);
        }
        while (!small.empty() && !large.empty()) {
            const int s = small.back(), l = large.back();
            small.pop_back();
            t.prob[std::size_t(base + s)]  = scaled[std::size_t(s)];
            t.alias[std::size_t(base + s)] = base + l;
            scaled[std::size_t(l)] -= 1.0 - scaled[std::size_t(s)];
            if (scaled[std::size_t(l)] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
    }
    return t;
}

// TrafficMatrix::add_token for a bundle of `weight` identical tokens.
void add_bundle(TrafficMatrix& t, const std::vector<int>& gpu_node, int src, const int* dst, int k, int64_t weight) {
    int seen_gpu[64], seen_node[64];
    int ng = 0, nn = 0;
    for (int j = 0; j < k; ++j) {
        const int d = dst[j];
        t.selections_at(src, d) += weight;
        if (std::find(seen_gpu, seen_gpu + ng, d) == seen_gpu + ng) {
            seen_gpu[ng++] = d;
            t.tokens_at(src, d) += weight;
        }
        const int m = gpu_node[std::size_t(d)];
        if (std::find(seen_node, seen_node + nn, m) == seen_node + nn) {
            seen_node[nn++] = m;
            t.node_tokens_at(src, m) += weight;
        }
    }
}

} // namespace

LayerRouting route_layer(const LayerRoutingInput& in) {
    const balancer::GateSpec& g = in.gate;
    g.validate();
    if (int(in.weights.size()) != g.num_experts) throw ConfigError("route_layer: weights size != num_experts");
    const int num_gpus = int(in.tokens_per_gpu.size());
    const int gs       = g.group_size();
    // Floor weights so every expert can be drawn (balancer::sample_tokens does the same).
    std::vector<double> w(in.weights.begin(), in.weights.end());
    const double mean = std::accumulate(w.begin(), w.end(), 0.0) / double(w.size());
    for (double& x : w)
        x = std::max(x, 1e-9 * mean);
    const GroupTables t = make_tables(g, w);
    if (in.max_samples_per_gpu < 1) throw ConfigError("route_layer: max_samples_per_gpu must be >= 1");

    std::vector<int> home(std::size_t(g.num_experts));
    for (int e = 0; e < g.num_experts; ++e)
        home[std::size_t(e)] = in.spec->node_of_gpu(in.spec->gpu_of_slot(in.placement->replicas(in.layer, e)[0]));

    const int num_nodes = in.spec->num_nodes;
    // Experts by (group, home node), flattened, with each list's weight: once a token has M nodes
    // its draws go straight to the lists of its groups on its nodes.
    std::vector<int> gn_begin(std::size_t(g.num_groups * num_nodes) + 1, 0), gn_experts(std::size_t(g.num_experts));
    std::vector<double> gn_w(std::size_t(g.num_groups * num_nodes), 0.0);
    for (int e = 0; e < g.num_experts; ++e)
        ++gn_begin[std::size_t((e / gs) * num_nodes + home[std::size_t(e)]) + 1];
    std::partial_sum(gn_begin.begin(), gn_begin.end(), gn_begin.begin());
    {
        std::vector<int> fill(gn_begin.begin(), gn_begin.end() - 1);
        for (int e = 0; e < g.num_experts; ++e) {
            const std::size_t k                = std::size_t((e / gs) * num_nodes + home[std::size_t(e)]);
            gn_experts[std::size_t(fill[k]++)] = e;
            gn_w[k] += w[std::size_t(e)];
        }
    }
    // Slot -> GPU and GPU -> node without divisions in the per-selection loops.
    std::vector<int> slot_gpu(static_cast<std::size_t>(in.spec->num_slots));
    std::vector<int> gpu_node(static_cast<std::size_t>(num_gpus));
    for (int sl = 0; sl < in.spec->num_slots; ++sl)
        slot_gpu[std::size_t(sl)] = in.spec->gpu_of_slot(sl);
    for (int gp = 0; gp < num_gpus; ++gp)
        gpu_node[std::size_t(gp)] = gp / in.gpus_per_node;

    LayerRouting out;
    // Tokens of a GPU beyond kMaxSampledTokensPerGpu are bundles: each sampled token stands for
    // base or base + 1 identical tokens, so counts stay exact sums.
    std::vector<int64_t> bundle; // weight per sampled token
    std::vector<int> source;
    for (int src = 0; src < num_gpus; ++src) {
        const int64_t n = in.tokens_per_gpu[std::size_t(src)];
        out.num_tokens += n;
        const int64_t samples = std::min<int64_t>(n, in.max_samples_per_gpu);
        for (int64_t i = 0; i < samples; ++i) {
            bundle.push_back(n / samples + (i < n % samples ? 1 : 0));
            source.push_back(src);
        }
    }
    std::vector<int> experts(source.size() * std::size_t(g.topk));
    balancer::Rng rng(in.seed, in.stream);

    std::vector<int> groups(std::size_t(g.topk_groups));
    std::vector<char> is_taken(std::size_t(g.num_experts), 0), node_on(std::size_t(num_nodes), 0);
    std::vector<int> used_nodes(std::size_t(g.topk));
    std::vector<int> list_k(std::size_t(g.topk_groups * g.topk));
    std::vector<double> list_cum(std::size_t(g.topk_groups * g.topk));
    int last = -1;
    std::vector<char> chosen_group(std::size_t(g.num_groups));
    const double total_group_w = std::accumulate(t.group_weight.begin(), t.group_weight.end(), 0.0);
    for (std::size_t tok = 0; tok < source.size(); ++tok) {
        int* sel = &experts[tok * std::size_t(g.topk)];
        // Groups: topk_groups draws without replacement, proportional to group weight.
        std::fill(chosen_group.begin(), chosen_group.end(), 0);
        double left = total_group_w, chosen_w = 0;
        for (int j = 0; j < g.topk_groups; ++j) {
            double u = rng.uniform() * left;
            int pick = -1;
            for (int grp = 0; grp < g.num_groups; ++grp) {
                if (chosen_group[std::size_t(grp)]) continue;
                pick = grp;
                if ((u -= t.group_weight[std::size_t(grp)]) < 0) break;
            }
            chosen_group[std::size_t(pick)] = 1;
            groups[std::size_t(j)]          = pick;
            left -= t.group_weight[std::size_t(pick)];
            chosen_w += t.group_weight[std::size_t(pick)];
        }
        // Experts: alias draws inside the chosen groups, rejecting repeats and experts off the
        // token's nodes once it has M (exact Plackett-Luce by rejection); after 16 rejections in a
        // row, one draw over the eligible experts by a direct scan (the same distribution).
        int count     = 0;
        int nnodes    = 0;
        auto eligible = [&](int e) {
            return !is_taken[std::size_t(e)] && (nnodes < in.node_limit || node_on[std::size_t(home[std::size_t(e)])]);
        };
        auto accept = [&](int e) {
            sel[count++]             = e;
            is_taken[std::size_t(e)] = 1;
            const int m              = home[std::size_t(e)];
            if (!node_on[std::size_t(m)]) {
                node_on[std::size_t(m)]           = 1;
                used_nodes[std::size_t(nnodes++)] = m;
            }
        };
        bool relaxed  = false;
        int num_lists = -1; // (group, node) lists of a saturated token, built once: nodes no longer change
        while (count < g.topk) {
            int e                = -1;
            const bool saturated = nnodes >= in.node_limit;
            if (saturated && num_lists < 0) {
                num_lists  = 0;
                double cum = 0;
                for (int c : groups)
                    for (int j = 0; j < nnodes; ++j) {
                        const int k = c * num_nodes + used_nodes[std::size_t(j)];
                        if (gn_w[std::size_t(k)] <= 0) continue;
                        cum += gn_w[std::size_t(k)];
                        list_k[std::size_t(num_lists)]     = k;
                        list_cum[std::size_t(num_lists++)] = cum;
                    }
            }
            for (int tries = 0; tries < 16 && e < 0; ++tries) {
                int x = -1;
                if (saturated) { // a (group, node) list by weight, then an expert in it by weight
                    if (num_lists == 0) break;
                    const double u = rng.uniform() * list_cum[std::size_t(num_lists - 1)];
                    int list       = list_k[std::size_t(num_lists - 1)];
                    for (int i = 0; i < num_lists; ++i)
                        if (u < list_cum[std::size_t(i)]) {
                            list = list_k[std::size_t(i)];
                            break;
                        }
                    double v = rng.uniform() * gn_w[std::size_t(list)];
                    x        = gn_experts[std::size_t(gn_begin[std::size_t(list) + 1] - 1)];
                    for (int i = gn_begin[std::size_t(list)]; i < gn_begin[std::size_t(list) + 1]; ++i)
                        if ((v -= w[std::size_t(gn_experts[std::size_t(i)])]) < 0) {
                            x = gn_experts[std::size_t(i)];
                            break;
                        }
                } else {
                    double u = rng.uniform() * chosen_w;
                    int grp  = groups.back();
                    for (int c : groups)
                        if ((u -= t.group_weight[std::size_t(c)]) < 0) {
                            grp = c;
                            break;
                        }
                    const double v = rng.uniform() * gs;
                    const int col  = std::min(gs - 1, int(v));
                    const int e0   = grp * gs + col;
                    x              = v - col < t.prob[std::size_t(e0)] ? e0 : t.alias[std::size_t(e0)];
                }
                if (eligible(x)) e = x;
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
            accept(e);
        }
        out.node_limit_relaxed += relaxed;
        for (int j = 0; j < count; ++j)
            is_taken[std::size_t(sel[j])] = 0;
        for (int j = 0; j < nnodes; ++j)
            node_on[std::size_t(used_nodes[std::size_t(j)])] = 0;
    }

    // Replicas, then the traffic matrix.
    std::vector<int> slots(experts.size());
    balancer::DispatchInput din;
    din.placement     = in.placement;
    din.spec          = in.spec;
    din.layer         = in.layer;
    din.topk          = g.topk;
    din.token_experts = experts;
    din.source_gpu    = source;
    in.dispatch(din, slots);

    out.traffic = TrafficMatrix(num_gpus, in.gpus_per_node);
    out.slot_selections.assign(std::size_t(in.spec->num_slots), 0);
    out.expert_selections.assign(std::size_t(g.num_experts), 0);
    std::vector<int> dst(std::size_t(g.topk));
    for (std::size_t i = 0; i < source.size(); ++i) {
        for (int j = 0; j < g.topk; ++j) {
            const int s         = slots[i * std::size_t(g.topk) + std::size_t(j)];
            dst[std::size_t(j)] = slot_gpu[std::size_t(s)];
            out.slot_selections[std::size_t(s)] += bundle[i];
            out.expert_selections[std::size_t(experts[i * std::size_t(g.topk) + std::size_t(j)])] += bundle[i];
        }
        add_bundle(out.traffic, gpu_node, source[i], dst.data(), g.topk, bundle[i]);
    }
    return out;
}

} // namespace moetwin::step
