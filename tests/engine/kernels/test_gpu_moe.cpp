// SPDX-License-Identifier: Apache-2.0
// [gpu] The DeepSeek-V3 gate, the token permutation and the weighted combine against their references.
// Gate: the crafted case must match exactly; on random scores the expert sets must match except at
// near-ties (selection scores within 1e-5, where device and host sigmoid may round apart), weights to
// NMSE < 1e-10. Permutation: bit-exact (it is deterministic). Combine: NMSE < 1e-6.
#include "engine/kernels/fill.cuh"
#include "engine/kernels/moe_gate.cuh"
#include "engine/kernels/moe_permute.cuh"
#include "gpu_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace moetwin::kernels {
namespace {

using namespace test;

struct GateRun {
    std::vector<int32_t> ids;
    std::vector<float> w;
};

GateRun gate_gpu(const MoeGateParams& host) {
    DeviceBuffer<float> logits(std::vector<float>(host.logits, host.logits + host.num_tokens * host.num_experts));
    DeviceBuffer<float> bias(host.bias ? std::vector<float>(host.bias, host.bias + host.num_experts)
                                       : std::vector<float>{});
    DeviceBuffer<int32_t> ids(size_t(host.num_tokens * host.top_k));
    DeviceBuffer<float> w(size_t(host.num_tokens * host.top_k));
    MoeGateParams p = host;
    p.logits = logits.get(), p.bias = host.bias ? bias.get() : nullptr, p.topk_ids = ids.get(),
    p.topk_weights = w.get();
    run_moe_gate(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    return {ids.download(), w.download()};
}

TEST(GpuMoeGate, CraftedCaseExactly) {
    MOETWIN_REQUIRE_GPU();
    const double s[16] = {0.9, 0.2, 0.1, 0.1, 0.7, 0.7, 0.1, 0.1, 0.95, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.1};
    std::vector<float> logits(16), bias(16, 0.0f);
    for (int e = 0; e < 16; ++e)
        logits[size_t(e)] = float(std::log(s[e] / (1 - s[e])));
    bias[11] = 1.0f;
    MoeGateParams p;
    p.num_tokens = 1, p.num_experts = 16, p.num_groups = 4, p.topk_groups = 2, p.top_k = 3;
    p.logits = logits.data(), p.bias = bias.data();
    const GateRun g = gate_gpu(p);
    EXPECT_EQ(g.ids, (std::vector<int32_t>{11, 8, 4})); // hand-computed in test_ref_moe.cpp
    EXPECT_NEAR(g.w[2], 1.0, 1e-6);
    p.bias = nullptr;
    EXPECT_EQ(gate_gpu(p).ids, (std::vector<int32_t>{8, 0, 1}));
}

TEST(GpuMoeGate, RandomScoresMatchReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng        = rng_for_test();
    const int64_t T = 2000;
    std::normal_distribution<float> n(0, 2);
    std::vector<float> logits(size_t(T * 256)), bias(256);
    for (float& v : logits)
        v = n(rng);
    for (float& v : bias)
        v = 0.05f * n(rng);
    MoeGateParams p;
    p.num_tokens = T, p.logits = logits.data(), p.bias = bias.data(); // DeepSeek-V3 defaults otherwise
    const GateRun g = gate_gpu(p);
    std::vector<int32_t> ids(size_t(T * 8));
    std::vector<float> w(size_t(T * 8));
    MoeGateParams h = p;
    h.topk_ids = ids.data(), h.topk_weights = w.data();
    moe_gate_ref(h);
    int64_t differing = 0;
    std::vector<float> gw, rw;
    for (int64_t t = 0; t < T; ++t) {
        const std::set<int32_t> a(g.ids.begin() + t * 8, g.ids.begin() + (t + 1) * 8),
            b(ids.begin() + t * 8, ids.begin() + (t + 1) * 8);
        if (a == b) {
            for (int k = 0; k < 8; ++k)
                gw.push_back(g.w[size_t(t * 8 + k)]), rw.push_back(w[size_t(t * 8 + k)]);
            continue;
        }
        ++differing; // must be a near-tie: the swapped experts score (almost) the same
        const auto sel = [&](int32_t e) {
            return 1 / (1 + std::exp(-double(logits[size_t(t * 256 + e)]))) + bias[size_t(e)];
        };
        for (const int32_t e : a)
            if (!b.count(e)) EXPECT_NEAR(sel(e), sel(ids[size_t(t * 8 + 7)]), 1e-5) << "token " << t << " expert " << e;
    }
    EXPECT_LE(differing, T / 200);
    EXPECT_LT(nmse(gw, rw), 1e-10);

    DeviceBuffer<float> dl(size_t(4096 * 256)), db(bias);
    DeviceBuffer<int32_t> di(size_t(4096 * 8));
    DeviceBuffer<float> dw(size_t(4096 * 8));
    fill_uniform(dl.get(), 4096 * 256, 1, -4, 4, nullptr);
    MoeGateParams pp;
    pp.num_tokens = 4096, pp.logits = dl.get(), pp.bias = db.get(), pp.topk_ids = di.get(), pp.topk_weights = dw.get();
    const auto r = time_op([&](cudaStream_t s) { run_moe_gate(pp, s); });
    print_perf("moe_gate_topk", "tokens=4096 experts=256", r, 4096.0 * 256 * 10, 4096.0 * (256 * 4 + 8 * 8), false);
}

TEST(GpuMoePermute, BothLayoutsMatchReferenceExactly) {
    MOETWIN_REQUIRE_GPU();
    auto rng        = rng_for_test();
    const int64_t T = 777, K = 8, H = 7168, E = 256, L = 16;
    std::uniform_int_distribution<int32_t> pick(0, int32_t(E) - 1);
    std::vector<int32_t> ids(size_t(T * K)), map(static_cast<size_t>(E));
    for (int32_t& e : ids)
        e = pick(rng);
    for (int64_t e = 0; e < E; ++e)
        map[size_t(e)] = e % 3 == 0 ? -1 : int32_t(e % L); // a third is remote
    const auto x = uniform_bf16(rng, size_t(T * H), -1, 1);
    for (const ExpertLayout layout : {ExpertLayout::Contiguous, ExpertLayout::Masked}) {
        const int64_t max_m = 300, cap = layout == ExpertLayout::Masked ? L * max_m : T * K;
        DeviceBuffer<bf16_t> dx(x), dperm(size_t(cap * H));
        DeviceBuffer<int32_t> dids(ids), dmap(map), dcounts(static_cast<size_t>(L)), doff(size_t(L + 1)),
            dslots(size_t(T * K));
        MoePermuteParams p;
        p.num_tokens = T, p.hidden = H, p.top_k = K, p.num_experts = E, p.num_local_experts = L, p.layout = layout;
        p.max_tokens_per_expert = max_m;
        DeviceBuffer<int32_t> ws(size_t(moe_permute_workspace_ints(p)));
        p.x = dx.get(), p.topk_ids = dids.get(), p.expert_map = dmap.get(), p.x_perm = dperm.get();
        p.expert_counts = dcounts.get(), p.expert_offsets = doff.get(), p.slot_rows = dslots.get(),
        p.workspace = ws.get();
        run_moe_permute(p, nullptr);
        CUDA_CHECK(cudaDeviceSynchronize());
        std::vector<bf16_t> perm(size_t(cap * H));
        std::vector<int32_t> counts(static_cast<size_t>(L)), off(size_t(L + 1)), slots(size_t(T * K));
        MoePermuteParams h = p;
        h.x = x.data(), h.topk_ids = ids.data(), h.expert_map = map.data(), h.x_perm = perm.data();
        h.expert_counts = counts.data(), h.expert_offsets = off.data(), h.slot_rows = slots.data();
        moe_permute_ref(h);
        EXPECT_EQ(dcounts.download(), counts);
        EXPECT_EQ(doff.download(), off);
        EXPECT_EQ(dslots.download(), slots);
        const auto gp = dperm.download();
        int64_t wrong = 0;
        for (const int32_t row : slots)
            if (row >= 0)
                for (int64_t c = 0; c < H; c += 97)
                    wrong += gp[size_t(row * H + c)].bits != perm[size_t(row * H + c)].bits;
        EXPECT_EQ(wrong, 0) << p;
    }
}

TEST(GpuMoeUnpermute, WeightedCombineMatchesReference) {
    MOETWIN_REQUIRE_GPU();
    auto rng        = rng_for_test();
    const int64_t T = 300, K = 8, H = 7168, rows = 2000;
    const auto y = uniform_bf16(rng, size_t(rows * H), -1, 1), res = uniform_bf16(rng, size_t(T * H), -1, 1);
    const auto w = uniform(rng, size_t(T * K), 0, 0.5f);
    std::uniform_int_distribution<int32_t> pick(-1, int32_t(rows) - 1);
    std::vector<int32_t> slots(size_t(T * K));
    for (int32_t& s : slots)
        s = pick(rng);
    DeviceBuffer<bf16_t> dy(y), dres(res), dout(size_t(T * H));
    DeviceBuffer<int32_t> dslots(slots);
    DeviceBuffer<float> dw(w);
    MoeUnpermuteParams p;
    p.num_tokens = T, p.hidden = H, p.top_k = K, p.y_perm = dy.get(), p.slot_rows = dslots.get();
    p.topk_weights = dw.get(), p.residual = dres.get(), p.out = dout.get();
    run_moe_unpermute(p, nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<bf16_t> out(size_t(T * H));
    MoeUnpermuteParams h = p;
    h.y_perm = y.data(), h.slot_rows = slots.data(), h.topk_weights = w.data(), h.residual = res.data(),
    h.out = out.data();
    moe_unpermute_ref(h);
    EXPECT_LT(nmse(to_float(dout.download()), to_float(out)), 1e-6);
    const auto r = time_op([&](cudaStream_t s) { run_moe_unpermute(p, s); });
    print_perf("moe_unpermute", "tokens=300 top_k=8 hidden=7168", r, 2.0 * T * K * H, 2.0 * H * (T * K + 2 * T), false);
}

} // namespace
} // namespace moetwin::kernels
