// SPDX-License-Identifier: Apache-2.0
// OpShape validation, per-instance weight bytes and printing of ops.
#include "engine/op_spec.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace moetwin {
namespace {

void require(bool ok, std::string_view field, int64_t value, std::string_view expected) {
    if (!ok)
        throw ConfigError("op shape: " + std::string(field) + " = " + std::to_string(value) + ": must be " +
                          std::string(expected));
}

} // namespace

void OpShape::validate() const {
    require(num_tokens >= 0, "num_tokens", num_tokens, ">= 0");
    require(num_requests >= 0, "num_requests", num_requests, ">= 0");
    require(kv_len >= 0, "kv_len", kv_len, ">= 0");
    require(query_tokens_per_request >= 1, "query_tokens_per_request", query_tokens_per_request, ">= 1");
    require(query_tokens_per_request <= std::max<int64_t>(kv_len, 1), "query_tokens_per_request",
            query_tokens_per_request, "<= kv_len (the new tokens are part of the context)");
    require(num_local_experts >= 0, "num_local_experts", num_local_experts, ">= 0");
    require(tokens_per_expert >= 0, "tokens_per_expert", tokens_per_expert, ">= 0");
    require(received_tokens >= 0, "received_tokens", received_tokens, ">= 0");
    require(attn_tp_size >= 1, "attn_tp_size", attn_tp_size, ">= 1");
}

bool runs_in(const OpSpec& op, Phase phase) {
    return !op.only_in || *op.only_in == phase;
}

int64_t instance_weight_bytes(const OpSpec& op, Precision weight_precision, int attn_tp_size) {
    MOETWIN_ASSERT(attn_tp_size >= 1, "attn_tp_size must be >= 1");
    const int64_t shards = std::min<int64_t>(attn_tp_size, std::max<int64_t>(op.max_tp_shards, 1));
    const Precision p    = op.quantized ? weight_precision : Precision::Bf16;
    if (op.params_per_instance == 0) return 0; // no weights, or tied to another op's
    if (op.in_features > 0 && op.out_features > 0) {
        int64_t in                            = op.in_features;
        int64_t out                           = op.out_features;
        (op.tp_splits_in_features ? in : out) = ((op.tp_splits_in_features ? in : out) + shards - 1) / shards;
        const int64_t extra = std::max<int64_t>(op.params_per_instance - op.in_features * op.out_features, 0);
        return matrix_bytes(in, out, p) + extra * 4; // extra vectors beside a matrix: fp32 (gate bias)
    }
    return (op.params_per_instance + shards - 1) / shards * 2; // vectors (norms, biases): BF16
}

std::string_view to_string(OpKind kind) {
    switch (kind) {
    case OpKind::Embedding:
        return "embedding";
    case OpKind::Norm:
        return "norm";
    case OpKind::Gemm:
        return "gemm";
    case OpKind::GroupedGemm:
        return "grouped_gemm";
    case OpKind::Attention:
        return "attention";
    case OpKind::Elementwise:
        return "elementwise";
    case OpKind::Gate:
        return "gate";
    case OpKind::Communication:
        return "communication";
    case OpKind::Cast:
        return "cast";
    case OpKind::Transpose:
        return "transpose";
    case OpKind::Rotary:
        return "rotary";
    case OpKind::Permute:
        return "permute";
    case OpKind::Reduce:
        return "reduce";
    case OpKind::Sampling:
        return "sampling";
    }
    return "?";
}

std::string_view to_string(WeightRole role) {
    switch (role) {
    case WeightRole::None:
        return "none";
    case WeightRole::Embedding:
        return "embedding";
    case WeightRole::Attention:
        return "attention";
    case WeightRole::Norm:
        return "norm";
    case WeightRole::DenseFfn:
        return "dense_ffn";
    case WeightRole::Gate:
        return "gate";
    case WeightRole::RoutedExpert:
        return "routed_expert";
    case WeightRole::SharedExpert:
        return "shared_expert";
    case WeightRole::Mtp:
        return "mtp";
    case WeightRole::Head:
        return "head";
    }
    return "?";
}

std::string_view to_string(OpPass pass) {
    switch (pass) {
    case OpPass::Forward:
        return "forward";
    case OpPass::Recompute:
        return "recompute";
    case OpPass::InputGrad:
        return "input_grad";
    case OpPass::WeightGrad:
        return "weight_grad";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& out, const OpShape& s) {
    return out << "OpShape{phase=" << to_string(s.phase) << " num_tokens=" << s.num_tokens
               << " num_requests=" << s.num_requests << " kv_len=" << s.kv_len
               << " query_tokens_per_request=" << s.query_tokens_per_request
               << " num_local_experts=" << s.num_local_experts << " tokens_per_expert=" << s.tokens_per_expert
               << " received_tokens=" << s.received_tokens << " attn_tp_size=" << s.attn_tp_size
               << " weight_precision=" << to_string(s.weight_precision) << " kv_precision=" << to_string(s.kv_precision)
               << " dispatch_precision=" << to_string(s.dispatch_precision) << "}";
}

std::ostream& operator<<(std::ostream& out, const OpSpec& op) {
    out << "OpSpec{" << op.name << " kind=" << to_string(op.kind) << " role=" << to_string(op.role);
    if (op.in_features > 0) out << " weight=[" << op.out_features << "x" << op.in_features << "]";
    out << " params_per_instance=" << op.params_per_instance << " instances=" << op.instances_per_layer;
    if (op.max_tp_shards > 1) out << " tp_shards<=" << op.max_tp_shards;
    if (op.quantized) out << " quantized";
    if (op.only_in) out << " only_in=" << to_string(*op.only_in);
    if (op.normal_comm_only) out << " normal_comm_only";
    return out << "}";
}

} // namespace moetwin
