// SPDX-License-Identifier: Apache-2.0
// The scenario's network section reaches the step simulator: calibration, low-latency NVLink and
// the backend change a simulated 2-node decode step in the expected direction.
#include "sim/network/subprocess.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace moetwin {
namespace {

// Two nodes of 8 GPUs, one MoE layer, sequential low-latency decode. On a one-plane fat tree every
// NIC shares the plane, so the pure-RDMA all-to-all sends intra-node pairs through the NICs and leaf switch
// (with 8 planes, pairs on different planes meet over NVLink anyway).
Scenario two_node_decode(bool one_plane = false) {
    std::string json = R"({
      "name": "tiny_decode_2node", "seed": 7,
      "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "FABRIC", "num_nodes": 2, "gpus_per_node": 8,
                   "ib": { "bandwidth_GBps": 50, "switch_ports": 64 } },
      "deployment": { "decode": { "num_nodes": 2, "ep_size": 16, "dp_size": 16, "redundant_experts": 16,
                                  "routed_experts_per_gpu": 17, "shared_experts_per_gpu": 1 } },
      "routing": { "node_limit": 2, "popularity": { "distribution": "zipf", "s": 0.6 } },
      "balancer": { "policy": "eplb" },
      "workload": { "phase": "decode", "requests_per_gpu": 128,
                    "context": { "distribution": "fixed", "tokens": 2048 }, "micro_batches": 1 },
      "schedule": { "overlap": "sequential" },
      "network": { "all_to_all": "low_latency" }
    })";
    json.replace(json.find("FABRIC"), 6, one_plane ? "fat_tree" : "multi_plane_fat_tree");
    return parse_scenario(json, "<test>");
}

double step_s(const Scenario& s) {
    const std::string json = run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
    return double(parse_result_json(json, s.name).summary.step_time_ns) * 1e-9;
}

TEST(StepNetwork, LowerIbEfficiencyLengthensTheDecodeStep) {
    Scenario s                          = two_node_decode();
    const double base_s                 = step_s(s);
    s.network.calibration.ib_efficiency = 0.5;
    const double slow_s                 = step_s(s);
    EXPECT_GT(slow_s, base_s * 1.01) << base_s << " -> " << slow_s;
    s.network.calibration.ib_efficiency          = 0.89;
    s.network.calibration.low_latency_overhead_s = 200e-6; // two phases: >= 0.39 ms more
    EXPECT_GT(step_s(s), base_s + 2 * 190e-6);
}

TEST(StepNetwork, LowLatencyNvlinkShortensAnRdmaOnlyDecodeStep) {
    Scenario s                   = two_node_decode(true);
    const double rdma_s          = step_s(s);
    s.network.low_latency_nvlink = true; // intra-node pairs move to NVLink (160 GB/s vs 50 GB/s per GPU)
    EXPECT_LT(step_s(s), rdma_s) << rdma_s;
}

TEST(StepNetwork, SimGridFlowsBackendRunsAndAgreesRoughly) {
    Scenario s           = two_node_decode();
    const double fluid_s = step_s(s);
    s.network.backend    = NetworkBackend::SimGridFlows;
    const double flows_s = step_s(s);
    EXPECT_GT(flows_s, 0);
    EXPECT_NEAR(flows_s, fluid_s, 0.5 * fluid_s); // same traffic, different sharing law
}

} // namespace
} // namespace moetwin
