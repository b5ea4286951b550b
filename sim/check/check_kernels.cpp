// SPDX-License-Identifier: Apache-2.0
// Kernel figures: the calibrated roofline against every published DeepGEMM and FlashMLA H800 figure
// (the table lives once, in engine/roofline.cpp: roofline_calibration()).
#include "sim/check/checks.hpp"

#include "engine/gpu_spec.hpp"
#include "engine/roofline.hpp"

namespace moetwin::check {

// Tolerances: the GEMM law has six constants fitted to 28 shapes (RMS 5.6 %, worst 14 %, see
// engine/roofline.cpp), so a single shape is held to 15 %; FlashMLA's two figures are each one bound of
// the attention law and are held to 5 %.
inline constexpr double kGemmShapeTolerance = 0.15;
inline constexpr double kFlashMlaTolerance  = 0.05;

std::vector<CheckRow> kernel_rows(const CheckContext&) {
    const RooflineModel model(find_gpu("h800"));
    std::vector<CheckRow> rows;
    for (const CalibrationRow& c : roofline_calibration(model)) {
        const bool mla = c.source.rfind("FlashMLA", 0) == 0;
        CheckRow r;
        r.group  = mla ? "flashmla" : "deepgemm";
        r.item   = c.source + " " + c.shape;
        r.source = mla ? "reference §7 (FlashMLA README, 2025-04 deep dive)" : "reference §6 (DeepGEMM README tables)";
        r.unit   = c.unit;
        r.published = c.published;
        r.twin      = c.model;
        r.tolerance = mla ? kFlashMlaTolerance : kGemmShapeTolerance;
        rows.push_back(std::move(r));
    }
    return rows;
}

} // namespace moetwin::check
