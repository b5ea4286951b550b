// SPDX-License-Identifier: Apache-2.0
// Training ops derived from the forward op lists (training_ops.hpp has the formulas).
#include "engine/training_ops.hpp"

#include "engine/layer_ops.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string>

namespace moetwin {
namespace {

// Longest first: "_dgrad_input_cast" before "_dgrad".
constexpr std::array<std::string_view, 11> kSuffixes = {"_dgrad_input_transpose",
                                                        "_dgrad_input_cast",
                                                        "_wgrad_input_cast",
                                                        "_wgrad_grad_cast",
                                                        "_weight_transpose",
                                                        "_output_cast_back",
                                                        "_output_cache",
                                                        "_recompute",
                                                        "_dgrad",
                                                        "_wgrad",
                                                        "_bwd"};

// DeepSeek-V3 tech report §3.3.3: the MLA up-projections are recomputed in the backward pass.
constexpr std::array<std::string_view, 2> kRecomputedGemms = {"q_b_proj", "kv_b_proj"};

bool is_gemm(const OpSpec& op) {
    return op.kind == OpKind::Gemm || op.kind == OpKind::GroupedGemm || op.kind == OpKind::Gate;
}

// Rows through one instance of a forward GEMM at `s` (at attention TP 1): flops / (2·in·out·instances run).
double gemm_rows(const OpSpec& fwd, OpShape s) {
    s.attn_tp_size        = 1;
    const double per_rows = 2.0 * double(fwd.in_features) * double(fwd.out_features) *
                            (fwd.kind == OpKind::GroupedGemm ? 1.0 : double(fwd.instances_per_layer));
    return fwd.flops(s) / per_rows;
}

OpSpec tagged(OpSpec op, std::string name, OpPass pass) {
    op.name          = std::move(name);
    op.pass          = pass;
    op.role          = WeightRole::None;
    op.max_tp_shards = 1;
    return op;
}

OpSpec dgrad(const OpSpec& fwd) {
    const OpSpec meta = fwd; // captured by value
    OpSpec op         = make_gemm({.name         = fwd.name + "_dgrad",
                                   .in_features  = fwd.out_features,
                                   .out_features = fwd.in_features,
                                   .quantized    = fwd.quantized,
                                   .instances    = fwd.instances_per_layer,
                                   .grouped      = fwd.kind == OpKind::GroupedGemm,
                                   .rows         = [meta](const OpShape& s) { return gemm_rows(meta, s); }});
    return tagged(std::move(op), fwd.name + "_dgrad", OpPass::InputGrad);
}

OpSpec wgrad(const OpSpec& fwd) {
    const OpSpec meta  = fwd;
    const bool grouped = fwd.kind == OpKind::GroupedGemm;
    OpSpec op          = fwd;
    op.kind            = grouped ? OpKind::GroupedGemm : OpKind::Gemm;
    op.only_in.reset();
    const double weights = double(fwd.in_features) * double(fwd.out_features);
    const auto runs      = [meta, grouped](const OpShape& s) {
        return grouped ? double(s.num_local_experts) : double(meta.instances_per_layer);
    };
    op.flops = [meta, grouped](const OpShape& s) {
        return 2.0 * gemm_rows(meta, s) * (grouped ? 1.0 : double(meta.instances_per_layer)) *
               double(meta.in_features) * double(meta.out_features);
    };
    op.bytes = [meta, grouped, weights, runs](const OpShape& s) {
        const Precision p = meta.quantized ? s.weight_precision : Precision::Bf16;
        const double rows = gemm_rows(meta, s) * (grouped ? 1.0 : double(meta.instances_per_layer));
        return rows * (activation_row_bytes(meta.in_features, p) + activation_row_bytes(meta.out_features, p)) +
               runs(s) * weights * 8.0;
    };
    op.gemm_dims = [meta, grouped](const OpShape& s) {
        const double rows = gemm_rows(meta, s);
        return GemmDims{.groups = grouped ? s.num_local_experts : meta.instances_per_layer,
                        .m      = meta.out_features,
                        .n      = meta.in_features,
                        .k      = int64_t(grouped ? double(s.tokens_per_expert) : rows)};
    };
    return tagged(std::move(op), fwd.name + "_wgrad", OpPass::WeightGrad);
}

OpSpec scaled(const OpSpec& fwd, std::string suffix, OpPass pass, double flop_scale, double byte_scale) {
    OpSpec op              = tagged(fwd, fwd.name + suffix, pass);
    const auto f           = fwd.flops;
    const auto b           = fwd.bytes;
    op.flops               = [f, flop_scale](const OpShape& s) { return flop_scale * f(s); };
    op.bytes               = [b, byte_scale](const OpShape& s) { return byte_scale * b(s); };
    op.params_per_instance = 0;
    return op;
}

void add_training_ops(const OpSpec& fwd, std::vector<OpSpec>& out) {
    const bool swiglu = fwd.name.ends_with("swiglu");
    if (is_gemm(fwd)) {
        if (std::find(kRecomputedGemms.begin(), kRecomputedGemms.end(), fwd.name) != kRecomputedGemms.end())
            out.push_back(scaled(fwd, "_recompute", OpPass::Recompute, 1.0, 1.0));
        out.push_back(dgrad(fwd));
        out.push_back(wgrad(fwd));
    } else if (fwd.kind == OpKind::Attention && fwd.only_in == Phase::Prefill) {
        out.push_back(scaled(fwd, "_bwd", OpPass::InputGrad, 2.5, 2.0));
    } else if (fwd.kind == OpKind::Norm) {
        out.push_back(scaled(fwd, "_recompute", OpPass::Recompute, 1.0, 1.0));
        out.push_back(scaled(fwd, "_bwd", OpPass::InputGrad, 2.0, 1.5));
    } else if (swiglu) {
        out.push_back(scaled(fwd, "_bwd", OpPass::InputGrad, 2.0, 2.0));
    }
}

} // namespace

std::vector<OpSpec> make_training_ops(const ModelSpec& model) {
    std::vector<OpSpec> out;
    std::set<std::string> seen;
    for (const auto* list : {&model.moe_layer_ops, &model.dense_layer_ops})
        for (const OpSpec& op : *list) {
            if (!seen.insert(op.name).second) continue;
            add_training_ops(op, out);
        }
    for (OpSpec& op : make_training_glue_ops(model))
        if (seen.insert(op.name).second) out.push_back(std::move(op));
    return out;
}

std::string_view forward_op_of(std::string_view name) {
    for (std::string_view suffix : kSuffixes)
        if (name.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
    return name;
}

} // namespace moetwin
