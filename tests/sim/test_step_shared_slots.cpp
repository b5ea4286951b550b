// SPDX-License-Identifier: Apache-2.0
// deployment.shared_expert_slots (tech report EP320 decode): the shared expert as logical expert 256
// in dedicated slots, selected by every token besides its top-8, with no per-GPU shared stage.
#include "common/errors.hpp"
#include "engine/roofline.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"
#include "sim/step/step_placement.hpp"
#include "sim/step/step_plan.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

namespace moetwin {
namespace {

// One node, EP8: 256 routed + 8 redundant + 8 shared-expert slots = 8 GPUs x 34 slots.
Scenario one_node_shared_slots() {
    return parse_scenario(R"({
      "name": "tiny_1node_shared_slots", "seed": 11,
      "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 2 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "single_node", "num_nodes": 1, "gpus_per_node": 8 },
      "deployment": { "decode": { "num_nodes": 1, "ep_size": 8, "dp_size": 8, "redundant_experts": 8,
                                  "shared_expert_slots": 8, "routed_experts_per_gpu": 34,
                                  "shared_experts_per_gpu": 0 } },
      "routing": { "node_limit": 1, "popularity": { "distribution": "zipf", "s": 0.8 } },
      "balancer": { "policy": "eplb" },
      "workload": { "phase": "decode", "requests_per_gpu": 32,
                    "context": { "distribution": "fixed", "tokens": 1024 }, "micro_batches": 1 },
      "schedule": { "overlap": "sequential" },
      "network": { "all_to_all": "low_latency" }
    })",
                          "<test>");
}

TEST(StepSharedSlots, EveryTokenSelectsTheSharedExpertFromItsSlots) {
    const Scenario s = one_node_shared_slots();
    const RooflineModel roof(s.gpu);
    const step::StepPlan p = step::plan_step(s, roof);
    ASSERT_EQ(p.shared_expert, 256);
    EXPECT_EQ(p.placement.num_experts, 257);
    EXPECT_EQ(p.comm_shape.num_topk, 9);
    for (int l = 0; l < p.num_moe; ++l) {
        const auto slots = p.placement.slots(l);
        for (int g = 0; g < 8; ++g) // the last slot of every GPU, and only there
            for (int k = 0; k < 34; ++k)
                EXPECT_EQ(slots[std::size_t(g * 34 + k)] == 256, k == 33) << g << " " << k;
        const step::LayerRouting& r = p.routing[std::size_t(l)];
        EXPECT_EQ(r.expert_selections[256], r.num_tokens);
        const int64_t total = std::accumulate(r.slot_selections.begin(), r.slot_selections.end(), int64_t(0));
        EXPECT_EQ(total, 9 * r.num_tokens);
        EXPECT_EQ(r.traffic.total_selections(), 9 * r.num_tokens);
    }
    for (int g = 0; g < 8; ++g)
        for (int L = 0; L < p.num_layers(); ++L)
            EXPECT_EQ(p.seconds(g, L, 0, step::Stage::Shared), 0.0);
}

TEST(StepSharedSlots, DedicatedGpusOneSlotEachAreSpreadOverTheUnit) {
    Scenario s               = one_node_shared_slots();
    DeploymentUnit& u        = *s.deployment.decode;
    u.ep_size                = 16; // a layout check only: 12 routed slots on 12 GPUs, 4 shared GPUs
    u.routed_experts_per_gpu = 1;
    u.shared_expert_slots    = 4;
    u.num_nodes              = 2;
    s.routing.num_groups     = 4;
    ExpertLoad pop{1, 8, std::vector<double>(8, 1.0)};
    const step::StepPlacement sp = step::place_step_experts(s, pop);
    ASSERT_EQ(sp.shared_expert, 8);
    const auto slots = sp.placement.slots(0);
    for (int g = 0; g < 16; ++g)
        EXPECT_EQ(slots[std::size_t(g)] == 8, g % 4 == 3) << g;
    u.shared_expert_slots = 3; // neither layout
    EXPECT_THROW(step::place_step_experts(s, pop), ConfigError);
}

TEST(StepSharedSlots, RunsOnSimGrid) {
    const Scenario s       = one_node_shared_slots();
    const std::string json = run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
    const RunResult r      = parse_result_json(json, s.name);
    EXPECT_GT(r.summary.step_time_ns, 0);
    EXPECT_EQ(r.experts.num_experts, 257);
}

} // namespace
} // namespace moetwin
