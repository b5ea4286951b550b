// SPDX-License-Identifier: Apache-2.0
// Network figures: every DeepEP generation's own published table (reference §5.1; the rows live once,
// in sim/published/deepep_calibration.cpp) through the twin's network model, and the ISCA'25 decode
// speed bound from the twin's own message sizes and NIC speed.
#include "sim/check/checks.hpp"

#include "engine/model_spec.hpp"
#include "sim/network/deepep.hpp"
#include "sim/published/deepep_calibration.hpp"
#include "sim/published/deepep_generation.hpp"
#include "topologies/cluster_spec.hpp"

#include <fmt/format.h>

namespace moetwin::check {
namespace {

// ISCA'25 §2.3.2 (as the issue quotes it): with computation fully hidden under communication, a decode
// step of DeepSeek-V3 on 400 Gb/s IB is bounded by the all-to-all: each device dispatches (FP8) and
// combines (BF16) 32 tokens × 9 experts (8 routed + 1 shared served as routed) per micro-batch, two
// micro-batches per layer, 61 layers: 61 × 2 × (1 B + 2 B) × 32 × 9 × 7K / 50 GB/s = 14.76 ms TPOT.
constexpr double kIscaTpotBound_ms = 14.76;
constexpr int kIscaTokensPerExpert = 32;
constexpr int kIscaSelections      = 9;
constexpr int kIscaMicroBatches    = 2;

} // namespace

std::vector<CheckRow> deepep_rows_all_generations(const CheckContext& ctx) {
    std::vector<CheckRow> rows;
    for (const DeepEpGenerationInfo& gen : deepep_generations()) {
        CalibrationSetup setup = setup_for(gen.generation);
        setup.use_simgrid      = false; // the fluid model in-process: the same solve `moetwin run` uses
        setup.seed             = ctx.seed;
        const std::vector<PublishedRow> published = deepep_rows(gen.generation);
        for (const CalibrationResult& c : run_calibration(setup, published)) {
            const PublishedRow& p = c.published;
            const bool ll         = p.mode == DeepEpMode::LowLatency;
            CheckRow r;
            r.group     = "deepep";
            r.item      = fmt::format("{} EP{} {} {}", gen.name, p.ep, ll ? "low-latency" : "normal",
                                 p.direction == CommDirection::Dispatch ? "dispatch" : "combine");
            r.source    = fmt::format("reference §5.1 (DeepEP README {}, {})", gen.commit, gen.date);
            r.unit      = ll ? "us" : "GB/s";
            r.published = ll ? p.latency_us : p.bandwidth_GBps;
            r.twin      = ll ? c.simulated_us : c.simulated_GBps;
            r.tolerance = kCalibrationTolerance;
            rows.push_back(std::move(r));
        }
    }
    return rows;
}

std::vector<CheckRow> network_rows(const CheckContext&) {
    const ModelSpec& v3 = find_model("deepseek_v3");
    DeepEpShape shape;
    shape.hidden   = int(v3.hidden_size);
    shape.num_topk = v3.top_k + 1;
    // The twin's wire bytes per selection (DeepEP low-latency layout: FP8 payload + 1×128 scales + 16 B
    // header; BF16 combine) over the cluster's NIC speed.
    const double bytes_per_selection =
        double(ll_dispatch_bytes_per_selection(shape) + ll_combine_bytes_per_selection(shape));
    const double nic_Bps = ClusterSpec{}.ib_bandwidth_Bps;
    const double layer_s = kIscaMicroBatches * kIscaTokensPerExpert * kIscaSelections * bytes_per_selection / nic_Bps;
    std::vector<CheckRow> rows;
    rows.push_back({.group     = "isca",
                    .item      = "decode TPOT bound, all-to-all only, 50 GB/s NIC",
                    .source    = "ISCA'25 §2.3.2 (Insights into DeepSeek-V3)",
                    .unit      = "ms",
                    .published = kIscaTpotBound_ms,
                    .twin      = v3.num_layers * layer_s * 1e3,
                    .tolerance = 0.05,
                    .note      = "paper rounds hidden 7168 to 7K (2.4 %) and omits scales and headers (1.1 %)"});
    return rows;
}

} // namespace moetwin::check
