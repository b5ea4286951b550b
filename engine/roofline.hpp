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
    double gemm_compute    = 0.74;  // share of the tensor-core peak reached in the K loop
    double gemm_memory     = 0.90;  // share of HBM bandwidth when streaming weights
    double gemm_k_overhead = 256;   // K elements of pipeline fill and epilogue per output tile
    double overlap_power   = 2.0;   // time = (t_compute^p + t_memory^p)^(1/p): partial overlap
    int gemm_saturating_ctas = 24;  // CTAs in flight needed to saturate HBM; fewer stream proportionally less
    int gemm_block_n         = 128; // output tile: 64 × 128 for M <= 64, else 128 × 128 (DeepGEMM's common blocks)
    // MLA core attention (FlashMLA, reference §7): 660 of 989.4 TFLOPS BF16 compute-bound (2025-04
    // kernel) and 3000 of 3350 GB/s memory-bound.
    double attention_compute = 660.0 / 989.4;
    double attention_memory  = 3000.0 / 3350.0;
    // Norms, SwiGLU, gate, permutation: memory-bound kernels. No published per-kernel figure; we take
    // the GEMM streaming efficiency (an assumption until profiles replace it).
    double elementwise_memory = 0.95;
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
    double gemm_seconds(double flops, double bytes, int64_t groups, int64_t m, int64_t n, int64_t k,
                        double peak_flops, int num_sms) const;
    const GpuSpec& gpu() const { return gpu_; }
    const RooflineEfficiency& efficiency() const { return eff_; }
    const CalibrationFile* calibration() const { return calibration_.get(); }

private:
    double gemm_seconds(const RooflineEfficiency& eff, double flops, double bytes, int64_t groups, int64_t m,
                        int64_t n, int64_t k, double peak_flops, int num_sms) const;

    GpuSpec gpu_;
    RooflineEfficiency eff_;
    std::shared_ptr<const CalibrationFile> calibration_;
};

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
