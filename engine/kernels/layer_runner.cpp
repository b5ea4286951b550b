// SPDX-License-Identifier: Apache-2.0
// LayerRunner: buffers for one layer at one shape and the named op list (see layer_runner.hpp).
#include "engine/kernels/layer_runner.hpp"

#include "common/errors.hpp"
#include "engine/kernels/ffn.hpp"
#include "engine/kernels/fill.cuh"
#include "engine/kernels/grouped_gemm.cuh"
#include "engine/kernels/mla_decode.cuh"
#include "engine/kernels/mla_prefill.cuh"
#include "engine/kernels/moe_gate.cuh"
#include "engine/kernels/moe_permute.cuh"
#include "engine/kernels/quantize_fp8.cuh"
#include "engine/kernels/rms_norm.cuh"
#include "engine/kernels/swiglu.cuh"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>

namespace moetwin::kernels {

void LayerShape::validate() const {
    const auto need = [](bool ok, const char* f, int64_t v, const char* what) {
        if (!ok) throw ConfigError(std::string("layer shape: ") + f + " = " + std::to_string(v) + ": must be " + what);
    };
    need(num_requests >= 1, "num_requests", num_requests, ">= 1");
    need(query_tokens >= 1, "query_tokens", query_tokens, ">= 1");
    need(phase == Phase::Prefill || query_tokens <= 2, "query_tokens", query_tokens, "1 or 2 in decode (MTP)");
    need(kv_len >= query_tokens, "kv_len", kv_len, ">= query_tokens");
    need(num_local_experts >= 1, "num_local_experts", num_local_experts, ">= 1");
    need(tokens_per_expert >= 1, "tokens_per_expert", tokens_per_expert, ">= 1");
    need(page_size >= 32 && page_size % 32 == 0, "page_size", page_size, "a multiple of 32");
}

std::ostream& operator<<(std::ostream& out, const LayerShape& s) {
    return out << "LayerShape{" << to_string(s.phase) << (s.moe ? " moe" : " dense") << " requests=" << s.num_requests
               << " query_tokens=" << s.query_tokens << " kv_len=" << s.kv_len
               << " local_experts=" << s.num_local_experts << " tokens_per_expert=" << s.tokens_per_expert << "}";
}

namespace {

// An activation in the GEMM input format: BF16, or FP8 with 1×128 tile scales.
struct Act {
    DeviceBuffer<uint8_t> data;
    DeviceBuffer<float> scales;
    int64_t rows = 0, cols = 0;
    bool fp8 = false;
    Act()    = default;
    Act(int64_t r, int64_t c, bool f) : data(size_t(r * c * (f ? 1 : 2))), rows(r), cols(c), fp8(f) {
        if (f) scales = DeviceBuffer<float>(size_t(r * (c / kQuantTile)));
    }
    bf16_t* bf16() const { return reinterpret_cast<bf16_t*>(data.get()); }
    fp8_e4m3_t* q() const { return reinterpret_cast<fp8_e4m3_t*>(data.get()); }
    size_t bytes() const { return data.bytes() + scales.bytes(); }
};

// Element counts of the per-set activations; shared by the allocation and the estimate.
struct Sizes {
    int64_t T = 0, Tkv = 0, R = 0, cap = 0;
    Sizes(const LayerDims& d, const LayerShape& s) {
        T   = s.num_tokens();
        Tkv = s.phase == Phase::Prefill ? s.num_requests * s.kv_len : 0;
        R   = s.moe ? s.num_local_experts * s.tokens_per_expert : 0;
        cap = s.moe ? std::max(T * d.top_k, s.num_local_experts * masked_rows(d, s)) : 0;
    }
    // Masked capacity per local expert for the permutation of the local batch (twice the mean, >= 16).
    static int64_t masked_rows(const LayerDims& d, const LayerShape& s) {
        return std::max<int64_t>(16, 2 * ceil_div(s.num_tokens() * d.top_k, s.num_local_experts));
    }
};

} // namespace

struct LayerRunner::State {
    const LayerWeights& w;
    LayerDims d;
    LayerShape shape;
    GemmContext& gemm;
    bool fp8;
    GemmDtype dtype;

    struct Set {
        DeviceBuffer<bf16_t> x, q_a, q, kv_a, kv, k_rope, o, q_mla, o_lat, attn_out, h_norm, gu, expert_out, s_gu,
            s_out, out;
        Act x_n, q_a_n, latent, c_kv, o_in, h_q, recv, act, s_act;
        DeviceBuffer<float> logits, topk_w;
        DeviceBuffer<int32_t> topk_ids;
        size_t bytes() const {
            size_t b = 0;
            for (const auto* buf : {&x, &q_a, &q, &kv_a, &kv, &k_rope, &o, &q_mla, &o_lat, &attn_out, &h_norm, &gu,
                                    &expert_out, &s_gu, &s_out, &out})
                b += buf->bytes();
            for (const auto* a : {&x_n, &q_a_n, &latent, &c_kv, &o_in, &h_q, &recv, &act, &s_act})
                b += a->bytes();
            return b + logits.bytes() + topk_w.bytes() + topk_ids.bytes();
        }
    };
    std::vector<Set> sets;

    // Shared: decode KV cache, prefill sequence lengths, permutation buffers.
    DeviceBuffer<bf16_t> kv_cache;
    DeviceBuffer<int32_t> block_table, cache_seqlens, cu_q, cu_kv;
    DeviceBuffer<uint8_t> mla_workspace;
    int64_t num_splits = 1, blocks_per_seq = 0;
    DeviceBuffer<bf16_t> x_perm;
    DeviceBuffer<int32_t> expert_map, counts, offsets, slot_rows, permute_ws;
    std::vector<int64_t> group_offsets; // host, contiguous expert rows (uniform tokens_per_expert)

    State(const LayerWeights& weights, const LayerShape& s, GemmContext& g)
        : w(weights), d(weights.dims()), shape(s), gemm(g), fp8(weights.dtype() == GemmDtype::Fp8E4m3),
          dtype(weights.dtype()) {}

    // ---- op bodies -------------------------------------------------------------------------------
    void norm(const bf16_t* x, int64_t rows, int64_t dim, int64_t x_stride, const DeviceBuffer<bf16_t>& weight,
              bf16_t* out_bf16, Act* out_act, cudaStream_t st) const {
        RmsNormParams p;
        p.num_rows = rows, p.dim = dim, p.x = x, p.x_row_stride = x_stride, p.weight = weight.get();
        p.out = out_bf16;
        if (out_act && out_act->fp8)
            p.out_fp8 = out_act->q(), p.out_fp8_scales = out_act->scales.get();
        else if (out_act)
            p.out = out_act->bf16();
        run_rms_norm(p, st);
    }
    void linear(const void* x, const float* x_scales, int64_t rows, const GemmWeight& wt, void* out,
                cudaStream_t st) const {
        GemmParams p;
        p.m = rows, p.n = wt.n, p.k = wt.k, p.dtype = dtype;
        p.x = x, p.w = wt.matrix(), p.d = out;
        if (fp8) p.x_scales = x_scales, p.w_scales = wt.scale();
        run_gemm(p, gemm, st);
    }
    void linear(const Act& x, const GemmWeight& wt, void* out, cudaStream_t st) const {
        linear(x.data.get(), x.scales.get(), x.rows, wt, out, st);
    }
    void quantize(const bf16_t* x, Act& out, cudaStream_t st) const {
        QuantizeFp8Params p;
        p.num_rows = out.rows, p.num_cols = out.cols, p.x = x, p.out = out.q(), p.scales = out.scales.get();
        run_quantize_fp8(p, st);
    }
    void swiglu(const bf16_t* gu, int64_t rows, int64_t inter, Act& out, int64_t segment_rows, cudaStream_t st) const {
        SwigluParams p;
        p.num_rows = rows, p.inter = inter, p.gate_up = gu;
        if (out.fp8) {
            p.out_fp8 = out.q(), p.out_fp8_scales = out.scales.get();
            p.scale_layout.segment_rows = segment_rows;
        } else {
            p.out = out.bf16();
        }
        run_swiglu(p, st);
    }
    void grouped(const Act& x, const GemmWeight& wt, bf16_t* out, cudaStream_t st) const {
        GroupedGemmParams p;
        p.layout     = shape.phase == Phase::Prefill ? ExpertLayout::Contiguous : ExpertLayout::Masked;
        p.num_groups = shape.num_local_experts, p.n = wt.n, p.k = wt.k, p.dtype = dtype;
        p.group_offsets = group_offsets.data(), p.max_m = shape.tokens_per_expert;
        p.x = x.data.get(), p.x_scales = fp8 ? x.scales.get() : nullptr;
        p.w = wt.matrix(), p.w_scales = wt.scale(), p.d = out;
        run_grouped_gemm(p, gemm, st);
    }
    // Decode absorption, query side: q_mla[:, h, 0:512] = q_nope[:, h]·W_UK[h] (W_UK[h] = kv_b rows h·256..+127,
    // read as [k=128, n=512]); then q_rope is copied beside it.
    void absorb_q(const Set& a, cudaStream_t st) const {
        const int64_t T = shape.num_tokens(), qk = d.nope + d.rope, per_head = d.nope + d.v_head;
        GemmParams p;
        p.m = T, p.n = d.kv_lora, p.k = d.nope, p.batch = d.heads, p.dtype = GemmDtype::Bf16;
        p.x = a.q.get(), p.ldx = d.heads * qk, p.batch_stride_x = qk;
        p.w = w.kv_b_bf16.get(), p.w_layout = WeightLayout::KN, p.ldw = d.kv_lora,
        p.batch_stride_w = per_head * d.kv_lora;
        p.d = a.q_mla.get(), p.ldd = d.heads * (d.kv_lora + d.rope), p.batch_stride_d = d.kv_lora + d.rope;
        run_gemm(p, gemm, st);
        CUDA_CHECK(cudaMemcpy2DAsync(a.q_mla.get() + d.kv_lora, size_t(d.kv_lora + d.rope) * 2, a.q.get() + d.nope,
                                     size_t(qk) * 2, size_t(d.rope) * 2, size_t(T * d.heads), cudaMemcpyDeviceToDevice,
                                     st));
    }
    // Decode absorption, output side: o[:, h] = o_latent[:, h]·W_UV[h]ᵀ (W_UV[h] = kv_b rows h·256+128..+255).
    void absorb_o(const Set& a, cudaStream_t st) const {
        const int64_t per_head = d.nope + d.v_head;
        GemmParams p;
        p.m = shape.num_tokens(), p.n = d.v_head, p.k = d.kv_lora, p.batch = d.heads, p.dtype = GemmDtype::Bf16;
        p.x = a.o_lat.get(), p.ldx = d.heads * d.kv_lora, p.batch_stride_x = d.kv_lora;
        p.w = w.kv_b_bf16.get() + d.nope * d.kv_lora, p.ldw = d.kv_lora, p.batch_stride_w = per_head * d.kv_lora;
        p.d = a.o.get(), p.ldd = d.heads * d.v_head, p.batch_stride_d = d.v_head;
        run_gemm(p, gemm, st);
    }
    void attention_prefill(const Set& a, cudaStream_t st) const {
        MlaPrefillParams p;
        p.batch = shape.num_requests, p.num_heads = d.heads;
        p.total_q = shape.num_tokens(), p.total_kv = shape.num_requests * shape.kv_len,
        p.max_seqlen_q = shape.query_tokens;
        p.cu_seqlens_q = cu_q.get(), p.cu_seqlens_kv = cu_kv.get();
        p.q = a.q.get(), p.kv = a.kv.get(), p.k_rope = a.k_rope.get(), p.out = a.o.get();
        p.softmax_scale = 1.0f / std::sqrt(float(d.nope + d.rope));
        run_mla_prefill(p, st);
    }
    MlaDecodeParams decode_params(const Set& a) const {
        MlaDecodeParams p;
        p.batch = shape.num_requests, p.seqlen_q = shape.query_tokens, p.num_heads = d.heads;
        p.q = a.q_mla.get(), p.kv_cache = kv_cache.get(), p.num_blocks = shape.num_requests * blocks_per_seq;
        p.page_size = shape.page_size, p.block_table = block_table.get(), p.max_blocks_per_seq = blocks_per_seq;
        p.cache_seqlens = cache_seqlens.get(), p.max_seqlen_kv = shape.kv_len, p.out = a.o_lat.get();
        p.softmax_scale = 1.0f / std::sqrt(float(d.nope + d.rope));
        p.num_splits = num_splits, p.workspace = mla_workspace.get(), p.workspace_bytes = mla_workspace.bytes();
        return p;
    }
    void permute(const Set& a, cudaStream_t st) {
        MoePermuteParams p;
        p.num_tokens = shape.num_tokens(), p.hidden = d.hidden, p.top_k = d.top_k, p.num_experts = d.num_experts;
        p.num_local_experts     = shape.num_local_experts;
        p.layout                = shape.phase == Phase::Prefill ? ExpertLayout::Contiguous : ExpertLayout::Masked;
        p.max_tokens_per_expert = Sizes::masked_rows(d, shape);
        p.x = a.h_norm.get(), p.topk_ids = a.topk_ids.get(), p.expert_map = expert_map.get();
        p.x_perm = x_perm.get(), p.expert_counts = counts.get(), p.expert_offsets = offsets.get();
        p.slot_rows = slot_rows.get(), p.workspace = permute_ws.get();
        run_moe_permute(p, st);
    }
    void unpermute(const Set& a, cudaStream_t st) {
        MoeUnpermuteParams p;
        p.num_tokens = shape.num_tokens(), p.hidden = d.hidden, p.top_k = d.top_k;
        p.y_perm    = x_perm.get(); // stands in for the experts' outputs in local-batch order
        p.slot_rows = slot_rows.get(), p.topk_weights = a.topk_w.get();
        p.residual = d.shared_inter > 0 ? a.s_out.get() : nullptr, p.out = a.out.get();
        run_moe_unpermute(p, st);
    }
};

size_t LayerRunner::activation_set_bytes(const LayerDims& d, const LayerShape& s, bool fp8) {
    const Sizes z(d, s);
    const double e = fp8 ? 1.0 + 4.0 / kQuantTile : 2.0; // GEMM-input element incl. scales
    double b       = 0;
    b += z.T * d.hidden * (2 * 3 + e);                                     // x, attn_out, out + x_n
    b += z.T * d.q_lora * (2 + e) + z.T * d.heads * (d.nope + d.rope) * 2; // q_a, q_a_n, q
    b += z.T * (d.kv_lora + d.rope) * 2 + z.T * d.kv_lora * e;             // kv_a, latent
    b += z.T * d.heads * d.v_head * (2 + e);                               // o, o_in
    if (s.phase == Phase::Prefill)
        b += z.Tkv * (d.kv_lora * e + d.heads * (d.nope + d.v_head) * 2 + d.rope * 2);
    else
        b += z.T * d.heads * (d.kv_lora + d.rope + d.kv_lora) * 2; // q_mla, o_lat
    if (s.moe) {
        b += z.T * d.hidden * (2 + e) + z.T * (d.num_experts * 4 + d.top_k * 8);
        b += z.R * (d.hidden * e + 2 * d.moe_inter * 2 + d.moe_inter * e + d.hidden * 2);
        b += z.T * (2 * d.shared_inter * 2 + d.shared_inter * e + d.hidden * 2);
    } else {
        b += z.T * (d.hidden * e + 2 * d.dense_inter * 2 + d.dense_inter * e + d.hidden * 2);
    }
    return size_t(b);
}

size_t LayerRunner::kv_cache_bytes(const LayerDims& d, const LayerShape& s) {
    if (s.phase != Phase::Decode) return 0;
    return size_t(s.num_requests * round_up(s.kv_len, s.page_size) * (d.kv_lora + d.rope) * 2);
}

LayerRunner::LayerRunner(const LayerWeights& weights, const LayerShape& shape, GemmContext& gemm, int num_sets,
                         uint64_t seed, cudaStream_t st)
    : state_(std::make_unique<State>(weights, shape, gemm)) {
    shape.validate();
    State& S           = *state_;
    const LayerDims& d = S.d;
    const bool fp8     = S.fp8;
    if (!shape.moe && !weights.has_dense_ffn())
        throw ConfigError("layer runner: a dense layer needs dense FFN weights");
    if (shape.moe && shape.num_local_experts > weights.max_local_experts())
        throw ConfigError("layer runner: num_local_experts " + std::to_string(shape.num_local_experts) +
                          " > the weights' " + std::to_string(weights.max_local_experts()));
    if (num_sets < 1) throw ConfigError("layer runner: num_sets must be >= 1");
    const Sizes z(d, shape);
    const int64_t T = z.T, qk = d.nope + d.rope;
    const bool prefill = shape.phase == Phase::Prefill;
    uint64_t key       = seed * 7919;
    const auto rnd     = [&](DeviceBuffer<bf16_t>& b, int64_t n) {
        b = DeviceBuffer<bf16_t>(size_t(n));
        fill_uniform(b.get(), n, ++key, -1.0f, 1.0f, st);
    };
    const auto rnd_act = [&](Act& a, int64_t r, int64_t c) {
        a = Act(r, c, fp8);
        if (fp8) {
            fill_uniform(a.q(), r * c, ++key, -448.0f, 448.0f, st);
            fill_uniform(a.scales.get(), int64_t(a.scales.size()), ++key, 1e-3f, 2e-3f, st);
        } else {
            fill_uniform(a.bf16(), r * c, ++key, -1.0f, 1.0f, st);
        }
    };

    for (int i = 0; i < num_sets; ++i) {
        State::Set a;
        rnd(a.x, T * d.hidden);
        a.x_n    = Act(T, d.hidden, fp8);
        a.q_a    = DeviceBuffer<bf16_t>(size_t(T * d.q_lora));
        a.q_a_n  = Act(T, d.q_lora, fp8);
        a.q      = DeviceBuffer<bf16_t>(size_t(T * d.heads * qk));
        a.kv_a   = DeviceBuffer<bf16_t>(size_t(T * (d.kv_lora + d.rope)));
        a.latent = Act(T, d.kv_lora, fp8);
        rnd(a.o, T * d.heads * d.v_head); // attention output: random until an attention op writes it
        if (fp8) a.o_in = Act(T, d.heads * d.v_head, fp8);
        a.attn_out = DeviceBuffer<bf16_t>(size_t(T * d.hidden));
        if (prefill) {
            rnd_act(a.c_kv, z.Tkv, d.kv_lora); // latents of every context token (cache + new)
            a.kv = DeviceBuffer<bf16_t>(size_t(z.Tkv * d.heads * (d.nope + d.v_head)));
            rnd(a.k_rope, z.Tkv * d.rope);
        } else {
            a.q_mla = DeviceBuffer<bf16_t>(size_t(T * d.heads * (d.kv_lora + d.rope)));
            rnd(a.o_lat, T * d.heads * d.kv_lora);
        }
        if (shape.moe) {
            a.h_norm   = DeviceBuffer<bf16_t>(size_t(T * d.hidden));
            a.h_q      = Act(T, d.hidden, fp8);
            a.logits   = DeviceBuffer<float>(size_t(T * d.num_experts));
            a.topk_ids = DeviceBuffer<int32_t>(size_t(T * d.top_k));
            a.topk_w   = DeviceBuffer<float>(size_t(T * d.top_k));
            rnd_act(a.recv, z.R, d.hidden); // what DeepEP's dispatch delivers
            a.gu         = DeviceBuffer<bf16_t>(size_t(z.R * 2 * d.moe_inter));
            a.act        = Act(z.R, d.moe_inter, fp8);
            a.expert_out = DeviceBuffer<bf16_t>(size_t(z.R * d.hidden));
            if (d.shared_inter > 0) {
                a.s_gu  = DeviceBuffer<bf16_t>(size_t(T * 2 * d.shared_inter));
                a.s_act = Act(T, d.shared_inter, fp8);
                a.s_out = DeviceBuffer<bf16_t>(size_t(T * d.hidden));
            }
            a.out = DeviceBuffer<bf16_t>(size_t(T * d.hidden));
        } else {
            a.h_q   = Act(T, d.hidden, fp8);
            a.s_gu  = DeviceBuffer<bf16_t>(size_t(T * 2 * d.dense_inter));
            a.s_act = Act(T, d.dense_inter, fp8);
            a.s_out = DeviceBuffer<bf16_t>(size_t(T * d.hidden));
        }
        S.sets.push_back(std::move(a));
    }

    if (prefill) {
        std::vector<int32_t> cq(size_t(shape.num_requests) + 1), ck(size_t(shape.num_requests) + 1);
        for (int64_t r = 0; r <= shape.num_requests; ++r)
            cq[size_t(r)] = int32_t(r * shape.query_tokens), ck[size_t(r)] = int32_t(r * shape.kv_len);
        S.cu_q  = DeviceBuffer<int32_t>(cq);
        S.cu_kv = DeviceBuffer<int32_t>(ck);
    } else {
        S.blocks_per_seq     = ceil_div(shape.kv_len, shape.page_size);
        const int64_t blocks = shape.num_requests * S.blocks_per_seq;
        rnd(S.kv_cache, blocks * shape.page_size * (d.kv_lora + d.rope));
        std::vector<int32_t> table(static_cast<size_t>(blocks));
        std::iota(table.begin(), table.end(), 0);
        S.block_table = DeviceBuffer<int32_t>(table);
        S.cache_seqlens =
            DeviceBuffer<int32_t>(std::vector<int32_t>(size_t(shape.num_requests), int32_t(shape.kv_len)));
        int device = 0, sms = 132;
        CUDA_CHECK(cudaGetDevice(&device));
        CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
        MlaDecodeParams plan = S.decode_params(S.sets[0]);
        S.num_splits         = mla_decode_plan_splits(plan, sms);
        plan.num_splits      = S.num_splits;
        S.mla_workspace      = DeviceBuffer<uint8_t>(std::max<size_t>(mla_decode_workspace_bytes(plan), 16));
    }
    if (shape.moe) {
        std::vector<int32_t> map(size_t(d.num_experts));
        for (int64_t e = 0; e < d.num_experts; ++e)
            map[size_t(e)] = int32_t(e % shape.num_local_experts);
        S.expert_map = DeviceBuffer<int32_t>(map);
        S.x_perm     = DeviceBuffer<bf16_t>(size_t(z.cap * d.hidden));
        S.counts     = DeviceBuffer<int32_t>(size_t(shape.num_local_experts));
        S.offsets    = DeviceBuffer<int32_t>(size_t(shape.num_local_experts + 1));
        S.slot_rows  = DeviceBuffer<int32_t>(size_t(T * d.top_k));
        MoePermuteParams pp;
        pp.num_tokens = T, pp.top_k = d.top_k, pp.num_local_experts = shape.num_local_experts;
        S.permute_ws = DeviceBuffer<int32_t>(size_t(moe_permute_workspace_ints(pp)));
        for (int64_t g = 0; g <= shape.num_local_experts; ++g)
            S.group_offsets.push_back(g * shape.tokens_per_expert);
    }
    CUDA_CHECK(cudaStreamSynchronize(st));

    // ---- the op list, in execution order ---------------------------------------------------------
    State* s       = state_.get();
    const auto add = [&](std::string name, std::function<void(State::Set&, cudaStream_t)> f) {
        ops_.push_back({std::move(name),
                        [s, f](int set, cudaStream_t stream) { f(s->sets[size_t(set) % s->sets.size()], stream); }});
    };
    add("attn_norm", [s](State::Set& a, cudaStream_t q) {
        s->norm(a.x.get(), a.x.size() / s->d.hidden, s->d.hidden, 0, s->w.attn_norm, nullptr, &a.x_n, q);
    });
    add("q_a_proj", [s](State::Set& a, cudaStream_t q) { s->linear(a.x_n, s->w.q_a, a.q_a.get(), q); });
    add("q_a_norm", [s](State::Set& a, cudaStream_t q) {
        s->norm(a.q_a.get(), a.q_a_n.rows, s->d.q_lora, 0, s->w.q_a_norm, nullptr, &a.q_a_n, q);
    });
    add("q_b_proj", [s](State::Set& a, cudaStream_t q) { s->linear(a.q_a_n, s->w.q_b, a.q.get(), q); });
    add("kv_a_proj", [s](State::Set& a, cudaStream_t q) { s->linear(a.x_n, s->w.kv_a, a.kv_a.get(), q); });
    add("kv_a_norm", [s](State::Set& a, cudaStream_t q) {
        s->norm(a.kv_a.get(), a.latent.rows, s->d.kv_lora, s->d.kv_lora + s->d.rope, s->w.kv_a_norm, nullptr, &a.latent,
                q);
    });
    if (prefill) {
        add("kv_b_proj", [s](State::Set& a, cudaStream_t q) { s->linear(a.c_kv, s->w.kv_b, a.kv.get(), q); });
        add("mla_prefill", [s](State::Set& a, cudaStream_t q) { s->attention_prefill(a, q); });
    } else {
        add("kv_b_proj", [s](State::Set& a, cudaStream_t q) { s->absorb_q(a, q); });
        add("mla_decode", [s](State::Set& a, cudaStream_t q) { run_mla_decode(s->decode_params(a), q); });
        add("kv_b_proj", [s](State::Set& a, cudaStream_t q) { s->absorb_o(a, q); });
    }
    add("o_proj", [s](State::Set& a, cudaStream_t q) {
        if (s->fp8) {
            s->quantize(a.o.get(), a.o_in, q);
            s->linear(a.o_in, s->w.o, a.attn_out.get(), q);
        } else {
            s->linear(a.o.get(), nullptr, s->shape.num_tokens(), s->w.o, a.attn_out.get(), q);
        }
    });
    if (shape.moe) {
        add("ffn_norm", [s](State::Set& a, cudaStream_t q) {
            s->norm(a.attn_out.get(), a.h_q.rows, s->d.hidden, 0, s->w.ffn_norm, a.h_norm.get(), &a.h_q, q);
        });
        add("moe_gate", [s](State::Set& a, cudaStream_t q) {
            GemmParams g;
            g.m = a.h_q.rows, g.n = s->d.num_experts, g.k = s->d.hidden, g.dtype = GemmDtype::Bf16;
            g.x = a.h_norm.get(), g.w = s->w.gate.get(), g.d = a.logits.get(), g.d_dtype = GemmOut::F32;
            run_gemm(g, s->gemm, q);
            MoeGateParams p;
            p.num_tokens = a.h_q.rows, p.num_experts = s->d.num_experts, p.num_groups = s->d.num_groups;
            p.topk_groups = s->d.topk_groups, p.top_k = s->d.top_k, p.route_scale = s->d.route_scale;
            p.logits = a.logits.get(), p.bias = s->d.gate_bias ? s->w.gate_bias.get() : nullptr;
            p.topk_ids = a.topk_ids.get(), p.topk_weights = a.topk_w.get();
            run_moe_gate(p, q);
        });
        add("moe_permute", [s](State::Set& a, cudaStream_t q) { s->permute(a, q); });
        add("expert_gate_up",
            [s](State::Set& a, cudaStream_t q) { s->grouped(a.recv, s->w.experts_gate_up, a.gu.get(), q); });
        add("expert_swiglu", [s](State::Set& a, cudaStream_t q) {
            s->swiglu(a.gu.get(), a.act.rows, s->d.moe_inter, a.act, s->shape.tokens_per_expert, q);
        });
        add("expert_down",
            [s](State::Set& a, cudaStream_t q) { s->grouped(a.act, s->w.experts_down, a.expert_out.get(), q); });
        if (d.shared_inter > 0) {
            add("shared_gate_up",
                [s](State::Set& a, cudaStream_t q) { s->linear(a.h_q, s->w.shared_gate_up, a.s_gu.get(), q); });
            add("shared_swiglu", [s](State::Set& a, cudaStream_t q) {
                s->swiglu(a.s_gu.get(), a.s_act.rows, s->d.shared_inter, a.s_act, 0, q);
            });
            add("shared_down",
                [s](State::Set& a, cudaStream_t q) { s->linear(a.s_act, s->w.shared_down, a.s_out.get(), q); });
        }
        add("moe_unpermute", [s](State::Set& a, cudaStream_t q) { s->unpermute(a, q); });
    } else {
        add("ffn_norm", [s](State::Set& a, cudaStream_t q) {
            s->norm(a.attn_out.get(), a.h_q.rows, s->d.hidden, 0, s->w.ffn_norm, nullptr, &a.h_q, q);
        });
        add("dense_gate_up",
            [s](State::Set& a, cudaStream_t q) { s->linear(a.h_q, s->w.dense_gate_up, a.s_gu.get(), q); });
        add("dense_swiglu", [s](State::Set& a, cudaStream_t q) {
            s->swiglu(a.s_gu.get(), a.s_act.rows, s->d.dense_inter, a.s_act, 0, q);
        });
        add("dense_down",
            [s](State::Set& a, cudaStream_t q) { s->linear(a.s_act, s->w.dense_down, a.s_out.get(), q); });
    }
}

LayerRunner::~LayerRunner() = default;

void LayerRunner::run_layer(int set, cudaStream_t stream) const {
    for (const RunnerOp& op : ops_)
        op.run(set, stream);
}

int LayerRunner::num_sets() const {
    return int(state_->sets.size());
}

size_t LayerRunner::device_bytes() const {
    size_t b = 0;
    for (const auto& set : state_->sets)
        b += set.bytes();
    const State& S = *state_;
    return b + S.kv_cache.bytes() + S.mla_workspace.bytes() + S.x_perm.bytes() + S.permute_ws.bytes() +
           S.block_table.bytes() + S.slot_rows.bytes();
}

} // namespace moetwin::kernels
