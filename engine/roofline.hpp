// SPDX-License-Identifier: Apache-2.0
// RooflineModel: op time from the GPU's peaks and an op's FLOPs and HBM bytes, with efficiency
// factors calibrated against DeepSeek's published H800 kernel figures (DeepGEMM, FlashMLA;
// reference §6-7). The fallback of the profile database and the default compute source.
#pragma once

#include "engine/calibration.hpp"
#include "engine/compute_model.hpp"
#include "engine/gpu_spec.hpp"

#include <memory>
#include <string>
#include <vector>

namespace moetwin {

// Every constant with the data it was fitted to (engine/roofline.cpp has the derivations).
struct RooflineEfficiency {
    // GEMMs (Gemm, GroupedGemm): least-squares fit over DeepGEMM's 28 published H800 FP8 shapes
    // (dense, grouped contiguous, grouped masked; reference §6); `moetwin bench roofline` prints the fit.
    double gemm_compute      = 0.74; // share of the tensor-core peak reached in the K loop
    double gemm_memory       = 0.90; // share of HBM bandwidth when streaming weights
    double gemm_k_overhead   = 256;  // K elements of pipeline fill and epilogue per output tile
    double overlap_power     = 2.0;  // time = (t_compute^p + t_memory^p)^(1/p): partial overlap
    int gemm_saturating_ctas = 24;   // CTAs in flight needed to saturate HBM; fewer stream proportionally less
    int gemm_block_n         = 128;  // output tile: 64 × 128 for M <= 64, else 128 × 128 (DeepGEMM's common blocks)
    // MLA core attention (FlashMLA, reference §7): 660 of 989.4 TFLOPS BF16 compute-bound (2025-04
    // kernel) and 3000 of 3350 GB/s memory-bound. Decode attention (FlashMLA) uses both.
    double attention_compute = 660.0 / 989.4;
    double attention_memory  = 3000.0 / 3350.0;
    // Prefill attention is FlashAttention-3's forward on the expanded heads, not FlashMLA. DeepSeek's
    // H800 trace (../shared/data/profile_traces/deepseek_v3_train_ep64.json.gz): the four forward
    // kernels flash::compute_attn_ws<192,128,...> (4096-token causal sequence, 128 heads, d_qk 192,
    // d_v 128: 2·128·320·4096·4097/2 = 687.4 GFLOP) take 1248, 1199, 1280 and 1221 µs, mean 1237 µs,
    // on the 112 SMs DeepEP's 20 leave: 687.4e9 / (1237e-6 · 989.4e12 · 112/132) = 0.662 of the BF16
    // peak (per kernel 0.640-0.683). Memory-bound prefill attention keeps attention_memory.
    double prefill_attention_compute = 0.662;
    // Memory-bound families: achieved HBM bandwidth of the same trace's kernels, from the bytes they
    // must move, over (duration - kernel_overhead_s) and 3350 GB/s; median over the trace's instances.
    // All ran at 4096 tokens per GPU, mostly beside DeepEP's communication kernels.
    //  - SwiGLU (and other elementwise ops): swiglu_forward_with_weight_and_per_token_cast_to_fp8 of the
    //    routed experts (rows x [4096 BF16 in, 2048 FP8 + scales out]), 4 kernels, 117-162 µs: 0.724.
    //    (Was 0.95, the GEMM streaming figure, before a measured figure existed.)
    double elementwise_memory = 0.72;
    //  - Cast: per_token_cast_to_fp8_with_channels on [4096 x 7168] BF16 (read 58.7 MB, write 29.4 MB
    //    FP8 + 0.9 MB scales), 21 kernels, 35-60 µs: 0.542; on [4096 x 16384], 4 kernels: 0.560.
    double cast_memory = 0.55;
    //  - Transpose of the scales (dpsk::grouped_gemm::cuda::utils::transpose, 32 CTAs: latency-bound):
    //    [4096 x 56] fp32 read + written (1.84 MB) after the [4096 x 7168] casts, 9 kernels, median
    //    10 µs: 0.068. Smaller ones (1536, 512 columns: 3-6 µs) are within a few µs of this law.
    double transpose_memory = 0.068;
    //  - Norm: layer_norm::ln_fwd_kernel (RMSNorm) on [4096 x 7168] BF16 (read + write 117.4 MB),
    //    16 kernels, 73-171 µs: 0.310.
    double norm_memory = 0.31;
    //  - Rotary: rotary_kernel on q_pe [4096 x 128 x 64] BF16 in place (134.2 MB), 12 kernels,
    //    109-133 µs: 0.323.
    double rotary_memory = 0.32;
    //  - Permute: cuda::expand_to_fused_with_scales_impl, received tokens (FP8 + scales, 7,392 B) read
    //    once and written once per local expert selecting them (rows = 16 x grid; distinct tokens =
    //    the grid of the reduce that follows), 8 kernels, 159-221 µs: 0.768.
    double permute_memory = 0.77;
    //  - Reduce: cuda::reduce_fused_impl, the expert rows read (BF16) and one row per distinct
    //    received token written (BF16), 8 kernels, 294-362 µs: 0.801.
    double reduce_memory = 0.80;
    // Training-only kernels (engine/training_ops.hpp), same trace and method:
    //  - WeightTranspose: cuda::batched_transpose of FP8 weights before the input-gradient GEMMs (the
    //    weight read and written once, 1 B per parameter: 4.1-117 MB), 36 kernels, 5-98 µs: median 0.797
    //    (0.46-0.94).
    double weight_transpose_memory = 0.80;
    //  - Routing: the training router after the gate GEMM (attn(F): 28 PyTorch elementwise kernels, the
    //    group top-k, two sbtopk::gatherTopK, aux_fi), 64 B per fp32 score of [4096 x 256] (67.1 MB; the
    //    formula is moe_gate_topk's in training_glue.cpp), 226-323 µs per layer (kernel durations summed):
    //    median 0.085 (0.062-0.089). Latency-bound: 33 small kernels on a 4 MB matrix.
    double routing_memory = 0.085;
    //  - PermuteIndex: cuda::clean_and_count_expert + get_fused_mapping (4 CTAs, one per local expert,
    //    each scanning the received tokens' int64 top-k indices: 2 x 4 x received x 8 x 8 B, received =
    //    the following reduce's grid, 28,856-34,144), 216-278 µs per layer (both kernels): median 0.019.
    double permute_index_memory = 0.019;
    // Fixed cost per kernel (launch + prologue). Fitted with the GEMM constants above (2 µs); DeepSeek
    // decode runs under CUDA graphs, where launches are ~2-3 µs apart on Hopper.
    double kernel_overhead_s = 2e-6;
};

class RooflineModel final : public ComputeModel {
  public:
    // With `calibration` (a scenario's compute.calibration), each op's family takes its fitted factor
    // (calibration.hpp); the router gate is then timed by the GEMM law at the BF16 peak (family gemm_bf16).
    explicit RooflineModel(GpuSpec gpu, RooflineEfficiency eff = {},
                           std::shared_ptr<const CalibrationFile> calibration = nullptr);
    OpTime op_time(const OpSpec& op, const OpShape& shape, int num_sms) const override;
    std::string describe() const override;

    // The GEMM law on its own, for calibration: a (grouped) GEMM of `groups` × [m, k] · [k, n] with
    // `flops` and HBM `bytes` in all, dense peak `peak_flops` (FP8 or BF16), on `num_sms` SMs.
    double gemm_seconds(double flops, double bytes, int64_t groups, int64_t m, int64_t n, int64_t k, double peak_flops,
                        int num_sms) const;
    const GpuSpec& gpu() const { return gpu_; }
    const RooflineEfficiency& efficiency() const { return eff_; }
    const CalibrationFile* calibration() const { return calibration_.get(); }
    // HBM efficiency of a memory-bound op family (Norm, Cast, ...; Elementwise for the rest) in `eff`.
    static double memory_efficiency(const RooflineEfficiency& eff, OpKind kind);

  private:
    double gemm_seconds(const RooflineEfficiency& eff, double flops, double bytes, int64_t groups, int64_t m, int64_t n,
                        int64_t k, double peak_flops, int num_sms) const;

    GpuSpec gpu_;
    RooflineEfficiency eff_;
    std::shared_ptr<const CalibrationFile> calibration_;
};

// The tensor-core peak a GEMM with weights in `p` runs at on `gpu` (FLOP/s; INT8: OP/s): FP8 and INT8
// at their own rate, every other format at the BF16 rate (FP16 has the same rate with FP32 accumulation;
// 4-bit weight-only formats dequantise to 16 bits, precision.hpp computes_in_weight_format). Throws
// ConfigError naming the GPU when it has no tensor cores for `p` (FP8 on A100); scenarios reject that
// earlier, naming the precision key (sim/scenario_json.cpp).
double gemm_peak_flops(const GpuSpec& gpu, Precision p);

// One published kernel figure and what the roofline predicts for it.
struct CalibrationRow {
    std::string source; // "DeepGEMM dense", "DeepGEMM masked", "FlashMLA"
    std::string shape;  // "M=64 N=2112 K=7168", "groups=4 M=256 N=4096 K=7168"
    std::string unit;   // "TFLOPS" or "GB/s"
    double published = 0;
    double model     = 0;
    double error() const { return model / published - 1.0; }
};

// The model against every published H800 figure in reference §6-7 (DeepGEMM latest release per shape,
// FlashMLA's two headline figures). `model` must be built on the H800 entry.
std::vector<CalibrationRow> roofline_calibration(const RooflineModel& model);

} // namespace moetwin
