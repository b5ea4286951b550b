// SPDX-License-Identifier: Apache-2.0
// The sweep file's reader (sweep_spec.hpp): strict, through common/json_reader.hpp, with the axes checked
// against the scenario schema (the base's canonical form, sim/scenario_json_write.cpp, names every key the
// parser resolved; a key the base leaves out is accepted when the parser takes it with one of its values).
#include "sim/sweep/sweep_spec.hpp"

#include "common/atomic_file.hpp"
#include "common/json_reader.hpp"
#include "common/spelling.hpp"
#include "engine/gpu_spec.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_bounds.hpp"
#include "sim/sweep/sweep_points.hpp"

#include <algorithm>
#include <cmath>

namespace moetwin::sweep {
namespace fs = std::filesystem;
namespace {

bool valid_path_syntax(const std::string& p) {
    if (p.empty() || p.front() == '.' || p.back() == '.' || p.find("..") != std::string::npos) return false;
    return std::all_of(p.begin(), p.end(), [](char c) { return std::isalnum(uint8_t(c)) || c == '_' || c == '.'; });
}

bool has_axis(const SweepSpec& spec, const std::string& path) {
    return std::any_of(spec.axes.begin(), spec.axes.end(), [&](const Axis& a) { return a.path == path; });
}

std::string type_name(const nlohmann::json& v) {
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    return "an object";
}

bool same_type(const nlohmann::json& want, const nlohmann::json& got) {
    if (want.is_number_integer()) return got.is_number_integer();
    if (want.is_number()) return got.is_number();
    return want.type() == got.type();
}

// A range's values: from, from + step, ... or from, from × factor, ... up to `to` inclusive. Integers when
// from, to and step are integers.
std::vector<nlohmann::json> range_values(const JsonObject& r) {
    r.finish({"from", "to", "step", "factor"});
    const double from = r.number("from"), to = r.number("to");
    if (to < from) r.fail("to", format_number(to) + " is below from (" + format_number(from) + ")");
    if (r.has("step") == r.has("factor")) r.fail_here("expected exactly one of \"step\" and \"factor\"");
    std::vector<nlohmann::json> out;
    const auto too_many = [&] { r.fail_here("spans more than " + std::to_string(kMaxGridPoints) + " values"); };
    if (r.has("step")) {
        const double step = r.positive("step");
        const bool ints   = r.value("from").is_number_integer() && r.value("to").is_number_integer() &&
                          r.value("step").is_number_integer();
        for (int64_t k = 0;; ++k) {
            const double v = from + double(k) * step; // not accumulated: no drift over many steps
            if (v > to + 1e-9 * step) break;
            if (k >= kMaxGridPoints) too_many();
            out.push_back(ints ? nlohmann::json(r.integer("from") + k * r.integer("step")) : nlohmann::json(v));
        }
    } else {
        const double factor = r.positive("factor");
        if (factor <= 1) r.fail("factor", "expected a factor above 1, got " + format_number(factor));
        if (from <= 0) r.fail("from", "a range with a factor needs from > 0, got " + format_number(from));
        const bool ints = r.value("from").is_number_integer() && r.value("to").is_number_integer();
        for (double v = from; v <= to * (1 + 1e-12); v *= factor) {
            if (ints && v != std::floor(v)) r.fail("factor", "gives " + format_number(v) + ", not an integer");
            out.push_back(ints ? nlohmann::json(int64_t(v)) : nlohmann::json(v));
        }
    }
    return out;
}

// Checks an axis against the base: the path is a scenario key (or one the parser takes with some value),
// not derived, and every value has the key's type.
void check_axis(const JsonArray& axes, std::size_t i, const Axis& axis, const SweepSpec& spec,
                const nlohmann::json& canonical) {
    const JsonObject o = axes.object(i);
    if (!valid_path_syntax(axis.path))
        o.fail("path",
               "expected a dotted path of scenario keys (\"workload.requests_per_gpu\"), got \"" + axis.path + "\"");
    if (const std::string from = derived_from(axis.path); !from.empty())
        o.fail("path", "\"" + axis.path + "\" is derived by the scenario parser from " + from +
                           ": make one of those the axis and it moves with it");
    const nlohmann::json* own = json_find(canonical, axis.path);
    if (!own) own = json_find(spec.base, axis.path);
    if (own && own->is_object())
        o.fail("path", "\"" + axis.path + "\" names an object; an axis sets one value (a key inside it)");
    for (std::size_t v = 0; v < axis.values.size(); ++v) {
        const nlohmann::json& x = axis.values[v];
        const bool scalar       = x.is_number() || x.is_string() || x.is_boolean();
        const std::string where = o.has("values") ? o.array("values").path_of(v) : o.path_of("range");
        if (!scalar)
            throw ConfigError(spec.origin + ": " + where + ": expected a number, string or boolean, got " +
                              describe_json(x));
        if (own && !same_type(*own, x))
            throw ConfigError(spec.origin + ": " + where + ": expected " + type_name(*own) + " (scenario key " +
                              axis.path + "), got " + describe_json(x));
    }
    if (own) return;
    // Not in the base: a key the parser accepts (workload.mtp.draft_tokens when the base has no MTP)?
    std::string refusal;
    for (const nlohmann::json& x : axis.values) {
        nlohmann::json trial = spec.base;
        json_set(trial, axis.path, x);
        try {
            (void)parse_scenario(trial.dump(), spec.base_origin, spec.base_dir);
            return;
        } catch (const ConfigError& e) {
            if (refusal.empty()) refusal = e.what();
        }
    }
    std::vector<std::string> keys = json_leaf_paths(canonical);
    std::vector<std::string_view> names(keys.begin(), keys.end());
    const std::string best = closest_spelling(axis.path, names, 3);
    o.fail("path", "\"" + axis.path + "\" is not a key of the base scenario" +
                       (best.empty() ? std::string() : " (did you mean \"" + best + "\"?)") +
                       ", and the scenario parser refuses it with every value: " + refusal);
}

} // namespace

SweepSpec parse_sweep(const std::string& text, const std::string& origin, const fs::path& base_dir) {
    const nlohmann::json j = parse_json_text(text, origin);
    const JsonObject root(j, "", origin);
    root.finish({"name", "description", "base", "axes", "sampling", "constraints", "cost"});
    SweepSpec spec;
    spec.origin = origin;
    spec.name   = root.string("name");
    if (spec.name.empty() || spec.name.find_first_of("/\\ ") != std::string::npos)
        root.fail("name", "expected a non-empty name without spaces or slashes, got \"" + spec.name + "\"");
    spec.description = root.string("description", "");

    const nlohmann::json& base = root.value("base");
    if (base.is_string()) { // a scenario file, relative to the sweep file
        fs::path p = root.string("base");
        if (p.is_relative()) p = base_dir / p;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) root.fail("base", "scenario file \"" + p.string() + "\" does not exist");
        spec.base_origin = p.lexically_normal().string();
        spec.base        = parse_json_text(read_file(p), spec.base_origin);
        spec.base_dir    = p.has_parent_path() ? p.parent_path() : fs::path(".");
    } else if (base.is_object()) { // embedded
        spec.base        = base;
        spec.base_origin = origin + " (base)";
        spec.base_dir    = base_dir;
    } else {
        root.fail("base", "expected a scenario file path or an embedded scenario object, got " + describe_json(base));
    }
    const Scenario resolved        = parse_scenario(spec.base.dump(), spec.base_origin, spec.base_dir);
    const nlohmann::json canonical = nlohmann::json::parse(scenario_to_json(resolved));

    const JsonArray axes = root.array("axes");
    if (axes.empty()) root.fail("axes", "expected at least one axis");
    int64_t grid = 1;
    for (std::size_t i = 0; i < axes.size(); ++i) {
        const JsonObject a = axes.object(i, {"path", "values", "range"});
        Axis axis;
        axis.path = a.string("path");
        for (const Axis& earlier : spec.axes)
            if (earlier.path == axis.path || axis.path.rfind(earlier.path + ".", 0) == 0 ||
                earlier.path.rfind(axis.path + ".", 0) == 0)
                a.fail("path", "\"" + axis.path + "\" overlaps the earlier axis \"" + earlier.path + "\"");
        if (a.has("values") == a.has("range")) a.fail_here("expected exactly one of \"values\" and \"range\"");
        if (a.has("values")) {
            const JsonArray v = a.array("values");
            if (v.empty()) a.fail("values", "expected at least one value");
            for (std::size_t k = 0; k < v.size(); ++k)
                axis.values.push_back(v[k]);
        } else {
            axis.values = range_values(a.object("range"));
            if (axis.values.empty()) a.fail("range", "spans no value");
        }
        check_axis(axes, i, axis, spec, canonical);
        if (grid > kMaxGridPoints / int64_t(axis.values.size()))
            root.fail("axes", "the grid spans more than " + std::to_string(kMaxGridPoints) + " points");
        grid *= int64_t(axis.values.size());
        spec.axes.push_back(std::move(axis));
    }

    if (auto s = root.optional_object("sampling")) {
        s->finish({"mode", "points", "seed"});
        const std::string mode = s->choice("mode", {"grid", "random"}, "grid", "sampling mode");
        spec.sampling          = mode == "random" ? Sampling::Random : Sampling::Grid;
        if (spec.sampling == Sampling::Random) {
            spec.random_points = s->integer_in("points", 1, kMaxGridPoints);
            spec.random_seed   = uint64_t(s->integer_in("seed", 1, 0, INT64_MAX));
        } else if (s->has("points") || s->has("seed")) {
            s->fail(s->has("points") ? "points" : "seed", "only used with \"mode\": \"random\"");
        }
    }
    if (auto c = root.optional_object("constraints")) {
        if (c->has("max_ttft_ms"))
            c->fail("max_ttft_ms", "TTFT (time to first token) depends on queueing and the prefill of each "
                                   "request: it needs the serving replay, which a sweep does not run yet; a sweep "
                                   "can bound decode TPOT (max_tpot_ms) and tokens/s per user");
        c->finish({"must_fit", "min_tokens_per_s_per_user", "max_tpot_ms"});
        spec.constraints.must_fit = c->boolean("must_fit", true);
        spec.constraints.min_tokens_per_s_per_user =
            read_bounded(*c, "min_tokens_per_s_per_user", "sweep.constraints.min_tokens_per_s_per_user", 0);
        (void)read_bounded(*c, "max_tpot_ms", "sweep.constraints.max_tpot_ms", 0); // checked in s, kept in ms
        spec.constraints.max_tpot_ms = c->number("max_tpot_ms", 0);
        const bool prefill_only      = resolved.workload.phase != Phase::Decode && !has_axis(spec, "workload.phase");
        for (const char* key : {"min_tokens_per_s_per_user", "max_tpot_ms"})
            if (prefill_only && c->has(key) && c->number(key) > 0)
                c->fail(key, "a per-user decode figure, but the base scenario simulates the prefill unit "
                             "(workload.phase) and no axis changes that: no point could meet it");
    }
    if (auto c = root.optional_object("cost")) {
        c->finish({"usd_per_gpu_hour", "usd_per_gpu_hour_by_gpu"});
        // A GPU-hour's price has the scenario's plausible range (serving.prices.gpu_hour_usd), above 0.
        const PhysicalBound& price_bound = physical_bound("serving.prices.gpu_hour_usd");
        const auto price_of              = [&](const JsonObject& o, const std::string& key, double fallback) {
            const double usd = o.positive(key, fallback);
            if (usd > price_bound.max)
                o.fail(key, format_number(usd) + " USD is outside the plausible range (0, " +
                                             format_number(price_bound.max) + " USD] (" + std::string(price_bound.reason) + ")");
            return usd;
        };
        spec.cost.usd_per_gpu_hour = price_of(*c, "usd_per_gpu_hour", kDefaultUsdPerGpuHour);
        if (auto by = c->optional_object("usd_per_gpu_hour_by_gpu")) {
            for (const auto& [gpu, price] : c->value("usd_per_gpu_hour_by_gpu").items()) {
                try {
                    (void)find_gpu(gpu);
                } catch (const ConfigError& e) {
                    by->fail(gpu, e.what());
                }
                spec.cost.usd_per_gpu_hour_by_gpu[gpu] = price_of(*by, gpu, 0);
                (void)price;
            }
        }
    }
    return spec;
}

SweepSpec load_sweep(const fs::path& path) {
    return parse_sweep(read_file(path), path.string(), path.has_parent_path() ? path.parent_path() : fs::path("."));
}

} // namespace moetwin::sweep
