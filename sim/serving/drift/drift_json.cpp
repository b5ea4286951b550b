// SPDX-License-Identifier: Apache-2.0
// parse_expert_drift / expert_drift_to_json (drift_json.hpp).
#include "sim/serving/drift/drift_json.hpp"

#include "common/errors.hpp"
#include "sim/scenario_bounds.hpp"

#include <cmath>
#include <string>

namespace moetwin::serving {
namespace {

constexpr double kHour_s   = 3600;
constexpr double kMinute_s = 60;

// Whole multiples within a part in 10^9 (the keys are minutes written as decimals).
bool whole_multiple(double x, double of) {
    const double k = x / of;
    return k >= 1 - 1e-9 && std::abs(k - std::round(k)) < 1e-9 * std::max(1.0, k);
}

} // namespace

ExpertDriftConfig parse_expert_drift(const JsonObject& o, const std::filesystem::path& base_dir,
                                     double series_period_s) {
    o.finish({"enabled", "loads", "prefill_loads", "decode_loads", "generated_runs", "hours_per_run", "rebalance_min",
              "window_min", "replacement"});
    ExpertDriftConfig c;
    c.enabled = o.boolean("enabled");
    if (!c.enabled) {
        if (o.raw().size() > 1) o.fail_here("\"enabled\": false takes no other key");
        return c;
    }
    if (!whole_multiple(series_period_s, kMinute_s))
        o.fail_here("expert drift needs serving.series_period_min to be a whole number of minutes, got " +
                    format_number(series_period_s / kMinute_s));
    const auto runs = [&](std::string_view key, std::vector<std::filesystem::path>& out) {
        if (!o.has(key)) return;
        const JsonArray a = o.array(key);
        if (a.size() < 2) a.fail_here("expected at least 2 recorded runs to drift between");
        for (std::size_t i = 0; i < a.size(); ++i) {
            const std::filesystem::path p(a.string(i));
            out.push_back(p.is_absolute() ? p : base_dir / p);
        }
    };
    runs("loads", c.loads);
    runs("prefill_loads", c.prefill_loads);
    runs("decode_loads", c.decode_loads);
    if (o.has("generated_runs")) {
        if (!c.loads_of(true).empty() && !c.loads_of(false).empty())
            o.fail("generated_runs", "only for a pool without recorded runs (runs made from routing)");
        c.generated_runs = int(o.integer_in("generated_runs", c.generated_runs, 2, 1000));
    }
    // A run is mixed minute by minute (load_mix's MixSpec: at least 2 minutes).
    if (o.has("hours_per_run")) { // checked in seconds, kept as written
        (void)read_bounded(o, "hours_per_run", "serving.expert_drift.hours_per_run");
        c.hours_per_run = o.number("hours_per_run");
    }
    if (!whole_multiple(c.hours_per_run * kHour_s, kMinute_s))
        o.fail("hours_per_run", "expected a whole number of minutes, got " + format_number(c.hours_per_run) + " h");
    const auto period = [&](std::string_view key, double fallback_min) {
        const double v = read_bounded(o, key, "serving.expert_drift." + std::string(key), fallback_min * kMinute_s);
        if (v > 0 && !whole_multiple(v, series_period_s))
            o.fail(key, "expected a whole number of series periods (" + format_number(series_period_s / kMinute_s) +
                            " min), got " + format_number(v / kMinute_s) + " min");
        return v;
    };
    c.rebalance_s = period("rebalance_min", c.rebalance_s / kMinute_s);
    c.replacement = o.choice("replacement", kReplacements, ExpertDriftConfig::Replacement::Full, "re-placement");
    c.window_s    = period("window_min", c.rebalance_s > 0 ? c.rebalance_s / kMinute_s : series_period_s / kMinute_s);
    return c;
}

nlohmann::ordered_json expert_drift_to_json(const ExpertDriftConfig& c) {
    nlohmann::ordered_json j;
    j["enabled"] = c.enabled;
    if (!c.enabled) return j;
    const auto paths = [](const std::vector<std::filesystem::path>& v) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const auto& p : v)
            a.push_back(p.string());
        return a;
    };
    if (!c.loads.empty()) j["loads"] = paths(c.loads);
    if (!c.prefill_loads.empty()) j["prefill_loads"] = paths(c.prefill_loads);
    if (!c.decode_loads.empty()) j["decode_loads"] = paths(c.decode_loads);
    if (c.loads_of(true).empty() || c.loads_of(false).empty()) j["generated_runs"] = c.generated_runs;
    j["hours_per_run"] = c.hours_per_run;
    j["rebalance_min"] = c.rebalance_s / kMinute_s;
    j["window_min"]    = c.window_s / kMinute_s;
    j["replacement"]   = std::string(to_string(c.replacement));
    return j;
}

} // namespace moetwin::serving
