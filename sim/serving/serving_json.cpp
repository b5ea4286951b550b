// SPDX-License-Identifier: Apache-2.0
// The `serving` section of a scenario: strict keys, units converted to SI here (hours and minutes to
// seconds, GB to bytes, ms to seconds). Documented key by key in scenarios/README.md ("serving").
#include "sim/serving/serving_json.hpp"

#include "common/json_reader.hpp"
#include "common/units.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_bounds.hpp"
#include "sim/serving/drift/drift_json.hpp"

#include <cmath>
#include <string>

namespace moetwin::serving {
namespace fs = std::filesystem;

namespace {

constexpr double kHour_s   = 3600;
constexpr double kMinute_s = 60;

// A schedule: [{"at_h": 0, "units": 4}, {"at_h": 8, "units": 6}, ...]; sorted, starting at 0, never empty
// of units (a pool without a unit cannot serve its requests: they would wait for ever).
std::vector<SchedulePoint> parse_schedule(const JsonArray& a, double duration_s) {
    std::vector<SchedulePoint> out;
    if (a.empty()) a.fail_here("expected at least one {\"at_h\", \"units\"} point");
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonObject p = a.object(i, {"at_h", "units"});
        SchedulePoint sp;
        sp.at_s = read_bounded(p, "at_h", "serving.*.schedule[].at_h");
        if (sp.at_s > duration_s)
            p.fail("at_h", format_number(sp.at_s / kHour_s) + " h is after the replay's end (serving.duration_h: " +
                               format_number(duration_s / kHour_s) + " h)");
        sp.units = int(p.integer_in("units", 0, 100000));
        if (i == 0 && sp.at_s != 0)
            p.fail("at_h", "the first point must be at 0 h, got " + format_number(sp.at_s / kHour_s));
        if (i > 0 && sp.at_s <= out.back().at_s)
            p.fail("at_h", "points must be in increasing time, got " + format_number(sp.at_s / kHour_s) + " after " +
                               format_number(out.back().at_s / kHour_s));
        if (sp.units < 1)
            p.fail("units", "leaves the pool with no unit from " + format_number(sp.at_s / kHour_s) +
                                " h: its requests could never be served (at least 1)");
        out.push_back(sp);
    }
    return out;
}

PoolConfig parse_pool(const JsonObject& o, double duration_s) {
    PoolConfig p;
    if (o.has("schedule") == o.has("autoscale"))
        o.fail_here("expected exactly one of \"schedule\" (a list of {at_h, units}) and \"autoscale\"");
    if (o.has("schedule")) {
        o.finish({"schedule", "join_delay_min", "routing", "balancer"}); // the last two: sim/scenario_json.cpp
        p.schedule     = parse_schedule(o.array("schedule"), duration_s);
        p.join_delay_s = read_bounded(o, "join_delay_min", "serving.*.join_delay_min", 0);
        return p;
    }
    o.finish({"autoscale", "routing", "balancer"});
    p.autoscale        = true;
    const JsonObject a = o.object(
        "autoscale", {"min_units", "max_units", "initial_units", "period_min", "target_utilization", "join_delay_min"});
    AutoscalePolicy& q   = p.policy;
    q.min_units          = int(a.integer_in("min_units", 1, 1, 100000));
    q.max_units          = int(a.integer_in("max_units", q.min_units, 100000));
    q.initial_units      = int(a.integer_in("initial_units", q.min_units, q.min_units, q.max_units));
    q.period_s           = read_bounded(a, "period_min", "serving.*.autoscale.period_min", 10 * kMinute_s);
    q.target_utilization = read_bounded(a, "target_utilization", "serving.*.autoscale.target_utilization", 0.7);
    q.join_delay_s       = read_bounded(a, "join_delay_min", "serving.*.autoscale.join_delay_min", 10 * kMinute_s);
    return p;
}

nlohmann::ordered_json pool_json(const PoolConfig& p) {
    using oj = nlohmann::ordered_json;
    if (p.autoscale) {
        const AutoscalePolicy& q = p.policy;
        return {{"autoscale",
                 {{"min_units", q.min_units},
                  {"max_units", q.max_units},
                  {"initial_units", q.initial_units},
                  {"period_min", q.period_s / kMinute_s},
                  {"target_utilization", q.target_utilization},
                  {"join_delay_min", q.join_delay_s / kMinute_s}}}};
    }
    oj sched = oj::array();
    for (const SchedulePoint& sp : p.schedule)
        sched.push_back({{"at_h", sp.at_s / kHour_s}, {"units", sp.units}});
    return {{"schedule", sched}, {"join_delay_min", p.join_delay_s / kMinute_s}};
}

} // namespace

ServingConfig parse_serving(const JsonObject& o, const Scenario& s, const fs::path& base_dir) {
    o.finish({"mode", "duration_h", "series_period_min", "traffic", "prefill", "decode", "prefill_tokens_per_rank",
              "max_batch_per_rank", "chunk_tokens", "prefix_cache", "slo", "prices", "requests_csv", "expert_drift",
              "kv_policy"});
    ServingConfig c;
    c.base_dir = base_dir;
    c.mode     = o.choice("mode", kServingModes, ServingMode::Disaggregated, "serving mode");
    if (!s.deployment.decode)
        o.fail_here("serving needs deployment.decode (the decode units; colocated mode: the only units)");
    if (c.mode == ServingMode::Disaggregated && !s.deployment.prefill)
        o.fail("mode", "\"disaggregated\" needs deployment.prefill (the prefill units)");
    c.duration_s      = read_bounded(o, "duration_h", "serving.duration_h", 24 * kHour_s);
    c.series_period_s = read_bounded(o, "series_period_min", "serving.series_period_min", 10 * kMinute_s);
    if (o.has("traffic")) c.traffic_json = o.object("traffic").raw().dump();
    if (c.mode == ServingMode::Disaggregated) {
        c.prefill = parse_pool(o.object("prefill"), c.duration_s);
    } else if (o.has("prefill")) {
        o.fail("prefill", "\"colocated\" serving has one pool (serving.decode): remove the key");
    }
    c.decode                  = parse_pool(o.object("decode"), c.duration_s);
    c.prefill_tokens_per_rank = read_bounded_integer(o, "prefill_tokens_per_rank", "serving.prefill_tokens_per_rank",
                                                     s.workload.tokens_per_gpu);
    c.max_batch_per_rank =
        read_bounded_integer(o, "max_batch_per_rank", "serving.max_batch_per_rank", s.workload.requests_per_gpu);
    if (c.mode == ServingMode::Colocated)
        c.chunk_tokens = read_bounded_integer(o, "chunk_tokens", "serving.chunk_tokens", c.chunk_tokens);
    else if (o.has("chunk_tokens"))
        o.fail("chunk_tokens", "only used with \"mode\": \"colocated\" (chunked prefill)");
    if (auto pc = o.optional_object("prefix_cache")) {
        pc->finish({"capacity_GB", "read_bandwidth_GBps"});
        c.prefix_cache.enabled        = true;
        c.prefix_cache.capacity_bytes = read_bounded(*pc, "capacity_GB", "serving.prefix_cache.capacity_GB");
        c.prefix_cache.read_bandwidth_Bps =
            read_bounded(*pc, "read_bandwidth_GBps", "serving.prefix_cache.read_bandwidth_GBps");
    }
    if (auto slo = o.optional_object("slo")) {
        slo->finish({"ttft_s", "tpot_ms"});
        c.slo.ttft_s = read_bounded(*slo, "ttft_s", "serving.slo.ttft_s");
        c.slo.tpot_s = read_bounded(*slo, "tpot_ms", "serving.slo.tpot_ms");
    } else {
        o.fail_here("missing required key \"slo\" ({\"ttft_s\", \"tpot_ms\"}: the latency targets attainment counts)");
    }
    if (auto pr = o.optional_object("prices")) {
        pr->finish({"gpu_hour_usd", "input_hit_per_mtok_usd", "input_miss_per_mtok_usd", "output_per_mtok_usd"});
        PriceConfig& p            = c.prices;
        p.gpu_hour_usd            = pr->non_negative("gpu_hour_usd", p.gpu_hour_usd);
        p.input_hit_per_mtok_usd  = pr->non_negative("input_hit_per_mtok_usd", p.input_hit_per_mtok_usd);
        p.input_miss_per_mtok_usd = pr->non_negative("input_miss_per_mtok_usd", p.input_miss_per_mtok_usd);
        p.output_per_mtok_usd     = pr->non_negative("output_per_mtok_usd", p.output_per_mtok_usd);
    }
    c.requests_csv = o.boolean("requests_csv", true);
    if (o.has("expert_drift"))
        c.expert_drift = parse_expert_drift(o.object("expert_drift"), base_dir, c.series_period_s);
    c.kv_policy = o.choice("kv_policy", kKvPolicies, KvPolicy::Reserve, "KV policy");
    return c;
}

nlohmann::ordered_json serving_to_json(const ServingConfig& c) {
    using oj = nlohmann::ordered_json;
    oj j;
    j["mode"]              = std::string(to_string(c.mode));
    j["duration_h"]        = c.duration_s / kHour_s;
    j["series_period_min"] = c.series_period_s / kMinute_s;
    if (!c.traffic_json.empty()) j["traffic"] = oj::parse(c.traffic_json);
    if (c.mode == ServingMode::Disaggregated) j["prefill"] = pool_json(c.prefill);
    j["decode"]                  = pool_json(c.decode);
    j["prefill_tokens_per_rank"] = c.prefill_tokens_per_rank;
    j["max_batch_per_rank"]      = c.max_batch_per_rank;
    if (c.mode == ServingMode::Colocated) j["chunk_tokens"] = c.chunk_tokens;
    if (c.prefix_cache.enabled)
        j["prefix_cache"] = {{"capacity_GB", c.prefix_cache.capacity_bytes / units::kGB},
                             {"read_bandwidth_GBps", c.prefix_cache.read_bandwidth_Bps / units::kGB}};
    j["slo"]          = {{"ttft_s", c.slo.ttft_s}, {"tpot_ms", c.slo.tpot_s * 1e3}};
    j["prices"]       = {{"gpu_hour_usd", c.prices.gpu_hour_usd},
                         {"input_hit_per_mtok_usd", c.prices.input_hit_per_mtok_usd},
                         {"input_miss_per_mtok_usd", c.prices.input_miss_per_mtok_usd},
                         {"output_per_mtok_usd", c.prices.output_per_mtok_usd}};
    j["requests_csv"] = c.requests_csv;
    if (c.expert_drift.enabled) j["expert_drift"] = expert_drift_to_json(c.expert_drift);
    j["kv_policy"] = std::string(to_string(c.kv_policy));
    return j;
}

} // namespace moetwin::serving
