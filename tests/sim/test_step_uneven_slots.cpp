// SPDX-License-Identifier: Apache-2.0
// Whole steps with an uneven slot count per GPU (issue 13 item 6): EP144 with 0 and 64 redundant
// experts and 256 experts on 72 GPUs run; every logical expert keeps a replica, GPU slot counts differ
// by at most 1, tokens and bytes are conserved, and the result records each GPU's slots.
#include "sim/network/subprocess.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <sstream>
#include <string>

namespace moetwin {
namespace {

// DeepSeek-V3 decode with two MoE layers (no dense layer, no MTP), 8 requests per GPU, one micro-batch.
Scenario uneven(int nodes, int redundant, const std::string& policy) {
    const std::string text = R"({
      "name": "uneven", "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 2 },
      "hardware": { "gpu": "h800" }, "cluster": { "gpus_per_node": 8 },
      "deployment": { "decode": { "num_nodes": )" +
                             std::to_string(nodes) + R"(, "redundant_experts": )" + std::to_string(redundant) + R"( } },
      "balancer": { "policy": ")" +
                             policy + R"(" },
      "workload": { "phase": "decode", "requests_per_gpu": 8, "micro_batches": 1 } })";
    return parse_scenario(text, "uneven.json");
}

RunResult run_scenario(const Scenario& s) {
    const std::string json = run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
    return parse_result_json(json, s.name);
}

void expect_runs_uneven(int nodes, int redundant, const std::string& policy) {
    SCOPED_TRACE(std::to_string(nodes) + " nodes, " + std::to_string(redundant) + " redundant, " + policy);
    const Scenario s  = uneven(nodes, redundant, policy);
    const int gpus    = nodes * 8;
    const int slots   = 256 + redundant;
    const RunResult r = run_scenario(s);
    ASSERT_EQ(r.meta.num_gpus, gpus);
    // The result lists each GPU's slots: ceil or floor of slots / GPUs, adding up to the slots.
    ASSERT_EQ(r.experts.gpu_slots.size(), std::size_t(gpus));
    const auto [lo, hi] = std::minmax_element(r.experts.gpu_slots.begin(), r.experts.gpu_slots.end());
    EXPECT_EQ(*hi, (slots + gpus - 1) / gpus);
    EXPECT_EQ(*hi, r.experts.slots_per_gpu);
    EXPECT_EQ(*hi - *lo, 1);
    EXPECT_EQ(std::accumulate(r.experts.gpu_slots.begin(), r.experts.gpu_slots.end(), 0), slots);
    EXPECT_EQ(s.active_unit().routed_experts_per_gpu, *hi); // the memory fit's (busiest GPU's) count
    for (const auto& row : r.experts.phy2log) {
        ASSERT_EQ(row.size(), std::size_t(slots));
        for (int e = 0; e < 256; ++e)
            EXPECT_GE(std::count(row.begin(), row.end(), e), 1) << "expert " << e;
    }
    // Tokens: GPUs × 8 requests × 2 MoE layers × top-8 selections, counted per GPU and per expert.
    int64_t selections = 0, sent = 0, received = 0;
    for (const GpuCounters& g : r.gpus)
        selections += g.expert_selections, sent += g.bytes_sent, received += g.bytes_received;
    EXPECT_EQ(selections, int64_t(gpus) * 8 * 2 * 8);
    int64_t expert_tokens = 0;
    for (const auto& row : r.experts.tokens)
        expert_tokens += std::accumulate(row.begin(), row.end(), int64_t(0));
    EXPECT_EQ(expert_tokens, selections);
    EXPECT_EQ(sent, received);
    EXPECT_GT(r.summary.step_time_ns, 0);
    EXPECT_NO_THROW(validate(r));
}

TEST(StepUnevenSlots, Ep144WithoutRedundantExperts) {
    expect_runs_uneven(18, 0, "none");
    expect_runs_uneven(18, 0, "eplb");
}

TEST(StepUnevenSlots, Ep144With64RedundantExperts) {
    expect_runs_uneven(18, 64, "eplb");
    expect_runs_uneven(18, 64, "replicate_hottest");
}

TEST(StepUnevenSlots, Experts256On72Gpus) {
    expect_runs_uneven(9, 0, "none");
    expect_runs_uneven(9, 0, "lpt_swap");
}

} // namespace
} // namespace moetwin
