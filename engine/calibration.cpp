// SPDX-License-Identifier: Apache-2.0
// Calibration families and how a fitted factor replaces a roofline constant (calibration.hpp).
#include "engine/calibration.hpp"

#include "common/errors.hpp"
#include "engine/roofline.hpp"

#include <array>
#include <cstdlib>

namespace moetwin {
namespace {

constexpr std::array<std::string_view, kNumCalibrationFamilies> kNames = {
    "gemm_fp8", "grouped_gemm_fp8", "wgrad_gemm_fp8", "gemm_bf16", "attention_fwd",    "attention_bwd",
    "norm",     "elementwise",      "cast",           "transpose", "weight_transpose", "rotary",
    "permute",  "permute_index",    "reduce",         "routing"};

// The memory-bound families: (family, op kind, RooflineEfficiency field name, field).
struct MemoryFamily {
    CalibrationFamily family;
    OpKind kind;
    std::string_view parameter;
    double RooflineEfficiency::*field;
};
constexpr MemoryFamily kMemoryFamilies[] = {
    {CalibrationFamily::Norm, OpKind::Norm, "norm_memory", &RooflineEfficiency::norm_memory},
    {CalibrationFamily::Elementwise, OpKind::Elementwise, "elementwise_memory",
     &RooflineEfficiency::elementwise_memory},
    {CalibrationFamily::Cast, OpKind::Cast, "cast_memory", &RooflineEfficiency::cast_memory},
    {CalibrationFamily::Transpose, OpKind::Transpose, "transpose_memory", &RooflineEfficiency::transpose_memory},
    {CalibrationFamily::WeightTranspose, OpKind::WeightTranspose, "weight_transpose_memory",
     &RooflineEfficiency::weight_transpose_memory},
    {CalibrationFamily::Rotary, OpKind::Rotary, "rotary_memory", &RooflineEfficiency::rotary_memory},
    {CalibrationFamily::Permute, OpKind::Permute, "permute_memory", &RooflineEfficiency::permute_memory},
    {CalibrationFamily::PermuteIndex, OpKind::PermuteIndex, "permute_index_memory",
     &RooflineEfficiency::permute_index_memory},
    {CalibrationFamily::Reduce, OpKind::Reduce, "reduce_memory", &RooflineEfficiency::reduce_memory},
    {CalibrationFamily::Routing, OpKind::Routing, "routing_memory", &RooflineEfficiency::routing_memory},
};

const MemoryFamily* memory_family(CalibrationFamily f) {
    for (const MemoryFamily& m : kMemoryFamilies)
        if (m.family == f) return &m;
    return nullptr;
}

} // namespace

std::string_view to_string(CalibrationFamily family) {
    return kNames[size_t(family)];
}

CalibrationFamily parse_calibration_family(std::string_view name) {
    std::string known;
    for (size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) return CalibrationFamily(i);
        known += (i ? ", " : "") + std::string(kNames[i]);
    }
    throw ConfigError("unknown calibration family '" + std::string(name) + "' (known: " + known + ")");
}

std::string_view fitted_parameter(CalibrationFamily family) {
    switch (family) {
    case CalibrationFamily::AttentionFwd:
    case CalibrationFamily::AttentionBwd:
        return "prefill_attention_compute";
    default:
        if (const MemoryFamily* m = memory_family(family)) return m->parameter;
        return "gemm_compute";
    }
}

std::optional<CalibrationFamily> calibration_family(const OpSpec& op, const OpShape& shape) {
    switch (op.kind) {
    case OpKind::Communication:
        return std::nullopt;
    case OpKind::Gemm:
    case OpKind::GroupedGemm: {
        if (!(op.quantized && shape.weight_precision == Precision::Fp8E4m3)) return CalibrationFamily::GemmBf16;
        if (op.pass == OpPass::WeightGrad) return CalibrationFamily::WgradGemmFp8;
        return op.kind == OpKind::GroupedGemm ? CalibrationFamily::GroupedGemmFp8 : CalibrationFamily::GemmFp8;
    }
    case OpKind::Gate:
        return CalibrationFamily::GemmBf16;
    case OpKind::Attention:
        // Prefill (FlashAttention-style) kernels only: the decode kernel (FlashMLA) is another kernel with its
        // own published figures, and a training trace says nothing about it.
        if (op.only_in == Phase::Decode || (!op.only_in && shape.phase == Phase::Decode)) return std::nullopt;
        return op.pass == OpPass::InputGrad ? CalibrationFamily::AttentionBwd : CalibrationFamily::AttentionFwd;
    default: // the memory-bound kinds; sampling has no family (no trace runs it)
        for (const MemoryFamily& m : kMemoryFamilies)
            if (m.kind == op.kind) return m.family;
        return std::nullopt;
    }
}

const EfficiencyFactor* CalibrationFile::find(CalibrationFamily family, int num_sms) const {
    const EfficiencyFactor* best = nullptr;
    for (const EfficiencyFactor& f : factors) {
        if (f.family != family) continue;
        if (!best) {
            best = &f;
            continue;
        }
        const int d = std::abs(f.num_sms - num_sms), db = std::abs(best->num_sms - num_sms);
        if (d < db || (d == db && f.num_sms > best->num_sms)) best = &f;
    }
    return best;
}

double& fitted_field(RooflineEfficiency& eff, CalibrationFamily family) {
    switch (family) {
    case CalibrationFamily::AttentionFwd:
    case CalibrationFamily::AttentionBwd:
        return eff.prefill_attention_compute;
    default:
        if (const MemoryFamily* m = memory_family(family)) return eff.*(m->field);
        return eff.gemm_compute;
    }
}

RooflineEfficiency calibrated_efficiency(const RooflineEfficiency& base, const CalibrationFile& file,
                                         CalibrationFamily family, int num_sms) {
    RooflineEfficiency eff = base;
    if (const EfficiencyFactor* f = file.find(family, num_sms)) fitted_field(eff, family) = f->value;
    return eff;
}

} // namespace moetwin
