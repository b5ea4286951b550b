// SPDX-License-Identifier: Apache-2.0
// The serving output readers.
#include "gui/serve_data.hpp"

#include "common/json_reader.hpp"
#include "sim/serving/serving_config.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw ConfigError(p.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t c = line.find(',', start);
        out.push_back(line.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
        if (c == std::string_view::npos) return out;
        start = c + 1;
    }
}

Percentiles percentiles(const JsonObject& o) {
    o.finish({"p50", "p90", "p99", "mean"});
    return {o.non_negative("p50"), o.non_negative("p90"), o.non_negative("p99"), o.non_negative("mean")};
}

} // namespace

const std::vector<double>& ServeSeries::column(std::string_view name) const {
    for (std::size_t c = 0; c < kSeriesColumns.size(); ++c)
        if (name == kSeriesColumns[c]) return columns[c];
    MOETWIN_ASSERT(false, "unknown series column");
    return columns[0];
}

ServeSeries read_series_csv(const fs::path& file) {
    const std::string text = read_all(file);
    const std::string f    = file.string();
    std::string header;
    for (const char* c : kSeriesColumns)
        header += (header.empty() ? "" : ",") + std::string(c);
    ServeSeries s;
    std::size_t line_no = 0, pos = 0;
    bool saw_header = false;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        ++line_no;
        const std::string where = f + ":" + std::to_string(line_no) + ": ";
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!saw_header) {
            if (line != header) throw ConfigError(where + "expected the header \"" + header + "\"");
            saw_header = true;
            continue;
        }
        if (line.empty()) throw ConfigError(where + "empty line");
        const auto fields = split(line);
        if (fields.size() != kSeriesColumns.size())
            throw ConfigError(where + "expected " + std::to_string(kSeriesColumns.size()) + " fields, got " +
                              std::to_string(fields.size()));
        for (std::size_t c = 0; c < fields.size(); ++c) {
            double v       = 0;
            const auto res = std::from_chars(fields[c].data(), fields[c].data() + fields[c].size(), v);
            if (fields[c].empty() || res.ec != std::errc() || res.ptr != fields[c].data() + fields[c].size() ||
                !std::isfinite(v))
                throw ConfigError(where + "column " + kSeriesColumns[c] + ": expected a number, got \"" +
                                  std::string(fields[c]) + "\"");
            if (v < 0)
                throw ConfigError(where + "column " + kSeriesColumns[c] + ": expected a value >= 0, got " +
                                  std::string(fields[c]));
            if (c == 0 && !s.columns[0].empty() && v <= s.columns[0].back())
                throw ConfigError(where + "column t_s: times must increase (" + std::string(fields[c]) + " after " +
                                  format_number(s.columns[0].back()) + ")");
            s.columns[c].push_back(v);
        }
    }
    if (!saw_header) throw ConfigError(f + ":1: empty file, expected the header \"" + header + "\"");
    return s;
}

ServeSummary read_serve_summary(const fs::path& file) {
    const std::string f    = file.string();
    const nlohmann::json j = parse_json_text(read_all(file), f);
    if (!j.is_object()) throw ConfigError(f + ": (top level): expected an object, got " + describe_json(j));
    const JsonObject root(j, "", f);
    root.finish(
        {"mode", "duration_s", "requests", "tokens", "latency_s", "slo", "nodes", "throughput", "busy", "kv", "cost"});
    ServeSummary s;
    root.string("mode"); // required
    s.mode = std::string(
        to_string(root.choice("mode", serving::kServingModes, serving::ServingMode::Disaggregated, "serving mode")));
    s.duration_s         = root.positive("duration_s");
    const JsonObject req = root.object("requests", {"in", "completed", "unfinished", "waited_for_kv"});
    s.requests_in        = req.integer_in("in", 0, INT64_MAX);
    s.completed          = req.integer_in("completed", 0, INT64_MAX);
    s.unfinished         = req.integer_in("unfinished", 0, INT64_MAX);
    req.integer_in("waited_for_kv", 0, INT64_MAX);
    if (s.requests_in != s.completed + s.unfinished) req.fail("in", "expected completed + unfinished");
    const JsonObject tok =
        root.object("tokens", {"input", "cache_hit", "output", "cache_hit_ratio", "kv_per_output_token"});
    s.input_tokens     = tok.integer_in("input", 0, INT64_MAX);
    s.cache_hit_tokens = tok.integer_in("cache_hit", 0, INT64_MAX);
    s.output_tokens    = tok.integer_in("output", 0, INT64_MAX);
    tok.number_in("cache_hit_ratio", 0, 1);
    if (tok.has("kv_per_output_token")) tok.non_negative("kv_per_output_token"); // absent in older summaries
    const JsonObject lat = root.object("latency_s", {"quantiles", "ttft", "tpot", "e2e"});
    lat.string("quantiles");
    s.ttft_s             = percentiles(lat.object("ttft"));
    s.tpot_s             = percentiles(lat.object("tpot"));
    s.e2e_s              = percentiles(lat.object("e2e"));
    const JsonObject slo = root.object("slo", {"ttft_s", "tpot_ms", "attainment"});
    slo.non_negative("ttft_s");
    slo.non_negative("tpot_ms");
    s.slo_attainment       = slo.number_in("attainment", 0, 1);
    const JsonObject nodes = root.object("nodes", {"prefill_mean", "decode_mean", "total_mean"});
    s.prefill_nodes_mean   = nodes.non_negative("prefill_mean");
    s.decode_nodes_mean    = nodes.non_negative("decode_mean");
    nodes.non_negative("total_mean");
    const JsonObject tp =
        root.object("throughput", {"prefill_input_tokens_per_s_per_node", "decode_output_tokens_per_s_per_node",
                                   "output_tokens_per_s_per_user"});
    s.tokens_per_s_per_user = tp.non_negative("output_tokens_per_s_per_user");
    tp.non_negative("prefill_input_tokens_per_s_per_node", 0);
    tp.non_negative("decode_output_tokens_per_s_per_node", 0);
    const JsonObject busy = root.object("busy", {"prefill_unit_s", "decode_unit_s", "prefill_steps", "decode_steps"});
    busy.non_negative("prefill_unit_s");
    busy.non_negative("decode_unit_s");
    busy.integer_in("prefill_steps", 0, INT64_MAX);
    busy.integer_in("decode_steps", 0, INT64_MAX);
    const JsonObject kv =
        root.object("kv", {"capacity_tokens_per_rank", "max_reserved_tokens_per_rank", "prefix_cache_evictions",
                           "policy", "preemptions", "preempted_requests", "recomputed_tokens"});
    kv.integer_in("capacity_tokens_per_rank", 0, INT64_MAX);
    kv.integer_in("max_reserved_tokens_per_rank", 0, INT64_MAX);
    kv.integer_in("prefix_cache_evictions", 0, INT64_MAX);
    const JsonObject cost = root.object("cost", {"gpu_hours", "gpu_hour_usd", "cost_usd", "revenue_usd"});
    s.gpu_hours           = cost.non_negative("gpu_hours");
    cost.non_negative("gpu_hour_usd");
    s.cost_usd    = cost.non_negative("cost_usd");
    s.revenue_usd = cost.non_negative("revenue_usd");
    return s;
}

ServeData read_serve_dir(const fs::path& dir) {
    ServeData d;
    d.dir     = dir;
    d.series  = read_series_csv(dir / "series.csv");
    d.summary = read_serve_summary(dir / "summary.json");
    return d;
}

} // namespace moetwin::gui
