// SPDX-License-Identifier: Apache-2.0
#include "engine/model_flops.hpp"

#include "common/errors.hpp"

#include <string>

namespace moetwin {
namespace {

double list_flops(const std::vector<OpSpec>& ops, const OpShape& s) {
    double f = 0;
    for (const OpSpec& op : ops)
        if (op.kind != OpKind::Communication && runs_in(op, s.phase) && op.flops) f += op.flops(s);
    return f;
}

} // namespace

double forward_flops_per_token(const ModelSpec& m, int64_t seq_len) {
    if (seq_len < 1) throw ConfigError("sequence length must be >= 1, got " + std::to_string(seq_len));
    // One sequence as a prefill shape: every token a query over its causal context. FLOPs are linear in
    // rows, so the routed experts' seq_len × top_k rows are given as one group of that many rows.
    OpShape s;
    s.phase                    = Phase::Prefill;
    s.num_tokens               = seq_len;
    s.num_requests             = 1;
    s.kv_len                   = seq_len;
    s.query_tokens_per_request = seq_len;
    s.num_local_experts        = 1;
    s.tokens_per_expert        = seq_len * m.top_k;
    // The head of a serving prefill step runs on each request's last token only; in training every
    // token is predicted, so the head is counted at one row per token (a decode-shaped question).
    OpShape per_token  = s;
    per_token.phase    = Phase::Decode;
    const double total = list_flops(m.embedding_ops, s) + m.num_dense_layers * list_flops(m.dense_layer_ops, s) +
                         m.num_moe_layers() * list_flops(m.moe_layer_ops, s) + list_flops(m.head_ops, per_token);
    return total / double(seq_len);
}

double training_flops_per_token(const ModelSpec& m, int64_t seq_len) {
    return 3.0 * forward_flops_per_token(m, seq_len);
}

} // namespace moetwin
