// SPDX-License-Identifier: Apache-2.0
// FFN op lists: the dense SwiGLU MLP of the leading layers and the MoE block (gate, DeepEP-style
// dispatch/combine, routed experts as grouped GEMMs, shared experts as plain GEMMs).
#include "engine/layer_ops.hpp"

namespace moetwin {
namespace {

OpSpec all_to_all(std::string name, OpCostFn bytes) {
    OpSpec op;
    op.name  = std::move(name);
    op.kind  = OpKind::Communication;
    op.role  = WeightRole::None;
    op.flops = [](const OpShape&) { return 0.0; };
    op.bytes = std::move(bytes);
    return op;
}

} // namespace

std::vector<OpSpec> make_dense_ffn_ops(const ModelSpec& m) {
    const int64_t h = m.hidden_size, inter = m.dense_inter_size;
    return {
        make_norm("ffn_norm", h),
        make_gemm({.name = "dense_gate_up", .role = WeightRole::DenseFfn, .in_features = h, .out_features = 2 * inter}),
        make_swiglu("dense_swiglu", inter, 1, token_rows),
        make_gemm({.name = "dense_down", .role = WeightRole::DenseFfn, .in_features = inter, .out_features = h})};
}

std::vector<OpSpec> make_moe_ffn_ops(const ModelSpec& m) {
    const int64_t h = m.hidden_size, mi = m.moe_inter_size, experts = m.num_routed_experts, top_k = m.top_k;
    std::vector<OpSpec> ops{make_norm("ffn_norm", h)};

    // Router: scores = x·W_gate^T [tokens, experts], BF16 weights (+ fp32 noaux_tc bias), then top-k.
    OpSpec gate = make_gemm(
        {.name = "moe_gate", .role = WeightRole::Gate, .in_features = h, .out_features = experts, .quantized = false});
    gate.kind = OpKind::Gate;
    if (m.gate_has_bias) gate.params_per_instance += experts;
    ops.push_back(std::move(gate));

    // Bytes this GPU sends: one message per (token, routed expert) selection, DeepEP low-latency
    // accounting (reference §5.2): dispatch = 16 B header + hidden in the dispatch format (FP8 with
    // 1×128 scales: 7168 + 224 + 16 = 7,408 B for V3); combine = hidden in BF16 (14,336 B for V3).
    ops.push_back(all_to_all("dispatch", [=](const OpShape& s) {
        return double(s.num_tokens) * double(top_k) * (16.0 + activation_row_bytes(h, s.dispatch_precision));
    }));
    ops.push_back(make_gemm({.name         = "expert_gate_up",
                             .role         = WeightRole::RoutedExpert,
                             .in_features  = h,
                             .out_features = 2 * mi,
                             .instances    = experts,
                             .grouped      = true,
                             .rows         = expert_rows}));
    ops.push_back(make_swiglu("expert_swiglu", mi, 1, expert_rows));
    ops.push_back(make_gemm({.name         = "expert_down",
                             .role         = WeightRole::RoutedExpert,
                             .in_features  = mi,
                             .out_features = h,
                             .instances    = experts,
                             .grouped      = true,
                             .rows         = expert_rows}));
    ops.push_back(all_to_all("combine",
                             [=](const OpShape& s) { return double(s.num_tokens) * double(top_k) * double(h) * 2.0; }));

    if (m.num_shared_experts > 0) { // every token through every shared expert, weight 1
        const int64_t n = m.num_shared_experts;
        ops.push_back(make_gemm({.name         = "shared_gate_up",
                                 .role         = WeightRole::SharedExpert,
                                 .in_features  = h,
                                 .out_features = 2 * mi,
                                 .instances    = n}));
        ops.push_back(make_swiglu("shared_swiglu", mi, n, token_rows));
        ops.push_back(make_gemm({.name         = "shared_down",
                                 .role         = WeightRole::SharedExpert,
                                 .in_features  = mi,
                                 .out_features = h,
                                 .instances    = n}));
    }
    return ops;
}

} // namespace moetwin
