// SPDX-License-Identifier: Apache-2.0
// Load-aware dispatch (dispatch/load_aware.cpp), its count split (dispatch/replica_split.hpp), its
// min-max solver and its cost model: a hand-computed split, exactness against brute force on count
// problems and on pairs, the prefix assignment matching the split, conservation, determinism.
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/min_max_flow.hpp"
#include "sim/balancer/dispatch/replica_choice_cost.hpp"
#include "sim/balancer/dispatch/replica_split.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace moetwin::balancer {
namespace {

std::vector<int64_t> gpu_loads(const PlacementSpec& spec, std::span<const int> slots) {
    std::vector<int64_t> load(static_cast<std::size_t>(spec.num_gpus), 0);
    for (int s : slots)
        ++load[std::size_t(spec.gpu_of_slot(s))];
    return load;
}

TEST(MinMaxFlow, HandComputedTwoExpertsThreeGpus) {
    // Expert A (10 tokens) may use GPU 0 or 1, expert B (2 tokens) GPU 0 or 2. Total 12 over 3 GPUs
    // gives 4, but A alone needs 5 on GPUs 0-1: the optimum is 5 (A 5 + 5, B on GPU 2).
    MinMaxProblem p;
    p.num_gpus             = 3;
    p.fixed_load           = {0, 0, 0};
    p.item_weight          = {10, 2};
    p.item_gpus            = {{0, 1}, {0, 2}};
    const MinMaxSolution s = solve_min_max(p);
    EXPECT_EQ(s.max_load, 5);
    EXPECT_EQ(s.item_gpu_flow[0][0] + s.item_gpu_flow[0][1], 10);
    EXPECT_EQ(s.item_gpu_flow[1][0] + s.item_gpu_flow[1][1], 2);
    EXPECT_LE(s.item_gpu_flow[0][0] + s.item_gpu_flow[1][0], 5);
    EXPECT_LE(s.item_gpu_flow[0][1], 5);
    EXPECT_GT(s.ops, 0);
    // A fixed load of 4 on GPU 2: max(A0 + B0, A1, 4 + B2) >= (12 + 4) / 3, so 6 (A 4 / 6, B on GPU 0).
    p.fixed_load = {0, 0, 4};
    EXPECT_EQ(solve_min_max(p).max_load, 6);
    p.item_gpus = {{0, 1}, {}};
    EXPECT_THROW(solve_min_max(p), ConfigError);
    p.item_gpus = {{0, 1}, {3}};
    EXPECT_THROW(solve_min_max(p), ConfigError);
}

// Brute force over count problems: every unit of every expert to one of its replicas' GPUs.
int64_t brute_force_counts(const Placement& p, const PlacementSpec& spec, std::span<const int64_t> total) {
    std::vector<int> unit_expert;
    for (int e = 0; e < p.num_experts; ++e)
        for (int64_t i = 0; i < total[std::size_t(e)]; ++i)
            unit_expert.push_back(e);
    std::vector<int64_t> load(std::size_t(spec.num_gpus), 0);
    int64_t best  = INT64_MAX;
    const auto go = [&](auto&& self, std::size_t i, int64_t cur) -> void {
        if (cur >= best) return;
        if (i == unit_expert.size()) {
            best = cur;
            return;
        }
        std::set<int> tried;
        for (int sl : p.replicas(0, unit_expert[i])) {
            const int g = spec.gpu_of_slot(sl);
            if (!tried.insert(g).second) continue;
            ++load[std::size_t(g)];
            self(self, i + 1, std::max(cur, load[std::size_t(g)]));
            --load[std::size_t(g)];
        }
    };
    go(go, 0, 0);
    return best;
}

TEST(ReplicaSplit, ExactAgainstBruteForceOnRandomCounts) {
    for (uint64_t seed = 1; seed <= 60; ++seed) {
        Rng rng(seed, 3);
        const int gpus = 2 + int(rng.next() % 3), experts = 2 + int(rng.next() % 3);
        const int slots = experts + 1 + int(rng.next() % 3), ranks = 1 + int(rng.next() % 3);
        std::vector<int> phy2log(static_cast<std::size_t>(slots));
        for (int sl = 0; sl < slots; ++sl)
            phy2log[std::size_t(sl)] = sl < experts ? sl : int(rng.next() % uint64_t(experts));
        for (int sl = slots - 1; sl > 0; --sl)
            std::swap(phy2log[std::size_t(sl)], phy2log[std::size_t(rng.next() % uint64_t(sl + 1))]);
        const PlacementSpec spec{slots, 1, 1, gpus};
        const Placement p = make_placement(1, experts, slots, phy2log);
        std::vector<int64_t> counts(std::size_t(ranks * experts)), total(std::size_t(experts), 0);
        for (std::size_t i = 0; i < counts.size(); ++i) {
            counts[i] = int64_t(rng.next() % 4); // <= 3 per rank and expert: at most 36 units
            total[i % std::size_t(experts)] += counts[i];
        }
        const ReplicaSplit s = split_replicas(p, spec, 0, counts, ranks);
        EXPECT_EQ(s.max_load, brute_force_counts(p, spec, total)) << "seed " << seed;
        // The split realises max_load and conserves every expert's total, intervals back to back.
        std::vector<int64_t> gpu(std::size_t(gpus), 0), served(std::size_t(experts), 0);
        for (int sl = 0; sl < slots; ++sl) {
            const int e = phy2log[std::size_t(sl)];
            EXPECT_EQ(s.slot_start[std::size_t(sl)], served[std::size_t(e)]) << "seed " << seed;
            served[std::size_t(e)] += s.slot_count[std::size_t(sl)];
            gpu[std::size_t(spec.gpu_of_slot(sl))] += s.slot_count[std::size_t(sl)];
        }
        EXPECT_EQ(served, total) << "seed " << seed;
        EXPECT_EQ(*std::max_element(gpu.begin(), gpu.end()), s.max_load) << "seed " << seed;
        // The totals alone give the same split (the step's cost model re-derives it so).
        const ReplicaSplit t = split_replicas_from_totals(p, spec, 0, total, ranks);
        EXPECT_EQ(t.slot_count, s.slot_count);
        EXPECT_EQ(t.ops, s.ops);
        EXPECT_EQ(s.sum_ops, int64_t(ranks) * experts);
        EXPECT_GE(s.ops, slots);
    }
}

TEST(LoadAwareDispatch, HandComputedPolicy) {
    // 4 slots on 3 GPUs of one node: GPU 0 holds slots 0-1, GPU 1 slot 2, GPU 2 slot 3.
    const PlacementSpec spec{4, 1, 1, 3};
    const Placement p = make_placement(1, 2, 4, {0, 1, 0, 1}); // A on GPUs 0, 1; B on GPUs 0, 2
    std::vector<int> experts(12, 0), source(12, 0), slot(12, -1);
    experts[10] = experts[11] = 1;
    dispatch_load_aware(DispatchInput{&p, &spec, 0, 1, experts, source}, slot);
    EXPECT_EQ(gpu_loads(spec, slot), (std::vector<int64_t>{5, 5, 2}));
    // round_robin splits A 5 / 5 and B 1 / 1: GPU 0 serves 6.
    dispatch_round_robin(DispatchInput{&p, &spec, 0, 1, experts, source}, slot);
    EXPECT_EQ(gpu_loads(spec, slot), (std::vector<int64_t>{6, 5, 1}));
}

// Locality: one expert with a replica on each of 2 nodes (GPU 0 of node 0, GPU 2 of node 1; 2 GPUs
// per node), 3 tokens from GPU 1 (node 0) then 3 from GPU 3 (node 1). The split is 3 / 3; by rank
// order GPU 1's tokens would fill the first replica's interval anyway, so put node 1's ranks first in
// the input: a prefix order over ranks 1 then 3 is the same, but tokens from GPU 3 listed first must
// still go to node 1's replica: every pair stays on its node, none crosses InfiniBand.
TEST(LoadAwareDispatch, SameNodeReplicasServeTheirNodesTokens) {
    const PlacementSpec spec{4, 1, 2, 4};
    const Placement p = make_placement(1, 3, 4, {0, 1, 0, 2}); // expert 0 on GPUs 0 and 2
    const std::vector<int> experts(6, 0), source{3, 3, 3, 1, 1, 1};
    std::vector<int> slot(6, -1);
    dispatch_load_aware(DispatchInput{&p, &spec, 0, 1, experts, source}, slot);
    EXPECT_EQ(slot, (std::vector<int>{2, 2, 2, 0, 0, 0}));
    // Uneven: 5 tokens from node 0 (GPU 1) and 1 from node 1 (GPU 3): split 3 / 3, so 2 of node 0's
    // cross to node 1 and node 1's one stays: 4 of 6 pairs on their node, the most the split allows.
    const std::vector<int> source2{1, 1, 1, 1, 1, 3};
    dispatch_load_aware(DispatchInput{&p, &spec, 0, 1, experts, source2}, slot);
    EXPECT_EQ(slot, (std::vector<int>{0, 0, 0, 2, 2, 2}));
}

// A random small layer: experts with 1-3 replicas on `gpus` GPUs in `nodes` nodes, tokens with
// `topk` distinct experts (the last one the shared expert when `shared`).
struct Case {
    PlacementSpec spec;
    Placement placement;
    int topk = 2, shared = -1;
    std::vector<int> experts, source;
};

Case random_case(uint64_t seed, int nodes, int gpus, int num_experts, int slots, int tokens, int topk, bool shared) {
    Rng rng(seed);
    Case c;
    c.spec = PlacementSpec{slots, 1, nodes, gpus};
    std::vector<int> phy2log(static_cast<std::size_t>(slots));
    for (int s = 0; s < slots; ++s)
        phy2log[std::size_t(s)] = s < num_experts ? s : int(rng.next() % uint64_t(num_experts));
    for (int s = slots - 1; s > 0; --s) // shuffle
        std::swap(phy2log[std::size_t(s)], phy2log[std::size_t(rng.next() % uint64_t(s + 1))]);
    c.placement      = make_placement(1, num_experts, slots, phy2log);
    c.topk           = topk;
    c.shared         = shared ? num_experts - 1 : -1;
    const int routed = shared ? num_experts - 1 : num_experts;
    for (int t = 0; t < tokens; ++t) {
        std::set<int> picked;
        while (int(picked.size()) < topk - (shared ? 1 : 0)) {
            const int e = int(rng.next() % uint64_t(routed));
            if (picked.insert(e).second) c.experts.push_back(e);
        }
        if (shared) c.experts.push_back(c.shared);
        c.source.push_back(int(rng.next() % uint64_t(gpus)));
    }
    return c;
}

DispatchInput input_of(const Case& c) {
    DispatchInput in{&c.placement, &c.spec, 0, c.topk, c.experts, c.source};
    in.shared_expert = c.shared;
    return in;
}

// The slots each pair may use.
std::vector<std::vector<int>> eligible(const Case& c) {
    std::vector<std::vector<int>> out;
    for (int e : c.experts) { // every replica (the gate holds the node limit at home nodes, as for every policy)
        const auto rep = c.placement.replicas(0, e);
        out.emplace_back(rep.begin(), rep.end());
    }
    return out;
}

int64_t brute_force_min_max(const Case& c) {
    const auto choices = eligible(c);
    std::vector<int64_t> load(static_cast<std::size_t>(c.spec.num_gpus), 0);
    int64_t best  = INT64_MAX;
    const auto go = [&](auto&& self, std::size_t i, int64_t cur) -> void {
        if (cur >= best) return;
        if (i == choices.size()) {
            best = cur;
            return;
        }
        std::set<int> tried; // replicas on one GPU are the same choice
        for (int s : choices[i]) {
            const int g = c.spec.gpu_of_slot(s);
            if (!tried.insert(g).second) continue;
            ++load[std::size_t(g)];
            self(self, i + 1, std::max(cur, load[std::size_t(g)]));
            --load[std::size_t(g)];
        }
    };
    go(go, 0, 0);
    return best;
}

TEST(LoadAwareDispatch, ExactAgainstBruteForce) {
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        const bool shared = seed % 2 == 0;
        const Case c      = random_case(seed, 2, 4, shared ? 5 : 4, 7, 5, 2, shared);
        std::vector<int> slot(c.experts.size(), -1);
        dispatch_load_aware(input_of(c), slot);
        const auto load = gpu_loads(c.spec, slot);
        EXPECT_EQ(*std::max_element(load.begin(), load.end()), brute_force_min_max(c)) << "seed " << seed;
    }
}

TEST(LoadAwareDispatch, MatchingFillsTheSplitLocallyDeterministicBeatsRoundRobin) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        const Case c = random_case(seed, 4, 16, 33, 48, 400, 5, true);
        std::vector<int> slot(c.experts.size(), -1), again(slot.size(), -1);
        dispatch_load_aware(input_of(c), slot);
        dispatch_load_aware(input_of(c), again);
        EXPECT_EQ(slot, again);
        // The split every rank computes from the gathered counts.
        const int E = c.placement.num_experts, G = c.spec.num_gpus, N = c.spec.num_nodes;
        std::vector<int64_t> counts(std::size_t(G * E), 0);
        for (std::size_t i = 0; i < c.experts.size(); ++i)
            ++counts[std::size_t(c.source[i / std::size_t(c.topk)] * E + c.experts[i])];
        const ReplicaSplit split = split_replicas(c.placement, c.spec, 0, counts, G);
        std::vector<int64_t> served(std::size_t(c.spec.num_slots), 0);
        for (std::size_t i = 0; i < slot.size(); ++i) {
            ASSERT_GE(slot[i], 0);
            EXPECT_EQ(c.placement.slots(0)[std::size_t(slot[i])], c.experts[i]); // a replica of its expert
            ++served[std::size_t(slot[i])];
        }
        EXPECT_EQ(served, split.slot_count) << "seed " << seed; // every replica serves exactly its count
        // Locality: per expert with ≥ 2 replicas, the pairs served on their source's GPU (node) are
        // the most any assignment of these quotas allows: Σ over GPUs (nodes) of min(the tokens from
        // there, the quotas there).
        for (int e = 0; e < E; ++e) {
            if (c.placement.count(0, e) < 2) continue;
            std::vector<int64_t> from_gpu(std::size_t(G), 0), quota_gpu(std::size_t(G), 0);
            std::vector<int64_t> from_node(std::size_t(N), 0), quota_node(std::size_t(N), 0);
            for (int r = 0; r < G; ++r)
                from_gpu[std::size_t(r)] = counts[std::size_t(r * E + e)],
                from_node[std::size_t(c.spec.node_of_gpu(r))] += counts[std::size_t(r * E + e)];
            for (int sl : c.placement.replicas(0, e)) {
                const int g = c.spec.gpu_of_slot(sl);
                quota_gpu[std::size_t(g)] += split.slot_count[std::size_t(sl)];
                quota_node[std::size_t(c.spec.node_of_gpu(g))] += split.slot_count[std::size_t(sl)];
            }
            int64_t best_gpu = 0, best_node = 0, on_gpu = 0, on_node = 0;
            for (int g = 0; g < G; ++g)
                best_gpu += std::min(from_gpu[std::size_t(g)], quota_gpu[std::size_t(g)]);
            for (int n = 0; n < N; ++n)
                best_node += std::min(from_node[std::size_t(n)], quota_node[std::size_t(n)]);
            for (std::size_t i = 0; i < slot.size(); ++i)
                if (c.experts[i] == e) {
                    const int src = c.source[i / std::size_t(c.topk)], g = c.spec.gpu_of_slot(slot[i]);
                    on_gpu += g == src;
                    on_node += c.spec.node_of_gpu(g) == c.spec.node_of_gpu(src);
                }
            EXPECT_EQ(on_gpu, best_gpu) << "seed " << seed << " expert " << e;
            EXPECT_EQ(on_node, best_node) << "seed " << seed << " expert " << e;
        }
        const auto load = gpu_loads(c.spec, slot);
        EXPECT_EQ(*std::max_element(load.begin(), load.end()), split.max_load);
        // The optimum: here strictly better than round_robin's even split.
        std::vector<int> rr(slot.size());
        dispatch_round_robin(input_of(c), rr);
        const auto rr_load = gpu_loads(c.spec, rr);
        EXPECT_LT(*std::max_element(load.begin(), load.end()), *std::max_element(rr_load.begin(), rr_load.end()));
    }
}

TEST(LoadAwareDispatch, BundlesCountTheirTokens) {
    // Two replicas of one expert on two GPUs; bundles of 3, 1, 1, 1: the weights split 3 / 3.
    const PlacementSpec spec{2, 1, 1, 2};
    const Placement p = make_placement(1, 1, 2, {0, 0});
    std::vector<int> experts(4, 0), source(4, 0), slot(4, -1);
    const std::vector<int64_t> weight{3, 1, 1, 1};
    DispatchInput in{&p, &spec, 0, 1, experts, source};
    in.token_weight = weight;
    dispatch_load_aware(in, slot);
    EXPECT_EQ(slot[0] == slot[1] || slot[0] == slot[2] || slot[0] == slot[3], false);
}

TEST(ReplicaChoiceCost, HandComputed) {
    ReplicaChoiceCostInput in;
    in.num_gpus       = 16;
    in.gpus_per_node  = 8;
    in.num_experts    = 257;
    in.ib_Bps         = 50e9;
    in.nvlink_Bps     = 160e9;
    in.latency_s      = 3.7e-6;
    in.overhead_s     = 7e-6;
    in.sum_ops        = 40000;
    in.solve_ops      = 2000;
    in.seconds_per_op = 0.5e-9;
    // m = 257 x 4 = 1028 B; IB 8 x 1028 / 50e9 = 0.16448 us beats NVLink 7 x 1028 / 160e9 = 0.044975 us.
    ReplicaChoiceCost c = replica_choice_cost(in);
    EXPECT_NEAR(c.gather_s, 7e-6 + 3.7e-6 + 0.16448e-6, 1e-12);
    in.seconds_per_sum = 0.25e-9;
    EXPECT_NEAR(replica_choice_cost(in).solve_s, 10e-6 + 1e-6, 1e-12); // 40,000 x 0.25 ns + 2,000 x 0.5 ns
    in.num_gpus = 8;                                                   // one node: NVLink only
    EXPECT_NEAR(replica_choice_cost(in).gather_s, 7e-6 + 3.7e-6 + 7 * 1028 / 160e9, 1e-12);
    in.solve_ops = -1;
    EXPECT_THROW(replica_choice_cost(in), ConfigError);
    in.solve_ops = 0;
    in.ib_Bps    = 0;
    EXPECT_THROW(replica_choice_cost(in), ConfigError);
}

TEST(DispatchRegistry, LoadAwareSeesTheBatch) {
    EXPECT_TRUE(find_dispatch_policy("load_aware").sees_batch);
    EXPECT_FALSE(find_dispatch_policy("round_robin").sees_batch);
}

} // namespace
} // namespace moetwin::balancer
