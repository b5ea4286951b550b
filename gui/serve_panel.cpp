// SPDX-License-Identifier: Apache-2.0
// ServePanel.
#include "gui/serve_panel.hpp"

#include "gui/plot_widget.hpp"
#include "gui/view_probe.hpp"
#include "gui/widgets.hpp"

#include <imgui.h>

namespace moetwin::gui {

void ServePanel::draw(const ServeData& d) {
    const ServeSeries& s = d.series;
    if (cached_for_ != &d || cached_rows_ != s.rows()) {
        cached_for_ = &d, cached_rows_ = s.rows();
        const auto& t = s.column("t_s");
        t_h_.clear(), arrivals_per_s_.clear(), input_per_s_.clear(), output_per_s_.clear();
        for (std::size_t i = 0; i < s.rows(); ++i) {
            // A row's counts are those of the period ending at t_s; the first period starts at 0.
            const double period = t[i] - (i ? t[i - 1] : 0.0);
            t_h_.push_back(t[i] / 3600);
            arrivals_per_s_.push_back(s.column("arrivals")[i] / period);
            input_per_s_.push_back(s.column("input_tokens")[i] / period);
            output_per_s_.push_back(s.column("output_tokens")[i] / period);
        }
        const auto scaled = [&](const char* col, double k, std::vector<double>* out) {
            out->clear();
            for (const double v : s.column(col))
                out->push_back(v * k);
        };
        scaled("kv_use", 100, &kv_pct_);
        scaled("ttft_p50_s", 1e3, &ttft50_ms_), scaled("ttft_p99_s", 1e3, &ttft99_ms_);
        scaled("tpot_p50_s", 1e3, &tpot50_ms_), scaled("tpot_p99_s", 1e3, &tpot99_ms_);
    }
    const ServeSummary& m = d.summary;
    ImGui::Text("serving replay (%s), %s: %.1f h, %lld requests (%lld completed, %lld unfinished)", m.mode.c_str(),
                d.dir.string().c_str(), m.duration_s / 3600, static_cast<long long>(m.requests_in),
                static_cast<long long>(m.completed), static_cast<long long>(m.unfinished));
    ImGui::Text("TTFT p50 %.3f s, p99 %.3f s; TPOT p50 %.1f ms, p99 %.1f ms; %.1f tokens/s per user; SLO met %s",
                m.ttft_s.p50, m.ttft_s.p99, 1e3 * m.tpot_s.p50, 1e3 * m.tpot_s.p99, m.tokens_per_s_per_user,
                format_percent(m.slo_attainment).c_str());
    ImGui::Text("nodes: prefill %.2f, decode %.2f (means); %.1f GPU-hours, cost $%.0f, revenue $%.0f; cache hits %s",
                m.prefill_nodes_mean, m.decode_nodes_mean, m.gpu_hours, m.cost_usd, m.revenue_usd,
                format_percent(m.input_tokens ? double(m.cache_hit_tokens) / double(m.input_tokens) : 0).c_str());
    if (s.rows() == 0) {
        coloured_text(kWarnColor, "series.csv has no periods: the replay was shorter than one series period");
        view_probe().set("serve.rows", 0);
        return;
    }
    const ImU32 c0 = op_colour(0), c1 = op_colour(2), c2 = op_colour(1);
    const float w = ImGui::GetContentRegionAvail().x * 0.5f - 4;
    const float h = std::max(ImGui::GetContentRegionAvail().y / 3 - 4, 90.0f);
    int plots = 0, lines = 0;
    const auto plot = [&](const char* title, std::vector<PlotSeries> series, const char* unit, bool same_line) {
        if (same_line) ImGui::SameLine();
        lines += line_plot(title, t_h_, "hours", series, unit, ImVec2(w, h));
        ++plots;
    };
    plot("load", {{"requests/s", &arrivals_per_s_, c0}}, "/s", false);
    plot("tokens", {{"input/s", &input_per_s_, c0}, {"output/s", &output_per_s_, c1}}, "/s", true);
    plot("nodes (paid)", {{"prefill", &s.column("prefill_nodes"), c0}, {"decode", &s.column("decode_nodes"), c1}}, "",
         false);
    plot("queue and KV", {{"waiting requests", &s.column("queued"), c0}, {"KV use %", &kv_pct_, c2}}, "", true);
    plot("TTFT", {{"p50", &ttft50_ms_, c0}, {"p99", &ttft99_ms_, c1}}, "ms", false);
    plot("TPOT", {{"p50", &tpot50_ms_, c0}, {"p99", &tpot99_ms_, c1}}, "ms", true);
    view_probe().set("serve.rows", double(s.rows()));
    view_probe().set("serve.plots", plots);
    view_probe().set("serve.lines", lines);
}

} // namespace moetwin::gui
