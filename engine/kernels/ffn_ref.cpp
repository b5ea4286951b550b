// SPDX-License-Identifier: Apache-2.0
// SwiGLU MLP (shared expert, dense FFN): boundary checks, the per-step Params and the composed reference.
#include "engine/kernels/ffn.hpp"

#include <ostream>

namespace moetwin::kernels {

void validate(const FfnParams& p) {
    const char* op = "ffn";
    require(p.num_rows >= 0, op, field("num_rows", p.num_rows) + ": must be >= 0");
    require(p.hidden > 0 && p.inter > 0, op, "hidden and inter must be > 0");
    require(p.x && p.w_gate_up && p.w_down && p.gate_up && p.act && p.out, op,
            "x, w_gate_up, w_down, gate_up, act and out are required");
    if (p.dtype == GemmDtype::Fp8E4m3)
        require(p.x_scales && p.w_gate_up_scales && p.w_down_scales && p.act_scales, op,
                "FP8 needs x_scales, w_gate_up_scales, w_down_scales and act_scales");
}

GemmParams ffn_gate_up(const FfnParams& p) {
    GemmParams g;
    g.m = p.num_rows, g.n = 2 * p.inter, g.k = p.hidden, g.dtype = p.dtype;
    g.x = p.x, g.w = p.w_gate_up, g.d = p.gate_up;
    if (p.dtype == GemmDtype::Fp8E4m3) g.x_scales = p.x_scales, g.w_scales = p.w_gate_up_scales;
    return g;
}

SwigluParams ffn_swiglu(const FfnParams& p) {
    SwigluParams s;
    s.num_rows = p.num_rows, s.inter = p.inter, s.gate_up = p.gate_up;
    if (p.dtype == GemmDtype::Fp8E4m3) {
        s.out_fp8        = static_cast<fp8_e4m3_t*>(p.act);
        s.out_fp8_scales = p.act_scales;
    } else {
        s.out = static_cast<bf16_t*>(p.act);
    }
    return s;
}

GemmParams ffn_down(const FfnParams& p) {
    GemmParams g;
    g.m = p.num_rows, g.n = p.hidden, g.k = p.inter, g.dtype = p.dtype;
    g.x = p.act, g.w = p.w_down, g.d = p.out;
    if (p.dtype == GemmDtype::Fp8E4m3) g.x_scales = p.act_scales, g.w_scales = p.w_down_scales;
    return g;
}

void ffn_ref(const FfnParams& p) {
    validate(p);
    if (p.num_rows == 0) return;
    gemm_ref(ffn_gate_up(p));
    swiglu_ref(ffn_swiglu(p));
    gemm_ref(ffn_down(p));
}

std::ostream& operator<<(std::ostream& out, const FfnParams& p) {
    return out << "Ffn{rows=" << p.num_rows << " hidden=" << p.hidden << " inter=" << p.inter
               << " dtype=" << (p.dtype == GemmDtype::Fp8E4m3 ? "fp8_e4m3" : "bf16") << "}";
}

} // namespace moetwin::kernels
