// SPDX-License-Identifier: Apache-2.0
// solve_min_max(): parametric max-flow (Dinic) for the min-max split.
#include "sim/balancer/dispatch/min_max_flow.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace moetwin::balancer {
namespace {

constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;

// Dinic's max-flow on a residual graph (edge i and i ^ 1 are each other's reverse).
struct FlowGraph {
    std::vector<int> head, next, to; // adjacency lists as linked edge lists (insertion order kept)
    std::vector<int64_t> cap;        // residual capacity
    std::vector<int> level, cursor, order;
    explicit FlowGraph(int n) : head(std::size_t(n), -1) {}

    int add(int u, int v, int64_t c) {
        const int e = int(to.size());
        for (int k = 0; k < 2; ++k) {
            to.push_back(k == 0 ? v : u);
            cap.push_back(k == 0 ? c : 0);
            next.push_back(-1);
        }
        return e;
    }
    // Adjacency in insertion order: built once after every edge is added.
    void finish() {
        std::vector<int> tail(head.size(), -1);
        for (int e = 0; e < int(to.size()); ++e) {
            const int u = to[std::size_t(e ^ 1)];
            if (tail[std::size_t(u)] < 0)
                head[std::size_t(u)] = e;
            else
                next[std::size_t(tail[std::size_t(u)])] = e;
            tail[std::size_t(u)] = e;
        }
    }
    bool bfs(int s, int t) {
        level.assign(head.size(), -1);
        order.clear();
        order.push_back(s);
        level[std::size_t(s)] = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const int u = order[i];
            for (int e = head[std::size_t(u)]; e >= 0; e = next[std::size_t(e)])
                if (cap[std::size_t(e)] > 0 && level[std::size_t(to[std::size_t(e)])] < 0) {
                    level[std::size_t(to[std::size_t(e)])] = level[std::size_t(u)] + 1;
                    order.push_back(to[std::size_t(e)]);
                }
        }
        return level[std::size_t(t)] >= 0;
    }
    int64_t dfs(int u, int t, int64_t pushed) {
        if (u == t) return pushed;
        for (int& e = cursor[std::size_t(u)]; e >= 0; e = next[std::size_t(e)]) {
            const int v = to[std::size_t(e)];
            if (cap[std::size_t(e)] <= 0 || level[std::size_t(v)] != level[std::size_t(u)] + 1) continue;
            const int64_t got = dfs(v, t, std::min(pushed, cap[std::size_t(e)]));
            if (got > 0) {
                cap[std::size_t(e)] -= got;
                cap[std::size_t(e ^ 1)] += got;
                return got;
            }
        }
        return 0;
    }
    int64_t max_flow(int s, int t) {
        int64_t total = 0;
        while (bfs(s, t)) {
            cursor = head;
            while (const int64_t f = dfs(s, t, kInf))
                total += f;
        }
        return total;
    }
};

void check(const MinMaxProblem& p) {
    const auto fail = [](const std::string& what) { throw ConfigError("solve_min_max: " + what); };
    if (p.num_gpus < 1 || int(p.fixed_load.size()) != p.num_gpus) fail("fixed_load must hold num_gpus >= 1 loads");
    if (p.class_weight.size() != p.class_hubs.size()) fail("class_weight and class_hubs differ in size");
    for (const auto& h : p.hub_gpus)
        for (int g : h)
            if (g < 0 || g >= p.num_gpus) fail("hub GPU " + std::to_string(g) + " out of range");
    for (std::size_t c = 0; c < p.class_hubs.size(); ++c) {
        if (p.class_hubs[c].empty() || p.class_weight[c] < 0)
            fail("class " + std::to_string(c) + " has no hub or a negative weight");
        for (int h : p.class_hubs[c])
            if (h < 0 || h >= int(p.hub_gpus.size()) || p.hub_gpus[std::size_t(h)].empty())
                fail("class " + std::to_string(c) + ": hub " + std::to_string(h) + " out of range or empty");
    }
}

} // namespace

MinMaxSolution solve_min_max(const MinMaxProblem& p) {
    check(p);
    const int nc = int(p.class_weight.size()), nh = int(p.hub_gpus.size()), G = p.num_gpus;
    // Vertices: source 0, sink 1, classes, hubs, GPUs.
    const int S = 0, T = 1, c0 = 2, h0 = c0 + nc, g0 = h0 + nh;
    FlowGraph f(g0 + G);
    int64_t total = 0, fixed_max = 0, fixed_sum = 0;
    for (int c = 0; c < nc; ++c) {
        f.add(S, c0 + c, p.class_weight[std::size_t(c)]);
        total += p.class_weight[std::size_t(c)];
    }
    std::vector<std::vector<int>> ch_edge(static_cast<std::size_t>(nc)), hg_edge(static_cast<std::size_t>(nh));
    for (int c = 0; c < nc; ++c)
        for (int h : p.class_hubs[std::size_t(c)])
            ch_edge[std::size_t(c)].push_back(f.add(c0 + c, h0 + h, kInf));
    for (int h = 0; h < nh; ++h)
        for (int g : p.hub_gpus[std::size_t(h)])
            hg_edge[std::size_t(h)].push_back(f.add(h0 + h, g0 + g, kInf));
    for (int64_t x : p.fixed_load)
        fixed_max = std::max(fixed_max, x), fixed_sum += x;
    int64_t level = std::max(fixed_max, (fixed_sum + total + G - 1) / G);
    std::vector<int> sink_edge(static_cast<std::size_t>(G));
    for (int g = 0; g < G; ++g)
        sink_edge[std::size_t(g)] = f.add(g0 + g, T, level - p.fixed_load[std::size_t(g)]);
    f.finish();

    MinMaxSolution out;
    int64_t flow = 0;
    for (;;) {
        flow += f.max_flow(S, T);
        ++out.rounds;
        if (flow >= total) break;
        // The last BFS (which failed to reach the sink) marked the source side of a minimum cut.
        int64_t k = 0;
        for (int g = 0; g < G; ++g)
            k += f.level[std::size_t(g0 + g)] >= 0;
        const int64_t raise = (total - flow + k - 1) / k; // k >= 1: a short class reaches a GPU
        level += raise;
        for (int g = 0; g < G; ++g)
            f.cap[std::size_t(sink_edge[std::size_t(g)])] += raise;
    }
    out.max_load = level;
    out.class_hub_flow.resize(std::size_t(nc));
    for (int c = 0; c < nc; ++c)
        for (int e : ch_edge[std::size_t(c)])
            out.class_hub_flow[std::size_t(c)].push_back(f.cap[std::size_t(e ^ 1)]);
    out.hub_gpu_flow.resize(std::size_t(nh));
    for (int h = 0; h < nh; ++h)
        for (int e : hg_edge[std::size_t(h)])
            out.hub_gpu_flow[std::size_t(h)].push_back(f.cap[std::size_t(e ^ 1)]);
    return out;
}

} // namespace moetwin::balancer
