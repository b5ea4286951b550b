// SPDX-License-Identifier: Apache-2.0
// Shared op constructors (GEMM, norm, SwiGLU) and the embedding, head and MTP op lists.
#include "engine/layer_ops.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace moetwin {
namespace {

// Input activation bytes of one row of `n` values feeding a GEMM: FP8 + 1×128 scales when the
// weights are FP8 (DeepGEMM), BF16 otherwise (weight-only Int4/Nvfp4 and BF16 GEMMs).
double gemm_input_row_bytes(int64_t n, bool quantized, Precision weight_precision) {
    return activation_row_bytes(n, quantized ? weight_precision : Precision::Bf16);
}

} // namespace

int64_t tp_local_count(int64_t n, int tp_size) {
    const int64_t shards = std::min<int64_t>(tp_size, n);
    return (n + shards - 1) / shards;
}

double token_rows(const OpShape& s) {
    return double(s.num_tokens);
}
double expert_rows(const OpShape& s) {
    return double(s.num_local_experts) * double(s.tokens_per_expert);
}

OpSpec make_gemm(const GemmParams& p) {
    OpSpec op;
    op.name                  = p.name;
    op.kind                  = p.grouped ? OpKind::GroupedGemm : OpKind::Gemm;
    op.role                  = p.role;
    op.in_features           = p.in_features;
    op.out_features          = p.out_features;
    op.params_per_instance   = p.in_features * p.out_features;
    op.instances_per_layer   = p.instances;
    op.max_tp_shards         = p.max_tp_shards;
    op.tp_splits_in_features = p.tp_splits_in;
    op.quantized             = p.quantized;

    const OpSpec meta  = op; // captured by value: no std::function members yet
    const RowsFn rows  = p.rows;
    const bool grouped = p.grouped;
    const auto local   = [meta](const OpShape& s) {
        const int64_t shards = std::min<int64_t>(s.attn_tp_size, meta.max_tp_shards);
        int64_t in = meta.in_features, out = meta.out_features;
        (meta.tp_splits_in_features ? in : out) = ((meta.tp_splits_in_features ? in : out) + shards - 1) / shards;
        return std::pair<int64_t, int64_t>{in, out};
    };
    // Weight reads per step: grouped GEMMs read one matrix per local expert, dense GEMMs every instance.
    const auto weight_runs = [meta, grouped](const OpShape& s) {
        return grouped ? double(s.num_local_experts) : double(meta.instances_per_layer);
    };
    const auto row_runs = [meta, grouped](const OpShape&) { return grouped ? 1.0 : double(meta.instances_per_layer); };

    op.flops = [local, rows, row_runs](const OpShape& s) {
        const auto [in, out] = local(s);
        return 2.0 * rows(s) * row_runs(s) * double(in) * double(out);
    };
    op.bytes = [meta, local, rows, weight_runs, row_runs](const OpShape& s) {
        const auto [in, out] = local(s);
        const double r       = rows(s) * row_runs(s);
        return weight_runs(s) * double(instance_weight_bytes(meta, s.weight_precision, s.attn_tp_size)) +
               r * gemm_input_row_bytes(in, meta.quantized, s.weight_precision) + r * double(out) * 2.0;
    };
    return op;
}

OpSpec make_norm(std::string name, int64_t dim, int64_t rows_per_token, int64_t max_tp_shards) {
    OpSpec op;
    op.name                = std::move(name);
    op.kind                = OpKind::Norm;
    op.role                = WeightRole::Norm;
    op.params_per_instance = dim;
    const auto values      = [=](const OpShape& s) {
        const int64_t shards = std::min<int64_t>(s.attn_tp_size, max_tp_shards);
        return double(s.num_tokens) * double(rows_per_token / shards) * double(dim);
    };
    op.flops = [=](const OpShape& s) { return 4.0 * values(s); };
    op.bytes = [=](const OpShape& s) { return 2.0 * 2.0 * values(s) + 2.0 * double(dim); };
    return op;
}

bool fp8_weights(const OpShape& s) {
    return s.weight_precision == Precision::Fp8E4m3;
}

OpSpec make_cast(std::string name, DimFn dim, RowsFn rows, NeedsFp8Fn needed) {
    OpSpec op;
    op.name  = std::move(name);
    op.kind  = OpKind::Cast;
    op.role  = WeightRole::None;
    op.flops = [=](const OpShape& s) { return needed(s) ? 3.0 * rows(s) * dim(s) : 0.0; };
    op.bytes = [=](const OpShape& s) {
        if (!needed(s)) return 0.0;
        const double d = dim(s);
        return rows(s) * (2.0 * d + activation_row_bytes(int64_t(d), Precision::Fp8E4m3));
    };
    return op;
}

OpSpec make_scale_transpose(std::string name, DimFn dim, RowsFn rows, NeedsFp8Fn needed) {
    OpSpec op;
    op.name  = std::move(name);
    op.kind  = OpKind::Transpose;
    op.role  = WeightRole::None;
    op.flops = [](const OpShape&) { return 0.0; };
    op.bytes = [=](const OpShape& s) {
        if (!needed(s)) return 0.0;
        const double blocks = std::ceil(dim(s) / 128.0);
        return rows(s) * blocks * 4.0 * 2.0;
    };
    return op;
}

OpSpec make_swiglu(std::string name, int64_t inter, int64_t instances, RowsFn rows) {
    OpSpec op;
    op.name  = std::move(name);
    op.kind  = OpKind::Elementwise;
    op.role  = WeightRole::None;
    op.flops = [=](const OpShape& s) { return 5.0 * rows(s) * double(instances) * double(inter); };
    op.bytes = [=](const OpShape& s) {
        const double r = rows(s) * double(instances);
        return r * (2.0 * double(inter) * 2.0 + activation_row_bytes(inter, s.weight_precision));
    };
    return op;
}

std::vector<OpSpec> make_embedding_ops(const ModelSpec& m) {
    OpSpec op;
    op.name                = "embed";
    op.kind                = OpKind::Embedding;
    op.role                = WeightRole::Embedding;
    op.in_features         = m.hidden_size;
    op.out_features        = m.vocab_size;
    op.params_per_instance = m.hidden_size * m.vocab_size;
    op.max_tp_shards       = m.vocab_size; // vocab-parallel when attention TP > 1
    const int64_t h        = m.hidden_size;
    op.flops               = [](const OpShape&) { return 0.0; };
    op.bytes = [h](const OpShape& s) { return 2.0 * double(s.num_tokens) * double(h) * 2.0; }; // gather + write
    return {op};
}

namespace {

// Logit rows: every token in decode (MTP drafts are verified), only each request's last token in prefill.
double logit_rows(const OpShape& s) {
    return s.phase == Phase::Prefill ? double(s.num_requests) : double(s.num_tokens);
}

OpSpec lm_head(const ModelSpec& m) {
    OpSpec head = make_gemm({.name          = "lm_head",
                             .role          = WeightRole::Head,
                             .in_features   = m.hidden_size,
                             .out_features  = m.vocab_size,
                             .quantized     = false, // BF16 in DeepSeek's FP8 checkpoint
                             .max_tp_shards = m.vocab_size,
                             .rows          = logit_rows});
    if (m.tie_embeddings) head.params_per_instance = 0; // shares the embedding matrix
    return head;
}

// Sampling from the logits of each row (softmax, then top-p): the BF16 logits the head wrote are
// read twice (max and exp-sum in one pass, normalise and select in a second), fp32 probabilities
// written once and read once for the top-p draw: 2·2 + 4 + 4 = 12 B per vocabulary entry;
// ~5 FLOPs per entry (subtract, exp, add, divide, compare). Vocab-parallel under attention TP.
// No published per-kernel figure: the bytes are the kernel's minimum, timed as elementwise.
OpSpec sampling(const ModelSpec& m) {
    OpSpec op;
    op.name         = "sampling";
    op.kind         = OpKind::Sampling;
    op.role         = WeightRole::None;
    const int64_t v = m.vocab_size;
    const auto vals = [v](const OpShape& s) { return logit_rows(s) * double(tp_local_count(v, s.attn_tp_size)); };
    op.flops        = [vals](const OpShape& s) { return 5.0 * vals(s); };
    op.bytes        = [vals](const OpShape& s) { return 12.0 * vals(s); };
    return op;
}

} // namespace

std::vector<OpSpec> make_head_ops(const ModelSpec& m) {
    return {make_norm("final_norm", m.hidden_size), lm_head(m), sampling(m)};
}

std::vector<OpSpec> make_mtp_ops(const ModelSpec& m) {
    if (m.num_mtp_modules == 0) return {};
    // DeepSeek-V3 MTP module (model.layers.61): enorm(embedding of the next token) and hnorm(the main
    // model's last hidden state), concatenated and projected by eh_proj [hidden, 2·hidden]; then one
    // full layer with MLA and its own MoE (moe_layer_ops); then mtp_head_ops. eh_proj is counted
    // BF16 (assumption: kept unquantised like the head), so it needs no FP8 cast.
    return {make_norm("mtp_enorm", m.hidden_size), make_norm("mtp_hnorm", m.hidden_size),
            make_gemm({.name         = "mtp_eh_proj",
                       .role         = WeightRole::Mtp,
                       .in_features  = 2 * m.hidden_size,
                       .out_features = m.hidden_size,
                       .quantized    = false})};
}

std::vector<OpSpec> make_mtp_head_ops(const ModelSpec& m) {
    if (m.num_mtp_modules == 0) return {};
    // shared_head.norm, then the main model's lm_head (no weights of its own: counted once, in
    // head_ops) and the draft's sampling.
    OpSpec head              = lm_head(m);
    head.params_per_instance = 0;
    return {make_norm("mtp_final_norm", m.hidden_size), std::move(head), sampling(m)};
}

} // namespace moetwin
