// SPDX-License-Identifier: Apache-2.0
// Every placement policy on seeded random loads: EPLB's invariants hold, the result is
// deterministic, and busiest/mean is never worse than the contiguous `none` layout.
#include "sim/balancer/placement.hpp"
#include "sim/balancer/placement_metrics.hpp"
#include "test_helpers.hpp"

#include "common/errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moetwin::balancer {
namespace {

struct Case {
    PlacementSpec spec;
    int experts;
};

// Every shipped unit shape (prefill EP32, decode EP144, EP128 and EP32 without redundancy, the EP64
// training unit, the one-node EP8 test unit), a node-straddling one, and no redundancy.
const std::vector<Case> kCases = {{{288, 8, 4, 32}, 256},  {{288, 8, 18, 144}, 256}, {{256, 8, 16, 128}, 256},
                                  {{256, 8, 4, 32}, 256},  {{256, 8, 8, 64}, 256},   {{264, 8, 1, 8}, 256},
                                  {{48, 4, 3, 12}, 32},    {{64, 8, 2, 16}, 64},     {{20, 2, 1, 4}, 16}};

bool applies(const PlacementPolicy& p, const PlacementSpec& s) {
    return p.name != "eplb_hierarchical" || s.num_groups % s.num_nodes == 0;
}

TEST(PlacementInvariants, EveryPolicyEveryCase) {
    for (const Case& c : kCases)
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            const ExpertLoad load = test::random_load(4, c.experts, seed, 1.2);
            for (const auto& policy : placement_policies()) {
                if (!applies(policy, c.spec)) continue;
                SCOPED_TRACE(std::string(policy.name) + " slots " + std::to_string(c.spec.num_slots) + " seed " +
                             std::to_string(seed));
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
    EXPECT_NE(message({290, 8, 4, 32}).find("multiple of num_gpus"), std::string::npos);
    EXPECT_NE(message({288, 8, 5, 32}).find("multiple of num_nodes"), std::string::npos);
    EXPECT_NE(message({288, 7, 4, 32}).find("multiple of num_groups"), std::string::npos);
    EXPECT_NE(message({288, 8, 4, 0}).find("num_gpus must be ≥ 1"), std::string::npos);
    EXPECT_THROW(find_placement_policy("eplb_v2"), ConfigError);
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
    for (int e = 0; e < 256; ++e) load.tokens[size_t(e)] = double((e * 37) % 101 + 1);
    const PlacementSpec prefill{288, 8, 4, 32}, decode{288, 8, 18, 144};
    EXPECT_EQ(find_placement_policy("eplb").place(load, prefill).phy2log,
              find_placement_policy("eplb_hierarchical").place(load, prefill).phy2log);
    EXPECT_EQ(find_placement_policy("eplb").place(load, decode).phy2log,
              find_placement_policy("eplb_global").place(load, decode).phy2log);
}

} // namespace moetwin::balancer
