// SPDX-License-Identifier: Apache-2.0
// read_sweep_json and the sweep view's maths.
#include "gui/sweep_data.hpp"

#include "common/json_reader.hpp"

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace moetwin::gui {
namespace {

namespace fs = std::filesystem;

std::optional<double> number_or_null(const JsonObject& o, std::string_view key) {
    if (o.value(key).is_null()) return std::nullopt;
    return o.number(key);
}

SweepPoint read_point(const JsonObject& o, const std::vector<std::string>& axes, std::size_t i) {
    o.finish({"point",
              "grid_index",
              "values",
              "verdict",
              "fits",
              "memory_per_gpu_GiB",
              "step_time_ms",
              "tokens_per_s_per_gpu",
              "tokens_per_s_per_node",
              "tokens_per_s_per_user",
              "latency_ms",
              "cost_per_million_tokens_usd",
              "busiest_gpu_ratio",
              "bottleneck",
              "compute_ms",
              "exposed_dispatch_ms",
              "exposed_combine_ms",
              "imbalance_ms",
              "pareto",
              "pareto_cost_latency",
              "scenario_file",
              "key",
              "reason"});
    SweepPoint p;
    p.point = o.integer_in("point", 0, std::numeric_limits<int64_t>::max());
    if (p.point != int64_t(i)) o.fail("point", "expected " + std::to_string(i) + " (points are in point order)");
    o.integer_in("grid_index", 0, std::numeric_limits<int64_t>::max());
    const JsonObject values = o.object("values");
    for (const std::string& a : axes) {
        const nlohmann::json& v = values.value(a);
        if (!v.is_string() && !v.is_number() && !v.is_boolean())
            values.fail(a, "expected a number, string or boolean, got " + describe_json(v));
        p.values.emplace_back(a, v.is_string() ? v.get<std::string>() : v.dump());
    }
    if (values.raw().size() != axes.size()) values.fail_here("expected exactly one value per axis");
    p.verdict = o.string("verdict");
    if (!o.value("fits").is_null()) o.boolean("fits");
    p.memory_per_gpu_GiB = number_or_null(o, "memory_per_gpu_GiB");
    p.simulated          = o.has("step_time_ms");
    if (p.simulated) {
        p.step_time_ms                = o.non_negative("step_time_ms");
        p.tokens_per_s_per_gpu        = o.non_negative("tokens_per_s_per_gpu");
        p.tokens_per_s_per_node       = o.non_negative("tokens_per_s_per_node");
        p.tokens_per_s_per_user       = number_or_null(o, "tokens_per_s_per_user");
        p.latency_ms                  = number_or_null(o, "latency_ms");
        p.cost_per_million_tokens_usd = number_or_null(o, "cost_per_million_tokens_usd");
        o.number("busiest_gpu_ratio");
        p.bottleneck = o.string("bottleneck");
        for (const char* k : {"compute_ms", "exposed_dispatch_ms", "exposed_combine_ms", "imbalance_ms"})
            o.number(k);
    }
    p.pareto              = o.boolean("pareto");
    p.pareto_cost_latency = o.boolean("pareto_cost_latency");
    p.scenario_file       = o.string("scenario_file");
    p.key                 = o.string("key");
    p.reason              = o.string("reason");
    if (p.pareto && !p.simulated) o.fail("pareto", "a point on the front must have been simulated");
    return p;
}

} // namespace

fs::path SweepData::scenario_of(std::size_t i) const {
    if (i >= points.size() || points[i].scenario_file.empty()) return {};
    return path.parent_path() / points[i].scenario_file;
}

SweepData read_sweep_json(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string file = path.string();
    const nlohmann::json j = parse_json_text(ss.str(), file);
    if (!j.is_object()) throw ConfigError(file + ": (top level): expected an object, got " + describe_json(j));
    const JsonObject root(j, "", file);
    root.finish({"format", "format_version", "moetwin_version", "name", "description", "axes", "sampling",
                 "constraints", "cost", "counts", "pareto_front", "pareto_front_cost_latency", "points"});
    if (root.string("format") != "moetwin-sweep") root.fail("format", "expected \"moetwin-sweep\"");
    root.integer_in("format_version", 1, 1);
    SweepData d;
    d.path               = path;
    d.moetwin_version    = root.string("moetwin_version");
    d.name               = root.string("name");
    d.description        = root.string("description");
    const JsonArray axes = root.array("axes");
    if (axes.empty()) axes.fail_here("expected at least one axis");
    for (std::size_t a = 0; a < axes.size(); ++a) {
        const JsonObject ax = axes.object(a, {"path", "values"});
        d.axes.push_back(ax.string("path"));
        ax.array("values");
    }
    root.object("sampling");
    root.object("constraints");
    root.object("cost");
    const JsonObject counts = root.object("counts");
    const JsonArray points  = root.array("points");
    int64_t counted         = 0;
    for (const auto& [verdict, n] : counts.raw().items())
        counted += counts.integer_in(verdict, 0, std::numeric_limits<int32_t>::max());
    if (counted != int64_t(points.size()))
        counts.fail_here("the counts add up to " + std::to_string(counted) + ", but there are " +
                         std::to_string(points.size()) + " points");
    for (std::size_t i = 0; i < points.size(); ++i)
        d.points.push_back(read_point(points.object(i), d.axes, i));
    const JsonArray front = root.array("pareto_front");
    std::set<int64_t> on_front;
    for (std::size_t i = 0; i < front.size(); ++i) {
        const int64_t p = front.integer_in(i, 0, int64_t(points.size()) - 1);
        if (!d.points[std::size_t(p)].pareto) front.fail(i, "point " + std::to_string(p) + " is not marked pareto");
        d.pareto_front.push_back(p);
        on_front.insert(p);
    }
    for (const SweepPoint& p : d.points)
        if (p.pareto && !on_front.count(p.point))
            root.fail("pareto_front", "point " + std::to_string(p.point) + " is marked pareto but not listed");
    const JsonArray front_cost = root.array("pareto_front_cost_latency");
    for (std::size_t i = 0; i < front_cost.size(); ++i)
        front_cost.integer_in(i, 0, int64_t(points.size()) - 1);
    return d;
}

bool on_gpu_user_plot(const SweepPoint& p) {
    return p.simulated && p.tokens_per_s_per_user.has_value();
}

int nearest_point(const std::vector<std::pair<float, float>>& xy, float x, float y, float radius) {
    int best     = -1;
    float best_d = radius * radius;
    for (std::size_t i = 0; i < xy.size(); ++i) {
        const float dx = xy[i].first - x, dy = xy[i].second - y;
        const float d = dx * dx + dy * dy;
        if (d <= best_d) best = int(i), best_d = d;
    }
    return best;
}

} // namespace moetwin::gui
