// SPDX-License-Identifier: Apache-2.0
// A `moetwin serve` output folder as the GUI's serving view needs it: series.csv (one row per series period)
// and summary.json (formats: sim/serving/README.md, writers: sim/serving/serve_output.cpp), both read strictly.
// No ImGui.
#pragma once

#include "sim/serving/series_columns.hpp"

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace moetwin::gui {

// series.csv's columns, in file order (serving::series_csv writes exactly this header).
using serving::kSeriesColumns; // series.csv's columns, shared with the writer (sim/serving/series_columns.hpp)

struct ServeSeries {
    // One vector per column (kSeriesColumns order), one element per period; columns[0] is t_s (increasing).
    std::array<std::vector<double>, kSeriesColumns.size()> columns;
    std::size_t rows() const { return columns[0].size(); }
    const std::vector<double>& column(std::string_view name) const; // asserts the name is one of kSeriesColumns
};

struct Percentiles {
    double p50 = 0, p90 = 0, p99 = 0, mean = 0;
};

struct ServeSummary {
    std::string mode; // "disaggregated" | "colocated"
    double duration_s   = 0;
    int64_t requests_in = 0, completed = 0, unfinished = 0;
    int64_t input_tokens = 0, cache_hit_tokens = 0, output_tokens = 0;
    Percentiles ttft_s, tpot_s, e2e_s;
    double slo_attainment     = 0;
    double prefill_nodes_mean = 0, decode_nodes_mean = 0;
    double tokens_per_s_per_user = 0;
    double gpu_hours = 0, cost_usd = 0, revenue_usd = 0;
};

struct ServeData {
    std::filesystem::path dir;
    ServeSeries series;
    ServeSummary summary;
};

// Strict: ConfigError "<file>:<line>: <what>" for series.csv (header, column count, numbers, negative values,
// times not increasing) and the JSON reader's messages for summary.json.
ServeSeries read_series_csv(const std::filesystem::path& file);
ServeSummary read_serve_summary(const std::filesystem::path& file);
ServeData read_serve_dir(const std::filesystem::path& dir); // dir/series.csv + dir/summary.json

} // namespace moetwin::gui
