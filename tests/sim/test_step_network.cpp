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
      "network": { "all_to_all": "low_latency", "deepep": "v1_2025_04_ibgda" }
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
    Scenario s            = two_node_decode(true);
    const double rdma_s   = step_s(s);
    s.network.deepep      = DeepEpGeneration::V1_2025_06_Nvlink; // intra-node pairs over NVLink (133 vs 44.5 GB/s)
    s.network.calibration = deepep_calibration(s.network.deepep);
    EXPECT_LT(step_s(s), rdma_s) << rdma_s;
}

// A 2-node prefill in normal mode, sequential, one MoE layer: the CPU proxy (v1_2025_02) and fewer
// communication SMs than the tables' 24 slow it; with the NIC binding (proxy) fewer SMs change less.
Scenario two_node_prefill(const char* generation, int comm_sms) {
    std::string json = R"({
      "name": "tiny_prefill_2node", "seed": 7,
      "model": { "name": "deepseek_v3", "num_dense_layers": 0, "num_moe_layers": 1 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "fat_tree", "num_nodes": 2, "gpus_per_node": 8,
                   "ib": { "bandwidth_GBps": 50, "switch_ports": 64 } },
      "deployment": { "prefill": { "num_nodes": 2, "ep_size": 16, "dp_size": 16, "redundant_experts": 16,
                                   "routed_experts_per_gpu": 17, "shared_experts_per_gpu": 1 } },
      "routing": { "node_limit": 2, "popularity": { "distribution": "uniform" } },
      "balancer": { "policy": "eplb" },
      "workload": { "phase": "prefill", "tokens_per_gpu": 4096,
                    "context": { "distribution": "fixed", "tokens": 4096 }, "micro_batches": 1 },
      "schedule": { "overlap": "sequential", "comm_sms": SMS },
      "network": { "all_to_all": "normal", "deepep": "GEN" }
    })";
    json.replace(json.find("SMS"), 3, std::to_string(comm_sms));
    json.replace(json.find("GEN"), 3, generation);
    return parse_scenario(json, "<test>");
}

TEST(StepNetwork, NormalModeSlowsWithFewerCommSmsWhereChannelsBind) {
    const double ibgda24 = step_s(two_node_prefill("v1_2025_04_ibgda", 24));
    const double ibgda12 = step_s(two_node_prefill("v1_2025_04_ibgda", 12));
    const double ibgda32 = step_s(two_node_prefill("v1_2025_04_ibgda", 32));
    // Half the channels: NVLink and NIC at half rate; the transfers (not the compute) double.
    EXPECT_GT(ibgda12, ibgda24 * 1.05) << ibgda24 << " -> " << ibgda12;
    EXPECT_DOUBLE_EQ(ibgda32, ibgda24); // beyond the tables' 24 SMs the links bind, not the channels
    // IBRC (one QP per peer node, idle after every RDMA chunk): slower than IBGDA's QP per channel.
    const double ibrc24 = step_s(two_node_prefill("v1_2025_02", 24));
    EXPECT_GT(ibrc24, ibgda24);
}

TEST(StepNetwork, NormalModeShowsNotifyBeforeEachTransfer) {
    const Scenario s       = two_node_prefill("v1_2025_04_ibgda", 24);
    const std::string json = run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
    const RunResult r      = parse_result_json(json, s.name);
    const auto op          = [&](const Span& sp) { return r.op_names[sp.op]; };
    int notify = 0, cached = 0, dispatch = 0;
    for (const Span& sp : r.spans) {
        if (sp.lane == Lane::Dispatch && op(sp) == "notify_dispatch") {
            ++notify;
            // layout + 2 NVLink + 2 RDMA one-way latencies + the CPU's PCIe round trip: > 10 us
            EXPECT_GT(sp.duration_ns(), 10'000) << "gpu " << sp.gpu;
        }
        cached += sp.lane == Lane::Combine && op(sp) == "cached_notify";
        dispatch += sp.lane == Lane::Dispatch && op(sp) == "dispatch";
    }
    EXPECT_EQ(notify, 16); // one MoE layer, one micro-batch, 16 GPUs
    EXPECT_EQ(cached, 16);
    EXPECT_EQ(dispatch, 16);
}

TEST(StepNetwork, SimGridFlowsBackendRunsAndAgreesRoughly) {
    Scenario s           = two_node_decode();
    const double fluid_s = step_s(s);
    s.network.backend    = CommBackend::SimGridFlows;
    const double flows_s = step_s(s);
    EXPECT_GT(flows_s, 0);
    EXPECT_NEAR(flows_s, fluid_s, 0.5 * fluid_s); // same traffic, different sharing law
}

} // namespace
} // namespace moetwin
