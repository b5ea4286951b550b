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
    int64_t ops = 0; // edges added + edges scanned (MinMaxSolution::ops)
    explicit FlowGraph(int n) : head(std::size_t(n), -1) {}

    int add(int u, int v, int64_t c) {
        const int e = int(to.size());
        ++ops;
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
            for (int e = head[std::size_t(u)]; e >= 0; e = next[std::size_t(e)], ++ops)
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
            ++ops;
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
    if (p.item_weight.size() != p.item_gpus.size()) fail("item_weight and item_gpus differ in size");
    for (std::size_t i = 0; i < p.item_gpus.size(); ++i) {
        if (p.item_gpus[i].empty() || p.item_weight[i] < 0)
            fail("item " + std::to_string(i) + " has no GPU or a negative weight");
        for (int g : p.item_gpus[i])
            if (g < 0 || g >= p.num_gpus)
                fail("item " + std::to_string(i) + ": GPU " + std::to_string(g) + " out of range");
    }
}

} // namespace

MinMaxSolution solve_min_max(const MinMaxProblem& p) {
    check(p);
    const int ni = int(p.item_weight.size()), G = p.num_gpus;
    // Vertices: source 0, sink 1, items, GPUs.
    const int S = 0, T = 1, i0 = 2, g0 = i0 + ni;
    FlowGraph f(g0 + G);
    int64_t total = 0, fixed_max = 0, fixed_sum = 0;
    for (int i = 0; i < ni; ++i) {
        f.add(S, i0 + i, p.item_weight[std::size_t(i)]);
        total += p.item_weight[std::size_t(i)];
    }
    std::vector<std::vector<int>> ig_edge(static_cast<std::size_t>(ni));
    for (int i = 0; i < ni; ++i)
        for (int g : p.item_gpus[std::size_t(i)])
            ig_edge[std::size_t(i)].push_back(f.add(i0 + i, g0 + g, kInf));
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
        const int64_t raise = (total - flow + k - 1) / k; // k >= 1: a short item reaches a GPU
        level += raise;
        for (int g = 0; g < G; ++g)
            f.cap[std::size_t(sink_edge[std::size_t(g)])] += raise;
        f.ops += G;
    }
    out.max_load = level;
    out.item_gpu_flow.resize(std::size_t(ni));
    for (int i = 0; i < ni; ++i)
        for (int e : ig_edge[std::size_t(i)])
            out.item_gpu_flow[std::size_t(i)].push_back(f.cap[std::size_t(e ^ 1)]);
    out.ops = f.ops;
    return out;
}

} // namespace moetwin::balancer
