// SPDX-License-Identifier: Apache-2.0
// [gpu] MLA core attention against the CPU references: prefill (causal with cached prefixes and
// variable lengths, and non-causal) and decode (paged cache with a shuffled block table, 1 and 2 query
// tokens, with and without split-KV). Threshold: NMSE < 1e-5 on the BF16 output (fp32 vs fp64 softmax,
// one BF16 rounding), LSE within 1e-3. Perf lines use FlashMLA's FLOP and byte counts (reference §7).
#include "engine/kernels/fill.cuh"
#include "engine/kernels/mla_decode.cuh"
#include "engine/kernels/mla_prefill.cuh"
#include "gpu_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moetwin::kernels {
namespace {

using namespace test;

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::isfinite(b[i])) m = std::max(m, std::fabs(double(a[i]) - b[i]));
    return m;
}

void check_prefill(const std::vector<int32_t>& q_lens, const std::vector<int32_t>& kv_lens, int heads, bool causal) {
    auto rng = rng_for_test();
    std::vector<int32_t> cq{0}, ck{0};
    for (size_t b = 0; b < q_lens.size(); ++b)
        cq.push_back(cq.back() + q_lens[b]), ck.push_back(ck.back() + kv_lens[b]);
    const int64_t tq = cq.back(), tk = ck.back();
    const auto q    = uniform_bf16(rng, size_t(tq * heads * 192), -1, 1),
               kv   = uniform_bf16(rng, size_t(tk * heads * 256), -1, 1);
    const auto rope = uniform_bf16(rng, size_t(tk * 576), -1, 1); // k_rope inside kv_a_proj rows (stride 576)
    DeviceBuffer<bf16_t> dq(q), dkv(kv), drope(rope), dout(size_t(tq * heads * 128));
    DeviceBuffer<int32_t> dcq(cq), dck(ck);
    DeviceBuffer<float> dlse(size_t(tq * heads));
    MlaPrefillParams p;
    p.batch = int64_t(q_lens.size()), p.num_heads = heads, p.total_q = tq, p.total_kv = tk;
    p.max_seqlen_q = *std::max_element(q_lens.begin(), q_lens.end());
    p.cu_seqlens_q = dcq.get(), p.cu_seqlens_kv = dck.get(), p.q = dq.get(), p.kv = dkv.get();
    p.k_rope = drope.get() + 512, p.k_rope_stride = 576, p.out = dout.get(), p.lse = dlse.get();
    p.softmax_scale = 1.0f / std::sqrt(192.0f), p.causal = causal;
    run_mla_prefill(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> out(size_t(tq * heads * 128));
    std::vector<float> lse(size_t(tq * heads));
    MlaPrefillParams h = p;
    h.cu_seqlens_q = cq.data(), h.cu_seqlens_kv = ck.data(), h.q = q.data(), h.kv = kv.data();
    h.k_rope = rope.data() + 512, h.out = out.data(), h.lse = lse.data();
    mla_prefill_ref(h);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-5) << p;
    EXPECT_LT(max_abs_diff(dlse.download(), lse), 1e-3) << p;
}

TEST(GpuMlaPrefill, MatchesReference) {
    MOETWIN_REQUIRE_GPU();
    check_prefill({100, 1, 64, 70}, {130, 1, 64, 200}, 4, true); // cached prefixes of 30, 0, 0, 130
    check_prefill({65}, {65}, 2, false);
}

void check_decode(int batch, int s_q, int heads, int splits) {
    auto rng       = rng_for_test();
    const int page = 64, pages_per_seq = 6, max_kv = page * pages_per_seq;
    std::uniform_int_distribution<int32_t> len(s_q, max_kv);
    std::vector<int32_t> seqlens(static_cast<size_t>(batch)), table(size_t(batch * pages_per_seq));
    for (int32_t& l : seqlens)
        l = len(rng);
    seqlens[0] = max_kv; // one full-length request
    std::iota(table.begin(), table.end(), 0);
    std::shuffle(table.begin(), table.end(), rng);
    const auto q     = uniform_bf16(rng, size_t(batch * s_q * heads * 576), -1, 1);
    const auto cache = uniform_bf16(rng, size_t(table.size() * page * 576), -1, 1);
    DeviceBuffer<bf16_t> dq(q), dcache(cache), dout(size_t(batch * s_q * heads * 512));
    DeviceBuffer<int32_t> dtable(table), dlens(seqlens);
    DeviceBuffer<float> dlse(size_t(batch * s_q * heads));
    MlaDecodeParams p;
    p.batch = batch, p.seqlen_q = s_q, p.num_heads = heads, p.q = dq.get(), p.kv_cache = dcache.get();
    p.num_blocks = int64_t(table.size()), p.page_size = page, p.block_table = dtable.get();
    p.max_blocks_per_seq = pages_per_seq, p.cache_seqlens = dlens.get(), p.max_seqlen_kv = max_kv;
    p.out = dout.get(), p.lse = dlse.get(), p.softmax_scale = 1.0f / std::sqrt(192.0f), p.num_splits = splits;
    DeviceBuffer<uint8_t> ws(std::max<size_t>(mla_decode_workspace_bytes(p), 1));
    p.workspace = ws.get(), p.workspace_bytes = ws.size();
    run_mla_decode(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> out(size_t(batch * s_q * heads * 512));
    std::vector<float> lse(size_t(batch * s_q * heads));
    MlaDecodeParams h = p;
    h.q = q.data(), h.kv_cache = cache.data(), h.block_table = table.data(), h.cache_seqlens = seqlens.data();
    h.out = out.data(), h.lse = lse.data();
    mla_decode_ref(h);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-5) << p;
    EXPECT_LT(max_abs_diff(dlse.download(), lse), 1e-3) << p;
}

TEST(GpuMlaDecode, MatchesReference) {
    MOETWIN_REQUIRE_GPU();
    check_decode(5, 1, 16, 1);
    check_decode(5, 2, 16, 1); // MTP: causal between the two query tokens
    check_decode(3, 1, 32, 3); // split-KV + merge
    check_decode(2, 2, 8, 4);
}

TEST(GpuMla, Perf) {
    MOETWIN_REQUIRE_GPU();
    { // Decode: 64 requests × 4096 context, 128 heads, one query token (FlashMLA's benchmark family).
        const int64_t B = 64, kv = 4096, H = 128, page = 64, pages = kv / page;
        DeviceBuffer<bf16_t> q(size_t(B * H * 576)), cache(size_t(B * kv * 576)), out(size_t(B * H * 512));
        std::vector<int32_t> table(size_t(B * pages));
        std::iota(table.begin(), table.end(), 0);
        DeviceBuffer<int32_t> dtable(table), dlens(std::vector<int32_t>(static_cast<size_t>(B), int32_t(kv)));
        fill_uniform(q.get(), int64_t(q.size()), 1, -1, 1, nullptr);
        fill_uniform(cache.get(), int64_t(cache.size()), 2, -1, 1, nullptr);
        MlaDecodeParams p;
        p.batch = B, p.num_heads = H, p.q = q.get(), p.kv_cache = cache.get(), p.num_blocks = B * pages,
        p.page_size   = page;
        p.block_table = dtable.get(), p.max_blocks_per_seq = pages, p.cache_seqlens = dlens.get(), p.max_seqlen_kv = kv;
        p.out = out.get(), p.softmax_scale = 0.07f;
        int sms = 0;
        CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
        p.num_splits = mla_decode_plan_splits(p, sms);
        DeviceBuffer<uint8_t> ws(std::max<size_t>(mla_decode_workspace_bytes(p), 1));
        p.workspace = ws.get(), p.workspace_bytes = ws.size();
        const auto r = time_op([&](cudaStream_t s) { run_mla_decode(p, s); }, 10);
        print_perf("mla_decode", "b=64 s_q=1 h=128 kv=4096 splits=" + std::to_string(p.num_splits), r,
                   2.0 * H * B * kv * (576 + 512), double(B * kv * 576 * 2 + B * H * (576 + 512) * 2), false);
    }
    { // Prefill: one 4096-token prompt, 128 heads.
        const int64_t T = 4096, H = 128;
        DeviceBuffer<bf16_t> q(size_t(T * H * 192)), kv(size_t(T * H * 256)), rope(size_t(T * 64)),
            out(size_t(T * H * 128));
        DeviceBuffer<int32_t> cu(std::vector<int32_t>{0, int32_t(T)});
        fill_uniform(q.get(), int64_t(q.size()), 3, -1, 1, nullptr);
        fill_uniform(kv.get(), int64_t(kv.size()), 4, -1, 1, nullptr);
        fill_uniform(rope.get(), int64_t(rope.size()), 5, -1, 1, nullptr);
        MlaPrefillParams p;
        p.batch = 1, p.num_heads = H, p.total_q = T, p.total_kv = T, p.max_seqlen_q = T, p.cu_seqlens_q = cu.get();
        p.cu_seqlens_kv = cu.get(), p.q = q.get(), p.kv = kv.get(), p.k_rope = rope.get(), p.out = out.get();
        p.softmax_scale    = 0.07f;
        const auto r       = time_op([&](cudaStream_t s) { run_mla_prefill(p, s); }, 5);
        const double pairs = double(T) * double(T + 1) / 2;
        print_perf("mla_prefill", "b=1 q=4096 kv=4096 h=128 causal", r, 2.0 * H * pairs * (192 + 128),
                   double(T * H * (192 + 256 + 128) * 2), false);
    }
}

} // namespace
} // namespace moetwin::kernels
