// SPDX-License-Identifier: Apache-2.0
// The roofline calibration file: efficiency factors fitted to a profiler trace of a real run (written by
// `moetwin calibrate`, sim/calibrate/), per op family and SM count, plus the in-situ DeepEP figures of that
// run (kept for the record; the network model does not read them). A scenario names one with
// compute.calibration; the roofline then times each op with its family's fitted factor.
// Format (calibration_json.cpp is the only JSON code for it):
//
// {
//   "format": "moetwin.calibration", "version": 1,
//   "source": {"trace": "deepseek_v3_train_ep64.json.gz", "gpu": "NVIDIA H800", "num_sms": 132,
//              "scenario": "deepseek_v3_train_ep64_trace", "generator": "moetwin calibrate 0.1.0"},
//   "factors": [
//     {"family": "gemm_fp8", "num_sms": 112, "parameter": "gemm_compute", "value": 0.61, "default": 0.74,
//      "clamped": false, "measured_us": 2504.0, "roofline_default_us": 2080.1,
//      "fitted_from": [{"op": "q_a_proj", "stage": "attn(F)", "occurrences": 4, "kernels": 4,
//                       "median_us": 101.5}, ...]},
//     ...],
//   "deepep": [
//     {"kernel": "dispatch", "stage": "dispatch(F)", "num_sms": 20, "kernels": 4, "median_us": 4604.0,
//      "bytes_per_gpu": 2.4e8, "bytes_formula": "...", "GBps": 53.0}, ...]
// }
//
// Families and the one parameter of RooflineEfficiency each fits (calibration_family() decides an op's):
//   gemm_fp8          dense FP8 GEMMs, forward and input gradient        gemm_compute
//   grouped_gemm_fp8  grouped FP8 GEMMs (routed experts), fwd and dgrad  gemm_compute
//   wgrad_gemm_fp8    FP8 weight-gradient GEMMs (dense and grouped)      gemm_compute
//   gemm_bf16         BF16 GEMMs and the router gate                     gemm_compute (at the BF16 peak)
//   attention_fwd     prefill core attention forward                     prefill_attention_compute
//   attention_bwd     prefill core attention backward                    prefill_attention_compute
//   norm              RMSNorm forward, recomputation and backward        norm_memory
//   elementwise       SwiGLU and other OpKind::Elementwise ops           elementwise_memory
// Decode attention (FlashMLA), casts, transposes, rotary, permute, reduce and sampling are in no family:
// they keep the defaults of RooflineEfficiency (engine/roofline.hpp, read off the same trace per kernel).
#pragma once

#include "engine/op_spec.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moetwin {

struct RooflineEfficiency;

enum class CalibrationFamily {
    GemmFp8,
    GroupedGemmFp8,
    WgradGemmFp8,
    GemmBf16,
    AttentionFwd,
    AttentionBwd,
    Norm,
    Elementwise
};
inline constexpr int kNumCalibrationFamilies = 8;

std::string_view to_string(CalibrationFamily family);
// Throws ConfigError "unknown calibration family 'x' (known: ...)".
CalibrationFamily parse_calibration_family(std::string_view name);
// "gemm_compute", "attention_compute" or "elementwise_memory".
std::string_view fitted_parameter(CalibrationFamily family);
// The family an op is timed and fitted in; nullopt for Communication ops (the network model times them).
std::optional<CalibrationFamily> calibration_family(const OpSpec& op, const OpShape& shape);

// One op a factor was fitted from.
struct FitSource {
    std::string op;
    std::string stage;
    int occurrences  = 0;
    int kernels      = 0; // kernels over all occurrences
    double median_us = 0; // median over the occurrences of the op's GPU time
};

struct EfficiencyFactor {
    CalibrationFamily family   = CalibrationFamily::GemmFp8;
    int num_sms                = 0;
    double value               = 0;     // the fitted RooflineEfficiency parameter, in (0, 1]
    double default_value       = 0;     // the built-in constant it replaces
    bool clamped               = false; // the fit wanted more than 1 (the roofline's bytes or FLOPs overestimate)
    double measured_us         = 0;     // sum of the sources' medians
    double roofline_default_us = 0;     // what the uncalibrated roofline predicts for them
    std::vector<FitSource> fitted_from;
};

// In-situ DeepEP figure of the traced run (for the record).
struct DeepEpInSitu {
    std::string kernel; // "dispatch", "combine", "notify_dispatch", "cached_notify", "get_dispatch_layout"
    std::string stage;
    int num_sms          = 0; // CTAs the kernel ran with (one per SM)
    int kernels          = 0;
    double median_us     = 0;
    double bytes_per_gpu = 0; // 0 for notify/layout kernels
    std::string bytes_formula;
    double GBps = 0;
    // The network model's rate for the same kernel alone (DeepEP's test traffic at the traced EP size,
    // generation and SMs, the same byte metric), and GBps / model_GBps: the share of its benchmark rate the
    // kernel kept beside the overlapped compute (contention for HBM and the SMs' copy loops). 0 for
    // notify/layout kernels. The step simulator scales normal-mode phases by it (ExecOptions).
    double model_GBps = 0;
    double rate_share = 0;
};

struct CalibrationFile {
    std::string trace;     // the trace it was fitted from (file name)
    std::string gpu;       // the trace's device name
    int gpu_num_sms = 0;   // the device's SMs
    std::string scenario;  // the scenario that described the traced run
    std::string generator; // "moetwin calibrate 0.1.0"
    std::vector<EfficiencyFactor> factors;
    std::vector<DeepEpInSitu> deepep;

    // The factor of `family` at `num_sms`, else at the nearest fitted SM count (ties: the larger); null when
    // the family was not fitted.
    const EfficiencyFactor* find(CalibrationFamily family, int num_sms) const;
};

// `base` with the family's fitted parameter replaced (unchanged when the family has no factor).
RooflineEfficiency calibrated_efficiency(const RooflineEfficiency& base, const CalibrationFile& file,
                                         CalibrationFamily family, int num_sms);
// The parameter of `eff` that `family` fits, by reference (for fitting).
double& fitted_field(RooflineEfficiency& eff, CalibrationFamily family);

// calibration_json.cpp: strict reading (errors name the file, line:column for syntax errors, else the JSON
// path, and what was expected) and deterministic writing.
CalibrationFile parse_calibration_json(std::string_view text, const std::string& origin);
CalibrationFile read_calibration_file(const std::filesystem::path& path);
std::string to_calibration_json(const CalibrationFile& file);

} // namespace moetwin
