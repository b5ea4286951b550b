// SPDX-License-Identifier: Apache-2.0
// Scenario differences: a recursive walk over two JSON trees.
#include "gui/scenario_diff.hpp"

#ifndef JSON_USE_IMPLICIT_CONVERSIONS
#define JSON_USE_IMPLICIT_CONVERSIONS 0
#endif
#include <nlohmann/json.hpp>

#include <set>

namespace moetwin::gui {
namespace {

using Json = nlohmann::json;

constexpr const char* kAbsent = "(absent)";

std::string member_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

void walk(const Json* a, const Json* b, const std::string& path, std::vector<JsonDifference>& out) {
    if (a && b && a->is_object() && b->is_object()) {
        std::set<std::string> keys;
        for (const auto& [k, v] : a->items())
            keys.insert(k);
        for (const auto& [k, v] : b->items())
            keys.insert(k);
        for (const std::string& k : keys) {
            const auto ia = a->find(k), ib = b->find(k);
            walk(ia == a->end() ? nullptr : &*ia, ib == b->end() ? nullptr : &*ib, member_path(path, k), out);
        }
        return;
    }
    if (a && b && a->is_array() && b->is_array() && a->size() == b->size()) {
        for (size_t i = 0; i < a->size(); ++i)
            walk(&(*a)[i], &(*b)[i], path + "[" + std::to_string(i) + "]", out);
        return;
    }
    if (a && b && *a == *b) return;
    out.push_back({path, a ? a->dump() : kAbsent, b ? b->dump() : kAbsent});
}

} // namespace

std::vector<JsonDifference> json_differences(std::string_view a_json, std::string_view b_json) {
    const Json a = Json::parse(a_json), b = Json::parse(b_json);
    std::vector<JsonDifference> out;
    walk(&a, &b, "", out);
    return out;
}

bool records_scenario(const RunResult& r) {
    return r.scenario_json != "{}";
}

std::vector<JsonDifference> scenario_differences(const RunResult& a, const RunResult& b) {
    if (!records_scenario(a) || !records_scenario(b)) return {};
    std::vector<JsonDifference> out;
    for (JsonDifference& d : json_differences(a.scenario_json, b.scenario_json))
        if (d.path != "name" && d.path != "description") out.push_back(std::move(d));
    return out;
}

} // namespace moetwin::gui
