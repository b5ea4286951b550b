// SPDX-License-Identifier: Apache-2.0
// Every placement policy on seeded random loads: EPLB's invariants hold, the result is
// deterministic, and busiest/mean is never worse than the contiguous `none` layout.
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace moetwin::balancer {
namespace {

struct Case {
    PlacementSpec spec;
    int experts;
};

// Every shipped unit shape (prefill EP32, decode EP144, EP128 and EP32 without redundancy, the EP64
// training unit, the one-node EP8 test unit), a node-straddling one, and no redundancy; then uneven
// slot counts per GPU: EP144 with 0 and 64 redundant experts, 256 experts on 72 GPUs, an uneven
// prefill unit where groups divide over the nodes, and a small one.
const std::vector<Case> kCases = {{{288, 8, 4, 32}, 256},   {{288, 8, 18, 144}, 256}, {{256, 8, 16, 128}, 256},
                                  {{256, 8, 4, 32}, 256},   {{256, 8, 8, 64}, 256},   {{264, 8, 1, 8}, 256},
                                  {{48, 4, 3, 12}, 32},     {{64, 8, 2, 16}, 64},     {{20, 2, 1, 4}, 16},
                                  {{256, 8, 18, 144}, 256}, {{320, 8, 18, 144}, 256}, {{256, 8, 9, 72}, 256},
                                  {{300, 8, 4, 32}, 256},   {{19, 2, 2, 4}, 16}};

// Each GPU holds slots_on_gpu(g) of the layer's slots, and those counts differ by at most 1.
void expect_slot_counts(const PlacementSpec& spec) {
    int lo = spec.num_slots, hi = 0, total = 0;
    for (int g = 0; g < spec.num_gpus; ++g) {
        lo = std::min(lo, spec.slots_on_gpu(g));
        hi = std::max(hi, spec.slots_on_gpu(g));
        EXPECT_EQ(spec.first_slot(g), total);
        for (int k = 0; k < spec.slots_on_gpu(g); ++k)
            EXPECT_EQ(spec.gpu_of_slot(total + k), g);
        total += spec.slots_on_gpu(g);
    }
    EXPECT_EQ(total, spec.num_slots);
    EXPECT_LE(hi - lo, 1);
    EXPECT_EQ(hi, spec.max_slots_per_gpu());
    EXPECT_GE(lo, 1);
}

bool applies(const PlacementPolicy& p, const PlacementSpec& s) {
    return p.name != "eplb_hierarchical" || s.num_groups % s.num_nodes == 0;
}

TEST(PlacementInvariants, EveryPolicyEveryCase) {
    for (const Case& c : kCases)
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            const ExpertLoad load = test::random_load(4, c.experts, seed, 1.2);
            for (const auto& policy : placement_policies()) {
                if (!applies(policy, c.spec)) continue;
                SCOPED_TRACE(std::string(policy.name) + " slots " + std::to_string(c.spec.num_slots) + " GPUs " +
                             std::to_string(c.spec.num_gpus) + " seed " + std::to_string(seed));
                expect_slot_counts(c.spec);
                const Placement p = policy.place(load, c.spec);
                ASSERT_NO_THROW(check_placement(p, c.spec));
                ASSERT_EQ(p.num_layers, load.num_layers);
                ASSERT_EQ(p.phy2log.size(), static_cast<std::size_t>(load.num_layers) * c.spec.num_slots);
                for (int l = 0; l < p.num_layers; ++l) {
                    int total = 0;
                    for (int e = 0; e < c.experts; ++e) {
                        EXPECT_GE(p.count(l, e), 1);
                        total += p.count(l, e);
                    }
                    // Only `none` leaves spare slots empty; every other policy fills every slot (a result
                    // with an empty slot in phy2log is invalid, issue 13 item 4).
                    if (policy.name != "none") EXPECT_EQ(total, c.spec.num_slots);
                    EXPECT_LE(total, c.spec.num_slots);
                }
                EXPECT_EQ(policy.place(load, c.spec).phy2log, p.phy2log) << "not deterministic";
            }
        }
}

TEST(PlacementInvariants, NeverWorseThanNoneOnRandomLoads) {
    for (const Case& c : kCases)
        for (std::uint64_t seed = 10; seed < 16; ++seed) {
            const ExpertLoad load = test::random_load(3, c.experts, seed, 0.5 + 0.25 * (seed % 4));
            const double none =
                busiest_over_mean(find_placement_policy("none").place(load, c.spec), c.spec, load).mean_ratio;
            for (const auto& policy : placement_policies()) {
                if (!applies(policy, c.spec)) continue;
                const double r = busiest_over_mean(policy.place(load, c.spec), c.spec, load).mean_ratio;
                EXPECT_LE(r, none * (1 + 1e-12)) << policy.name << " seed " << seed;
            }
        }
}

TEST(PlacementInvariants, EqualSlotsPerGpuAndNoneIsContiguous) {
    const PlacementSpec spec{288, 8, 4, 32};
    const Placement p = find_placement_policy("none").place(test::random_load(1, 256, 1), spec);
    for (int g = 0; g < 32; ++g) {
        for (int k = 0; k < 8; ++k)
            EXPECT_EQ(p.slots(0)[g * 9 + k], g * 8 + k);
        EXPECT_EQ(p.slots(0)[g * 9 + 8], kEmptySlot);
    }
}

TEST(PlacementInvariants, BadSpecsGetClearErrors) {
    const ExpertLoad load = test::random_load(2, 256, 1);
    auto message          = [&](PlacementSpec s) {
        try {
            find_placement_policy("eplb_global").place(load, s);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message({200, 8, 4, 32}).find("num_slots (200) must be ≥ the number of logical experts (256)"),
              std::string::npos);
    EXPECT_NE(message({256, 8, 4, 260}).find("num_slots (256) must be ≥ num_gpus (260)"), std::string::npos);
    EXPECT_NE(message({288, 8, 5, 32}).find("multiple of num_nodes"), std::string::npos);
    EXPECT_NE(message({288, 7, 4, 32}).find("multiple of num_groups"), std::string::npos);
    EXPECT_NE(message({288, 8, 4, 0}).find("num_gpus must be ≥ 1"), std::string::npos);
    EXPECT_THROW(find_placement_policy("eplb_v2"), ConfigError);
}

// The uneven layout by hand. EP144, 256 slots: 256 = 18 × 14 + 4, so nodes 0-3 hold 15 slots and
// nodes 4-17 hold 14; 15 = 8 + 7: ranks 0-6 of a 15-slot node hold 2, rank 7 holds 1; 14 = 8 + 6:
// ranks 0-5 hold 2, ranks 6-7 hold 1. 4 × 7 + 14 × 6 = 112 GPUs with 2 slots, 32 with 1.
TEST(PlacementInvariants, UnevenSlotsSplitOverNodesThenGpus) {
    const PlacementSpec ep144{256, 8, 18, 144};
    for (int n = 0; n < 18; ++n)
        EXPECT_EQ(ep144.slots_on_node(n), n < 4 ? 15 : 14);
    EXPECT_EQ(ep144.slots_on_gpu(6), 2);
    EXPECT_EQ(ep144.slots_on_gpu(7), 1);
    EXPECT_EQ(ep144.slots_on_gpu(8 * 4 + 5), 2);
    EXPECT_EQ(ep144.slots_on_gpu(8 * 4 + 6), 1);
    EXPECT_EQ(ep144.first_slot(8), 15);
    EXPECT_EQ(ep144.gpu_of_slot(255), 143);
    int two = 0;
    for (int g = 0; g < 144; ++g)
        two += ep144.slots_on_gpu(g) == 2;
    EXPECT_EQ(two, 112);
    // An even count keeps slot s on GPU s / slots_per_gpu (every earlier result's layout).
    const PlacementSpec even{288, 8, 18, 144};
    for (int s = 0; s < 288; ++s)
        EXPECT_EQ(even.gpu_of_slot(s), s / 2);
    EXPECT_EQ(even.first_slot(143), 286);
}

// EPLB on a hand-computed uneven case: 4 experts with loads 6, 4, 2, 1 in 5 slots on 2 GPUs of one
// node (GPU 0 holds 3 slots, GPU 1 holds 2). Replication: slot 4 copies expert 0 (largest load per
// replica), so the replicas weigh 3, 4, 2, 1, 3. Packing, heaviest first into the lightest GPU with
// room: 4 → GPU 0; 3 (expert 0) → GPU 1; 3 (its copy) → GPU 1 (now full); 2 and 1 → GPU 0.
// GPU loads 7 and 6, the optimum for these replicas (13 over 2 GPUs, GPU 1 at most 2 of them).
TEST(PlacementInvariants, EplbBalancesUnevenSlotsOnAHandComputedCase) {
    const PlacementSpec spec{5, 1, 1, 2};
    const ExpertLoad load{1, 4, {6, 4, 2, 1}};
    const Placement p = find_placement_policy("eplb_global").place(load, spec);
    EXPECT_EQ(p.phy2log, (std::vector<int>{1, 2, 3, 0, 0}));
    EXPECT_EQ(gpu_loads(p, spec, load, 0), (std::vector<double>{7, 6}));
    // The hierarchical policy with one node and one group makes the same choice.
    EXPECT_EQ(find_placement_policy("eplb_hierarchical").place(load, spec).phy2log, p.phy2log);
    EXPECT_NEAR(busiest_over_mean(p, spec, load).mean_ratio, 7 / 6.5, 1e-12);
}

TEST(PlacementInvariants, CheckPlacementCatchesAMissingExpert) {
    const PlacementSpec spec{16, 4, 2, 8};
    Placement p             = find_placement_policy("eplb_global").place(test::readme_weight(), spec);
    std::vector<int> broken = p.phy2log;
    for (int& e : broken)
        if (e == 3) e = 0;
    EXPECT_THROW(check_placement(make_placement(2, 12, 16, broken), spec), ConfigError);
}

} // namespace
TEST(PlacementInvariants, EplbPicksHierarchicalOnlyWhenGroupsDivideOverNodes) {
    // deepseek-ai/EPLB's rebalance_experts: hierarchical iff num_groups % num_nodes == 0 (reference §8).
    ExpertLoad load;
    load.num_layers  = 1;
    load.num_experts = 256;
    load.tokens.resize(256);
    for (int e = 0; e < 256; ++e)
        load.tokens[size_t(e)] = double((e * 37) % 101 + 1);
    const PlacementSpec prefill{288, 8, 4, 32}, decode{288, 8, 18, 144};
    EXPECT_EQ(find_placement_policy("eplb").place(load, prefill).phy2log,
              find_placement_policy("eplb_hierarchical").place(load, prefill).phy2log);
    EXPECT_EQ(find_placement_policy("eplb").place(load, decode).phy2log,
              find_placement_policy("eplb_global").place(load, decode).phy2log);
}

} // namespace moetwin::balancer
