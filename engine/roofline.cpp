// SPDX-License-Identifier: Apache-2.0
// The calibrated roofline. GEMMs: t = (t_c^p + t_m^p)^(1/p) + t_0, where
//   t_c = flops · (K + k0)/K / (peak · e_c · wave efficiency)   (partial last wave of output tiles)
//   t_m = bytes / (bandwidth · e_m · min(1, tiles / c_sat))    (too few CTAs cannot saturate HBM)
// The six GEMM constants were chosen by a grid search minimising the RMS relative TFLOPS error over
// DeepGEMM's 28 published H800 shapes: RMS 5.6 %, worst 14 % (M = 64, N = 7168, K = 2048). Without the
// two tile terms the best fit was RMS 10 % and 30 % worst, at N = 2112 (17 column tiles: 4.1 waves at
// M = 4096, 17 CTAs at M <= 128). `moetwin bench roofline` prints the table; tests pin it.
#include "engine/roofline.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace moetwin {

RooflineModel::RooflineModel(GpuSpec gpu, RooflineEfficiency eff, std::shared_ptr<const CalibrationFile> calibration)
    : gpu_(std::move(gpu)), eff_(eff), calibration_(std::move(calibration)) {
    gpu_.validate();
}

std::string RooflineModel::describe() const {
    return "roofline (" + gpu_.name + ")" +
           (calibration_ ? ", calibrated from " + calibration_->trace + " (" +
                               std::to_string(calibration_->factors.size()) + " factors)"
                         : "");
}

double RooflineModel::gemm_seconds(double flops, double bytes, int64_t groups, int64_t m, int64_t n, int64_t k,
                                   double peak_flops, int num_sms) const {
    return gemm_seconds(eff_, flops, bytes, groups, m, n, k, peak_flops, num_sms);
}

double RooflineModel::gemm_seconds(const RooflineEfficiency& eff, double flops, double bytes, int64_t groups, int64_t m,
                                   int64_t n, int64_t k, double peak_flops, int num_sms) const {
    num_sms               = std::clamp(num_sms, 1, gpu_.num_sms);
    const double sm_share = double(num_sms) / gpu_.num_sms;
    const int64_t block_m = m <= 64 ? 64 : 128;
    const auto ceil_div   = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
    const int64_t tiles   = std::max<int64_t>(groups, 1) * ceil_div(std::max<int64_t>(m, 1), block_m) *
                          ceil_div(std::max<int64_t>(n, 1), eff.gemm_block_n);
    const int64_t waves     = ceil_div(tiles, num_sms);
    const double wave_eff   = tiles >= num_sms ? double(tiles) / double(waves * num_sms) : 1.0;
    const double stream_eff = std::min(1.0, double(tiles) / eff.gemm_saturating_ctas);
    const double kd         = double(std::max<int64_t>(k, 1));
    const double t_c = flops / (peak_flops * sm_share * eff.gemm_compute * wave_eff) * (kd + eff.gemm_k_overhead) / kd;
    const double t_m = bytes / (gpu_.hbm_bandwidth_Bps * eff.gemm_memory * stream_eff);
    const double p   = eff.overlap_power;
    return std::pow(std::pow(t_c, p) + std::pow(t_m, p), 1.0 / p) + eff.kernel_overhead_s;
}

OpTime RooflineModel::op_time(const OpSpec& op, const OpShape& shape, int num_sms) const {
    MOETWIN_ASSERT(op.kind != OpKind::Communication, "the network model times communication ops: " + op.name);
    const double flops = op.flops ? op.flops(shape) : 0.0;
    const double bytes = op.bytes ? op.bytes(shape) : 0.0;
    if (flops <= 0 && bytes <= 0) return {0.0, false}; // e.g. a grouped GEMM with no tokens routed here
    const double sm_share  = double(std::clamp(num_sms, 1, gpu_.num_sms)) / gpu_.num_sms;
    const double peak      = gemm_peak_flops(gpu_, op.quantized ? shape.weight_precision : Precision::Bf16);
    RooflineEfficiency eff = eff_; // the calibrated factor of the op's family, if any
    bool gate_as_gemm      = false;
    if (calibration_)
        if (const auto family = calibration_family(op, shape)) {
            eff          = calibrated_efficiency(eff_, *calibration_, *family, num_sms);
            gate_as_gemm = op.kind == OpKind::Gate && calibration_->find(*family, num_sms);
        }
    if (op.gemm_dims) {
        const GemmDims d = op.gemm_dims(shape);
        return {gemm_seconds(eff, flops, bytes, d.groups, d.m, d.n, d.k, peak, num_sms), false};
    }
    if (gate_as_gemm)
        return {gemm_seconds(eff, flops, bytes, 1, shape.num_tokens, op.out_features, op.in_features, peak, num_sms),
                false};
    switch (op.kind) {
    case OpKind::Gemm:
    case OpKind::GroupedGemm: {
        const bool grouped   = op.kind == OpKind::GroupedGemm;
        const int64_t shards = std::max<int64_t>(1, std::min<int64_t>(shape.attn_tp_size, op.max_tp_shards));
        const int64_t n      = op.tp_splits_in_features ? op.out_features : op.out_features / shards;
        const int64_t k      = op.tp_splits_in_features ? op.in_features / shards : op.in_features;
        const int64_t groups = grouped ? shape.num_local_experts : op.instances_per_layer;
        const int64_t m      = grouped ? shape.tokens_per_expert : shape.num_tokens;
        return {gemm_seconds(eff, flops, bytes, groups, m, n, k, peak, num_sms), false};
    }
    case OpKind::Attention: {
        // FlashMLA (decode) and FlashAttention-3 (prefill) run BF16 on tensor cores; memory- or
        // compute-bound, with no overlap penalty (their published figures are each at one bound).
        const bool prefill = op.only_in ? *op.only_in == Phase::Prefill : shape.phase == Phase::Prefill;
        const double e_c   = prefill ? eff.prefill_attention_compute : eff.attention_compute;
        const double t_c   = flops / (gpu_.peak_flops_bf16 * sm_share * e_c);
        const double t_m   = bytes / (gpu_.hbm_bandwidth_Bps * eff.attention_memory);
        return {std::max(t_c, t_m) + eff.kernel_overhead_s, false};
    }
    default: {
        const double t_m = bytes / (gpu_.hbm_bandwidth_Bps * memory_efficiency(eff, op.kind));
        const double t_c = flops / (gpu_.peak_flops_bf16 * sm_share); // CUDA-core work is never the bound here
        return {std::max(t_c, t_m) + eff.kernel_overhead_s, false};
    }
    }
}

double gemm_peak_flops(const GpuSpec& gpu, Precision p) {
    if (!computes_in_weight_format(p)) return gpu.peak_flops_bf16; // 16-bit operands (weight-only dequantised)
    const double peak = p == Precision::Int8 ? gpu.peak_ops_int8 : gpu.peak_flops_fp8;
    if (!(peak > 0))
        throw ConfigError("gpu '" + gpu.name + "' has no " + std::string(to_string(p)) +
                          " tensor cores: GEMM weights in " + std::string(to_string(p)) + " cannot run on it");
    return peak;
}

double RooflineModel::memory_efficiency(const RooflineEfficiency& eff_, OpKind kind) {
    switch (kind) {
    case OpKind::Norm:
        return eff_.norm_memory;
    case OpKind::Cast:
        return eff_.cast_memory;
    case OpKind::Transpose:
        return eff_.transpose_memory;
    case OpKind::Rotary:
        return eff_.rotary_memory;
    case OpKind::Permute:
        return eff_.permute_memory;
    case OpKind::Reduce:
        return eff_.reduce_memory;
    case OpKind::WeightTranspose:
        return eff_.weight_transpose_memory;
    case OpKind::Routing:
        return eff_.routing_memory;
    case OpKind::PermuteIndex:
        return eff_.permute_index_memory;
    default:
        return eff_.elementwise_memory;
    }
}

namespace {

struct GemmFigure {
    const char* source;
    int64_t groups, m, n, k;
    double tflops; // latest published H800 figure for the shape (reference §6)
};

// DeepGEMM README tables (reference §6): dense uses the April (989c9e3) figure where published, else
// March (55ab91f) = February; grouped contiguous March; grouped masked February = March.
constexpr GemmFigure kDeepGemm[] = {
    {"DeepGEMM dense", 1, 64, 2112, 7168, 206},         {"DeepGEMM dense", 1, 64, 24576, 1536, 289},
    {"DeepGEMM dense", 1, 64, 32768, 512, 219},         {"DeepGEMM dense", 1, 64, 7168, 16384, 336},
    {"DeepGEMM dense", 1, 64, 4096, 7168, 287},         {"DeepGEMM dense", 1, 64, 7168, 2048, 295},
    {"DeepGEMM dense", 1, 128, 2112, 7168, 352},        {"DeepGEMM dense", 1, 128, 24576, 1536, 535},
    {"DeepGEMM dense", 1, 128, 32768, 512, 358},        {"DeepGEMM dense", 1, 128, 7168, 16384, 645},
    {"DeepGEMM dense", 1, 128, 4096, 7168, 533},        {"DeepGEMM dense", 1, 128, 7168, 2048, 510},
    {"DeepGEMM dense", 1, 4096, 2112, 7168, 1127},      {"DeepGEMM dense", 1, 4096, 24576, 1536, 1212},
    {"DeepGEMM dense", 1, 4096, 32768, 512, 775},       {"DeepGEMM dense", 1, 4096, 7168, 16384, 1520},
    {"DeepGEMM dense", 1, 4096, 4096, 7168, 1410},      {"DeepGEMM dense", 1, 4096, 7168, 2048, 1168},
    {"DeepGEMM contiguous", 4, 8192, 4096, 7168, 1346}, {"DeepGEMM contiguous", 4, 8192, 7168, 2048, 1214},
    {"DeepGEMM contiguous", 8, 4096, 4096, 7168, 1346}, {"DeepGEMM contiguous", 8, 4096, 7168, 2048, 1214},
    {"DeepGEMM masked", 1, 1024, 4096, 7168, 1233},     {"DeepGEMM masked", 1, 1024, 7168, 2048, 925},
    {"DeepGEMM masked", 2, 512, 4096, 7168, 1040},      {"DeepGEMM masked", 2, 512, 7168, 2048, 916},
    {"DeepGEMM masked", 4, 256, 4096, 7168, 932},       {"DeepGEMM masked", 4, 256, 7168, 2048, 815},
};

std::string gemm_shape(const GemmFigure& f) {
    std::ostringstream s;
    if (f.groups > 1) s << "groups=" << f.groups << ' ';
    s << "M=" << f.m << " N=" << f.n << " K=" << f.k;
    return s.str();
}

} // namespace

std::vector<CalibrationRow> roofline_calibration(const RooflineModel& model) {
    const GpuSpec& gpu = model.gpu();
    std::vector<CalibrationRow> rows;
    for (const GemmFigure& f : kDeepGemm) {
        // FP8 e4m3 operands (1 B) with 1×128 / 128×128 scales ignored (<1 %), BF16 output (2 B).
        const double flops = 2.0 * double(f.groups * f.m * f.n * f.k);
        const double bytes = double(f.groups) * double(f.m * f.k + f.n * f.k + 2 * f.m * f.n);
        const double t     = model.gemm_seconds(flops, bytes, f.groups, f.m, f.n, f.k, gpu.peak_flops_fp8, gpu.num_sms);
        rows.push_back({f.source, gemm_shape(f), "TFLOPS", f.tflops, flops / t / 1e12});
    }
    // FlashMLA decode (reference §7), through op_time's attention law: b = 128 requests, s_k = 8192,
    // d_k = 576, d_v = 512, BF16 KV. Compute-bound at h_q = 128, s_q = 2 (MTP): 660 TFLOPS (2025-04
    // kernel). Memory-bound at h_q = 16, s_q = 1: 3000 GB/s.
    const RooflineEfficiency& eff = model.efficiency();
    const auto mla_seconds        = [&](double flops, double bytes) {
        const double t_c = flops / (gpu.peak_flops_bf16 * eff.attention_compute);
        const double t_m = bytes / (gpu.hbm_bandwidth_Bps * eff.attention_memory);
        return std::max(t_c, t_m) + eff.kernel_overhead_s;
    };
    const double b = 128, s_k = 8192;
    const double bytes    = 2 * s_k * 576 * b;
    const double flops_cb = 2 * 128.0 * 2 * s_k * (576 + 512) * b;
    rows.push_back({"FlashMLA decode", "b=128 s_k=8192 h_q=128 s_q=2", "TFLOPS", 660,
                    flops_cb / mla_seconds(flops_cb, bytes) / 1e12});
    const double flops_mb = 2 * 16.0 * 1 * s_k * (576 + 512) * b;
    rows.push_back(
        {"FlashMLA decode", "b=128 s_k=8192 h_q=16 s_q=1", "GB/s", 3000, bytes / mla_seconds(flops_mb, bytes) / 1e9});
    return rows;
}

} // namespace moetwin
