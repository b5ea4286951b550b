// SPDX-License-Identifier: Apache-2.0
// draw_gate_tokens(): group set, experts and the node limit, token by token.
#include "sim/step/gate_sampler.hpp"

#include <algorithm>
#include <vector>

namespace moetwin::step {
namespace {

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

// Index j in [0, n) of the node whose free weight holds offset u; u becomes the offset within it.
int pick_node(const double* w, int n, double& u) {
    int j = 0;
    while (j < n - 1 && u >= w[j])
        u -= w[j++];
    return j;
}

// Node limits up to this use the fixed-size cumulative table of the at-M-nodes draw.
constexpr int kMaxNodeLimit = 16;

} // namespace

int64_t draw_gate_tokens(const balancer::GateSpec& g, int node_limit, int shared_expert, LayerGate& prepared,
                         balancer::Rng& rng_io, std::span<int> experts) {
    // A local copy: its address is never taken, so its state stays in registers in the loop.
    balancer::Rng rng             = rng_io;
    const int gs                  = g.group_size();
    const std::vector<double>& w  = prepared.w;
    const std::vector<int>& home  = prepared.home;
    GateTables& tables            = *prepared.tables;
    const int num_nodes           = prepared.num_nodes;
    const int kk                  = g.topk + (shared_expert >= 0 ? 1 : 0);
    const std::size_t num_samples = experts.size() / std::size_t(kk);
    int64_t num_relaxed           = 0;

    // taken[e] == t: token t already picked expert e (int stamps, never reset; not a char array,
    // whose stores the compiler must assume may alias every pointer in the loop).
    std::vector<int> taken(std::size_t(g.num_experts), -1);
    std::vector<double> free_w(w); // node-limited tokens: w[e], 0 while e is taken (w > 0 after the floor)
    std::vector<int> node_on(std::size_t(num_nodes), 0); // 1 + the node's index in used_nodes, 0: not used
    std::vector<int> used_nodes(std::size_t(g.topk));
    std::vector<double> node_taken_w(std::size_t(g.topk)), node_free_w(std::size_t(g.topk));
    const int topk = g.topk, limit = node_limit;
    // One draw over the subset's experts that `ok` admits, proportional to weight, by a direct scan
    // (the last admitted one absorbs rounding); -1 if it admits none.
    auto scan_draw = [&](const std::vector<int>& groups, auto ok) {
        double sum = 0;
        for (int c : groups)
            for (int x = c * gs; x < (c + 1) * gs; ++x)
                sum += ok(x) ? w[std::size_t(x)] : 0.0;
        if (!(sum > 0)) return -1;
        double u = rng.uniform() * sum;
        int e    = -1;
        for (int c : groups)
            for (int x = c * gs; x < (c + 1) * gs; ++x)
                if (ok(x)) {
                    e = x;
                    if ((u -= w[std::size_t(x)]) < 0) return e;
                }
        return e;
    };
    for (std::size_t t = 0; t < num_samples; ++t) {
        const int tok                     = int(t);
        int* sel                          = &experts[t * std::size_t(kk)];
        const int subset                  = tables.draw_subset(rng);
        const std::vector<int>& groups    = tables.groups(subset);
        const GateTables::ExpertDraw draw = tables.expert_draw(subset);
        auto free                         = [&](int x) { return taken[std::size_t(x)] != tok; };
        auto draw_free                    = [&] { // an alias draw that is not a repeat; -1 after 16 repeats
            int e = -1;
            for (int tries = 0; tries < 16 && e < 0; ++tries) {
                                   const int x = draw(rng);
                                   e           = free(x) ? x : -1;
            }
            return e;
        };
        int count = 0;
        if (tables.num_nodes(subset) <= limit) {
            // The subset's experts span at most M nodes, so the limit cannot bind: alias draws over
            // them rejecting repeats (exact Plackett-Luce by rejection); after 16 rejections in a row
            // one draw over the free experts by a direct scan (the same distribution).
            while (count < topk) {
                int e = draw_free();
                if (e < 0) e = scan_draw(groups, free);
                taken[std::size_t(e)] = tok;
                sel[count++]          = e;
            }
            if (shared_expert >= 0) sel[g.topk] = shared_expert;
            continue;
        }
        // Node-limited: below M nodes, alias draws as above; from M nodes on, one draw over the
        // free experts of the subset on the token's nodes (a node by its free weight, then an expert
        // in it). After 16 rejections in a row, or nothing free there, one draw over the eligible
        // experts by a direct scan (the same distribution; it lifts the limit if none is eligible).
        const GateTables::NodeLists lists = tables.node_lists(subset);
        int nnodes                        = 0;
        bool relaxed                      = false;
        auto eligible                     = [&](int x) {
            return free(x) && (nnodes < limit || node_on[std::size_t(home[std::size_t(x)])]);
        };
        // Accept e, without a branch on whether its node is new (unpredictable): slot nnodes of
        // used_nodes / node_taken_w is free, so it may be written either way.
        auto accept = [&](int e) {
            sel[count++]                      = e;
            taken[std::size_t(e)]             = tok;
            free_w[std::size_t(e)]            = 0.0;
            const int m                       = home[std::size_t(e)];
            const int on                      = node_on[std::size_t(m)]; // 1 + index in used_nodes, 0: new
            const int at                      = on > 0 ? on - 1 : nnodes;
            used_nodes[std::size_t(nnodes)]   = on > 0 ? used_nodes[std::size_t(nnodes)] : m;
            node_taken_w[std::size_t(nnodes)] = on > 0 ? node_taken_w[std::size_t(nnodes)] : 0.0;
            node_taken_w[std::size_t(at)] += w[std::size_t(e)];
            node_on[std::size_t(m)] = at + 1;
            nnodes += on == 0;
        };
        while (count < topk && nnodes < limit) { // below M nodes
            int e = draw_free();
            if (e < 0) e = scan_draw(groups, eligible);
            accept(e);
        }
        // At M nodes: a node by its weight in the subset (taken experts included), then an expert
        // of it by its alias table, rejecting taken ones: exactly a draw over the free experts on
        // the token's nodes proportional to weight. Cumulative node weights are fixed from here on.
        double cum[kMaxNodeLimit];
        const AliasColumn* node_col[kMaxNodeLimit];
        int node_n[kMaxNodeLimit];
        const int reach = std::min(nnodes, kMaxNodeLimit);
        for (int j = 0; j < reach; ++j) {
            const int node = used_nodes[std::size_t(j)];
            cum[j]         = (j > 0 ? cum[j - 1] : 0.0) + lists.weight[node];
            node_col[j]    = lists.columns + lists.begin[node];
            node_n[j]      = lists.begin[node + 1] - lists.begin[node];
        }
        auto candidate = [&] {
            const double v = rng.uniform() * cum[reach - 1];
            int j          = 0;
            for (int i = 0; i < reach - 1; ++i)
                j += v >= cum[i];
            return draw_column(node_col[j], node_n[j], rng);
        };
        while (count < topk) {
            int e = -1;
            // Two candidates per round, the first free one taken: fewer mispredicted loop exits
            // (a candidate is often taken) for one spare draw: decode plan 0.61 -> 0.58 s.
            for (int tries = 0; tries < 16 && e < 0 && nnodes == reach; ++tries) {
                const int x1 = candidate(), x2 = candidate();
                const int f2 = free(x2) ? x2 : -1;
                e            = free(x1) ? x1 : f2;
            }
            if (e >= 0) {
                accept(e);
                continue;
            }
            // Mostly taken there (or M beyond kMaxNodeLimit): one draw by node free weight and a scan.
            double total = 0;
            for (int j = 0; j < nnodes; ++j) {
                node_free_w[std::size_t(j)] =
                    std::max(0.0, lists.weight[used_nodes[std::size_t(j)]] - node_taken_w[std::size_t(j)]);
                total += node_free_w[std::size_t(j)];
            }
            if (total > 0) {
                double u       = rng.uniform() * total;
                const int node = used_nodes[std::size_t(pick_node(node_free_w.data(), nnodes, u))];
                e = scan_free(lists.experts + lists.begin[node], lists.experts + lists.begin[node + 1], free_w.data(),
                              u);
            }
            if (e < 0) e = scan_draw(groups, eligible);
            if (e < 0) { // no eligible expert left within M nodes: lift the limit
                relaxed = true;
                e       = scan_draw(groups, free);
            }
            accept(e);
        }
        if (shared_expert >= 0) sel[g.topk] = shared_expert;
        num_relaxed += relaxed;
        for (int j = 0; j < count; ++j)
            free_w[std::size_t(sel[j])] = w[std::size_t(sel[j])];
        for (int j = 0; j < nnodes; ++j)
            node_on[std::size_t(used_nodes[std::size_t(j)])] = 0;
    }
    rng_io = rng;
    return num_relaxed;
}

} // namespace moetwin::step
