// SPDX-License-Identifier: Apache-2.0
// The glue kernels of FP8 training (training_ops.hpp lists them and their bytes), as DeepSeek's H800
// trace runs them around its FP8 GEMMs (../shared/data/profile_traces/deepseek_v3_train_ep64.json.gz;
// sim/calibrate/training_recipe.cpp maps each kernel to one of these ops). All are memory-bound: FLOPs 0,
// bytes = the tensors they read and write, timed by their kind's memory efficiency (roofline.hpp).
#include "engine/layer_ops.hpp"
#include "engine/training_ops.hpp"

#include <cmath>
#include <set>
#include <string>

namespace moetwin {
namespace {

double fp8_row(double n) {
    return activation_row_bytes(int64_t(n), Precision::Fp8E4m3);
}

// Received distinct tokens (DeepEP normal mode), or every expert row when the shape does not say.
double received_rows(const OpShape& s) {
    return s.received_tokens > 0 ? double(s.received_tokens) : expert_rows(s);
}

OpSpec moved(std::string name, OpKind kind, OpPass pass, OpCostFn bytes) {
    OpSpec op;
    op.name  = std::move(name);
    op.kind  = kind;
    op.role  = WeightRole::None;
    op.pass  = pass;
    op.flops = [](const OpShape&) { return 0.0; };
    op.bytes = std::move(bytes);
    return op;
}

// Per-token cast of [rows, n] between BF16 and FP8 with 1x128 scales, either way (a cast, a cast back, the
// FP8 cache of an activation): rows·(2n + n + ceil(n/128)·4). Zero without FP8 weights (BF16 training).
OpSpec token_cast(std::string name, double n, RowsFn rows, OpPass pass) {
    return moved(std::move(name), OpKind::Cast, pass,
                 [=](const OpShape& s) { return fp8_weights(s) ? rows(s) * (2.0 * n + fp8_row(n)) : 0.0; });
}

// Per-channel cast-and-transpose of [rows, n] into [n, rows] FP8 with one scale per 128 rows of a column
// (the weight gradient's K-major operand): read rows·2n (BF16) or rows·(n + ceil(n/128)·4) (an FP8 input
// that came through the dispatch), write rows·n + ceil(rows/128)·n·4.
OpSpec channel_cast(std::string name, double n, RowsFn rows, bool fp8_in) {
    return moved(std::move(name), OpKind::Cast, OpPass::WeightGrad, [=](const OpShape& s) {
        if (!fp8_weights(s)) return 0.0;
        const double r = rows(s);
        return r * (fp8_in ? fp8_row(n) : 2.0 * n) + r * n + std::ceil(r / 128.0) * n * 4.0;
    });
}

// The scales of a per-token cast of [rows, n] into the GEMM's column-major layout: rows·ceil(n/128) fp32
// read and written (as make_scale_transpose).
OpSpec scale_transpose(std::string name, double n, RowsFn rows, OpPass pass) {
    return moved(std::move(name), OpKind::Transpose, pass,
                 [=](const OpShape& s) { return fp8_weights(s) ? rows(s) * std::ceil(n / 128.0) * 4.0 * 2.0 : 0.0; });
}

OpSpec renamed(OpSpec op, std::string name, OpPass pass) {
    op.name = std::move(name);
    op.pass = pass;
    return op;
}

const OpSpec* find_op(const std::vector<OpSpec>& ops, std::string_view name) {
    for (const OpSpec& op : ops)
        if (op.name == name) return &op;
    return nullptr;
}

// Around one quantised GEMM: the weight transpose and dY cast of its input gradient, the per-channel casts
// of its weight gradient, and the FP8 cache of a gate/up output (cast back before the SwiGLU backward).
void add_gemm_glue(const OpSpec& fwd, int64_t hidden, std::vector<OpSpec>& out) {
    const OpSpec meta  = fwd;
    const bool grouped = fwd.kind == OpKind::GroupedGemm;
    const RowsFn rows  = [meta](const OpShape& s) { return gemm_input_rows(meta, s); };
    const double in = double(fwd.in_features), out_f = double(fwd.out_features);
    const std::string& x = fwd.name;
    // The FP8 weights read and written once, 1 B per parameter, per local expert or instance.
    out.push_back(moved(x + "_weight_transpose", OpKind::WeightTranspose, OpPass::InputGrad,
                        [meta, grouped, in, out_f](const OpShape& s) {
                            const double runs =
                                grouped ? double(s.num_local_experts) : double(meta.instances_per_layer);
                            return fp8_weights(s) ? 2.0 * in * out_f * runs : 0.0;
                        }));
    out.push_back(token_cast(x + "_dgrad_input_cast", out_f, rows, OpPass::InputGrad));
    out.push_back(scale_transpose(x + "_dgrad_input_transpose", out_f, rows, OpPass::InputGrad));
    // The routed experts' hidden-side tensors come through DeepEP in FP8: the dispatched tokens (the first
    // expert GEMM's input) and the dispatched output gradient (the last expert GEMM's dY).
    out.push_back(channel_cast(x + "_wgrad_input_cast", in, rows, grouped && fwd.in_features == hidden));
    out.push_back(channel_cast(x + "_wgrad_grad_cast", out_f, rows, grouped && fwd.out_features == hidden));
    if (x.ends_with("gate_up")) {
        out.push_back(token_cast(x + "_output_cache", out_f, rows, OpPass::Forward));
        out.push_back(token_cast(x + "_output_cast_back", out_f, rows, OpPass::InputGrad));
    }
}

} // namespace

double gemm_input_rows(const OpSpec& fwd, OpShape s) {
    s.attn_tp_size        = 1;
    const double per_rows = 2.0 * double(fwd.in_features) * double(fwd.out_features);
    return fwd.flops(s) / per_rows;
}

std::vector<OpSpec> make_training_glue_ops(const ModelSpec& m) {
    std::vector<OpSpec> out;
    std::set<std::string> seen;
    const std::vector<OpSpec>& moe = m.moe_layer_ops;
    for (const auto* list : {&m.moe_layer_ops, &m.dense_layer_ops})
        for (const OpSpec& op : *list)
            if ((op.kind == OpKind::Gemm || op.kind == OpKind::GroupedGemm) && op.quantized &&
                seen.insert(op.name).second)
                add_gemm_glue(op, m.hidden_size, out);

    const double h = double(m.hidden_size);
    // The recomputed up-projections and ffn_norm (tech report §3.3.3) recast their FP8 inputs.
    for (const char* name :
         {"q_b_input_cast", "q_b_input_transpose", "kv_b_input_cast", "kv_b_input_transpose", "ffn_input_cast"})
        if (const OpSpec* f = find_op(moe, name)) out.push_back(renamed(*f, f->name + "_recompute", OpPass::Recompute));
    out.push_back(token_cast("ffn_input_cast_back", h, token_rows, OpPass::InputGrad));
    // The trace casts the attention input a second time for kv_a_proj (inference fuses q_a and kv_a).
    if (find_op(moe, "q_a_proj") && find_op(moe, "kv_a_proj")) {
        out.push_back(token_cast("kv_a_input_cast", h, token_rows, OpPass::Forward));
        out.push_back(scale_transpose("kv_a_input_transpose", h, token_rows, OpPass::Forward));
    }
    if (const OpSpec* rot = find_op(moe, "attn_rotary")) {
        out.push_back(renamed(*rot, "attn_rotary_recompute", OpPass::Recompute));
        out.push_back(renamed(*rot, "attn_rotary_bwd", OpPass::InputGrad)); // the same rotation, transposed
    }
    if (m.attention == AttentionKind::Mla) {
        // FlashAttention's K as [tokens, heads, nope + rope]: k_nope copied in, the shared k_pe broadcast to
        // every head: read T·H·nope·2 + T·rope·2, write T·H·(nope + rope)·2 (a _copy_tensor_kernel and a
        // direct_copy in the trace). Its gradient splits dK back (and sums dk_pe over heads): the same bytes.
        const double H = double(m.num_heads), nope = double(m.qk_nope_head_dim), rope = double(m.qk_rope_head_dim);
        const OpCostFn k_bytes = [=](const OpShape& s) {
            return double(s.num_tokens) * (H * nope * 2.0 + rope * 2.0 + H * (nope + rope) * 2.0);
        };
        out.push_back(moved("mla_k_assembly", OpKind::Elementwise, OpPass::Forward, k_bytes));
        out.push_back(moved("mla_k_assembly_recompute", OpKind::Elementwise, OpPass::Recompute, k_bytes));
        out.push_back(moved("mla_k_assembly_bwd", OpKind::Elementwise, OpPass::InputGrad, k_bytes));
        // DeepSeek caches the attention output in FP8 (per_token_cast_to_fp8_with_fp8_special_fmt) for the
        // attention backward and o_proj's weight gradient, and casts it back in the backward.
        const double o_in = H * double(m.v_head_dim);
        out.push_back(token_cast("attn_output_cache", o_in, token_rows, OpPass::Forward));
        out.push_back(token_cast("attn_output_cast_back", o_in, token_rows, OpPass::InputGrad));
    }
    // Two PyTorch kernels the trace runs around the attention: the latent and k_pe of kv_a_proj's output
    // copied into contiguous tensors (read + write T·(lora + rope)·2), again when recomputed; and a BF16 scale
    // of o_proj's output in place (AUnaryFunctor<BFloat16, Mul>: read + write T·h·2), and of its gradient.
    if (m.attention == AttentionKind::Mla) {
        const double kv_a    = double(m.kv_lora_rank + m.qk_rope_head_dim);
        const OpCostFn split = [kv_a](const OpShape& s) { return 2.0 * double(s.num_tokens) * kv_a * 2.0; };
        out.push_back(moved("kv_a_output_split", OpKind::Elementwise, OpPass::Forward, split));
        out.push_back(moved("kv_a_output_split_recompute", OpKind::Elementwise, OpPass::Recompute, split));
    }
    const OpCostFn scale = [h](const OpShape& s) { return 2.0 * double(s.num_tokens) * h * 2.0; };
    out.push_back(moved("attn_output_scale", OpKind::Elementwise, OpPass::Forward, scale));
    out.push_back(moved("attn_output_scale_bwd", OpKind::Elementwise, OpPass::InputGrad, scale));
    // The gradient of a norm's output that feeds two consumers is their sum: read 2, write 1 BF16 row.
    for (const char* name : {"ffn_norm_grad_sum", "attn_norm_grad_sum"})
        out.push_back(moved(name, OpKind::Elementwise, OpPass::InputGrad,
                            [h](const OpShape& s) { return 3.0 * double(s.num_tokens) * h * 2.0; }));
    if (m.num_routed_experts > 0) {
        const double E = double(m.num_routed_experts), k = double(m.top_k);
        // Training router after the gate GEMM (sigmoid, bias, group top-k, mask, expert top-k, sequence-wise
        // balance statistics): its kernels over the [tokens, experts] fp32 scores move 64 B per score
        // (noise 4, sigmoid 8, two binary ops 12 + 12, group sums 4, copy 8, masked fill 8, two top-k 4 + 4).
        out.push_back(moved("moe_gate_topk", OpKind::Routing, OpPass::Forward,
                            [E](const OpShape& s) { return 64.0 * double(s.num_tokens) * E; }));
        // Expert-order index of the permutation: one CTA per local expert scans the received tokens' int64
        // top-k indices, in each of two kernels (clean_and_count_expert, get_fused_mapping).
        out.push_back(moved("moe_permute_index", OpKind::PermuteIndex, OpPass::Forward, [k](const OpShape& s) {
            return 2.0 * double(s.num_local_experts) * received_rows(s) * k * 8.0;
        }));
        // Gradients of the permutation and the reduce swap them: the output gradient (FP8 from the dispatch
        // of gradients) is expanded into expert rows, the expert rows' input gradients reduced per token.
        out.push_back(moved("moe_reduce_bwd", OpKind::Permute, OpPass::InputGrad, [h](const OpShape& s) {
            return (received_rows(s) + expert_rows(s)) * activation_row_bytes(int64_t(h), s.dispatch_precision);
        }));
        out.push_back(moved("moe_permute_bwd", OpKind::Reduce, OpPass::InputGrad,
                            [h](const OpShape& s) { return (expert_rows(s) + received_rows(s)) * h * 2.0; }));
    }
    return out;
}

} // namespace moetwin
