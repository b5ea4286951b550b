// SPDX-License-Identifier: Apache-2.0
// FFN op lists: the dense SwiGLU MLP of the leading layers and the MoE block (gate, DeepEP-style
// dispatch/combine, the permutation and weighted reduce around the routed experts' grouped GEMMs,
// shared experts as plain GEMMs), with the FP8 casts and scale transposes their GEMMs need.
#include "common/deepep_bytes.hpp"
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

DimFn width(int64_t n) {
    return [n](const OpShape&) { return double(n); };
}

// Received tokens as rows: the distinct tokens DeepEP delivered (one copy per token and GPU), or
// every expert row when the shape does not say.
double received_rows(const OpShape& s) {
    return s.received_tokens > 0 ? double(s.received_tokens) : expert_rows(s);
}

} // namespace

std::vector<OpSpec> make_dense_ffn_ops(const ModelSpec& m) {
    const int64_t h = m.hidden_size, inter = m.dense_inter_size;
    // A dense model's MLP is split by tensor parallelism the Megatron way (gate_up by columns, down by
    // rows), as vLLM serves dense models; the dense layers of a MoE model stay replicated (DeepSeek's
    // deployment: attention TP only). NOTES: the TP all-reduce after o_proj and dense_down is the step
    // simulator's (sim/step/tp_allreduce.hpp), and SwiGLU and its transposes keep the full width (both
    // small beside the GEMMs).
    const int64_t shards = m.is_dense() ? inter : 1;
    // SwiGLU writes the down projection's FP8 input itself (fused cast); its scales still need the
    // transpose (DeepSeek's H800 trace: swiglu_forward_with_weight_and_per_token_cast, utils::transpose).
    return {make_norm("ffn_norm", h),
            make_cast("ffn_input_cast", width(h), token_rows),
            make_scale_transpose("ffn_input_transpose", width(h), token_rows),
            make_gemm({.name          = "dense_gate_up",
                       .role          = WeightRole::DenseFfn,
                       .in_features   = h,
                       .out_features  = 2 * inter,
                       .max_tp_shards = shards}),
            make_swiglu("dense_swiglu", inter, 1, token_rows),
            make_scale_transpose("dense_down_input_transpose", width(inter), token_rows),
            make_gemm({.name          = "dense_down",
                       .role          = WeightRole::DenseFfn,
                       .in_features   = inter,
                       .out_features  = h,
                       .max_tp_shards = shards,
                       .tp_splits_in  = true})};
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
    // One cast of the normed hidden state feeds both the FP8 dispatch payload and the shared expert
    // (DeepSeek's H800 trace: the last kernel of attn(F) before DeepEP's dispatch).
    ops.push_back(make_cast("ffn_input_cast", width(h), token_rows, [](const OpShape& s) {
        return s.weight_precision == Precision::Fp8E4m3 || s.dispatch_precision == Precision::Fp8E4m3;
    }));

    // Bytes this GPU sends: one message per (token, routed expert) selection, DeepEP low-latency
    // accounting (reference §5.2): dispatch = 16 B header + hidden in the dispatch format (FP8 with
    // 1×128 scales: 7168 + 224 + 16 = 7,408 B for V3); combine = hidden in BF16 (14,336 B for V3).
    ops.push_back(all_to_all("dispatch", [=](const OpShape& s) {
        return double(s.num_tokens) * double(top_k) *
               (double(deepep_bytes::kLlHeaderBytes) + activation_row_bytes(h, s.dispatch_precision));
    }));
    // DeepEP normal mode delivers each token once per GPU; moe_permute writes one row per (token,
    // local expert) in expert order, the grouped GEMMs' contiguous layout (expand_to_fused_with_scales
    // in the trace): received rows read, expert rows written, in the dispatch format.
    OpSpec permute;
    permute.name             = "moe_permute";
    permute.kind             = OpKind::Permute;
    permute.normal_comm_only = true;
    permute.flops            = [](const OpShape&) { return 0.0; };
    permute.bytes            = [=](const OpShape& s) {
        return (received_rows(s) + expert_rows(s)) * activation_row_bytes(h, s.dispatch_precision);
    };
    ops.push_back(std::move(permute));
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
    // moe_reduce: each received token's local expert outputs, weighted by its top-k gate weights and
    // summed into one BF16 row (reduce_fused in the trace). DeepSeek runs it before the combine, on
    // the expert's GPU, so the combine carries one row per (token, GPU) and sums those in its kernel.
    OpSpec reduce;
    reduce.name             = "moe_reduce";
    reduce.kind             = OpKind::Reduce;
    reduce.normal_comm_only = true;
    reduce.flops            = [=](const OpShape& s) { return 2.0 * expert_rows(s) * double(h); };
    reduce.bytes            = [=](const OpShape& s) { return (expert_rows(s) + received_rows(s)) * double(h) * 2.0; };
    ops.push_back(std::move(reduce));
    ops.push_back(all_to_all("combine", [=](const OpShape& s) {
        return double(s.num_tokens) * double(top_k) * double(deepep_bytes::ll_combine_bytes_per_selection(h));
    }));

    if (m.num_shared_experts > 0) { // every token through every shared expert, weight 1
        const int64_t n = m.num_shared_experts;
        ops.push_back(make_scale_transpose("ffn_input_transpose", width(h), token_rows));
        ops.push_back(make_gemm({.name         = "shared_gate_up",
                                 .role         = WeightRole::SharedExpert,
                                 .in_features  = h,
                                 .out_features = 2 * mi,
                                 .instances    = n}));
        ops.push_back(make_swiglu("shared_swiglu", mi, n, token_rows));
        ops.push_back(make_scale_transpose("shared_down_input_transpose", width(mi),
                                           [n](const OpShape& s) { return double(n) * token_rows(s); }));
        ops.push_back(make_gemm({.name         = "shared_down",
                                 .role         = WeightRole::SharedExpert,
                                 .in_features  = mi,
                                 .out_features = h,
                                 .instances    = n}));
    }
    return ops;
}

} // namespace moetwin
