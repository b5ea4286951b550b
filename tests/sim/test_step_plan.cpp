// SPDX-License-Identifier: Apache-2.0
// The step simulator's pure half (sim/step/): schedule programs in the reference §4 orders, routing
// (conservation, node limit, determinism), batches with MTP, and stage times from the roofline.
#include "common/errors.hpp"
#include "engine/roofline.hpp"
#include "sim/balancer/dispatch.hpp"
#include "sim/balancer/placement.hpp"
#include "sim/scenario.hpp"
#include "sim/step/layer_routing.hpp"
#include "sim/step/rank_batches.hpp"
#include "sim/step/step_plan.hpp"
#include "sim/step/step_program.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace moetwin::step {
namespace {

std::vector<std::string> compute_order(const StepProgram& p, int layer_lo, int layer_hi) {
    std::vector<std::string> out;
    for (const Instr& i : p.instrs) {
        if (i.kind != Instr::Compute || i.layer < layer_lo || i.layer > layer_hi) continue;
        std::ostringstream s;
        s << i;
        out.push_back(s.str());
    }
    return out;
}

std::vector<std::string> signal_order(const StepProgram& p) {
    std::vector<std::string> out;
    for (const Instr& i : p.instrs)
        if (i.kind == Instr::Signal) {
            std::ostringstream s;
            s << i;
            out.push_back(s.str());
        }
    return out;
}

// Reference §4 decode: [SHARED(mb0) + ATTN-0(mb1)] -> MLP(mb0) -> ATTN-1(mb1) -> [SHARED(mb1) +
// ATTN-0(mb0)] -> MLP(mb1) -> ATTN-1(mb0); comm DISPATCH(mb0), COMBINE(mb0), DISPATCH(mb1), COMBINE(mb1).
TEST(StepProgram, DecodeFiveStageOrderIsExactlyTheReference) {
    const StepProgram p = build_program(ProgramKind::DecodeOverlap, 3, 3, 2);
    std::vector<std::string> all;
    for (const Instr& i : p.instrs)
        if (i.kind == Instr::Compute) {
            std::ostringstream s;
            s << i;
            all.push_back(s.str());
        }
    // The window of MoE layer 4 (the middle one): from SHARED(L4, mb0) to ATTN-1(L5, mb0).
    const auto first = std::find(all.begin(), all.end(), "shared(L4,mb0)");
    ASSERT_NE(first, all.end());
    const std::vector<std::string> window(first, first + 8);
    EXPECT_EQ(window, (std::vector<std::string>{"shared(L4,mb0)", "attn0(L4,mb1)", "mlp(L4,mb0)", "attn1(L4,mb1)",
                                                "shared(L4,mb1)", "attn0(L5,mb0)", "mlp(L4,mb1)", "attn1(L5,mb0)"}));
    const auto sig = signal_order(p);
    const auto d4  = std::find(sig.begin(), sig.end(), "signal dispatch(L4,mb0)");
    ASSERT_NE(d4, sig.end());
    EXPECT_EQ(std::vector<std::string>(d4, d4 + 4),
              (std::vector<std::string>{"signal dispatch(L4,mb0)", "signal combine(L4,mb0)", "signal dispatch(L4,mb1)",
                                        "signal combine(L4,mb1)"}));
    EXPECT_FALSE(p.serial_comm_lane()); // decode comm holds no SMs: phases start at their signal
    // Dense layers first (both micro-batches), embedding before, head after.
    EXPECT_EQ(all.front(), "embed(L-1,mb0)");
    EXPECT_EQ(all[2], "dense(L0,mb0)");
    EXPECT_EQ(all.back(), "head(L-1,mb1)");
}

// Reference §4 prefill: ATTN(mb1) -> SHARED(mb0) -> ATTN(mb0) -> MLP(mb1) -> MLP(mb0) -> SHARED(mb1)
// || COMBINE(mb0) -> DISPATCH(mb1) -> DISPATCH(mb0) -> COMBINE(mb1).
TEST(StepProgram, PrefillOverlapFollowsTheReferenceOrder) {
    const StepProgram p = build_program(ProgramKind::PrefillOverlap, 0, 3, 2);
    const auto all      = compute_order(p, -1, 10);
    const auto first    = std::find(all.begin(), all.end(), "attn(L1,mb1)");
    ASSERT_NE(first, all.end());
    EXPECT_EQ(std::vector<std::string>(first, first + 6),
              (std::vector<std::string>{"attn(L1,mb1)", "shared(L0,mb0)", "attn(L1,mb0)", "mlp(L1,mb1)", "mlp(L1,mb0)",
                                        "shared(L1,mb1)"}));
    const auto sig = signal_order(p);
    const auto c0  = std::find(sig.begin(), sig.end(), "signal combine(L0,mb0)");
    ASSERT_NE(c0, sig.end());
    EXPECT_EQ(std::vector<std::string>(c0, c0 + 4),
              (std::vector<std::string>{"signal combine(L0,mb0)", "signal dispatch(L1,mb1)", "signal dispatch(L1,mb0)",
                                        "signal combine(L1,mb1)"}));
    EXPECT_TRUE(p.serial_comm_lane());
}

// Every program: each comm signalled and waited exactly once, wait after signal; MLP after the wait
// for its dispatch; the next layer's first stage of a micro-batch after the wait for its combine.
TEST(StepProgram, DependenciesHoldForEveryKind) {
    for (ProgramKind k : {ProgramKind::Sequential, ProgramKind::PrefillOverlap, ProgramKind::DecodeOverlap}) {
        const StepProgram p = build_program(k, 1, 4, 2);
        auto pos            = [&](Instr::Kind kind, CommDirection d, int L, int m) {
            int found = -1, n = 0;
            for (int i = 0; i < int(p.instrs.size()); ++i) {
                const Instr& x = p.instrs[std::size_t(i)];
                if (x.kind == kind && x.dir == d && x.layer == L && x.micro_batch == m) found = i, ++n;
            }
            EXPECT_EQ(n, 1) << int(k) << " L" << L << " mb" << m;
            return found;
        };
        for (int L = 1; L < 5; ++L)
            for (int m = 0; m < 2; ++m)
                for (CommDirection d : {CommDirection::Dispatch, CommDirection::Combine})
                    EXPECT_LT(pos(Instr::Signal, d, L, m), pos(Instr::Wait, d, L, m));
        for (int i = 0; i < int(p.instrs.size()); ++i) {
            const Instr& x = p.instrs[std::size_t(i)];
            if (x.kind != Instr::Compute) continue;
            if (x.stage == Stage::Mlp) EXPECT_GT(i, pos(Instr::Wait, CommDirection::Dispatch, x.layer, x.micro_batch));
            const bool first_of_layer = x.stage == Stage::Attn || x.stage == Stage::Attn0;
            if (first_of_layer && x.layer > 1)
                EXPECT_GT(i, pos(Instr::Wait, CommDirection::Combine, x.layer - 1, x.micro_batch));
        }
    }
    EXPECT_THROW(build_program(ProgramKind::DecodeOverlap, 0, 2, 3), ConfigError);
}

struct RoutingFixture {
    balancer::PlacementSpec spec;
    balancer::Placement placement;
    std::vector<double> weights;
    std::vector<int64_t> tokens;
    RoutingFixture(int num_nodes, int gpus_per_node, int64_t tokens_per_gpu, double zipf_s) {
        spec.num_gpus   = num_nodes * gpus_per_node;
        spec.num_nodes  = num_nodes;
        spec.num_groups = 8;
        spec.num_slots  = 256;
        placement =
            balancer::find_placement_policy("none").place(ExpertLoad{1, 256, std::vector<double>(256, 1.0)}, spec);
        for (int e = 0; e < 256; ++e)
            weights.push_back(1.0 / std::pow(double(e % 37 + 1), zipf_s));
        tokens.assign(std::size_t(spec.num_gpus), tokens_per_gpu);
    }
    LayerRoutingInput input(int node_limit) const {
        LayerRoutingInput in;
        in.node_limit     = node_limit;
        in.weights        = weights;
        in.placement      = &placement;
        in.spec           = &spec;
        in.dispatch       = balancer::dispatch_round_robin;
        in.tokens_per_gpu = tokens;
        in.gpus_per_node  = spec.gpus_per_node();
        in.seed           = 11;
        return in;
    }
};

TEST(StepRouting, TokensAreConservedAndDeterministic) {
    RoutingFixture f(4, 8, 300, 1.0);
    const LayerRouting a = route_layer(f.input(4)), b = route_layer(f.input(4));
    EXPECT_EQ(a.num_tokens, 32 * 300);
    const int64_t sel = 8 * a.num_tokens;
    EXPECT_EQ(std::accumulate(a.expert_selections.begin(), a.expert_selections.end(), int64_t(0)), sel);
    EXPECT_EQ(std::accumulate(a.slot_selections.begin(), a.slot_selections.end(), int64_t(0)), sel);
    EXPECT_EQ(a.traffic.total_selections(), sel);
    EXPECT_NO_THROW(a.traffic.validate());
    EXPECT_EQ(a.traffic.selections, b.traffic.selections);
    EXPECT_EQ(a.traffic.node_tokens, b.traffic.node_tokens);
    // Each source sends each token to at least one node and at most 4.
    for (int s = 0; s < 32; ++s) {
        int64_t reach = 0;
        for (int m = 0; m < 4; ++m)
            reach += a.traffic.node_tokens_at(s, m);
        EXPECT_GE(reach, 300);
        EXPECT_LE(reach, 4 * 300);
    }
    // Another seed, another sample.
    LayerRoutingInput other = f.input(4);
    other.seed              = 12;
    EXPECT_NE(route_layer(other).traffic.selections, a.traffic.selections);
}

TEST(StepRouting, NodeLimitBoundsNodesPerToken) {
    RoutingFixture f(8, 4, 200, 0.5); // contiguous placement: group g on node g (32 experts per node)
    for (int M : {1, 2, 3}) {
        const LayerRouting r = route_layer(f.input(M));
        EXPECT_EQ(r.node_limit_relaxed, 0) << M;
        for (int s = 0; s < 32; ++s) {
            int64_t reach = 0;
            for (int m = 0; m < 8; ++m)
                reach += r.traffic.node_tokens_at(s, m);
            EXPECT_LE(reach, int64_t(M) * 200) << "M=" << M;
            if (M == 1) EXPECT_EQ(reach, 200);
        }
    }
}

TEST(StepRouting, BundlesKeepCountsExact) {
    RoutingFixture f(1, 8, 5000, 1.0); // 5,000 tokens per GPU > kMaxSampledTokensPerGpu
    LayerRoutingInput in = f.input(4);
    const LayerRouting r = route_layer(in);
    EXPECT_EQ(r.num_tokens, 8 * 5000);
    EXPECT_EQ(r.traffic.total_selections(), 8 * 8 * 5000);
    for (int s = 0; s < 8; ++s)
        EXPECT_EQ(r.traffic.node_tokens_at(s, 0), 5000);
}

TEST(StepBatches, DecodeWithMtpVerifiesDraftsAndCountsAcceptedOnes) {
    Scenario s                  = default_scenario();
    s.workload.requests_per_gpu = 7;
    const auto ranks            = make_rank_batches(s);
    ASSERT_EQ(ranks.size(), 144u);
    EXPECT_EQ(ranks[0].micro_batches[0].num_requests, 4);
    EXPECT_EQ(ranks[0].micro_batches[1].num_requests, 3);
    EXPECT_EQ(ranks[0].micro_batches[0].num_tokens, 8); // 1 + 1 draft token per request
    EXPECT_EQ(ranks[0].micro_batches[0].kv_len, 4096 + 2);
    EXPECT_DOUBLE_EQ(ranks[0].output_tokens, 7 * 1.85);
}

// A prefill whose prompts have a cached prefix (workload.cached_prefix_tokens): only the new tokens are the
// rank's tokens; every query sees the prefix, so attention runs N queries against P + N keys.
TEST(StepBatches, PrefillWithACachedPrefixAttendsToItWithoutComputingIt) {
    Scenario s                      = load_scenario("scenarios/deepseek_v3_prefill_ep32.json");
    s.workload.tokens_per_gpu       = 8192;
    s.workload.context_distribution = ContextDistribution::Fixed;
    s.workload.context_tokens       = 1024; // N new tokens per prompt
    s.workload.cached_prefix_tokens = 3072; // P
    s.workload.micro_batches        = 2;
    const auto ranks                = make_rank_batches(s);
    const MicroBatch& mb            = ranks[0].micro_batches[0];
    EXPECT_EQ(mb.num_tokens, 4096); // new tokens only
    EXPECT_EQ(mb.num_requests, 4);
    EXPECT_EQ(mb.query_tokens_per_request, 1024);
    EXPECT_EQ(mb.kv_len, 3072 + 1024);
    EXPECT_DOUBLE_EQ(ranks[0].output_tokens, 8192);
    // The shape the step's stage timer gives the attention ops (step_plan.cpp).
    OpShape shape;
    shape.phase                    = Phase::Prefill;
    shape.num_tokens               = mb.num_tokens;
    shape.num_requests             = mb.num_requests;
    shape.kv_len                   = mb.kv_len;
    shape.query_tokens_per_request = mb.query_tokens_per_request;
    const auto& ops                = find_model("deepseek_v3").moe_layer_ops;
    const auto op                  = [&](const char* name) {
        return *std::find_if(ops.begin(), ops.end(), [&](const OpSpec& o) { return o.name == name; });
    };
    // By hand: per request, query i (0-based) of the N new ones sees P + i + 1 keys:
    // N·P + N(N+1)/2 = 1024·3072 + 1024·1025/2 = 3,145,728 + 524,800 = 3,670,528 (query, key) pairs;
    // FLOPs = 2 · 128 heads · (192 qk + 128 v) · pairs · 4 requests = 81,920 · 14,682,112 = 1,202,758,615,040.
    EXPECT_DOUBLE_EQ(op("mla_prefill").flops(shape), 1202758615040.0);
    // The prefix's latents are expanded too: kv_b_proj over 4 · 4096 rows, 512 → 128 · (128 + 128).
    EXPECT_DOUBLE_EQ(op("kv_b_proj").flops(shape), 2.0 * 16384 * 512 * 32768);
    // The projections before attention see only the 4096 new tokens: q_a_proj 7168 → 1536.
    EXPECT_DOUBLE_EQ(op("q_a_proj").flops(shape), 2.0 * 4096 * 7168 * 1536);
    // Prefix 0: the whole-prompt shape of before (kv_len = the prompt).
    s.workload.cached_prefix_tokens = 0;
    EXPECT_EQ(make_rank_batches(s)[0].micro_batches[0].kv_len, 1024);
}

// A prompt cut short by the rank's budget is that fraction of a request (PrefillMix): at a fixed prompt length
// the step's kv_b_proj rows and causal pairs follow the prompt, not its count per micro-batch. By hand, a rank
// of 1,000 tokens in 2 micro-batches of 500, prompts of N new tokens after P = 32 N cached ones:
//   N = 120: 8 whole prompts and 40/120 of one: 8.33 requests, 32,000 cached keys; a micro-batch holds half,
//            4 requests (4.17 rounded) of (16,000 + 500) / 4 = 4,125 keys: 16,500 kv_b rows = 500 · 33.
//   N = 130: 7 whole and 90/130 of one: 7.69 requests, again 32,000 cached keys: 4 requests of 4,125 keys.
// Whole requests each with its whole prefix, ceil(500 / mean prompt) per micro-batch, gave 5 × (3,840 + 111) =
// 19,755 rows at N = 120 and 4 × (4,160 + 125) = 17,140 at N = 130: less work for longer prompts (the
// Day-6 prefill unit's step took 805.8 ms at N = 335 and 785.3 ms at N = 364; step_model/README.md).
TEST(StepBatches, PrefillWorkGrowsWithThePromptWhateverItsCountPerMicroBatch) {
    Scenario s                      = load_scenario("scenarios/deepseek_v3_prefill_ep32.json");
    s.workload.tokens_per_gpu       = 1000;
    s.workload.context_distribution = ContextDistribution::Fixed;
    s.workload.micro_batches        = 2;
    const auto mb_of                = [&](int64_t n) {
        s.workload.context_tokens       = n;
        s.workload.cached_prefix_tokens = 32 * n;
        return make_rank_batches(s)[0].micro_batches[0];
    };
    for (const int64_t n : {120, 130}) {
        const MicroBatch mb = mb_of(n);
        EXPECT_EQ(mb.num_tokens, 500);
        EXPECT_EQ(mb.num_requests, 4) << n;
        EXPECT_EQ(mb.kv_len, 4125) << n;
    }
    // N = 120: pairs 1,000 · (3,840 + 60.5) = 3,900,500 (the cut prompt's 40 tokens attend as its request's do),
    // half per micro-batch; s_q is the smaller root of s² − 8,251 s + 2 · 1,950,250 / 4:
    // (8,251 − √64,178,501) / 2 = 119.92 → 120.
    EXPECT_EQ(mb_of(120).query_tokens_per_request, 120);
    // The attention work per micro-batch (causal pairs and kv_b_proj rows) does not fall as N grows, prompt by
    // prompt, but for the rounding of the whole s_q and request count (≤ 0.3 %: N = 201, where the micro-batch's
    // 2.49 requests round to 2 instead of 3, is 0.12 % below N = 200); the whole-request cut fell 13 % (above).
    const auto& ops = find_model("deepseek_v3").moe_layer_ops;
    const auto op   = [&](const char* name) {
        return *std::find_if(ops.begin(), ops.end(), [&](const OpSpec& o) { return o.name == name; });
    };
    double last = 0;
    for (int64_t n = 100; n <= 400; ++n) {
        const MicroBatch mb = mb_of(n);
        OpShape shape;
        shape.phase                    = Phase::Prefill;
        shape.num_tokens               = mb.num_tokens;
        shape.num_requests             = mb.num_requests;
        shape.kv_len                   = mb.kv_len;
        shape.query_tokens_per_request = mb.query_tokens_per_request;
        const double flops             = op("mla_prefill").flops(shape) + op("kv_b_proj").flops(shape);
        EXPECT_GE(flops, last * (1 - 0.003)) << "N = " << n;
        // Within rounding: 500 · 33 kv_b rows and 500 · (32 N + (N + 1) / 2) causal pairs.
        const double sq = double(mb.query_tokens_per_request), kv = double(mb.kv_len), req = double(mb.num_requests);
        EXPECT_NEAR(req * kv, 16500, req / 2 + 1e-9) << n;
        EXPECT_NEAR(req * (sq * (kv - sq) + sq * (sq + 1) / 2), 500 * (32.0 * double(n) + double(n + 1) / 2),
                    req * kv / 2)
            << n;
        last = flops;
    }
}

TEST(StepPlan, StageTimesComeFromTheRoofline) {
    const Scenario s = load_scenario("scenarios/tiny_2gpu_1layer.json");
    const RooflineModel roof(s.gpu);
    const StepPlan p = plan_step(s, roof);
    ASSERT_EQ(p.num_moe, 1);
    // Shared expert on GPU 0: 16 decode tokens through shared_gate_up, shared_swiglu, shared_down on 132 SMs.
    OpShape shape;
    shape.phase        = Phase::Decode;
    shape.num_tokens   = 16;
    shape.num_requests = 16;
    shape.kv_len       = 1025;
    double shared      = 0; // the scale transposes and shared_gate_up, shared_swiglu, shared_down
    const auto stages  = moe_op_stages(p.model);
    for (std::size_t i = 0; i < stages.size(); ++i)
        if (stages[i] == Stage::Shared) shared += roof.op_time(p.model.moe_layer_ops[i], shape, 132).seconds;
    EXPECT_GT(shared, 0);
    EXPECT_DOUBLE_EQ(p.seconds(0, 0, 0, Stage::Shared), shared);
    // Attention: ATTN = ATTN-0 + ATTN-1, and the core attention is in ATTN-1.
    EXPECT_NEAR(p.seconds(0, 0, 0, Stage::Attn), p.seconds(0, 0, 0, Stage::Attn0) + p.seconds(0, 0, 0, Stage::Attn1),
                1e-15);
    const auto st = moe_op_stages(p.model);
    for (std::size_t i = 0; i < st.size(); ++i) {
        const std::string& n = p.model.moe_layer_ops[i].name;
        if (n == "mla_decode" || n == "moe_gate" || n == "o_proj") EXPECT_EQ(st[i], Stage::Attn1) << n;
        if (n == "q_a_proj" || n == "kv_a_proj") EXPECT_EQ(st[i], Stage::Attn0) << n;
        if (n == "expert_down") EXPECT_EQ(st[i], Stage::Mlp) << n;
        if (n == "dispatch" || n == "combine") EXPECT_FALSE(st[i].has_value()) << n;
    }
    // Tokens: 16 requests per GPU, 8 experts each, all accounted for.
    const LayerRouting& r = p.route(0, 0);
    EXPECT_EQ(r.traffic.total_selections(), 2 * 16 * 8);
}

// MTP in decode: d passes of the MTP module as MoE layers after the main ones; the first over the
// verified tokens, later ones over one token per request; each with an embedding and a draft head.
TEST(StepPlan, MtpPassesAreMoeLayersAfterTheHead) {
    Scenario s = load_scenario("scenarios/tiny_2gpu_1layer.json");
    const RooflineModel roof(s.gpu);
    const StepPlan plain = plan_step(s, roof);
    EXPECT_EQ(plain.num_mtp, 0);
    EXPECT_EQ(plain.num_layers(), 1);
    s.workload.mtp_draft_tokens = 2;
    s.workload.mtp_acceptance   = 0.8;
    const StepPlan p            = plan_step(s, roof);
    ASSERT_EQ(p.num_mtp, 2);
    ASSERT_EQ(p.num_layers(), 3);
    EXPECT_FALSE(p.is_mtp(0));
    EXPECT_TRUE(p.is_mtp(1) && p.is_mtp(2));
    // 16 requests x (1 + 2) verified tokens per GPU through the main layer and the first pass; one
    // token per request through the second; 8 routed experts each.
    EXPECT_EQ(p.route(0, 0).traffic.total_selections(), 2 * 48 * 8);
    EXPECT_EQ(p.route(1, 0).traffic.total_selections(), 2 * 48 * 8);
    EXPECT_EQ(p.route(2, 0).traffic.total_selections(), 2 * 16 * 8);
    // The first pass's attention = the main layer's + the MTP projections (enorm, hnorm, eh_proj).
    OpShape shape;
    shape.phase                    = Phase::Decode;
    shape.num_tokens               = 48;
    shape.num_requests             = 16;
    shape.kv_len                   = 1027;
    shape.query_tokens_per_request = 3;
    shape.weight_precision         = s.precision.dense_weights;
    double pre                     = 0;
    for (const OpSpec& op : p.model.mtp_ops)
        pre += roof.op_time(op, shape, 132).seconds;
    EXPECT_GT(pre, 0);
    EXPECT_NEAR(p.seconds(0, 1, 0, Stage::Attn), p.seconds(0, 0, 0, Stage::Attn) + pre, 1e-12);
    // Draft head: 16 rows through mtp_final_norm, the shared lm_head and sampling.
    OpShape rows                  = shape;
    rows.num_tokens               = 16;
    rows.query_tokens_per_request = 1;
    double head                   = 0;
    for (const OpSpec& op : p.model.mtp_head_ops)
        head += roof.op_time(op, rows, 132).seconds;
    EXPECT_DOUBLE_EQ(p.seconds(0, 1, 0, Stage::Head), head);
    EXPECT_GT(p.seconds(0, 1, 0, Stage::Embed), 0);
    EXPECT_DOUBLE_EQ(p.seconds(0, 0, 0, Stage::Head), 0.0); // main layers have no head of their own
    // Program: the main head, then each pass's embed .. head.
    std::vector<std::string> order;
    for (const Instr& i : p.program.instrs)
        if (i.kind == Instr::Compute && (i.stage == Stage::Head || i.stage == Stage::Embed)) {
            std::ostringstream o;
            o << i;
            order.push_back(o.str());
        }
    EXPECT_EQ(order, (std::vector<std::string>{"embed(L-1,mb0)", "head(L-1,mb0)", "embed(L1,mb0)", "head(L1,mb0)",
                                               "embed(L2,mb0)", "head(L2,mb0)"}));
    // More passes than MoE layers is an error.
    EXPECT_THROW(build_program(ProgramKind::Sequential, 0, 1, 1, 2), ConfigError);
}

// Permute and reduce run beside the normal all-to-all only (the low-latency kernels do both), in the
// MLP stage, on the distinct tokens each GPU received.
TEST(StepPlan, PermuteAndReduceOnlyBesideTheNormalAllToAll) {
    Scenario s = load_scenario("scenarios/tiny_2gpu_1layer.json");
    const RooflineModel roof(s.gpu);
    const StepPlan ll     = plan_step(s, roof);
    s.network.all_to_all  = AllToAllMode::Normal;
    const StepPlan normal = plan_step(s, roof);
    const LayerRouting& r = normal.route(0, 0);
    ASSERT_EQ(r.traffic.selections, ll.route(0, 0).traffic.selections); // routing ignores the comm mode
    int64_t sel = 0, used = 0;
    for (int k = 0; k < 128; ++k) {
        sel += r.slot_selections[std::size_t(k)];
        used += r.slot_selections[std::size_t(k)] > 0;
    }
    OpShape shape;
    shape.phase             = Phase::Decode;
    shape.num_tokens        = 16;
    shape.num_requests      = 16;
    shape.kv_len            = 1025;
    shape.num_local_experts = used;
    shape.tokens_per_expert = (sel + used - 1) / used;
    shape.received_tokens   = r.traffic.tokens_at(0, 0) + r.traffic.tokens_at(1, 0);
    EXPECT_LE(shape.received_tokens, 2 * 16);
    const auto stages = moe_op_stages(normal.model);
    double extra      = 0;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const OpSpec& op = normal.model.moe_layer_ops[i];
        if (!op.normal_comm_only) continue;
        EXPECT_EQ(stages[i], Stage::Mlp) << op.name;
        extra += roof.op_time(op, shape, 132).seconds;
    }
    EXPECT_GT(extra, 0);
    EXPECT_NEAR(normal.seconds(0, 0, 0, Stage::Mlp) - ll.seconds(0, 0, 0, Stage::Mlp), extra, 1e-12);
}

// Data-parallel attention: each rank has its own requests and KV lengths, so attention time differs
// per rank (uniform 512-4096 context), and the MLP follows the tokens each GPU received.
TEST(StepPlan, RanksHaveTheirOwnKvLengths) {
    const Scenario s = load_scenario("scenarios/tiny_1node_ep8_decode.json");
    const RooflineModel roof(s.gpu);
    const StepPlan p = plan_step(s, roof);
    double lo = 1e9, hi = 0;
    for (int g = 0; g < p.num_gpus; ++g) {
        const double t = p.seconds(g, 0, 0, Stage::Attn1); // core attention lives in ATTN-1
        lo             = std::min(lo, t);
        hi             = std::max(hi, t);
        EXPECT_GT(p.ranks[std::size_t(g)].micro_batches[0].kv_len, 512);
        EXPECT_LT(p.ranks[std::size_t(g)].micro_batches[0].kv_len, 4096 + 2);
    }
    EXPECT_GT(hi, lo * 1.01) << "attention should differ between DP ranks";
}

// Prefill overlap: MoE-layer compute runs on schedule.compute_sms (108) while the comm kernels hold
// 24 SMs; the sequential schedule uses all 132.
TEST(StepPlan, PrefillOverlapTimesMoeStagesOnComputeSms) {
    Scenario s                = load_scenario("scenarios/deepseek_v3_prefill_ep32.json");
    s.model.num_dense_layers  = 0;
    s.model.num_moe_layers    = 1;
    s.workload.tokens_per_gpu = 2048;
    const RooflineModel roof(s.gpu);
    const StepPlan over = plan_step(s, roof);
    s.schedule.overlap  = OverlapSchedule::Sequential;
    const StepPlan seq  = plan_step(s, roof);
    EXPECT_GT(over.seconds(0, 0, 0, Stage::Attn), seq.seconds(0, 0, 0, Stage::Attn));
    EXPECT_GT(over.seconds(0, 0, 0, Stage::Shared), seq.seconds(0, 0, 0, Stage::Shared));
    EXPECT_DOUBLE_EQ(over.seconds(0, -1, 0, Stage::Head), seq.seconds(0, -1, 0, Stage::Head));
    EXPECT_EQ(over.comm_mode, DeepEpMode::Normal);
}

} // namespace
} // namespace moetwin::step
