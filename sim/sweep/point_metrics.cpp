// SPDX-License-Identifier: Apache-2.0
// A point's figures and their cache entry (point_metrics.hpp).
#include "sim/sweep/point_metrics.hpp"

#include "common/json_reader.hpp"
#include "sim/sweep/sweep_bottleneck.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace moetwin::sweep {

PointMetrics metrics_of(const Scenario& s, const RunResult& r) {
    PointMetrics m;
    m.step_time_ns          = r.summary.step_time_ns;
    m.tokens_per_step       = r.summary.tokens_per_step;
    m.tokens_per_s_per_gpu  = r.summary.tokens_per_s_per_gpu;
    m.busiest_gpu_ratio     = r.summary.gpu_balance_step;
    m.tokens_per_s_per_node = r.summary.tokens_per_s_per_node;
    const Bottleneck b      = bottleneck_of(r);
    m.bottleneck            = b.name;
    m.compute_ns            = b.compute_ns;
    m.exposed_dispatch_ns   = b.exposed_dispatch_ns;
    m.exposed_combine_ns    = b.exposed_combine_ns;
    m.imbalance_ns          = b.imbalance_ns;
    const double step_s     = double(r.summary.step_time_ns) * 1e-9;
    const double per_step   = 1.0 + s.workload.mtp_draft_tokens * s.workload.mtp_acceptance;
    m.tokens_per_s_per_user =
        s.workload.phase == Phase::Decode && step_s > 0 ? per_step / step_s : std::numeric_limits<double>::quiet_NaN();
    return m;
}

std::string cache_key(const std::string& resolved_scenario, const std::string& version) {
    // FNV-1a, 64-bit (offset basis and prime from the FNV specification, draft-eastlake-fnv).
    uint64_t h     = 0xcbf29ce484222325ull;
    const auto mix = [&h](const std::string& s) {
        for (const unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ull;
        }
    };
    mix(version);
    mix("\n");
    mix(resolved_scenario);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    return buf;
}

std::string cache_entry_text(const PointMetrics& m, const std::string& resolved_scenario, const std::string& version) {
    nlohmann::ordered_json j;
    j["moetwin_version"]       = version;
    j["ok"]                    = m.ok;
    j["reason"]                = m.reason;
    j["step_time_ns"]          = m.step_time_ns;
    j["tokens_per_step"]       = m.tokens_per_step;
    j["tokens_per_s_per_gpu"]  = m.tokens_per_s_per_gpu;
    j["tokens_per_s_per_user"] = std::isnan(m.tokens_per_s_per_user) ? nlohmann::ordered_json(nullptr)
                                                                     : nlohmann::ordered_json(m.tokens_per_s_per_user);
    j["busiest_gpu_ratio"]     = m.busiest_gpu_ratio;
    j["tokens_per_s_per_node"] = m.tokens_per_s_per_node;
    j["bottleneck"]            = m.bottleneck;
    j["compute_ns"]            = m.compute_ns;
    j["exposed_dispatch_ns"]   = m.exposed_dispatch_ns;
    j["exposed_combine_ns"]    = m.exposed_combine_ns;
    j["imbalance_ns"]          = m.imbalance_ns;
    j["scenario"]              = nlohmann::ordered_json::parse(resolved_scenario);
    return j.dump(2) + "\n";
}

std::optional<PointMetrics> read_cache_entry(const std::string& text, const std::string& file,
                                             const std::string& resolved_scenario, const std::string& version) {
    const nlohmann::json j = parse_json_text(text, file);
    const JsonObject o(j, "", file);
    o.finish({"moetwin_version", "ok", "reason", "step_time_ns", "tokens_per_step", "tokens_per_s_per_gpu",
              "tokens_per_s_per_user", "busiest_gpu_ratio", "tokens_per_s_per_node", "bottleneck", "compute_ns",
              "exposed_dispatch_ns", "exposed_combine_ns", "imbalance_ns", "scenario"});
    if (o.string("moetwin_version") != version) return std::nullopt;
    if (o.value("scenario") != nlohmann::json::parse(resolved_scenario)) return std::nullopt;
    PointMetrics m;
    m.ok                    = o.boolean("ok");
    m.reason                = o.string("reason");
    m.step_time_ns          = o.integer_in("step_time_ns", 0, INT64_MAX);
    m.tokens_per_step       = o.integer_in("tokens_per_step", 0, INT64_MAX);
    m.tokens_per_s_per_gpu  = o.non_negative("tokens_per_s_per_gpu");
    m.tokens_per_s_per_user = o.value("tokens_per_s_per_user").is_null() ? std::numeric_limits<double>::quiet_NaN()
                                                                         : o.non_negative("tokens_per_s_per_user");
    m.busiest_gpu_ratio     = o.non_negative("busiest_gpu_ratio");
    m.tokens_per_s_per_node = o.non_negative("tokens_per_s_per_node");
    m.bottleneck            = o.string("bottleneck");
    m.compute_ns            = o.integer_in("compute_ns", 0, INT64_MAX);
    m.exposed_dispatch_ns   = o.integer_in("exposed_dispatch_ns", 0, INT64_MAX);
    m.exposed_combine_ns    = o.integer_in("exposed_combine_ns", 0, INT64_MAX);
    m.imbalance_ns          = o.integer_in("imbalance_ns", 0, INT64_MAX);
    return m;
}

} // namespace moetwin::sweep
