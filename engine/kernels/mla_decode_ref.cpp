// SPDX-License-Identifier: Apache-2.0
// MLA decode attention: boundary checks, split planning and the CPU reference on the paged latent cache.
#include "engine/kernels/mla_decode.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <vector>

namespace moetwin::kernels {

int64_t mla_decode_heads_per_block(const MlaDecodeParams& p) {
    // One warp per (query token, head); at most 16 warps (512 threads) per block.
    for (int64_t hpb : {16, 8, 4, 2, 1})
        if (p.num_heads % hpb == 0 && hpb * p.seqlen_q <= 16) return hpb;
    return 1;
}

int64_t mla_decode_plan_splits(const MlaDecodeParams& p, int num_sms) {
    const int64_t groups  = p.batch * (p.num_heads / mla_decode_heads_per_block(p));
    const int64_t tiles   = ceil_div(std::max<int64_t>(p.max_seqlen_kv, 1), MlaDecodeParams::kTileTokens);
    const int64_t wanted  = ceil_div(2 * int64_t(std::max(num_sms, 1)), std::max<int64_t>(groups, 1));
    const int64_t by_work = std::max<int64_t>(tiles / 4, 1); // keep >= 4 tiles (128 keys) per split
    return std::clamp<int64_t>(std::min(wanted, by_work), 1, 64);
}

size_t mla_decode_workspace_bytes(const MlaDecodeParams& p) {
    if (p.num_splits <= 1) return 0;
    const int64_t rows = p.batch * p.seqlen_q * p.num_heads * p.num_splits;
    return size_t(rows) * (MlaDecodeParams::kHeadDimV + 1) * sizeof(float); // partial out + lse per split
}

void validate(const MlaDecodeParams& p) {
    const char* op = "mla_decode";
    require(p.batch >= 1, op, field("batch", p.batch) + ": must be >= 1");
    require(p.seqlen_q == 1 || p.seqlen_q == 2, op, field("seqlen_q", p.seqlen_q) + ": must be 1 or 2 (MTP)");
    require(p.num_heads >= 1, op, field("num_heads", p.num_heads) + ": must be >= 1");
    require(p.q && p.kv_cache && p.block_table && p.cache_seqlens && p.out, op,
            "q, kv_cache, block_table, cache_seqlens and out are required");
    require(p.page_size >= MlaDecodeParams::kTileTokens && p.page_size % MlaDecodeParams::kTileTokens == 0, op,
            field("page_size", p.page_size) + ": must be a multiple of 32");
    require(p.num_blocks >= 1 && p.max_blocks_per_seq >= 1, op, "num_blocks and max_blocks_per_seq must be >= 1");
    require(p.max_seqlen_kv >= p.seqlen_q && p.max_seqlen_kv <= p.max_blocks_per_seq * p.page_size, op,
            field("max_seqlen_kv", p.max_seqlen_kv) + ": must be in [seqlen_q, max_blocks_per_seq * page_size]");
    require(p.softmax_scale > 0, op, "softmax_scale must be > 0");
    require(p.num_splits >= 1 && p.num_splits <= 64, op, field("num_splits", p.num_splits) + ": must be in [1, 64]");
    if (p.num_splits > 1)
        require(p.workspace != nullptr && p.workspace_bytes >= mla_decode_workspace_bytes(p), op,
                "num_splits > 1 needs a workspace of mla_decode_workspace_bytes() = " +
                    std::to_string(mla_decode_workspace_bytes(p)) + " bytes");
}

void mla_decode_ref(const MlaDecodeParams& p) {
    validate(p);
    constexpr int kQk = MlaDecodeParams::kHeadDimQk, kV = MlaDecodeParams::kHeadDimV;
    std::vector<double> score, acc(kV);
    for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t seqlen = p.cache_seqlens[b];
        require(seqlen >= p.seqlen_q && seqlen <= p.max_seqlen_kv, "mla_decode",
                "cache_seqlens[" + std::to_string(b) + "] = " + std::to_string(seqlen) +
                    ": must be in [seqlen_q, max_seqlen_kv]");
        const auto key = [&](int64_t j) {
            const int32_t page = p.block_table[b * p.max_blocks_per_seq + j / p.page_size];
            require(page >= 0 && page < p.num_blocks, "mla_decode", "block_table entry out of range");
            return p.kv_cache + (int64_t(page) * p.page_size + j % p.page_size) * kQk;
        };
        for (int64_t i = 0; i < p.seqlen_q; ++i)
            for (int64_t h = 0; h < p.num_heads; ++h) {
                const bf16_t* q     = p.q + ((b * p.seqlen_q + i) * p.num_heads + h) * kQk;
                const int64_t n_key = p.causal ? seqlen - p.seqlen_q + i + 1 : seqlen;
                score.assign(size_t(n_key), 0.0);
                double mx = -std::numeric_limits<double>::infinity();
                for (int64_t j = 0; j < n_key; ++j) {
                    const bf16_t* k = key(j);
                    double dot      = 0;
                    for (int d = 0; d < kQk; ++d)
                        dot += double(to_float(q[d])) * double(to_float(k[d]));
                    score[size_t(j)] = dot * p.softmax_scale;
                    mx               = std::max(mx, score[size_t(j)]);
                }
                double sum = 0;
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int64_t j = 0; j < n_key; ++j) {
                    const double w  = std::exp(score[size_t(j)] - mx);
                    const bf16_t* v = key(j); // the value is the latent part of the same cache row
                    sum += w;
                    for (int d = 0; d < kV; ++d)
                        acc[size_t(d)] += w * double(to_float(v[d]));
                }
                bf16_t* o = p.out + ((b * p.seqlen_q + i) * p.num_heads + h) * kV;
                for (int d = 0; d < kV; ++d)
                    o[d] = to_bf16(float(acc[size_t(d)] / sum));
                if (p.lse) p.lse[(b * p.seqlen_q + i) * p.num_heads + h] = float(mx + std::log(sum));
            }
    }
}

std::ostream& operator<<(std::ostream& out, const MlaDecodeParams& p) {
    return out << "MlaDecode{batch=" << p.batch << " s_q=" << p.seqlen_q << " heads=" << p.num_heads
               << " max_seqlen_kv=" << p.max_seqlen_kv << " page=" << p.page_size << " splits=" << p.num_splits
               << " causal=" << p.causal << "}";
}

} // namespace moetwin::kernels
