// SPDX-License-Identifier: Apache-2.0
// Whole simulated steps (run() on SimGrid, each in a forked child): hand-computed step times for
// tiny sequential scenarios, overlap bounds, byte and token conservation, determinism.
#include "engine/roofline.hpp"
#include "sim/network/subprocess.hpp"
#include "sim/result/result_json.hpp"
#include "sim/run.hpp"
#include "sim/step/step_plan.hpp"
#include "topologies/cluster_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <sstream>

namespace moetwin {
namespace {

std::string run_json(const Scenario& s) {
    return run_in_child([&s] {
        std::ostringstream out;
        write_result_json(run(s), out);
        return out.str();
    });
}

RunResult run_scenario(const Scenario& s) {
    return parse_result_json(run_json(s), s.name);
}

// The expected step time of a sequential, one-micro-batch, low-latency scenario on NVLink only,
// from the plan's stage times (roofline, checked against op_time in test_step_plan) and the fluid
// network law: a phase starts when the last rank joins; after the fixed overhead every directed link
// drains its bytes at its effective bandwidth; a flow ends when the most loaded link on its route
// has drained, plus the route's latency; a rank's part ends with the last flow it receives.
double expected_sequential_step_s(const step::StepPlan& p, const Topology& topo, const Router& router,
                                  const NetworkCalibration& calib) {
    const int n = p.num_gpus;
    std::vector<double> t(std::size_t(n), 0.0);
    auto stage = [&](int L, step::Stage st) {
        for (int r = 0; r < n; ++r)
            t[std::size_t(r)] += p.seconds(r, L, 0, st);
    };
    auto phase = [&](int L, bool dispatch) {
        const double start      = *std::max_element(t.begin(), t.end()) + calib.low_latency_overhead_s;
        const double per_sel    = dispatch ? 7168 + 7168 / 128 * 4 + 16 : 7168 * 2; // DeepEP LL message bytes
        const TrafficMatrix& tm = p.route(L, 0).traffic;
        std::map<std::pair<LinkId, bool>, double> load;
        auto flows = [&](auto&& fn) {
            for (int s = 0; s < n; ++s)
                for (int d = 0; d < n; ++d)
                    if (s != d && tm.selections_at(s, d) > 0) {
                        const int from = dispatch ? s : d, to = dispatch ? d : s;
                        fn(router.route(from, to), to, double(tm.selections_at(s, d)) * per_sel);
                    }
        };
        std::map<std::pair<LinkId, bool>, double> issue_s; // per-message cost on a first NVLink hop
        flows([&](const Route& route, int, double bytes) {
            for (const Hop& h : route.hops)
                load[{h.link, h.up}] += bytes;
            const Hop& first = route.hops.front();
            if (topo.link(first.link).kind == LinkKind::NvLink)
                issue_s[{first.link, first.up}] += bytes / per_sel * calib.ll_nvlink_message_s;
        });
        std::vector<double> done(std::size_t(n), start);
        flows([&](const Route& route, int to, double) {
            double drain = 0, latency = 0;
            for (const Hop& h : route.hops) {
                drain = std::max(drain, load[{h.link, h.up}] / effective_bandwidth_Bps(topo.link(h.link), calib) +
                                            issue_s[{h.link, h.up}]);
                latency += topo.link(h.link).latency_s;
            }
            done[std::size_t(to)] = std::max(done[std::size_t(to)], start + drain + latency);
        });
        t = done;
    };
    stage(-1, step::Stage::Embed);
    for (int L = 0; L < p.num_dense; ++L)
        stage(L, step::Stage::Dense);
    const auto moe_layer = [&](int L) {
        stage(L, step::Stage::Attn);
        phase(L, true);
        stage(L, step::Stage::Mlp);
        phase(L, false);
        stage(L, step::Stage::Shared);
    };
    for (int L = p.num_dense; L < p.num_layers() - p.num_mtp; ++L)
        moe_layer(L);
    stage(-1, step::Stage::Head);
    for (int L = p.num_layers() - p.num_mtp; L < p.num_layers(); ++L) { // MTP passes after the head
        stage(L, step::Stage::Embed);
        moe_layer(L);
        stage(L, step::Stage::Head);
    }
    return *std::max_element(t.begin(), t.end());
}

void expect_hand_computed(const Scenario& s) {
    const RooflineModel roof(s.gpu);
    const step::StepPlan plan = step::plan_step(s, roof);
    const Topology topo       = build_cluster(s.cluster);
    const Router router(topo);
    const NetworkCalibration calib = s.network.calibration.for_kernels(false, s.schedule.comm_sms);
    const double expected          = expected_sequential_step_s(plan, topo, router, calib);
    const RunResult r              = run_scenario(s);
    EXPECT_TRUE(r.summary.timing_simulated);
    EXPECT_NEAR(double(r.summary.step_time_ns), expected * 1e9, 2.0) << s.name; // ns rounding only
    EXPECT_GT(expected, 0);
}

TEST(StepSim, TwoGpusOneLayerMatchesTheHandComputation) {
    expect_hand_computed(load_scenario("scenarios/tiny_2gpu_1layer.json"));
}

// With one MTP draft token the step runs the MTP module after the head as one more MoE layer
// (layer 1 here) with its own dispatch and combine and the draft head; without MTP it does not.
TEST(StepSim, MtpDecodeStepRunsTheMtpLayerAfterTheHead) {
    Scenario s                  = load_scenario("scenarios/tiny_2gpu_1layer.json");
    s.workload.mtp_draft_tokens = 1;
    s.workload.mtp_acceptance   = 0.8;
    expect_hand_computed(s);
    const RunResult mtp = run_scenario(s);
    EXPECT_EQ(mtp.meta.num_layers, 2);
    std::map<std::string, int> at_layer1;
    for (const Span& sp : mtp.spans)
        if (sp.layer == 1) ++at_layer1[mtp.op_names[sp.op]];
    EXPECT_EQ(at_layer1["dispatch"], 2); // one per GPU
    EXPECT_EQ(at_layer1["combine"], 2);
    EXPECT_EQ(at_layer1["head"], 2);
    EXPECT_EQ(at_layer1["embed"], 2);
    EXPECT_EQ(at_layer1["attn"], 2);
    s.workload.mtp_draft_tokens = 0;
    const RunResult plain       = run_scenario(s);
    EXPECT_EQ(plain.meta.num_layers, 1);
    for (const Span& sp : plain.spans)
        EXPECT_LE(sp.layer, 0);
    EXPECT_GT(mtp.summary.step_time_ns, plain.summary.step_time_ns);
}

TEST(StepSim, OneNodeTwoLayersMatchesTheHandComputation) {
    Scenario s               = load_scenario("scenarios/tiny_1node_ep8_decode.json");
    s.schedule.overlap       = OverlapSchedule::Sequential;
    s.workload.micro_batches = 1;
    expect_hand_computed(s);
}

// Lane busy time (union of spans) per GPU.
int64_t busiest_lane_ns(const RunResult& r) {
    int64_t best = 0;
    for (const GpuBusy& b : busy_from_spans(r))
        for (int64_t v : b.lane_ns)
            best = std::max(best, v);
    return best;
}

void expect_overlap_bounds(Scenario s) {
    s.schedule.overlap   = OverlapSchedule::TwoMicroBatch;
    const RunResult over = run_scenario(s);
    s.schedule.overlap   = OverlapSchedule::Sequential;
    const RunResult seq  = run_scenario(s);
    EXPECT_LE(over.summary.step_time_ns, seq.summary.step_time_ns) << s.name;
    EXPECT_GE(over.summary.step_time_ns, busiest_lane_ns(over)) << s.name;
    int64_t compute_max = 0;
    for (const GpuCounters& g : over.gpus)
        compute_max = std::max(compute_max, g.busy_compute_ns);
    EXPECT_GE(over.summary.step_time_ns, compute_max);
    EXPECT_LT(over.summary.step_time_ns, seq.summary.step_time_ns) << "the overlap should hide some communication";
}

TEST(StepSim, DecodeOverlapIsBetweenBusiestLaneAndSequential) {
    expect_overlap_bounds(load_scenario("scenarios/tiny_1node_ep8_decode.json"));
}

Scenario tiny_prefill() {
    return parse_scenario(R"({
      "name": "tiny_prefill_2node", "seed": 5,
      "model": { "name": "deepseek_v3", "num_dense_layers": 1, "num_moe_layers": 2 },
      "hardware": { "gpu": "h800" },
      "cluster": { "fabric": "multi_plane_fat_tree", "num_nodes": 2, "gpus_per_node": 8,
                   "ib": { "bandwidth_GBps": 50, "planes": 8, "switch_ports": 64 } },
      "deployment": { "prefill": { "num_nodes": 2, "ep_size": 16, "dp_size": 16, "redundant_experts": 16,
                                   "routed_experts_per_gpu": 17, "shared_experts_per_gpu": 1 } },
      "routing": { "node_limit": 2, "popularity": { "distribution": "zipf", "s": 0.6 },
                   "replica_policy": "same_node_first" },
      "balancer": { "policy": "eplb" },
      "workload": { "phase": "prefill", "tokens_per_gpu": 2048,
                    "context": { "distribution": "fixed", "tokens": 1024 }, "micro_batches": 2 },
      "schedule": { "overlap": "two_micro_batch", "compute_sms": 108, "comm_sms": 24 },
      "network": { "all_to_all": "normal" }
    })",
                          "<test>");
}

TEST(StepSim, PrefillOverlapIsBetweenBusiestLaneAndSequential) {
    expect_overlap_bounds(tiny_prefill());
}

TEST(StepSim, BytesAndTokensAreConserved) {
    const Scenario s  = load_scenario("scenarios/tiny_1node_ep8_decode.json");
    const RunResult r = run_scenario(s);
    int64_t sent = 0, received = 0, selections = 0;
    for (const GpuCounters& g : r.gpus) {
        sent += g.bytes_sent;
        received += g.bytes_received;
        selections += g.expert_selections;
    }
    EXPECT_EQ(sent, received);
    // 8 GPUs x 64 requests x 2 MoE layers x top-8; every selection counted once per expert too.
    EXPECT_EQ(selections, 8 * 64 * 2 * 8);
    int64_t expert_tokens = 0;
    for (const auto& row : r.experts.tokens)
        expert_tokens += std::accumulate(row.begin(), row.end(), int64_t(0));
    EXPECT_EQ(expert_tokens, selections);
    // Low-latency mode: off-GPU selections x (7,408 B dispatch + 14,336 B combine) on the wire.
    const RooflineModel roof(s.gpu);
    const step::StepPlan plan = step::plan_step(s, roof);
    int64_t off_gpu           = 0;
    for (int L = plan.num_dense; L < plan.num_layers(); ++L)
        for (int m = 0; m < plan.micro_batches; ++m)
            off_gpu += plan.route(L, m).traffic.total_selections() - [&] {
                int64_t d = 0;
                for (int g = 0; g < 8; ++g)
                    d += plan.route(L, m).traffic.selections_at(g, g);
                return d;
            }();
    EXPECT_EQ(sent, off_gpu * (7408 + 14336));
    EXPECT_NO_THROW(validate(r));
}

TEST(StepSim, SameSeedGivesByteIdenticalResults) {
    const Scenario s    = tiny_prefill();
    const std::string a = run_json(s), b = run_json(s);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b);
    Scenario other = s;
    other.seed     = 6;
    EXPECT_NE(run_json(other), a);
}

// Golden results of the checked-in tiny scenarios (design.md example 15), compared with tolerances:
// times to 1e-6 relative, counts exactly. Regenerate after an intended model change with
// MOETWIN_UPDATE_GOLDEN=1 ./build/bin/test_step --gtest_filter='*Golden*' (from the source root).
TEST(StepSim, TinyScenariosMatchTheirGoldenResults) {
    for (const std::string name : {"tiny_2gpu_1layer", "tiny_1node_ep8_decode"}) {
        const RunResult r                  = run_scenario(load_scenario("scenarios/" + name + ".json"));
        const std::filesystem::path golden = "tests/golden/" + name + ".result.json";
        if (std::getenv("MOETWIN_UPDATE_GOLDEN")) write_result_json(r, golden);
        const RunResult g = read_result_json(golden);
        auto near = [](int64_t a, int64_t b) { return std::abs(double(a - b)) <= 1e-6 * double(std::max(a, b)) + 1; };
        EXPECT_TRUE(near(r.summary.step_time_ns, g.summary.step_time_ns))
            << name << ": " << r.summary.step_time_ns << " vs golden " << g.summary.step_time_ns;
        EXPECT_EQ(r.summary.tokens_per_step, g.summary.tokens_per_step) << name;
        ASSERT_EQ(r.gpus.size(), g.gpus.size()) << name;
        for (std::size_t i = 0; i < r.gpus.size(); ++i) {
            EXPECT_EQ(r.gpus[i].tokens_received, g.gpus[i].tokens_received) << name << " gpu " << i;
            EXPECT_EQ(r.gpus[i].expert_selections, g.gpus[i].expert_selections) << name << " gpu " << i;
            EXPECT_EQ(r.gpus[i].bytes_sent, g.gpus[i].bytes_sent) << name << " gpu " << i;
            EXPECT_TRUE(near(r.gpus[i].busy_compute_ns, g.gpus[i].busy_compute_ns)) << name << " gpu " << i;
        }
        EXPECT_EQ(r.experts.tokens, g.experts.tokens) << name;
        EXPECT_EQ(r.experts.phy2log, g.experts.phy2log) << name;
        ASSERT_EQ(r.links.size(), g.links.size()) << name;
        for (std::size_t i = 0; i < r.links.size(); ++i)
            EXPECT_EQ(r.links[i].bytes, g.links[i].bytes) << name;
    }
}

} // namespace
} // namespace moetwin
