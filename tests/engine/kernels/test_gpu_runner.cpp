// SPDX-License-Identifier: Apache-2.0
// [gpu] The layer runner at DeepSeek-V3's real dimensions (decode with MTP, chunked prefill, a dense
// layer): every op runs and its name is the catalogue's; a perf line for a whole decode layer and its ops.
#include "common/errors.hpp"
#include "engine/kernels/layer_runner.hpp"
#include "engine/model_spec.hpp"
#include "engine/profile.hpp"
#include "gpu_test_util.hpp"

#include <cmath>
#include <set>

namespace moetwin::kernels {
namespace {

using namespace test;

void check_runner(const LayerWeights& w, const LayerShape& shape) {
    GemmContext gemm;
    cudaStream_t s = nullptr;
    CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    {
        LayerRunner runner(w, shape, gemm, 2, 7, s);
        std::set<std::string> known;
        const ModelSpec& m = find_model("deepseek_v3");
        for (const auto* list : {&m.dense_layer_ops, &m.moe_layer_ops, &profile_aux_ops()})
            for (const OpSpec& op : *list)
                known.insert(op.name);
        for (const RunnerOp& op : runner.ops())
            EXPECT_TRUE(known.count(op.name)) << op.name;
        for (int set = 0; set < 2; ++set)
            runner.run_layer(set, s);
        for (const RunnerOp& op : runner.ops())
            op.run(1, s); // each op on its own as the profiler runs it
        CUDA_CHECK(cudaStreamSynchronize(s));
        EXPECT_GT(runner.device_bytes(), 0u);
    }
    CUDA_CHECK(cudaStreamDestroy(s));
}

TEST(GpuLayerRunner, RunsEveryOpAtRealDimensions) {
    MOETWIN_REQUIRE_GPU();
    const LayerDims dims = LayerDims::from(find_model("deepseek_v3"), 1);
    for (const GemmDtype dtype : {GemmDtype::Fp8E4m3, GemmDtype::Bf16}) {
        const LayerWeights w(dims, dtype, 4, true, 3, nullptr);
        LayerShape decode;
        decode.phase = Phase::Decode, decode.num_requests = 4, decode.query_tokens = 2, decode.kv_len = 300;
        decode.num_local_experts = 4, decode.tokens_per_expert = 24;
        check_runner(w, decode);
        LayerShape prefill;
        prefill.phase = Phase::Prefill, prefill.num_requests = 2, prefill.query_tokens = 64, prefill.kv_len = 96;
        prefill.num_local_experts = 3, prefill.tokens_per_expert = 40;
        check_runner(w, prefill);
        LayerShape dense = prefill;
        dense.moe        = false;
        check_runner(w, dense);
    }
}

TEST(GpuLayerRunner, RejectsShapesTheWeightsCannotServe) {
    MOETWIN_REQUIRE_GPU();
    const LayerDims dims = LayerDims::from(find_model("deepseek_v3"), 8); // 16 local heads
    const LayerWeights w(dims, GemmDtype::Fp8E4m3, 2, false, 3, nullptr);
    GemmContext gemm;
    LayerShape s;
    s.num_local_experts = 3;
    EXPECT_THROW(LayerRunner(w, s, gemm, 1, 1, nullptr), moetwin::ConfigError);
    s.num_local_experts = 1, s.moe = false;
    EXPECT_THROW(LayerRunner(w, s, gemm, 1, 1, nullptr), moetwin::ConfigError);
    EXPECT_THROW(LayerDims::from(find_model("qwen3_235b_a22b"), 1), moetwin::ConfigError); // GQA: no MLA kernels
}

TEST(GpuLayerRunner, PerfOfADecodeLayer) {
    MOETWIN_REQUIRE_GPU();
    // One DP rank in DeepSeek's decode deployment: 64 requests × 4096 context, MTP off, 8 local experts
    // receiving 64 tokens each (reference §3 sizes).
    const LayerDims dims = LayerDims::from(find_model("deepseek_v3"), 1);
    const LayerWeights w(dims, GemmDtype::Fp8E4m3, 8, false, 3, nullptr);
    LayerShape s;
    s.num_requests = 64, s.kv_len = 4096, s.num_local_experts = 8, s.tokens_per_expert = 64;
    GemmContext gemm;
    LayerRunner runner(w, s, gemm, 1, 1, nullptr);
    const auto r = time_op([&](cudaStream_t st) { runner.run_layer(0, st); }, 10);
    print_perf("decode_layer", "b=64 kv=4096 local_experts=8 tokens_per_expert=64", r, 0, 0, true);
    for (const RunnerOp& op : runner.ops()) {
        const auto t = time_op([&](cudaStream_t st) { op.run(0, st); }, 10);
        std::printf("[perf]   %-16s %9.2f us\n", op.name.c_str(), t.median_s * 1e6);
    }
}

} // namespace
} // namespace moetwin::kernels
