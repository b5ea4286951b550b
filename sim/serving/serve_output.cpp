// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/serve_output.hpp"
#include "sim/serving/series_columns.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ostream>

namespace moetwin::serving {
namespace {

// Shortest text that reads back to the same double (std::to_chars): deterministic, locale-free.
void append(std::string& s, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, r.ptr);
}
void append(std::string& s, int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, r.ptr);
}

nlohmann::ordered_json percentiles(const LatencySketch& k) {
    return {{"p50", k.quantile(0.5)}, {"p90", k.quantile(0.9)}, {"p99", k.quantile(0.99)}, {"mean", k.mean()}};
}

} // namespace

CsvRecordSink::CsvRecordSink(std::ostream& out) : out_(out) {
    out_ << "id,arrival_s,input_tokens,output_tokens,hit_tokens,tenant,ttft_s,tpot_s,e2e_s,prefill_unit,"
            "prefill_rank,decode_unit,decode_rank,waited_for_kv,preemptions\n";
}

void CsvRecordSink::on_complete(const RequestRecord& r) {
    line_.clear();
    const auto sep = [&] { line_ += ','; };
    append(line_, r.id), sep(), append(line_, r.arrival_s), sep();
    append(line_, r.input_tokens), sep(), append(line_, r.output_tokens), sep(), append(line_, r.hit_tokens), sep();
    append(line_, int64_t(r.tenant)), sep();
    append(line_, r.ttft_s), sep(), append(line_, r.tpot_s), sep(), append(line_, r.e2e_s), sep();
    append(line_, int64_t(r.prefill_unit)), sep(), append(line_, int64_t(r.prefill_rank)), sep();
    append(line_, int64_t(r.decode_unit)), sep(), append(line_, int64_t(r.decode_rank)), sep();
    line_ += r.waited_for_kv ? "1," : "0,";
    append(line_, int64_t(r.preemptions));
    line_ += '\n';
    out_.write(line_.data(), std::streamsize(line_.size()));
}

// Day-6's conventions: per-node throughput is a day average over the pool's mean node count (idle time
// included); prefill counts input tokens with cache hits, decode counts output tokens.
std::string summary_json(const ReplayInputs& in, const ReplaySummary& s) {
    using oj               = nlohmann::ordered_json;
    const ServingConfig& c = in.config;
    const double T         = c.duration_s;
    const double pnodes = s.prefill_node_s / T, dnodes = s.decode_node_s / T;
    const int gpn_p    = in.prefill.gpus / std::max(1, in.prefill.nodes);
    const int gpn_d    = in.decode.gpus / std::max(1, in.decode.nodes);
    const double gpu_h = (s.prefill_node_s * gpn_p + s.decode_node_s * gpn_d) / 3600;
    const double miss  = double(s.input_tokens - s.hit_tokens);
    const double revenue =
        (double(s.hit_tokens) * c.prices.input_hit_per_mtok_usd + miss * c.prices.input_miss_per_mtok_usd +
         double(s.output_tokens) * c.prices.output_per_mtok_usd) /
        1e6;
    const bool colocated = c.mode == ServingMode::Colocated;
    oj j;
    j["mode"]       = std::string(to_string(c.mode));
    j["duration_s"] = T;
    j["requests"]   = {{"in", s.requests_in},
                       {"completed", s.completed},
                       {"unfinished", s.unfinished},
                       {"waited_for_kv", s.waited_for_kv}};
    j["tokens"]     = {{"input", s.input_tokens},
                       {"cache_hit", s.hit_tokens},
                       {"output", s.output_tokens},
                       {"cache_hit_ratio", s.input_tokens ? double(s.hit_tokens) / double(s.input_tokens) : 0.0},
                       {"kv_per_output_token", s.output_tokens ? s.kv_token_products / double(s.output_tokens) : 0.0}};
    j["latency_s"]  = {{"quantiles", "log-bucketed histogram, relative error < 1 % (sim/serving/latency_sketch.hpp)"},
                       {"ttft", percentiles(s.ttft)},
                       {"tpot", percentiles(s.tpot)},
                       {"e2e", percentiles(s.e2e)}};
    j["slo"]        = {{"ttft_s", c.slo.ttft_s},
                       {"tpot_ms", c.slo.tpot_s * 1e3},
                       {"attainment", s.completed ? double(s.slo_met) / double(s.completed) : 0.0}};
    j["nodes"]      = {{"prefill_mean", pnodes}, {"decode_mean", dnodes}, {"total_mean", pnodes + dnodes}};
    oj tp;
    if (!colocated && pnodes > 0) tp["prefill_input_tokens_per_s_per_node"] = double(s.input_tokens) / T / pnodes;
    if (dnodes > 0) tp["decode_output_tokens_per_s_per_node"] = double(s.output_tokens) / T / dnodes;
    tp["output_tokens_per_s_per_user"] = s.tpot.mean() > 0 ? 1 / s.tpot.mean() : 0.0;
    j["throughput"]                    = tp;
    j["busy"]                          = {{"prefill_unit_s", s.prefill_busy_s},
                                          {"decode_unit_s", s.decode_busy_s},
                                          {"prefill_steps", s.prefill_steps},
                                          {"decode_steps", s.decode_steps}};
    j["kv"]                            = {{"capacity_tokens_per_rank", s.kv_capacity_tokens_per_rank},
                                          {"max_reserved_tokens_per_rank", s.max_kv_reserved_tokens},
                                          {"prefix_cache_evictions", s.cache_evictions},
                                          {"policy", std::string(to_string(c.kv_policy))},
                                          {"preemptions", s.preemptions},
                                          {"preempted_requests", s.preempted_requests},
                                          {"recomputed_tokens", s.recomputed_tokens}};
    j["cost"]                          = {{"gpu_hours", gpu_h},
                                          {"gpu_hour_usd", c.prices.gpu_hour_usd},
                                          {"cost_usd", gpu_h * c.prices.gpu_hour_usd},
                                          {"revenue_usd", revenue}};
    return j.dump(2) + "\n";
}

std::string series_csv(const ReplaySummary& s) {
    std::string out;
    for (const char* c : kSeriesColumns)
        out += (out.empty() ? "" : ",") + std::string(c);
    out += '\n';
    for (const SeriesRow& r : s.series) {
        append(out, r.t_s), out += ',', append(out, r.arrivals), out += ',', append(out, r.input_tokens), out += ',';
        append(out, r.output_tokens), out += ',', append(out, r.completed), out += ',';
        append(out, r.prefill_nodes), out += ',', append(out, r.decode_nodes), out += ',', append(out, r.queued);
        out += ',', append(out, r.kv_use), out += ',', append(out, r.ttft_p50_s), out += ',';
        append(out, r.ttft_p99_s), out += ',', append(out, r.tpot_p50_s), out += ',', append(out, r.tpot_p99_s);
        out += ',', append(out, r.hit_tokens), out += ',', append(out, r.prefill_expert_busiest_over_mean);
        out += ',', append(out, r.prefill_step_factor), out += ',', append(out, r.decode_expert_busiest_over_mean);
        out += ',', append(out, r.decode_step_factor), out += ',', append(out, r.preemptions);
        out += '\n';
    }
    return out;
}

} // namespace moetwin::serving
