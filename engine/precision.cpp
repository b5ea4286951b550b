// SPDX-License-Identifier: Apache-2.0
// Storage cost of each number format; see precision.hpp for the formats and their sources.
#include "engine/precision.hpp"

#include "common/errors.hpp"

#include <array>
#include <string>

namespace moetwin {
namespace {

constexpr int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

} // namespace

double element_bytes(Precision p) {
    switch (p) {
    case Precision::Bf16:
        return 2.0;
    case Precision::Fp8E4m3:
        return 1.0;
    case Precision::Int4:
        return 0.5;
    case Precision::Nvfp4:
        return 0.5;
    case Precision::Fp16:
        return 2.0;
    case Precision::Int8:
        return 1.0;
    case Precision::Int4G128:
        return 0.5;
    }
    MOETWIN_ASSERT(false, "unhandled Precision");
    return 0;
}

double bytes_per_param(Precision p) {
    switch (p) {
    case Precision::Bf16:
        return 2.0;
    case Precision::Fp8E4m3:
        return 1.0 + 4.0 / (kFp8BlockSize * kFp8BlockSize);
    case Precision::Int4:
        return 0.5 + 2.0 / kInt4GroupSize;
    case Precision::Nvfp4:
        return 0.5 + 1.0 / kNvfp4BlockSize;
    case Precision::Fp16:
        return 2.0;
    case Precision::Int8:
        return 1.0;
    case Precision::Int4G128:
        return 0.5 + 2.5 / kInt4G128GroupSize;
    }
    MOETWIN_ASSERT(false, "unhandled Precision");
    return 0;
}

int64_t matrix_bytes(int64_t in_features, int64_t out_features, Precision p) {
    MOETWIN_ASSERT(in_features >= 0 && out_features >= 0, "negative matrix dimension");
    const int64_t n = in_features * out_features;
    if (n == 0) return 0;
    switch (p) {
    case Precision::Bf16:
        return 2 * n;
    case Precision::Fp8E4m3:
        return n + ceil_div(in_features, kFp8BlockSize) * ceil_div(out_features, kFp8BlockSize) * 4;
    case Precision::Int4:
        return ceil_div(n, 2) + ceil_div(in_features, kInt4GroupSize) * out_features * 2;
    case Precision::Nvfp4:
        return ceil_div(n, 2) + ceil_div(in_features, kNvfp4BlockSize) * out_features + 4;
    case Precision::Fp16:
        return 2 * n;
    case Precision::Int8:
        return n + out_features * 4;
    case Precision::Int4G128:
        return ceil_div(n, 2) +
               ceil_div(in_features, kInt4G128GroupSize) * (out_features * 2 + ceil_div(out_features, 8) * 4);
    }
    MOETWIN_ASSERT(false, "unhandled Precision");
    return 0;
}

double activation_row_bytes(int64_t n, Precision p) {
    if (p == Precision::Fp8E4m3) return double(n) + double(ceil_div(n, kFp8BlockSize)) * 4.0;
    if (p == Precision::Int8) return double(n) + 4.0;
    return 2.0 * double(n);
}

bool computes_in_weight_format(Precision p) {
    return p == Precision::Fp8E4m3 || p == Precision::Int8;
}

std::string_view to_string(Precision p) {
    return table_name(kPrecisions, p);
}

Precision parse_precision(std::string_view name) {
    return table_parse(kPrecisions, name, "precision");
}

} // namespace moetwin
