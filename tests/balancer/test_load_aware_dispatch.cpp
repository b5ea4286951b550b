// SPDX-License-Identifier: Apache-2.0
// Load-aware dispatch (dispatch/load_aware.cpp), its min-max solver and its cost model: a
// hand-computed split, exactness against brute force, conservation, the node rule, determinism.
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/dispatch/min_max_flow.hpp"
#include "sim/balancer/dispatch/replica_choice_cost.hpp"

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
    // Expert A (10 pairs) may use GPU 0 or 1, expert B (2 pairs) GPU 0 or 2. Total 12 over 3 GPUs
    // gives 4, but A alone needs 5 on GPUs 0-1: the optimum is 5 (A 5 + 5, B on GPU 2).
    MinMaxProblem p;
    p.num_gpus             = 3;
    p.fixed_load           = {0, 0, 0};
    p.hub_gpus             = {{0}, {1}, {2}};
    p.class_weight         = {10, 2};
    p.class_hubs           = {{0, 1}, {0, 2}};
    const MinMaxSolution s = solve_min_max(p);
    EXPECT_EQ(s.max_load, 5);
    EXPECT_EQ(s.class_hub_flow[0][0] + s.class_hub_flow[0][1], 10);
    EXPECT_EQ(s.class_hub_flow[1][0] + s.class_hub_flow[1][1], 2);
    EXPECT_LE(s.class_hub_flow[0][0] + s.class_hub_flow[1][0], 5);
    EXPECT_LE(s.class_hub_flow[0][1], 5);
    // A fixed load of 4 on GPU 2 moves B to GPU 0: max(A0 + B, A1, 4 + B2) = 6 (A 4/6 or 5/5...).
    p.fixed_load = {0, 0, 4};
    EXPECT_EQ(solve_min_max(p).max_load, 6);
    p.class_hubs = {{0, 1}, {}};
    EXPECT_THROW(solve_min_max(p), ConfigError);
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

TEST(LoadAwareDispatch, ConservesPairsDeterministicBeatsRoundRobin) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        const Case c = random_case(seed, 4, 16, 33, 48, 400, 5, true);
        std::vector<int> slot(c.experts.size(), -1), again(slot.size(), -1);
        dispatch_load_aware(input_of(c), slot);
        dispatch_load_aware(input_of(c), again);
        EXPECT_EQ(slot, again);
        for (std::size_t i = 0; i < slot.size(); ++i) {
            ASSERT_GE(slot[i], 0);
            EXPECT_EQ(c.placement.slots(0)[std::size_t(slot[i])], c.experts[i]); // a replica of its expert
        }
        const auto load = gpu_loads(c.spec, slot);
        int64_t sum     = 0;
        for (int64_t x : load)
            sum += x;
        EXPECT_EQ(sum, int64_t(slot.size()));
        // The optimum: never worse than the load-blind policies, and here strictly better.
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
    in.num_gpus         = 16;
    in.gpus_per_node    = 8;
    in.tokens_per_gpu   = 100;
    in.picks_per_token  = 9;
    in.ib_Bps           = 50e9;
    in.nvlink_Bps       = 160e9;
    in.latency_s        = 3.7e-6;
    in.overhead_s       = 7e-6;
    in.solve_s_per_pair = 13e-9;
    // m = 100 x 9 x 2 = 1800 B; IB 8 x 1800 / 50e9 = 0.288 us beats NVLink 7 x 1800 / 160e9.
    const ReplicaChoiceCost c = replica_choice_cost(in);
    EXPECT_NEAR(c.gather_s, 7e-6 + 3.7e-6 + 0.288e-6, 1e-12);
    EXPECT_NEAR(c.solve_s, 16 * 100 * 9 * 13e-9, 1e-12); // 187.2 us
    in.num_gpus = 8;                                     // one node: NVLink only
    EXPECT_NEAR(replica_choice_cost(in).gather_s, 7e-6 + 3.7e-6 + 7 * 1800 / 160e9, 1e-12);
    in.ib_Bps = 0;
    EXPECT_THROW(replica_choice_cost(in), ConfigError);
}

TEST(DispatchRegistry, LoadAwareSeesTheBatch) {
    EXPECT_TRUE(find_dispatch_policy("load_aware").sees_batch);
    EXPECT_FALSE(find_dispatch_policy("round_robin").sees_batch);
}

} // namespace
} // namespace moetwin::balancer
