// SPDX-License-Identifier: Apache-2.0
// MLA prefill attention: boundary checks and the CPU reference (softmax(q·kᵀ·scale)·v per head, causal).
#include "engine/kernels/mla_prefill.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <vector>

namespace moetwin::kernels {

void validate(const MlaPrefillParams& p) {
    const char* op = "mla_prefill";
    require(p.batch >= 1, op, field("batch", p.batch) + ": must be >= 1");
    require(p.num_heads >= 1, op, field("num_heads", p.num_heads) + ": must be >= 1");
    require(p.total_q >= 0 && p.total_kv >= p.total_q, op,
            field("total_q", p.total_q) + ", " + field("total_kv", p.total_kv) + ": need 0 <= total_q <= total_kv");
    require(p.max_seqlen_q >= 0 && p.max_seqlen_q <= p.total_q, op,
            field("max_seqlen_q", p.max_seqlen_q) + ": must be in [0, total_q]");
    require(p.cu_seqlens_q && p.cu_seqlens_kv, op, "cu_seqlens_q and cu_seqlens_kv are required");
    require(p.q && p.kv && p.k_rope && p.out, op, "q, kv, k_rope and out are required");
    require(p.softmax_scale > 0, op, "softmax_scale must be > 0");
    require(p.q_stride_head >= MlaPrefillParams::kHeadDimQk && p.q_stride_tok() >= p.num_heads * p.q_stride_head, op,
            "q strides too small for [heads, 192]");
    require(p.kv_stride_head >= MlaPrefillParams::kNope + MlaPrefillParams::kHeadDimV &&
                p.kv_stride_tok() >= p.num_heads * p.kv_stride_head,
            op, "kv strides too small for [heads, 256]");
    require(p.k_rope_stride >= MlaPrefillParams::kRope, op,
            field("k_rope_stride", p.k_rope_stride) + ": must be >= 64");
    require(p.out_stride_head >= MlaPrefillParams::kHeadDimV && p.out_stride_tok() >= p.num_heads * p.out_stride_head,
            op, "out strides too small for [heads, 128]");
    // The kernel reads bf16 pairs (4-byte words): even strides.
    require(p.q_stride_tok() % 2 == 0 && p.q_stride_head % 2 == 0 && p.kv_stride_tok() % 2 == 0 &&
                p.kv_stride_head % 2 == 0 && p.k_rope_stride % 2 == 0 && p.out_stride_tok() % 2 == 0 &&
                p.out_stride_head % 2 == 0,
            op, "strides must be even");
}

void mla_prefill_ref(const MlaPrefillParams& p) {
    validate(p);
    constexpr int kNope = MlaPrefillParams::kNope, kRope = MlaPrefillParams::kRope, kV = MlaPrefillParams::kHeadDimV;
    require(p.cu_seqlens_q[0] == 0 && p.cu_seqlens_kv[0] == 0, "mla_prefill", "cu_seqlens must start at 0");
    require(p.cu_seqlens_q[p.batch] == p.total_q && p.cu_seqlens_kv[p.batch] == p.total_kv, "mla_prefill",
            "cu_seqlens must end at total_q / total_kv");
    std::vector<double> score, acc(kV);
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t q0 = p.cu_seqlens_q[b], q_len = p.cu_seqlens_q[b + 1] - q0;
        const int64_t k0 = p.cu_seqlens_kv[b], kv_len = p.cu_seqlens_kv[b + 1] - k0;
        require(q_len >= 0 && q_len <= kv_len, "mla_prefill",
                "request " + std::to_string(b) + ": need 0 <= q_len <= kv_len");
        require(q_len <= p.max_seqlen_q, "mla_prefill", "request " + std::to_string(b) + ": q_len > max_seqlen_q");
        for (int64_t h = 0; h < p.num_heads; ++h)
            for (int64_t i = 0; i < q_len; ++i) {
                const bf16_t* q     = p.q + (q0 + i) * p.q_stride_tok() + h * p.q_stride_head;
                const int64_t n_key = p.causal ? kv_len - q_len + i + 1 : kv_len;
                score.assign(size_t(n_key), 0.0);
                double mx = -std::numeric_limits<double>::infinity();
                for (int64_t j = 0; j < n_key; ++j) {
                    const bf16_t* k  = p.kv + (k0 + j) * p.kv_stride_tok() + h * p.kv_stride_head;
                    const bf16_t* kr = p.k_rope + (k0 + j) * p.k_rope_stride;
                    double dot       = 0;
                    for (int d = 0; d < kNope; ++d)
                        dot += double(to_float(q[d])) * double(to_float(k[d]));
                    for (int d = 0; d < kRope; ++d)
                        dot += double(to_float(q[kNope + d])) * double(to_float(kr[d]));
                    score[size_t(j)] = dot * p.softmax_scale;
                    mx               = std::max(mx, score[size_t(j)]);
                }
                double sum = 0;
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int64_t j = 0; j < n_key; ++j) {
                    const double w  = std::exp(score[size_t(j)] - mx);
                    const bf16_t* v = p.kv + (k0 + j) * p.kv_stride_tok() + h * p.kv_stride_head + kNope;
                    sum += w;
                    for (int d = 0; d < kV; ++d)
                        acc[size_t(d)] += w * double(to_float(v[d]));
                }
                bf16_t* o = p.out + (q0 + i) * p.out_stride_tok() + h * p.out_stride_head;
                for (int d = 0; d < kV; ++d)
                    o[d] = to_bf16(n_key > 0 ? float(acc[size_t(d)] / sum) : 0.0f);
                if (p.lse)
                    p.lse[(q0 + i) * p.num_heads + h] =
                        n_key > 0 ? float(mx + std::log(sum)) : -std::numeric_limits<float>::infinity();
            }
    }
}

std::ostream& operator<<(std::ostream& out, const MlaPrefillParams& p) {
    return out << "MlaPrefill{batch=" << p.batch << " heads=" << p.num_heads << " total_q=" << p.total_q
               << " total_kv=" << p.total_kv << " max_q=" << p.max_seqlen_q << " causal=" << p.causal << "}";
}

} // namespace moetwin::kernels
