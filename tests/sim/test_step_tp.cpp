// SPDX-License-Identifier: Apache-2.0
// Tensor parallelism in the step (sim/step/tp_allreduce.hpp): the ring all-reduce against its
// uncontended formula on 2- and 8-GPU NVSwitch nodes, a whole dense TP step against the sum of its
// compute stages and all-reduces, bytes sent = bytes received, the Megatron MLP split in the plan,
// and the all-reduce counts of a MoE model with attention TP.
#include "engine/roofline.hpp"
#include "sim/network/fluid_model.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/published/network_calibration.hpp"
#include "sim/scenario.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/tp_allreduce.hpp"
#include "topologies/cluster_builder.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>

namespace moetwin::step {
namespace {

ClusterSpec one_node(int gpus) {
    ClusterSpec c;
    c.fabric        = FabricKind::SingleNode;
    c.num_nodes     = 1;
    c.gpus_per_node = gpus;
    return c;
}

std::vector<int> first_n(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

// Hand-computed: ClusterSpec's NVLink is 160 GB/s per direction and 3.33 µs GPU -> NVSwitch -> GPU
// (ISCA'25), the default calibration's nvlink_efficiency 0.83: 132.8 GB/s per ring hop. 1.5 MB reduced:
// 2 GPUs: 2 x 1 x 3.33 µs + 1.5e6 / 132.8e9 = 6.66 µs + 11.295 µs = 17.955 µs;
// 8 GPUs: 14 x 3.33 µs + 1.75 x 1.5e6 / 132.8e9 = 46.62 µs + 19.767 µs = 66.387 µs.
TEST(StepTp, RingAllReduceTakesTheUncontendedRingTimeOn2And8Gpus) {
    const double bytes = 1.5e6;
    for (const auto& [n, expected_s] :
         {std::pair{2, 2 * 3.33e-6 + 1.5e6 / 132.8e9}, std::pair{8, 14 * 3.33e-6 + 1.75 * 1.5e6 / 132.8e9}}) {
        const Topology topo = build_cluster(one_node(n));
        const Router router(topo);
        NetworkCalibration calib;
        ASSERT_DOUBLE_EQ(calib.nvlink_efficiency, 0.83);
        FluidNetwork fluid(topo, calib);
        const auto gpus        = first_n(n);
        const FlowSet ring     = ring_allreduce_flows(router, gpus, bytes);
        const PhaseOptions opt = ring_allreduce_options(ring, topo);
        ASSERT_EQ(int(ring.flows.size()), n);
        const PhaseTiming t = fluid.solve(ring, 0.0, fluid_options(opt));
        EXPECT_NEAR(ring_allreduce_s(n, bytes, 160e9 * 0.83, 3.33e-6), expected_s, 1e-9 * expected_s) << n;
        for (int r = 0; r < n; ++r) {
            const double done = std::max(t.send_done_s[std::size_t(r)], t.recv_done_s[std::size_t(r)]);
            EXPECT_NEAR(done, expected_s, 1e-9 * expected_s) << n << " GPUs, rank " << r;
        }
        // Every GPU sends and receives 2(n-1)/n of the bytes.
        std::vector<double> sent(std::size_t(n), 0), received(std::size_t(n), 0);
        for (const Flow& f : ring.flows)
            sent[std::size_t(f.src)] += f.bytes, received[std::size_t(f.dst)] += f.bytes;
        for (int r = 0; r < n; ++r) {
            EXPECT_DOUBLE_EQ(sent[std::size_t(r)], 2.0 * (n - 1) / n * bytes);
            EXPECT_DOUBLE_EQ(received[std::size_t(r)], sent[std::size_t(r)]);
        }
    }
    EXPECT_EQ(ring_allreduce_s(1, 1e6, 1e9, 1e-6), 0.0); // no TP, no all-reduce
}

// A dense model (LLaMA-3.1-70B, 2 layers) at TP n on one n-GPU node, sequential, one micro-batch of 16
// requests: every GPU runs embed, per layer attention | all-reduce | MLP | all-reduce, head.
Scenario dense_tp(int tp) {
    std::string json = R"({
      "name": "tiny_dense_tp", "seed": 1,
      "model": { "name": "llama3_1_70b", "num_dense_layers": 2, "num_moe_layers": 0 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "single_node", "gpus_per_node": TP },
      "deployment": { "decode": { "num_nodes": 1, "tp_size": TP } },
      "workload": { "phase": "decode", "requests_per_gpu": 16,
                    "context": { "distribution": "fixed", "tokens": 1024 }, "micro_batches": 1 },
      "schedule": { "overlap": "sequential" },
      "network": { "all_to_all": "low_latency" }
    })";
    for (std::size_t at; (at = json.find("TP")) != std::string::npos;)
        json.replace(at, 2, std::to_string(tp));
    return parse_scenario(json, "<test>");
}

struct TpStep {
    double step_s = 0, nvlink_Bps = 0, allreduce_s = 0;
    std::vector<double> sent, received;
};

TpStep run_tp_step(const Scenario& s, const StepPlan& plan) {
    const std::string text = run_in_child([&] {
        const Topology topo = build_cluster(s.cluster);
        const Router router(topo);
        const StepTrace t = execute_step(plan, router, exec_options_for(s));
        std::ostringstream o;
        o.precision(17);
        double ar = 0;
        for (const ExecSpan& e : t.spans)
            if (e.allreduce && e.gpu == 0) ar += e.end_s - e.begin_s;
        o << t.step_s << ' ' << effective_bandwidth_Bps(topo.link(0), t.calibration) << ' ' << ar;
        for (std::size_t g = 0; g < t.gpu_bytes_sent.size(); ++g)
            o << ' ' << t.gpu_bytes_sent[g] << ' ' << t.gpu_bytes_received[g];
        return o.str();
    });
    std::istringstream in(text);
    TpStep r;
    in >> r.step_s >> r.nvlink_Bps >> r.allreduce_s;
    for (double a, b; in >> a >> b;)
        r.sent.push_back(a), r.received.push_back(b);
    return r;
}

TEST(StepTp, DenseStepIsItsStagesPlusTwoRingAllReducesPerLayer) {
    for (int tp : {2, 8}) {
        const Scenario s = dense_tp(tp);
        const RooflineModel roof(s.gpu);
        const StepPlan plan = plan_step(s, roof);
        ASSERT_TRUE(plan.tp.enabled());
        EXPECT_EQ(plan.tp.group_size, tp);
        EXPECT_EQ(plan.tp.per_dense_layer, 2);
        EXPECT_EQ(plan.tp.per_moe_layer, 0);
        const double bytes = 16.0 * 8192 * 2; // 16 tokens x hidden 8192 x BF16
        ASSERT_EQ(plan.tp.bytes.size(), 1u);
        EXPECT_DOUBLE_EQ(plan.tp.bytes[0][0], bytes);
        double compute_s = 0; // GPU 0's stages in program order
        for (const Instr& in : plan.program.instrs)
            if (in.kind == Instr::Compute) compute_s += plan.seconds(0, in.layer, in.micro_batch, in.stage);
        const TpStep r        = run_tp_step(s, plan);
        const double one_ar_s = ring_allreduce_s(tp, bytes, r.nvlink_Bps, 3.33e-6);
        const int num_ar      = 2 * plan.num_dense;
        EXPECT_NEAR(r.allreduce_s, num_ar * one_ar_s, 1e-9 * r.step_s) << tp;
        EXPECT_NEAR(r.step_s, compute_s + num_ar * one_ar_s, 1e-9 * r.step_s) << tp;
        // Bytes sent = bytes received, 2(n-1)/n of every all-reduce's bytes on every GPU.
        ASSERT_EQ(int(r.sent.size()), tp);
        for (int g = 0; g < tp; ++g) {
            EXPECT_NEAR(r.sent[std::size_t(g)], num_ar * 2.0 * (tp - 1) / tp * bytes, 1e-6) << tp << " gpu " << g;
            EXPECT_NEAR(r.received[std::size_t(g)], r.sent[std::size_t(g)], 1e-6) << tp << " gpu " << g;
        }
    }
}

// Megatron's MLP split: at TP n every GPU runs all of the rank's tokens through 1/n of gate_up and down,
// so the dense stage is the sum of the layer's ops at the rank's shape with attn_tp_size = n.
TEST(StepTp, DenseModelMlpRunsTheRanksTokensOnItsWeightShard) {
    const Scenario s = dense_tp(8);
    const RooflineModel roof(s.gpu);
    const StepPlan plan  = plan_step(s, roof);
    const MicroBatch& mb = plan.ranks[0].micro_batches[0];
    double attn_s = 0, all_s = 0;
    bool ffn = false;
    for (const OpSpec& op : plan.model.dense_layer_ops) {
        if (!runs_in(op, Phase::Decode)) continue;
        ffn = ffn || op.name == "ffn_norm";
        OpShape shape;
        shape.phase                    = Phase::Decode;
        shape.num_tokens               = mb.num_tokens;
        shape.num_requests             = mb.num_requests;
        shape.kv_len                   = mb.kv_len;
        shape.query_tokens_per_request = mb.query_tokens_per_request;
        shape.attn_tp_size             = 8;
        shape.weight_precision         = s.precision.dense_weights;
        shape.kv_precision             = s.precision.kv_cache;
        shape.dispatch_precision       = s.precision.dispatch;
        const double t                 = roof.op_time(op, shape, s.gpu.num_sms).seconds;
        all_s += t;
        if (!ffn) attn_s += t;
    }
    EXPECT_EQ(mb.num_tokens, 16);
    EXPECT_NEAR(plan.seconds(3, 1, 0, Stage::Dense), all_s, 1e-12);
    EXPECT_NEAR(plan.tp.dense_attn_s[(3 * std::size_t(plan.num_dense) + 1) * 1], attn_s, 1e-12);
}

// A MoE model with attention TP (DeepSeek-V3, TP2 in an EP8 node): one all-reduce-sized exchange per
// layer, after attention; MTP passes over one token per request after the first.
TEST(StepTp, AttentionTpMoeLayersPayOneAllReduceEach) {
    std::ifstream in("scenarios/tiny_1node_ep8_decode.json");
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string unit = "\"decode\": { \"num_nodes\": 1,";
    ASSERT_NE(json.find(unit), std::string::npos);
    json.replace(json.find(unit), unit.size(), unit + " \"tp_size\": 2,");
    const Scenario s = parse_scenario(json, "<test>");
    ASSERT_EQ(s.active_unit().tp_size, 2);
    const RooflineModel roof(s.gpu);
    const StepPlan plan = plan_step(s, roof);
    EXPECT_EQ(plan.tp.group_size, 2);
    EXPECT_EQ(plan.tp.per_moe_layer, 1);
    EXPECT_EQ(plan.tp.per_dense_layer, 1);
    const MicroBatch& mb = plan.ranks[0].micro_batches[0];
    EXPECT_DOUBLE_EQ(plan.tp.bytes[0][0], double(mb.num_tokens) * 7168 * 2);
    const StepPlan no_tp = plan_step(load_scenario("scenarios/tiny_1node_ep8_decode.json"), roof);
    EXPECT_FALSE(no_tp.tp.enabled());
    EXPECT_TRUE(no_tp.tp.bytes.empty());
}

} // namespace
} // namespace moetwin::step
