// SPDX-License-Identifier: Apache-2.0
// training_span_kind, stage_shares, uncovered_pipeline_s.
#include "gui/training_spans.hpp"

#include <algorithm>
#include <cctype>

namespace moetwin::gui {

std::string_view to_string(TrainingSpanKind k) {
    switch (k) {
    case TrainingSpanKind::F:
        return "F (forward)";
    case TrainingSpanKind::B:
        return "B (input gradient)";
    case TrainingSpanKind::BW:
        return "BW (full backward)";
    case TrainingSpanKind::W:
        return "W (weight gradient)";
    case TrainingSpanKind::FB:
        return "F&B (overlapped pair)";
    case TrainingSpanKind::DpSync:
        return "DP reduce-scatter / all-gather";
    case TrainingSpanKind::Optimizer:
        return "optimizer";
    case TrainingSpanKind::Other:
        return "other";
    }
    return "?";
}

TrainingSpanKind training_span_kind(std::string_view op) {
    if (op == "reduce_scatter" || op == "all_gather") return TrainingSpanKind::DpSync;
    if (op == "optimizer") return TrainingSpanKind::Optimizer;
    std::size_t n = 0;
    while (n < op.size() && std::isupper(static_cast<unsigned char>(op[n])))
        ++n;
    if (n == 0 || n == op.size() || !std::isdigit(static_cast<unsigned char>(op[n]))) return TrainingSpanKind::Other;
    const std::string_view letters = op.substr(0, n);
    if (letters == "F") return TrainingSpanKind::F;
    if (letters == "B") return TrainingSpanKind::B;
    if (letters == "BW") return TrainingSpanKind::BW;
    if (letters == "W") return TrainingSpanKind::W;
    if (letters == "FB") return TrainingSpanKind::FB;
    return TrainingSpanKind::Other;
}

StageShares stage_shares(const TrainingRank& r, double step_s) {
    if (step_s <= 0) return {};
    return {r.compute_s / step_s, r.exposed_comm_s / step_s, r.bubble_s / step_s,
            r.dp_sync_s / step_s, r.optimizer_s / step_s,    std::max(0.0, step_s - r.end_s) / step_s};
}

std::vector<double> uncovered_pipeline_s(const TrainingResult& r) {
    std::vector<std::vector<std::pair<double, double>>> by_rank(std::size_t(std::max(r.pp_size, 0)));
    for (const TrainingSpan& s : r.spans)
        if (s.rank >= 0 && s.rank < r.pp_size)
            by_rank[std::size_t(s.rank)].emplace_back(std::max(0.0, s.begin_s), std::min(s.end_s, r.pipeline_s));
    std::vector<double> out;
    for (auto& spans : by_rank) {
        std::sort(spans.begin(), spans.end());
        double covered = 0, reach = 0;
        for (const auto& [b, e] : spans) {
            const double from = std::max(b, reach);
            if (e > from) covered += e - from, reach = e;
        }
        out.push_back(std::max(0.0, r.pipeline_s - covered));
    }
    return out;
}

} // namespace moetwin::gui
