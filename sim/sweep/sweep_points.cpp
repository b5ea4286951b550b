// SPDX-License-Identifier: Apache-2.0
// Grid and random expansion of a sweep, and one point's scenario JSON (sweep_points.hpp).
#include "sim/sweep/sweep_points.hpp"

#include "common/errors.hpp"
#include "common/rng.hpp"

#include <set>

namespace moetwin::sweep {
namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

// A uniform integer in [0, n) from one 64-bit draw (Lemire's multiply-shift; bias below n / 2^64).
int64_t below(Rng& rng, int64_t n) {
    return int64_t((static_cast<unsigned __int128>(rng.next()) * static_cast<unsigned __int128>(n)) >> 64);
}

PointSpec point_at(const SweepSpec& spec, int64_t grid_index) {
    PointSpec p;
    p.grid_index = grid_index;
    p.values.resize(spec.axes.size());
    int64_t rest = grid_index;
    for (std::size_t a = spec.axes.size(); a-- > 0;) {
        const int64_t n = int64_t(spec.axes[a].values.size());
        p.values[a]     = spec.axes[a].values[std::size_t(rest % n)];
        rest /= n;
    }
    return p;
}

bool has_axis(const SweepSpec& spec, const std::string& path) {
    for (const Axis& a : spec.axes)
        if (a.path == path) return true;
    return false;
}

void erase_key(nlohmann::json& j, const std::string& object_path, const std::string& key) {
    nlohmann::json* o = &j;
    for (const std::string& part : split_path(object_path)) {
        if (!o->is_object() || !o->contains(part)) return;
        o = &(*o)[part];
    }
    if (o->is_object()) o->erase(key);
}

} // namespace

int64_t SweepSpec::grid_size() const {
    int64_t n = 1;
    for (const Axis& a : axes)
        n *= int64_t(a.values.size()); // bounded by kMaxGridPoints when parsed (sweep_spec.cpp)
    return n;
}

std::vector<PointSpec> expand_points(const SweepSpec& spec) {
    const int64_t n = spec.grid_size();
    std::vector<PointSpec> points;
    if (spec.sampling == Sampling::Grid || spec.random_points >= n) {
        points.reserve(std::size_t(n));
        for (int64_t i = 0; i < n; ++i)
            points.push_back(point_at(spec, i));
        return points;
    }
    // Floyd's algorithm: k distinct indices from [0, n) with k draws.
    Rng rng(spec.random_seed);
    std::set<int64_t> chosen;
    for (int64_t j = n - spec.random_points; j < n; ++j) {
        const int64_t t = below(rng, j + 1);
        chosen.insert(chosen.count(t) ? j : t);
    }
    for (const int64_t i : chosen)
        points.push_back(point_at(spec, i));
    return points;
}

const nlohmann::json* json_find(const nlohmann::json& j, const std::string& path) {
    const nlohmann::json* o = &j;
    for (const std::string& part : split_path(path)) {
        if (!o->is_object()) return nullptr;
        const auto it = o->find(part);
        if (it == o->end()) return nullptr;
        o = &*it;
    }
    return o;
}

void json_set(nlohmann::json& j, const std::string& path, const nlohmann::json& value) {
    nlohmann::json* o = &j;
    for (const std::string& part : split_path(path)) {
        if (!o->is_object()) *o = nlohmann::json::object();
        o = &(*o)[part];
    }
    *o = value;
}

std::vector<std::string> json_leaf_paths(const nlohmann::json& j) {
    std::vector<std::string> out;
    const auto walk = [&out](const auto& self, const nlohmann::json& v, const std::string& prefix) -> void {
        if (!v.is_object()) {
            out.push_back(prefix);
            return;
        }
        for (auto it = v.begin(); it != v.end(); ++it)
            self(self, it.value(), prefix.empty() ? it.key() : prefix + "." + it.key());
    };
    if (j.is_object()) walk(walk, j, "");
    return out;
}

std::string derived_from(const std::string& path) {
    const std::vector<std::string> p = split_path(path);
    if (p.size() != 3 || p[0] != "deployment") return "";
    const std::string unit = "deployment." + p[1] + ".";
    if (p[2] == "ep_size") return unit + "num_nodes × cluster.gpus_per_node";
    if (p[2] == "dp_size") return "ep_size / " + unit + "tp_size";
    if (p[2] == "routed_experts_per_gpu")
        return "the model's routed experts + " + unit + "redundant_experts + " + unit +
               "shared_expert_slots over ep_size";
    return "";
}

nlohmann::json point_scenario(const SweepSpec& spec, const std::vector<nlohmann::json>& values) {
    MOETWIN_ASSERT(values.size() == spec.axes.size(), "one value per axis");
    nlohmann::json j = spec.base;
    bool any_nodes   = false;
    if (const nlohmann::json* dep = json_find(j, "deployment"); dep && dep->is_object()) {
        std::vector<std::string> units;
        for (auto it = dep->begin(); it != dep->end(); ++it)
            units.push_back(it.key());
        const bool gpus = has_axis(spec, "cluster.gpus_per_node");
        for (const std::string& u : units) {
            const std::string at = "deployment." + u;
            const bool nodes     = has_axis(spec, at + ".num_nodes");
            any_nodes            = any_nodes || nodes;
            const bool size      = nodes || gpus; // ep_size follows, and everything derived from it
            if (size) erase_key(j, at, "ep_size");
            if (size || has_axis(spec, at + ".tp_size")) erase_key(j, at, "dp_size");
            if (size || has_axis(spec, at + ".redundant_experts") || has_axis(spec, at + ".shared_expert_slots"))
                erase_key(j, at, "routed_experts_per_gpu");
        }
    }
    if (any_nodes && !has_axis(spec, "cluster.num_nodes")) erase_key(j, "cluster", "num_nodes");
    for (std::size_t a = 0; a < spec.axes.size(); ++a)
        json_set(j, spec.axes[a].path, values[a]);
    return j;
}

} // namespace moetwin::sweep
