// SPDX-License-Identifier: Apache-2.0
#include "sim/result/training_result.hpp"

#include "common/errors.hpp"
#include "common/json_reader.hpp"
#include "sim/result/result.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace moetwin {
namespace {

using oj = nlohmann::ordered_json;

void require(bool ok, const std::string& what) {
    if (!ok) throw ConfigError("training result: " + what);
}

} // namespace

void validate(const TrainingResult& r) {
    require(r.format_version == kTrainingResultFormatVersion, "format_version must be 1");
    require(r.pp_size >= 1 && r.micro_batches >= 1 && r.num_gpus >= r.pp_size, "pp_size, micro_batches, num_gpus");
    require(r.ranks.size() == std::size_t(r.pp_size), "ranks: expected pp_size entries");
    require(std::isfinite(r.step_s) && r.step_s >= r.pipeline_s && r.pipeline_s >= 0, "step_s >= pipeline_s >= 0");
    for (std::size_t i = 0; i < r.ranks.size(); ++i) {
        const TrainingRank& k = r.ranks[i];
        require(k.rank == int32_t(i), "ranks[" + std::to_string(i) + "].rank out of order");
        require(k.end_s <= r.step_s * (1 + 1e-12) && k.bubble_s >= -1e-9, "ranks[" + std::to_string(i) + "] times");
    }
    for (std::size_t i = 0; i < r.spans.size(); ++i) {
        const TrainingSpan& s = r.spans[i];
        require(s.rank >= 0 && s.rank < r.pp_size && s.begin_s <= s.end_s && s.end_s <= r.step_s * (1 + 1e-12),
                "spans[" + std::to_string(i) + "]: rank or times out of range");
    }
}

std::string training_result_to_json(const TrainingResult& r) {
    validate(r);
    oj j;
    j["format_version"]                = r.format_version;
    j["scenario_name"]                 = r.scenario_name;
    j["schedule"]                      = r.schedule;
    j["pp_size"]                       = r.pp_size;
    j["micro_batches"]                 = r.micro_batches;
    j["num_gpus"]                      = r.num_gpus;
    j["tokens_per_step"]               = r.tokens_per_step;
    j["step_s"]                        = r.step_s;
    j["pipeline_s"]                    = r.pipeline_s;
    j["p2p_s"]                         = r.p2p_s;
    j["tokens_per_s"]                  = r.tokens_per_s;
    j["mfu"]                           = r.mfu;
    j["gpu_hours_per_trillion_tokens"] = r.gpu_hours_per_trillion_tokens;
    j["scenario"]                      = oj::parse(canonical_json_object(r.scenario_json));
    j["ranks"]                         = oj::array();
    for (const TrainingRank& k : r.ranks)
        j["ranks"].push_back({{"rank", k.rank},
                              {"layers", k.layers},
                              {"moe_layers", k.moe_layers},
                              {"f_s", k.f_s},
                              {"b_s", k.b_s},
                              {"w_s", k.w_s},
                              {"fb_s", k.fb_s},
                              {"compute_s", k.compute_s},
                              {"exposed_comm_s", k.exposed_comm_s},
                              {"bubble_s", k.bubble_s},
                              {"dp_sync_s", k.dp_sync_s},
                              {"optimizer_s", k.optimizer_s},
                              {"end_s", k.end_s},
                              {"peak_live_chunks", k.peak_live_chunks}});
    j["spans"] = oj::array();
    for (const TrainingSpan& s : r.spans)
        j["spans"].push_back({{"rank", s.rank}, {"op", s.op}, {"begin_s", s.begin_s}, {"end_s", s.end_s}});
    return j.dump(1) + "\n";
}

TrainingResult training_result_from_json(std::string_view text, const std::string& origin) {
    const nlohmann::json j = parse_json_text(text, origin);
    const JsonObject o(j, "", origin);
    o.finish({"format_version", "scenario_name", "schedule", "pp_size", "micro_batches", "num_gpus", "tokens_per_step",
              "step_s", "pipeline_s", "p2p_s", "tokens_per_s", "mfu", "gpu_hours_per_trillion_tokens", "scenario",
              "ranks", "spans"});
    TrainingResult r;
    r.format_version =
        int32_t(o.integer_in("format_version", kTrainingResultFormatVersion, kTrainingResultFormatVersion));
    r.scenario_name                 = o.string("scenario_name");
    r.schedule                      = o.string("schedule");
    r.pp_size                       = int32_t(o.integer_in("pp_size", 1, 1 << 20));
    r.micro_batches                 = int32_t(o.integer_in("micro_batches", 1, 1 << 30));
    r.num_gpus                      = int32_t(o.integer_in("num_gpus", 1, 1 << 30));
    r.tokens_per_step               = o.integer_in("tokens_per_step", 0, INT64_MAX);
    r.step_s                        = o.non_negative("step_s");
    r.pipeline_s                    = o.non_negative("pipeline_s");
    r.p2p_s                         = o.non_negative("p2p_s");
    r.tokens_per_s                  = o.non_negative("tokens_per_s");
    r.mfu                           = o.non_negative("mfu");
    r.gpu_hours_per_trillion_tokens = o.non_negative("gpu_hours_per_trillion_tokens");
    if (!o.value("scenario").is_object()) o.fail("scenario", "expected an object");
    r.scenario_json       = canonical_json_object(o.value("scenario").dump());
    const JsonArray ranks = o.array("ranks");
    for (std::size_t i = 0; i < ranks.size(); ++i) {
        const JsonObject k =
            ranks.object(i, {"rank", "layers", "moe_layers", "f_s", "b_s", "w_s", "fb_s", "compute_s", "exposed_comm_s",
                             "bubble_s", "dp_sync_s", "optimizer_s", "end_s", "peak_live_chunks"});
        TrainingRank t;
        t.rank             = int32_t(k.integer_in("rank", 0, 1 << 20));
        t.layers           = int32_t(k.integer_in("layers", 0, 1 << 20));
        t.moe_layers       = int32_t(k.integer_in("moe_layers", 0, 1 << 20));
        t.f_s              = k.non_negative("f_s");
        t.b_s              = k.non_negative("b_s");
        t.w_s              = k.non_negative("w_s");
        t.fb_s             = k.non_negative("fb_s");
        t.compute_s        = k.non_negative("compute_s");
        t.exposed_comm_s   = k.non_negative("exposed_comm_s");
        t.bubble_s         = k.number("bubble_s");
        t.dp_sync_s        = k.non_negative("dp_sync_s");
        t.optimizer_s      = k.non_negative("optimizer_s");
        t.end_s            = k.non_negative("end_s");
        t.peak_live_chunks = int32_t(k.integer_in("peak_live_chunks", 0, 1 << 30));
        r.ranks.push_back(t);
    }
    const JsonArray spans = o.array("spans");
    for (std::size_t i = 0; i < spans.size(); ++i) {
        const JsonObject k = spans.object(i, {"rank", "op", "begin_s", "end_s"});
        r.spans.push_back({int32_t(k.integer_in("rank", 0, 1 << 20)), k.string("op"), k.non_negative("begin_s"),
                           k.non_negative("end_s")});
    }
    try {
        validate(r);
    } catch (const ConfigError& e) {
        throw ConfigError(origin + ": " + e.what());
    }
    return r;
}

std::string training_trace_json(const TrainingResult& r) {
    oj events = oj::array();
    events.push_back({{"ph", "M"}, {"pid", 0}, {"name", "process_name"}, {"args", {{"name", "pipeline"}}}});
    for (const TrainingRank& k : r.ranks)
        events.push_back({{"ph", "M"},
                          {"pid", 0},
                          {"tid", k.rank},
                          {"name", "thread_name"},
                          {"args", {{"name", "stage " + std::to_string(k.rank)}}}});
    for (const TrainingSpan& s : r.spans) {
        const char* cat = s.op == "reduce_scatter" || s.op == "all_gather" ? "dp"
                          : s.op == "optimizer"                            ? "optimizer"
                                                                           : "pipeline";
        events.push_back({{"ph", "X"},
                          {"pid", 0},
                          {"tid", s.rank},
                          {"name", s.op},
                          {"cat", cat},
                          {"ts", s.begin_s * 1e6},
                          {"dur", (s.end_s - s.begin_s) * 1e6}});
    }
    oj j;
    j["traceEvents"]     = std::move(events);
    j["displayTimeUnit"] = "ms";
    return j.dump() + "\n";
}

} // namespace moetwin
